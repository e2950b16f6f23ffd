/**
 * A private key's DER as source-code byte literals (rules 20, at39 F2): Java's
 * `new byte[]{(byte)0x30, (byte)0x77, (byte)0x02, …}` and Go's `%#v` of a `[]byte`,
 * `[]byte{0x30, 0x77, 0x2, 0x1, 0x1, 0x4, 0x20, …}` (no leading zero). The `0x%02x` lists without
 * casts are der-hex.ts's. Found, as the other list forms are, from the version INTEGER `0x02, 0x01,`
 * (`0x2, 0x1,`): the header 2-4 literals before it is tried when it is `0x30`, checked by
 * keyLength on 12 bytes decoded, then read to the declared length (or 100 bytes).
 */

import { HEAD, isAlnumCode, keyLength } from './der-key.js';
import { hexAt } from './chars.js';

/** A key read short of its declared length is one only from this many bytes on. */
const PARTIAL_MIN_BYTES = 100;
/** Blanks and line breaks crossed after a comma (a list wrapped and indented). */
const LIST_GAP = 48;
/** Java's cast before a literal. */
const CAST = '(byte)';

/**
 * The version INTEGER as literals, `0x02, 0x01,` or `0x2,0x1,`, the second maybe cast. Bounded
 * repeats and fixed text: a failed try costs at most LIST_GAP reads.
 */
const LITERAL_CUE = /(?<![\w])0[xX]0?2,[\t\n\r ]{0,48}(?:\(byte\)[\t ]{0,2})?0[xX]0?1,/g;

function isBlankCode(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
/** Where the last literalByte's literal ends. */
let NEXT = 0;

/** The byte of the literal at `i` (`0x2`, `0x02`, `(byte)0x30`), its end in NEXT; or -1. */
function literalByte(s: string, i: number): number {
  let j = i;
  if (s.startsWith(CAST, j)) {
    j += CAST.length;
    const from = j;
    while (j - from < 2 && (s.charCodeAt(j) === 32 || s.charCodeAt(j) === 9)) j++;
  }
  if (s.charCodeAt(j) !== 48 || (s.charCodeAt(j + 1) | 32) !== 120) return -1;
  j += 2;
  const hi = hexAt(s, j);
  if (hi < 0) return -1;
  j++;
  let v = hi;
  const lo = hexAt(s, j);
  if (lo >= 0) {
    v = (hi << 4) | lo;
    j++;
  }
  if (isAlnumCode(s.charCodeAt(j))) return -1;
  NEXT = j;
  return v;
}

/** The start of the literal whose `0x` is at `k` (a cast and up to 2 blanks before it included). */
function castStart(s: string, k: number): number {
  let j = k;
  while (k - j < 2 && j > 0 && (s.charCodeAt(j - 1) === 32 || s.charCodeAt(j - 1) === 9)) j--;
  return j >= CAST.length && s.startsWith(CAST, j - CAST.length) ? j - CAST.length : k;
}

/** The start of the literal before the one at `t` (a comma and blanks between), or -1. */
function prevLiteral(s: string, t: number): number {
  let k = t - 1;
  while (k >= 0 && t - k < LIST_GAP && isBlankCode(s.charCodeAt(k))) k--;
  if (k < 0 || s.charCodeAt(k) !== 44) return -1;
  k--;
  const last = k;
  while (k >= 0 && last - k < 2 && hexAt(s, k) >= 0) k--;
  if (k === last || (s.charCodeAt(k) | 32) !== 120 || s.charCodeAt(k - 1) !== 48) return -1;
  const start = castStart(s, k - 1);
  return start > 0 && isAlnumCode(s.charCodeAt(start - 1)) ? -1 : start;
}

/** The end of a literal list holding a private key from its first literal at `at`, or -1. */
function literalKeyEnd(s: string, at: number): number {
  const n = s.length;
  let i = at;
  let got = 0;
  let end = at;
  let bytes = 12;
  while (got < bytes) {
    if (got > 0) {
      if (s.charCodeAt(i) !== 44) break;
      const comma = i++;
      while (i - comma < LIST_GAP && i < n && isBlankCode(s.charCodeAt(i))) i++;
    }
    const v = literalByte(s, i);
    if (v < 0) break;
    if (got < 12) HEAD[got] = v;
    i = NEXT;
    end = i;
    got++;
    if (got === 12) {
      bytes = keyLength();
      if (bytes === -1) return -1;
    }
  }
  if (got < 12) return -1;
  return got === bytes || got >= PARTIAL_MIN_BYTES ? end : -1;
}

/** True when `s` may hold a key as byte literals (a cheap test before literalListKeySpans). */
export function hasLiteralListCue(s: string): boolean {
  if (s.length < 100 || !(s.includes('0x') || s.includes('0X'))) return false;
  LITERAL_CUE.lastIndex = 0;
  return LITERAL_CUE.test(s);
}

/**
 * Private keys as byte literal lists, as [start, end) pairs. Linear: a cue costs a few reads back
 * and at most three walks of 12 literals before the check; a key found is passed over.
 */
export function literalListKeySpans(s: string): number[] {
  const spans: number[] = [];
  let copied = 0;
  const cue = LITERAL_CUE;
  cue.lastIndex = 0;
  for (let m = cue.exec(s); m !== null; m = cue.exec(s)) {
    const q = m.index;
    cue.lastIndex = q + 1;
    let v = castStart(s, q);
    for (let before = 1; before <= 4; before++) {
      v = prevLiteral(s, v);
      if (v === -1 || v < copied) break;
      if (before === 1) continue;
      const end = literalKeyEnd(s, v);
      if (end === -1) continue;
      spans.push(v, end);
      copied = end;
      cue.lastIndex = end;
      break;
    }
  }
  return spans;
}
