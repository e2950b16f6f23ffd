/**
 * Config snapshots: what the trading system's configuration was at a moment, who took
 * the snapshot and why, with hashes, content, git facts and diffs, linked into the audit trail.
 *
 * A snapshot runs in two phases so that a failure leaves nothing half written: first everything
 * is read (discovery, every file hashed and redacted, the previous record, git), then the new
 * objects and finally the record are written, each complete before its name exists. An
 * unreadable file stops the snapshot in the first phase, before any write.
 *
 * Library functions take explicit options; only the CLI resolves config (snapshotOptionsFromConfig).
 */
export * from './types.js';
export { isSnapshotId, SNAPSHOT_ID_PATTERN, timestampOfId } from './store.js';
export { unifiedDiff, binaryDiff, splitDiffSections, type DiffSide, type DiffSection } from './unified-diff.js';
export { discoverConfigFiles } from './discover.js';
export { recordChained } from './record-chained.js';
export {
  createConfigSnapshot,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_SNAPSHOT_DIR,
  redactionOptionsOf,
  snapshotOptionsFromConfig,
  startupSnapshot,
} from './create.js';
export {
  diffSnapshots,
  latestSnapshotOnOrBefore,
  listSnapshots,
  readSnapshot,
  readSnapshotFile,
  resolveSnapshotId,
  snapshotDiffText,
  snapshotsOnDay,
  type SnapshotReadOptions,
} from './read.js';
