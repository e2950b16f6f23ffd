/**
 * Waiting for an exclusive kernel lock on a lock file, and removing a killed run's leftovers while
 * it is held: what `export`/`prune` (the artifacts directory) and `rollup` (the roll-ups directory)
 * both do, written once.
 *
 * Why a wait loop and not a blocking lock: the blocking call would stall the event loop (and every
 * timer and signal handler with it) for as long as another run holds the lock. The kernel drops a
 * killed holder's lock, so a `kill -9` never blocks the next run.
 */
import { closeSync, constants as fsc, lstatSync, openSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditpackError, wrapFsError } from '../errors.js';

/** The non-blocking half of a file lock (the logger's native lock provides it). */
export interface TryLock {
  /** Takes the exclusive lock if it is free; false when another open file holds it. */
  tryLock(fd: number): boolean;
  unlock(fd: number): void;
}

/**
 * Opens (creating) the lock file at `path` and takes its exclusive lock, retrying with backoff (20 ms
 * doubling to 500 ms) for up to `waitMs`; past that throws LOCK_FAILED saying `holder` held it.
 * Returns the release, which may be called more than once.
 */
export async function holdLockFile(path: string, lock: TryLock, waitMs: number, holder: string): Promise<() => void> {
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
        `${holder} has held ${path} for over ${Math.round(waitMs / 1000)} s; try again later`,
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
 * Removes every entry of `dir` whose name starts with `prefix`: call only while holding the
 * directory's lock, when they can only be killed runs' leftovers. Symbolic links are removed, never
 * followed; a read-only directory is made writable first (`makeWritable`). A missing `dir` holds
 * nothing. Returns the names removed.
 */
export function removePrefixed(dir: string, prefix: string, makeWritable: (dir: string) => void): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return removed;
    throw wrapFsError(err, 'read directory', dir);
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const p = join(dir, name);
    try {
      if (lstatSync(p).isDirectory()) makeWritable(p);
      rmSync(p, { recursive: true, force: true });
    } catch (err) {
      throw wrapFsError(err, 'remove', p);
    }
    removed.push(name);
  }
  return removed;
}
