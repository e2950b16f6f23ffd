/**
 * Heavy test groups: test files that start a server or a browser, and the verification matrices
 * (the slowest files, whose work is auditpack's own logic, the same on every Node.js line). `npm
 * test` runs every group.
 * CI's extra Node.js lines (.ci/run) leave the groups named in AUDITPACK_TEST_SKIP (comma-separated)
 * to the main line: vitest.config.ts excludes their files and prints which, so a skip is never
 * silent. A name that is not a group here, or a listed file that does not exist, stops the run:
 * a typo or a renamed file must not quietly change what runs.
 *
 * A heavy test file joins a group by being listed here (path from the repository root).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface TestGroup {
  /** What makes it heavy. */
  readonly why: string;
  readonly files: readonly string[];
}

export const TEST_GROUPS: Readonly<Record<string, TestGroup>> = Object.freeze({
  ceph: {
    why: 'starts a real Ceph radosgw (S3 with Object Lock)',
    files: ['test/e2e/archive.test.ts', 'test/e2e/archive-reviews.test.ts', 'test/e2e/rollup-archive.test.ts'],
  },
  chromium: { why: 'renders pages in headless Chromium', files: ['test/e2e/report-html.test.ts'] },
  matrix: {
    why: "verification matrices over auditpack's own logic (hundreds of in-process verifications and Python checker runs; no server, no Node.js API a lighter test leaves out)",
    files: [
      'test/verify/pack.test.ts',
      'test/verify/tamper-matrix.test.ts',
      'test/verify/archive-evidence.test.ts',
      'test/verify/rollup.test.ts',
      'test/verify/archive-reexport.test.ts',
      'test/verify/archive-retention.test.ts',
      'test/verify/archive-live.test.ts',
      'test/verify/archive-prune-signatures.test.ts',
      'test/verify/python-checker-hostile.test.ts',
    ],
  },
});

/** The environment variable naming the groups to skip. */
export const SKIP_VAR = 'AUDITPACK_TEST_SKIP';

/** The files to exclude for `value` (the variable's value), and one line saying so; throws on an unknown group or a missing file. */
export function skippedFiles(
  value: string | undefined,
  root: string,
  groups: Readonly<Record<string, TestGroup>> = TEST_GROUPS,
): { files: string[]; note: string | undefined } {
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) return { files: [], note: undefined };
  const files: string[] = [];
  for (const name of names) {
    const group = Object.hasOwn(groups, name) ? groups[name] : undefined;
    if (!group)
      throw new Error(
        `${SKIP_VAR}: no test group "${name}" (groups: ${Object.keys(groups).join(', ')}; test/groups.ts)`,
      );
    for (const f of group.files) {
      if (!existsSync(join(root, f)))
        throw new Error(`test/groups.ts: group "${name}" lists ${f}, which does not exist`);
      files.push(f);
    }
  }
  const list = files.length > 0 ? files.join(', ') : 'no files yet';
  return {
    files,
    note: `${SKIP_VAR}=${names.join(',')}: not running the ${names.join(' and ')} test group${names.length > 1 ? 's' : ''} (${list}); the main CI line runs them`,
  };
}
