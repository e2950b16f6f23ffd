/**
 * Errors that name a file the user gave are printed through the default redaction rules
 * (src/cli/echo.ts), which read `<name>: <word>` as a key and its value: a key file named `pw`
 * printed as `…/pw: OpenSSH private key …` lost its next word ("pw: [REDACTED] OpenSSH"), and
 * `private key: error:…` its OpenSSL code. A path is quoted and never followed by a colon, and a
 * cause follows in parentheses: what the user named prints as it is.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTsaCa } from '../../src/anchor/token.js';
import { echoSafe } from '../../src/cli/echo.js';
import { readPublicKeys } from '../../src/cli/pubkeys.js';
import { AuditpackError, quotePath } from '../../src/errors.js';
import { loadSigningKey } from '../../src/signing/keys.js';
import { sshString } from '../../src/signing/wire.js';
import { tempDir } from '../helpers/tmp.js';

/** An OpenSSH private key file encrypted with a passphrase (its cipher and KDF are all that is read). */
function encryptedOpenSshKey(): string {
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('aes256-ctr'),
    sshString('bcrypt'),
    sshString(''),
  ]);
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

async function errorOf(f: () => unknown): Promise<AuditpackError> {
  try {
    await f();
  } catch (err) {
    if (err instanceof AuditpackError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('errors naming a file whose name looks like a secret', () => {
  it.each([
    ['an encrypted key file named pw', 'pw', 'passphrase-protected'],
    ['a key file that is no key, named api_key', 'api_key', 'not a readable private key (error:'],
    ['a directory named password given as the key', 'password', 'not a regular file'],
  ])('--signing-key, %s: printed whole', async (_what, name, says) => {
    const dir = tempDir();
    const path = join(dir, name);
    if (name === 'pw') writeFileSync(path, encryptedOpenSshKey());
    else if (name === 'password') mkdirSync(path);
    else writeFileSync(path, 'not a key\n');
    const err = await errorOf(() => loadSigningKey(path));
    expect(err.code).toBe('KEY_INVALID');
    expect(err.message).toContain(quotePath(path));
    expect(err.message).toContain(says);
    expect(echoSafe(err.message)).toBe(err.message);
  });

  it('--tsa-ca and --pubkey files named secret and token: printed whole', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secret'), 'not a certificate\n');
    writeFileSync(join(dir, 'token'), '# no key\n');
    const errors = [
      await errorOf(() => loadTsaCa(join(dir, 'secret'))),
      await errorOf(() => loadTsaCa(join(dir, 'password'))), // absent
      await errorOf(() => readPublicKeys(dir, 'token')),
      await errorOf(() => readPublicKeys(dir, 'pw')), // absent
    ];
    expect(errors.map((e) => e.code)).toEqual(['KEY_INVALID', 'KEY_INVALID', 'KEY_INVALID', 'KEY_INVALID']);
    for (const e of errors) expect(echoSafe(e.message)).toBe(e.message);
  });
});
