/**
 * One writer at a time in an artifacts directory: `export` and `prune` hold an exclusive kernel
 * lock on `<artifacts>/.export.lock` while they change anything there.
 *
 * Why: a run killed with -9 leaves `.tmp-*` build entries (a half-built pack, a half-written
 * archive, a pack being pruned). While the lock is held no other run is building, so every
 * `.tmp-*` entry is a dead run's leftover and can be removed at once, instead of after a day. The
 * kernel drops the lock of a killed holder, so a crash never blocks the next run.
 */
import { join } from 'node:path';
import { holdLockFile, removePrefixed } from '../fsx/lock-file.js';
import { loadFileLock } from '../logger/index.js';
import { ARTIFACTS_LOCK_FILE, TMP_PREFIX } from '../format/dir-names.js';

/** The lock file's name inside the artifacts dir (the verifier ignores it). */
export const ARTIFACTS_LOCK_NAME = ARTIFACTS_LOCK_FILE;

/**
 * Takes the artifacts lock, waiting (without blocking the event loop) up to `waitMs` for another
 * export or prune to finish. Returns the release function.
 */
export async function lockArtifacts(artifactsDir: string, waitMs = 10 * 60_000): Promise<() => void> {
  return holdLockFile(join(artifactsDir, ARTIFACTS_LOCK_NAME), loadFileLock(), waitMs, 'another export or prune');
}

/**
 * Removes every `.tmp-*` entry of the artifacts dir: call only while holding the lock, when they
 * can only be leftovers of killed runs. Symlinks are removed, never followed. Returns the names.
 */
export function removeLeftovers(artifactsDir: string, makeWritable: (dir: string) => void): string[] {
  return removePrefixed(artifactsDir, TMP_PREFIX, makeWritable);
}
