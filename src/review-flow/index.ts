/**
 * The review workflow (docs/FORMAT.md, "Review records"): submit, approve, reject and reopen a
 * day's pack, record dispositions of its compliance findings, and report status with lineage.
 * It sits above verify (a pack must verify to be submitted or approved); the record it writes is
 * read and checked by src/review, below verify.
 */
export type { ReviewOptions } from './context.js';
export {
  dispositionsFromCsv,
  parseDisposition,
  recordDispositions,
  type DispositionInput,
  type DispositionResult,
} from './dispositions.js';
export type { FindingSeverity } from './rules.js';
export { reviewStatus, type DayStatus, type VersionStatus } from './status.js';
export { reviewTransition, type TransitionRequest, type TransitionResult } from './transitions.js';
