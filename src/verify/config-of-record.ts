/**
 * data/config_snapshot.json held to the chain's newest ConfigSnapshot event (docs/FORMAT.md,
 * "config_snapshot.json": the config of record at the day's end is the snapshot of the chain's
 * newest `config`/`ConfigSnapshot` event, never the store's pick). When the file's snapshot has an
 * event in the pack's log and a later event there names another snapshot, the file is not the
 * record of the day's config: a forger of an unsigned pack swapped in an earlier snapshot's genuine
 * record (its hash logged by its own event) to re-make the report under its laxer policy (at52).
 * A later snapshot logged after the day's file (a snapshot of 23:59 logged after midnight) has no
 * event in the pack's log: nothing to hold then.
 */
import { PACK_PATH } from '../format/pack.js';
import type { LargeSnapshotFile } from './compliance-bytes.js';
import { type ConfigSnapshotTap, ownSnapshotOf } from './config-in-force.js';
import type { Findings } from './report.js';

/** CONFIG_IN_FORCE_MISMATCH when data/config_snapshot.json is a snapshot the pack's log logs before its last ConfigSnapshot event's. */
export function judgeNewestRecord(
  f: Findings,
  snapshotBytes: Buffer | 'too-large' | LargeSnapshotFile | undefined,
  tap: ConfigSnapshotTap | undefined,
): void {
  const own = ownSnapshotOf(snapshotBytes);
  const newest = tap?.newest;
  if (own === undefined || 'malformed' in own || newest === undefined) return;
  if (newest.snapshot_id === own.id || tap?.logged.has(own.id) !== true) return;
  f.add(
    'CONFIG_IN_FORCE_MISMATCH',
    'error',
    PACK_PATH.configSnapshot,
    `snapshot ${own.id.slice(0, 80)}: its ConfigSnapshot event is a line of ${PACK_PATH.log}, but a later one there logs snapshot ${newest.snapshot_id.slice(0, 80)}: the config of record at the day's end is the chain's newest event's, so this file is not the day's record (an earlier snapshot's record, whose policy the report may have been re-made under)`,
  );
}
