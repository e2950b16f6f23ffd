/**
 * Whether a stored snapshot record is vouched for by a `config` / `ConfigSnapshot` event in the
 * log: the pack marks a diff counted from one that is not (docs/FORMAT.md, "The audit event").
 * Nothing here writes: a record the chain does not hold (a killed snapshot, a full log disk, or a
 * record planted in the store) stays unchained and is shown as such, never chained late.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { linesContaining, parseObjectLine } from '../fsx/lines-containing.js';
import { readRegular } from '../fsx/regular.js';
import { dayNumberOfIsoDate, dayOfLogFileName, logFileName } from '../rotation/index.js';
import { recordPath, sha256Hex, timestampOfId } from './store.js';

/**
 * Whether a ConfigSnapshot event with this id and record hash, written by the snapshot itself, is
 * in the log: looked for in the log of the snapshot's day and of the day after (a snapshot of
 * 23:59 logged after midnight). An event marked `recovered` (chained late by another snapshot, as
 * a writer between 1a07461 and fx21a did) vouches for nothing: that writer did not write the
 * record. 'unknown' when neither file exists and the snapshot's day is before the oldest log kept
 * (retention pruned it).
 */
export async function chainedIn(logDir: string, id: string, sha256: string): Promise<boolean | 'unknown'> {
  const day = dayNumberOfIsoDate(timestampOfId(id).slice(0, 10));
  if (day === undefined) return false;
  const days = [day, day + 1];
  const needle = Buffer.from(`"snapshot_id":${JSON.stringify(id)}`);
  let sawFile = false;
  for (const d of days) {
    const lines = await linesContaining(join(logDir, logFileName(d)), needle);
    if (lines === undefined) continue;
    sawFile = true;
    for (const line of lines) {
      const ev = parseObjectLine(line);
      if (
        ev?.category === 'config' &&
        ev.event === 'ConfigSnapshot' &&
        ev.snapshot_id === id &&
        ev.record_sha256 === sha256 &&
        ev.recovered !== true
      )
        return true;
    }
  }
  return !sawFile && !(day >= (await oldestLogDay(logDir))) ? 'unknown' : false;
}

async function logDays(logDir: string): Promise<number[]> {
  try {
    return (await readdir(logDir)).map(dayOfLogFileName).filter((d): d is number => d !== undefined);
  } catch {
    return [];
  }
}

async function oldestLogDay(logDir: string): Promise<number> {
  return Math.min(Number.POSITIVE_INFINITY, ...(await logDays(logDir)));
}

/** Whether snapshot `id`'s stored record is vouched for by a ConfigSnapshot event in the log (as chainedIn). */
export async function recordChained(snapshotDir: string, logDir: string, id: string): Promise<boolean | 'unknown'> {
  let sha: string;
  try {
    sha = sha256Hex(await readRegular(recordPath(snapshotDir, id)));
  } catch {
    return false;
  }
  return chainedIn(logDir, id, sha);
}
