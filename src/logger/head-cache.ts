/**
 * The chain head a writer caches in the lock file (`.audit.lock`), and how the sink tells that the
 * head it cached is no longer on disk (docs/FORMAT.md, "Lost heads").
 */
import { readSync, writeSync } from 'node:fs';
import { logFileName } from '../rotation/index.js';
import { hashOfLineEndingAt } from './day-file.js';

/** Bytes of the lock file that hold the cached head (JSON, space-padded, "\n"-terminated). */
export const STATE_BYTES = 512;

/** Where the chain stands: the newest day file and its last line. */
export interface Head {
  /** Newest day with a file (events for older days are late); NaN when there are no files. */
  day: number;
  /** Size of the newest day's file after the last line. */
  size: number;
  seq: number;
  hash: string;
}

/** The lock file's cached head, if it holds a well-formed one. */
export function readCachedHead(lockFd: number): Head | undefined {
  const buf = Buffer.alloc(STATE_BYTES);
  let n = 0;
  try {
    n = readSync(lockFd, buf, 0, STATE_BYTES, 0);
    if (n === 0) return undefined;
    const s = JSON.parse(buf.subarray(0, n).toString('utf8').trimEnd()) as Record<string, unknown>;
    const { day, size, seq, hash } = s;
    if (!isCount(day) || !isCount(size) || !isCount(seq) || typeof hash !== 'string' || !HASH_RE.test(hash))
      return undefined;
    return { day, size, seq, hash };
  } catch {
    return undefined; // corrupt or foreign content: rebuilt from the files
  }
}

/** Writes `head` as the lock file's cached head (best effort: only a cache, rebuilt from the files). */
export function writeCachedHead(lockFd: number, head: Head): void {
  const json = JSON.stringify({
    v: 1,
    day: head.day,
    file: Number.isNaN(head.day) ? null : logFileName(head.day),
    size: head.size,
    seq: head.seq,
    hash: head.hash,
  });
  const buf = Buffer.alloc(STATE_BYTES, 0x20);
  buf.write(json, 0, 'utf8');
  buf[STATE_BYTES - 1] = 0x0a;
  try {
    writeSync(lockFd, buf, 0, STATE_BYTES, 0);
  } catch {
    // Only a cache: the next writer rebuilds it from the files.
  }
}

const HASH_RE = /^[0-9a-f]{64}$/;

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Whether the cached head is gone: its file is shorter than the cached size (or gone), or the line
 * ending there is not the cached one. A head cached as "a new day, no file yet" (size 0) is gone
 * when the chain found stands before it.
 */
export function headLost(path: string, cached: Head, found: number | null, head: Head): boolean {
  if (cached.size === 0) return head.seq < cached.seq || (head.seq === cached.seq && head.hash !== cached.hash);
  if (found === null || found < cached.size) return true;
  try {
    return hashOfLineEndingAt(path, cached.size) !== cached.hash;
  } catch {
    return true;
  }
}
