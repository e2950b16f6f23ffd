/**
 * Before a day is packed: is the head its writers last wrote to the day file still there? Writers
 * cache the chain's head in the log lock file (docs/FORMAT.md, "Lost heads") and only notice a cut
 * file when they next append; an export between the cut and that append would pack the cut file
 * with no word of the loss, and the loss would be filed under a later day. So the export reads the
 * cache under the log lock, as a writer does, and refuses a day whose cached head is gone.
 */
import { closeSync, constants as fsc, statSync } from 'node:fs';
import { join } from 'node:path';
import { AuditpackError } from '../errors.js';
import { LOG_LOCK_FILE } from '../format/dir-names.js';
import { openRegular } from '../logger/day-file.js';
import { type Head, headLost, readCachedHead } from '../logger/head-cache.js';
import { type FileLock, loadFileLock } from '../logger/index.js';
import { dayOfLogFileName, logFileName } from '../rotation/index.js';

/**
 * Throws LOG_HEAD_LOST when the log lock's cached head is a line of day `day`'s file that is no
 * longer there (the file cut short, emptied, removed or rewritten since its last write).
 * Nothing to check when there is no lock file, or its cache is of another day or unreadable.
 */
export function checkDayHeadKept(logDir: string, day: number): void {
  const lost = findLostHead(logDir, day);
  if (lost !== undefined) throw lostHeadError(lost);
}

/** A cached head no longer on disk: the file it names, the head, and the file's size now (null: gone). */
export interface LostHead {
  readonly file: string;
  readonly cached: Head;
  readonly found: number | null;
}

/**
 * The log lock's cached head when it is a line no longer on disk (of day `day` only, when given),
 * else undefined: the check every writer makes before it appends (docs/FORMAT.md, "Lost heads").
 * The cache is read under the log lock when the lock file can be opened for writing and the addon
 * loads, else unlocked (it is written whole, in one write). A writer appends before it updates the
 * cache, so a head read from it is on disk unless something removed it: a live log being written
 * cannot trip this. Undefined too when there is no lock file or its cache is unreadable.
 */
export function findLostHead(logDir: string, day?: number): LostHead | undefined {
  const path = join(logDir, LOG_LOCK_FILE);
  let fd: number;
  let writable = true;
  try {
    fd = openRegular(path, fsc.O_RDWR);
  } catch {
    try {
      fd = openRegular(path, fsc.O_RDONLY); // a reader without write access (an auditor): unlocked
      writable = false;
    } catch {
      return undefined; // no writer ever ran here (or a hostile lock file, which every writer refuses anyway)
    }
  }
  let lock: FileLock | undefined;
  try {
    lock = writable ? loadFileLock() : undefined;
  } catch {
    lock = undefined; // without the addon the cache is read unlocked: it is written whole, in one write
  }
  try {
    lock?.lock(fd);
    const cached = readCachedHead(fd);
    if (cached === undefined || (day !== undefined && cached.day !== day) || cached.size === 0) return undefined;
    const file = logFileName(cached.day);
    if (dayOfLogFileName(file) !== cached.day) return undefined; // a day no file is named for (after 9999)
    const at = join(logDir, file);
    const found = sizeOf(at);
    if (found === cached.size || !headLost(at, cached, found, cached)) return undefined;
    return { file, cached, found };
  } finally {
    try {
      lock?.unlock(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** The file's size, null when it is gone. */
function sizeOf(path: string): number | null {
  try {
    return statSync(path, { throwIfNoEntry: false })?.size ?? null;
  } catch {
    return null;
  }
}

function lostHeadError({ file, cached, found }: LostHead): AuditpackError {
  const now = found === null ? 'is gone' : `now holds ${found} bytes`;
  return new AuditpackError(
    'LOG_HEAD_LOST',
    `${file} lost events after it was last written: its writers last wrote seq ${cached.seq} ending at byte ${cached.size} (the log lock's cached head), and the file ${now}. A pack made now would hold the cut file with no word of the loss; nothing was written. Restore the file if it can be restored; else the next event any writer logs records the loss (LogDiscontinuity, in the file of its own date)`,
    {
      details: { file, cached_seq: cached.seq, cached_size: cached.size, found_size: found },
    },
  );
}
