/**
 * The fault suite's kill -9 part (see harness.ts): export, prune and snapshot killed at random
 * points, a few trials each. `npx tsx bench/faults.ts --trials 50` runs many more.
 */
import { describe, expect, it } from 'vitest';
import { exportTrials, pruneTrials, snapshotTrials, type TrialResult } from './harness.js';

const TRIALS = Number(process.env.AUDITPACK_FAULT_TRIALS ?? 3);

function failures(results: TrialResult[]): string[] {
  return results.flatMap((r) =>
    r.problems.map((p) => `${r.scenario} trial ${r.trial} (killed after ${r.killAfterMs} ms): ${p}`),
  );
}

describe('kill -9 at random points', () => {
  it(`export --compress (${TRIALS} trials): the re-run completes (rebuilds a missing .tar.gz), removes leftovers, and everything verifies`, async () => {
    const results = await exportTrials(TRIALS, 10_000);
    expect(results).toHaveLength(TRIALS);
    expect(failures(results)).toEqual([]);
  }, 300_000);

  it(`prune (${TRIALS} trials): right after the kill the archive verifies (no half-deleted pack), and the re-run finishes cleanly`, async () => {
    const results = await pruneTrials(TRIALS, 7, 500);
    expect(results).toHaveLength(TRIALS);
    expect(failures(results)).toEqual([]);
  }, 300_000);

  it(`snapshot (${TRIALS} trials): the store stays readable and the re-run succeeds`, async () => {
    const results = await snapshotTrials(TRIALS, 200);
    expect(results).toHaveLength(TRIALS);
    expect(failures(results)).toEqual([]);
  }, 300_000);
});
