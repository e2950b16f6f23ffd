/**
 * Dumps with a prefix of any width on every line (rules 20, part 8): `xxd -p` hex behind a log
 * prefix (`2026-12-01T10:00:00Z app: 3082…`, `> `, a line number), and `od -j N` / `hexdump -s N`
 * fragments (a dump that starts inside the key's structure) behind one. The readers of part 6
 * follow a prefix of the first line's width only, and `xxd -p`'s hex run and a fragment's first
 * offset were read at a line's start only; a prefix broke the run per line. Rather than teach every
 * reader prefixes, the text is read through a view with each line's prefix taken away: the line
 * from its first token (one that starts the line or follows a blank, within PREFIX_MAX characters)
 * that starts a dump line: an offset (6 to 8 hex digits, a `:` or not, a blank, a hex digit) or an
 * `xxd -p` line (one run of an even number of hex digits to the line's end). A line with no such
 * token is kept whole. The readers run on the view; each key they find is censored line by line in
 * the text, so the prefixes and the line breaks stay.
 *
 * Only ever more: the raw passes ran on the text before this one. Linear: a line costs at most
 * PREFIX_MAX characters of token starts and one read of each token; the view is built only when at
 * least two lines had a prefix taken away before an offset, or before `xxd -p` hex holding a key's
 * version INTEGER (`020100`, `020101`: a listing of digests behind log prefixes is not read), and
 * each reader is linear on it.
 */

import { derHexKeyEnd } from './der-hex.js';
import { isAlnumCode } from './der-key.js';
import { plainDumpKeySpans, xxdDumpKeySpans } from './der-xxd.js';
import { hexRunsKeySpans } from './hex-runs.js';
import { isHexDigit } from './chars.js';

/** The longest per-line prefix taken away (a syslog line's time, host and tag; an ISO time and a tag). */
const PREFIX_MAX = 96;

/** The shortest text a key in a prefixed dump fits in (an Ed25519 seed's 32 bytes as `xxd -p -s N`, 64 digits: rules 20, part 9). */
export const PREFIXED_DUMP_MIN = 64;

/**
 * The end of the `xxd -p` line's hex from `t` to `le`, or -1: one run of an even number of hex
 * digits, then blanks only, or a quote that closes the message or the JSON record the line is
 * (`… app[42]: 3710…b2" done`, `{"msg":"… app[42]: 3710…b2"}`: a dump's lines each in a record).
 */
function plainHexEnd(s: string, t: number, le: number): number {
  let k = t;
  while (k < le && isHexDigit(s.charCodeAt(k))) k++;
  if (k - t < 2 || (k - t) % 2 !== 0) return -1;
  const c = s.charCodeAt(k);
  if (c === 34 || c === 39) return k;
  while (k < le && (s.charCodeAt(k) === 32 || s.charCodeAt(k) === 9 || s.charCodeAt(k) === 13)) k++;
  return k === le ? le : -1;
}

/** Whether an offset starts at `t`: 6 to 8 hex digits, `:` or not, one or two blanks, a hex digit. */
function isOffsetAt(s: string, t: number, le: number): boolean {
  let k = t;
  while (k < le && k - t < 9 && isHexDigit(s.charCodeAt(k))) k++;
  if (k - t < 6 || k - t > 8) return false;
  if (s.charCodeAt(k) === 58) k++;
  if (s.charCodeAt(k) !== 32) return false;
  k++;
  if (s.charCodeAt(k) === 32) k++;
  return k < le && isHexDigit(s.charCodeAt(k));
}

/** Whether the last dumpStart found an `xxd -p` line (else an offset), and where its dump ends (the line's end, or its hex's before a quote). */
let HEX_LINE = false;
let DUMP_END = 0;

/**
 * Where the dump in the line [ls, le) starts after a prefix, or `ls` (no prefix, or no dump line).
 * An offset starts after a blank; an `xxd -p` line's hex after any character that is no letter or
 * digit too: the first line of a dump that the message opens (`app[42]: key:"302e…`, `key=302e…`,
 * `[302e…`), whose next lines carry the prefix alone.
 */
function dumpStart(s: string, ls: number, le: number): number {
  const last = Math.min(le, ls + PREFIX_MAX);
  for (let t = ls; t < last; t++) {
    const p = t > ls ? s.charCodeAt(t - 1) : 32;
    if (!isHexDigit(s.charCodeAt(t)) || isAlnumCode(p)) continue;
    HEX_LINE = false;
    DUMP_END = le;
    if ((p === 32 || p === 9) && isOffsetAt(s, t, le)) return t;
    HEX_LINE = true;
    DUMP_END = plainHexEnd(s, t, le);
    if (DUMP_END !== -1) return t;
  }
  DUMP_END = le;
  return ls;
}

/**
 * A private key's version INTEGER as plain hex (`02 01 00`, SEC1's `02 01 01`): a text whose
 * prefixed lines are `xxd -p` hex is read only when one of them holds it (a digest listing is not).
 */
const VERSION_HEX = '02010';

/** After the offset at the line start `a` (its digits, `:`, blanks) when there is one, else `a`. */
function afterOffset(v: string, a: number, le: number): number {
  if (!isOffsetAt(v, a, le)) return a;
  let k = a;
  while (isHexDigit(v.charCodeAt(k))) k++;
  if (v.charCodeAt(k) === 58) k++;
  while (v.charCodeAt(k) === 32) k++;
  return k;
}

/** A text with its lines' prefixes taken away: the view and, for each of its characters, the offset in the text. */
interface View {
  readonly text: string;
  readonly at: Int32Array;
}

/**
 * The view of `s` with each line's prefix taken away, or null unless two lines had one before an
 * offset, or two before `xxd -p` hex with a key's version among them.
 */
function strippedView(s: string): View | null {
  const starts: number[] = [];
  let offsets = 0;
  let hexLines = 0;
  let version = false;
  // The next VERSION_HEX from the line being read (searched again only once passed): linear.
  let nextVersion = -1;
  let width = -1;
  let runs = false;
  for (let ls = 0; ls <= s.length; ) {
    let le = s.indexOf('\n', ls);
    if (le === -1) le = s.length;
    const p = dumpStart(s, ls, le);
    const de = DUMP_END;
    if (p > ls && !HEX_LINE) offsets++;
    else if (p > ls) {
      hexLines++;
      // Two hex lines in a row, the second no wider (rules 20, part 9: `xxd -p -s N`, no version to see).
      runs ||= de - p <= width && width >= 32;
      width = de - p;
      if (!version && nextVersion !== -2 && nextVersion < p) nextVersion = s.indexOf(VERSION_HEX, p);
      if (nextVersion === -1) nextVersion = -2;
      version ||= nextVersion >= p && nextVersion < de;
    }
    if (p === ls || HEX_LINE === false) width = -1;
    starts.push(p, de, le);
    ls = le + 1;
  }
  if (offsets < 2 && !(hexLines >= 2 && (version || runs))) return null;
  const at = new Int32Array(s.length + 1);
  const parts: string[] = [];
  let n = 0;
  for (let k = 0; k < starts.length; k += 3) {
    const p = starts[k] as number;
    const de = starts[k + 1] as number;
    const le = starts[k + 2] as number;
    // The line from its dump's start to its end, and its line break (the text's end for the last line).
    for (let i = p; i < de; i++) at[n++] = i;
    at[n++] = le;
    parts.push(s.slice(p, de), le < s.length ? '\n' : '');
  }
  return { text: parts.join(''), at };
}

/**
 * The hex DER keys in `v` that start a token (`xxd -p`'s lines, which the shapes pass reads from a
 * token's start): [start, end) pairs. Linear: a candidate costs 24 reads, a key is passed over.
 */
export function hexRunKeySpans(v: string, spans: number[]): void {
  for (let q = v.indexOf('30'); q !== -1; q = v.indexOf('30', q + 1)) {
    const p = q > 0 ? v.charCodeAt(q - 1) | 32 : 32;
    if ((p >= 48 && p <= 57) || (p >= 97 && p <= 122)) continue;
    const end = derHexKeyEnd(v, q);
    if (end === -1) continue;
    spans.push(q, end);
    q = end - 1;
  }
}

/**
 * The private keys in the dumps of `s` whose lines carry a prefix, as [start, end) pairs in `s`:
 * one pair for each line's part of a key (the prefixes and line breaks between are not in them).
 * Empty for a text of one line or with fewer than two prefixed dump lines.
 */
export function prefixedDumpKeySpans(s: string): number[] {
  const out: number[] = [];
  if (s.length < PREFIXED_DUMP_MIN || !s.includes('\n')) return out;
  const view = strippedView(s);
  if (view === null) return out;
  const v = view.text;
  const found = xxdDumpKeySpans(v);
  for (const x of plainDumpKeySpans(v)) found.push(x);
  hexRunKeySpans(v, found);
  for (const x of hexRunsKeySpans(v)) found.push(x);
  for (let k = 0; k < found.length; k += 2) {
    const end = found[k + 1] as number;
    // Each line's part of the span [a, end), mapped to the text.
    for (let a = found[k] as number, first = true; a < end; first = false) {
      let b = v.indexOf('\n', a);
      if (b === -1 || b > end) b = end;
      // A later line keeps its offset, as a dump this redactor emptied shows (der-xxd.ts afterEmptiedLine).
      const from = first ? a : afterOffset(v, a, b);
      if (b > from) out.push(view.at[from] as number, (view.at[b - 1] as number) + 1);
      a = b + 1;
    }
  }
  return out;
}
