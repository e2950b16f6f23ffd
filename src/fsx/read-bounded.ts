/**
 * Reading a file named on the command line (a proof, a key file, an allowed_signers file) without
 * trusting what it is: a FIFO nobody writes would block the read for ever and a device like
 * /dev/zero never ends, and both report size 0, so a bound by `stat().size` checks nothing. The
 * file is opened without blocking, must be a regular file, and is read only up to the bound.
 */
import { closeSync, constants as fsc, fstatSync, openSync, readSync } from 'node:fs';
import { AuditpackError, type AuditpackErrorCode, quotePath, wrapFsError } from '../errors.js';

/** The bytes of the regular file at `path`; throws `tooLarge` (a code) past `maxBytes`. */
export function readRegularFile(path: string, maxBytes: number, tooLarge: AuditpackErrorCode = 'READ_FAILED'): Buffer {
  let fd: number;
  try {
    fd = openSync(path, fsc.O_RDONLY | fsc.O_NONBLOCK);
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
  try {
    if (!fstatSync(fd).isFile())
      throw new AuditpackError('READ_FAILED', `read ${quotePath(path)} failed: not a regular file`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // Bounded by the bytes actually read, not by the size the file claims.
      const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, maxBytes + 1 - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > maxBytes)
        throw new AuditpackError(tooLarge, `read ${quotePath(path)} failed: larger than ${maxBytes} bytes`);
    }
    return Buffer.concat(chunks, total);
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  } finally {
    closeSync(fd);
  }
}
