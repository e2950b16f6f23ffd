/**
 * The built CLI end to end: `rollup`, `prove` and `verify-proof` over a small simulated firm, with
 * their exit codes, the files written, and a proof checked with nothing but the proof and a key.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  it('a --from path that does not exist stops rollup, prove and verify with PATH_NOT_FOUND (66), nothing written (at62 F7)', () => {
    const from = ['--from', 'alpha=alpha/artifacts', '--from', 'bravo=bravo/artifactz'];
    const r = runCli(['rollup', '--date', DATE, ...from, '--out', 'rollups-f7'], { cwd: dir });
    expect(r.code, r.stderr).toBe(66);
    expect(r.stderr).toContain('PATH_NOT_FOUND');
    expect(r.stderr).toMatch(/--from bravo=\S*bravo\/artifactz does not exist/);
    expect(existsSync(join(dir, 'rollups-f7', DATE))).toBe(false);
    const p = runCli(['prove', '--date', DATE, '--order', `${DATE}-O2`, ...from, '--out', 'f7.proof.json'], {
      cwd: dir,
    });
    expect(p.code, p.stderr).toBe(66);
    expect(existsSync(join(dir, 'f7.proof.json'))).toBe(false);
  });

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

  it('prove with the --from host names swapped names the mismatch, not only "no line matches"', () => {
    const swapped = ['--from', 'alpha=bravo/artifacts', '--from', 'bravo=alpha/artifacts'];
    const p = runCli(['prove', '--date', DATE, '--order', `${DATE}-O2`, ...swapped, '--out', 'sw.json'], { cwd: dir });
    expect(p.code, p.stderr).toBe(66);
    expect(p.stderr).toContain('ROLLUP_NOT_FOUND');
    expect(p.stderr).toMatch(
      /the pack given for alpha \(\S*bravo\/artifacts\) is the roll-up's pack of bravo: the --from host names are swapped/,
    );
    expect(p.stderr).toMatch(/the pack given for bravo \(\S*alpha\/artifacts\) is the roll-up's pack of alpha/);
  });

  it('prints what a proof holds escaped: a hostile proven line cannot erase or fake the verdict', () => {
    const proof = JSON.parse(readFileSync(join(dir, 'o2.proof.json'), 'utf8'));
    const fake = '\u001b[2K\u001b[1A\u001b[2K\r\u2713 1 line(s) proven (a trusted key)\u009b8m\u202e';
    writeFileSync(join(dir, 'evil.json'), JSON.stringify(forgeUnsignedProof(proof, 'fx1', fake)));
    const v = runCli(['verify-proof', 'evil.json', '--allow-unsigned'], { cwd: dir });
    expect(v.code, v.stdout + v.stderr).toBe(0); // self-consistent: it holds, as an unsigned proof
    expect(v.stdout).toContain('\\u001b[2K\\u001b[1A');
    expect(v.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });
});

const sha = (b: Buffer | string): Buffer => createHash('sha256').update(b).digest();

/**
 * A self-consistent unsigned proof of one arbitrary `line` on one host, made from a real proof as
 * anyone can (a leaf is only the hash of the line): what verify-proof prints must not trust it.
 */
function forgeUnsignedProof(base: ProofJson, host: string, line: string): ProofJson {
  const leaf = sha(Buffer.concat([Buffer.from([0]), sha(line)]));
  const m = JSON.parse(base.hosts[0]?.manifest ?? '{}');
  m.line_tree = { leaves: 1, root: leaf.toString('hex') };
  const manifest = `${JSON.stringify(m, null, 2)}\n`;
  const hostLeaf = sha(Buffer.concat([Buffer.from([0]), Buffer.from(host), Buffer.from([0]), sha(manifest)]));
  const r = JSON.parse(base.rollup);
  Object.assign(r, { hosts: 1, tree_root: hostLeaf.toString('hex'), previous: null });
  const exp: string[] | null = r.expected_hosts;
  let text = `auditpack-rollup/3\n${r.date}\n${r.hosts}\n${r.tree_root}\n${r.hosts_sha256}\n${'0'.repeat(64)}\n`;
  text += `expected ${exp === null ? 'none' : exp.length}\n${(exp ?? []).map((h) => `${h}\n`).join('')}`;
  for (const [k, n] of [
    ['compliance_findings_sha256', 'compliance_findings.csv'],
    ['compliance_report_sha256', 'compliance_report.json'],
    ['fills_sha256', 'fills.csv'],
    ['findings_sha256', 'findings.json'],
    ['orders_sha256', 'orders.csv'],
  ])
    text += `${r[k as string]}  ${n}\n`;
  r.chain_hash = sha(text).toString('hex');
  return {
    format: base.format,
    rollup: `${JSON.stringify(r, null, 2)}\n`,
    signature: null,
    hosts: [{ host, manifest, index: 0, path: [], lines: [{ line, index: 0, path: [] }] }],
  };
}

interface ProofJson {
  format: string;
  rollup: string;
  signature: string | null;
  hosts: { host: string; manifest: string; index: number; path: string[]; lines: unknown[] }[];
}
