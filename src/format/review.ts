/**
 * The review record's format, written once (docs/FORMAT.md, "Review records"): where a pack's
 * review record lives beside the immutable pack, the states and the only transitions between them,
 * the record line's fields in their order, the chained events, and the exact bytes an approver's
 * countersignature covers. The workflow writes through these and verify checks against them.
 */

/** Format name of a review record line. */
export const REVIEW_FORMAT = 'auditpack-review/1';
/** The artifacts directory's subdirectory holding every review record (never a pack name). */
export const REVIEWS_DIR = 'reviews';
/** SSHSIG namespace of an approval: distinct from the pack signature's `auditpack`. */
export const REVIEW_NAMESPACE = 'auditpack-review';
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
/** A finding id a record can hold (compliance ids are `<rule>:<seq>[:<n>]` or `<rule>:eod:<date>`). */
export const FINDING_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;
/** Longest reason kept, in characters. */
export const MAX_REASON_CHARS = 2000;

/** What the approval line records of its countersignature. */
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
  transition: Object.freeze([...HEAD_KEYS, 'action', 'from', 'to', 'reason', 'approval', 'prev']),
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
  if (line.kind === 'transition' && line.approval !== null) {
    const a: Record<string, unknown> = {};
    for (const k of APPROVAL_KEYS) a[k] = line.approval[k];
    o.approval = a;
  }
  return JSON.stringify(o);
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
    `record_seq: ${m.recordSeq}`,
    `record_prev: ${m.recordPrev}`,
  ];
  const sorted = [...m.dispositions].sort((a, b) =>
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
  return `${lines.join('\n')}\n`;
}

/** The pack's report.html with the review section, beside the record (not part of the pack). */
export function reviewedPagePath(packDate: string, manifestSha256: string): string {
  return `${REVIEWS_DIR}/${packDate}/${manifestSha256}.report.html`;
}
