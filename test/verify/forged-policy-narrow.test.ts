/**
 * A forged policy timeline in an unsigned pack whose day ends with a narrow snapshot (one whose
 * `paths` leave the policy file out: `auditpack snapshot --configs configs/risk.yaml`). The pack's
 * `config_snapshot.json` is that snapshot's record and stores no policy file, so the at51 F2 check
 * (held to that record) found nothing to hold the report to, while `config_in_force.json` names the
 * earlier snapshot holding the policy file at the day's end, and the pack's chained log pins it.
 * A report re-made under the built-in policy (forgeReport: report, CSV, page, state and manifests;
 * the log and the config files genuine) verified with no warning at all. Now it is
 * COMPLIANCE_REPORT_MISMATCH in both checkers: alone when the holder's event is a line of the pack's
 * log, and with the chain at hand (`--log-dir`, the artifacts directory) when it is an earlier day's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../src/compliance/index.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { verifyPack, verifyPath } from '../../src/verify/index.js';
import { DATE, exportTestDay, micros, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { BUILT_IN_POLICY, forgeReport, reportOf } from './helpers/forge-report.js';
import { pythonPackCheck } from './helpers/python-check.js';

const BUILT_IN = BUILT_IN_POLICY;

/**
 * The policy (restricting NORD) snapshotted whole at each of `at` (on the day, or the day before), a narrow
 * snapshot of configs/risk.yaml alone at 10:00 on the day (the day's last: config_snapshot.json),
 * and an order on NORD at 11:00: one finding the built-in policy does not give. `dayBefore`: the
 * day before is exported too (its pack's log holds the holder's event).
 */
async function narrowDay(at: readonly [string, string][], dayBefore = false) {
  const cwd = tempDir();
  const logDir = join(cwd, 'logs');
  const snapshotDir = join(cwd, 'audit', 'snapshots');
  writePolicy(cwd, TEST_POLICY);
  writePolicy(cwd, 'max_position: 10\n', 'risk.yaml');
  const snap = (d: string, t: string, patterns?: string[]) =>
    createConfigSnapshot({
      cwd,
      snapshotDir,
      logDir,
      reason: 'config',
      clock: () => micros(d, t),
      ...(patterns ? { patterns } : {}),
    });
  const whole: string[] = [];
  for (const [d, t] of at) whole.push((await snap(d, t)).snapshot_id);
  const narrow = await snap(DATE, '10:00:00', ['configs/risk.yaml']);
  await writeEvents(logDir, [
    ['11:00:00', 'order', 'OrderAccepted', { order_id: 'A-1', symbol: 'NORD', side: 'BUY', quantity: 1, price: '1' }],
  ]);
  const opts = { snapshot: { cwd, snapshotDir }, compliance: { cwd, snapshotDir } };
  if (dayBefore) await exportTestDay(cwd, { ...opts, date: '2025-09-07' });
  const r = await exportTestDay(cwd, opts);
  return {
    cwd,
    logDir,
    dir: r.path,
    rep: reportOf(r.path),
    whole,
    held: whole.at(-1) as string,
    narrow: narrow.snapshot_id,
  };
}

const errors = (r: { problems: readonly { code: string; severity: string; detail: string }[] }) =>
  r.problems.filter((p) => p.severity === 'error').map((p) => `${p.code}: ${p.detail}`);
const restricted = (r: ComplianceReport) => r.by_rule.restricted_symbol ?? 0;
const json = (dir: string, f: string) => JSON.parse(readFileSync(join(dir, 'data', f), 'utf8'));

/** The pack's own record and config_in_force.json are as the scenario needs: genuine, narrow at the end. */
function expectNarrowPack(dir: string, held: string, narrow: string): void {
  const snap = json(dir, 'config_snapshot.json');
  expect(snap.snapshot_id).toBe(narrow);
  expect(Object.keys(snap.files)).toEqual(['configs/risk.yaml']);
  const policy = json(dir, 'config_in_force.json').files.find(
    (e: { path: string }) => e.path === 'configs/compliance_policy.yaml',
  );
  expect(policy.record.snapshot_id).toBe(held);
}

const MISMATCH =
  /^COMPLIANCE_REPORT_MISMATCH: data\/config_in_force\.json names snapshot \S+ as holding configs\/compliance_policy\.yaml at the end of the day .* yet the report ends under the built-in policy/;
/** The same finding when the pack's own log names the holder (fx57a: before, it named config_in_force.json then too). */
const MISMATCH_LOG =
  /^COMPLIANCE_REPORT_MISMATCH: the ConfigSnapshot events of data\/audit\.jsonl name snapshot \S+ as holding configs\/compliance_policy\.yaml at the end of the day .* yet the report ends under the built-in policy/;

describe('a forged built-in report of a day ending with a narrow snapshot', () => {
  it("the holder's event in the pack's own log: COMPLIANCE_REPORT_MISMATCH alone, in the artifacts directory and in Python (none before)", async () => {
    const { cwd, dir, rep, held, narrow } = await narrowDay([[DATE, '08:00:00']]);
    expectNarrowPack(dir, held, narrow);
    expect(rep.policies.at(-1)?.snapshot_id).toBe(held);
    expect(restricted(rep)).toBe(1);
    // The genuine pack verifies, in both checkers.
    expect(errors(await verifyPack(dir))).toEqual([]);
    expect(pythonPackCheck(dir).errors).toEqual([]);
    const forged = await forgeReport(dir, (r) => ({ ...r, policies: [BUILT_IN], policy_notes: [] }));
    expect(restricted(forged)).toBe(0);
    for (const r of [await verifyPack(dir), await verifyPath(join(cwd, 'artifacts'))])
      expect(errors(r)).toEqual([expect.stringMatching(MISMATCH_LOG)]);
    expect(pythonPackCheck(dir).errors.map((e) => e.detail)).toEqual([
      expect.stringMatching(
        /^the ConfigSnapshot events of data\/audit\.jsonl name snapshot \S+ .* ends under the built-in policy/,
      ),
    ]);
  });

  it("the holder an earlier day's snapshot: COMPLIANCE_REPORT_MISMATCH with --log-dir and in the artifacts directory", async () => {
    const { cwd, logDir, dir, rep, held, narrow } = await narrowDay([['2025-09-07', '18:00:00']], true);
    expectNarrowPack(dir, held, narrow);
    expect(rep.policies.map((p) => p.snapshot_id)).toEqual([held]);
    const artifacts = join(cwd, 'artifacts');
    expect(errors(await verifyPath(dir, { logDir }))).toEqual([]);
    expect(errors(await verifyPath(artifacts, { logDir }))).toEqual([]);
    expect(pythonPackCheck(artifacts).errors).toEqual([]);
    await forgeReport(dir, (r) => ({ ...r, policies: [BUILT_IN], policy_notes: [] }));
    // Alone, the pack cannot tell (the holder's event is in the day before's log).
    expect(errors(await verifyPack(dir))).toEqual([]);
    for (const r of [
      await verifyPath(dir, { logDir }),
      await verifyPath(artifacts, { logDir }),
      await verifyPath(artifacts),
    ])
      expect(errors(r)).toEqual([expect.stringMatching(MISMATCH)]);
    expect(pythonPackCheck(artifacts).errors.map((e) => `${e.file}: ${e.detail}`)).toEqual([
      expect.stringMatching(
        /^2025-09-08\/data\/compliance_report\.json: data\/config_in_force\.json names snapshot \S+ .* ends under the built-in policy/,
      ),
    ]);
  });
});

describe('a day whose snapshots repeat the policy in force at its start, ending with a narrow snapshot', () => {
  it('the genuine report (ending under the earlier snapshot) verifies; a built-in one is COMPLIANCE_REPORT_MISMATCH', async () => {
    // A full snapshot at 08:00 repeats the day before's policy: the report lists the day before's
    // only (collapsed), while config_in_force.json names the 08:00 one.
    const { dir, rep, whole, held, narrow } = await narrowDay([
      ['2025-09-07', '18:00:00'],
      [DATE, '08:00:00'],
    ]);
    expectNarrowPack(dir, held, narrow);
    expect(rep.policies.map((p) => p.snapshot_id)).toEqual([whole[0]]);
    expect(errors(await verifyPack(dir))).toEqual([]);
    expect(pythonPackCheck(dir).errors).toEqual([]);
    await forgeReport(dir, (x) => ({ ...x, policies: [BUILT_IN], policy_notes: [] }));
    expect(errors(await verifyPack(dir))).toEqual([expect.stringMatching(MISMATCH_LOG)]);
    expect(pythonPackCheck(dir).errors).toHaveLength(1);
  });
});
