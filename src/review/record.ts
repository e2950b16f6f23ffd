/**
 * Reading a pack version's review record (docs/FORMAT.md, "Review records"): an append-only JSONL
 * file beside the immutable pack, each line canonical and linked to the one before by SHA-256.
 * The file is attacker-controlled: a line that is not exactly what the writer writes, a broken
 * link, or a transition the state machine forbids is a finding, and nothing after it is trusted.
 */
import { lstat } from 'node:fs/promises';
import { isNotRegularFile, readRegular } from '../fsx/regular.js';
import { join } from 'node:path';
import { GENESIS_HASH, hashLine, isHashHex } from '../chain/index.js';
import {
  ACTOR_PATTERN,
  DISPOSITION_KINDS,
  type DispositionInEffect,
  FINDING_ID_PATTERN,
  type DispositionLine,
  LINE_KEYS,
  MAX_REASON_CHARS,
  REVIEW_FORMAT,
  type ReviewLine,
  type ReviewState,
  renderReviewLine,
  reviewRecordPath,
  TRANSITIONS,
  type TransitionLine,
} from '../format/review.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';
import type { ReviewProblem } from './problems.js';

/** A record is a few lines per action; anything far larger is refused unread. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A pack version's review, as its record says. */
export interface ReviewRecord {
  readonly packDate: string;
  readonly manifestSha256: string;
  /** Relative to the artifacts directory. */
  readonly file: string;
  /** The lines that read as valid, in order (a record stops being read at its first bad line). */
  readonly lines: readonly ReviewLine[];
  /** SHA-256 of each valid line's bytes (without the newline). */
  readonly lineHashes: readonly string[];
  readonly state: ReviewState;
  /** Actor of the submission in force (the last `submit`), if any. */
  readonly submitter: string | undefined;
  /** The submission in force (the last `submit` line), if any: its facts name the submitter's key. */
  readonly submission: TransitionLine | undefined;
  /** The last disposition of each finding. */
  readonly dispositions: ReadonlyMap<string, DispositionInEffect>;
  /** The approval line, when approved. */
  readonly approval: TransitionLine | undefined;
  /** Hash of the last valid line (the next line's `prev`), GENESIS_HASH when empty. */
  readonly head: string;
  readonly problems: readonly ReviewProblem[];
}

/** An empty record: a pack version nobody has acted on is a DRAFT. */
export function emptyRecord(packDate: string, manifestSha256: string): ReviewRecord {
  return interpret(packDate, manifestSha256, [], []);
}

/**
 * Reads the record of a pack version, or undefined when there is none (a DRAFT). Throws only when
 * the file exists and cannot be read at all.
 */
export async function readReviewRecord(
  artifactsDir: string,
  packDate: string,
  manifestSha256: string,
): Promise<ReviewRecord | undefined> {
  const file = reviewRecordPath(packDate, manifestSha256);
  const path = join(artifactsDir, file);
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (st === undefined) return undefined;
  const bad = (detail: string): ReviewRecord =>
    interpret(packDate, manifestSha256, [], [{ code: 'REVIEW_RECORD_INVALID', severity: 'error', file, detail }]);
  if (!st.isFile()) return bad('not a regular file; never followed');
  if (st.size > MAX_RECORD_BYTES) return bad(`larger than ${MAX_RECORD_BYTES} bytes; not read`);
  // Read as lstat saw it: a FIFO or link swapped in meanwhile is refused, never waited on or followed.
  let bytes: Buffer;
  try {
    bytes = await readRegular(path);
  } catch (err) {
    if (isNotRegularFile(err)) return bad('not a regular file; never followed');
    throw err;
  }
  return parseReviewRecord(bytes, packDate, manifestSha256);
}

/** Parses a record's bytes (see readReviewRecord). */
export function parseReviewRecord(bytes: Buffer, packDate: string, manifestSha256: string): ReviewRecord {
  const file = reviewRecordPath(packDate, manifestSha256);
  const problems: ReviewProblem[] = [];
  const lines: ReviewLine[] = [];
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    problems.push({ code: 'REVIEW_RECORD_INVALID', severity: 'error', file, detail: 'not UTF-8' });
    return interpret(packDate, manifestSha256, lines, problems);
  }
  const raw = text.split('\n');
  if (raw[raw.length - 1] === '') raw.pop();
  else if (raw.length > 0) {
    problems.push({
      code: 'REVIEW_RECORD_INVALID',
      severity: 'error',
      file,
      line: raw.length,
      detail: 'the last line has no newline (a write cut off, or bytes appended)',
    });
    raw.pop();
  }
  for (const [i, s] of raw.entries()) {
    const why = lineProblem(s, i + 1, packDate, manifestSha256);
    if (typeof why === 'string') {
      problems.unshift({ code: 'REVIEW_RECORD_INVALID', severity: 'error', file, line: i + 1, detail: why });
      break;
    }
    lines.push(why);
  }
  return interpret(packDate, manifestSha256, lines, problems);
}

/** The line parsed, or why it is not a valid record line (links and states are checked later). */
function lineProblem(s: string, seq: number, packDate: string, sha: string): ReviewLine | string {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    return 'not JSON';
  }
  const o = v as Record<string, unknown>;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return 'not a JSON object';
  if (o.format !== REVIEW_FORMAT) return `format is not ${REVIEW_FORMAT}`;
  if (o.kind !== 'transition' && o.kind !== 'disposition') return 'kind is neither transition nor disposition';
  if (o.seq !== seq) return `seq is ${JSON.stringify(o.seq)}, expected ${seq}`;
  if (typeof o.at !== 'string' || !ISO_UTC.test(o.at) || Number.isNaN(Date.parse(o.at))) return 'at is not an ISO time';
  if (o.pack_date !== packDate) return `pack_date is not ${packDate} (the record's place)`;
  if (o.manifest_sha256 !== sha) return "manifest_sha256 is not the pack version's (the record's file name)";
  if (!isActor(o.actor)) return 'actor is not an identity';
  if (!isHashHex(o.prev)) return 'prev is not a SHA-256';
  if (!isReason(o.reason)) return `reason is neither null nor text of at most ${MAX_REASON_CHARS} characters`;
  const shape = o.kind === 'transition' ? transitionShape(o) : dispositionShape(o);
  if (shape !== undefined) return shape;
  const line = o as unknown as ReviewLine;
  if (renderReviewLine(line) !== s) return `not in canonical form (keys ${LINE_KEYS[line.kind].join(', ')})`;
  return line;
}

function transitionShape(o: Record<string, unknown>): string | undefined {
  const t = TRANSITIONS[o.action as keyof typeof TRANSITIONS];
  if (typeof o.action !== 'string' || !Object.hasOwn(TRANSITIONS, o.action) || t === undefined)
    return 'action is not submit, approve, reject or reopen';
  if (o.from !== t.from || o.to !== t.to) return `a ${o.action} goes from ${t.from} to ${t.to}`;
  if (o.action === 'reject' && o.reason === null) return 'a rejection without a reason';
  const signed = o.action === 'submit' ? 'submission' : o.action === 'approve' ? 'approval' : undefined;
  for (const k of ['submission', 'approval'] as const) {
    if (k === signed) {
      const why = factsShape(o[k]);
      if (why !== undefined) return `${k}: ${why}`;
    } else if (o[k] !== null) return `${k} facts on a line that is no ${k}`;
  }
  return undefined;
}

/** Why a line's signature facts are not what a signed submission or approval records. */
function factsShape(v: unknown): string | undefined {
  const a = v as Record<string, unknown> | null;
  if (a === null || typeof a !== 'object') return 'missing its signature facts';
  if (!isHashHex(a.message_sha256) || !isHashHex(a.signature_sha256)) return 'hashes are not SHA-256';
  if (typeof a.key_fingerprint !== 'string' || !/^SHA256:[A-Za-z0-9+/]{43}$/.test(a.key_fingerprint))
    return 'key_fingerprint is not SHA256:<base64>';
  return undefined;
}

function dispositionShape(o: Record<string, unknown>): string | undefined {
  if (typeof o.finding_id !== 'string' || !FINDING_ID_PATTERN.test(o.finding_id))
    return 'finding_id is not a finding id';
  if (!DISPOSITION_KINDS.includes(o.disposition as DispositionLine['disposition']))
    return `disposition is not one of ${DISPOSITION_KINDS.join(', ')}`;
  if (o.disposition === 'accepted' && o.reason === null) return 'accepted without a reason';
  if (!isActor(o.reviewer)) return 'reviewer is not an identity';
  if (typeof o.review_date !== 'string' || dayNumberOfIsoDate(o.review_date) === undefined)
    return 'review_date is not a date';
  if (o.source !== 'command' && o.source !== 'csv') return 'source is neither command nor csv';
  return undefined;
}

/** True for an actor identity (ACTOR_PATTERN). */
export function isActor(v: unknown): v is string {
  return typeof v === 'string' && ACTOR_PATTERN.test(v);
}

function isReason(v: unknown): boolean {
  return v === null || (typeof v === 'string' && v.length > 0 && v.length <= MAX_REASON_CHARS);
}

/** Follows the links and the state machine over lines already read as valid. */
function interpret(
  packDate: string,
  manifestSha256: string,
  parsed: readonly ReviewLine[],
  problems: ReviewProblem[],
): ReviewRecord {
  const file = reviewRecordPath(packDate, manifestSha256);
  const lines: ReviewLine[] = [];
  const hashes: string[] = [];
  const dispositions = new Map<string, DispositionInEffect>();
  let state: ReviewState = 'DRAFT';
  let head = GENESIS_HASH;
  let submission: TransitionLine | undefined;
  let approval: TransitionLine | undefined;
  let lastAt = '';
  for (const l of parsed) {
    const why = linkProblem(l, head, state, lastAt);
    if (why !== undefined) {
      problems.unshift({ code: 'REVIEW_RECORD_INVALID', severity: 'error', file, line: l.seq, detail: why });
      break;
    }
    if (l.kind === 'disposition') dispositions.set(l.finding_id, dispositionOf(l));
    else {
      state = l.to;
      if (l.action === 'submit') submission = l;
      if (l.action === 'approve') approval = l;
    }
    head = hashLine(renderReviewLine(l));
    lastAt = l.at;
    lines.push(l);
    hashes.push(head);
  }
  return Object.freeze({
    packDate,
    manifestSha256,
    file,
    lines,
    lineHashes: hashes,
    state,
    submitter: submission?.actor,
    submission,
    dispositions,
    approval,
    head,
    problems,
  });
}

function linkProblem(l: ReviewLine, head: string, state: ReviewState, lastAt: string): string | undefined {
  if (l.prev !== head) return 'prev is not the SHA-256 of the line before: a line was edited, removed or inserted';
  if (l.at < lastAt) return 'at goes back in time';
  if (l.kind === 'disposition')
    return state === 'DRAFT' ? undefined : `a disposition recorded in state ${state} (only a DRAFT takes them)`;
  if (l.from !== state) return `a ${l.action} from ${l.from}, but the state is ${state}`;
  return undefined;
}

/** The disposition a line records, as the approval message lists it. */
export function dispositionOf(l: DispositionLine): DispositionInEffect {
  return {
    finding_id: l.finding_id,
    disposition: l.disposition,
    reason: l.reason,
    reviewer: l.reviewer,
    review_date: l.review_date,
  };
}

/** The dispositions in force just before record line `seq` (what a submission at `seq` signed). */
export function dispositionsBefore(record: ReviewRecord, seq: number): DispositionInEffect[] {
  const m = new Map<string, DispositionInEffect>();
  for (const l of record.lines) {
    if (l.seq >= seq) break;
    if (l.kind === 'disposition') m.set(l.finding_id, dispositionOf(l));
  }
  return [...m.values()];
}
