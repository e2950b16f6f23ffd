/**
 * What every review action needs: where, who, the rules in force, and a locked, consistent view
 * of the current pack and its record.
 */
import { AuditpackError } from '../errors.js';
import { hashLine } from '../chain/index.js';
import { type LineHead, MAX_REASON_CHARS, REVIEW_FORMAT, type ReviewLine, renderReviewLine } from '../format/review.js';
import { lockArtifacts } from '../pack/artifacts-lock.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';
import { compileRedactor } from '../redaction/index.js';
import { emptyRecord, isActor, type ReviewRecord, type ReviewSigner, readReviewRecord } from '../review/index.js';
import { currentPack, type PackVersion } from './pack-version.js';
import type { FindingSeverity } from './rules.js';

/** Options of every review action. */
export interface ReviewOptions {
  readonly artifactsDir: string;
  /** Where the review events are chained. */
  readonly logDir: string;
  /** Who acts: an identity such as `alice@desk` (docs/FORMAT.md, "Actors"). */
  readonly actor: string;
  /** Findings at or above this severity need a disposition before submit/approve (default `warning`). */
  readonly blockingSeverity?: FindingSeverity;
  /** Who may approve; undefined: anyone but the submitter. */
  readonly approvers?: readonly string[] | undefined;
  /** The approvers' keys (allowed_signers, namespace `auditpack-review`); when given, an approval key must be listed for the approver. */
  readonly signers?: readonly ReviewSigner[] | undefined;
  /** Wall clock, epoch ms (tests). */
  readonly now?: () => number;
  /** Clock for the chained events, epoch µs (tests). */
  readonly loggerClock?: () => number;
}

/** The current pack and its record, read under the artifacts lock. */
export interface Locked {
  readonly pack: PackVersion;
  readonly record: ReviewRecord;
  /** The time to record: now, never before the record's last line. */
  readonly at: string;
}

/** Runs `fn` holding the artifacts lock (one writer at a time: export, prune, review). */
export async function withPack<T>(o: ReviewOptions, date: string, fn: (l: Locked) => Promise<T>): Promise<T> {
  checkActor(o.actor);
  checkDate(date);
  const release = await lockArtifacts(o.artifactsDir);
  try {
    const pack = await currentPack(o.artifactsDir, date);
    const record =
      (await readReviewRecord(o.artifactsDir, date, pack.manifestSha256)) ?? emptyRecord(date, pack.manifestSha256);
    const bad = record.problems.find((p) => p.severity === 'error');
    if (bad !== undefined)
      throw new AuditpackError(
        'REVIEW_RECORD_CORRUPT',
        `${record.file}${bad.line === undefined ? '' : ` line ${bad.line}`}: ${bad.detail}; nothing appended (auditpack verify ${o.artifactsDir} says more)`,
        { details: { file: record.file } },
      );
    const now = new Date((o.now ?? Date.now)()).toISOString();
    const last = record.lines[record.lines.length - 1]?.at ?? '';
    return await fn({ pack, record, at: now < last ? last : now });
  } finally {
    release();
  }
}

/** Throws USAGE unless `date` is a real calendar day YYYY-MM-DD (it becomes a path). */
export function checkDate(date: string): void {
  if (typeof date !== 'string' || dayNumberOfIsoDate(date) === undefined)
    throw new AuditpackError('USAGE', `a pack day is YYYY-MM-DD, got ${JSON.stringify(String(date).slice(0, 40))}`);
}

/** Throws USAGE unless `actor` is an identity the log keeps as given. */
export function checkActor(actor: string): void {
  if (!isActor(actor))
    throw new AuditpackError(
      'USAGE',
      `actor ${JSON.stringify(String(actor).slice(0, 64))} is not an identity (letters, digits and . _ @ + -, at most 128): give --actor or AUDITPACK_ACTOR`,
    );
  if (readsAsSecret(actor))
    throw new AuditpackError(
      'USAGE',
      `the actor (${actor.length} characters) reads as a secret to the redaction rules: give --actor or AUDITPACK_ACTOR as a person's or a job's identity`,
    );
}

let redactor: ReturnType<typeof compileRedactor> | undefined;

/**
 * An identity the redaction rules would change (a token in AUDITPACK_ACTOR by mistake: the identity
 * characters are a token's too). The review record keeps an identity as given and the chained event
 * as the logger redacts it, so the record would hand the secret to the auditor and the archive, and
 * verify would find the two different (REVIEW_EVENT_MISMATCH).
 */
export function readsAsSecret(identity: string): boolean {
  redactor ??= compileRedactor();
  return redactor.redactString(identity) !== identity;
}

/** A reason as recorded: redacted (a reason is free text), trimmed, bounded; null when absent. */
export function cleanReason(reason: string | undefined | null): string | null {
  if (reason === undefined || reason === null) return null;
  redactor ??= compileRedactor();
  const r = redactor.redactString(reason.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim());
  if (r === '') return null;
  if (r.length > MAX_REASON_CHARS)
    throw new AuditpackError('USAGE', `a reason is at most ${MAX_REASON_CHARS} characters (got ${r.length})`);
  return r;
}

/** The common head of the next record line. */
export function nextHead(l: Locked, actor: string, offset = 0): LineHead {
  return {
    format: REVIEW_FORMAT,
    seq: l.record.lines.length + 1 + offset,
    at: l.at,
    pack_date: l.pack.date,
    manifest_sha256: l.pack.manifestSha256,
    actor,
  };
}

/** Links lines to the record's head and to each other (sets each `prev`). */
export function linkLines(head: string, lines: readonly ReviewLine[]): ReviewLine[] {
  const out: ReviewLine[] = [];
  let prev = head;
  for (const l of lines) {
    const full = { ...l, prev };
    out.push(full);
    prev = hashLine(renderReviewLine(full));
  }
  return out;
}
