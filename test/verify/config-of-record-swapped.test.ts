/**
 * A day logs two policy snapshots, S1 (07:00, lax) and S2 (08:00, strict: the config of record,
 * the chain's newest event). The forger of an unsigned pack swaps data/config_snapshot.json for S1's
 * genuine record (its record_sha256 logged by S1's own event in the pack's log), renames S2 to S1 in
 * data/config_in_force.json (or drops that optional file) and re-makes the report ending under S1:
 * S2's restriction is gone from the re-run. Before (at52), verify reported no error and the Python
 * checker info or warnings only; now both say CONFIG_IN_FORCE_MISMATCH, in a directory and a .tar.gz.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../src/compliance/index.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { verifyPack } from '../../src/verify/index.js';
import { exportTestDay, micros, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { forgeReport, reportOf } from './helpers/forge-report.js';
import { forgePack, makeWritable } from './helpers/forge.js';
import { tarPack } from './helpers/pack-fixture.js';
import { pythonPackCheck } from './helpers/python-check.js';

const LAX = TEST_POLICY.replace('restricted_symbols: [NORD]', 'restricted_symbols: []');
const [S1, S2] = ['20250908T070000.000000Z-000', '20250908T080000.000000Z-000'];
const codes = (r: { problems: readonly { code: string; severity: string }[] }) =>
  r.problems.filter((p) => p.severity === 'error').map((p) => p.code);

async function twoSnapshotDay() {
  const cwd = tempDir();
  const snapshotDir = join(cwd, 'audit', 'snapshots');
  for (const [t, policy] of [
    ['07:00:00', LAX],
    ['08:00:00', TEST_POLICY],
  ] as const) {
    writePolicy(cwd, policy);
    await createConfigSnapshot({
      cwd,
      snapshotDir,
      logDir: join(cwd, 'logs'),
      reason: 'policy',
      clock: () => micros('2025-09-08', t),
    });
  }
  await writeEvents(join(cwd, 'logs'), [
    ['09:00:00', 'order', 'OrderAccepted', { order_id: 'A-1', symbol: 'NORD', side: 'BUY', quantity: 1, price: '1' }],
  ]);
  const dir = (await exportTestDay(cwd, { snapshot: { cwd, snapshotDir }, compliance: { cwd, snapshotDir } })).path;
  expect(reportOf(dir).by_rule.restricted_symbol).toBe(1);
  expect(codes(await verifyPack(dir))).toEqual([]);
  expect(pythonPackCheck(dir).errors).toEqual([]);
  return { dir, s1Bytes: readFileSync(join(snapshotDir, `${S1}.json`)) };
}

describe("data/config_snapshot.json swapped for an earlier snapshot's genuine record of the day", () => {
  for (const inForce of ['renamed', 'dropped'] as const)
    it(`is CONFIG_IN_FORCE_MISMATCH in both checkers (config_in_force.json ${inForce})`, async () => {
      const { dir, s1Bytes } = await twoSnapshotDay();
      const s1Sha = createHash('sha256').update(s1Bytes).digest('hex');
      makeWritable(dir);
      const cif = readFileSync(join(dir, 'data', 'config_in_force.json'), 'utf8');
      const s2Sha = JSON.parse(cif).config_snapshot.record_sha256 as string;
      forgePack(dir, {
        payload: (data) => {
          writeFileSync(join(data, 'config_snapshot.json'), s1Bytes);
          if (inForce === 'dropped') rmSync(join(data, 'config_in_force.json'));
          else writeFileSync(join(data, 'config_in_force.json'), cif.replaceAll(S2, S1).replaceAll(s2Sha, s1Sha));
        },
      });
      const forged = await forgeReport(dir, (r: ComplianceReport) => ({
        ...r,
        policies: r.policies.filter((p) => p.snapshot_id !== S2),
      }));
      expect(forged.by_rule.restricted_symbol ?? 0).toBe(0); // S2's restriction is gone
      const v = await verifyPack(dir);
      expect(codes(v)).toContain('CONFIG_IN_FORCE_MISMATCH');
      expect(v.problems.map((p) => p.detail).join('\n')).toMatch(/a later one there logs snapshot 20250908T080000/);
      expect(pythonPackCheck(dir).errors.map((e) => e.code)).toContain('CONFIG_IN_FORCE_MISMATCH');
      const tar = tarPack(dirname(dir), basename(dir));
      expect(codes(await verifyPack(tar))).toContain('CONFIG_IN_FORCE_MISMATCH');
    });
});
