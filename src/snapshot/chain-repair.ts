/**
 * Snapshots whose record is stored but whose `config` / `ConfigSnapshot` event never reached the
 * chain (the process was killed between the two writes, or the log's disk was full), found by the
 * next snapshot so that it can chain their events late, marked `recovered`, before its own
 * (docs/FORMAT.md, "The audit event"). Without it the next snapshot's `changed_files` would be
 * counted from a record the chained log never vouched for, and the orphan's change would be in no
 * chained event.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { linesContaining, parseObjectLine } from '../fsx/lines-containing.js';
import { readRegular } from '../fsx/regular.js';
import { dayNumberOfIsoDate, dayOfLogFileName, logFileName } from '../rotation/index.js';
import { byCodeUnit } from './sides.js';
import { parseRecord, recordPath, sha256Hex, timestampOfId } from './store.js';
import type { ConfigSnapshot } from './types.js';

/** At most this many unchained records are recovered by one snapshot (the newest ones, back from its previous). */
export const MAX_RECOVERED_SNAPSHOTS = 16;

/** A stored record and the SHA-256 of its bytes. */
export interface StoredRecord {
  readonly record: ConfigSnapshot;
  readonly sha256: string;
}

/** The fields of a snapshot's `config` / `ConfigSnapshot` event. */
export function snapshotEventFields(s: ConfigSnapshot, recordSha256: string): Record<string, unknown> {
  return {
    snapshot_id: s.snapshot_id,
    reason: s.reason,
    file_count: Object.keys(s.files).length,
    changed_files: [...s.changes.added, ...s.changes.removed, ...s.changes.changed].sort(byCodeUnit),
    previous_snapshot_id: s.previous_snapshot_id,
    record_sha256: recordSha256,
    git_commit: s.git?.commit ?? null,
    git_dirty: s.git?.dirty ?? null,
  };
}

/**
 * The records at the end of `ids` (the store's, oldest first) that no ConfigSnapshot event in the
 * log vouches for, back to the newest one that is chained, oldest first; at most
 * MAX_RECOVERED_SNAPSHOTS. A record that cannot be read, or whose day's log is gone (pruned), ends
 * the walk: nothing is recovered from it.
 */
export async function unchainedRecords(
  snapshotDir: string,
  logDir: string,
  ids: readonly string[],
): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  const newest = await newestLogDay(logDir);
  for (let i = ids.length - 1; i >= 0 && out.length < MAX_RECOVERED_SNAPSHOTS; i--) {
    const id = ids[i] as string;
    let stored: StoredRecord;
    try {
      const bytes = await readRegular(recordPath(snapshotDir, id));
      stored = {
        record: parseRecord(bytes.toString('utf8'), id, recordPath(snapshotDir, id)),
        sha256: sha256Hex(bytes),
      };
    } catch {
      break;
    }
    if ((await chainedIn(logDir, id, stored.sha256, newest)) !== false) break;
    out.unshift(stored);
  }
  return out;
}

/**
 * Whether a ConfigSnapshot event with this id and record hash is in the log: looked for in the log
 * of the snapshot's day, of the day after (a snapshot of 23:59 logged after midnight), and in the
 * newest day file (where a later snapshot chains a recovered event). 'unknown' when none of those
 * files exists and the snapshot's day is before the oldest log kept (retention pruned it).
 */
export async function chainedIn(
  logDir: string,
  id: string,
  sha256: string,
  newest?: number,
): Promise<boolean | 'unknown'> {
  const day = dayNumberOfIsoDate(timestampOfId(id).slice(0, 10));
  if (day === undefined) return false;
  const newestDay = newest ?? (await newestLogDay(logDir));
  const days = [...new Set([day, day + 1, ...(Number.isFinite(newestDay) && newestDay > day + 1 ? [newestDay] : [])])];
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
        ev.record_sha256 === sha256
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

async function newestLogDay(logDir: string): Promise<number> {
  return Math.max(Number.NEGATIVE_INFINITY, ...(await logDays(logDir)));
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
