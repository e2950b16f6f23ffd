/**
 * Durable appends to the artifacts directory's JSON Lines ledgers (`pruned.jsonl`,
 * `archive-ledger.jsonl`): a line counts only once it is on disk, so the append is fsynced before
 * the caller goes on to remove or publish anything the line vouches for.
 */
import { closeSync, constants as fsc, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { AuditpackError, wrapFsError, quotePath } from '../errors.js';

/**
 * Appends `text` (UTF-8) to `path`, creating it 0644 if needed, and fsyncs it. A symbolic link at
 * `path` is not followed and a FIFO is not waited on: the line would land outside the ledger (or
 * never), so anything but a regular file is refused (WRITE_FAILED). A file that does not end with a
 * newline (an append torn by a crash, or an edit) gets one first: the new lines start a line of
 * their own instead of running on from the torn bytes, which would make them unreadable too. The
 * ledgers' writers hold the artifacts lock, so nothing else appends between the look and the write.
 */
export function appendDurably(path: string, text: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, fsc.O_RDWR | fsc.O_APPEND | fsc.O_CREAT | fsc.O_NOFOLLOW | fsc.O_NONBLOCK, 0o644);
    const st = fstatSync(fd);
    if (!st.isFile()) {
      throw new AuditpackError(
        'WRITE_FAILED',
        `cannot write ${quotePath(path)}, not a regular file; nothing was written`,
      );
    }
    const b = Buffer.from(st.size > 0 && !endsWithNewline(fd, st.size) ? `\n${text}` : text, 'utf8');
    let off = 0;
    while (off < b.length) off += writeSync(fd, b, off);
    fsyncSync(fd);
  } catch (err) {
    throw wrapFsError(err, 'write', path);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** True when the file's last byte (at `size` - 1) is `\n`. */
function endsWithNewline(fd: number, size: number): boolean {
  const last = Buffer.alloc(1);
  return readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 0x0a;
}
