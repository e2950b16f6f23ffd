/**
 * verifyPack: a pack directory (pack-dir.ts) or a `.tar.gz` pack (pack-tar.ts). Facts are
 * gathered in one streaming pass per file, then judged by pack-judge.ts.
 *
 * Nothing outside the pack is ever read: entries are examined with lstat, symbolic links and
 * special files are findings and are never opened, files are opened with O_NOFOLLOW, names are
 * checked before use, and every read is bounded.
 */
import { lstat, realpath } from 'node:fs/promises';
import { basename } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import { PACK_ARCHIVE_SUFFIX } from '../format/pack.js';
import { verifyPackDir } from './pack-dir.js';
import type { PackReport, VerifyPackOptions } from './pack-report.js';
import { verifyPackTar } from './pack-tar.js';

/**
 * Verifies a pack: a directory `YYYY-MM-DD[.vN]/` or a `.tar.gz` of one. See docs/FORMAT.md
 * ("Verifying") for the list of checks. Throws PATH_NOT_FOUND / READ_FAILED only when the path
 * itself cannot be read.
 */
export async function verifyPack(path: string, options: VerifyPackOptions = {}): Promise<PackReport> {
  if (path.endsWith(PACK_ARCHIVE_SUFFIX) || path.endsWith('.tgz')) return verifyPackTar(path, options);
  let real: string;
  try {
    real = await realpath(path); // the path the user named may be a link; nothing inside is followed
    const st = await lstat(real);
    if (!st.isDirectory())
      throw new AuditpackError('USAGE', `${path} is neither a pack directory nor a .tar.gz pack`, {
        details: { path },
      });
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
  return verifyPackDir(real, path, options, basename(real));
}
