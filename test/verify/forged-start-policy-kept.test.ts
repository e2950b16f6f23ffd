/**
 * A report that keeps the day before's policy alone (`from: null`) while the pack's log says a
 * snapshot of the day changed the policy file (at53): an unsigned pack whose report was cut to the
 * lax start policy S0, dropping S1 (strict, the holder config_in_force.json names after a narrow
 * snapshot S2), hid a critical finding and verified clean everywhere. And the honest packs export
 * writes with that same shape after a change in the log (the file removed and put back, a change
 * to a policy that does not parse and back, the day before's newest policy not parsing) still verify.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPack, verifyPath } from '../../src/verify/index.js';
import { DATE, TEST_POLICY } from '../compliance/helpers.js';
import { forgePack } from './helpers/forge.js';
import { BUILT_IN_POLICY, forgeReport, reportOf } from './helpers/forge-report.js';
import { BEFORE, BROKEN, errors, LAX, NARROW, packOf, type Step } from './helpers/policy-days.js';
import { pythonPackCheck } from './helpers/python-check.js';

describe('a report keeping the start policy alone after a change in the log', () => {
  it('is a contradiction when the change put another policy in force (alone, --log-dir, artifacts, Python)', async () => {
    const { cwd, logDir, ids, path } = await packOf([
      [BEFORE, '18:00:00', LAX],
      [DATE, '08:00:00', TEST_POLICY],
      [DATE, '10:00:00', undefined, NARROW],
    ]);
    const honest = reportOf(path);
    expect(honest.policies.map((p) => p.snapshot_id)).toEqual([ids[0], ids[1]]);
    expect(honest.by_rule.restricted_symbol).toBe(1);
    expect(errors(await verifyPack(path))).toEqual([]);
    const forged = await forgeReport(path, (rep) => ({ ...rep, policies: rep.policies.slice(0, 1), policy_notes: [] }));
    expect(forged.by_rule.restricted_symbol ?? 0).toBe(0);
    const said = `recorded policy kept from the period's start: the ConfigSnapshot event of snapshot ${ids[1]}`;
    for (const r of [
      await verifyPack(path),
      await verifyPath(path, { logDir }),
      await verifyPath(join(cwd, 'artifacts'), { logDir }),
    ])
      expect(errors(r).filter((e) => e.startsWith('COMPLIANCE_REPORT_MISMATCH') && e.includes(said))).toHaveLength(1);
    const py = pythonPackCheck(join(cwd, 'artifacts')).errors;
    expect(
      py.filter((e) => e.code === 'COMPLIANCE_REPORT_MISMATCH' && e.detail?.includes(ids[1] as string)),
    ).toHaveLength(1);
  });

  it('is no finding on the honest packs export writes with that shape', async () => {
    const shapes: Step[][] = [
      // the file removed (the start policy stays in force: no snapshot of the day holds one)
      [
        [BEFORE, '18:00:00', LAX],
        [DATE, '08:00:00', null],
        [DATE, '10:00:00', undefined, NARROW],
      ],
      // removed, then put back as it was
      [
        [BEFORE, '18:00:00', LAX],
        [DATE, '08:00:00', null],
        [DATE, '09:00:00', LAX],
        [DATE, '10:00:00', undefined, NARROW],
      ],
      // changed to a policy that does not parse (noted), then back
      [
        [BEFORE, '18:00:00', LAX],
        [DATE, '08:00:00', BROKEN],
        [DATE, '09:00:00', LAX],
        [DATE, '10:00:00', undefined, NARROW],
      ],
      // the day before's newest policy does not parse (noted): the day's change back is counted from it
      [
        [BEFORE, '10:00:00', LAX],
        [BEFORE, '18:00:00', BROKEN],
        [DATE, '08:00:00', LAX],
        [DATE, '10:00:00', undefined, NARROW],
      ],
    ];
    for (const steps of shapes) {
      const { cwd, logDir, ids, path } = await packOf(steps);
      const rep = reportOf(path);
      expect(rep.policies.map((p) => [p.snapshot_id, p.from])).toEqual([[ids[0], null]]);
      expect(errors(await verifyPack(path))).toEqual([]);
      expect(errors(await verifyPath(join(cwd, 'artifacts'), { logDir }))).toEqual([]);
      expect(pythonPackCheck(join(cwd, 'artifacts')).errors).toEqual([]);
    }
  });

  it("holds the last policy to the log's holder when config_in_force.json's policy entry is edited (null, or an id the log does not hold)", async () => {
    const FAKE = '20250908T083000.000000Z-000';
    for (const record of [null, { snapshot_id: FAKE, record_sha256: 'ab'.repeat(32) }]) {
      const { cwd, ids, path } = await packOf([
        [BEFORE, '18:00:00', LAX],
        [DATE, '08:00:00', TEST_POLICY],
        [DATE, '10:00:00', undefined, NARROW],
      ]);
      await forgeReport(path, (rep) => {
        const start = rep.policies[0] as (typeof rep.policies)[number];
        const last = { ...start, snapshot_id: FAKE, from: '2025-09-08T08:30:00.000000Z' };
        return { ...rep, policies: [start, last], policy: last, policy_notes: [] };
      });
      forgePack(path, {
        payload: (data) => {
          const file = join(data, 'config_in_force.json');
          const cif = JSON.parse(readFileSync(file, 'utf8'));
          for (const e of cif.files) if (e.path === 'configs/compliance_policy.yaml') e.record = record;
          writeFileSync(file, `${JSON.stringify(cif, null, 2)}\n`);
        },
      });
      expect(reportOf(path).by_rule.restricted_symbol ?? 0).toBe(0);
      const said = `the policy in force at the end of the period is snapshot ${ids[1]}'s`;
      expect(errors(await verifyPack(path)).filter((e) => e.includes(said))).toHaveLength(1);
      const py = pythonPackCheck(join(cwd, 'artifacts')).errors;
      expect(py.filter((e) => e.detail?.includes(said))).toHaveLength(1);
    }
  });

  it("asks the chain of the log's holder when the report ends under the built-in policy and config_in_force.json's entry is null", async () => {
    const { cwd, ids, path } = await packOf([
      [BEFORE, '18:00:00', LAX],
      [DATE, '08:00:00', TEST_POLICY],
      [DATE, '10:00:00', undefined, NARROW],
    ]);
    await forgeReport(path, (rep) => ({
      ...rep,
      policies: [BUILT_IN_POLICY],
      policy: BUILT_IN_POLICY,
      policy_notes: [],
    }));
    forgePack(path, {
      payload: (data) => {
        const file = join(data, 'config_in_force.json');
        const cif = JSON.parse(readFileSync(file, 'utf8'));
        for (const e of cif.files) if (e.path === 'configs/compliance_policy.yaml') e.record = null;
        writeFileSync(file, `${JSON.stringify(cif, null, 2)}\n`);
      },
    });
    expect(reportOf(path).by_rule.restricted_symbol ?? 0).toBe(0);
    const said = `the ConfigSnapshot events of data/audit.jsonl name snapshot ${ids[1]} as holding configs/compliance_policy.yaml at the end of the day`;
    expect(errors(await verifyPack(path)).filter((e) => e.includes(said))).toHaveLength(1);
    const py = pythonPackCheck(join(cwd, 'artifacts')).errors;
    expect(py.filter((e) => e.detail?.includes(said))).toHaveLength(1);
  });
});
