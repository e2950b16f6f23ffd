/**
 * Which snapshots the audit log recorded. A snapshot only counts for the checks when the log holds
 * its `config` / `ConfigSnapshot` event (written by the snapshot command right after the record)
 * with the record's SHA-256: a snapshot taken with its event sent to another log, or a record
 * planted in the store by hand, is not part of the tamper-evident trail and must not decide which
 * rules apply. The event is looked for in the log of the snapshot's day and of the day after (a
 * snapshot taken in the last minute before midnight may be logged just after it; it then governs
 * only the lines after its event, as the next day's own snapshots do: timeline.ts).
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { linesContaining, parseObjectLine } from '../fsx/lines-containing.js';
import { readRegular, readRegularSync } from '../fsx/regular.js';
import { join } from 'node:path';
import { PACK_PATH } from '../format/pack.js';
import { dayNumberOfIsoDate, dayOfLogFileName, isoDate, logFileName } from '../rotation/index.js';
import { isSnapshotId, recordPath, timestampOfId } from '../snapshot/store.js';
import { MAX_UNSTORED, type SnapshotStoreCheck, type UnstoredSnapshot, unstoredKey } from './snapshot-check.js';

/** What a snapshot's recording check found: where its event is, or why it does not count. */
export type SnapshotRecording =
  | { readonly recorded: true; readonly file: string; readonly line_sha256: string }
  | { readonly recorded: false; readonly reason: string }
  /** Neither log file is in the directory any more (retention prunes old days): nothing to check against. */
  | { readonly recorded: 'unknown'; readonly reason: string };

/** Looks for the ConfigSnapshot event of `id` in the log, matching the stored record's hash. */
export async function snapshotRecording(
  snapshotDir: string,
  logDir: string,
  id: string,
  artifactsDir?: string,
): Promise<SnapshotRecording> {
  let recordSha: string;
  try {
    recordSha = createHash('sha256')
      .update(await readRegular(recordPath(snapshotDir, id))) // a FIFO or a link is refused, never waited on
      .digest('hex');
  } catch {
    return { recorded: false, reason: 'its record cannot be read' };
  }
  const ts = timestampOfId(id);
  const day = dayNumberOfIsoDate(ts.slice(0, 10));
  if (day === undefined) return { recorded: false, reason: 'its id names no day' };
  let sawEvent = false;
  let sawFile = false;
  // The next day's log is read only for a snapshot of the day's last minute (each read is a whole file).
  for (const d of ts.slice(11, 16) === '23:59' ? [day, day + 1] : [day]) {
    const name = logFileName(d);
    const needle = Buffer.from(`"snapshot_id":${JSON.stringify(id)}`);
    // A day's log file gone (pruned, or removed once packed): its pack's byte-exact copy records it as well.
    const lines =
      (await linesContaining(join(logDir, name), needle)) ??
      (artifactsDir === undefined ? undefined : await linesContaining(packLogOf(artifactsDir, d), needle));
    if (lines !== undefined) sawFile = true;
    if (lines === undefined) continue;
    for (const line of lines) {
      const ev = parseObjectLine(line);
      if (ev === undefined || ev.category !== 'config' || ev.event !== 'ConfigSnapshot' || ev.snapshot_id !== id)
        continue;
      sawEvent = true;
      if (ev.record_sha256 === recordSha)
        return { recorded: true, file: name, line_sha256: createHash('sha256').update(line).digest('hex') };
    }
  }
  // Unknown only before the oldest log kept (retention prunes oldest first): a day without a log
  // after it is a day nothing ran, and a snapshot dated then is not recorded.
  if (!sawFile && day < (await oldestLogDay(logDir)))
    return {
      recorded: 'unknown',
      reason: `the log of its day (${logFileName(day)}) is no longer in the log directory and no pack of that day is ${artifactsDir === undefined ? 'at hand (no artifacts directory given)' : 'in the artifacts directory'}, so its recording cannot be checked`,
    };
  return {
    recorded: false,
    reason: sawEvent
      ? 'the log records it with another record_sha256 (the stored record was changed)'
      : 'the log has no ConfigSnapshot event for it',
  };
}

/** The current pack's copy of day `d`'s log, `<artifacts>/YYYY-MM-DD/data/audit.jsonl`. */
function packLogOf(artifactsDir: string, d: number): string {
  return join(artifactsDir, isoDate(d), PACK_PATH.log);
}

/** The day of the oldest log file in the directory (Infinity when none). */
async function oldestLogDay(logDir: string): Promise<number> {
  let oldest = Number.POSITIVE_INFINITY;
  try {
    for (const name of await readdir(logDir)) {
      const d = dayOfLogFileName(name);
      if (d !== undefined && d < oldest) oldest = d;
    }
  } catch {
    /* no log directory: nothing kept */
  }
  return oldest;
}

/**
 * Holds each ConfigSnapshot event to the snapshot store (config_change_unrecorded): the snapshot it
 * names must be stored, with the record_sha256 it logged. Undefined when there is no store at hand
 * (no directory: logs checked away from their store), and every ConfigSnapshot then counts. Reads
 * are synchronous and once per snapshot and hash (the engine asks once per key), so the streaming
 * checks stay one pass.
 */
export function snapshotStoreCheck(snapshotDir: string | undefined): SnapshotStoreCheck | undefined {
  if (snapshotDir === undefined) return undefined;
  try {
    if (!statSync(snapshotDir).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  // One read per snapshot and hash, however many events name them (a log of planted events must
  // not turn into a file read per line); bounded like the engine's own list.
  const seen = new Map<string, string | undefined>();
  return (id, sha) => {
    const key = unstoredKey(id, sha);
    if (seen.has(key)) return seen.get(key);
    const reason = storeReason(snapshotDir, id, sha);
    if (seen.size < MAX_UNSTORED) seen.set(key, reason);
    return reason;
  };
}

/** Why the store does not hold snapshot `id` with record hash `sha`, or undefined when it does. */
function storeReason(snapshotDir: string, id: string, sha: string | null): string | undefined {
  if (!isSnapshotId(id)) return 'which is not a snapshot id';
  let stored: string;
  try {
    stored = createHash('sha256')
      .update(readRegularSync(recordPath(snapshotDir, id)))
      .digest('hex');
  } catch {
    return 'which the snapshot store does not hold';
  }
  if (sha === null) return `logged without the record_sha256 of its record`;
  if (sha !== stored)
    return `which the snapshot store holds with record_sha256 ${stored.slice(0, 16)}…, not the logged ${sha.slice(0, 16)}… (the record was changed after it was logged)`;
  return undefined;
}

/** The store check a report recorded (verify's re-run: the store is not in the pack). */
export function recordedStoreCheck(list: readonly UnstoredSnapshot[] | undefined): SnapshotStoreCheck | undefined {
  if (list === undefined || !Array.isArray(list)) return undefined;
  const byKey = new Map<string, string>();
  for (const u of list)
    if (typeof u?.snapshot_id === 'string' && typeof u.reason === 'string')
      byKey.set(unstoredKey(u.snapshot_id, typeof u.record_sha256 === 'string' ? u.record_sha256 : null), u.reason);
  return (id, sha) => byKey.get(unstoredKey(id, sha));
}
