/**
 * A `config` / `ConfigSnapshot` event counts its `changed_files` from the snapshot it names as
 * `previous_snapshot_id`. That snapshot must itself be in the chain: a snapshot killed after
 * storing its record and before chaining its event (or whose event met a full disk) leaves a
 * record no chained event vouches for, and a later snapshot that counts from it leaves the
 * orphan's change out of the chain. Nothing chains such a record late (a snapshot cannot tell
 * its own killed record from one planted in the store): this check reports it, and an event
 * marked `recovered` (written by the late repair of 1a07461, since removed) vouches for nothing.
 */
import type { ScannedLine } from '../chain/lines.js';
import { isSnapshotId, timestampOfId } from '../snapshot/store.js';
import type { SharedLogState } from './log-facts.js';

/** Snapshot ids kept per verification, at most (an honest log holds a few a day). */
export const MAX_SNAPSHOT_IDS = 100_000;

/**
 * Takes in a ConfigSnapshot event's line and returns the finding's detail when its
 * `previous_snapshot_id` names a snapshot that no earlier ConfigSnapshot event names, and whose
 * event would be in what was read: taken after the first snapshot chained here, or after the first
 * event read. A snapshot older than both may be chained in a file not read (a single day's pack).
 * `onAdded` is told the line's own id when it is new to the ids seen (a recovery may take it back).
 */
export function unchainedPrevious(
  line: ScannedLine,
  shared: SharedLogState,
  onAdded?: (id: string) => void,
): string | undefined {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse((line.bytes as Buffer).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const id = r.snapshot_id;
  const prev = r.previous_snapshot_id;
  const ids = shared.snapshots;
  let detail: string | undefined;
  if (
    isSnapshotId(prev) &&
    !ids.has(prev) &&
    ids.size < MAX_SNAPSHOT_IDS &&
    ((shared.firstSnapshot !== undefined && prev > shared.firstSnapshot) ||
      (shared.firstIso !== undefined && timestampOfId(prev) >= shared.firstIso))
  )
    detail =
      `the ConfigSnapshot of snapshot ${typeof id === 'string' ? id.slice(0, 40) : '?'} counts its changed_files from snapshot ${prev}, ` +
      'which no ConfigSnapshot event before it in the chain records: that snapshot was stored but its event was never chained ' +
      '(the snapshot was killed, or the log disk was full), so the config change it recorded is in no chained event';
  if (typeof id === 'string' && isSnapshotId(id) && r.recovered !== true && ids.size < MAX_SNAPSHOT_IDS) {
    if (!ids.has(id)) onAdded?.(id);
    ids.add(id);
    shared.firstSnapshot ??= id;
  }
  return detail;
}
