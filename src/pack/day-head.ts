/**
 * Before a day is packed: is the head its writers last wrote to the day file still there? Writers
 * cache the chain's head in the log lock file (docs/FORMAT.md, "Lost heads") and only notice a cut
 * file when they next append; an export between the cut and that append would pack the cut file
 * with no word of the loss, and the loss would be filed under a later day. So the export reads the
 * cache under the log lock, as a writer does, and refuses a day whose cached head is gone.
 */
import { closeSync, constants as fsc, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { AuditpackError } from '../errors.js';
import { LOG_LOCK_FILE } from '../format/dir-names.js';
import { openRegular } from '../logger/day-file.js';
import { type Head, headLost, readCachedHead } from '../logger/head-cache.js';
import { type FileLock, loadFileLock } from '../logger/lock.js';
import { lockHolderHint, lockWaitDefault, pollLock, sleepSync } from '../logger/lock-wait.js';
import { dayOfLogFileName, logFileName } from '../rotation/index.js';

/**
 * Throws LOG_HEAD_LOST when the log lock's cached head is a line of day `day`'s file that is no
 * longer there (the file cut short, emptied, removed or rewritten since its last write).
 * Nothing to check when there is no lock file, or its cache is of another day or unreadable.
 * The lock is waited for up to `waitMs` (undefined: without limit); past it the cache is read
 * unlocked, and the returned warning (`CODE: text`) says so and why.
 */
export function checkDayHeadKept(logDir: string, day: number, waitMs = lockWaitDefault()): string | undefined {
  const r = readHead(logDir, day, true, waitMs);
  if (r.lost !== undefined) throw lostHeadError(r.lost);
  return r.heldMs === undefined ? undefined : unlockedWarning(logDir, r.heldMs, r.unsettled === true);
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
  return readHead(logDir, day, locked, undefined).lost;
}

/** What a head check found, and whether it read unlocked after the lock was held past the wait. */
interface HeadRead {
  readonly lost?: LostHead;
  /** The wait the lock was held past (the cache was read unlocked). */
  readonly heldMs?: number;
  /** Unlocked reads some ms apart kept disagreeing: nothing refused. */
  readonly unsettled?: boolean;
}

/** Unlocked reads past the wait: a refusal needs two in a row that agree, SETTLE_MS apart. */
const SETTLE_MS = 50;
const SETTLE_READS = 5;

function readHead(logDir: string, day: number | undefined, locked: boolean, waitMs: number | undefined): HeadRead {
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
      return {}; // no writer ever ran here (or a hostile lock file, which every writer refuses anyway)
    }
  }
  let lock: FileLock | undefined;
  let heldMs: number | undefined;
  try {
    lock = locked && writable ? loadFileLock() : undefined;
    if (lock !== undefined && waitMs === undefined) lock.lock(fd);
    else if (lock !== undefined && waitMs !== undefined && !pollLock(lock, fd, waitMs)) {
      // Held past the bound (a writer stopped holding it?): read unlocked, as verify does.
      lock = undefined;
      heldMs = waitMs;
    }
  } catch {
    // Without the addon, or on a file system without record locks (ENOLCK: NFS without lockd, some
    // FUSE mounts), the cache is read unlocked: it is written whole, in one write.
    lock = undefined;
  }
  try {
    const first = lostHeadAt(logDir, fd, day);
    if (heldMs === undefined || first === undefined) return { lost: first, heldMs };
    return { ...settledLoss(logDir, fd, day, first), heldMs };
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

/**
 * Past the wait, a lost head read unlocked refuses the export only when a read SETTLE_MS later
 * agrees (the same cached head, the same file size): a refusal never comes from a read that raced
 * a writer (one not stopped, only slow to let go). Reads that keep disagreeing refuse nothing.
 */
function settledLoss(logDir: string, fd: number, day: number | undefined, first: LostHead): Omit<HeadRead, 'heldMs'> {
  let prev = first;
  for (let i = 0; i < SETTLE_READS; i++) {
    sleepSync(SETTLE_MS);
    const again = lostHeadAt(logDir, fd, day);
    if (again === undefined) return {}; // the head is on disk after all: the first read raced a writer
    if (sameLoss(prev, again)) return { lost: again };
    prev = again;
  }
  return { unsettled: true };
}

function sameLoss(a: LostHead, b: LostHead): boolean {
  const x = a.cached;
  const y = b.cached;
  return (
    a.file === b.file &&
    a.found === b.found &&
    x.day === y.day &&
    x.size === y.size &&
    x.seq === y.seq &&
    x.hash === y.hash
  );
}

/** One read of the cache and the file it names: the lost head, or undefined. */
function lostHeadAt(logDir: string, fd: number, day: number | undefined): LostHead | undefined {
  const cached = readCachedHead(fd);
  if (cached === undefined || (day !== undefined && cached.day !== day) || cached.size === 0) return undefined;
  const file = fileOfDay(cached.day);
  if (file === undefined) return undefined;
  const at = join(logDir, file);
  const found = sizeOf(at);
  if (found === 'not-a-file') return undefined; // its reader refuses it (READ_FAILED), never judged by a link's target or a FIFO's size
  if (found === cached.size || !headLost(at, cached, found, cached)) return undefined;
  return { file, cached, found };
}

/** export's warning: the head check ran without the lock, and why. */
function unlockedWarning(logDir: string, heldMs: number, unsettled: boolean): string {
  const path = join(logDir, LOG_LOCK_FILE);
  const outcome = unsettled
    ? `reads ${SETTLE_MS} ms apart kept disagreeing (a writer is moving it), so the day was exported without the check`
    : 'it was read without the lock (it is written whole, in one write; a loss would be refused only when two reads agree)';
  return `${LOG_HEAD_UNLOCKED}: the day's lost-head check could not take the log lock ${path} within ${heldMs / 1000} s (another process held it all that time); the cached head ${outcome}. ${lockHolderHint(path)}`;
}

/** export's warning code: the lost-head check read the cache without the log lock (docs/errors.md "export"). */
export const LOG_HEAD_UNLOCKED = 'LOG_HEAD_UNLOCKED';

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

/** The file's size, null when it is gone, 'not-a-file' for anything but a regular file at its name (a link is never followed). */
function sizeOf(path: string): number | null | 'not-a-file' {
  try {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined) return null;
    return st.isFile() ? st.size : 'not-a-file';
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

/** export's LOG_LOCK_TIMEOUT after its head check ran unlocked: the error says that too (the warning would have been in the result). */
export function withHeadWarning(err: AuditpackError, warning: string): AuditpackError {
  return new AuditpackError(
    err.code,
    `${err.message}. Before that, the day's lost-head check read the cache without the lock (${LOG_HEAD_UNLOCKED})`,
    {
      cause: err.cause ?? err,
      details: { ...err.details, warnings: [warning] },
    },
  );
}
