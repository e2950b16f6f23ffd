/**
 * A policy snapshot whose writer's clock was ahead (at48 F2): its id dated two days after the day
 * D whose file its ConfigSnapshot event is a line of. The rule (the config of record's, the
 * chain's): a snapshot takes effect where its event is filed in the log, whatever its id's day.
 * Before, the timeline and verify judged it by its id's day: on D the lines after its event were
 * checked under the older policy with no note (the config of record being the new snapshot); on D+1
 * the honest signed pack failed TS verify (`snapshot … was taken after D+1`) while the Python
 * checker passed it; on D+2 a policy note called the snapshot in force all day unrecorded ("the log
 * has no ConfigSnapshot event for it").
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { runCli } from '../helpers/cli.js';
import { dayAgo, exportDay, keygen, micros, order, POLICY, site, snap } from '../helpers/snapshot-day.js';
import { tempDir } from '../helpers/tmp.js';
import { forgePack } from '../verify/helpers/forge.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const D = (n: number): string => dayAgo(n);
const STRICT = POLICY.replace('restricted_symbols: [USDRUB]', 'restricted_symbols: [USDRUB, EURUSD]');
const setPolicy = (cwd: string, text: string): void =>
  writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), text);
const problemsOf = (stdout: string): { code: string; severity: string; detail: string }[] =>
  (JSON.parse(stdout) as { problems: { code: string; severity: string; detail: string }[] }).problems.filter(
    (p) => p.severity === 'error',
  );
const BINDING = 'must be the one data/config_snapshot.json';

/** A snapshot whose id says `idIso` (its writer's clock ahead) and whose event is logged at `eventIso`. */
async function aheadSnap(cwd: string, idIso: string, eventIso: string): Promise<string> {
  let calls = 0;
  const s = await createConfigSnapshot({
    cwd,
    reason: 'ahead',
    logDir: join(cwd, 'logs'),
    clock: () => (calls++ === 0 ? micros(idIso) : micros(eventIso) + calls),
  });
  return s.snapshot_id;
}

const reportOf = (pack: string) => JSON.parse(readFileSync(join(pack, 'data', 'compliance_report.json'), 'utf8'));
const restrictedOf = (rep: { findings: { rule: string }[] }): (string | undefined)[] =>
  rep.findings.filter((f) => f.rule === 'restricted_symbol').map((f) => /O-[\w-]+/.exec(JSON.stringify(f))?.[0]);

describe('a policy snapshot whose writer clock was ahead: its id after the day its event is filed in (at48 F2)', () => {
  let cwd: string;
  let ids: Record<string, string>;
  const packs: Record<string, string> = {};
  beforeAll(async () => {
    cwd = site({ 'compliance_policy.yaml': POLICY });
    const s0 = await snap(cwd, `${D(5)}T08:00:00Z`); // lax
    await order(cwd, `${D(3)}T09:00:00Z`, { order_id: 'O-before' });
    setPolicy(cwd, STRICT);
    const s = await aheadSnap(cwd, `${D(1)}T06:00:00Z`, `${D(3)}T12:00:00Z`); // strict, id D+2, event on D
    await order(cwd, `${D(3)}T13:00:00Z`, { order_id: 'O-afterS' });
    await order(cwd, `${D(2)}T09:00:00Z`, { order_id: 'O-nextday' });
    await order(cwd, `${D(1)}T09:00:00Z`, { order_id: 'O-D2' });
    ids = { s0, s };
    const key = keygen(cwd);
    for (const d of [D(3), D(2), D(1)]) packs[d] = exportDay(cwd, d, { args: ['--signing-key', key] }).pack;
  });

  function checkAll(day: string, policies: string[], restricted: string[]): void {
    const pack = packs[day] as string;
    const rep = reportOf(pack);
    const cos = JSON.parse(readFileSync(join(pack, 'data', 'config_snapshot.json'), 'utf8'));
    expect(cos.snapshot_id).toBe(ids.s);
    expect(rep.policies.map((p: { snapshot_id: string | null }) => p.snapshot_id)).toEqual(policies.map((n) => ids[n]));
    expect(rep.policy.snapshot_id).toBe(ids.s);
    expect(rep.policy_notes).toEqual([]);
    expect(restrictedOf(rep)).toEqual(restricted);
    const v = runCli(['verify', pack, '--pubkey', join(cwd, 'keys', 'auditpack_ed25519.pub'), '--json'], { cwd });
    expect(problemsOf(v.stdout), v.stdout).toEqual([]);
    expect(v.code, v.stdout).toBe(0);
    const a = runCli(['verify', 'art', '--log-dir', 'logs', '--json'], { cwd });
    expect(problemsOf(a.stdout), a.stdout).toEqual([]);
    expect(a.code, a.stdout).toBe(0);
    const py = pythonPackCheck(pack);
    expect(py.errors).toEqual([]);
    expect(py.status).toBe(0);
  }

  it('D: the strict policy governs the lines after its event (its id two days later); all three checks pass', () => {
    checkAll(D(3), ['s0', 's'], ['O-afterS']);
  });

  it('D+1: the day starts under it; the honest signed pack passes TS verify too', () => {
    checkAll(D(2), ['s'], ['O-nextday']);
  });

  it('D+2 (its id day): in force all day, with no note calling it unrecorded', () => {
    checkAll(D(1), ['s'], ['O-D2']);
  });

  it('a report of D under the older policy alone (the lines after its event checked lax) fails both checkers', () => {
    const forged = join(tempDir(), 'pack');
    cpSync(packs[D(3)] as string, forged, { recursive: true });
    forgePack(forged, {
      payload: (data) => {
        const path = join(data, 'compliance_report.json');
        const rep = reportOf(join(data, '..'));
        const [s0] = rep.policies;
        rep.policies = [s0];
        rep.policy = { path: s0.path, sha256: s0.sha256, snapshot_id: s0.snapshot_id, source: s0.source };
        rep.findings = rep.findings.filter((f: { rule: string }) => f.rule !== 'restricted_symbol');
        rep.totals = { ...rep.totals, critical: rep.totals.critical - 1, total: rep.totals.total - 1 };
        delete rep.by_rule.restricted_symbol;
        writeFileSync(path, `${JSON.stringify(rep, null, 2)}\n`);
      },
    });
    const v = runCli(['verify', forged, '--json'], { cwd });
    const mismatch = problemsOf(v.stdout).filter((p) => p.code === 'COMPLIANCE_REPORT_MISMATCH');
    expect(
      mismatch.some((p) => p.detail.includes(BINDING)),
      v.stdout,
    ).toBe(true);
    expect(v.code).toBe(1);
    const py = pythonPackCheck(forged);
    expect(py.errors.map((f) => f.code)).toContain('COMPLIANCE_REPORT_MISMATCH');
    expect(JSON.stringify(py.errors)).toContain(BINDING);
  });
});
