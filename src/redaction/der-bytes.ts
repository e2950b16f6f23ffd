/**
 * A private key's DER as a language prints a byte string (rules 20): Python's `repr()` of `bytes`
 * (`b'0\x82\x04\xa4\x02\x01\x00…'`, printable bytes shown as themselves: SEC1's `b"0w\x02\x01\x01\x04 …"`)
 * and a list of decimal bytes (`[48, 130, 4, 164, 2, 1, 0, …]` from JS or Python, Java's signed
 * `new byte[]{48, -126, 4, -92, …}`). Found, as the hex forms are (der-hex.ts), from the version
 * INTEGER after the header, and checked by the private-key structure's fixed start (der-key.ts
 * keyLength on 12 bytes decoded), then read to the declared length (or 100 bytes).
 */

import { HEAD, isAlnumCode, keyLength } from './der-key.js';
import { hexAt } from './chars.js';

/** A key read short of its declared length is one only from this many bytes on (der-hex.ts's 200 digits). */
const PARTIAL_MIN_BYTES = 100;

/** Python's repr of the version INTEGER `02 01 0x`: never printable, always `\x02\x01\x0`. */
const REPR_CUE = '\\x02\\x01\\x0';
/** The header before the version INTEGER: 2-4 bytes, at most 4 characters each in a repr. */
const REPR_BACK = 17;

/** Where the last reprByte's byte ends. */
let NEXT = 0;

/** Python's escapes other than `\x`: `\t`, `\n`, `\r`, `\\`, `\'`, `\"`. */
const SIMPLE_ESCAPES: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, {
  t: 9,
  n: 10,
  r: 13,
  '\\': 92,
  "'": 39,
  '"': 34,
  // Go's strconv.Quote (`%q`) also writes these.
  a: 7,
  b: 8,
  f: 12,
  v: 11,
});

/** The byte at `i` of a bytes repr quoted by `quote` (its end in NEXT), or -1 at the quote or anything else. */
function reprByte(s: string, i: number, quote: number): number {
  const c = s.charCodeAt(i);
  if (c === quote || Number.isNaN(c) || c < 32 || c > 126) return -1;
  if (c !== 92) {
    NEXT = i + 1;
    return c;
  }
  const e = s[i + 1] as string;
  if (e === 'x') {
    const hi = hexAt(s, i + 2);
    const lo = hexAt(s, i + 3);
    if (hi < 0 || lo < 0) return -1;
    NEXT = i + 4;
    return (hi << 4) | lo;
  }
  const v = SIMPLE_ESCAPES[e];
  if (v === undefined) return -1;
  NEXT = i + 2;
  return v;
}

/**
 * The end of a Python bytes repr holding a private key from `at` (its first byte, after `b'`), up
 * to its closing quote (left in place), or -1. The 12 bytes from `at` pass keyLength, then the
 * literal must reach the declared length or PARTIAL_MIN_BYTES.
 */
function reprKeyEnd(s: string, at: number, quote: number, rest = true): number {
  let i = at;
  let got = 0;
  let bytes = 12;
  while (got < bytes) {
    const v = reprByte(s, i, quote);
    if (v < 0) break;
    if (got < 12) HEAD[got] = v;
    i = NEXT;
    got++;
    if (got === 12) {
      bytes = keyLength();
      if (bytes === -1) return -1;
    }
  }
  if (got < 12 || !(got === bytes || got >= PARTIAL_MIN_BYTES)) return -1;
  // The rest of the literal goes too (a key followed by more bytes, or a repr cut short).
  if (rest) while (reprByte(s, i, quote) >= 0) i = NEXT;
  return i;
}

/**
 * Python bytes reprs of private keys, as [start, end) pairs (the bytes between the quotes). Found
 * from REPR_CUE: the literal's opening `b'` or `b"` is looked for up to REPR_BACK characters before
 * it (the header), and the key must start right after it. Linear: a cue costs a read back of at
 * most 17 characters and one walk; a key found is passed over.
 */
export function pythonReprKeySpans(s: string): number[] {
  const spans: number[] = [];
  let copied = 0;
  for (let q = s.indexOf(REPR_CUE); q !== -1; q = s.indexOf(REPR_CUE, q + 1)) {
    let found = false;
    for (let k = q - 1; k >= copied + 1 && q - k <= REPR_BACK; k--) {
      const quote = s.charCodeAt(k);
      if ((quote !== 39 && quote !== 34) || (s.charCodeAt(k - 1) | 32) !== 98) continue;
      if (k >= 2 && isAlnumCode(s.charCodeAt(k - 2))) continue;
      const end = reprKeyEnd(s, k + 1, quote);
      if (end === -1) break;
      spans.push(k + 1, end);
      copied = end;
      q = end - 1;
      found = true;
      break;
    }
    if (!found) {
      const end = barePythonReprKey(s, q, copied, spans);
      if (end !== -1) {
        copied = end;
        q = end - 1;
      }
    }
  }
  return spans;
}

/** REPR_CUE inside a JSON string (rules 20, part 4): each backslash of the repr escaped, `\\x02\\x01\\x0`. */
export const ESCAPED_REPR_CUE = '\\\\x02\\\\x01\\\\x0';

/** JSON's one-character escapes, as the characters they stand for. */
const JSON_ESCAPES: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
});

/**
 * Python bytes reprs of private keys inside JSON-escaped text (`{"msg": "der=b'0\\x82…'"}`, at39's
 * repr in a log line's JSON), as [start, end) pairs of `s`: the text is unescaped once (JSON's
 * escapes; `\\uXXXX` as its character), with each character's place in `s`, and read by
 * pythonReprKeySpans. Linear: one pass to unescape, one search.
 */
export function escapedReprKeySpans(s: string): number[] {
  // The unescaped text, built by slices between backslashes; each escape's place in both texts.
  let u = '';
  const uAt: number[] = [0];
  const sAt: number[] = [0];
  let from = 0;
  for (let i = s.indexOf('\\'); i !== -1 && i + 1 < s.length; i = s.indexOf('\\', i)) {
    const e = s[i + 1] as string;
    let v = JSON_ESCAPES[e];
    let w = 2;
    if (v === undefined && e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
      v = String.fromCharCode(Number.parseInt(s.slice(i + 2, i + 6), 16));
      w = 6;
    }
    if (v === undefined) {
      i++;
      continue;
    }
    u += s.slice(from, i);
    uAt.push(u.length);
    sAt.push(i);
    u += v;
    from = i + w;
    uAt.push(u.length);
    sAt.push(from);
    i = from;
  }
  u += s.slice(from);
  // Spans come in order: the breakpoints are walked once.
  let k = 0;
  return pythonReprKeySpans(u).map((p) => {
    while (k + 1 < uAt.length && (uAt[k + 1] as number) <= p) k++;
    return (sAt[k] as number) + p - (uAt[k] as number);
  });
}

/**
 * A key in escaped bytes with no `b'` right before it (at39 F3): Python 2's `'0\x81\x87\x02…'`,
 * Go's `%q`, a key after a header inside a longer bytes literal. Each `0` (the SEQUENCE byte,
 * printable) up to REPR_BACK characters before the cue is tried, read with each quote as the
 * literal's (to the declared length, or as far as an unescaped quote) and the longer read kept; the span is the key's bytes alone (the literal's other bytes stay). Pushes [start, end)
 * and returns the end, or -1. A cue costs at most 17 tries of 12 bytes each.
 */
function barePythonReprKey(s: string, q: number, copied: number, spans: number[]): number {
  for (let k = q - 1; k >= copied && q - k <= REPR_BACK; k--) {
    if (s.charCodeAt(k) !== 48 || s.charCodeAt(k - 1) === 92) continue;
    // Either quote may be the literal's: the other can stand unescaped in it, so the longer read wins.
    const end = Math.max(reprKeyEnd(s, k, 39, false), reprKeyEnd(s, k, 34, false));
    if (end === -1) continue;
    spans.push(k, end);
    return end;
  }
  return -1;
}

/**
 * The decimal list cue: the version INTEGER `2 1 0|1` as whole elements with any list separators
 * between (`, `, `,`, blanks, `; `, a line break and indent, YAML's `- `), at most LIST_GAP each.
 * Bounded repeats followed by a fixed digit: a failed try costs at most two reads of LIST_GAP.
 */
const DECIMAL_CUE = /(?<![\w.-])2[\t\n\r ,;-]{1,48}1[\t\n\r ,;-]{1,48}[01](?![\w.])/g;
/** Blanks, line breaks and punctuation crossed between two elements. */
const LIST_GAP = 48;

function isBlankCode(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}
/** A separator character at `i`: a blank, `,`, `;`, or a `-` followed by a blank (YAML's `- `). */
function isSeparatorAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return isBlankCode(c) || c === 44 || c === 59 || (c === 45 && isBlankCode(s.charCodeAt(i + 1)));
}

/** True when `s` may hold a decimal byte list of a private key (a cheap test before decimalListKeySpans). */
export function hasDecimalListCue(s: string): boolean {
  if (s.length < 51 || !s.includes('48')) return false;
  DECIMAL_CUE.lastIndex = 0;
  return DECIMAL_CUE.test(s);
}

/** The byte of the decimal element at `i` (-128..255; a negative one is Java's signed byte), its end in NEXT; or -1. */
function decimalByte(s: string, i: number): number {
  let j = i;
  const neg = s.charCodeAt(j) === 45;
  if (neg) j++;
  let v = 0;
  const from = j;
  while (j - from < 4 && isDigitCode(s.charCodeAt(j))) v = v * 10 + s.charCodeAt(j++) - 48;
  if (j === from || j - from > 3 || isAlnumCode(s.charCodeAt(j)) || s.charCodeAt(j) === 46) return -1;
  if (neg ? v > 128 || v === 0 : v > 255) return -1;
  NEXT = j;
  return neg ? 256 - v : v;
}

/** The start of the element before the one at `t` (1 to LIST_GAP separator characters between), or -1. */
function prevElement(s: string, t: number): number {
  let k = t - 1;
  while (k >= 0 && t - k <= LIST_GAP && isSeparatorAt(s, k)) k--;
  if (k === t - 1 || k < 0) return -1;
  const last = k;
  while (k >= 0 && last - k < 4 && isDigitCode(s.charCodeAt(k))) k--;
  if (k === last) return -1;
  if (s.charCodeAt(k) === 45) k--;
  return k >= 0 && (isAlnumCode(s.charCodeAt(k)) || s.charCodeAt(k) === 46) ? -1 : k + 1;
}

/** The end of a decimal list holding a private key from its first element at `at`, or -1. */
function decimalKeyEnd(s: string, at: number): number {
  const n = s.length;
  let i = at;
  let got = 0;
  let end = at;
  let bytes = 12;
  while (got < bytes) {
    if (got > 0) {
      const from = i;
      while (i - from < LIST_GAP && i < n && isSeparatorAt(s, i)) i++;
      if (i === from) break;
    }
    const v = decimalByte(s, i);
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

/**
 * Private keys as decimal byte lists in any layout (`[48, 119, 2, …]`, Node's padded
 * `  48, 119,   2,`, one number a line, Go's `[48 119 2 …]`, a YAML block sequence), as [start,
 * end) pairs. Found from DECIMAL_CUE: a `48` 2-4 elements before its `2` starts the key. Linear: a
 * cue costs a few reads back and at most three walks of 12 elements before the check; a key found
 * is passed over.
 */
export function decimalListKeySpans(s: string): number[] {
  const spans: number[] = [];
  let copied = 0;
  const cue = DECIMAL_CUE;
  cue.lastIndex = 0;
  for (let m = cue.exec(s); m !== null; m = cue.exec(s)) {
    const q = m.index;
    cue.lastIndex = q + 1;
    let v = q;
    for (let before = 1; before <= 4; before++) {
      v = prevElement(s, v);
      if (v === -1 || v < copied) break;
      if (before === 1 || s.charCodeAt(v) !== 52 || s.charCodeAt(v + 1) !== 56 || isDigitCode(s.charCodeAt(v + 2)))
        continue;
      const end = decimalKeyEnd(s, v);
      if (end === -1) continue;
      spans.push(v, end);
      copied = end;
      cue.lastIndex = end;
      break;
    }
  }
  return spans;
}

/** The fewest items a byte array is checked from (an Ed25519 PKCS#8 key is 48 bytes). */
export const KEY_ARRAY_MIN = 40;

/** An array item as a byte (0..255, or a signed byte -128..-1 as Int8Array gives), else -1. */
function itemByte(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -128 || v > 255) return -1;
  return v < 0 ? v + 256 : v;
}

/**
 * True when an array of numbers holds a DER private key from its first item (rules 20: a key
 * passed to the logger as `Array.from(der)`, or signed bytes from an Int8Array): the first 12
 * items pass keyLength, and every item up to the declared length (or PARTIAL_MIN_BYTES of a longer
 * key) is a byte. The caller checks `a[0] === 48` and the length first, so other arrays cost nothing.
 */
export function isDerKeyByteArray(a: readonly unknown[]): boolean {
  if (a.length < KEY_ARRAY_MIN || a[0] !== 48) return false;
  for (let i = 0; i < 12; i++) {
    const v = itemByte(a[i]);
    if (v < 0) return false;
    HEAD[i] = v;
  }
  const bytes = keyLength();
  if (bytes === -1) return false;
  const n = Math.min(a.length, bytes);
  if (!(n === bytes || n >= PARTIAL_MIN_BYTES)) return false;
  for (let i = 12; i < n; i++) if (itemByte(a[i]) < 0) return false;
  return true;
}
