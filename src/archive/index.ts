/**
 * The off-machine archive: packs in S3 Object Lock (COMPLIANCE mode) storage, pushed once,
 * proven there, verified later, pulled back, put on legal hold. The S3 client is loaded only when
 * an archive operation runs.
 */
export { ArchiveStore, loadS3Sdk, scrubSecrets, type ObjectFacts, type VersionEntry } from './client.js';
export { objectKey, dateOfKey, retainUntilOf } from './keys.js';
export {
  ARCHIVE_LEDGER,
  readArchiveLedger,
  archivedCheckFromLedger,
  type ArchivedCheck,
  type LedgerEntry,
  type LedgerEvent,
} from './ledger.js';
export {
  pushPacks,
  localPackDates,
  META as ARCHIVE_METADATA,
  type ArchiveOptions,
  type PushOptions,
  type PushOutcome,
} from './push.js';
export { pushReviews, type ReviewPushOutcome } from './review-push.js';
export type { ArchivedReviewState } from './review-verify.js';
export {
  verifyArchived,
  type ArchiveVerifyOptions,
  type ArchiveVerifyReport,
  type ArchiveProblem,
  type ArchiveProblemCode,
  type CheckedVersion,
} from './verify.js';
export {
  initArchive,
  listArchive,
  pullPack,
  setLegalHold,
  type InitResult,
  type ListedVersion,
  type PullResult,
  type HoldResult,
} from './ops.js';
