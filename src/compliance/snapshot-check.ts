/**
 * The snapshot store check of config_change_unrecorded, in a file of its own with no imports: the
 * engine's state, the store reader (snapshot-recorded.ts) and the report all use these types.
 */

/**
 * Whether the snapshot a ConfigSnapshot event names is in the snapshot store with the record hash
 * the event logged: undefined when it is, else why not (report.ts records each such snapshot).
 */
export type SnapshotStoreCheck = (snapshotId: string, recordSha256: string | null) => string | undefined;

/** Most snapshots listed as not in the store (the report's `snapshots_not_stored`). */
export const MAX_UNSTORED = 10_000;

/** The key of a ConfigSnapshot's check: its snapshot id and its logged record hash. */
export const unstoredKey = (id: string, sha: string | null): string => `${id}\u0000${sha ?? ''}`;

/** A ConfigSnapshot whose snapshot the store did not hold as logged. */
export interface UnstoredSnapshot {
  readonly snapshot_id: string;
  readonly record_sha256: string | null;
  readonly reason: string;
}
