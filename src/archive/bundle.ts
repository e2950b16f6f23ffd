/**
 * The archived object: a pack as one `.tar.gz` (the layout `export --compress` writes: a top
 * directory named after the pack's day, the pack's files below it). One object per pack keeps a
 * day's records under one lock, one retention date and one legal hold.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import { digestHandle } from '../fsx/digest.js';
import { TAR_DIR_MODE, writeTarGz, type TarEntry } from '../pack/tar.js';

/** Size and digests of a file, from one read. */
export interface FileDigests {
  readonly size: number;
  readonly sha256: string;
  readonly md5Hex: string;
  readonly md5Base64: string;
}

/** Size, SHA-256 and MD5 of a file in one pass. */
export async function digestFile(path: string): Promise<FileDigests> {
  let got: { size: number; digests: Record<'sha256' | 'md5', Buffer> };
  try {
    const fh = await open(path, 'r');
    try {
      got = await digestHandle(fh, ['sha256', 'md5']);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
  const m = got.digests.md5;
  return {
    size: got.size,
    sha256: got.digests.sha256.toString('hex'),
    md5Hex: m.toString('hex'),
    md5Base64: m.toString('base64'),
  };
}

/**
 * Writes `<dest>`, a gzip'd tar of the pack directory `packDir` with its entries under `<date>/`.
 * Only regular files and directories two levels deep are taken (a pack has no more); anything
 * else (a symlink, a device) makes the pack unarchivable: it would not verify either.
 */
export async function tarPackDir(packDir: string, date: string, dest: string): Promise<void> {
  const entries: TarEntry[] = [];
  const mt = (ms: number): number => Math.floor(ms / 1000);
  const walk = (dir: string, rel: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (err) {
      throw wrapFsError(err, 'read directory', dir);
    }
    for (const n of names) {
      const p = join(dir, n);
      const st = lstatSync(p);
      if (st.isDirectory() && depth === 0) {
        entries.push({ name: `${rel}${n}/`, mode: TAR_DIR_MODE, mtime: mt(st.mtimeMs) });
        walk(p, `${rel}${n}/`, depth + 1);
      } else if (st.isFile()) {
        entries.push({ name: `${rel}${n}`, source: p, mode: 0o444, mtime: mt(st.mtimeMs) });
      } else {
        throw new AuditpackError(
          'ARCHIVE_PACK_INVALID',
          `${p} is not a regular file; a pack holds only files (not archived)`,
          { details: { path: p } },
        );
      }
    }
  };
  const top = lstatSync(packDir);
  entries.push({ name: `${date}/`, mode: TAR_DIR_MODE, mtime: mt(top.mtimeMs) });
  walk(packDir, `${date}/`, 0);
  try {
    await writeTarGz(dest, entries);
  } catch (err) {
    throw err instanceof AuditpackError ? err : wrapFsError(err, 'write', dest);
  }
}
