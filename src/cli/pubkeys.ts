/** Reading `--pubkey` files (OpenSSH public keys, one per line) for the commands that check signatures. */
import type { KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { AuditpackError, quotePath } from '../errors.js';
import { readRegularFile } from '../fsx/read-bounded.js';
import { MAX_KEY_FILE_BYTES } from '../signing/keys.js';

/** The keys in an OpenSSH public key file; KEY_INVALID when it cannot be read or holds none. */
export async function readPublicKeys(cwd: string, file: string): Promise<KeyObject[]> {
  let text: string;
  try {
    text = readRegularFile(resolve(cwd, file), MAX_KEY_FILE_BYTES).toString('utf8');
  } catch (err) {
    throw new AuditpackError('KEY_INVALID', `${quotePath(file)} cannot be read: ${(err as Error).message}`, {
      cause: err,
      details: { path: file },
    });
  }
  const { parseOpenSshPublicKey } = await import('../signing/index.js');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (lines.length === 0) throw new AuditpackError('KEY_INVALID', `${quotePath(file)} holds no public key`);
  return lines.map((l) => parseOpenSshPublicKey(l));
}
