import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompliance } from '../../src/compliance/index.js';
import { exportPack } from '../../src/pack/index.js';
import { prune } from '../../src/retention/prune.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { verifyPack } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { DATE, micros, TEST_POLICY, writeEvents, writePolicy, bigOrder as order } from './helpers.js';

/** Takes a snapshot of configs/*.yaml at `date` `time` UTC, its event logged into `log`. */
function snapper(cwd: string, snapshotDir: string) {
  return (date: string, time: string, log: string) =>
    createConfigSnapshot({
      cwd,
      snapshotDir,
      logDir: log,
      reason: `${date} ${time}`,
      clock: () => micros(date, time),
      patterns: ['configs/*.yaml'],
    });
}

/**
 * Log retention removes 2025-09-06's file (a LogPruned event records it): its pack's copy, whose
 * bytes hash to that event's sha256, is what vouches for it. A file removed by hand would leave no
 * such record, and its pack copy would vouch for nothing (at24 F1: artifacts/ is writable).
 */
async function pruneSept6(logDir: string, artifactsDir: string): Promise<void> {
  const now = Date.parse('2025-09-08T23:00:00Z');
  await prune({
    artifactsDir,
    retentionDays: 90,
    logs: { logDir, retentionDays: 1 },
    now,
    loggerClock: () => now * 1000,
  });
  expect(readdirSync(logDir)).not.toContain('audit-20250906.jsonl');
}

// attack11 #07: yesterday's log removed once packed, and a snapshot planted with its event sent elsewhere.
describe('a snapshot whose day has no log file any more', () => {
  it("is looked for in its day's pack, and one that cannot be checked never displaces a recorded one", async () => {
    const cwd = tempDir();
    const logDir = join(cwd, 'logs');
    const artifactsDir = join(cwd, 'artifacts');
    const snapshotDir = join(cwd, 'audit/snapshots');
    const snap = snapper(cwd, snapshotDir);
    const opts = { cwd, logDir, from: DATE, to: DATE, snapshotDir, artifactsDir };
    const strict = TEST_POLICY.replace('max_order_notional: 1000000', 'max_order_notional: 100000');
    const weak = TEST_POLICY.replace('max_order_notional: 1000000', 'max_order_notional: 1000000000');
    writePolicy(cwd, strict);
    const good = await snap('2025-09-06', '07:00:00', logDir);
    await writeEvents(logDir, [['08:00:00', 'auth', 'Login', { user: 'x' }]], '2025-09-06');
    const snapshot = { cwd, snapshotDir, patterns: ['configs/*.yaml'] };
    const common = { logDir, artifactsDir, version: '0.1.0', recordEvent: false, snapshot };
    await exportPack({ date: '2025-09-06', ...common });
    await writeEvents(logDir, [['06:00:00', 'auth', 'Login', { user: 'alice' }], ...order('10:00:00', 'X')]);
    await pruneSept6(logDir, artifactsDir); // in its pack: the oldest log kept is now the day's

    // Dated the packed day, its event elsewhere: the pack's copy of that day's log does not record it.
    writePolicy(cwd, weak);
    const planted = await snap('2025-09-06', '23:00:00', join(cwd, 'elsewhere'));
    const r = await checkCompliance(opts);
    expect(r.findings.map((f) => f.rule)).toEqual(['order_notional_exceeded']);
    expect(r.policies.map((p) => p.snapshot_id)).toEqual([good.snapshot_id]);
    // The chain's events decide (at28 F2): a stored record no event names is not even looked at.
    expect(r.policy_notes).toEqual([]);
    expect(r.policies.map((p) => p.snapshot_id)).not.toContain(planted.snapshot_id);

    // Dated a day with neither log nor pack, which the chain shows held no event (the next file's
    // first line links to where 2025-09-06's ended): not recorded, not used.
    const unchecked = await snap('2025-09-07', '07:00:00', join(cwd, 'elsewhere'));
    const r2 = await checkCompliance(opts);
    expect(r2.findings.map((f) => f.rule)).toEqual(['order_notional_exceeded']);
    expect(r2.policies.map((p) => p.snapshot_id)).toEqual([good.snapshot_id]);
    // Dated the day before the period, it is looked at as a line of the period could be (a late event):
    // noted, not used.
    expect(r2.policy_notes).toEqual([
      expect.stringContaining(
        `snapshot ${unchecked.snapshot_id}: configs/compliance_policy.yaml was not used, the log has no ConfigSnapshot event`,
      ),
    ]);

    // The export judges the day the same way, and verify's re-run with the recorded policies agrees.
    const pack = await exportPack({ date: DATE, ...common });
    expect(pack.compliance.total).toBe(1);
    expect((await verifyPack(pack.path)).problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('a recorded snapshot whose record the store lost: the day starts under the built-in policy, never under an older one, and a note says why', async () => {
    const cwd = tempDir();
    const logDir = join(cwd, 'logs');
    const snapshotDir = join(cwd, 'audit/snapshots');
    const snap = snapper(cwd, snapshotDir);
    // The operator's policy restricts NORD; the built-in one restricts nothing but holds the
    // built-in limits, and the planted one lifts the notional limit.
    writePolicy(cwd, TEST_POLICY.replace('max_order_notional: 1000000', 'max_order_notional: 100000'));
    const good = await snap('2025-09-06', '07:00:00', logDir);
    await writeEvents(logDir, [['08:00:00', 'auth', 'Login', { user: 'x' }]], '2025-09-06');
    const snapshot = { cwd, snapshotDir, patterns: ['configs/*.yaml'] };
    const artifactsDir = join(cwd, 'artifacts');
    // A later recorded snapshot of the day, whose record is then lost: the prune carries it, not
    // `good`, as the file's config_in_force, so nothing vouches for `good` once the file is gone.
    const lost = await snap('2025-09-06', '20:00:00', logDir);
    await exportPack({ date: '2025-09-06', logDir, artifactsDir, version: '0.1.0', recordEvent: false, snapshot });
    await writeEvents(logDir, [['06:00:00', 'auth', 'Login', { user: 'alice' }], ...order('10:00:00', 'X')]);
    await pruneSept6(logDir, artifactsDir);
    rmSync(join(snapshotDir, `${lost.snapshot_id}.json`));
    writePolicy(cwd, TEST_POLICY.replace('max_order_notional: 1000000', 'max_order_notional: 1000000000'));
    const planted = await snap('2025-09-06', '23:00:00', join(cwd, 'elsewhere'));

    // The chain's newest ConfigSnapshot before the period is `lost` (the config_in_force of the removed
    // file): its record gone from the store, the policy is unknown, never rolled back to `good` (at25
    // F1), with the pack at hand or not; the planted record is no candidate at all.
    for (const where of [{}, { artifactsDir: join(cwd, 'elsewhere-art') }, { artifactsDir }]) {
      const r = await checkCompliance({ cwd, logDir, from: DATE, to: DATE, snapshotDir, ...where });
      expect(r.policies.map((p) => p.source)).toEqual(['built-in']);
      expect(r.policy_notes).toEqual([
        expect.stringContaining(`snapshot ${lost.snapshot_id}: configs/compliance_policy.yaml was not used`),
        expect.stringContaining('the period starts under the built-in policy'),
      ]);
      expect(r.policy_notes[0]).toContain('does not hold its record (deleted?)');
      expect(r.policy_notes[0]).toContain('the configs_in_force of the LogPruned event of audit-20250906.jsonl');
      expect(r.policy_notes.join(' ')).not.toContain(good.snapshot_id);
      expect(r.policy_notes.join(' ')).not.toContain(planted.snapshot_id);
    }
  });
});
