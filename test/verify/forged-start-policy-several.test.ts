/**
 * The start policy of a report with several policies (`from: null` first, then the day's), held to
 * the pack's own log (fx57a). A day's snapshot that records the policy file without listing it in
 * `changed_files`, before any change, repeats the policy in force at the start: its entry's sha256
 * is the start entry's. A forger of an unsigned pack swapped the start entry for a laxer, earlier
 * snapshot and kept the day's entries, and every checker passed it (and, fx58a, at56: when the strict
 * policy has a redacted value, its keyed hash beside the lax one's plain hash was never compared);
 * and a forged "does not parse" note for a snapshot outside the log switched fx56a's walk off for a
 * start policy kept alone. The
 * honest packs export writes around those shapes (several snapshots a day, the file removed and put
 * back, a policy that does not parse and back, a --force re-export, a .tar.gz) still verify.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPack, verifyPath } from '../../src/verify/index.js';
import { DATE, TEST_POLICY } from '../compliance/helpers.js';
import { forgeReport, reportOf } from './helpers/forge-report.js';
import { BEFORE, BROKEN, errors, LAX, NARROW, ORDER, packOf, type Step } from './helpers/policy-days.js';
import { pythonPackCheck } from './helpers/python-check.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const SECRET = `${TEST_POLICY}# api_key: hunter22\n`;

describe("a report's start policy among several, held to the pack's log", () => {
  // The strict policy plain, or with a redacted value: keyed hashes beside the lax one's plain hash (fx58a, at56).
  it.each([
    ['plain', TEST_POLICY, false],
    ['keyed', SECRET, true],
  ])(
    'is a contradiction when swapped for an earlier snapshot while a repeat of it is logged (%s; alone, --log-dir, artifacts, Python)',
    async (_, strict, keyed) => {
      const { cwd, logDir, ids, path } = await packOf([
        [BEFORE, '10:00:00', LAX],
        [BEFORE, '18:00:00', strict],
        [DATE, '07:00:00', ORDER],
        [DATE, '08:00:00', undefined],
        [DATE, '09:00:00', `${strict}# reviewed\n`],
        [DATE, '10:00:00', undefined, NARROW],
      ]);
      const honest = reportOf(path);
      expect(honest.policies.map((p) => p.snapshot_id)).toEqual([ids[1], ids[2], ids[3]]);
      expect(honest.policies.map((p) => p.sha256.startsWith('hmac-sha256:'))).toEqual([keyed, keyed, keyed]);
      expect(honest.by_rule.restricted_symbol).toBe(1);
      expect(errors(await verifyPack(path))).toEqual([]);
      const forged = await forgeReport(path, (rep) => {
        const [start, ...rest] = rep.policies;
        const lax = { ...(start as (typeof rep.policies)[number]), snapshot_id: ids[0] as string };
        return { ...rep, policies: [{ ...lax, sha256: sha256(LAX), text: LAX }, ...rest] };
      });
      expect(forged.by_rule.restricted_symbol ?? 0).toBe(0);
      const said = `the ConfigSnapshot event of snapshot ${ids[2]} in data/audit.jsonl records configs/compliance_policy.yaml without listing it in its changed_files`;
      for (const r of [
        await verifyPack(path),
        await verifyPath(path, { logDir }),
        await verifyPath(join(cwd, 'artifacts'), { logDir }),
      ])
        expect(errors(r).filter((e) => e.startsWith('COMPLIANCE_REPORT_MISMATCH') && e.includes(said))).toHaveLength(1);
      const py = pythonPackCheck(join(cwd, 'artifacts')).errors;
      expect(py.filter((e) => e.code === 'COMPLIANCE_REPORT_MISMATCH' && e.detail?.includes(said))).toHaveLength(1);
    },
  );

  it('keeps the walk on past a forged "does not parse" note for a snapshot outside the log when a repeat shows the start policy parses', async () => {
    const { cwd, ids, path } = await packOf([
      [BEFORE, '18:00:00', LAX],
      [DATE, '08:00:00', undefined],
      [DATE, '09:00:00', TEST_POLICY],
      [DATE, '10:00:00', undefined, NARROW],
    ]);
    const honest = reportOf(path);
    expect(honest.policies.map((p) => p.snapshot_id)).toEqual([ids[0], ids[1], ids[2]]);
    expect(honest.by_rule.restricted_symbol).toBe(1);
    const X = '20250907T190000.000000Z-000';
    const forged = await forgeReport(path, (rep) => {
      const start = rep.policies[0] as (typeof rep.policies)[number];
      return {
        ...rep,
        policies: [start],
        policy: start,
        policy_notes: [
          `snapshot ${X}: configs/compliance_policy.yaml was not used (it does not parse): the policy before it stayed in force`,
        ],
        unparsed_policies: [
          { snapshot_id: X, path: 'configs/compliance_policy.yaml', sha256: sha256(BROKEN), text: BROKEN },
        ],
      };
    });
    expect(forged.by_rule.restricted_symbol ?? 0).toBe(0);
    const said = `recorded policy kept from the period's start: the ConfigSnapshot event of snapshot ${ids[2]}`;
    expect(errors(await verifyPack(path)).filter((e) => e.includes(said))).toHaveLength(1);
    const py = pythonPackCheck(join(cwd, 'artifacts')).errors;
    expect(
      py.filter((e) => e.code === 'COMPLIANCE_REPORT_MISMATCH' && e.detail?.includes(ids[2] as string)),
    ).toHaveLength(1);
  });

  it('is no finding on honest histories around those shapes (directory, artifacts, Python; --force; .tar.gz)', async () => {
    const shapes: [Step[], { force?: boolean; compress?: boolean }?][] = [
      // several snapshots a day: a repeat, a change, a repeat of it, a change back, a narrow one
      [
        [
          [BEFORE, '18:00:00', LAX],
          [DATE, '07:00:00', ORDER],
          [DATE, '08:00:00', undefined],
          [DATE, '09:00:00', TEST_POLICY],
          [DATE, '10:00:00', undefined],
          [DATE, '11:00:00', LAX],
          [DATE, '12:00:00', undefined, NARROW],
        ],
      ],
      // removed, then put back as another policy, then repeated
      [
        [
          [BEFORE, '18:00:00', LAX],
          [DATE, '08:00:00', null],
          [DATE, '09:00:00', TEST_POLICY],
          [DATE, '10:00:00', undefined],
        ],
      ],
      // the day before's newest policy does not parse (noted), repeated by the day (noted), then a change
      [
        [
          [BEFORE, '10:00:00', LAX],
          [BEFORE, '18:00:00', BROKEN],
          [DATE, '08:00:00', undefined],
          [DATE, '09:00:00', TEST_POLICY],
          [DATE, '10:00:00', undefined],
        ],
      ],
      // a repeat, then a change to a policy that does not parse (noted), then another
      [
        [
          [BEFORE, '18:00:00', LAX],
          [DATE, '08:00:00', undefined],
          [DATE, '09:00:00', BROKEN],
          [DATE, '10:00:00', TEST_POLICY],
        ],
      ],
      // re-exported with --force, and as a .tar.gz
      [
        [
          [BEFORE, '18:00:00', LAX],
          [DATE, '08:00:00', undefined],
          [DATE, '09:00:00', TEST_POLICY],
        ],
        { force: true },
      ],
      [
        [
          [BEFORE, '18:00:00', LAX],
          [DATE, '08:00:00', undefined],
          [DATE, '09:00:00', TEST_POLICY],
        ],
        { compress: true },
      ],
    ];
    for (const [steps, extra] of shapes) {
      const { cwd, logDir, path } = await packOf(steps, extra);
      expect(reportOf(path.replace(/\.tar\.gz$/, '')).policies.length).toBeGreaterThan(1);
      expect(errors(await verifyPack(path))).toEqual([]);
      expect(errors(await verifyPath(join(cwd, 'artifacts'), { logDir }))).toEqual([]);
      expect(pythonPackCheck(join(cwd, 'artifacts')).errors).toEqual([]);
    }
  });
});
