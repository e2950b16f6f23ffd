import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompliance } from '../../src/compliance/index.js';
import { exportPack } from '../../src/pack/index.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { verifyPack } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { DATE, micros, TEST_POLICY, writeEvents, writePolicy, bigOrder as order } from './helpers.js';

describe('the policy in force at each event', () => {
  it('comes from the latest snapshot logged before the event; the report and the pack name them all', async () => {
    const cwd = tempDir();
    const snapshotDir = join(cwd, 'audit/snapshots');
    const snap = async (time: string, reason: string) =>
      createConfigSnapshot({
        cwd,
        snapshotDir,
        logDir: join(cwd, 'logs'),
        reason,
        clock: () => micros(DATE, time),
        patterns: ['configs/*.yaml'],
      });
    writePolicy(cwd, TEST_POLICY); // max_order_notional 1,000,000
    await writeEvents(join(cwd, 'logs'), [['06:00:00', 'auth', 'Login', { user: 'alice' }]]);
    const s1 = await snap('07:00:00', 'start of day');
    await writeEvents(join(cwd, 'logs'), order('10:00:00', 'MORNING'));
    writePolicy(cwd, TEST_POLICY.replace('max_order_notional: 1000000', 'max_order_notional: 100000'));
    const s2 = await snap('12:00:00', 'limits cut at noon');
    writePolicy(cwd, 'max_order_notional: 1\n'); // the file now: used by nothing, the snapshots rule
    await writeEvents(join(cwd, 'logs'), order('13:00:00', 'AFTERNOON'));

    const r = await checkCompliance({ cwd, logDir: join(cwd, 'logs'), from: DATE, to: DATE, snapshotDir });
    expect(r.findings.map((f) => [f.rule, f.order_ids])).toEqual([['order_notional_exceeded', ['AFTERNOON']]]);
    expect(r.findings[0]?.description).toContain('above the limit 100,000');
    expect(r.policy).toMatchObject({
      source: 'snapshot',
      snapshot_id: s2.snapshot_id,
      sha256: s2.files['configs/compliance_policy.yaml']?.hash,
    });
    // No snapshot before the day: the 06:00 login, logged before s1's event, fell under the built-in policy.
    expect(r.policies.map((p) => [p.snapshot_id, p.from])).toEqual([
      [null, null],
      [s1.snapshot_id, `${DATE}T07:00:00.000000Z`],
      [s2.snapshot_id, `${DATE}T12:00:00.000000Z`],
    ]);

    // The export uses the same policies, and verify re-runs with them from the pack alone.
    const pack = await exportPack({
      date: DATE,
      logDir: join(cwd, 'logs'),
      artifactsDir: join(cwd, 'artifacts'),
      version: '0.1.0',
      recordEvent: false,
      snapshot: { cwd, snapshotDir, patterns: ['configs/*.yaml'] },
    });
    expect(pack.compliance).toEqual({ critical: 0, warning: 1, info: 0, total: 1 });
    const v = await verifyPack(pack.path);
    expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('skips a snapshotted policy that does not parse, says so, and keeps the one before it in force', async () => {
    const cwd = tempDir();
    const snapshotDir = join(cwd, 'audit/snapshots');
    const snap = async (time: string) =>
      createConfigSnapshot({
        cwd,
        snapshotDir,
        logDir: join(cwd, 'logs'),
        reason: time,
        clock: () => micros(DATE, time),
        patterns: ['configs/*.yaml'],
      });
    writePolicy(cwd, TEST_POLICY.replace('max_order_notional: 1000000', 'max_order_notional: 100000'));
    await snap('07:00:00');
    writePolicy(cwd, 'max_order_notional: [oops\n');
    const broken = await snap('09:00:00');
    await writeEvents(join(cwd, 'logs'), [['06:00:00', 'auth', 'Login', { user: 'alice' }], ...order('10:00:00', 'X')]);
    const r = await checkCompliance({ cwd, logDir: join(cwd, 'logs'), from: DATE, to: DATE, snapshotDir });
    expect(r.findings.map((f) => f.rule)).toEqual(['order_notional_exceeded']);
    expect(r.policies.map((p) => p.source)).toEqual(['built-in', 'snapshot']); // none before the day
    expect(r.policy_notes).toEqual([
      expect.stringContaining(
        `snapshot ${broken.snapshot_id}: configs/compliance_policy.yaml was not used, it does not parse`,
      ),
      expect.stringContaining('any event logged before its ConfigSnapshot event was checked under the built-in'),
    ]);
    const pack = await exportPack({
      date: DATE,
      logDir: join(cwd, 'logs'),
      artifactsDir: join(cwd, 'artifacts'),
      version: '0.1.0',
      recordEvent: false,
      snapshot: { cwd, snapshotDir, patterns: ['configs/*.yaml'] },
    });
    expect((await verifyPack(pack.path)).problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('counts only snapshots the audit log records: one logged elsewhere or with a changed record is noted, not used', async () => {
    const cwd = tempDir();
    const snapshotDir = join(cwd, 'audit/snapshots');
    const snap = (time: string, logDir: string) =>
      createConfigSnapshot({
        cwd,
        snapshotDir,
        logDir,
        reason: time,
        clock: () => micros(DATE, time),
        patterns: ['configs/*.yaml'],
      });
    writePolicy(cwd, TEST_POLICY.replace('max_order_notional: 1000000', 'max_order_notional: 100000'));
    await snap('07:00:00', join(cwd, 'logs'));
    // A planted policy (no notional limit to speak of) whose ConfigSnapshot event went to another log.
    writePolicy(cwd, TEST_POLICY.replace('max_order_notional: 1000000', 'max_order_notional: 1000000000'));
    const planted = await snap('09:00:00', join(cwd, 'elsewhere'));
    writePolicy(cwd, TEST_POLICY.replace('max_order_notional: 1000000', 'max_order_notional: 100000'));
    await writeEvents(join(cwd, 'logs'), [['06:00:00', 'auth', 'Login', { user: 'alice' }], ...order('10:00:00', 'X')]);
    const r = await checkCompliance({ cwd, logDir: join(cwd, 'logs'), from: DATE, to: DATE, snapshotDir });
    expect(r.findings.map((f) => f.rule)).toEqual(['order_notional_exceeded']);
    expect(r.policies.map((p) => p.snapshot_id)).not.toContain(planted.snapshot_id);
    expect(r.policy_notes).toEqual([
      expect.stringContaining(`snapshot ${planted.snapshot_id}: configs/compliance_policy.yaml was not used, the log`),
      expect.stringContaining('any event logged before its ConfigSnapshot event was checked under the built-in'),
    ]);
    const pack = await exportPack({
      date: DATE,
      logDir: join(cwd, 'logs'),
      artifactsDir: join(cwd, 'artifacts'),
      version: '0.1.0',
      recordEvent: false,
      snapshot: { cwd, snapshotDir, patterns: ['configs/*.yaml'] },
    });
    expect(pack.compliance.total).toBe(1);
    expect(readFileSync(join(pack.path, 'data/report.html'), 'utf8')).toContain(planted.snapshot_id);
    expect((await verifyPack(pack.path)).problems.filter((p) => p.severity === 'error')).toEqual([]);

    // The recorded snapshot's record edited afterwards: its logged record_sha256 no longer matches.
    const recFile = join(snapshotDir, `${r.policies.find((p) => p.source === 'snapshot')?.snapshot_id}.json`);
    writeFileSync(recFile, readFileSync(recFile, 'utf8').replace('"reason"', '"reason" '));
    const r2 = await checkCompliance({ cwd, logDir: join(cwd, 'logs'), from: DATE, to: DATE, snapshotDir });
    // The chain records it: the policy is unknown from its event on, never the file on disk (at42 F2).
    expect(r2.policies.map((p) => p.source)).toEqual(['built-in']);
    expect(r2.policy_notes.join('\n')).toContain('another record_sha256');
    expect(r2.policy_notes.join('\n')).toContain('the built-in policy is in force from its event on');
  });

  it("uses neither a snapshot whose day's log retention pruned (no pack of it at hand) nor one dated on a day with no log after the oldest kept", async () => {
    const cwd = tempDir();
    const logDir = join(cwd, 'logs');
    const snapshotDir = join(cwd, 'audit/snapshots');
    const snap = (date: string, log: string) =>
      createConfigSnapshot({
        cwd,
        snapshotDir,
        logDir: log,
        reason: date,
        clock: () => micros(date, '07:00:00'),
        patterns: ['configs/*.yaml'],
      });
    writePolicy(cwd, TEST_POLICY.replace('max_order_notional: 1000000', 'max_order_notional: 100000'));
    const old = await snap('2025-09-01', logDir);
    await writeEvents(logDir, [['08:00:00', 'auth', 'Login', { user: 'x' }]], '2025-09-03');
    rmSync(join(logDir, 'audit-20250901.jsonl')); // pruned by retention; 2025-09-03 is the oldest kept
    // Planted: dated 2025-09-05, a day with no log, its event sent elsewhere.
    writePolicy(cwd, TEST_POLICY.replace('max_order_notional: 1000000', 'max_order_notional: 1000000000'));
    const planted = await snap('2025-09-05', join(cwd, 'elsewhere'));
    await writeEvents(logDir, [['06:00:00', 'auth', 'Login', { user: 'alice' }], ...order('10:00:00', 'X')]);
    const r = await checkCompliance({ cwd, logDir, from: DATE, to: DATE, snapshotDir });
    // Under the built-in policy (notional limit 1,000,000), not the pruned day's (100,000) nor the
    // planted one: before rules 27 the pruned day's snapshot was used with a note.
    expect(r.findings.map((f) => f.rule)).toEqual([]);
    expect(r.policies.map((p) => p.source)).toEqual(['built-in']);
    // The chain's events before the period cannot be told (2025-09-02 gone, no record of its removal):
    // neither the planted record (no event names it) nor the pruned day's is taken (at28 F2).
    expect(r.policy_notes).toEqual([
      expect.stringContaining('the log file of 2025-09-02 (audit-20250902.jsonl) is not in the log directory'),
      expect.stringContaining('the period starts under the built-in policy'),
    ]);
    expect(r.policy_notes.join(' ')).not.toContain(planted.snapshot_id);
    expect(r.policy_notes.join(' ')).not.toContain(old.snapshot_id);
  });
});
