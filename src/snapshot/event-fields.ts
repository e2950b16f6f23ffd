/**
 * The fields of a snapshot's `config` / `ConfigSnapshot` event (docs/FORMAT.md, "ConfigSnapshot").
 * Its `paths` and `changed_files` lists are written whole or not at all: the logger's bounds
 * (LIMITS) would cut a list past 10,000 items, or both to 256 once the event passes 1 MiB, and a
 * reader would take a cut `paths` for the files the snapshot recorded, ending (or passing) the
 * ones cut off (at42 F3). Left out, a reader reads the record, as for an event of an earlier
 * version without `paths`; `full` still says whether the snapshot covered every config file.
 */
import { SNAPSHOT_FULL_FIELD, SNAPSHOT_PATHS_FIELD } from '../format/config-in-force.js';
import { LIMITS } from '../logger/index.js';
import { byCodeUnit } from './sides.js';
import type { ConfigSnapshot } from './types.js';

/** Room kept under LIMITS.maxBodyChars for what the logger adds (its notes, escapes the walk writes). */
const BODY_MARGIN = 16_384;

/**
 * The event's fields; `paths` and `changed_files` only when neither would be cut by the logger's
 * bounds (`bounds` for tests; LIMITS otherwise).
 */
export function snapshotEventFields(
  s: ConfigSnapshot,
  recordSha256: string,
  full: boolean,
  bounds: { maxArrayItems: number; maxBodyChars: number } = LIMITS,
): Record<string, unknown> {
  const changed = [...s.changes.added, ...s.changes.removed, ...s.changes.changed].sort(byCodeUnit);
  const paths = Object.keys(s.files).sort(byCodeUnit);
  const fields = (lists: boolean): Record<string, unknown> => ({
    snapshot_id: s.snapshot_id,
    reason: s.reason,
    file_count: paths.length,
    ...(lists ? { changed_files: changed } : {}),
    // The paths it recorded: a snapshot of some files only leaves the others' earlier versions in force.
    ...(lists ? { [SNAPSHOT_PATHS_FIELD]: paths } : {}),
    // Whether those are every config file: a full snapshot that leaves a file out says it is gone.
    [SNAPSHOT_FULL_FIELD]: full,
    previous_snapshot_id: s.previous_snapshot_id,
    record_sha256: recordSha256,
    git_commit: s.git?.commit ?? null,
    git_dirty: s.git?.dirty ?? null,
  });
  const withLists = fields(true);
  const whole =
    Math.max(changed.length, paths.length) <= bounds.maxArrayItems && fitsBody(withLists, bounds.maxBodyChars);
  return whole ? withLists : fields(false);
}

/** Whether the fields' JSON stays under the logger's body bound, with room for what it adds. */
function fitsBody(fields: Record<string, unknown>, maxBodyChars: number): boolean {
  return JSON.stringify(fields).length + BODY_MARGIN <= maxBodyChars;
}
