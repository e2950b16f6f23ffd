/**
 * Review records (docs/FORMAT.md, "Review records"): reading a pack version's record, checking
 * its countersignature and holding it against the chained review events. Verify imports this; the
 * workflow that writes records (src/review-flow) sits above verify.
 */
export { checkApproval, expectedApprovalMessage, signerMatches, type ReviewSigner } from './approval.js';
export { checkSubmissions, expectedSubmissionMessage, keysUnderTwoNames } from './submission.js';
export {
  checkReviews,
  tagmanifestSha,
  type CheckReviewsOptions,
  type ReviewCheck,
  type ReviewedPack,
} from './check.js';
export {
  compareWithEvents,
  eventNameOf,
  liveReviewEvents,
  MAX_LIVE_REVIEW_EVENTS,
  MAX_PACK_REVIEW_EVENTS,
  KeptLast,
  ReviewEventTap,
  type EventRoom,
  type EvidenceScope,
  type LiveReviewEvents,
  type ReviewEvent,
} from './events.js';
export type { ReviewProblem, ReviewProblemCode } from './problems.js';
export {
  dispositionOf,
  dispositionsBefore,
  emptyRecord,
  isActor,
  MAX_RECORD_BYTES,
  parseReviewRecord,
  readReviewRecord,
  type ReviewRecord,
} from './record.js';
export { renderReviewedPage } from './page.js';
