/**
 * Whole-file digests, read in 1 MiB chunks so memory stays flat on a day of any size: the one
 * place that hashes a file's bytes for export, prune, snapshots and the archive.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants as fsc, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { type OpenRegularOptions, openRegularSync } from './regular.js';
import type { FileHandle } from 'node:fs/promises';

const CHUNK_BYTES = 1024 * 1024;

/** A file's size and SHA-256 (hex). */
export interface FileSha256 {
  readonly size: number;
  readonly sha256: string;
}

/**
 * Opens `path` for reading (a link is followed) only when it is a regular file: O_NONBLOCK, so a
 * FIFO put in a file's place opens at once and is refused (an ENOTREG error) instead of blocking
 * until a writer comes. Other errors are thrown as Node raised them (ENOENT stays ENOENT).
 */
function openRegular(path: string, options: OpenRegularOptions = { followLinks: true }): number {
  return openRegularSync(path, options);
}

/** readFileSync for a file that must be a regular one (openRegular's terms): never waits on a FIFO. */
export function readRegularFile(path: string): Buffer;
export function readRegularFile(path: string, encoding: 'utf8'): string;
export function readRegularFile(path: string, encoding?: 'utf8'): Buffer | string {
  const fd = openRegular(path);
  try {
    return encoding === undefined ? readFileSync(fd) : readFileSync(fd, encoding);
  } finally {
    closeSync(fd);
  }
}

/**
 * Size and SHA-256 of the regular file at `path` (openRegular's terms; `{ followLinks: false }` for
 * a file hostile input may have replaced by a link), synchronously. Errors are thrown as Node raised
 * them, a link or FIFO refused as NotRegularFileError.
 */
export function sha256File(path: string, options?: OpenRegularOptions): FileSha256 {
  const h = createHash('sha256');
  const fd = openRegular(path, options);
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let size = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      size += n;
    }
  } finally {
    closeSync(fd);
  }
  return { size, sha256: h.digest('hex') };
}

/**
 * Runs `use` on the regular file at `path`, opened without following a link, when it holds at most
 * `max` bytes: `'missing'` when it cannot be opened (not there, or a link), `'unusable'` when it is
 * not a regular file or is larger. For files a pack or roll-up may hold that an attacker could swap
 * for a link, a FIFO (never waited on) or a huge file.
 */
function withSmallFile<T>(path: string, max: number, use: (fd: number, size: number) => T): T | 'missing' | 'unusable' {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO put in a file's place opens at once (and is refused below) instead of
    // blocking until a writer comes; it changes nothing for a regular file.
    fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch {
    return 'missing';
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > max) return 'unusable';
    return use(fd, st.size);
  } finally {
    closeSync(fd);
  }
}

/** The bytes of a small regular file (withSmallFile's terms); what was read if it shrank meanwhile. */
export function readSmallFile(path: string, max: number): Buffer | 'missing' | 'unusable' {
  return withSmallFile(path, max, (fd, size) => {
    const buf = Buffer.alloc(size);
    let off = 0;
    for (let n = 1; off < size && n > 0; off += n) n = readSync(fd, buf, off, size - off, off);
    return buf.subarray(0, off);
  });
}

/** SHA-256 (hex) of a small regular file (withSmallFile's terms), or undefined when there is none. */
export function sha256SmallFile(path: string, max: number): string | undefined {
  const r = withSmallFile(path, max, (fd) => {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) h.update(buf.subarray(0, n));
    return h.digest('hex');
  });
  return r === 'missing' || r === 'unusable' ? undefined : r;
}

/**
 * Size and digests (raw bytes, one per algorithm, in one pass) of an open file, read from offset 0
 * to its end, or to `limit` bytes at most (a size the caller took from fstat: the file's bytes
 * then, fewer when it shrank, never what was appended since). The caller owns the handle.
 */
export async function digestHandle<A extends string>(
  fh: FileHandle,
  algorithms: readonly A[],
  limit = Number.POSITIVE_INFINITY,
): Promise<{ size: number; digests: Record<A, Buffer> }> {
  const hashes = algorithms.map((a) => createHash(a));
  const buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, limit));
  let size = 0;
  while (size < limit) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, limit - size), size);
    if (bytesRead === 0) break;
    for (const h of hashes) h.update(buf.subarray(0, bytesRead));
    size += bytesRead;
  }
  const digests = Object.create(null) as Record<A, Buffer>;
  algorithms.forEach((a, i) => {
    digests[a] = hashes[i]!.digest();
  });
  return { size, digests };
}
