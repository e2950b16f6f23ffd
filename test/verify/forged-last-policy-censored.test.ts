/**
 * A forged last policy with the record's sha256 and a censored lax text (fx54a, from at52 F-A). The
 * forger of an unsigned pack re-makes the report (CSV, page, manifests; the chained log genuine) so
 * that it ends under a lax policy (restricted_symbols: []) and the day's restricted-symbol finding
 * is gone. He gives the forged entry the hash the pack's snapshot record has for the policy file,
 * and a text holding "[REDACTED]" (a text redacted again is never hashed: at52 F-C): (a) source
 * "built-in"; (b) source "snapshot" with an id no ConfigSnapshot event names. Both checkers said no
 * error (COMPLIANCE_POLICY_UNBOUND, a warning, only). Now: (a) the built-in policy is never
 * redacted, so its entry must hash to its text; (b) the last policy must be the holder of the
 * policy file at the period's end. COMPLIANCE_REPORT_MISMATCH in both.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../src/compliance/index.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { verifyPack, verifyPath } from '../../src/verify/index.js';
import { exportTestDay, micros, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { forgeReport, reportOf } from './helpers/forge-report.js';
import { pythonPackCheck } from './helpers/python-check.js';

type Policy = ComplianceReport['policies'][number];
const LAX = `${TEST_POLICY.replace('restricted_symbols: [NORD]', 'restricted_symbols: []')}# [REDACTED]\n`;
const errors = (r: { problems: readonly { code: string; severity: string; detail: string }[] }) =>
  r.problems.filter((p) => p.severity === 'error').map((p) => `${p.code}: ${p.detail}`);

describe('a censored lax last policy carrying the record hash (at52 F-A)', () => {
  for (const kind of ['built-in', 'unlogged-snapshot-id'] as const)
    it(`${kind}: COMPLIANCE_REPORT_MISMATCH in both checkers`, async () => {
      const cwd = tempDir();
      const snapshotDir = join(cwd, 'audit', 'snapshots');
      writePolicy(cwd, TEST_POLICY);
      const clock = () => micros('2025-09-08', '08:00:00');
      await createConfigSnapshot({ cwd, snapshotDir, logDir: join(cwd, 'logs'), reason: 'policy', clock });
      await writeEvents(join(cwd, 'logs'), [
        [
          '09:00:00',
          'order',
          'OrderAccepted',
          { order_id: 'A-1', symbol: 'NORD', side: 'BUY', quantity: 1, price: '1' },
        ],
      ]);
      const opts = { snapshot: { cwd, snapshotDir }, compliance: { cwd, snapshotDir } };
      const dir = (await exportTestDay(cwd, opts)).path;
      const own = reportOf(dir).policies.at(-1) as Policy;
      expect(errors(await verifyPack(dir))).toEqual([]);
      const last: Policy =
        kind === 'built-in'
          ? { from: null, source: 'built-in', snapshot_id: null, path: 'built-in', sha256: own.sha256, text: LAX }
          : { ...own, from: '2025-09-08T07:00:00.000000Z', snapshot_id: '20250908T070000.000000Z-000', text: LAX };
      const forged = await forgeReport(dir, (r) => ({ ...r, policies: [last] }));
      expect(forged.by_rule.restricted_symbol ?? 0).toBe(0); // the critical finding is gone
      const why = kind === 'built-in' ? /never redacted/ : /the report's last policy is of snapshot/;
      for (const r of [await verifyPack(dir), await verifyPath(join(cwd, 'artifacts'))])
        expect(errors(r)).toEqual([expect.stringMatching(/^COMPLIANCE_REPORT_MISMATCH: /)]);
      expect(errors(await verifyPack(dir))[0]).toMatch(why);
      const py = pythonPackCheck(dir).errors;
      expect(py.map((e) => e.code)).toEqual(['COMPLIANCE_REPORT_MISMATCH']);
      expect(py[0]?.detail).toMatch(why);
    });
});
