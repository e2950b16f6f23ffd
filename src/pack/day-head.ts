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
import { type FileLock, loadFileLock } from '../logger/lock.js';
import { dayOfLogFileName, logFileName } from '../rotation/index.js';

/**
 * Throws LOG_HEAD_LOST when the log lock's cached head is a line of day `day`'s file that is no
 * longer there (the file cut short, emptied, removed or rewritten since its last write).
 * Nothing to check when there is no lock file, or its cache is of another day or unreadable.
 */
export function checkDayHeadKept(logDir: string, day: number): void {
  const lost = findLostHead(logDir, day, true);
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
 * With `locked` (the export's check) the cache is read under the log lock when the lock file can be
 * opened for writing, the addon loads and the file system takes the lock; else, and always for
 * verify (which must never wait on a writer: one stopped while it holds the lock would hang it), it
 * is read unlocked: it is written whole, in one write. A writer appends before it updates the cache,
 * so a head read from it is on disk unless something removed it: a live log being written cannot
 * trip this. Undefined too when there is no lock file, or its cache is unreadable or names a day no
 * file can be named for (a hostile cache).
 */
export function findLostHead(logDir: string, day?: number, locked = false): LostHead | undefined {
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
    lock = locked && writable ? loadFileLock() : undefined;
    lock?.lock(fd);
  } catch {
    // Without the addon, or on a file system without record locks (ENOLCK: NFS without lockd, some
    // FUSE mounts), the cache is read unlocked: it is written whole, in one write.
    lock = undefined;
  }
  try {
    const cached = readCachedHead(fd);
    if (cached === undefined || (day !== undefined && cached.day !== day) || cached.size === 0) return undefined;
    const file = fileOfDay(cached.day);
    if (file === undefined) return undefined;
    const at = join(logDir, file);
    const found = sizeOf(at);
    if (found === cached.size || !headLost(at, cached, found, cached)) return undefined;
    return { file, cached, found };
  } finally {
    try {
      lock?.unlock(fd);
    } catch {
      // closing the descriptor releases the lock anyway
    } finally {
      closeSync(fd);
    }
  }
}

/** The day file's name for a cached day, undefined for a day no file can be named for (out of range). */
function fileOfDay(day: number): string | undefined {
  if (!Number.isSafeInteger(day) || day < 0) return undefined;
  try {
    const file = logFileName(day);
    return dayOfLogFileName(file) === day ? file : undefined; // after 9999: no such file name
  } catch {
    return undefined; // a day past what a date can hold (RangeError: Invalid time value)
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
