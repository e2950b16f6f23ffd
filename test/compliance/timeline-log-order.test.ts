/**
 * Two snapshots of one policy are not one entry when another policy's snapshot may lie between them
 * in the log: the policies of a period follow the log's order (docs/compliance.md, "Which policy
 * applies"), and a snapshot's time is only its writer's clock. A strict policy put back at 16:00 by
 * a snapshot whose clock says 09:30 must govern the lines after its event, not be dropped as "the
 * same as the strict policy before the day" (time order), which left the lax policy of 10:00 in
 * force for the rest of the day.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompliance } from '../../src/compliance/index.js';
import { exportPack } from '../../src/pack/index.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { verifyPack } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { bigOrder, DATE, LOGIN, micros, TEST_POLICY, writeEvents, writePolicy } from './helpers.js';

const STRICT = TEST_POLICY.replace('max_order_notional: 1000000', 'max_order_notional: 100000');
const LAX = TEST_POLICY.replace('max_order_notional: 1000000', 'max_order_notional: 1000000000');

describe('the policies of a period', () => {
  it('keep a snapshot of an earlier policy taken back after another, whatever its clock says', async () => {
    const cwd = tempDir();
    const logDir = join(cwd, 'logs');
    const snapshotDir = join(cwd, 'audit/snapshots');
    const snap = (date: string, time: string) =>
      createConfigSnapshot({
        cwd,
        snapshotDir,
        logDir,
        reason: `${date} ${time}`,
        clock: () => micros(date, time),
        patterns: ['configs/*.yaml'],
      });
    writePolicy(cwd, STRICT);
    await snap('2025-09-07', '12:00:00'); // the day before: strict
    await writeEvents(logDir, [LOGIN, ...bigOrder('09:00:00', 'EARLY')]);
    writePolicy(cwd, LAX);
    const lax = await snap(DATE, '10:00:00');
    await writeEvents(logDir, bigOrder('11:00:00', 'LAX'));
    writePolicy(cwd, STRICT);
    // Strict again, logged after 11:00's lines; its writer's clock says 09:30.
    const back = await snap(DATE, '09:30:00');
    await writeEvents(logDir, bigOrder('17:00:00', 'LATE'));

    const r = await checkCompliance({ cwd, logDir, from: DATE, to: DATE, snapshotDir });
    const notional = r.findings.filter((f) => f.rule === 'order_notional_exceeded').map((f) => f.order_ids);
    expect(notional).toEqual([['EARLY'], ['LATE']]);
    expect(r.findings.filter((f) => f.rule === 'config_snapshot_backdated').length).toBe(1);
    // Listed in the order their events take force (at48 F1/F5): the report ends under `back`.
    expect(r.policies.map((p) => p.snapshot_id).slice(1)).toEqual([lax.snapshot_id, back.snapshot_id]);
    expect(r.policy.snapshot_id).toBe(back.snapshot_id);

    // The export records the same policies, and verify's re-run from the pack finds the same.
    const pack = await exportPack({
      date: DATE,
      logDir,
      artifactsDir: join(cwd, 'artifacts'),
      version: '0.1.0',
      recordEvent: false,
      // With the log, as the CLI gives it: the config of record is the chain's last event (`back`).
      snapshot: { cwd, snapshotDir, logDir, patterns: ['configs/*.yaml'] },
    });
    expect(pack.compliance?.warning).toBe(r.totals.warning);
    const v = await verifyPack(pack.path);
    expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });
});
