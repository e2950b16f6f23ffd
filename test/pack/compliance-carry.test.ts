/**
 * The compliance state across midnight in packs: D's export starts its checks from D-1's pack state
 * (only when D-1's manifest vouches for it), else from a replay of D-1's log, else from nothing, and
 * says which; `check --date D` does the same; verify re-runs D from the start state D recorded, and
 * the archive holds each day's start to the previous day's end.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { appendFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyState } from '../../src/compliance/carry-source.js';
import { carriedStateJson } from '../../src/compliance/carry.js';
import { checkCompliance, type ComplianceReport } from '../../src/compliance/index.js';
import { verifyArchive, verifyPack } from '../../src/verify/index.js';
import { type Ev, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { AFTER, BEFORE, D, D1, exportCarryDay, sha } from './helpers/carry-day.js';
import { forgePack, makeWritable } from '../verify/helpers/forge.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const D2 = '2026-11-28';

async function setup(dayBefore?: readonly Ev[]): Promise<{ cwd: string; policyFile: string }> {
  const cwd = tempDir();
  const policyFile = writePolicy(cwd, `${TEST_POLICY}\nrequire_review: false\n`);
  if (dayBefore !== undefined) await writeEvents(join(cwd, 'logs'), dayBefore, D2);
  await writeEvents(join(cwd, 'logs'), BEFORE, D1);
  await writeEvents(join(cwd, 'logs'), AFTER, D);
  return { cwd, policyFile };
}

const exportDay = (
  cwd: string,
  policyFile: string,
  date: string,
  force = false,
  signingKey?: KeyObject,
): Promise<string> =>
  exportCarryDay(cwd, policyFile, date, { ...(force ? { force: true } : {}), ...(signingKey ? { signingKey } : {}) });

/** `check --date D` over the fixture, D-1's pack taken from `artifacts` (held to `signedBy` when given). */
const checkDay = (cwd: string, policyFile: string, signedBy?: KeyObject): Promise<ComplianceReport> =>
  checkCompliance({
    cwd,
    logDir: join(cwd, 'logs'),
    from: D,
    to: D,
    policyFile,
    artifactsDir: join(cwd, 'artifacts'),
    ...(signedBy ? { signedBy } : {}),
  });
const reportOf = (pack: string): ComplianceReport =>
  JSON.parse(readFileSync(join(pack, 'data/compliance_report.json'), 'utf8')) as ComplianceReport;
const rulesOf = (r: ComplianceReport): string[] => r.findings.map((f) => f.rule);
const codes = (r: { problems: readonly { code: string; severity: string }[] }): string[] =>
  r.problems.filter((p) => p.severity !== 'info').map((p) => `${p.severity} ${p.code}`);

describe('the compliance state carried between packs', () => {
  it("D starts from D-1's pack state: the kill switch and the session hold after midnight", async () => {
    const { cwd, policyFile } = await setup();
    const p1 = await exportDay(cwd, policyFile, D1);
    const p2 = await exportDay(cwd, policyFile, D);
    const r = reportOf(p2);
    expect(rulesOf(r)).toEqual(['kill_switch_violation']); // no order_without_login: the session carried
    expect(r.carried_in?.source).toBe('pack');
    expect(r.carried_in?.date).toBe(D1);
    const end1 = readFileSync(join(p1, 'data/compliance_state.json'));
    expect(readFileSync(join(p2, 'data/compliance_state_start.json'))).toEqual(end1);
    expect(r.carried_in?.state_sha256).toBe(sha(end1));
    // The kill switch's evidence names the day's log file, not the pack's data/audit.jsonl.
    expect(r.findings[0]?.evidence[0]?.file).toBe('audit-20261129.jsonl');
    expect(readFileSync(join(p2, 'manifest-sha256.txt'), 'utf8')).toContain('  data/compliance_state_start.json\n');
    expect(codes(await verifyPack(p2))).toEqual([]);
    expect(codes(await verifyArchive(join(cwd, 'artifacts'))).filter((c) => !c.includes('TAIL_UNCHECKED'))).toEqual([]);
    // check --date D seeds the same way and finds the same.
    const c = await checkDay(cwd, policyFile);
    expect(rulesOf(c)).toEqual(['kill_switch_violation']);
    expect(c.carried_in?.source).toBe('pack');
  }, 60_000);

  it("an edited state in D-1's pack is not taken: D replays D-1's log and says why", async () => {
    const { cwd, policyFile } = await setup();
    const p1 = await exportDay(cwd, policyFile, D1);
    makeWritable(p1);
    writeFileSync(join(p1, 'data/compliance_state.json'), carriedStateJson(emptyState(D1)));
    const r = reportOf(await exportDay(cwd, policyFile, D));
    expect(r.carried_in?.source).toBe('log');
    expect(r.carried_in?.note).toMatch(/does not match its manifest/);
    expect(r.carried_in?.log_sha256).toBe(sha(readFileSync(join(cwd, 'logs/audit-20261129.jsonl'))));
    expect(rulesOf(r)).toEqual(['kill_switch_violation']);
  }, 60_000);

  it("a state re-listed in D-1's manifest-sha256.txt alone is not taken: its tag manifest does not vouch for it", async () => {
    const { cwd, policyFile } = await setup();
    const p1 = await exportDay(cwd, policyFile, D1);
    makeWritable(p1);
    const text = carriedStateJson(emptyState(D1));
    writeFileSync(join(p1, 'data/compliance_state.json'), text);
    const m = join(p1, 'manifest-sha256.txt');
    const listed = readFileSync(m, 'utf8').replace(/^[0-9a-f]{64}(?= {2}data\/compliance_state\.json$)/m, sha(text));
    expect(listed).toContain(`${sha(text)}  data/compliance_state.json`);
    writeFileSync(m, listed);
    const r = reportOf(await exportDay(cwd, policyFile, D));
    expect(r.carried_in?.source).toBe('log');
    expect(r.carried_in?.note).toMatch(/manifest-sha256\.txt of the pack of 2026-11-29 is not the one its tagmanifest/);
    expect(rulesOf(r)).toEqual(['kill_switch_violation']);
  }, 60_000);

  it('a signing export carries only from a pack signed by its own key', async () => {
    const { cwd, policyFile } = await setup();
    const mine = generateKeyPairSync('ed25519').privateKey;
    const other = generateKeyPairSync('ed25519').privateKey;
    // D-1 re-made whole (manifests and tag manifest) and signed with another key: not carried.
    await exportDay(cwd, policyFile, D1, false, other);
    let r = reportOf(await exportDay(cwd, policyFile, D, false, mine));
    expect(r.carried_in?.source).toBe('log');
    expect(r.carried_in?.note).toMatch(
      /signature of the pack of 2026-11-29 does not verify with the key this export signs/,
    );
    expect(rulesOf(r)).toEqual(['kill_switch_violation']);
    // Signed by the export's own key: carried from the pack.
    await exportDay(cwd, policyFile, D1, true, mine);
    r = reportOf(await exportDay(cwd, policyFile, D, true, mine));
    expect([r.carried_in?.source, rulesOf(r)]).toEqual(['pack', ['kill_switch_violation']]);
    // An unsigned D-1 is not vouched for when the export signs.
    await exportDay(cwd, policyFile, D1, true);
    r = reportOf(await exportDay(cwd, policyFile, D, true, mine));
    expect(r.carried_in?.note).toMatch(/pack of 2026-11-29 is not signed, and this export signs/);
    // check --date D holds D-1's pack to the same key when the exports sign.
    const check = (key?: KeyObject) => checkDay(cwd, policyFile, key && createPublicKey(key));
    let c = await check(mine);
    expect([c.carried_in?.source, rulesOf(c)]).toEqual(['log', ['kill_switch_violation']]);
    expect(c.carried_in?.note).toMatch(/pack of 2026-11-29 is not signed, and this export signs/);
    expect((await check()).carried_in?.source).toBe('pack');
    await exportDay(cwd, policyFile, D1, true, other);
    c = await check(mine);
    expect(c.carried_in?.note).toMatch(/signature of the pack of 2026-11-29 does not verify/);
  }, 120_000);

  it('without a pack or a log of D-1 nothing is carried, and the report says so', async () => {
    const { cwd, policyFile } = await setup();
    renameSync(join(cwd, 'logs/audit-20261129.jsonl'), join(cwd, 'elsewhere.jsonl'));
    const r = reportOf(await exportDay(cwd, policyFile, D));
    expect(r.carried_in?.source).toBe('none');
    expect(r.carried_in?.note).toMatch(/nothing carried from 2026-11-29: no usable pack \(no pack of 2026-11-29/);
    expect(rulesOf(r)).toEqual(['order_without_login']);
    const c = await checkCompliance({ cwd, logDir: join(cwd, 'logs'), from: D, to: D, policyFile });
    expect(c.carried_in?.source).toBe('none');
  }, 60_000);

  it('a start state swapped in D (hashes recomputed) is found by the re-run', async () => {
    const { cwd, policyFile } = await setup();
    await exportDay(cwd, policyFile, D1);
    const p2 = await exportDay(cwd, policyFile, D);
    forgePack(p2, {
      payload: (data) => {
        // The forger drops the kill switch from the start and the finding from the report.
        const start = JSON.parse(readFileSync(join(data, 'compliance_state_start.json'), 'utf8'));
        start.kill_switch = [];
        const text = carriedStateJson(start);
        writeFileSync(join(data, 'compliance_state_start.json'), text);
        const r = reportOf(join(data, '..'));
        const edited = { ...r, carried_in: { ...r.carried_in, state_sha256: sha(text) } };
        writeFileSync(join(data, 'compliance_report.json'), `${JSON.stringify(edited, null, 2)}\n`);
      },
    });
    const v = await verifyPack(p2);
    const mismatch = v.problems.filter((p) => p.code === 'COMPLIANCE_REPORT_MISMATCH').map((p) => p.detail);
    // The report still lists the finding, but a re-run from that start does not find it.
    expect(mismatch.some((d) => /^finding added: kill_switch_violation/.test(d))).toBe(true);
    // The archive sees that D no longer starts where D-1 ended.
    expect(codes(await verifyArchive(join(cwd, 'artifacts')))).toContain('error COMPLIANCE_CARRY_MISMATCH');
  }, 60_000);

  it('an edited end state is found; so is a rules-4 report stripped of carried_in and its state files', async () => {
    const { cwd, policyFile } = await setup();
    const p1 = await exportDay(cwd, policyFile, D1);
    forgePack(p1, {
      payload: (data) => writeFileSync(join(data, 'compliance_state.json'), carriedStateJson(emptyState(D1))),
    });
    expect(codes(await verifyPack(p1))).toContain('error COMPLIANCE_STATE_MISMATCH');
    // carried_in and both state files removed: a report of rules 4 must record its start.
    forgePack(p1, {
      payload: (data) => {
        const { carried_in: _gone, ...r } = reportOf(join(data, '..'));
        writeFileSync(join(data, 'compliance_report.json'), `${JSON.stringify(r, null, 2)}\n`);
        rmSync(join(data, 'compliance_state.json'));
        rmSync(join(data, 'compliance_state_start.json'));
      },
    });
    const v = await verifyPack(p1);
    expect(v.problems.find((p) => p.code === 'COMPLIANCE_STATE_MISMATCH')?.detail).toMatch(/without carried_in/);
  }, 60_000);

  it('D exported before D-1 (a back-fill): the archive asks for D to be re-exported; the same log again is clean', async () => {
    const { cwd, policyFile } = await setup([['10:00:00', 'auth', 'Login', { user: 'carol' }]]);
    // D first: D-1 has no pack yet, so D replays D-1's log alone (carol's login of D-2 unknown).
    expect(reportOf(await exportDay(cwd, policyFile, D)).carried_in?.source).toBe('log');
    await exportDay(cwd, policyFile, D2);
    await exportDay(cwd, policyFile, D1);
    const a = await verifyArchive(join(cwd, 'artifacts'));
    expect(codes(a)).toContain('warning COMPLIANCE_CARRY_MISMATCH');
    expect(a.problems.find((p) => p.code === 'COMPLIANCE_CARRY_MISMATCH')?.detail).toMatch(/re-export 2026-11-30/);
    await exportDay(cwd, policyFile, D, true);
    // D-1 exported again from the same log: the same state, still carried.
    await exportDay(cwd, policyFile, D1, true);
    expect(codes(await verifyArchive(join(cwd, 'artifacts'))).filter((c) => c.includes('CARRY'))).toEqual([]);
  }, 90_000);

  it('D that carried a forged D-1 state stays an error after a later re-export of D-1', async () => {
    const { cwd, policyFile } = await setup();
    const p1 = await exportDay(cwd, policyFile, D1);
    const keep = join(cwd, 'kept-state.json');
    writeFileSync(keep, readFileSync(join(p1, 'data/compliance_state.json')));
    // The forger drops the kill switch from D-1's end state (manifests re-made), exports D from it,
    // then puts D-1's genuine state back.
    const forge = (text: string) =>
      forgePack(p1, { payload: (data) => writeFileSync(join(data, 'compliance_state.json'), text) });
    const genuine = readFileSync(keep, 'utf8');
    forge(carriedStateJson({ ...JSON.parse(genuine), kill_switch: [] }));
    const r = reportOf(await exportDay(cwd, policyFile, D));
    expect([r.carried_in?.source, rulesOf(r)]).toEqual(['pack', []]);
    forge(genuine);
    expect(codes(await verifyArchive(join(cwd, 'artifacts')))).toContain('error COMPLIANCE_CARRY_MISMATCH');
    // A routine re-export of D-1 makes D-1 newer than D: D claims D-1's pack, and no version of D-1
    // ended with its start, so it is no back-fill and stays an error.
    await exportDay(cwd, policyFile, D1, true);
    const c = codes(await verifyArchive(join(cwd, 'artifacts'))).filter((x) => x.includes('CARRY'));
    expect(c).toEqual(['error COMPLIANCE_CARRY_MISMATCH']);
    // The reference checker agrees.
    const py = pythonPackCheck(join(cwd, 'artifacts')).errors.map((p) => p.code);
    expect(py).toContain('COMPLIANCE_CARRY_MISMATCH');
  }, 90_000);

  it('a huge or hostile state in D-1 does not crash D: it is refused with a reason', async () => {
    const { cwd, policyFile } = await setup();
    const p1 = await exportDay(cwd, policyFile, D1);
    forgePack(p1, {
      payload: (data) => appendFileSync(join(data, 'compliance_state.json'), '{"__proto__":1}'),
    });
    const r = reportOf(await exportDay(cwd, policyFile, D));
    expect(r.carried_in?.source).toBe('log');
    expect(r.carried_in?.note).toMatch(/cannot be used: not JSON/);
  }, 60_000);

  it("a FIFO in place of D-1's state does not hang D's export or check: the state is not used", async () => {
    const { cwd, policyFile } = await setup();
    const p1 = await exportDay(cwd, policyFile, D1);
    makeWritable(p1);
    const state = join(p1, 'data/compliance_state.json');
    rmSync(state);
    execFileSync('mkfifo', [state]);
    const r = reportOf(await exportDay(cwd, policyFile, D));
    expect(r.carried_in?.source).toBe('log');
    expect(r.carried_in?.note).toMatch(/lists a compliance state it does not hold/);
    expect(rulesOf(r)).toEqual(['kill_switch_violation']);
  }, 60_000);
});
