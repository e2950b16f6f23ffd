/**
 * Forged policy timelines in an unsigned pack (at51). The forger rewrites the compliance report (and
 * the CSV, the page, the end state and every hash: forgeReport) but not the chained log nor the
 * config snapshot files, whose record the log's ConfigSnapshot event pins by its record_sha256.
 * F1: a "does not parse" note drops the snapshot's stricter policy from the re-run. F2: a note-less
 * report claims the built-in policy for the day. Both verified before; both are now
 * COMPLIANCE_REPORT_MISMATCH. A genuine pack whose snapshotted policy does not parse still verifies,
 * in both checkers.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../src/compliance/index.js';
import { UNPARSED_NOTE } from '../../src/compliance/policy-notes.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { verifyPack, verifyPath } from '../../src/verify/index.js';
import { exportTestDay, micros, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { BUILT_IN_POLICY, forgeReport, reportOf } from './helpers/forge-report.js';
import { pythonPackCheck } from './helpers/python-check.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const BUILT_IN = BUILT_IN_POLICY;
const unparsedNote = (id: string) =>
  `snapshot ${id}: configs/compliance_policy.yaml was not used, it does not parse (x); ${UNPARSED_NOTE}`;

/**
 * A day whose policy (restricting NORD) was snapshotted at `at` (on the day: its ConfigSnapshot event
 * is a line of the pack's log; or the day before), then `then` (a later snapshot of another text),
 * and an order on NORD after them: one finding the built-in policy does not give.
 */
async function day(at: [string, string], then?: [string, string, string]) {
  const cwd = tempDir();
  const snapshotDir = join(cwd, 'audit', 'snapshots');
  for (const [d, t, policy] of [[...at, TEST_POLICY], ...(then ? [then] : [])] as [string, string, string][]) {
    writePolicy(cwd, policy);
    const clock = () => micros(d, t);
    await createConfigSnapshot({ cwd, snapshotDir, logDir: join(cwd, 'logs'), reason: 'policy', clock });
  }
  await writeEvents(join(cwd, 'logs'), [
    ['09:00:00', 'order', 'OrderAccepted', { order_id: 'A-1', symbol: 'NORD', side: 'BUY', quantity: 1, price: '1' }],
  ]);
  const r = await exportTestDay(cwd, { snapshot: { cwd, snapshotDir }, compliance: { cwd, snapshotDir } });
  const rep = reportOf(r.path);
  return { cwd, dir: r.path, rep, id: rep.policies.find((p) => p.source === 'snapshot')?.snapshot_id as string };
}

const errors = (r: { problems: readonly { code: string; severity: string; detail: string }[] }) =>
  r.problems.filter((p) => p.severity === 'error').map((p) => `${p.code}: ${p.detail}`);
const restricted = (r: ComplianceReport) => r.by_rule.restricted_symbol ?? 0;

describe('a forged "does not parse" note (at51 F1)', () => {
  for (const at of [
    ['2025-09-08', '08:00:00'],
    ['2025-09-07', '18:00:00'],
  ] as [string, string][]) {
    it(`drops the snapshot ${at[0] === '2025-09-08' ? 'of the day' : 'of the day before'}: COMPLIANCE_REPORT_MISMATCH, whatever text it records`, async () => {
      const { dir, rep, id } = await day(at);
      expect(restricted(rep)).toBe(1);
      expect(errors(await verifyPack(dir))).toEqual([]);
      // unparsed_policies goes where export writes it, after policy_notes, as a careful forger puts it
      // (anywhere else the report's members are not the re-run's: at58 F4).
      const drop = (r: ComplianceReport, extra: Partial<ComplianceReport> = {}): ComplianceReport => {
        const notes = [...rep.policy_notes, unparsedNote(id)];
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries({ ...r, policies: [BUILT_IN], policy_notes: notes })) {
          if (k === 'unparsed_policies') continue; // a previous forgery's
          out[k] = v;
          if (k === 'policy_notes' && extra.unparsed_policies !== undefined)
            out.unparsed_policies = extra.unparsed_policies;
        }
        return out as unknown as ComplianceReport;
      };
      // The note alone: the restricted-symbol finding is gone, and the report agrees with its re-run.
      const forged = await forgeReport(dir, (r) => drop(r));
      expect(restricted(forged)).toBe(0);
      const one = errors(await verifyPack(dir));
      expect(one).toEqual([
        expect.stringMatching(/^COMPLIANCE_REPORT_MISMATCH: .*does not parse: the report records no text of it/),
      ]);
      expect(pythonPackCheck(dir).errors.map((e) => e.detail)).toEqual([
        expect.stringMatching(/does not parse: the report records no text of it/),
      ]);
      // The honest text beside it: it parses.
      const text = rep.policies.find((p) => p.snapshot_id === id)?.text as string;
      const entry = { snapshot_id: id, path: 'configs/compliance_policy.yaml', sha256: sha(TEST_POLICY), text };
      await forgeReport(dir, (r) => drop(r, { unparsed_policies: [entry] }));
      expect(errors(await verifyPack(dir))).toEqual([
        expect.stringMatching(/^COMPLIANCE_REPORT_MISMATCH: .*does not parse: its recorded text parses/),
      ]);
      // A text that does not parse: not the copy the pack's record of that snapshot stores.
      const junk = 'max_risk_score: [';
      await forgeReport(dir, (r) => drop(r, { unparsed_policies: [{ ...entry, text: junk }] }));
      expect(errors(await verifyPack(dir))).toEqual([
        expect.stringMatching(/^COMPLIANCE_REPORT_MISMATCH: .*does not parse: its recorded text does not hash/),
        expect.stringMatching(/^COMPLIANCE_REPORT_MISMATCH: .*does not parse: its text is not the stored copy/),
      ]);
      // The Python checker holds the text to the record (it has no YAML parser to see that it parses).
      expect(pythonPackCheck(dir).errors.map((e) => e.detail)).toEqual([
        expect.stringMatching(/does not parse: its recorded text is not the stored copy/),
      ]);
    });
  }

  it('a genuine pack whose snapshotted policy does not parse records its text, and verifies in both checkers', async () => {
    // Snapshotted the day before, then broken by an edit snapshotted on the day.
    const broken = `${TEST_POLICY}max_risk_score: [\n`;
    const { dir, rep } = await day(['2025-09-07', '18:00:00'], ['2025-09-08', '08:00:00', broken]);
    const id = rep.policy_notes.map((n) => /^snapshot (\S+): .* does not parse/.exec(n)?.[1]).find(Boolean);
    expect(id).toBe('20250908T080000.000000Z-000');
    expect(rep.policies.map((p) => p.source)).toEqual(['snapshot']);
    expect(restricted(rep)).toBe(1);
    expect(rep.unparsed_policies).toEqual([
      { snapshot_id: id, path: 'configs/compliance_policy.yaml', sha256: sha(broken), text: broken },
    ]);
    expect(errors(await verifyPack(dir))).toEqual([]);
    expect(errors(await verifyPath(dir))).toEqual([]);
    expect(pythonPackCheck(dir).errors).toEqual([]);
  });
});

describe('a note-less report claiming the built-in policy while the log pins a snapshot (at51 F2)', () => {
  it('COMPLIANCE_REPORT_MISMATCH, alone and in its artifacts directory (a warning before)', async () => {
    const { cwd, dir } = await day(['2025-09-08', '08:00:00']);
    const forged = await forgeReport(dir, (r) => ({ ...r, policies: [BUILT_IN], policy_notes: [] }));
    expect(restricted(forged)).toBe(0);
    for (const r of [await verifyPack(dir), await verifyPath(join(cwd, 'artifacts'))])
      expect(errors(r)).toEqual([
        expect.stringMatching(
          /^COMPLIANCE_REPORT_MISMATCH: snapshot \S+ \(data\/config_snapshot\.json\), whose ConfigSnapshot event is a line of the day's log, .* ends under the built-in policy/,
        ),
      ]);
    expect(pythonPackCheck(dir).errors.map((e) => e.detail)).toEqual([
      expect.stringMatching(/^snapshot \S+ \(data\/config_snapshot\.json\), .* ends under the built-in policy/),
    ]);
  });
});
