/**
 * End to end: a pack made by `auditpack export` (signed, with --compress) is accepted by
 * `auditpack verify`, `sha256sum -c manifest-sha256.txt` and `ssh-keygen -Y verify`; tampered copies
 * are rejected by auditpack and by the standard tool covering the layer that was touched.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { PYTHON } from '../helpers/python.js';

function sh(cmd: string, args: string[], cwd: string, input?: Buffer): number | null {
  return spawnSync(cmd, args, { cwd, input, stdio: ['pipe', 'pipe', 'pipe'] }).status;
}

function sshVerify(packDir: string, allowedSigners: string): number | null {
  return sh(
    'ssh-keygen',
    [
      '-Y',
      'verify',
      '-f',
      allowedSigners,
      '-I',
      'auditor@example',
      '-n',
      'auditpack',
      '-s',
      'tagmanifest-sha256.txt.sig',
    ],
    packDir,
    readFileSync(join(packDir, 'tagmanifest-sha256.txt')),
  );
}

function writableCopy(src: string, dst: string): void {
  cpSync(src, dst, { recursive: true });
  chmodSync(dst, 0o755);
  chmodSync(join(dst, 'data'), 0o755);
  for (const f of readdirSync(dst, { recursive: true, withFileTypes: true }))
    if (f.isFile()) chmodSync(join(f.parentPath, f.name), 0o644);
}

function flip(path: string, at: number): void {
  const b = readFileSync(path);
  b[at] = (b[at] as number) ^ 0x01;
  writeFileSync(path, b);
}

describe('auditpack verify end to end', () => {
  it('one pack: accepted by auditpack verify, sha256sum -c and ssh-keygen -Y verify; tampered copies rejected', () => {
    const cwd = tempDir();
    expect(runCli(['keygen', '--out', 'keys', '--identity', 'auditor@example'], { cwd }).code).toBe(0);
    for (let i = 0; i < 5; i++)
      expect(
        runCli(['log', 'order', 'OrderAccepted', `order_id=A-${i}`, 'price="1.10050"', 'quantity=100'], { cwd }).code,
      ).toBe(0);
    expect(
      runCli(['log', 'alert', 'AlertSent', 'alert_type=risk', 'severity=HIGH', 'message=drawdown, "big"'], { cwd })
        .code,
    ).toBe(0);
    const date = new Date().toISOString().slice(0, 10);
    const exp = runCli(
      ['export', '--date', date, '--partial', '--signing-key', 'keys/auditpack_ed25519', '--compress'],
      { cwd },
    ); // today: a partial pack
    expect(exp.code, exp.stderr).toBe(0);
    const pack = join(cwd, 'artifacts', date);

    // Accepted by all three.
    const v = runCli(['verify', join('artifacts', date), '--allowed-signers', 'keys/allowed_signers'], { cwd });
    expect(v.code, v.stdout).toBe(0);
    expect(v.stdout).toMatch(/^✓ signature: verified against the trusted key$/m);
    expect(v.stdout).toMatch(/^intact: /m);
    expect(v.stdout).not.toMatch(/\u001b\[/); // NO_COLOR
    expect(sh('sha256sum', ['-c', '--quiet', 'manifest-sha256.txt'], pack)).toBe(0);
    expect(sshVerify(pack, join(cwd, 'keys/allowed_signers'))).toBe(0);
    const t = runCli(
      ['verify', join('artifacts', `${date}.tar.gz`), '--pubkey', 'keys/auditpack_ed25519.pub', '--json'],
      { cwd },
    );
    expect(t.code).toBe(0);
    expect(JSON.parse(t.stdout)).toMatchObject({ ok: true, kind: 'pack-tar', problems: [] });
    const arch = runCli(['verify', 'artifacts', '--json', '--pubkey', 'keys/auditpack_ed25519.pub'], { cwd });
    expect(arch.code, arch.stdout).toBe(0);
    expect(JSON.parse(arch.stdout)).toMatchObject({ ok: true, kind: 'archive', checked: { packs: 1, tar_packs: 1 } });

    // A copy tampered in the payload and in the tag manifest: rejected by all three.
    const bad = join(cwd, 'tampered', date);
    writableCopy(pack, bad);
    flip(join(bad, 'data/orders.csv'), 60);
    flip(join(bad, 'tagmanifest-sha256.txt'), 3);
    const vb = runCli(['verify', bad, '--allowed-signers', 'keys/allowed_signers'], { cwd });
    expect(vb.code).toBe(1);
    expect(vb.stdout).toContain('PACK_FILE_HASH_MISMATCH');
    expect(vb.stdout).toContain('PACK_SIGNATURE_INVALID');
    expect(vb.stdout).toMatch(/^✗ signature$/m);
    expect(sh('sha256sum', ['-c', '--quiet', 'manifest-sha256.txt'], bad)).not.toBe(0);
    expect(sshVerify(bad, join(cwd, 'keys/allowed_signers'))).not.toBe(0);

    // Each layer alone: a payload edit (sha256sum's layer) and a manifest.json edit (the signature's).
    const payloadOnly = join(cwd, 'p1', date);
    writableCopy(pack, payloadOnly);
    flip(join(payloadOnly, 'data/audit.jsonl'), 40);
    expect(runCli(['verify', payloadOnly], { cwd }).code).toBe(1);
    expect(sh('sha256sum', ['-c', '--quiet', 'manifest-sha256.txt'], payloadOnly)).not.toBe(0);
    const tagOnly = join(cwd, 'p2', date);
    writableCopy(pack, tagOnly);
    flip(join(tagOnly, 'tagmanifest-sha256.txt'), 10);
    const vt = runCli(['verify', tagOnly, '--pubkey', 'keys/auditpack_ed25519.pub', '--json'], { cwd });
    expect(vt.code).toBe(1);
    expect(JSON.parse(vt.stdout).problems.map((p: { code: string }) => p.code)).toContain('PACK_SIGNATURE_INVALID');
    expect(sshVerify(tagOnly, join(cwd, 'keys/allowed_signers'))).not.toBe(0);
  }, 240_000); // fourteen CLI runs: over a minute on a loaded 2-core machine

  it('allowed_signers namespaces are pattern lists as ssh-keygen reads them: a wildcard entry trusts only its key, a denying one none', () => {
    const cwd = tempDir();
    expect(runCli(['keygen', '--out', 'firm', '--identity', 'auditor@example'], { cwd }).code).toBe(0);
    expect(runCli(['keygen', '--out', 'mallory', '--identity', 'auditor@example'], { cwd }).code).toBe(0);
    expect(runCli(['log', 'order', 'OrderAccepted', 'order_id=A-1'], { cwd }).code).toBe(0);
    const date = new Date().toISOString().slice(0, 10);
    const exp = runCli(['export', '--date', date, '--partial', '--signing-key', 'mallory/auditpack_ed25519'], { cwd });
    expect(exp.code, exp.stderr).toBe(0);
    const pack = join(cwd, 'artifacts', date);
    const firmLine = readFileSync(join(cwd, 'firm/allowed_signers'), 'utf8');
    // The firm's key under namespaces="*" (ssh-keygen: allowed for auditpack): Mallory's signature is not the firm's.
    writeFileSync(join(cwd, 'star'), firmLine.replace('namespaces="auditpack"', 'namespaces="*"'));
    const v = runCli(['verify', join('artifacts', date), '--allowed-signers', 'star', '--json'], { cwd });
    expect(v.code, v.stdout).toBe(1);
    expect(JSON.parse(v.stdout).problems.map((p: { code: string }) => p.code)).toContain('PACK_SIGNATURE_UNTRUSTED');
    expect(sshVerify(pack, join(cwd, 'star'))).not.toBe(0);
    // Mallory's own key under the same wildcard: trusted, as ssh-keygen trusts it.
    const malloryLine = readFileSync(join(cwd, 'mallory/allowed_signers'), 'utf8');
    writeFileSync(join(cwd, 'mstar'), malloryLine.replace('namespaces="auditpack"', 'namespaces="audit*"'));
    expect(runCli(['verify', join('artifacts', date), '--allowed-signers', 'mstar'], { cwd }).code).toBe(0);
    expect(sshVerify(pack, join(cwd, 'mstar'))).toBe(0);
    // An entry that denies auditpack (ssh-keygen refuses it): no usable signer, a key error, never "not checked".
    writeFileSync(
      join(cwd, 'deny'),
      malloryLine.replace('namespaces="auditpack"', 'namespaces="!auditpack,auditpack"'),
    );
    const d = runCli(['verify', join('artifacts', date), '--allowed-signers', 'deny'], { cwd });
    expect(d.code, d.stderr).toBe(78);
    expect(d.stderr).toContain('KEY_INVALID');
    expect(sshVerify(pack, join(cwd, 'deny'))).not.toBe(0);
    // The sole signer expired (valid-before passed): ssh-keygen refuses it too; the message says why, not "no signer".
    writeFileSync(
      join(cwd, 'expired'),
      malloryLine.replace('namespaces="auditpack"', 'namespaces="auditpack",valid-before="20200101Z"'),
    );
    const x = runCli(['verify', join('artifacts', date), '--allowed-signers', 'expired'], { cwd });
    expect(x.code, x.stderr).toBe(78);
    expect(x.stderr).toMatch(
      /KEY_INVALID: expired holds no ssh-ed25519 signer usable now.*line 1 is valid until 2020-01-01T00:00:00\.000Z \(valid-before\)/,
    );
    expect(sshVerify(pack, join(cwd, 'expired'))).not.toBe(0);
  }, 240_000);

  it('exit codes: a missing path is PATH_NOT_FOUND (66); both key options is a usage error (2); the logs directory verifies', () => {
    const cwd = tempDir();
    const r = runCli(['verify', 'nowhere'], { cwd });
    expect(r.code).toBe(66);
    expect(r.stderr).toContain('PATH_NOT_FOUND');
    expect(runCli(['verify', '.', '--pubkey', 'a', '--allowed-signers', 'b'], { cwd }).code).toBe(2);
    expect(runCli(['log', 'auth', 'Login', 'user=alice'], { cwd }).code).toBe(0);
    const v = runCli(['verify', 'logs'], { cwd });
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('(logs directory)');
    const e = runCli(['verify', '--json', 'logs/../logs'], { cwd });
    expect(JSON.parse(e.stdout).kind).toBe('log-dir');
  });
});

describe('auditpack verify of a log, with no flag', () => {
  it('finds a middle line that is not JSON (exit 1, LOG_LINE_INVALID), as --full did; the reference checker agrees', () => {
    const dir = tempDir();
    const t0 = Date.UTC(2025, 8, 8, 9) / 1000;
    const lines: string[] = [];
    let prev = '0'.repeat(64);
    for (let i = 1; i <= 5; i++) {
      const line = `{"ts":${t0 + i}.000000,"iso_ts":"2025-09-08T09:00:0${i}.000000Z","seq":${i},"category":"order","event":"OrderAccepted",${i === 3 ? '"symbol":EURUSD,,' : '"symbol":"EURUSD"'},"host":"h","pid":1,"prev":"${prev}"}`;
      lines.push(line);
      prev = createHash('sha256').update(line).digest('hex');
    }
    writeFileSync(join(dir, 'audit-20250908.jsonl'), `${lines.join('\n')}\n`);
    const r = runCli(['verify', 'audit-20250908.jsonl', '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { problems: { code: string; line: number }[] };
    expect(report.problems.map((p) => [p.code, p.line])).toEqual([['LOG_LINE_INVALID', 3]]);
    const ref = spawnSync(
      PYTHON,
      [fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url)), join(dir, 'audit-20250908.jsonl')],
      { encoding: 'utf8' },
    );
    expect(ref.status).toBe(1);
    expect(ref.stdout).toContain('LOG_LINE_INVALID audit-20250908.jsonl:3');
  });
});
