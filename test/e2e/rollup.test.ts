/**
 * The built CLI end to end: `rollup`, `prove` and `verify-proof` over a small simulated firm, with
 * their exit codes, the files written, and a proof checked with nothing but the proof and a key.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DATE, exportFirmDay, type SimHost, writeFirmDay } from '../rollup/hosts-fixture.js';

const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: 100 },
];
let dir: string;

describe('auditpack rollup, prove, verify-proof', () => {
  beforeAll(async () => {
    // Made in beforeAll, so removed in afterAll (tempDir's afterEach is not registered from a hook).
    dir = mkdtempSync(join(tmpdir(), 'auditpack-e2e-rollup-'));
    await writeFirmDay(dir, HOSTS, DATE, 4);
    await exportFirmDay(dir, HOSTS, DATE);
    expect(runCli(['keygen', '--out', 'keys'], { cwd: dir }).code).toBe(0);
    writeFileSync(join(dir, 'hosts.txt'), '# the desk\nalpha\nbravo\ncharlie  # not deployed yet\n');
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rolls up, proves an order across hosts, and the proof checks on its own', () => {
    const from = ['--from', 'alpha/artifacts', '--from', 'bravo=bravo/artifacts'];
    const r = runCli(
      ['rollup', '--date', DATE, '--hosts', 'hosts.txt', ...from, '--signing-key', 'keys/auditpack_ed25519', '--json'],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(1); // charlie is missing
    const out = JSON.parse(r.stdout);
    expect(out.findings.map((f: { code: string; host: string }) => `${f.code} ${f.host}`)).toEqual([
      'ROLLUP_HOST_MISSING charlie',
    ]);
    expect(readFileSync(join(dir, 'rollups', DATE, 'rollup.json.sig'), 'utf8')).toContain('BEGIN SSH SIGNATURE');
    // A second run of the day refuses to replace it.
    expect(runCli(['rollup', '--date', DATE, ...from], { cwd: dir }).code).toBe(73);

    const p = runCli(['prove', '--date', DATE, '--order', `${DATE}-O2`, ...from, '--out', 'o2.proof.json'], {
      cwd: dir,
    });
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/2 line\(s\) on 2 host\(s\) proven/);
    const v = runCli(['verify-proof', 'o2.proof.json', '--pubkey', 'keys/auditpack_ed25519.pub'], { cwd: dir });
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/2 line\(s\) proven in the roll-up of 2025-09-09/);

    // The quantity of the proven fill changed: no longer in the tree.
    const text = readFileSync(join(dir, 'o2.proof.json'), 'utf8');
    writeFileSync(join(dir, 'edited.json'), text.replace('\\"quantity\\":1002', '\\"quantity\\":1003'));
    const e = runCli(['verify-proof', 'edited.json', '--json'], { cwd: dir });
    expect(e.code).toBe(1);
    expect(JSON.parse(e.stdout).problems.map((x: { code: string }) => x.code)).toContain('PROOF_LINE_NOT_INCLUDED');
  });

  it('refuses what it cannot do, with the documented codes', () => {
    writeFileSync(join(dir, 'junk.json'), '{"not":"a proof"}');
    expect(runCli(['verify-proof', 'junk.json'], { cwd: dir }).code).toBe(65);
    expect(runCli(['verify-proof', 'nope.json'], { cwd: dir }).code).toBe(66);
    // A device or FIFO is refused at once, not read for ever (its size reads as 0).
    const dev = runCli(['verify-proof', '/dev/zero'], { cwd: dir });
    expect([dev.code, dev.stderr]).toEqual([74, expect.stringContaining('not a regular file')]);
    // An unsigned roll-up proves consistency only: it fails unless the auditor accepts that.
    const proof = JSON.parse(readFileSync(join(dir, 'o2.proof.json'), 'utf8'));
    writeFileSync(join(dir, 'unsigned.json'), JSON.stringify({ ...proof, signature: null }));
    const u = runCli(['verify-proof', 'unsigned.json', '--json'], { cwd: dir });
    expect(u.code).toBe(1);
    expect(JSON.parse(u.stdout).problems.map((x: { code: string }) => x.code)).toEqual(['PROOF_UNSIGNED']);
    expect(runCli(['verify-proof', 'unsigned.json', '--allow-unsigned'], { cwd: dir }).code).toBe(0);
    const seq = runCli(['prove', '--date', DATE, '--seq', '3', '--from', 'alpha/artifacts'], { cwd: dir });
    expect(seq.code).toBe(2);
    expect(seq.stderr).toContain('--seq needs --host');
    expect(
      runCli(['prove', '--date', '2025-09-01', '--order', 'x', '--from', 'alpha/artifacts'], { cwd: dir }).code,
    ).toBe(66);
    expect(runCli(['rollup', '--date', DATE], { cwd: dir }).code).toBe(2);
  });
});
