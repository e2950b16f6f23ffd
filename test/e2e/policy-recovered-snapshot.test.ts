/**
 * A ConfigSnapshot event line that is a recovered torn write (at50 F5): `auditpack snapshot` killed
 * just before its line's newline; the next writer recovers it (a TornLineRecovered describing it
 * right after it). Such a line is never an event (docs/FORMAT.md "Torn lines and recovery", rule
 * 4), so the chain's last ConfigSnapshot event stays the strict s0's. Before, the day's readers of
 * ConfigSnapshot/PackExported lines found them by a byte search that kept the fragment: the lax s1
 * became D's config of record (config_snapshot.json, the report's `policies`, the PackExported
 * `config_of_record`) and governed all of D+1 (its EURUSD order not flagged), and every checker
 * passed it.
 */
import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dayAgo, exportDay, keygen, order, POLICY, site, snap } from '../helpers/snapshot-day.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const D = dayAgo(3);
const D1 = dayAgo(2);
const STRICT = POLICY.replace('restricted_symbols: [USDRUB]', 'restricted_symbols: [USDRUB, EURUSD]');
const reportOf = (pack: string) => JSON.parse(readFileSync(join(pack, 'data', 'compliance_report.json'), 'utf8'));
const restrictedOf = (rep: { findings: { rule: string }[] }): (string | undefined)[] =>
  rep.findings.filter((f) => f.rule === 'restricted_symbol').map((f) => /O-\d/.exec(JSON.stringify(f))?.[0]);
const errorsOf = (stdout: string): { code: string; detail: string }[] =>
  (JSON.parse(stdout) as { problems: { code: string; severity: string; detail: string }[] }).problems.filter(
    (p) => p.severity === 'error',
  );

describe('a ConfigSnapshot line that is a recovered torn write is never the config of record (at50 F5)', () => {
  let cwd: string;
  let s0: string;
  let s1: string;
  const packs: Record<string, string> = {};
  beforeAll(async () => {
    cwd = site({ 'compliance_policy.yaml': STRICT });
    s0 = await snap(cwd, `${D}T08:00:00Z`); // strict: EURUSD restricted
    await order(cwd, `${D}T09:00:00Z`, { order_id: 'O-1' });
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
    const logs = join(cwd, 'logs');
    const lock = readFileSync(join(logs, '.audit.lock')); // the cached head before s1's line
    s1 = await snap(cwd, `${D}T10:00:00Z`); // lax; its event line is then torn
    const file = join(
      logs,
      readdirSync(logs)
        .filter((f) => f.endsWith('.jsonl'))
        .sort()
        .at(-1) as string,
    );
    const text = readFileSync(file, 'utf8');
    expect(text.trimEnd().split('\n').at(-1)).toContain('"ConfigSnapshot"');
    // The crash: its newline never written, nor the head after it cached.
    truncateSync(file, Buffer.byteLength(text) - 1);
    writeFileSync(join(logs, '.audit.lock'), lock);
    await order(cwd, `${D}T11:00:00Z`, { order_id: 'O-2' }); // the next writer recovers the torn line
    const after = readFileSync(file, 'utf8').split('\n');
    expect(after.some((l) => l.includes('"TornLineRecovered"'))).toBe(true);
    await order(cwd, `${D1}T09:00:00Z`, { order_id: 'O-3' });
    const key = keygen(cwd);
    // D's export exits 3: its file holds a malformed line (the fragment), kept as evidence.
    packs[D] = exportDay(cwd, D, { args: ['--signing-key', key], code: 3 }).pack;
    packs[D1] = exportDay(cwd, D1, { args: ['--signing-key', key] }).pack;
  }, 300_000);

  function checkAll(day: string, policies: (string | null)[], restricted: string[]): void {
    const pack = packs[day] as string;
    const rep = reportOf(pack);
    const cos = JSON.parse(readFileSync(join(pack, 'data', 'config_snapshot.json'), 'utf8'));
    expect(cos.snapshot_id).toBe(s0);
    expect(rep.policies.map((p: { snapshot_id: string | null }) => p.snapshot_id)).toEqual(policies);
    expect(rep.policy.snapshot_id).toBe(s0);
    expect(restrictedOf(rep)).toEqual(restricted);
    const v = runCli(['verify', pack, '--pubkey', join(cwd, 'keys', 'auditpack_ed25519.pub'), '--json'], { cwd });
    expect(errorsOf(v.stdout), v.stdout).toEqual([]);
    expect(v.code, v.stdout).toBe(0);
    const a = runCli(['verify', 'art', '--log-dir', 'logs', '--json'], { cwd });
    expect(errorsOf(a.stdout), a.stdout).toEqual([]);
    expect(a.code, a.stdout).toBe(0);
    const py = pythonPackCheck(pack);
    expect(py.errors).toEqual([]);
    expect(py.status).toBe(0);
  }

  it('D: s0 stays in force through the fragment; config_snapshot.json and the policies name s0', () => {
    checkAll(D, [null, s0], ['O-1', 'O-2']);
  });

  it("D+1: the day starts under s0 (the chain's last ConfigSnapshot event): its EURUSD order is flagged", () => {
    checkAll(D1, [s0], ['O-3']);
  });

  it("the PackExported events' config_of_record name s0, never s1", () => {
    const logs = join(cwd, 'logs');
    const exported = readdirSync(logs)
      .filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) => readFileSync(join(logs, f), 'utf8').split('\n'))
      .filter((l) => l.includes('"PackExported"'))
      .map((l) => JSON.parse(l) as { date: string; config_of_record?: { snapshot_id?: string } | null });
    expect(exported.map((e) => [e.date, e.config_of_record?.snapshot_id])).toEqual([
      [D, s0],
      [D1, s0],
    ]);
    expect(JSON.stringify(exported)).not.toContain(s1);
  });
});
