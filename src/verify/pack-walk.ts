/**
 * Reading a pack directory without trusting it: entries are examined with lstat, symbolic links
 * and special files are findings and are never opened, files are opened with O_NOFOLLOW, names
 * are checked before use, and every read is bounded.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { wrapFsError } from '../errors.js';
import { PAYLOAD_DIR } from '../format/pack.js';
import { openRegular } from '../fsx/regular.js';
import { isSafeRelativePath } from './checksum-file.js';
import { direntKind } from './log.js';
import { type Findings, printableName } from './report.js';

/** Entries walked in a pack directory, at most; a pack has about ten. */
const MAX_ENTRIES = 10_000;
const MAX_DEPTH = 6;
/** The one directory a pack or a roll-up holds (`data`). */
const DATA_DIR = PAYLOAD_DIR.slice(0, -1);

/** Lists regular files under `dir` (relative, '/'-separated) with lstat; anything else is a finding. */
export async function walk(dir: string, f: Findings): Promise<{ rel: string; size: number }[]> {
  const out: { rel: string; size: number }[] = [];
  let count = 0;
  const visit = async (abs: string, rel: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      // A directory this user may not list (anywhere, root or below) is the documented
      // PERMISSION_DENIED (exit 77), never "files missing": an honest pack read by the wrong user.
      if (rel === '' || isPermissionError(err)) throw wrapFsError(err, 'read directory', abs);
      f.add('NOT_A_REGULAR_FILE', 'error', rel, `cannot be listed: ${(err as Error).message}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (++count > MAX_ENTRIES) {
        f.add(
          'PACK_FILE_UNLISTED',
          'error',
          rel === '' ? '.' : rel,
          `more than ${MAX_ENTRIES} entries; the rest were not examined`,
        );
        return;
      }
      // A pack's (and a roll-up's) only directory is data/: any other, empty or not, is reported
      // once, where it starts (what is inside is walked and judged as before).
      if (e.isDirectory() && (rel === '' ? e.name !== DATA_DIR : rel === DATA_DIR))
        f.add('PACK_FILE_UNEXPECTED', 'error', printableName(r), 'a directory the format does not define (only data/)');
      if (!isSafeRelativePath(r)) {
        f.add('PACK_PATH_UNSAFE', 'error', printableName(r), 'a name with characters a pack never uses; not opened');
        continue;
      }
      if (e.isSymbolicLink() || (!e.isFile() && !e.isDirectory())) {
        f.add('NOT_A_REGULAR_FILE', 'error', r, `a ${direntKind(e)} inside the pack; never followed or opened`);
        continue;
      }
      if (e.isDirectory()) {
        if (depth >= MAX_DEPTH)
          f.add('PACK_FILE_UNLISTED', 'error', r, 'directories nested deeper than a pack has; not examined');
        else await visit(join(abs, e.name), r, depth + 1);
        continue;
      }
      const st = await lstat(join(abs, e.name)).catch((err: unknown) => {
        // A directory listable but not searchable (r without x): its entries cannot be examined.
        if (isPermissionError(err)) throw wrapFsError(err, 'read', join(abs, e.name));
        return undefined;
      });
      if (st === undefined || !st.isFile()) {
        f.add('NOT_A_REGULAR_FILE', 'error', r, 'changed while being examined');
        continue;
      }
      out.push({ rel: r, size: st.size });
    }
  };
  await visit(dir, '', 0);
  return out;
}

function isPermissionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EPERM';
}

async function openNoFollow(path: string) {
  try {
    return await openRegular(path); // a FIFO is refused, never waited on
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
}

/** Reads at most `bound` bytes (the caller checked the size with lstat). */
export async function readBounded(path: string, bound: number): Promise<Buffer> {
  const fh = await openNoFollow(path);
  try {
    // Sized by the file, not the bound: a 256 MiB bound allocated (and zeroed) for a 2 KB hosts.json
    // cost ~50 ms a file, most of a roll-up's verification. One byte more shows a file that grew.
    const buf = Buffer.alloc(Math.min(bound, (await fh.stat()).size) + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > bound) break;
    }
    return buf.subarray(0, Math.min(n, bound));
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  } finally {
    await fh.close();
  }
}
