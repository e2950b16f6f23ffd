/**
 * A library caller's `exportPack` with `snapshot` options that name no `logDir` (fx48c's note): the
 * export always reads its own log (`logDir`), and the compliance half already takes its policies
 * from the snapshots that log records, in log order. The config half must ask the same log: before,
 * with no `snapshot.logDir` it took the store's newest record by id time, so a snapshot whose
 * writer's clock was behind (its id earlier, its event logged after the day's own snapshot) made
 * data/config_snapshot.json the day's own one while the report's policy was the late one, and the
 * honest pack failed verify (COMPLIANCE_REPORT_MISMATCH / the config of record).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/index.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { verifyPack } from '../../src/verify/index.js';
import { dayAgo, micros, order, POLICY, site, snap } from '../helpers/snapshot-day.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const D = (n: number): string => dayAgo(n);
const STRICT = POLICY.replace('restricted_symbols: [USDRUB]', 'restricted_symbols: [USDRUB, EURUSD]');
const setPolicy = (cwd: string, text: string): void =>
  writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), text);

describe('exportPack with snapshot options and no snapshot.logDir', () => {
  let cwd: string;
  let ids: { own: string; late: string };
  beforeAll(async () => {
    cwd = site({ 'compliance_policy.yaml': POLICY });
    await snap(cwd, `${D(6)}T08:00:00Z`);
    for (const d of [D(5), D(4)]) await order(cwd, `${d}T09:00:00Z`, { order_id: `O-${d}` });
    await order(cwd, `${D(3)}T07:00:00Z`, { order_id: 'O-early' });
    setPolicy(cwd, STRICT);
    const own = await snap(cwd, `${D(3)}T08:00:00Z`);
    await order(cwd, `${D(3)}T09:00:00Z`, { order_id: 'O-1' });
    setPolicy(cwd, POLICY);
    // Taken by a writer whose clock is two days behind: its id is dated D-5, its event is a late line of D-3's file.
    let calls = 0;
    const late = (
      await createConfigSnapshot({
        cwd,
        reason: 'late',
        logDir: join(cwd, 'logs'),
        clock: () => (calls++ === 0 ? micros(`${D(5)}T23:59:59.500Z`) : micros(`${D(4)}T00:00:00.200Z`) + calls),
      })
    ).snapshot_id;
    await order(cwd, `${D(3)}T12:00:00Z`, { order_id: 'O-2' });
    ids = { own, late };
  });

  it('data/config_snapshot.json is the config of record of the export log, and the pack verifies in both checkers', async () => {
    const p = await exportPack({
      date: D(3),
      logDir: join(cwd, 'logs'),
      artifactsDir: join(cwd, 'library-art'),
      version: '0.1.0',
      recordEvent: false,
      snapshot: { cwd, snapshotDir: join(cwd, 'audit', 'snapshots') },
    });
    const record = JSON.parse(readFileSync(join(p.path, 'data', 'config_snapshot.json'), 'utf8'));
    const report = JSON.parse(readFileSync(join(p.path, 'data', 'compliance_report.json'), 'utf8'));
    expect(report.policy.snapshot_id).toBe(ids.late);
    expect(record.snapshot_id).toBe(ids.late);
    const v = await verifyPack(p.path);
    expect(v.problems.filter((x) => x.severity === 'error')).toEqual([]);
    const py = pythonPackCheck(p.path);
    expect(py.errors).toEqual([]);
  });
});
