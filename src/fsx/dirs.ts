/**
 * Directory helpers shared by export, prune, anchoring and the archive commands. They sit below
 * all of those (they import only errors), so none of them has to reach into another for a helper.
 */
import {
  chmodSync,
  closeSync,
  constants as fsConstants,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { wrapFsError } from '../errors.js';

/** fsyncs a directory, so renames and new entries in it survive a crash. */
export function fsyncDir(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
    fsyncSync(fd);
  } catch (err) {
    throw wrapFsError(err, 'sync directory', path);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Removes a build directory we made (restoring write permission first; symlinks are not followed). */
export function removeTree(dir: string): void {
  try {
    makeWritable(dir);
    rmSync(dir, { recursive: true, force: true });
  } catch {
    /* best effort: a leftover .tmp- dir is ignored by everything and pruned later */
  }
}

/** chmod u+w on a directory tree (directories only; files need no write bit to be unlinked). */
export function makeWritable(dir: string): void {
  const st = lstatSync(dir);
  if (!st.isDirectory()) return;
  chmodSync(dir, 0o755);
  for (const name of readdirNames(dir)) {
    const p = join(dir, name);
    if (lstatSync(p).isDirectory()) makeWritable(p);
  }
}

/** True when something (a file, a directory, a symlink, even a dangling one) is at `p`. */
export function pathExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function readdirNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
