/**
 * Before an ended day is read for its pack, the day is closed in the log: while its file is still the
 * newest, the export writes a `system`/`DayClosed` event (docs/FORMAT.md, "Events reserved for the
 * writer") into the file of its own date, a later day's.
 *
 * Threat: right after midnight, day D's file is still the newest, and an event stamped on D that some
 * process still buffers (`flushIntervalMs`, a wait for the lock) goes to D's file. If that write lands
 * after the export read D's file and before its PackExported event (which opens the next day's file),
 * D's pack lacks the event: the pack of a day is not the day's file. Once a later day's file exists,
 * every event stamped on D goes there marked `late` (the writers' rule, "Midnight and late events"),
 * so with DayClosed written first, D's file is final before it is read.
 *
 * The event is written by the writers' own machinery (a durable logger), under the log lock, as
 * PackExported is: the lock file's cached head moves to the new file, the state a writer crossing
 * midnight leaves, and from the CLI the wait for the lock is bounded (AUDITPACK_LOCK_TIMEOUT). Whether
 * it is needed is asked of the files just before, without the lock: a writer crossing midnight in
 * between makes it unneeded but harmless (one more system event in the newer file).
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DAY_CLOSED_EVENT, DAY_CLOSED_FIELD } from '../format/pack.js';
import { AuditpackError, isAuditpackError, wrapFsError } from '../errors.js';
import { createAuditLogger } from '../logger/index.js';
import { recordWriterEvent } from '../logger/child.js';
import { dayOfLogFileName, isoDate, logFileName, MICROS_PER_DAY } from '../rotation/index.js';

/**
 * Writes DayClosed for day `day` when no day file after it exists (its file, or an older one, is the
 * newest, or there is none): true when it wrote it. `clock` is the logger's (epoch µs), as for
 * PackExported; the event is filed by its own date, so it closes the day when that date is after it.
 */
export async function closeDay(logDir: string, day: number, clock: (() => number) | undefined): Promise<boolean> {
  if (newestDay(logDir) > day || !writable(join(logDir, logFileName(day)))) return false;
  // Stamped on the day or before (a library caller's logger clock behind its `now`), the event would
  // be filed in the day's own file and close nothing.
  if (Math.floor((clock === undefined ? Date.now() * 1000 : clock()) / MICROS_PER_DAY) <= day) return false;
  const logger = createAuditLogger({ logDir, handleExit: false, durability: 'durable', ...(clock ? { clock } : {}) });
  try {
    try {
      await recordWriterEvent(logger, DAY_CLOSED_EVENT.category, DAY_CLOSED_EVENT.event, {
        [DAY_CLOSED_FIELD.date]: isoDate(day),
      });
    } finally {
      await logger.close();
    }
  } catch (err) {
    throw isAuditpackError(err, 'LOG_LOCK_TIMEOUT') ? unclosedError(err, day) : err;
  }
  return true;
}

/**
 * Whether a writer would append to the day file at `path`: it is absent or a regular file. A link, a
 * FIFO or a device there is refused by every writer (docs/FORMAT.md, "Day files that are not regular
 * files"), so nothing can land in it, and the export's read refuses it before anything is written.
 */
function writable(path: string): boolean {
  try {
    const st = lstatSync(path, { throwIfNoEntry: false });
    return st === undefined || st.isFile();
  } catch {
    return true; // cannot tell: closed as a day file, and the read says what is wrong with it
  }
}

/** The newest day of the files named `audit-YYYYMMDD.jsonl` in `logDir`; -Infinity when none. */
function newestDay(logDir: string): number {
  let names: string[];
  try {
    names = readdirSync(logDir);
  } catch (err) {
    throw wrapFsError(err, 'read', logDir);
  }
  let newest = Number.NEGATIVE_INFINITY;
  for (const n of names) {
    const d = dayOfLogFileName(n);
    if (d !== undefined && d > newest) newest = d;
  }
  return newest;
}

/**
 * The CLI's wait for the lock ran out (a writer stopped holding it may itself hold an event of the
 * day): the day is not packed while its file can still grow; nothing was written.
 */
function unclosedError(err: AuditpackError, day: number): AuditpackError {
  const date = isoDate(day);
  return new AuditpackError(
    'LOG_LOCK_TIMEOUT',
    `${date}'s log file is still the newest and its DayClosed event, which stops it growing before it is packed, was not written: ${err.message}. No pack was written`,
    { cause: err, details: { ...err.details, date } },
  );
}
