/**
 * Durable appends to the artifacts directory's JSON Lines ledgers (`pruned.jsonl`,
 * `archive-ledger.jsonl`): a line counts only once it is on disk, so the append is fsynced before
 * the caller goes on to remove or publish anything the line vouches for.
 */
import { closeSync, constants as fsc, fstatSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { AuditpackError, wrapFsError } from '../errors.js';

/**
 * Appends `text` (UTF-8) to `path`, creating it 0644 if needed, and fsyncs it. A symbolic link at
 * `path` is not followed and a FIFO is not waited on: the line would land outside the ledger (or
 * never), so anything but a regular file is refused (WRITE_FAILED).
 */
export function appendDurably(path: string, text: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT | fsc.O_NOFOLLOW | fsc.O_NONBLOCK, 0o644);
    if (!fstatSync(fd).isFile()) {
      throw new AuditpackError('WRITE_FAILED', `cannot write ${path}: not a regular file; nothing was written`);
    }
    const b = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < b.length) off += writeSync(fd, b, off);
    fsyncSync(fd);
  } catch (err) {
    throw wrapFsError(err, 'write', path);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
