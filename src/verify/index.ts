/**
 * Verification of logs, packs and archives (issue 5). Every function returns a report and keeps
 * going after the first problem; it throws only when the check cannot run at all.
 */
export { verifyLog, verifyLogDir, type ChainSummary, type LogReport, type VerifyLogOptions } from './log.js';
export { MAX_FINDINGS_PER_CODE, type Problem, type ProblemCode, type Severity, type VerifyKind, type VerifyReport } from './report.js';
