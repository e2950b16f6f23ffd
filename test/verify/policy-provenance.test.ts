/**
 * Which policy a pack's compliance report ran under is held to what the pack proves otherwise: its
 * config snapshot (data/config_snapshot.json, the record of the latest snapshot at the end of the
 * day, with the SHA-256 of the policy file and of its stored copy). A writer of an unsigned pack who
 * records a permissive policy and re-makes the report, the CSV, the page and every hash must be
 * caught when the pack contradicts itself, and told plainly where nothing in it can vouch.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkLogFile,
  DEFAULT_POLICY_SOURCE,
  findingsCsv,
  type ComplianceReport,
  renderReportHtml,
  reportJson,
  timelineOfReport,
} from '../../src/compliance/index.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { verifyPack, verifyPath } from '../../src/verify/index.js';
import { policyProvenance, snapshotFactsOf } from '../../src/verify/provenance.js';
import { DATE, micros, TEST_POLICY, writeEvents, writePolicy, exportTestDay } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { forgePack } from './helpers/forge.js';
import { unsignedPageFacts } from './helpers/forge-report.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
type Policy = ComplianceReport['policies'][number];

/** A day with orders and no risk checks (findings), the policy snapshotted the day before. */
async function snapshottedPack(policy = TEST_POLICY, snapshotAt = ['2025-09-07', '18:00:00']): Promise<string> {
  const cwd = tempDir();
  writePolicy(cwd, policy);
  const snapshotDir = join(cwd, 'audit', 'snapshots');
  // Logged (its ConfigSnapshot event in the audit log): only a recorded snapshot's policy counts.
  await createConfigSnapshot({
    cwd,
    snapshotDir,
    logDir: join(cwd, 'logs'),
    reason: 'policy',
    clock: () => micros(snapshotAt[0] as string, snapshotAt[1] as string),
  });
  await writeEvents(join(cwd, 'logs'), [
    [
      '09:00:00',
      'order',
      'OrderAccepted',
      { order_id: 'A-1', symbol: 'EURUSD', side: 'BUY', quantity: 1, price: '1.1' },
    ],
    [
      '09:00:01',
      'order',
      'OrderAccepted',
      { order_id: 'A-2', symbol: 'EURUSD', side: 'BUY', quantity: 1, price: '1.1' },
    ],
  ]);
  const r = await exportTestDay(cwd, {
    snapshot: { cwd, snapshotDir },
    compliance: { cwd, snapshotDir },
  });
  expect(r.compliance.total).toBeGreaterThan(0);
  return r.path;
}

/** Records `edit(policy)` as the report's policy, re-runs the checks with it, re-makes the files and hashes. */
async function swapPolicy(dir: string, edit: (p: Policy) => Policy, all = false): Promise<void> {
  const path = join(dir, 'data', 'compliance_report.json');
  const rep = JSON.parse(readFileSync(path, 'utf8')) as ComplianceReport;
  // `all`: every policy kept, each edited (else the first alone, edited).
  const policies = all ? rep.policies.map(edit) : [edit(rep.policies[0] as Policy)];
  const forged = { ...rep, policies } as ComplianceReport;
  const out = await checkLogFile({
    path: join(dir, 'data', 'audit.jsonl'),
    name: 'data/audit.jsonl',
    date: DATE,
    timeline: timelineOfReport(forged),
  });
  const facts = unsignedPageFacts(dir);
  forgePack(dir, {
    payload: (data) => {
      writeFileSync(join(data, 'compliance_report.json'), reportJson(out));
      writeFileSync(join(data, 'compliance_findings.csv'), findingsCsv(out));
      writeFileSync(join(data, 'report.html'), renderReportHtml(out, facts));
    },
  });
}

const PERMISSIVE = `${TEST_POLICY}\ndisabled_rules: [missing_risk_check, order_open_at_end_of_day]\n`;
const codes = async (dir: string) => (await verifyPack(dir)).problems.map((p) => `${p.severity} ${p.code}`);

describe('the policy a pack records is held to its config snapshot', () => {
  it('an honest snapshotted pack verifies, its policy bound to the snapshot', async () => {
    const dir = await snapshottedPack();
    const rep = JSON.parse(readFileSync(join(dir, 'data', 'compliance_report.json'), 'utf8')) as ComplianceReport;
    expect(rep.policies[0]).toMatchObject({ source: 'snapshot', sha256: sha(TEST_POLICY) });
    const r = await verifyPack(dir);
    expect(r.ok).toBe(true);
    expect(r.problems.filter((p) => p.code.startsWith('COMPLIANCE'))).toEqual([]);
  });

  it('a snapshotted policy with another text (hash kept) is a mismatch', async () => {
    const dir = await snapshottedPack();
    await swapPolicy(dir, (p) => ({ ...p, text: PERMISSIVE }));
    expect(await codes(dir)).toContain('error COMPLIANCE_REPORT_MISMATCH');
  });

  it('a snapshotted policy with another text and its own hash contradicts the snapshot record', async () => {
    const dir = await snapshottedPack();
    await swapPolicy(dir, (p) => ({ ...p, text: PERMISSIVE, sha256: sha(PERMISSIVE) }));
    const r = await verifyPack(dir);
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.detail).join('\n')).toMatch(/config_snapshot\.json \(snapshot .*\) records/);
  });

  it('a redacted-looking text that is not the stored copy is not held to it: a standalone verify says it is unbound (at52 F-C)', async () => {
    const dir = await snapshottedPack();
    await swapPolicy(dir, (p) => ({ ...p, text: `${PERMISSIVE}# token: [REDACTED]\n` }));
    // The pack holds neither the copy nor the export's rules: an export that added a pattern of the
    // user's writes such a text honestly, so it is said, not failed (pinned only by a signature).
    const r = await verifyPath(dir);
    const unbound = r.problems.filter((p) => p.code === 'COMPLIANCE_POLICY_UNBOUND').map((p) => p.detail);
    expect(unbound.join('\n')).toMatch(/redacted again .*not the stored copy/);
  });

  it('a text redacted again (it holds [REDACTED]) is unbound, not a contradiction, whatever rules the record says its copies were stored under (at41 F3, at52 F-C)', () => {
    const id = `${DATE.replaceAll('-', '')}T060000.000000Z-000`;
    const text = `${TEST_POLICY}# token: [REDACTED]\n`;
    const facts = {
      id,
      files: new Map([
        ['configs/compliance_policy.yaml', { hash: sha('raw'), stored: true, object: sha('stored'), binary: false }],
      ]),
    };
    const policy = {
      from: null,
      source: 'snapshot',
      snapshot_id: id,
      path: 'configs/compliance_policy.yaml',
      sha256: sha('raw'),
      text,
    };
    const held = policyProvenance([policy], [], facts);
    expect(held.contradictions).toEqual([]);
    expect(held.unbound).toEqual([expect.stringMatching(/redacted again .*not held to it/)]);
    // Without the censor, a text that is not the copy is a contradiction still.
    const plain = policyProvenance([{ ...policy, text: TEST_POLICY }], [], facts);
    expect(plain.contradictions).toContainEqual(expect.stringMatching(/not the stored copy/));
  });

  it('a report re-made under the built-in policy while the snapshot records the policy file is no escape', async () => {
    const dir = await snapshottedPack();
    const builtIn = (p: Policy): Policy => ({
      ...p,
      source: 'built-in',
      path: 'built-in',
      snapshot_id: null,
      from: null,
      text: DEFAULT_POLICY_SOURCE,
      sha256: sha(DEFAULT_POLICY_SOURCE),
    });
    const rep = JSON.parse(readFileSync(join(dir, 'data', 'compliance_report.json'), 'utf8')) as ComplianceReport;
    const recorded = rep.policies[0] as Policy;
    // Claimed for the morning only, before the snapshotted policy: the pack holds nothing for it either.
    const snap = snapshotFactsOf(readFileSync(join(dir, 'data', 'config_snapshot.json')));
    const morning = policyProvenance([builtIn(recorded), recorded], [], snap);
    expect(morning.contradictions).toEqual([]);
    expect(morning.unbound).toEqual([expect.stringMatching(/source built-in.*a later policy replaced it/)]);
    // Claimed for the whole day: the latest snapshot at its end records the policy file, not built-in.
    await swapPolicy(dir, builtIn);
    const r = await verifyPath(dir);
    // (This forgery re-makes the report without the carried compliance state, which has findings of its own.)
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => p.code)).not.toContain(
      'COMPLIANCE_REPORT_MISMATCH',
    );
    const w = r.problems.find((p) => p.code === 'COMPLIANCE_POLICY_UNBOUND');
    expect(w?.severity).toBe('warning');
    expect(w?.detail).toMatch(/records configs\/compliance_policy\.yaml .* yet the report claims the built-in policy/);
  });

  it('a policy moved to another, unrecorded snapshot is no escape', async () => {
    const dir = await snapshottedPack();
    await swapPolicy(dir, (p) => ({
      ...p,
      snapshot_id: '20250901T000000.000000Z-000',
      text: `${PERMISSIVE}# [REDACTED]\n`,
      sha256: sha(PERMISSIVE),
    }));
    expect(await codes(dir)).toContain('error COMPLIANCE_REPORT_MISMATCH');
  });

  it('where nothing in the pack vouches for the policy, a standalone verify says so (warning)', async () => {
    const dir = await snapshottedPack();
    await swapPolicy(dir, (p) => ({
      ...p,
      source: 'file',
      snapshot_id: null,
      path: 'x.yaml',
      text: PERMISSIVE,
      sha256: sha(PERMISSIVE),
    }));
    const r = await verifyPath(dir);
    expect(r.problems.map((p) => `${p.severity} ${p.code}`)).toEqual(
      expect.arrayContaining(['warning COMPLIANCE_POLICY_UNBOUND', 'warning PACK_UNSIGNED_UNPINNED']),
    );
  });

  it("the pack's snapshot record rewritten to vouch for a permissive policy is held to its logged ConfigSnapshot", async () => {
    // Snapshotted on the day: the pack's own log holds the ConfigSnapshot event with the record's hash.
    const dir = await snapshottedPack(TEST_POLICY, ['2025-09-08', '08:00:00']);
    const honest = await verifyPack(dir);
    expect(honest.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(honest.problems.filter((p) => p.code === 'COMPLIANCE_REPORT_MISMATCH')).toEqual([]);
    const snapPath = join(dir, 'data', 'config_snapshot.json');
    // The record and the report agree on the permissive policy: nothing in them contradicts the other.
    forgePack(dir, {
      payload: () =>
        writeFileSync(snapPath, readFileSync(snapPath, 'utf8').replaceAll(sha(TEST_POLICY), sha(PERMISSIVE))),
    });
    await swapPolicy(
      dir,
      (p) => (p.source === 'snapshot' ? { ...p, text: PERMISSIVE, sha256: sha(PERMISSIVE) } : p),
      true,
    );
    const rep = JSON.parse(readFileSync(join(dir, 'data', 'compliance_report.json'), 'utf8')) as ComplianceReport;
    expect(rep.policies.at(-1)).toMatchObject({ source: 'snapshot', sha256: sha(PERMISSIVE) });
    const r = await verifyPack(dir);
    // (swapPolicy re-runs without the carried start state, so the state files differ as well.)
    const errors = r.problems.filter((p) => p.severity === 'error').map((p) => [p.code, p.file]);
    expect(errors).toContainEqual(['COMPLIANCE_REPORT_MISMATCH', 'data/config_snapshot.json']);
    expect(errors.filter(([c]) => c === 'COMPLIANCE_REPORT_MISMATCH')).toHaveLength(1);
    expect(r.problems.find((p) => p.file === 'data/config_snapshot.json')?.detail).toMatch(
      /its ConfigSnapshot event in data\/audit\.jsonl records [0-9a-f]{64}/,
    );
  });

  it('a policy with a redacted value: its keyed hash binds it, no plain hash is in the pack; the old shape (plain) still binds', async () => {
    // A short secret in a comment: with the redacted copy in the pack, a plain SHA-256 of the file
    // would give it away to 10,000 guesses.
    const policy = `${TEST_POLICY}# password: 4821\n`;
    const dir = await snapshottedPack(policy);
    const rep = JSON.parse(readFileSync(join(dir, 'data', 'compliance_report.json'), 'utf8')) as ComplianceReport;
    const snapPath = join(dir, 'data', 'config_snapshot.json');
    const entry = JSON.parse(readFileSync(snapPath, 'utf8')).files['configs/compliance_policy.yaml'];
    expect(entry).toMatchObject({ redacted: true, hash: expect.stringMatching(/^hmac-sha256:[0-9a-f]{64}$/) });
    expect(rep.policies[0]).toMatchObject({ source: 'snapshot', sha256: entry.hash });
    expect(rep.policies[0]?.text).toContain('[REDACTED]');
    expect(sha(rep.policies[0]?.text as string)).toBe(entry.object);
    for (const f of readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()))
      expect(readFileSync(join(f.parentPath, f.name), 'utf8')).not.toContain(sha(policy));
    const r = await verifyPack(dir);
    expect(r.ok).toBe(true);
    expect(r.problems.filter((p) => p.code.startsWith('COMPLIANCE'))).toEqual([]);
    // A pack made before keyed hashes: the record, the report and the page name the plain SHA-256
    // where this one names the keyed hash. It still verifies, the policy bound to the record as before.
    forgePack(dir, {
      payload: (data) => {
        const recordBefore = sha(readFileSync(join(data, 'config_snapshot.json'), 'utf8'));
        for (const n of readdirSync(data)) {
          const text = readFileSync(join(data, n), 'utf8');
          // (The page shows a policy's hash by 16 hex digits, after a keyed hash's prefix.)
          const old = text
            .replaceAll(entry.hash, sha(policy))
            .replaceAll(`${entry.hash.slice(0, 'hmac-sha256:'.length + 16)}…`, `${sha(policy).slice(0, 16)}…`);
          if (old !== text) writeFileSync(join(data, n), old);
        }
        // config_in_force.json names the record by its hash, which the old shape changes.
        const inForce = join(data, 'config_in_force.json');
        const after = sha(readFileSync(join(data, 'config_snapshot.json'), 'utf8'));
        writeFileSync(inForce, readFileSync(inForce, 'utf8').replaceAll(recordBefore, after));
      },
    });
    expect(snapshotFactsOf(readFileSync(snapPath))?.files.get('configs/compliance_policy.yaml')?.hash).toBe(
      sha(policy),
    );
    expect(readFileSync(join(dir, 'data', 'compliance_report.json'), 'utf8')).toContain(sha(policy));
    const old = await verifyPack(dir);
    expect(old.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(old.problems.filter((p) => p.code.startsWith('COMPLIANCE'))).toEqual([]);
    // And the keyed value no longer matches the plain one: a swapped hash is still a contradiction.
    await swapPolicy(dir, (p) => ({ ...p, sha256: entry.hash }));
    expect(await codes(dir)).toContain('error COMPLIANCE_REPORT_MISMATCH');
  });
});

describe("a report's policy at the day's end held to the snapshot the day's log put in force", () => {
  /** A day whose log holds a ConfigSnapshot (08:00) of the policy file; the pack's checks ran under `compliance`. */
  async function dayWithSnapshot(
    compliance: (cwd: string) => { cwd: string; policyFile?: string; snapshotDir?: string },
  ) {
    const cwd = tempDir();
    writePolicy(cwd, TEST_POLICY);
    const snapshotDir = join(cwd, 'audit', 'snapshots');
    await createConfigSnapshot({
      cwd,
      snapshotDir,
      logDir: join(cwd, 'logs'),
      reason: 'policy',
      clock: () => micros('2025-09-08', '08:00:00'),
    });
    await writeEvents(join(cwd, 'logs'), [
      [
        '09:00:00',
        'order',
        'OrderAccepted',
        { order_id: 'A-1', symbol: 'EURUSD', side: 'BUY', quantity: 1, price: '1.1' },
      ],
    ]);
    const r = await exportTestDay(cwd, { snapshot: { cwd, snapshotDir }, compliance: compliance(cwd) });
    return { cwd, dir: r.path };
  }
  // From at51 F2 an error (COMPLIANCE_POLICY_NOT_IN_FORCE, a warning, before): a forger writes the same pack.
  const notInForce = (r: { problems: readonly { code: string; severity: string; detail: string }[] }) =>
    r.problems.filter((p) => p.code === 'COMPLIANCE_REPORT_MISMATCH' && /yet the report ends under/.test(p.detail));

  it('a pack checked under the built-in policy while the day logged a snapshot of the policy file: a mismatch', async () => {
    // The library's export with compliance options that name no store: not the policy in force, and
    // no different from a report a forger re-made under the built-in policy.
    const { cwd, dir } = await dayWithSnapshot(() => ({ cwd: tempDir() }));
    const rep = JSON.parse(readFileSync(join(dir, 'data', 'compliance_report.json'), 'utf8')) as ComplianceReport;
    expect(rep.policies.map((p) => p.source)).toEqual(['built-in']);
    for (const r of [await verifyPack(dir), await verifyPath(join(cwd, 'artifacts'))]) {
      const w = notInForce(r);
      expect(w.map((p) => p.severity)).toEqual(['error']);
      expect(w[0]?.detail).toMatch(
        new RegExp(
          `stores configs/compliance_policy\\.yaml with sha256 ${sha(TEST_POLICY)}.*ends under the built-in policy`,
        ),
      );
    }
  });

  it('an explicit policy file of another hash: the same mismatch; of the same bytes, none', async () => {
    const other = await dayWithSnapshot(() => {
      const d = tempDir();
      return { cwd: d, policyFile: writePolicy(d, PERMISSIVE) };
    });
    expect(notInForce(await verifyPack(other.dir))[0]?.detail).toMatch(/ends under the policy file .*sha256/);
    const same = await dayWithSnapshot(() => {
      const d = tempDir();
      return { cwd: d, policyFile: writePolicy(d, TEST_POLICY) };
    });
    expect(notInForce(await verifyPack(same.dir))).toEqual([]);
  });

  it('the snapshotted policy in force: no mismatch; a snapshot of the day before (no event in the day): none either', async () => {
    const { dir } = await dayWithSnapshot((cwd) => ({ cwd, snapshotDir: join(cwd, 'audit', 'snapshots') }));
    expect(notInForce(await verifyPack(dir))).toEqual([]);
    // The day before's snapshot: its event is not in this pack's log, so only the standalone note speaks.
    const before = await snapshottedPack();
    expect(notInForce(await verifyPack(before))).toEqual([]);
  });
});
