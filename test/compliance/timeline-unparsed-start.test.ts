/**
 * The policy in force when a day starts, when the day before's newest policy snapshot does not
 * parse (docs/FORMAT.md, `policy_notes`: skipped, "the policy before it stayed in force"). Made by
 * snapshotting the policy the day before (a strict one at 18:00, a broken edit at 23:59:59), then
 * editing the working file after the fact: the chain's walk used to end at the broken snapshot's
 * full event and the day ran under the working file (or threw CONFIG_INVALID while it was broken).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyTimeline } from '../../src/compliance/timeline.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { verifyPack } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { reportOf } from '../verify/helpers/forge-report.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';
import { DATE, exportTestDay, micros, TEST_POLICY, writeEvents, writePolicy } from './helpers.js';

const BROKEN = `${TEST_POLICY}max_risk_score: [\n`; // a duplicate key: does not parse
const LAX = TEST_POLICY.replace('restricted_symbols: [NORD]', 'restricted_symbols: []');
const DAY_BEFORE = '2025-09-07';
const NOT_PARSED = 'configs/compliance_policy.yaml was not used, it does not parse';

/** Snapshots each policy on the day before at its time, then writes the day's NORD order and `working`. */
async function history(snaps: readonly (readonly [string, string])[], working: string) {
  const cwd = tempDir();
  const snapshotDir = join(cwd, 'audit', 'snapshots');
  const ids: string[] = [];
  for (const [time, policy] of snaps) {
    writePolicy(cwd, policy);
    const s = await createConfigSnapshot({
      cwd,
      snapshotDir,
      logDir: join(cwd, 'logs'),
      reason: 'policy',
      clock: () => micros(DAY_BEFORE, time),
    });
    ids.push(s.snapshot_id);
  }
  await writeEvents(join(cwd, 'logs'), [
    ['09:00:00', 'order', 'OrderAccepted', { order_id: 'A-1', symbol: 'NORD', side: 'BUY', quantity: 1, price: '1' }],
  ]);
  writePolicy(cwd, working); // edited after the day, never snapshotted
  return { cwd, snapshotDir, ids };
}

describe('a day whose start snapshot does not parse', () => {
  it('starts under the snapshot before it, noted once, whatever the working file says (at52 H3b)', async () => {
    for (const working of [LAX, BROKEN]) {
      const { cwd, snapshotDir, ids } = await history(
        [
          ['18:00:00', TEST_POLICY],
          ['23:59:59', BROKEN],
        ],
        working,
      );
      const r = await exportTestDay(cwd, { snapshot: { cwd, snapshotDir }, compliance: { cwd, snapshotDir } });
      const rep = reportOf(r.path);
      expect(rep.policies.map((p) => [p.source, p.snapshot_id])).toEqual([['snapshot', ids[0]]]);
      expect(rep.policy_notes).toEqual([expect.stringMatching(new RegExp(`^snapshot ${ids[1]}: ${NOT_PARSED}`))]);
      expect(rep.by_rule.restricted_symbol).toBe(1);
      const v = await verifyPack(r.path);
      expect(v.problems.map((p) => `${p.severity} ${p.code}`)).toEqual([]);
      expect(pythonPackCheck(r.path).errors).toEqual([]);
    }
  });

  it('starts under the built-in policy, never the working file, when no snapshot before it parses', async () => {
    const { cwd, snapshotDir, ids } = await history([['23:59:59', BROKEN]], LAX);
    const r = await exportTestDay(cwd, { snapshot: { cwd, snapshotDir }, compliance: { cwd, snapshotDir } });
    const rep = reportOf(r.path);
    expect(rep.policies.map((p) => [p.source, p.snapshot_id])).toEqual([['built-in', null]]);
    expect(rep.policy_notes).toEqual([
      expect.stringMatching(new RegExp(`^snapshot ${ids[0]}: ${NOT_PARSED}`)),
      'no snapshot of configs/compliance_policy.yaml before the period holds a policy that parses: the period starts under the built-in policy',
    ]);
    expect(r.warnings).toEqual([
      expect.stringMatching(
        /^COMPLIANCE_POLICY_UNKNOWN: .* starts under the built-in policy: no snapshot .* holds a policy that parses/,
      ),
    ]);
    expect((await verifyPack(r.path)).problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(pythonPackCheck(r.path).errors).toEqual([]);
    // Without the log (every stored snapshot counts) the same: the broken one skipped, no file.
    const t = await loadPolicyTimeline({ cwd, snapshotDir, from: DATE, to: DATE });
    expect(t.entries.map((e) => e.source)).toEqual(['built-in']);
    expect(t.notes).toHaveLength(2);
  });
});
