/**
 * auditpack's public library API (`import … from 'auditpack'`): what the README documents, and
 * nothing else. Re-exports only; importing it has no side effects. Tooling that only checks has its
 * own, smaller entry point, `auditpack/verify` (src/api/verify.ts).
 *
 * Every name here is public API: added, never renamed or removed. test/package.test.ts pins the
 * list, so a new export is a deliberate change (update that test and the README together).
 */

// Errors: one class, stable codes, the exit-code table.
export {
  AuditpackError,
  type AuditpackErrorCode,
  ExitCode,
  exitCodeFor,
  isAuditpackError,
} from './errors.js';

// Configuration: flags > environment > config file > defaults, resolved once.
export {
  type AuditpackConfig,
  type ConfigFlags,
  type DurabilityMode,
  type ResolveConfigOptions,
  resolveConfig,
} from './config.js';

// The logger and its event helpers.
export { createAuditLogger } from './logger/logger.js';
export { MemorySink } from './logger/memory-sink.js';
export type { CustomEvents } from './logger/custom-events.js';
export {
  type AlertFields,
  type AuditErrorListener,
  type AuditFields,
  type AuditLogger,
  type AuditLoggerOptions,
  type AuditLoggerStats,
  type AuditSink,
  type AuthEvent,
  type AuthFields,
  type ChildBindings,
  type ConfigChangeFields,
  type FillEvent,
  type FillFields,
  KNOWN_EVENTS,
  type LogResult,
  type OrderEvent,
  type OrderFields,
  type PreparedEvent,
  type WriterThreadState,
} from './logger/types.js';
export {
  auditAlert,
  auditConfig,
  auditDecision,
  auditFill,
  auditKillSwitch,
  auditLogin,
  auditOrder,
  auditRiskCheck,
  auditRiskOverride,
  closeDefaultLogger,
  getDefaultLogger,
} from './logger/default.js';
export {
  type DecisionFields,
  type KillSwitchFields,
  logDecision,
  logKillSwitch,
  logRiskCheck,
  logRiskOverride,
  type RiskCheckFields,
  type RiskCheckItem,
  type RiskOverrideFields,
} from './logger/trading.js';
export type { RedactionOptions } from './redaction/index.js';

// Config snapshots.
export {
  createConfigSnapshot,
  diffSnapshots,
  listSnapshots,
  readSnapshot,
  type SnapshotReadOptions,
  snapshotOptionsFromConfig,
  startupSnapshot,
} from './snapshot/index.js';
export type {
  ConfigSnapshot,
  CreateSnapshotOptions,
  SnapshotChanges,
  SnapshotComparison,
  SnapshotFileEntry,
  SnapshotGitError,
  SnapshotGitFacts,
  SnapshotSummary,
  StartupSnapshotOptions,
} from './snapshot/types.js';

// Daily packs: export (then prune), signing keys.
export {
  type ExportPackOptions,
  type ExportProgress,
  type ExportResult,
  exportPack,
  type PackManifest,
} from './pack/export.js';
export { type DailyExportOptions, type DailyExportResult, runDailyExport } from './daily/daily-export.js';
export { type PrunePlan, type PruneOptions, type PruneResult, prune } from './retention/index.js';
export {
  type GeneratedSigningKey,
  type GenerateSigningKeyOptions,
  generateSigningKey,
} from './signing/keys.js';

// Verification: every function returns a report and keeps going after the first problem.
export {
  type ArchiveEvidence,
  type ChainSummary,
  type LogReport,
  type ManifestSummary,
  type PackReport,
  type PathKind,
  type Problem,
  type RollupReport,
  type RollupEvidence,
  type ProblemCode,
  type Severity,
  type TimestampCheckOptions,
  type VerifyArchiveOptions,
  type VerifyKind,
  type VerifyLogOptions,
  type VerifyPackOptions,
  type VerifyReport,
  type VerifyRollupOptions,
  verifyArchive,
  verifyLog,
  verifyLogDir,
  verifyPack,
  verifyPath,
  verifyRollup,
  verifyRollupDir,
} from './verify/index.js';

// Compliance checks.
export { type CheckOptions, checkCompliance, checkOrder, type OrderLifecycle } from './compliance/check.js';
export { type ComplianceReport, type MissingDay, reaches, reportReaches } from './compliance/report.js';
export type {
  AuditSummary,
  Evidence,
  Finding,
  RuleId,
  SeverityTotals,
  Severity as FindingSeverity,
} from './compliance/types.js';

// Off the machine: S3 Object Lock archive.
export {
  type ArchiveOptions,
  type ArchiveProblem,
  type ArchiveProblemCode,
  type ArchiveVerifyOptions,
  type ArchiveVerifyReport,
  type CheckedVersion,
  type HoldResult,
  type InitResult,
  initArchive,
  type ListedVersion,
  listArchive,
  type PullResult,
  type PushOptions,
  type PushOutcome,
  pullPack,
  pushPacks,
  pushReviews,
  type ReviewPushOutcome,
  setLegalHold,
  verifyArchived,
} from './archive/index.js';

// RFC 3161 time-stamping of packs and of the chain head.
export {
  type AnchorLogOptions,
  type AnchorLogResult,
  type AnchorPackResult,
  anchorLog,
  anchorPack,
  type RecordOptions,
  type TsaOptions,
} from './anchor/index.js';

// Pack review: dispositions of findings, DRAFT → PENDING_REVIEW → APPROVED (four eyes, countersigned).
export {
  type DayStatus,
  type DispositionInput,
  type DispositionResult,
  dispositionsFromCsv,
  parseDisposition,
  recordDispositions,
  type ReviewOptions,
  reviewStatus,
  reviewTransition,
  type TransitionRequest,
  type TransitionResult,
  type VersionStatus,
} from './review-flow/index.js';
