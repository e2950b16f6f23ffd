/**
 * The report's policy of record follows the log's order, not the snapshot ids' (at48 F1, F5): a
 * snapshot whose writer's clock was behind (its id days before the pack day, its event a late line
 * of the pack day's file) logged after another policy snapshot of the day. The config of record
 * (data/config_snapshot.json: the chain's last ConfigSnapshot event) is the late one, so the
 * report's `policy` must be too, and `policies` are listed in the order their events take force.
 * Before the fix the timeline sorted them by id, `policy` was the other one, and the honest signed
 * pack failed verify (COMPLIANCE_REPORT_MISMATCH) while the Python checker, which did not hold
 * `policy` to config_snapshot.json, passed it: the checkers disagreed.
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
const errorsOf = (stdout: string): string[] =>
  (JSON.parse(stdout) as { problems: { code: string; severity: string }[] }).problems
    .filter((p) => p.severity === 'error')
    .map((p) => p.code);

/** A snapshot whose id says `idIso` and whose event is logged with a clock of `eventIso` (its writer's clock behind). */
async function lateSnap(cwd: string, idIso: string, eventIso: string): Promise<string> {
  let calls = 0;
  const s = await createConfigSnapshot({
    cwd,
    reason: 'late',
    logDir: join(cwd, 'logs'),
    clock: () => (calls++ === 0 ? micros(idIso) : micros(eventIso) + calls),
  });
  return s.snapshot_id;
}

interface Exported {
  cwd: string;
  pack: string;
  ids: Record<string, string>;
}

function checkAll(e: Exported, last: string, policies: string[], restricted: string[]): void {
  const rep = JSON.parse(readFileSync(join(e.pack, 'data', 'compliance_report.json'), 'utf8'));
  const cos = JSON.parse(readFileSync(join(e.pack, 'data', 'config_snapshot.json'), 'utf8'));
  expect(cos.snapshot_id).toBe(e.ids[last]);
  expect(rep.policy.snapshot_id).toBe(e.ids[last]);
  expect(rep.policies.map((p: { snapshot_id: string | null }) => p.snapshot_id)).toEqual(policies.map((n) => e.ids[n]));
  expect(rep.policy_notes).toEqual([]);
  const found = rep.findings
    .filter((f: { rule: string }) => f.rule === 'restricted_symbol')
    .map((f: unknown) => /O-[\w-]+/.exec(JSON.stringify(f))?.[0]);
  expect(found).toEqual(restricted);
  const v = runCli(['verify', e.pack, '--pubkey', join(e.cwd, 'keys', 'auditpack_ed25519.pub'), '--json'], {
    cwd: e.cwd,
  });
  expect(errorsOf(v.stdout), v.stdout).toEqual([]);
  expect(v.code, v.stdout).toBe(0);
  const a = runCli(['verify', 'art', '--log-dir', 'logs', '--json'], { cwd: e.cwd });
  expect(errorsOf(a.stdout), a.stdout).toEqual([]);
  expect(a.code, a.stdout).toBe(0);
  const py = pythonPackCheck(e.pack);
  expect(py.errors).toEqual([]);
  expect(py.status).toBe(0);
}

describe('a late policy snapshot logged after the pack day own one (at48 F1)', () => {
  let e: Exported;
  beforeAll(async () => {
    const cwd = site({ 'compliance_policy.yaml': POLICY });
    const s0 = await snap(cwd, `${D(6)}T08:00:00Z`);
    for (const d of [D(5), D(4)]) await order(cwd, `${d}T09:00:00Z`, { order_id: `O-${d}` });
    await order(cwd, `${D(3)}T07:00:00Z`, { order_id: 'O-early' });
    setPolicy(cwd, STRICT);
    const w = await snap(cwd, `${D(3)}T08:00:00Z`); // the day's own: strict
    await order(cwd, `${D(3)}T09:00:00Z`, { order_id: 'O-underW' });
    setPolicy(cwd, POLICY); // lax again, taken by a writer whose clock is two days behind
    const l = await lateSnap(cwd, `${D(5)}T23:59:59.500Z`, `${D(4)}T00:00:00.200Z`);
    await order(cwd, `${D(3)}T12:00:00Z`, { order_id: 'O-underL' });
    const key = keygen(cwd);
    e = { cwd, pack: exportDay(cwd, D(3), { args: ['--signing-key', key] }).pack, ids: { s0, w, l } };
  });

  it('ends under L, the config of record; lists W before L; all three checks pass the signed pack', () => {
    checkAll(e, 'l', ['s0', 'w', 'l'], ['O-underW']);
  });

  it('a report ending under W (as the export wrote it before) is a mismatch in both checkers', () => {
    const forged = join(tempDir(), 'pack');
    cpSync(e.pack, forged, { recursive: true });
    forgePack(forged, {
      payload: (data) => {
        const path = join(data, 'compliance_report.json');
        const rep = JSON.parse(readFileSync(path, 'utf8'));
        const [s0, w, l] = rep.policies;
        rep.policies = [s0, l, w]; // by id time
        rep.policy = { path: w.path, sha256: w.sha256, snapshot_id: w.snapshot_id, source: w.source };
        writeFileSync(path, `${JSON.stringify(rep, null, 2)}\n`);
      },
    });
    const v = runCli(['verify', forged, '--json'], { cwd: e.cwd });
    expect(errorsOf(v.stdout)).toContain('COMPLIANCE_REPORT_MISMATCH');
    const py = pythonPackCheck(forged);
    expect(py.errors.map((f) => f.code)).toContain('COMPLIANCE_REPORT_MISMATCH');
    expect(JSON.stringify(py.errors)).toContain('must be the one data/config_snapshot.json');
  });
});

describe('two late policy snapshots, the one with the older id logged last (at48 F5)', () => {
  let e: Exported;
  beforeAll(async () => {
    const cwd = site({ 'compliance_policy.yaml': POLICY });
    const s0 = await snap(cwd, `${D(8)}T08:00:00Z`);
    await order(cwd, `${D(4)}T09:00:00Z`, { order_id: 'O-d4' });
    await order(cwd, `${D(3)}T07:00:00Z`, { order_id: 'O-early' });
    setPolicy(cwd, STRICT);
    const l2 = await lateSnap(cwd, `${D(5)}T23:59:59.000Z`, `${D(4)}T00:00:00.200Z`); // strict, id D-2
    await order(cwd, `${D(3)}T10:00:00Z`, { order_id: 'O-mid' });
    setPolicy(cwd, POLICY);
    const l1 = await lateSnap(cwd, `${D(6)}T23:59:59.500Z`, `${D(4)}T00:00:01.200Z`); // lax, id D-3, logged last
    await order(cwd, `${D(3)}T12:00:00Z`, { order_id: 'O-after' });
    const key = keygen(cwd);
    e = { cwd, pack: exportDay(cwd, D(3), { args: ['--signing-key', key] }).pack, ids: { s0, l2, l1 } };
  });

  it('ends under L1, the config of record; lists L2 before L1; all three checks pass the signed pack', () => {
    checkAll(e, 'l1', ['s0', 'l2', 'l1'], ['O-mid']);
  });
});
