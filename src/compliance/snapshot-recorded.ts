/**
 * Which snapshots the audit log recorded. A snapshot only counts for the checks when the chain holds
 * its `config` / `ConfigSnapshot` event (written by the snapshot command right after the record)
 * with the record's SHA-256: a snapshot taken with its event sent to another log, or a record
 * planted in the store by hand, is not part of the tamper-evident trail and must not decide which
 * rules apply. The look-up is the export's own (ConfigEventIndex): the day file of the snapshot's
 * day and of the day after (a snapshot taken in the last minute before midnight may be logged just
 * after it; it then governs only the lines after its event, as the next day's own snapshots do:
 * timeline.ts), a file removed by retention read only from a pack copy whose bytes hash to the
 * `sha256` its LogPruned event records. A pack's `data/audit.jsonl` is the attacker's to write:
 * any other copy vouches for nothing, and the compliance half of a pack never takes as recorded
 * what its config half does not.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readRegular, readRegularSync } from '../fsx/regular.js';
import { dayNumberOfIsoDate, logFileName } from '../rotation/index.js';
import type { ConfigEventIndex } from '../snapshot/config-events.js';
import { isSnapshotId, recordPath, timestampOfId } from '../snapshot/store.js';
import { MAX_UNSTORED, type SnapshotStoreCheck, type UnstoredSnapshot, unstoredKey } from './snapshot-check.js';

/** What a snapshot's recording check found: where its event is, or why it does not count. */
export type SnapshotRecording =
  | { readonly recorded: true; readonly file: string }
  | { readonly recorded: false; readonly reason: string }
  /** A day file gone with nothing left that vouches for what it held: nothing to check against. */
  | { readonly recorded: 'unknown'; readonly reason: string };

/** Looks for the ConfigSnapshot event of `id` in the chain `index` reads, matching the stored record's hash. */
export async function snapshotRecording(
  snapshotDir: string,
  index: ConfigEventIndex,
  id: string,
): Promise<SnapshotRecording> {
  let recordSha: string;
  try {
    recordSha = createHash('sha256')
      .update(await readRegular(recordPath(snapshotDir, id))) // a FIFO or a link is refused, never waited on
      .digest('hex');
  } catch {
    return { recorded: false, reason: 'its record cannot be read' };
  }
  return recordingOf(index, id, recordSha);
}

/** snapshotRecording of the record whose bytes hash to `recordSha` (read once by the caller, who uses those bytes). */
export async function recordingOf(index: ConfigEventIndex, id: string, recordSha: string): Promise<SnapshotRecording> {
  const day = dayNumberOfIsoDate(timestampOfId(id).slice(0, 10));
  if (day === undefined) return { recorded: false, reason: 'its id names no day' };
  const r = await index.recording(day, id, recordSha);
  if (r.recorded === true) return { recorded: true, file: logFileName(r.day) };
  if (r.recorded === 'unknown') return { recorded: 'unknown', reason: `${r.why}, so its recording cannot be checked` };
  return {
    recorded: false,
    reason: r.otherHash
      ? 'the log records it with another record_sha256 (the stored record was changed)'
      : 'the log has no ConfigSnapshot event for it',
  };
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
