/**
 * One `rollup` at a time in a roll-ups directory, and a chain that never goes stale.
 *
 * Why a lock: two runs of the same day would each build a roll-up and the second would replace the
 * first; two runs of successive days would each chain to whatever was there when they started. An
 * exclusive kernel lock on `<out>/.rollup.lock` (released by the kernel when its holder dies, so a
 * `kill -9` never blocks the next run) makes them take turns. While it is held no other run is
 * building, so every `.tmp-*` entry is a killed run's leftover and is removed.
 *
 * Why the order rule: each roll-up commits to the newest earlier one (`previous.chain_hash`). Making
 * or replacing the roll-up of a day that a later roll-up already follows would leave that later
 * link pointing at a roll-up that is no longer the day's: so it is refused.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import { ROLLUP_LOCK, ROLLUP_RECORD, ROLLUP_TMP_PREFIX } from '../format/rollup.js';
import { makeWritable } from '../fsx/dirs.js';
import { holdLockFile, removePrefixed } from '../fsx/lock-file.js';
import { loadFileLock } from '../logger/index.js';

const DATE_DIR = /^\d{4}-\d{2}-\d{2}$/;

/** Takes the roll-ups directory's lock, waiting up to `waitMs` for another run; returns the release. */
export async function lockRollups(outDir: string, waitMs = 30 * 60_000): Promise<() => void> {
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    throw wrapFsError(err, 'create', outDir);
  }
  return holdLockFile(join(outDir, ROLLUP_LOCK), loadFileLock(), waitMs, 'another rollup');
}

/** Removes every `.tmp-*` entry (call only while holding the lock); returns their names. */
export function removeRollupLeftovers(outDir: string): string[] {
  return removePrefixed(outDir, ROLLUP_TMP_PREFIX, makeWritable);
}

/** Refuses a roll-up of `date` when a roll-up of a later day exists: its chain link would go stale. */
export function refuseOutOfOrder(outDir: string, date: string): void {
  const later = readdirSync(outDir)
    .filter((n) => DATE_DIR.test(n) && n > date && existsSync(join(outDir, n, ROLLUP_RECORD)))
    .sort();
  if (later.length === 0) return;
  throw new AuditpackError(
    'ROLLUP_OUT_OF_ORDER',
    `the roll-up of ${later[0]} in ${outDir} follows ${date}'s place in the chain${later.length > 1 ? ` (and ${later.length - 1} later)` : ''}: making or replacing ${date} now would leave its link stale. Move the later roll-ups aside, then roll up ${date} and each later day again, in order`,
    { details: { later } },
  );
}
