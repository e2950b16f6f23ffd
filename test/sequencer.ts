/**
 * The order vitest starts test files in. Its own sequencer runs the files it has timings for longest
 * first, but a clean clone (CI) has no timings, and then it runs the larger files (in bytes) first:
 * a short file that takes 90 s (the tamper matrix is 89 lines) started last keeps one worker busy
 * alone at the end while the other has nothing left. So the files measured slowest start first, in
 * this order (docs/TESTING.md has their times); the rest follow in vitest's own order.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Test files slower than about 10 s in a quiet run, slowest first (paths from the repository root). */
export const SLOW_FIRST: readonly string[] = [
  'test/e2e/archive.test.ts',
  'test/verify/pack.test.ts',
  'test/verify/tamper-matrix.test.ts',
  'test/faults/kill.test.ts',
  'test/e2e/archive-reviews.test.ts',
  'test/e2e/rollup-archive.test.ts',
  'test/verify/archive-evidence.test.ts',
  'test/logger/offload.test.ts',
  'test/verify/rollup.test.ts',
  'test/e2e/cli.test.ts',
  'test/e2e/report-html.test.ts',
  'test/logger/exit-drain.test.ts',
  'test/e2e/export.test.ts',
  'test/pack/csv.test.ts',
  'test/e2e/review.test.ts',
  'test/logger/processes.test.ts',
  'test/e2e/export-safety.test.ts',
  'test/e2e/anchor.test.ts',
  'test/verify/log-split.test.ts',
  'test/e2e/snapshot.test.ts',
  'test/archive/archive.test.ts',
  'test/faults/refusal-record.test.ts',
  'test/e2e/native-addon.test.ts',
  'test/logger/writer-thread-fallback.test.ts',
  'test/e2e/verify.test.ts',
];

/** `files` (paths from `root`) with those of SLOW_FIRST moved to the front in its order; the rest keep theirs. */
export function slowFirst<T>(files: readonly T[], pathOf: (f: T) => string): T[] {
  const rank = (f: T): number => {
    const i = SLOW_FIRST.indexOf(pathOf(f));
    return i < 0 ? SLOW_FIRST.length : i;
  };
  return files
    .map((f, i) => ({ f, i, r: rank(f) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.f);
}

/** vitest's sequencer with the slow files first. */
export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    return slowFirst(await super.sort(files), (f) => relative(root, f.moduleId).split('\\').join('/'));
  }
}
