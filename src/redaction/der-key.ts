/**
 * A private key as bare base64 of its DER encoding (no PEM armor): what `openssl pkey -outform
 * DER | base64` and Node's `privateKey.export({ format: 'der' }).toString('base64')` give. Found by
 * the fixed start of the private-key structures, decoded from the first 16 base64 characters:
 *
 * - PKCS#8 PrivateKeyInfo / OneAsymmetricKey: SEQUENCE { INTEGER 0|1, SEQUENCE { OID … } … }
 *   (Ed25519 `MC4CAQAwBQYDK2VwBCIEI…`, RSA `MII…IBADANBgkqhkiG9w0BAQEFAASC…`, EC `MIG…AgEAMBMGByqGSM49…`);
 * - PKCS#1 RSAPrivateKey and OpenSSL's DSA key: SEQUENCE { INTEGER 0, INTEGER (long) … };
 * - SEC1 ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING (16-80 bytes) … }.
 *
 * A public key (SubjectPublicKeyInfo: SEQUENCE { SEQUENCE …) or a certificate (SEQUENCE {
 * SEQUENCE { [0] …) has no INTEGER version first, so it stays. The match runs over the base64 (and
 * its `=` padding) as far as the structure's declared length, across line breaks when the base64 is
 * wrapped (`base64` wraps at 76 characters, `openssl base64` at 64), also indented (a YAML block
 * scalar) or escaped (`\n` in a JSON string) (rules 17), across any short run of wrapping
 * characters (rules 18: der-wraps.ts); it is at least 40 characters.
 * Index arithmetic only: a candidate costs 16 lookups unless its start decodes as a key, and a match
 * is passed over by the scan.
 */

import { keyDigitRuns, wrapCrossedPunctuation, wrapEnd } from './der-wraps.js';

/** Base64 digit values (standard and URL-safe alphabets), -1 for others. */
const DIGIT = new Int8Array(128).fill(-1);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
for (let i = 0; i < 64; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;
DIGIT[45] = 62; // -
DIGIT[95] = 63; // _

/** The shortest match (an Ed25519 PKCS#8 key is 64 characters of base64). */
export const DER_KEY_MIN = 40;

const HEAD = new Uint8Array(12);

/**
 * The value of the base64 digit at `i` (a `%2B`, `%2F` of a percent-encoded key too, rules 18), its
 * width in STEP; -1 if there is none.
 */
let STEP = 1;
function digitAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  STEP = 1;
  if (c === 37 && s.charCodeAt(i + 1) === 50) {
    const e = s.charCodeAt(i + 2) | 32;
    STEP = 3;
    return e === 98 ? 62 : e === 102 ? 63 : -1;
  }
  return c < 128 ? (DIGIT[c] as number) : -1;
}

/** `%3D` (percent-encoded `=`) at `i`. */
function isPercentPad(s: string, i: number): boolean {
  return s.charCodeAt(i) === 37 && s.charCodeAt(i + 1) === 51 && (s.charCodeAt(i + 2) | 32) === 100;
}

/** Decodes the 16 base64 digits at `at` into HEAD; false if any is not a base64 digit. */
function decodeHead(s: string, at: number): boolean {
  if (at + 16 > s.length) return false;
  let i = at;
  for (let g = 0; g < 4; g++) {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const d = digitAt(s, i);
      if (d < 0) return false;
      i += STEP;
      v = (v << 6) | d;
    }
    HEAD[3 * g] = v >>> 16;
    HEAD[3 * g + 1] = (v >>> 8) & 255;
    HEAD[3 * g + 2] = v & 255;
  }
  return true;
}

/** The DER length of the whole structure in bytes when HEAD starts a private key, else -1. */
function keyLength(): number {
  const h = HEAD;
  if (h[0] !== 0x30) return -1;
  let hdr: number;
  let len: number;
  const b1 = h[1] as number;
  if (b1 < 0x80) {
    hdr = 2;
    len = b1;
  } else if (b1 === 0x81) {
    hdr = 3;
    len = h[2] as number;
  } else if (b1 === 0x82) {
    hdr = 4;
    len = ((h[2] as number) << 8) | (h[3] as number);
  } else return -1;
  if (len < 30 || h[hdr] !== 0x02 || h[hdr + 1] !== 0x01) return -1;
  const version = h[hdr + 2] as number;
  const next = h[hdr + 3] as number;
  const after = h[hdr + 4] as number;
  if (version > 1) return -1;
  if (next === 0x30) {
    // PKCS#8: the AlgorithmIdentifier SEQUENCE starts with its OID.
    const oid = after < 0x80 ? hdr + 5 : after === 0x81 ? hdr + 6 : after === 0x82 ? hdr + 7 : -1;
    if (oid === -1 || h[oid] !== 0x06) return -1;
  } else if (next === 0x02) {
    // PKCS#1 RSA, DSA: version 0, then a long INTEGER (the modulus, p).
    if (version !== 0 || (after !== 0x81 && after !== 0x82)) return -1;
  } else if (next === 0x04) {
    // SEC1 EC: version 1, then the private key's OCTET STRING.
    if (version !== 1 || after < 16 || after > 80) return -1;
  } else return -1;
  return hdr + len;
}

/** The shortest line a wrap of blanks or line breaks is followed from (a key folded at 16 and up). */
const FOLD_MIN = 16;

/**
 * The shortest line any other wrap (quotes, commas, brackets, `+`, a YAML `- `, a `\`
 * continuation) is followed from: the narrowest width base64 keys are wrapped at (40-76).
 */
const LINE_MIN = 40;

function isAlnumCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Where the last runDigits stopped. */
let RUN_END = 0;

/**
 * The number of base64 digits in the run at `i`, at most `max` (its end in RUN_END). A JSON-escaped
 * `\/` is a digit; the run stops before another private key's start (a candidate the scan tries on
 * its own: a walk never crosses one, so walks do not overlap and the scan stays linear).
 */
function runDigits(s: string, i: number, max: number, at: number): number {
  const n = s.length;
  let got = 0;
  while (got < max && i < n) {
    const c = s.charCodeAt(i);
    if (c === 92) {
      let k = i + 1;
      while (k < n && k - i < 8 && s.charCodeAt(k) === 92) k++;
      if (s.charCodeAt(k) !== 47) break;
      got++;
      i = k + 1;
      continue;
    }
    if (c === 77 && i !== at && !isAlnumCode(s.charCodeAt(i - 1)) && decodeHead(s, i) && keyLength() !== -1) break;
    if (digitAt(s, i) < 0) break;
    got++;
    i += STEP;
  }
  RUN_END = i;
  return got;
}

/**
 * Whether the `k` digits in [from, to) after a wrap are no line of a key's base64 (rules 19, at35):
 * all hex digits (16 and up: a sha1 or sha256 digest, a decimal id), or 40 and up with no upper-case
 * letter (a lower-case token). A key's base64 lines are random over 64 digits: 16 of them all hex
 * has odds of 4e-8, 40 with no upper-case letter 1e-9. So a forged or truncated key header cannot
 * take the digests logged after it.
 */
function isDigestLine(s: string, from: number, to: number, k: number): boolean {
  if (k < FOLD_MIN) return false;
  let upper = false;
  let hex = true;
  for (let i = from; i < to && (hex || !upper); i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      upper = true;
      if (c > 70) hex = false;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) hex = false;
  }
  return hex || (k >= LINE_MIN && !upper);
}

/**
 * The end of a base64 DER private key starting at `at`, or -1. The end may lie past the token
 * (wrapped base64: a wrap and more base64 continue it).
 *
 * A wrap is followed only where the key really goes on (rules 18, at33): from a first line of
 * FOLD_MIN digits (blanks, line breaks) or LINE_MIN (any other wrap), into a line at least as wide
 * as the first or into the key's shorter last line (the one that reaches the declared length). A
 * key short of its declared length after crossing punctuation is its first line and the lines of
 * exactly its width that follow it (rules 19: a key cut off inside a JSON array of lines), when
 * that width is a base64 line's (LINE_MIN and up, a multiple of 4): a forged or truncated header
 * (16 characters can declare 64 kB) must not blank the ordinary values after it, and values of
 * one exact base64 width after a decoded key header are not ordinary text. A first line narrower
 * than LINE_MIN before punctuation (rules 19) is followed only into lines of one width and a last
 * line that ends exactly at the declared length: the whole key or nothing past its first line.
 */
export function derPrivateKeyEnd(s: string, at: number): number {
  if (!decodeHead(s, at)) return -1;
  const bytes = keyLength();
  if (bytes === -1) return -1;
  // Base64 digits of the key, its `=` padding left out.
  const need = Math.ceil((bytes * 4) / 3);
  const width = runDigits(s, at, need, at);
  let got = width;
  let end = RUN_END;
  const first = end;
  let crossed = false;
  let even = first; // the end of the last line of the first's width, all lines before it too
  let line = 0; // the width of the lines after a narrow first one
  const n = s.length;
  while (got < need && end < n) {
    const c = s.charCodeAt(end);
    if (c === 61 || isPercentPad(s, end)) break;
    const j = wrapEnd(s, end);
    if (j === -1) break;
    const punct = wrapCrossedPunctuation();
    if (width < FOLD_MIN) break;
    const k = runDigits(s, j, need - got, at);
    if (isDigestLine(s, j, RUN_END, k)) break;
    const last = got + k >= need;
    if (!last && k < width) break;
    if (width < LINE_MIN && (punct || crossed) && !last && k !== (line || k)) break;
    if (line === 0 && !last) line = k;
    if (even === end && k === width) even = RUN_END;
    crossed ||= punct;
    got += k;
    end = RUN_END;
  }
  if (got < need && crossed) end = width >= LINE_MIN && width % 4 === 0 ? even : first;
  else if (crossed && width < LINE_MIN && digitAt(s, end) >= 0) end = first;
  // `=` padding (`%3D` percent-encoded) ends the base64.
  for (let p = 0; p < 2 && end < n; p++) {
    if (s.charCodeAt(end) === 61) end++;
    else if (isPercentPad(s, end)) end += 3;
    else break;
  }
  return end - at >= DER_KEY_MIN ? end : -1;
}

/** Hex digit values, -1 for others. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}

function hexAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? (HEX[c] as number) : -1;
}

/** A hex DER key shorter than its declared length is one only from this many digits on. */
const DER_HEX_PARTIAL_MIN = 200;

/**
 * The end of a private key as hex of its DER (`308204bd020100300d06092a864886f70d010101…`, SEC1's
 * `30770201010420…`), or -1 (rules 18). `at` is the `3` of `30`, or `%` when the key is
 * percent-encoded byte by byte (`%30%82%04…`), or `0` of `0x30…`. Keyed on the private-key
 * structure's fixed start (the same check as the base64 form, on 12 bytes decoded from 24 digits),
 * never on "a long hex run": a SHA-256 digest or a line hash has no such start. The run must reach
 * its declared length (or DER_HEX_PARTIAL_MIN digits). Index arithmetic only: 24 lookups per
 * candidate, then the key's length.
 */
export function derHexKeyEnd(s: string, at: number): number {
  let i = at;
  if (s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120) i += 2;
  const pct = s.charCodeAt(i) === 37;
  const width = pct ? 3 : 2;
  const off = pct ? 1 : 0;
  if (i + 12 * width > s.length) return -1;
  for (let b = 0; b < 12; b++, i += width) {
    if (pct && s.charCodeAt(i) !== 37) return -1;
    const hi = hexAt(s, i + off);
    const lo = hexAt(s, i + off + 1);
    if (hi < 0 || lo < 0) return -1;
    HEAD[b] = (hi << 4) | lo;
  }
  const bytes = keyLength();
  if (bytes === -1) return -1;
  let got = 12;
  const n = s.length;
  while (got < bytes && i + width <= n) {
    if (pct && s.charCodeAt(i) !== 37) break;
    if (hexAt(s, i + off) < 0 || hexAt(s, i + off + 1) < 0) break;
    got++;
    i += width;
  }
  return got === bytes || 2 * got >= DER_HEX_PARTIAL_MIN ? i : -1;
}

/** The width of the last sepByte's byte: 4 (`\x30`), 3 (`30:`), 2 (the dump's last byte, no separator). */
let SEP_STEP = 0;

/**
 * The byte at `i` of a hex dump with separators (`width` 3: `30:`, `30 `, `30-`; `width` 4:
 * `\x30`), or -1. After a separator, a run of blanks and line breaks (at most 48, a dump's wrap
 * and indent: openssl prints 15 bytes a line) is crossed first; SEP_SKIP is its length.
 */
let SEP_SKIP = 0;
function sepByte(s: string, i: number, width: number, sep: number): number {
  let j = i;
  if (width === 3) {
    while (j - i < 48 && (s.charCodeAt(j) === 32 || s.charCodeAt(j) === 10 || s.charCodeAt(j) === 13)) j++;
  }
  SEP_SKIP = j - i;
  const off = width === 4 ? 2 : 0;
  if (width === 4 && (s.charCodeAt(j) !== 92 || s.charCodeAt(j + 1) !== 120)) return -1;
  const hi = hexAt(s, j + off);
  const lo = hexAt(s, j + off + 1);
  if (hi < 0 || lo < 0) return -1;
  // A line break after a byte continues the dump too (`od -An -tx1`, 16 bytes a line, no
  // separator at a line's end: rules 19, at35); the next byte's blanks are skipped above.
  const after = s.charCodeAt(j + 2);
  SEP_STEP = width === 4 ? 4 : after === sep || ((after === 10 || after === 13) && sep === 32) ? 3 : 2;
  return (hi << 4) | lo;
}

/**
 * The end of a private key as hex of its DER with a separator between bytes (rules 19):
 * `30:82:04:bc:02:01:00:…` (openssl and asn1parse dumps, Wireshark), `30 82 04 bc …` (hexdump, a
 * debugger), `30-82-…`, `\x30\x82\x04…` (a C or Python string literal, a PostgreSQL bytea). `at`
 * is the `3` of `30` (or the `\` of `\x30`). The same check as derHexKeyEnd: the structure's
 * start decoded from 12 bytes, then the run reaching the declared length or DER_HEX_PARTIAL_MIN
 * digits; -1 otherwise, so a failed walk reads fewer than 100 bytes.
 */
export function derSeparatedHexKeyEnd(s: string, at: number): number {
  const width = s.charCodeAt(at) === 92 ? 4 : 3;
  const sep = width === 4 ? 92 : s.charCodeAt(at + 2);
  if (width === 3 && sep !== 58 && sep !== 32 && sep !== 45) return -1;
  let i = at;
  let got = 0;
  let end = at;
  let bytes = 12;
  while (got < bytes) {
    const v = got === 0 || SEP_STEP !== 2 ? sepByte(s, i, width, sep) : -1;
    if (v < 0) break;
    if (got < 12) HEAD[got] = v;
    i += SEP_SKIP;
    end = width === 3 ? i + 2 : i + 4;
    i += SEP_STEP;
    got++;
    if (got === 12) {
      bytes = keyLength();
      if (bytes === -1) return -1;
    }
  }
  if (got < 12) return -1;
  return got === bytes || 2 * got >= DER_HEX_PARTIAL_MIN || got + moreBytesAt(s, end) === bytes ? end : -1;
}

/**
 * The N of Node's `util.inspect(buffer)` tail ` ... N more bytes>` at `i` (it shows 50 bytes, which
 * hold a P-256 key's scalar: the rest's count must make up the declared length; rules 19, at35), else -1.
 */
function moreBytesAt(s: string, i: number): number {
  if (!s.startsWith(' ... ', i)) return -1;
  let j = i + 5;
  let n = 0;
  while (j < s.length && j - i < 12 && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57)
    n = n * 10 + s.charCodeAt(j++) - 48;
  return j > i + 5 && s.startsWith(' more byte', j) ? n : -1;
}

/** The shortest text a separated hex DER key fits in (Ed25519's 48 bytes as `30:2e:…`). */
export const SEPARATED_HEX_KEY_MIN = 143;

/** A separated hex DER key's mark: the version INTEGER `02 01 00|01` after its header. */
const SEP_CUES = ['02:01:0', '02 01 0', '02-01-0', '\\x02\\x01\\x0'];

/** One cue's keys censored; linear: a candidate costs 12 byte reads, a key found is passed over. */
function redactAtCue(s: string, cue: string, censor: string): string {
  const w = cue.charCodeAt(0) === 92 ? 4 : 3;
  const off = w === 4 ? 2 : 0;
  let out = '';
  let copied = 0;
  for (let q = s.indexOf(cue); q !== -1; q = s.indexOf(cue, q + 1)) {
    // The header is 2-4 bytes before the version INTEGER.
    for (let back = 2; back <= 4; back++) {
      const at = q - back * w;
      if (at < copied || s.charCodeAt(at + off) !== 51 || s.charCodeAt(at + off + 1) !== 48) continue;
      const end = derSeparatedHexKeyEnd(s, at);
      if (end === -1) continue;
      out += s.slice(copied, at) + censor;
      copied = end;
      q = end - 1;
      break;
    }
  }
  return copied === 0 ? s : out + s.slice(copied);
}

/**
 * The separated hex keys that run over more than one line (an openssl dump wrapped at 15 bytes in a
 * YAML block scalar), as spans [start, end) per line: each line's part from its first non-blank, so
 * a caller that redacts line by line (config-text.ts) keeps the lines and their indents (rules 19,
 * at35). Linear: each cue's candidates as in redactAtCue, a key passed over once found.
 */
export function separatedHexKeyLineSpans(s: string): number[] {
  const spans: number[] = [];
  for (const cue of SEP_CUES) {
    if (!s.includes(cue)) continue;
    const w = cue.charCodeAt(0) === 92 ? 4 : 3;
    const off = w === 4 ? 2 : 0;
    for (let q = s.indexOf(cue); q !== -1; q = s.indexOf(cue, q + 1)) {
      for (let back = 2; back <= 4; back++) {
        const at = q - back * w;
        if (at < 0 || s.charCodeAt(at + off) !== 51 || s.charCodeAt(at + off + 1) !== 48) continue;
        const end = derSeparatedHexKeyEnd(s, at);
        if (end === -1) continue;
        lineParts(s, at, end, spans);
        q = end - 1;
        break;
      }
    }
  }
  return spans;
}

/** [at, end) split at its line breaks, each part from its first non-blank; nothing if on one line. */
function lineParts(s: string, at: number, end: number, spans: number[]): void {
  const nl = s.indexOf('\n', at);
  if (nl === -1 || nl >= end) return;
  let from = at;
  while (from < end) {
    let to = s.indexOf('\n', from);
    if (to === -1 || to > end) to = end;
    let a = from;
    while (a < to && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
    let b = to;
    while (b > a && (s.charCodeAt(b - 1) === 13 || s.charCodeAt(b - 1) === 32)) b--;
    if (b > a) spans.push(a, b);
    from = to + 1;
  }
}

/**
 * Every private key written as hex of its DER with separators between bytes, censored (rules 19).
 * Found from the version INTEGER that follows the header, so a text is searched for four short
 * strings before anything else is read.
 */
export function redactSeparatedHexKeys(s: string, censor: string): string {
  let out = s;
  for (const cue of SEP_CUES) if (out.includes(cue)) out = redactAtCue(out, cue, censor);
  return out;
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * The DER private keys of a text that run over more than one line (a config file's YAML block
 * scalar, a wrapped value), as spans [start, end) per line: the key's base64 on each line, not its
 * line breaks and indents, so the text keeps its lines and indentation when they are censored.
 * For a caller that redacts line by line (config-text.ts), where a line sees only the key's first
 * line. Linear: a candidate `M` costs 16 lookups unless it starts a key, and a key is passed over.
 */
export function derKeyLineSpans(s: string): number[] {
  const spans: number[] = [];
  let keyEnd = -1; // a key glued to the previous one's end is a candidate (rules 19)
  for (let at = s.indexOf('M'); at !== -1; at = s.indexOf('M', at + 1)) {
    if (at > 0 && at !== keyEnd && isAlnum(s.charCodeAt(at - 1))) continue;
    const end = derPrivateKeyEnd(s, at);
    if (end === -1) continue;
    // A line break inside the key (its range only: keys are disjoint, so the scan stays linear):
    // its base64 runs, the wrapping between them kept.
    let crosses = false;
    for (let i = at; i < end && !crosses; i++) crosses = s.charCodeAt(i) === 10;
    if (crosses) keyDigitRuns(s, at, end, spans);
    keyEnd = end;
    at = end - 1;
  }
  return spans;
}
