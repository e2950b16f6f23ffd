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

/** The first 12 bytes of a candidate key, decoded (der-hex.ts fills it from hex too). */
export const HEAD = new Uint8Array(12);

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
export function keyLength(): number {
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

export function isAlnumCode(c: number): boolean {
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
