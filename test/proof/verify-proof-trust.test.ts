/**
 * A proof is worth what the key that signed its roll-up is worth. Anyone can compute a roll-up and a
 * proof from nothing, make a key and sign it: verify-proof must not accept that as it accepts a proof
 * signed by the firm's key. The forged proof here is built by hand (no src/ code computes it).
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { verifyProof } from '../../src/proof/index.js';
import { fingerprint, formatAllowedSignersLine, formatOpenSshPublicKey } from '../../src/signing/index.js';
import { tempDir } from '../helpers/tmp.js';
import { forgedProof } from './helpers.js';

function io(cwd: string): CliIO & { out: () => string } {
  const out: string[] = [];
  return {
    cwd,
    env: { NO_COLOR: '1' },
    stdout: { write: (s: string | Uint8Array) => out.push(String(s)), isTTY: false },
    stderr: { write: () => true, isTTY: false },
    out: () => out.join(''),
  } as CliIO & { out: () => string };
}

const evil = generateKeyPairSync('ed25519');
const firm = generateKeyPairSync('ed25519');

describe('verify-proof trusts a key only when told to', () => {
  it('the library says whose signature it is and whether that key was trusted', () => {
    const text = forgedProof(evil.privateKey);
    const alone = verifyProof(text);
    expect([alone.ok, alone.signature, alone.signer]).toEqual([true, 'untrusted', fingerprint(evil.publicKey)]);
    // Another key given: the signature holds, by a key that is not trusted (not "invalid", not "unsigned").
    const wrong = verifyProof(text, { publicKeys: [firm.publicKey] });
    expect(wrong.problems.map((p) => p.code)).toEqual(['PROOF_SIGNER_UNTRUSTED']);
    expect([wrong.signature, wrong.signer]).toEqual(['untrusted', fingerprint(evil.publicKey)]);
    const right = verifyProof(text, { publicKeys: [evil.publicKey] });
    expect([right.ok, right.signature]).toEqual([true, 'trusted']);
    const unsigned = verifyProof(forgedProof(null));
    expect([unsigned.signature, unsigned.signer]).toEqual(['none', null]);
    const broken = verifyProof(text.replace('"hosts\\": 1', '"hosts\\":  1'), { publicKeys: [evil.publicKey] });
    expect(broken.signature).toBe('invalid');
  });

  it('the CLI refuses a self-signed proof without a trust anchor, unless --allow-untrusted', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'forged.json'), forgedProof(evil.privateKey));
    writeFileSync(join(cwd, 'firm.pub'), `${formatOpenSshPublicKey(firm.publicKey)}\n`);
    writeFileSync(join(cwd, 'evil.pub'), `${formatOpenSshPublicKey(evil.publicKey)}\n`);
    const run = async (...args: string[]): Promise<[number, string]> => {
      const o = io(cwd);
      const code = await main(['verify-proof', 'forged.json', ...args], o);
      return [code, o.out()];
    };
    const [code, out] = await run();
    expect(code).toBe(1);
    expect(out).toContain('PROOF_SIGNER_UNTRUSTED');
    expect(out).toContain(`roll-up signed by ${fingerprint(evil.publicKey)}, a key NOT given as trusted`);
    const json = await run('--json');
    expect([json[0], JSON.parse(json[1]).signature]).toEqual([1, 'untrusted']);
    // The firm's key given: refused, and the human line names the signer instead of saying "UNSIGNED".
    const [wc, wout] = await run('--pubkey', 'firm.pub');
    expect(wc).toBe(1);
    expect(wout).toContain('PROOF_SIGNER_UNTRUSTED');
    expect(wout).not.toContain('UNSIGNED');
    expect((await run('--allow-unsigned'))[0]).toBe(1);
    expect((await run('--allow-untrusted'))[0]).toBe(0);
    expect((await run('--pubkey', 'evil.pub'))[0]).toBe(0);
    // An allowed_signers file: its keys for the auditpack namespace (or any namespace) are trusted.
    const signers = (ns: string) => `${formatAllowedSignersLine('ops@firm', evil.publicKey, ns)}\n`;
    writeFileSync(join(cwd, 'signers'), signers('auditpack'));
    expect((await run('--allowed-signers', 'signers'))[0]).toBe(0);
    writeFileSync(join(cwd, 'signers'), signers('auditpack-review'));
    expect((await run('--allowed-signers', 'signers'))[0]).not.toBe(0);
    expect((await run('--allowed-signers', 'signers', '--pubkey', 'evil.pub'))[0]).toBe(2);
  });
});
