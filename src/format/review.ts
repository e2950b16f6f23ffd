/**
 * The review record's format, written once (docs/FORMAT.md, "Review records"): where a pack's
 * review record lives beside the immutable pack, the states and the only transitions between them,
 * the record line's fields in their order, the chained events, and the exact bytes an approver's
 * countersignature covers. The workflow writes through these and verify checks against them.
 */

/** Format name of a review record line. */
export const REVIEW_FORMAT = 'auditpack-review/2';
/** The artifacts directory's subdirectory holding every review record (never a pack name). */
export const REVIEWS_DIR = 'reviews';
/** SSHSIG namespace of an approval: distinct from the pack signature's `auditpack`. */
export const REVIEW_NAMESPACE = 'auditpack-review';
/**
 * SSHSIG namespace of a submission: distinct from an approval's, so a submitter's signature can
 * never stand as an approval (and an allowed_signers entry says which role a key may sign for).
 */
export const SUBMIT_NAMESPACE = 'auditpack-review-submit';
/** The audit-chain category of review events. */
export const REVIEW_CATEGORY = 'review';
/** The chained event of a disposition. */
export const DISPOSITION_EVENT = 'FindingDisposed';

/** A pack version's review state. DRAFT until something is recorded. */
export type ReviewState = 'DRAFT' | 'PENDING_REVIEW' | 'APPROVED' | 'REJECTED';

/** A transition a reviewer asks for. */
export type ReviewAction = 'submit' | 'approve' | 'reject' | 'reopen';

/** The only transitions there are: anything else is refused (and, in a record, a finding). */
export const TRANSITIONS: Readonly<Record<ReviewAction, { from: ReviewState; to: ReviewState; event: string }>> =
  Object.freeze({
    submit: Object.freeze({ from: 'DRAFT', to: 'PENDING_REVIEW', event: 'ReviewSubmitted' }),
    approve: Object.freeze({ from: 'PENDING_REVIEW', to: 'APPROVED', event: 'ReviewApproved' }),
    reject: Object.freeze({ from: 'PENDING_REVIEW', to: 'REJECTED', event: 'ReviewRejected' }),
    reopen: Object.freeze({ from: 'REJECTED', to: 'DRAFT', event: 'ReviewReopened' }),
  } as const);

/** What a reviewer decided about one compliance finding. */
export type DispositionKind = 'false_positive' | 'accepted' | 'escalated';
export const DISPOSITION_KINDS: readonly DispositionKind[] = Object.freeze(['false_positive', 'accepted', 'escalated']);

/** An actor or reviewer identity: an allowed_signers principal (no spaces, quotes or commas). */
export const ACTOR_PATTERN = /^[A-Za-z0-9._@+-]{1,128}$/;
/**
 * The form in which four eyes compares two actor names (the submitter's and the approver's): Unicode
 * NFKC, case-folded (upper- then lower-cased, so `ß` meets `SS`), trimmed. `alice@desk` and
 * `ALICE@desk` are one person: a name compared byte for byte let her approve her own submission under
 * another spelling. The records keep the names as typed; only the comparison folds them.
 */
export function actorKey(actor: string): string {
  return actor.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').trim();
}

/** Whether two actor names name one person for four eyes (actorKey); a missing name matches nothing. */
export function sameActor(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && actorKey(a) === actorKey(b);
}

/** A finding id a record can hold (compliance ids are `<rule>:<seq>[:<n>]` or `<rule>:eod:<date>`). */
export const FINDING_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;
/** Longest reason kept, in characters. */
export const MAX_REASON_CHARS = 2000;

/** What a submission or approval line records of its signature. */
export interface ApprovalFacts {
  readonly message_sha256: string;
  readonly signature_sha256: string;
  readonly key_fingerprint: string;
}

/** Fields every record line has, in this order, before its kind's. */
export interface LineHead {
  readonly format: typeof REVIEW_FORMAT;
  readonly seq: number;
  readonly at: string;
  readonly pack_date: string;
  readonly manifest_sha256: string;
  readonly actor: string;
}

/** A transition line. */
export interface TransitionLine extends LineHead {
  readonly kind: 'transition';
  readonly action: ReviewAction;
  readonly from: ReviewState;
  readonly to: ReviewState;
  readonly reason: string | null;
  /** On a submission (only): the submitter's signature over the submission message. */
  readonly submission: ApprovalFacts | null;
  /** On an approval (only): the approver's countersignature over the approval message. */
  readonly approval: ApprovalFacts | null;
  readonly prev: string;
}

/** A disposition line. */
export interface DispositionLine extends LineHead {
  readonly kind: 'disposition';
  readonly finding_id: string;
  readonly disposition: DispositionKind;
  readonly reason: string | null;
  readonly reviewer: string;
  readonly review_date: string;
  readonly source: 'command' | 'csv';
  readonly prev: string;
}

export type ReviewLine = TransitionLine | DispositionLine;

const HEAD_KEYS = ['format', 'seq', 'at', 'pack_date', 'manifest_sha256', 'actor', 'kind'] as const;
/** Every record line's keys, in order: the line is the canonical JSON.stringify of them. */
export const LINE_KEYS: Readonly<Record<ReviewLine['kind'], readonly string[]>> = Object.freeze({
  transition: Object.freeze([...HEAD_KEYS, 'action', 'from', 'to', 'reason', 'submission', 'approval', 'prev']),
  disposition: Object.freeze([
    ...HEAD_KEYS,
    'finding_id',
    'disposition',
    'reason',
    'reviewer',
    'review_date',
    'source',
    'prev',
  ]),
});
const APPROVAL_KEYS = ['message_sha256', 'signature_sha256', 'key_fingerprint'] as const;

/** The record line's bytes (without the newline): keys in the order of LINE_KEYS. */
export function renderReviewLine(line: ReviewLine): string {
  const o: Record<string, unknown> = {};
  for (const k of LINE_KEYS[line.kind]) o[k] = (line as unknown as Record<string, unknown>)[k];
  if (line.kind === 'transition') {
    if (line.submission !== null) o.submission = factsInOrder(line.submission);
    if (line.approval !== null) o.approval = factsInOrder(line.approval);
  }
  return JSON.stringify(o);
}

function factsInOrder(f: ApprovalFacts): Record<string, unknown> {
  const a: Record<string, unknown> = {};
  for (const k of APPROVAL_KEYS) a[k] = f[k];
  return a;
}

/** Where a pack version's record lives, relative to the artifacts directory. */
export function reviewRecordPath(packDate: string, manifestSha256: string): string {
  return `${REVIEWS_DIR}/${packDate}/${manifestSha256}.jsonl`;
}

/** The approval's signed message, beside the record. */
export function approvalMessagePath(packDate: string, manifestSha256: string): string {
  return `${REVIEWS_DIR}/${packDate}/${manifestSha256}.approval.txt`;
}

/** The approval's SSHSIG signature file (`ssh-keygen -Y verify -n auditpack-review`). */
export function approvalSignaturePath(packDate: string, manifestSha256: string): string {
  return `${approvalMessagePath(packDate, manifestSha256)}.sig`;
}

/**
 * A submission's signed message, beside the record. Named by the submit line's seq: a pack
 * rejected, reopened and submitted again keeps every submission's files (never overwritten).
 */
export function submissionMessagePath(packDate: string, manifestSha256: string, seq: number): string {
  return `${REVIEWS_DIR}/${packDate}/${manifestSha256}.submit-${seq}.txt`;
}

/** The submission's SSHSIG signature file (`ssh-keygen -Y verify -n auditpack-review-submit`). */
export function submissionSignaturePath(packDate: string, manifestSha256: string, seq: number): string {
  return `${submissionMessagePath(packDate, manifestSha256, seq)}.sig`;
}

/** File names a day's review directory may hold (the record, the reviewed page, signed messages). */
export const REVIEW_FILE_PATTERN =
  /^([0-9a-f]{64})(\.jsonl|\.approval\.txt|\.approval\.txt\.sig|\.report\.html|\.submit-[1-9][0-9]{0,8}\.txt(?:\.sig)?)$/;

/**
 * A record in the WORM archive (relative to the archive prefix): its first `lines` lines, one
 * immutable object per length, so every later transition is a new object and a locked one is
 * never written again. Each is a prefix of the next; the longest is the record as archived.
 */
export function archivedRecordPath(packDate: string, manifestSha256: string, lines: number): string {
  return `${REVIEWS_DIR}/${packDate}/${manifestSha256}.lines-${lines}.jsonl`;
}

/** What an archived review object's path (relative to the prefix) is: a record prefix or a signed file. */
export const ARCHIVED_REVIEW_PATTERN =
  /^reviews\/(\d{4}-\d{2}-\d{2})\/([0-9a-f]{64})(?:\.lines-([1-9][0-9]{0,8})\.jsonl|\.approval\.txt(?:\.sig)?|\.submit-[1-9][0-9]{0,8}\.txt(?:\.sig)?)$/;

/** One disposition as the approval message lists it. */
export interface DispositionInEffect {
  readonly finding_id: string;
  readonly disposition: DispositionKind;
  readonly reason: string | null;
  readonly reviewer: string;
  readonly review_date: string;
}

/** What the approver's countersignature covers. */
export interface ApprovalMessage {
  readonly packDate: string;
  readonly manifestSha256: string;
  /** SHA-256 of the pack's tagmanifest-sha256.txt: it covers every byte of the pack. */
  readonly tagmanifestSha256: string;
  readonly approver: string;
  readonly submitter: string;
  /** Fingerprint (`SHA256:…`) of the key that signed the submission in force. */
  readonly submitterKey: string;
  /** The approval line's seq and the hash of the record line before it: the whole record so far. */
  readonly recordSeq: number;
  readonly recordPrev: string;
  /** The dispositions in force, one per finding (the last recorded), sorted by finding id. */
  readonly dispositions: readonly DispositionInEffect[];
}

/**
 * The exact bytes an approver signs: `Label: value` lines, `\n`-terminated, in this order, then one
 * `disposition: <JSON>` line per finding in force (keys in the order of DispositionInEffect, sorted
 * by finding id as bytes). Re-implementable from docs/FORMAT.md alone.
 */
export function renderApprovalMessage(m: ApprovalMessage): string {
  const lines = [
    `${REVIEW_FORMAT} approval`,
    `pack_date: ${m.packDate}`,
    `manifest_sha256: ${m.manifestSha256}`,
    `tagmanifest_sha256: ${m.tagmanifestSha256}`,
    `approver: ${m.approver}`,
    `submitter: ${m.submitter}`,
    `submitter_key: ${m.submitterKey}`,
    `record_seq: ${m.recordSeq}`,
    `record_prev: ${m.recordPrev}`,
  ];
  return `${[...lines, ...dispositionLines(m.dispositions)].join('\n')}\n`;
}

/** What a submitter signs: the pack version, its tag manifest, the record so far and the dispositions in force. */
export interface SubmissionMessage {
  readonly packDate: string;
  readonly manifestSha256: string;
  readonly tagmanifestSha256: string;
  readonly submitter: string;
  /** The submit line's seq and prev. */
  readonly recordSeq: number;
  readonly recordPrev: string;
  readonly dispositions: readonly DispositionInEffect[];
}

/** The exact bytes a submitter signs: as the approval message, with its own first line and no approver. */
export function renderSubmissionMessage(m: SubmissionMessage): string {
  const lines = [
    `${REVIEW_FORMAT} submission`,
    `pack_date: ${m.packDate}`,
    `manifest_sha256: ${m.manifestSha256}`,
    `tagmanifest_sha256: ${m.tagmanifestSha256}`,
    `submitter: ${m.submitter}`,
    `record_seq: ${m.recordSeq}`,
    `record_prev: ${m.recordPrev}`,
  ];
  return `${[...lines, ...dispositionLines(m.dispositions)].join('\n')}\n`;
}

function dispositionLines(dispositions: readonly DispositionInEffect[]): string[] {
  const lines: string[] = [];
  const sorted = [...dispositions].sort((a, b) =>
    a.finding_id < b.finding_id ? -1 : a.finding_id > b.finding_id ? 1 : 0,
  );
  for (const d of sorted) {
    const o = {
      finding_id: d.finding_id,
      disposition: d.disposition,
      reason: d.reason,
      reviewer: d.reviewer,
      review_date: d.review_date,
    };
    lines.push(`disposition: ${JSON.stringify(o)}`);
  }
  return lines;
}

/** The pack's report.html with the review section, beside the record (not part of the pack). */
export function reviewedPagePath(packDate: string, manifestSha256: string): string {
  return `${REVIEWS_DIR}/${packDate}/${manifestSha256}.report.html`;
}
