/**
 * A forged last policy naming another snapshot than the holder of the policy file at the period's
 * end (fx54a, from at52): the forger of an unsigned pack keeps the record's sha256 and gives a lax
 * text, with or without "[REDACTED]", to an earlier snapshot of the day, or to an id no
 * ConfigSnapshot event names. Both checkers said no error (the censored text is never hashed; a
 * snapshot other than config_snapshot.json's was only "unbound"). Now COMPLIANCE_REPORT_MISMATCH:
 * export lists the period's snapshots in the order their events take force, so the last is the
 * holder. Also after a narrow snapshot, where config_in_force.json names the holder.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../src/compliance/index.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { verifyPack } from '../../src/verify/index.js';
import { exportTestDay, micros, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { forgeReport, reportOf } from './helpers/forge-report.js';
import { pythonPackCheck } from './helpers/python-check.js';

type Policy = ComplianceReport['policies'][number];
const LAX = TEST_POLICY.replace('restricted_symbols: [NORD]', 'restricted_symbols: []');
const errors = (r: { problems: readonly { code: string; severity: string; detail: string }[] }) =>
  r.problems.filter((p) => p.severity === 'error').map((p) => `${p.code}: ${p.detail}`);
const restricted = (r: ComplianceReport) => r.by_rule.restricted_symbol ?? 0;

/** Policy snapshots at [day, time, text] (`narrow`: a last snapshot of another config file only), then an order on NORD at 09:00. */
async function day(snaps: [string, string, string][], narrow = false) {
  const cwd = tempDir();
  const snapshotDir = join(cwd, 'audit', 'snapshots');
  const logDir = join(cwd, 'logs');
  for (const [d, t, policy] of snaps) {
    writePolicy(cwd, policy);
    await createConfigSnapshot({ cwd, snapshotDir, logDir, reason: 'policy', clock: () => micros(d, t) });
  }
  if (narrow) {
    writePolicy(cwd, TEST_POLICY, 'risk.yaml');
    const clock = () => micros('2025-09-08', '08:30:00');
    await createConfigSnapshot({ cwd, snapshotDir, logDir, reason: 'risk', clock, patterns: ['configs/risk.yaml'] });
  }
  await writeEvents(logDir, [
    ['09:00:00', 'order', 'OrderAccepted', { order_id: 'A-1', symbol: 'NORD', side: 'BUY', quantity: 1, price: '1' }],
  ]);
  const r = await exportTestDay(cwd, { snapshot: { cwd, snapshotDir }, compliance: { cwd, snapshotDir } });
  return { dir: r.path, rep: reportOf(r.path) };
}

const cases = [
  { kind: 'earlier snapshot of the day', narrow: false },
  { kind: 'id no event names', narrow: false },
  { kind: 'earlier snapshot of the day, after a narrow snapshot', narrow: true },
  { kind: 'id no event names, after a narrow snapshot', narrow: true },
] as const;

describe('a forged last policy of another snapshot than the holder', () => {
  for (const { kind, narrow } of cases)
    for (const censored of [true, false])
      it(`${kind}, ${censored ? 'censored' : 'plain'} lax text: COMPLIANCE_REPORT_MISMATCH in both checkers`, async () => {
        const earlier = kind.startsWith('earlier');
        const snaps: [string, string, string][] = [
          ...(earlier ? [['2025-09-08', '07:00:00', LAX] as [string, string, string]] : []),
          ['2025-09-08', '08:00:00', TEST_POLICY],
        ];
        const { dir, rep } = await day(snaps, narrow);
        expect(restricted(rep)).toBe(1);
        expect(errors(await verifyPack(dir))).toEqual([]);
        expect(pythonPackCheck(dir).errors).toEqual([]);
        const own = rep.policies.at(-1) as Policy;
        const text = censored ? `${LAX}# [REDACTED]\n` : LAX;
        const policies: Policy[] = earlier
          ? [...rep.policies.slice(0, -2), { ...(rep.policies.at(-2) as Policy), sha256: own.sha256, text }]
          : [{ ...own, from: '2025-09-08T07:00:00.000000Z', snapshot_id: '20250908T070000.000000Z-000', text }];
        if (earlier)
          expect(rep.policies.map((p) => p.snapshot_id)).toEqual([
            null,
            '20250908T070000.000000Z-000',
            own.snapshot_id,
          ]);
        const forged = await forgeReport(dir, (r) => ({ ...r, policies }));
        expect(restricted(forged)).toBe(0);
        const holder = /the report's last policy is of snapshot/;
        expect(errors(await verifyPack(dir))).toContainEqual(expect.stringMatching(holder));
        expect(pythonPackCheck(dir).errors.map((e) => e.detail)).toContainEqual(expect.stringMatching(holder));
      });
});
