/**
 * Whole-file digests, read in 1 MiB chunks so memory stays flat on a day of any size: the one
 * place that hashes a file's bytes for export, prune, snapshots and the archive.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants as fsc, fstatSync, openSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

const CHUNK_BYTES = 1024 * 1024;

/** A file's size and SHA-256 (hex). */
export interface FileSha256 {
  readonly size: number;
  readonly sha256: string;
}

/** Size and SHA-256 of the file at `path`, synchronously. Errors are thrown as Node raised them. */
export function sha256File(path: string): FileSha256 {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
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
 * SHA-256 (hex) of the regular file at `path`, opened without following a link, of at most `max`
 * bytes; undefined when it is not there, is a link or not a regular file, or is larger. For files a
 * pack or roll-up may hold that an attacker could swap for a link or a huge file.
 */
export function sha256SmallFile(path: string, max: number): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > max) return undefined;
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) h.update(buf.subarray(0, n));
    return h.digest('hex');
  } finally {
    closeSync(fd);
  }
}

/**
 * Size and digests (raw bytes, one per algorithm, in one pass) of an open file, read from offset 0
 * to its end. The caller owns the handle.
 */
export async function digestHandle<A extends string>(
  fh: FileHandle,
  algorithms: readonly A[],
): Promise<{ size: number; digests: Record<A, Buffer> }> {
  const hashes = algorithms.map((a) => createHash(a));
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let size = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, size);
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
