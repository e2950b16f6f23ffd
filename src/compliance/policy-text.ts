/**
 * Reading a compliance policy file (compliance/timeline.ts): its size refused before it is read.
 */
import { closeSync, fstatSync, readSync } from 'node:fs';
import { wrapFsError } from '../errors.js';
import { openRegularSync } from '../fsx/regular.js';
import { MAX_POLICY_BYTES, policyTooLarge } from './policy.js';

/** A policy file's text; a read error as a typed error naming the path. */
export function readText(path: string): string {
  try {
    return readPolicyText(path);
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
}

/**
 * A policy file's text (a link is followed: the operator names it), refused by its size before it
 * is read: a policy of gigabytes (or a sparse file) is never read whole only to be refused by
 * parsePolicy's cap. Read at most one byte past the cap, whatever the size the file claims.
 */
export function readPolicyText(path: string): string {
  const fd = openRegularSync(path, { followLinks: true });
  try {
    const claimed = fstatSync(fd).size;
    if (claimed > MAX_POLICY_BYTES) throw policyTooLarge(path, claimed);
    const buf = Buffer.allocUnsafe(MAX_POLICY_BYTES + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_POLICY_BYTES) throw policyTooLarge(path, n);
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}
