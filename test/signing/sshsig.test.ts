import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fingerprint,
  generateSigningKey,
  loadSigningKey,
  matchPatternList,
  MAX_KEY_FILE_BYTES,
  noSignerMessage,
  parseAllowedSigners,
  parseOpenSshPublicKey,
  publicKeyBlob,
  signerAllowsNamespace,
  signSshsig,
  verifySshsig,
} from '../../src/signing/index.js';
import { isAuditpackError } from '../../src/errors.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'auditpack-sig-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function sshVerify(dir: string, data: Buffer, sig: string, identity: string, namespace = 'auditpack') {
  writeFileSync(join(dir, 'msg.sig'), sig);
  return spawnSync(
    'ssh-keygen',
    ['-Y', 'verify', '-f', join(dir, 'allowed_signers'), '-I', identity, '-n', namespace, '-s', join(dir, 'msg.sig')],
    {
      input: data,
      encoding: 'utf8',
    },
  );
}

describe('signSshsig', () => {
  it('makes a signature ssh-keygen -Y verify accepts, and rejects once the data changes', async () => {
    const dir = tmp();
    const gen = await generateSigningKey(dir, { identity: 'exports@desk.example' });
    const key = loadSigningKey(gen.privateKeyPath);
    const data = Buffer.from('abc  bagit.txt\n');
    const sig = signSshsig(data, key);
    expect(sig.startsWith('-----BEGIN SSH SIGNATURE-----\n')).toBe(true);
    expect(sig.endsWith('-----END SSH SIGNATURE-----\n')).toBe(true);
    for (const line of sig.split('\n').slice(1, -2)) expect(line.length).toBeLessThanOrEqual(70);

    const ok = sshVerify(dir, data, sig, 'exports@desk.example');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Good "auditpack" signature for exports@desk.example');
    expect(ok.stdout).toContain(gen.fingerprint);

    const bad = sshVerify(dir, Buffer.from('abc  bagit.txt\nX'), sig, 'exports@desk.example');
    expect(bad.status).not.toBe(0);
    const wrongNs = sshVerify(dir, data, sig, 'exports@desk.example', 'file');
    expect(wrongNs.status).not.toBe(0);
  });

  it('round-trips with verifySshsig and reports the fingerprint', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const data = Buffer.from('hello');
    const sig = signSshsig(data, privateKey);
    const res = verifySshsig(data, sig, [publicKey]);
    expect(res).toEqual({ ok: true, fingerprint: fingerprint(publicKey) });
    expect(verifySshsig(Buffer.from('hellO'), sig, [publicKey])).toMatchObject({
      ok: false,
      reason: 'signature does not match the data',
    });
    const other = generateKeyPairSync('ed25519').publicKey;
    expect(verifySshsig(data, sig, [other]).reason).toMatch(/not a trusted key/);
    expect(verifySshsig(data, sig, [publicKey], 'git').reason).toMatch(/namespace/);
  });

  it('refuses non-Ed25519 keys with KEY_INVALID', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    try {
      signSshsig(Buffer.from('x'), privateKey);
      expect.unreachable();
    } catch (err) {
      expect(isAuditpackError(err, 'KEY_INVALID')).toBe(true);
    }
  });
});

describe('verifySshsig on signatures made by ssh-keygen', () => {
  it('accepts an ssh-keygen -Y sign signature made with an OpenSSH-format key, which loadSigningKey also reads', () => {
    const dir = tmp();
    const keyPath = join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ops', '-f', keyPath]);
    const msg = join(dir, 'tagmanifest-sha256.txt');
    writeFileSync(msg, 'deadbeef  bagit.txt\n');
    execFileSync('ssh-keygen', ['-Y', 'sign', '-q', '-f', keyPath, '-n', 'auditpack', msg]);
    const armored = readFileSync(`${msg}.sig`, 'utf8');
    const pub = parseOpenSshPublicKey(readFileSync(`${keyPath}.pub`, 'utf8'));
    expect(verifySshsig(readFileSync(msg), armored, [pub]).ok).toBe(true);

    // The OpenSSH private key loads, and its public half is the same key.
    const priv = loadSigningKey(keyPath);
    expect(publicKeyBlob(priv).equals(publicKeyBlob(pub))).toBe(true);
    const fp = execFileSync('ssh-keygen', ['-l', '-f', `${keyPath}.pub`], { encoding: 'utf8' }).split(' ')[1];
    expect(fingerprint(pub)).toBe(fp);
  });

  it('never throws on hostile signature text (property)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const data = Buffer.from('payload');
    const good = signSshsig(data, privateKey);
    const body = good.split('\n').slice(1, -2).join('');
    const raw = Buffer.from(body, 'base64');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: raw.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: raw.length }),
        (pos, byte, cut) => {
          const mutated = Buffer.from(raw);
          mutated[pos] = byte;
          const variants = [mutated, raw.subarray(0, cut)];
          for (const v of variants) {
            const armored = `-----BEGIN SSH SIGNATURE-----\n${v.toString('base64')}\n-----END SSH SIGNATURE-----\n`;
            const res = verifySshsig(data, armored, [publicKey]);
            if (!v.equals(raw)) expect(res.ok).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
    for (const junk of [
      '',
      'garbage',
      '-----BEGIN SSH SIGNATURE-----\n!!!\n-----END SSH SIGNATURE-----',
      'x'.repeat(100_000),
    ]) {
      expect(verifySshsig(data, junk, [publicKey]).ok).toBe(false);
    }
  });
});

describe('keys', () => {
  it('keygen writes a 0600 PKCS#8 key, an OpenSSH .pub and an allowed_signers line, and never overwrites', async () => {
    const dir = tmp();
    const gen = await generateSigningKey(dir, { identity: 'exports@desk.example' });
    expect(statSync(gen.privateKeyPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(gen.privateKeyPath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const pubLine = readFileSync(gen.publicKeyPath, 'utf8');
    expect(pubLine).toMatch(/^ssh-ed25519 [A-Za-z0-9+/]+=* exports@desk\.example\n$/);
    const allowed = readFileSync(gen.allowedSignersPath, 'utf8');
    expect(allowed).toBe(`exports@desk.example namespaces="auditpack" ${pubLine.split(' ').slice(0, 2).join(' ')}\n`);
    // ssh-keygen reads the .pub and prints the same fingerprint.
    expect(execFileSync('ssh-keygen', ['-l', '-f', gen.publicKeyPath], { encoding: 'utf8' })).toContain(
      gen.fingerprint,
    );

    const before = readFileSync(gen.privateKeyPath, 'utf8');
    await expect(generateSigningKey(dir, { identity: 'x' })).rejects.toMatchObject({ code: 'KEY_EXISTS' });
    expect(readFileSync(gen.privateKeyPath, 'utf8')).toBe(before);
  });

  it('parses allowed_signers with options, comments and foreign key types', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const b64 = publicKeyBlob(publicKey).toString('base64');
    const text = [
      '# auditors',
      '',
      `alice@x namespaces="auditpack,git" ssh-ed25519 ${b64} laptop`,
      `bob@x ssh-ed25519 ${b64}`,
      `carol@x ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ`,
    ].join('\n');
    const signers = parseAllowedSigners(text);
    expect(signers.map((s) => [s.identity, s.namespaces, s.line])).toEqual([
      ['alice@x', ['auditpack', 'git'], 3],
      ['bob@x', undefined, 4],
    ]);
    expect(publicKeyBlob(signers[0]!.key).equals(publicKeyBlob(publicKey))).toBe(true);
    expect(() => parseAllowedSigners('alice@x ssh-ed25519 !!notbase64')).toThrow(/line 1/);
    expect(() => parseAllowedSigners('just-one-token')).toThrow(/line 1/);
  });

  it('honours valid-after / valid-before and unknown options as ssh-keygen -Y verify does', () => {
    const dir = tmp();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const b64 = publicKeyBlob(publicKey).toString('base64');
    const data = Buffer.from('abc  bagit.txt\n');
    const sig = signSshsig(data, privateKey);
    const cases = [
      'valid-before="20200101"',
      'valid-before="20200101Z"',
      'valid-after="20990101"',
      'valid-after="202001010000Z",valid-before="20990101000000Z"',
      'VALID-BEFORE="20200101"',
      'cert-authority',
      'no-such-option',
      'valid-before=20200101',
      'valid-after=20200101',
      '',
    ];
    for (const opts of cases) {
      const line = `me@x ${opts ? `namespaces="auditpack",${opts}` : 'namespaces="auditpack"'} ssh-ed25519 ${b64}`;
      writeFileSync(join(dir, 'allowed_signers'), `${line}\n`);
      const ssh = sshVerify(dir, data, sig, 'me@x').status === 0;
      const leftOut: string[] = [];
      const ours = parseAllowedSigners(`${line}\n`, Date.now(), leftOut).length === 1;
      expect([opts, ours]).toEqual([opts, ssh]);
      // A line left out says why (its window, or its option), for the message when no signer is left.
      expect(leftOut).toHaveLength(ours ? 0 : 1);
      if (!ours) expect(leftOut[0]).toMatch(/^line 1 (is valid (from|until) \d{4}-|has an option)/);
    }
    expect(noSignerMessage('f', 'signer', [])).toBe('f holds no signer');
    expect(noSignerMessage('f', 'signer', ['a', 'b', 'c', 'd', 'e'])).toBe(
      'f holds no signer usable now, as ssh-keygen -Y verify reads it (a; b; c; and 2 more)',
    );
    expect(parseAllowedSigners(`me@x valid-before="20990101" ssh-ed25519 ${b64}`, Date.parse('2100-01-01'))).toEqual(
      [],
    );
    expect(() => parseAllowedSigners(`me@x valid-before="2020-01-01" ssh-ed25519 ${b64}`)).toThrow(
      expect.objectContaining({ code: 'KEY_INVALID' }),
    );
    expect(() => parseAllowedSigners(`me@x valid-after="20200231" ssh-ed25519 ${b64}`)).toThrow(/not a time/);
  });

  it('reads namespaces="…" and principals as pattern lists (`*`, `?`, `!`), exactly as ssh-keygen -Y verify does', () => {
    const dir = tmp();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const b64 = publicKeyBlob(publicKey).toString('base64');
    const data = Buffer.from('abc  bagit.txt\n');
    const sig = signSshsig(data, privateKey);
    const namespaces = [
      '*',
      'audit*',
      'auditpack',
      'git',
      '?uditpack',
      'auditpac?',
      'auditpack?',
      '!git,*',
      '!auditpack,*',
      '!auditpack,auditpack',
      'git,auditpack',
      '*pack',
      'Auditpack',
      '!*,auditpack',
      '',
      'a*k',
      '*a*u*',
      'audit.ack',
    ];
    for (const ns of namespaces) {
      const line = `me@x namespaces="${ns}" ssh-ed25519 ${b64}`;
      writeFileSync(join(dir, 'allowed_signers'), `${line}\n`);
      const ssh = sshVerify(dir, data, sig, 'me@x').status === 0;
      const signers = parseAllowedSigners(`${line}\n`);
      const ours = signers.length === 1 && signerAllowsNamespace(signers[0] as (typeof signers)[number], 'auditpack');
      expect([ns, ours]).toEqual([ns, ssh]);
    }
    // Principals: the same lists (ssh-keygen -I <identity> must match one and no denied one).
    for (const principals of ['*@x', 'me@?', '!me@x,*', 'you@x,me@x', 'm*', '!you@x,me@*', 'ME@x']) {
      writeFileSync(join(dir, 'allowed_signers'), `${principals} namespaces="auditpack" ssh-ed25519 ${b64}\n`);
      const ssh = sshVerify(dir, data, sig, 'me@x').status === 0;
      expect([principals, matchPatternList('me@x', principals) === 1]).toEqual([principals, ssh]);
    }
  });

  it('rejects malformed public keys and private keys with KEY_INVALID', () => {
    for (const t of ['', 'ssh-rsa AAAA', 'ssh-ed25519 AAAA', 'ssh-ed25519']) {
      expect(() => parseOpenSshPublicKey(t)).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
    }
    const dir = tmp();
    writeFileSync(join(dir, 'k'), 'not a key');
    expect(() => loadSigningKey(join(dir, 'k'))).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
    expect(() => loadSigningKey(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    }) as string;
    writeFileSync(join(dir, 'ec'), ec);
    expect(() => loadSigningKey(join(dir, 'ec'))).toThrow(/Ed25519/);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', join(dir, 'enc')]);
    expect(() => loadSigningKey(join(dir, 'enc'))).toThrow(/passphrase/);
  });

  it('reads a signing key file only up to MAX_KEY_FILE_BYTES, as --pubkey files are read (KEY_INVALID past it)', () => {
    const dir = tmp();
    // A sparse file one byte over the bound: a key read without a bound would hold it all in memory.
    const big = join(dir, 'big');
    writeFileSync(big, '');
    truncateSync(big, MAX_KEY_FILE_BYTES + 1);
    expect(() => loadSigningKey(big)).toThrow(
      expect.objectContaining({ code: 'KEY_INVALID', message: expect.stringContaining('larger than') }),
    );
  });
});
