/**
 * What a review record check can find (docs/errors.md, "Review records"). Values, never thrown:
 * verify adds them to its report; the workflow refuses to write on a record that has any error.
 */

/** Stable finding codes of review records. Public API: added, never renamed. */
export type ReviewProblemCode =
  | 'REVIEW_STATE'
  | 'REVIEW_RECORD_INVALID'
  | 'REVIEW_APPROVAL_INVALID'
  | 'REVIEW_APPROVER_UNTRUSTED'
  | 'REVIEW_SIGNER_NOT_CHECKED'
  | 'REVIEW_SIGNERS_UNPINNED'
  | 'REVIEW_EVENT_MISMATCH'
  | 'REVIEW_AWAITING_EVIDENCE'
  | 'REVIEW_PACK_MISSING'
  | 'REVIEW_EVENTS_NOT_CHECKED'
  | 'REVIEW_PAGE_MISMATCH'
  | 'REVIEW_SUBMISSION_INVALID'
  | 'REVIEW_SUBMITTER_UNTRUSTED'
  | 'REVIEW_SIGNERS_AMBIGUOUS'
  | 'REVIEW_LIVE_LOG_UNCHECKED'
  | 'REVIEW_PACK_LOG_UNCHECKED';

/** One finding about a review record; `file` is relative to the artifacts directory. */
export interface ReviewProblem {
  readonly code: ReviewProblemCode;
  readonly severity: 'error' | 'warning' | 'info';
  readonly file: string;
  readonly line?: number;
  readonly detail: string;
}
