/**
 * What a write cut off by a crash can look like (docs/FORMAT.md, "Torn lines and recovery"): the
 * one test of a fragment, for the writer that recovers it and for every checker that reads it, as
 * an unterminated tail or as a line a TornLineRecovered describes.
 *
 * Threat: bytes appended by hand to the newest day file look like a torn tail to the next writer,
 * which recovers them (it must not stop logging because of bytes someone else wrote). Judged only
 * by the recovery event, they would read as a crash: the checkers judge the bytes themselves.
 */
import { isUtf8 } from 'node:buffer';
import { LINE_HEAD } from './log-line.js';

/** The bound on a line (docs/FORMAT.md, "What makes a line an event", rule 0): 16 MiB, the "\n" not counted. */
export const LINE_BOUND_BYTES = 16 * 1024 * 1024;

const TORN_HEAD = Buffer.from(LINE_HEAD, 'latin1');

/** tornWriteProblem's reason for bytes that do not start as a line starts. */
export const NOT_LINE_START = `it does not start as a log line (${LINE_HEAD})`;

/** tornWriteProblem's reason for bytes that start as a line but not as the writer's head goes on. */
const NOT_WRITERS_HEAD = 'it does not start as the writer starts a line ({"ts":S.ffffff,"iso_ts":"…","seq":N,)';

/** What a fragment is compared with: the event line right before it in its file (rule 2). */
export interface TornWriteLast {
  /** That line's seq: a whole seq in the fragment must be one more. */
  readonly seq: number;
  /** SHA-256 hex of that line's bytes: a whole prev at the fragment's end must be it. */
  readonly hash: string;
}

/**
 * Why `b` (a fragment's bytes; undefined when longer than the bound on a line) cannot be a write
 * cut off by a crash, or undefined when it can (docs/FORMAT.md, "Torn lines and recovery"): within
 * the bound; a prefix of the writer's head up to `"seq":N,` (the bytes present); no byte below
 * 0x20; UTF-8 but for one character cut at the end (a lead byte and fewer continuation bytes than
 * it needs). With `last` (the event line right before the fragment in its file), a whole seq must
 * be last.seq + 1 and a whole `,"prev":"<hex>"}` at the end must name last.hash.
 *
 * Threat: bytes appended by hand (prose, a line of someone else's shape, a whole line with a
 * forged seq or prev, stray bytes at or above 0x80) would otherwise pass as a crash once recovered.
 */
export function tornWriteProblem(b: Buffer | undefined, last?: TornWriteLast): string | undefined {
  if (b === undefined || b.length > LINE_BOUND_BYTES) return 'longer than the bound on a line';
  for (let i = 0; i < Math.min(b.length, TORN_HEAD.length); i++) if (b[i] !== TORN_HEAD[i]) return NOT_LINE_START;
  const head = matchHead(b);
  if (typeof head !== 'string') return head.problem;
  for (let i = 0; i < b.length; i++) if ((b[i] as number) < 0x20) return 'it holds a control byte';
  if (!isUtf8(b) && !endsInCutCharacter(b)) return 'it is not UTF-8';
  return linkProblem(head, prevAtEnd(b), last);
}

/**
 * tornWriteProblem for a fragment that reads as a whole event (the writer's "\n" was cut off), from
 * its facts: `form` as writerForm gives it (src/format/event-line-bytes.ts), its seq and prev, and
 * whether it starts `{"ts":`. The bytes are within the bound, UTF-8 and free of control bytes.
 */
export function tornEventProblem(
  form: number,
  seq: number,
  prev: string,
  startsAsLine: boolean,
  last: TornWriteLast | undefined,
): string | undefined {
  if (!startsAsLine) return NOT_LINE_START;
  if ((form & 1) === 0) return NOT_WRITERS_HEAD;
  return linkProblem(String(seq), (form & 2) === 0 ? undefined : prev, last);
}

/** Rule 2: a whole seq (its digits, '' when cut) and a whole prev at the end against the line before. */
function linkProblem(seq: string, prev: string | undefined, last: TornWriteLast | undefined): string | undefined {
  if (last === undefined) return undefined;
  if (seq !== '' && seq !== String(last.seq + 1))
    return `its seq ${seq} is not one more than the seq ${last.seq} of the line before it`;
  if (prev !== undefined && prev !== last.hash) return 'its prev is not the SHA-256 of the line before it';
  return undefined;
}

/**
 * The writer's head, `{"ts":S.ffffff,"iso_ts":"YYYY-MM-DDTHH:MM:SS.ffffffZ","seq":N,` (src/format/
 * log-line.ts, assembleLine): literal bytes, `#` one decimal digit, `S` and `N` an integer without
 * leading zeros of at most 16 digits (S may be 0, N may not).
 */
const HEAD_SHAPE = ['{"ts":', 'S', '.######,"iso_ts":"####-##-##T##:##:##.######Z","seq":', 'N', ','] as const;
const DIGITS_MAX = 16;

/** The head shape's problem with `b`'s bytes (a fragment may end anywhere), else its seq's digits when whole, else ''. */
function matchHead(b: Buffer): { problem: string } | string {
  let i = 0;
  let seq = '';
  for (const part of HEAD_SHAPE) {
    if (part === 'S' || part === 'N') {
      const start = i;
      while (i < b.length && i - start <= DIGITS_MAX && isDigit(b[i] as number)) i++;
      const n = i - start;
      if (n > DIGITS_MAX || (n > 0 && b[start] === 0x30 && (n > 1 || part === 'N')))
        return { problem: NOT_WRITERS_HEAD };
      if (i === b.length) return '';
      if (n === 0) return { problem: NOT_WRITERS_HEAD };
      if (part === 'N') seq = b.toString('latin1', start, i);
      continue;
    }
    for (let k = 0; k < part.length; k++, i++) {
      if (i === b.length) return '';
      const c = b[i] as number;
      const want = part.charCodeAt(k);
      if (want === 0x23 ? !isDigit(c) : c !== want) return { problem: NOT_WRITERS_HEAD };
    }
  }
  return seq;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Whether `b` is UTF-8 up to a character cut at its end: a lead byte (0xC2-0xF4) followed by fewer
 * continuation bytes than it needs, the first of them in the range Unicode's Table 3-7 allows after
 * that lead (so the cut bytes begin some real character).
 */
function endsInCutCharacter(b: Buffer): boolean {
  let j = b.length - 1;
  while (j >= 0 && b.length - j <= 3 && (b[j] as number) >= 0x80 && (b[j] as number) <= 0xbf) j--;
  if (j < 0) return false;
  const lead = b[j] as number;
  const need =
    lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
  const have = b.length - 1 - j;
  if (have >= need) return false;
  if (have > 0) {
    const c = b[j + 1] as number;
    const lo = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const hi = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    if (c < lo || c > hi) return false;
  }
  return isUtf8(b.subarray(0, j));
}

/** `,"prev":"` and `"}`: how a whole line ends (assembleLine). */
const PREV_KEY = Buffer.from(',"prev":"', 'latin1');
const PREV_TAIL = PREV_KEY.length + 64 + 2;

/** The 64 lowercase hex digits of a `,"prev":"<hex>"}` that `b` ends with, else undefined. */
function prevAtEnd(b: Buffer): string | undefined {
  const o = b.length - PREV_TAIL;
  if (o < 0 || b[b.length - 1] !== 0x7d || b[b.length - 2] !== 0x22) return undefined;
  if (b.compare(PREV_KEY, 0, PREV_KEY.length, o, o + PREV_KEY.length) !== 0) return undefined;
  const h = o + PREV_KEY.length;
  for (let i = h; i < h + 64; i++) {
    const c = b[i] as number;
    if (!(isDigit(c) || (c >= 0x61 && c <= 0x66))) return undefined;
  }
  return b.toString('latin1', h, h + 64);
}

/** Whether `b` starts as every line the writer writes starts (`{"ts":`). */
export function startsAsLine(b: Buffer): boolean {
  // Byte by byte: verify asks it of every event line, and Buffer#compare's argument checks cost
  // more than the six bytes (0.14 µs a line, about 70 ms of a 500,000-line verify's reading thread).
  if (b.length < TORN_HEAD.length) return false;
  for (let i = 0; i < TORN_HEAD.length; i++) if (b[i] !== TORN_HEAD[i]) return false;
  return true;
}
