/**
 * One writer at a time in an artifacts directory: `export` and `prune` hold an exclusive kernel
 * lock on `<artifacts>/.export.lock` while they change anything there.
 *
 * Why: a run killed with -9 leaves `.tmp-*` build entries (a half-built pack, a half-written
 * archive, a pack being pruned). While the lock is held no other run is building, so every
 * `.tmp-*` entry is a dead run's leftover and can be removed at once, instead of after a day. The
 * kernel drops the lock of a killed holder, so a crash never blocks the next run.
 */
import { closeSync, lstatSync, openSync, readdirSync, rmSync, constants as fsc } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditpackError, wrapFsError } from '../errors.js';
import { loadFileLock } from '../logger/index.js';
import { ARTIFACTS_LOCK_FILE, TMP_PREFIX } from '../format/dir-names.js';

/** The lock file's name inside the artifacts dir (the verifier ignores it). */
export const ARTIFACTS_LOCK_NAME = ARTIFACTS_LOCK_FILE;

/**
 * Takes the artifacts lock, waiting (without blocking the event loop) up to `waitMs` for another
 * export or prune to finish. Returns the release function.
 */
export async function lockArtifacts(artifactsDir: string, waitMs = 10 * 60_000): Promise<() => void> {
  const lock = loadFileLock();
  const path = join(artifactsDir, ARTIFACTS_LOCK_NAME);
  let fd: number;
  try {
    fd = openSync(path, fsc.O_RDWR | fsc.O_CREAT | fsc.O_NOFOLLOW, 0o644);
  } catch (err) {
    throw wrapFsError(err, 'create', path);
  }
  const deadline = Date.now() + waitMs;
  let delay = 20;
  while (!lock.tryLock(fd)) {
    if (Date.now() >= deadline) {
      closeSync(fd);
      throw new AuditpackError(
        'LOCK_FAILED',
        `another export or prune has held ${path} for over ${Math.round(waitMs / 1000)} s; try again later`,
        { details: { path } },
      );
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 500);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      lock.unlock(fd);
    } finally {
      closeSync(fd); // closing alone releases it too
    }
  };
}

/**
 * Removes every `.tmp-*` entry of the artifacts dir: call only while holding the lock, when they
 * can only be leftovers of killed runs. Symlinks are removed, never followed. Returns the names.
 */
export function removeLeftovers(artifactsDir: string, makeWritable: (dir: string) => void): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(artifactsDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return removed;
    throw wrapFsError(err, 'read directory', artifactsDir);
  }
  for (const name of names) {
    if (!name.startsWith(TMP_PREFIX)) continue;
    const p = join(artifactsDir, name);
    try {
      if (lstatSync(p).isDirectory()) makeWritable(p);
      rmSync(p, { recursive: true, force: true });
      removed.push(name);
    } catch (err) {
      throw wrapFsError(err, 'remove', p);
    }
  }
  return removed;
}
