/**
 * rawEd25519PublicKey on keys just generated, many times over, in a process of its own: Node 20's JWK
 * export of an Ed25519 key held the key's mutex while allocating, and a collection finalising the job
 * that generated the key took the same mutex, so the process hung for good (seen in a CI run). The
 * loop is what `auditpack keygen` and the signing tests do; it must end, and give the key's bytes.
 */
import { spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rawEd25519PublicKey } from '../../src/signing/keys.js';

const KEYS = new URL('../../dist/signing/keys.js', import.meta.url).href;

describe('rawEd25519PublicKey', () => {
  it('gives the 32 bytes the JWK names as x, for private and public keys', () => {
    for (let i = 0; i < 50; i++) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const x = Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x as string, 'base64url');
      expect(rawEd25519PublicKey(privateKey).equals(x)).toBe(true);
      expect(rawEd25519PublicKey(publicKey).equals(x)).toBe(true);
    }
  });

  it('never hangs on keys just generated (ten processes of 10,000 keys each)', { timeout: 120_000 }, () => {
    const script = `
      import { generateKeyPairSync } from 'node:crypto';
      import { rawEd25519PublicKey } from ${JSON.stringify(KEYS)};
      for (let i = 0; i < 10000; i++) {
        const { privateKey } = generateKeyPairSync('ed25519');
        if (rawEd25519PublicKey(privateKey).length !== 32) throw new Error('not 32 bytes');
      }
      console.log('done');`;
    for (let run = 0; run < 10; run++) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 20_000,
        killSignal: 'SIGKILL',
      });
      expect({ run, signal: r.signal, stdout: r.stdout.trim(), stderr: r.stderr }).toEqual({
        run,
        signal: null,
        stdout: 'done',
        stderr: '',
      });
    }
  });
});
