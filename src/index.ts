/**
 * auditpack's public library API: re-exports only. Importing it has no side effects.
 */
export * from './errors.js';
export { resolveConfig, type AuditpackConfig, type DurabilityMode } from './config.js';
export { GENESIS_HASH, hashLine } from './chain/index.js';
export { compileRedactor, type RedactionOptions, type Redactor } from './redaction/index.js';
export * from './logger/index.js';
export { scanLines, type ScannedLine, type ScanOptions } from './chain/lines.js';
export * from './verify/index.js';
export {
  createConfigSnapshot,
  startupSnapshot,
  snapshotOptionsFromConfig,
  listSnapshots,
  readSnapshot,
  readSnapshotFile,
  resolveSnapshotId,
  diffSnapshots,
  latestSnapshotOnOrBefore,
  snapshotsOnDay,
  snapshotDiffText,
  DEFAULT_SNAPSHOT_DIR,
  DEFAULT_MAX_FILE_BYTES,
  SNAPSHOT_FORMAT,
  type ConfigSnapshot,
  type SnapshotFileEntry,
  type SnapshotGitFacts,
  type SnapshotGitError,
  type SnapshotChanges,
  type SnapshotSummary,
  type SnapshotComparison,
  type CreateSnapshotOptions,
  type StartupSnapshotOptions,
} from './snapshot/index.js';
export {
  redactConfigText,
  configFormatOf,
  type ConfigTextFormat,
  type ConfigRedaction,
} from './redaction/config-text.js';
export * from './pack/index.js';
export {
  prune,
  planPrune,
  carryOutPrune,
  checkPackHoldsLog,
  type PlanPruneOptions,
  type PruneOptions,
  type PrunePlan,
  type PruneResult,
  type KeptLog,
} from './retention/index.js';
export * from './signing/index.js';
export * from './compliance/index.js';
export * from './archive/index.js';
export * from './anchor/index.js';
