/**
 * Durable appends to the artifacts directory's JSON Lines ledgers (`pruned.jsonl`,
 * `archive-ledger.jsonl`): a line counts only once it is on disk, so the append is fsynced before
 * the caller goes on to remove or publish anything the line vouches for.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { wrapFsError } from '../errors.js';

/** Appends `text` (UTF-8) to `path`, creating it 0644 if needed, and fsyncs it. */
export function appendDurably(path: string, text: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'a', 0o644);
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
