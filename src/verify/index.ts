/**
 * Verification of logs, packs and archives. Every function returns a report and keeps
 * going after the first problem; it throws only when the check cannot run at all.
 */
export { verifyLog, verifyLogDir, type ChainSummary, type LogReport, type VerifyLogOptions } from './log.js';
export { verifyPack } from './pack.js';
export type { PackReport, VerifyPackOptions } from './pack-report.js';
export type { ManifestSummary } from './pack-facts.js';
export { verifyArchive, type VerifyArchiveOptions } from './archive.js';
export { verifyPath, detectPathKind, type PathKind } from './path.js';
export { verifyRollup, type RollupReport, type VerifyRollupOptions } from './rollup.js';
export { verifyRollupDir } from './rollup-dir.js';
export type { TimestampCheckOptions } from './timestamps.js';
export {
  MAX_FINDINGS_PER_CODE,
  type Problem,
  type ProblemCode,
  type Severity,
  type VerifyKind,
  type VerifyReport,
  type ArchiveEvidence,
  type RollupEvidence,
} from './report.js';
