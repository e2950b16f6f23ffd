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
import { logFileName } from '../rotation/index.js';

/**
 * Throws LOG_HEAD_LOST when the log lock's cached head is a line of day `day`'s file that is no
 * longer there (the file cut short, emptied, removed or rewritten since its last write).
 * Nothing to check when there is no lock file, or its cache is of another day or unreadable.
 */
export function checkDayHeadKept(logDir: string, day: number): void {
  let fd: number;
  try {
    fd = openRegular(join(logDir, LOG_LOCK_FILE), fsc.O_RDWR);
  } catch {
    return; // no writer ever ran here (or a hostile lock file, which every writer refuses anyway)
  }
  let lock: FileLock | undefined;
  try {
    lock = loadFileLock();
  } catch {
    lock = undefined; // without the addon the cache is read unlocked: it is written whole, in one write
  }
  try {
    lock?.lock(fd);
    const cached = readCachedHead(fd);
    if (cached === undefined || cached.day !== day || cached.size === 0) return;
    const file = logFileName(day);
    const path = join(logDir, file);
    const found = sizeOf(path);
    if (found === cached.size || !headLost(path, cached, found, cached)) return;
    throw lostHeadError(file, cached, found);
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

function lostHeadError(file: string, cached: Head, found: number | null): AuditpackError {
  const now = found === null ? 'is gone' : `now holds ${found} bytes`;
  return new AuditpackError(
    'LOG_HEAD_LOST',
    `${file} lost events after it was last written: its writers last wrote seq ${cached.seq} ending at byte ${cached.size} (the log lock's cached head), and the file ${now}. A pack made now would hold the cut file with no word of the loss; nothing was written. Restore the file if it can be restored; else the next event any writer logs records the loss (LogDiscontinuity, in the file of its own date)`,
    {
      details: { file, cached_seq: cached.seq, cached_size: cached.size, found_size: found },
    },
  );
}
