/**
 * A policy snapshot governs the lines after its ConfigSnapshot event in the log, never the lines
 * already written: a snapshot taken at the end of a day and back-dated (faketime, or any writer's
 * clock) must not re-judge the day, and must not launder a config change it did not follow.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompliance } from '../../src/compliance/index.js';
import { exportPack } from '../../src/pack/index.js';
import { dayNumberOfIsoDate, isoDate, logFileName } from '../../src/rotation/index.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { verifyPack } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { DATE, micros, TEST_POLICY, writeEvents, writePolicy, type Ev } from './helpers.js';

/** A passing risk check, an order and its fill at `at` (HH:MM:00): notional 500,000 × `price`. */
const order = (at: string, id: string, price = 1): Ev[] => [
  [at, 'risk', 'RiskCheck', { order_id: id, result: 'pass', score: 0.1, reference_price: price }],
  [
    at.replace(/:00$/, ':01'),
    'order',
    'OrderAccepted',
    { order_id: id, symbol: 'EURUSD', side: 'BUY', quantity: 500_000, price: String(price), user: 'alice' },
  ],
  [
    at.replace(/:00$/, ':02'),
    'fill',
    'Filled',
    { order_id: id, symbol: 'EURUSD', quantity: 500_000, price: String(price) },
  ],
];

const DAY_BEFORE = isoDate((dayNumberOfIsoDate(DATE) as number) - 1);
const DAY_AFTER = isoDate((dayNumberOfIsoDate(DATE) as number) + 1);
const STRICT = TEST_POLICY.replace('max_order_notional: 1000000', 'max_order_notional: 100000');
const LAX = TEST_POLICY.replace('max_order_notional: 1000000', 'max_order_notional: 1000000000');

function day() {
  const cwd = tempDir();
  const logDir = join(cwd, 'logs');
  const snapshotDir = join(cwd, 'audit/snapshots');
  const snap = (time: string, reason: string, date = DATE) =>
    createConfigSnapshot({
      cwd,
      snapshotDir,
      logDir,
      reason,
      clock: () => micros(date, time),
      patterns: ['configs/*.yaml'],
    });
  const check = () => checkCompliance({ cwd, logDir, from: DATE, to: DATE, snapshotDir });
  return { cwd, logDir, snapshotDir, snap, check };
}

describe('a policy snapshot governs only the lines after its event in the log', () => {
  it('a snapshot logged after an order but back-dated before it does not clear its finding, and is named', async () => {
    const d = day();
    writePolicy(d.cwd, STRICT);
    await d.snap('00:00:00', 'start of day');
    await writeEvents(d.logDir, [['09:00:00', 'auth', 'Login', { user: 'alice' }], ...order('10:00:00', 'X')]);
    writePolicy(d.cwd, LAX); // 23:00, the limit lifted; the snapshot's clock says 00:00:30
    const late = await d.snap('00:00:30', 'routine');
    await writeEvents(d.logDir, order('23:10:00', 'Y')); // after the lax snapshot: under it
    const r = await d.check();
    // In time order: the back-dated snapshot's finding is dated as it claims, 00:00:30.
    expect(r.findings.map((f) => [f.rule, f.order_ids])).toEqual([
      ['config_snapshot_backdated', []],
      ['order_notional_exceeded', ['X']],
    ]);
    expect(r.findings[0]?.description).toContain(`snapshot ${late.snapshot_id}`);
    expect(r.rules).toBeGreaterThanOrEqual(10);

    // The export records the same, and verify's re-run from the pack alone agrees.
    const pack = await exportPack({
      date: DATE,
      logDir: d.logDir,
      artifactsDir: join(d.cwd, 'artifacts'),
      version: '0.1.0',
      recordEvent: false,
      snapshot: { cwd: d.cwd, snapshotDir: d.snapshotDir, patterns: ['configs/*.yaml'] },
    });
    expect(pack.compliance).toMatchObject({ warning: 2, total: 2 });
    const v = await verifyPack(pack.path);
    expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('on a day with no earlier snapshot, a late snapshot does not govern the lines before it: the built-in policy does', async () => {
    const d = day();
    await writeEvents(d.logDir, [['09:00:00', 'auth', 'Login', { user: 'alice' }], ...order('10:00:00', 'X', 3)]);
    writePolicy(d.cwd, LAX);
    const late = await d.snap('23:59:00', 'end of day');
    const r = await d.check();
    // Notional 1,500,000 over the built-in 1,000,000: under the late snapshot's limit it would pass.
    expect(r.findings.map((f) => [f.rule, f.order_ids])).toEqual([['order_notional_exceeded', ['X']]]);
    expect(r.policies.map((p) => [p.source, p.snapshot_id])).toEqual([
      ['built-in', null],
      ['snapshot', late.snapshot_id],
    ]);
    expect(r.policy_notes).toEqual([
      expect.stringContaining(`before snapshot ${late.snapshot_id}: any event logged before its ConfigSnapshot`),
    ]);
  });

  it('a snapshot logged after a later line but back-dated into a change’s window does not record the change', async () => {
    const d = day();
    writePolicy(d.cwd, TEST_POLICY);
    await d.snap('00:00:00', 'start of day');
    await writeEvents(d.logDir, [
      ['10:00:00', 'config', 'ConfigChanged', { config_type: 'risk', reason: 'raise' }],
      ['14:00:00', 'auth', 'Logout', { user: 'alice' }],
    ]);
    await d.snap('10:01:00', 'late');
    const r = await d.check();
    expect(r.findings.map((f) => f.rule)).toEqual(['config_change_unrecorded', 'config_snapshot_backdated']);
    expect(r.findings[0]?.description).toContain('no config snapshot within 300 s');
  });

  it('a snapshot in its window after the change, in log order, records it (no finding)', async () => {
    const d = day();
    writePolicy(d.cwd, TEST_POLICY);
    await d.snap('00:00:00', 'start of day');
    await writeEvents(d.logDir, [['10:00:00', 'config', 'ConfigChanged', { config_type: 'risk', reason: 'raise' }]]);
    await d.snap('10:01:00', 'after the change');
    await writeEvents(d.logDir, [['14:00:00', 'auth', 'Logout', { user: 'alice' }]]);
    expect((await d.check()).findings).toEqual([]);
  });

  it('a snapshot dated the day before’s last minute, logged as a late line of the day, governs only the lines after it', async () => {
    const d = day();
    writePolicy(d.cwd, STRICT);
    await d.snap('00:00:00', 'start of day before', DAY_BEFORE);
    await writeEvents(d.logDir, [['09:00:00', 'auth', 'Login', { user: 'alice' }], ...order('10:00:00', 'X')]);
    // 14:00: the limit lifted, and config_snapshot_backdated too; the snapshot's clock says 23:59:30
    // the day before, so the logger files its event into the day's file as a `late` line.
    writePolicy(d.cwd, `${LAX}disabled_rules: [config_snapshot_backdated]\n`);
    const late = await d.snap('23:59:30', 'routine', DAY_BEFORE);
    expect(readFileSync(join(d.logDir, logFileName(dayNumberOfIsoDate(DATE) as number)), 'utf8')).toContain(
      `"late":true,"category":"config","event":"ConfigSnapshot","snapshot_id":"${late.snapshot_id}"`,
    );
    await writeEvents(d.logDir, order('15:00:00', 'Y')); // after the lax snapshot: under it
    const r = await d.check();
    // Judged under the policy before it, which its own cannot disable.
    expect(r.findings.map((f) => [f.rule, f.order_ids])).toEqual([
      ['config_snapshot_backdated', []],
      ['order_notional_exceeded', ['X']],
    ]);
    expect(r.policies.map((p) => [p.from === null, p.snapshot_id])).toEqual([
      [true, expect.stringMatching(/^20250907T000000/)],
      [false, late.snapshot_id],
    ]);

    // The export records the same, and verify's re-run from the pack alone agrees.
    const pack = await exportPack({
      date: DATE,
      logDir: d.logDir,
      artifactsDir: join(d.cwd, 'artifacts'),
      version: '0.1.0',
      recordEvent: false,
      snapshot: { cwd: d.cwd, snapshotDir: d.snapshotDir, patterns: ['configs/*.yaml'] },
    });
    expect(pack.compliance).toMatchObject({ warning: 2, total: 2 });
    const v = await verifyPack(pack.path);
    expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);

    // The next day starts under it: its event was the last policy event of the day in the log.
    const next = await checkCompliance({
      cwd: d.cwd,
      logDir: d.logDir,
      from: DAY_AFTER,
      to: DAY_AFTER,
      snapshotDir: d.snapshotDir,
    });
    expect(next.policies.map((p) => [p.from, p.snapshot_id])).toEqual([[null, late.snapshot_id]]);
  });
});
