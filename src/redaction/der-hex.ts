/**
 * A private key as hex of its DER (rules 18-19): unbroken (`308204bd020100…`, `0x30…`, `%30%82…`),
 * with a separator between bytes (`30:82:…`, `30 82 …`, `\x30\x82…`, od and hexdump -C dumps,
 * openssl's colon-hex behind a comment prefix), and as a hex list (`0x30, 0x77, …`, `30,77,…`).
 * Found by the private-key structure's fixed start, the same check as the base64 form (der-key.ts).
 */

import { HEAD, isAlnumCode, keyLength } from './der-key.js';
import { hexAt } from './chars.js';

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
  // Digits since the last line break (xxd -p wraps plain hex at 60: rules 20, part 3).
  let line = i - at;
  while (got < bytes && i + width <= n) {
    if (!pct && line >= WRAP_MIN_DIGITS) {
      const next = wrapped(s, i);
      if (next !== i) {
        i = next;
        line = 0;
      }
    }
    if (pct && s.charCodeAt(i) !== 37) break;
    if (hexAt(s, i + off) < 0 || hexAt(s, i + off + 1) < 0) break;
    got++;
    i += width;
    line += width;
  }
  return got === bytes || 2 * got >= DER_HEX_PARTIAL_MIN ? i : -1;
}

/** A hex run is read across a line break only after this many digits on its line (xxd -p's 60, base16 wraps of 64 or 76). */
const WRAP_MIN_DIGITS = 32;

/** Blanks read at a wrapped line's end and before the next line's digits (rules 20, part 6: an indent, a YAML block). */
const WRAP_BLANKS_MAX = 48;

function isIndentCode(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * After a line break at `i` (`\n`, `\r\n`; blanks before it and an indent after it, rules 20,
 * part 6) with a hex digit after it: that digit's index; else `i`.
 */
function wrapped(s: string, i: number): number {
  let j = i;
  while (j - i < WRAP_BLANKS_MAX && isIndentCode(s.charCodeAt(j))) j++;
  if (s.charCodeAt(j) === 13) j++;
  if (s.charCodeAt(j) !== 10) return i;
  j++;
  const from = j;
  while (j - from < WRAP_BLANKS_MAX && isIndentCode(s.charCodeAt(j))) j++;
  return hexAt(s, j) >= 0 ? j : i;
}

/** The width of the last sepByte's byte: 4 (`\x30`), 3 (`30:`), 2 (the dump's last byte, no separator). */
let SEP_STEP = 0;

/**
 * The byte at `i` of a hex dump with separators (`width` 3: `30:`, `30 `, `30-`; `width` 4:
 * `\x30`), or -1. After a separator, a run of blanks and line breaks (at most 48, a dump's wrap
 * and indent: openssl prints 15 bytes a line) is crossed first; SEP_SKIP is its length.
 */
let SEP_SKIP = 0;
/** Whether a sepByte crossed `hexdump -C`'s columns since the walk began. */
let DUMP_COLUMNS = false;
function sepByte(s: string, i: number, width: number, sep: number): number {
  let j = i;
  if (width === 3) {
    let lineStart = false;
    while (j - i < 48) {
      const c = s.charCodeAt(j);
      if (c === 10 || c === 13) lineStart = true;
      // A `# ` comment prefix on the dump's next line (a config file's comment: rules 19, at35 F7).
      else if (c === 35 && lineStart) lineStart = false;
      // `hexdump -C`'s ASCII column `|0w..|` (as many characters as the line has bytes), its line
      // break and the next line's offset column (8 hex digits and blanks): rules 19, at35 F4.
      else if (c === 124 && sep === 32 && !lineStart) {
        const k = dumpColumnsEnd(s, j);
        if (k === -1) break;
        DUMP_COLUMNS = true;
        j = k;
        continue;
      } else if (c !== 32) break;
      j++;
    }
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
 * The end of `hexdump -C`'s ASCII column at `i` (its `|`), the line break after it and the next
 * line's offset column (8 hex digits): where the next line's bytes (or their blanks) start, or -1.
 */
function dumpColumnsEnd(s: string, i: number): number {
  // A line the walk goes on from is a whole one: 16 characters (a `|` among them is a byte's).
  let k = i + 17;
  if (s.charCodeAt(k) !== 124) return -1;
  k++;
  if (s.charCodeAt(k) === 13) k++;
  if (s.charCodeAt(k) !== 10) return -1;
  k++;
  for (let d = 0; d < 8; d++, k++) if (hexAt(s, k) < 0) return -1;
  return s.charCodeAt(k) === 32 ? k : -1;
}

/** The end of `hexdump -C`'s ASCII column after a key's last byte at `end` (`  |…|`), else `end`. */
function lastDumpColumnEnd(s: string, end: number): number {
  let k = end;
  while (k - end < 52 && s.charCodeAt(k) === 32) k++;
  if (k - end < 2 || s.charCodeAt(k) !== 124) return end;
  // The last `|` within 17 characters with the line's end (or the text's) after it.
  for (let close = Math.min(k + 17, s.length - 1); close > k; close--) {
    const c = s.charCodeAt(close + 1);
    if (s.charCodeAt(close) === 124 && (Number.isNaN(c) || c === 10 || c === 13)) return close + 1;
  }
  return end;
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
  DUMP_COLUMNS = false;
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
  if (!(got === bytes || 2 * got >= DER_HEX_PARTIAL_MIN || got + moreBytesAt(s, end) === bytes)) return -1;
  // A `hexdump -C` dump (its first line's ASCII column after 16 bytes) loses its last line's too.
  return DUMP_COLUMNS ? lastDumpColumnEnd(s, end) : end;
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

function isBlankCode(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * The end of a private key as a list of its DER bytes in hex (rules 19, at35 F4): a C or JS array
 * `0x30, 0x77, 0x02, …` (`xxd -i`, wrapped and indented), comma-separated hex `30,77,02,…`. `at` is
 * the `0` of `0x30` (every byte then has the `0x`) or the `3` of `30`. The same check as
 * derHexKeyEnd: the structure's start decoded from 12 bytes, then the list reaching the declared
 * length or DER_HEX_PARTIAL_MIN digits; -1 otherwise (a failed walk reads fewer than 100 bytes).
 */
export function derListHexKeyEnd(s: string, at: number): number {
  const pre = s.charCodeAt(at) === 48 && (s.charCodeAt(at + 1) | 32) === 120 ? 2 : 0;
  const n = s.length;
  let i = at;
  let got = 0;
  let end = at;
  let bytes = 12;
  while (got < bytes) {
    if (got > 0) {
      if (s.charCodeAt(i) !== 44) break;
      const comma = i++;
      while (i - comma < 48 && i < n && isBlankCode(s.charCodeAt(i))) i++;
    }
    if (pre === 2 && (s.charCodeAt(i) !== 48 || (s.charCodeAt(i + 1) | 32) !== 120)) break;
    const hi = hexAt(s, i + pre);
    const lo = hexAt(s, i + pre + 1);
    if (hi < 0 || lo < 0 || isAlnumCode(s.charCodeAt(i + pre + 2))) break;
    if (got < 12) HEAD[got] = (hi << 4) | lo;
    i += pre + 2;
    end = i;
    got++;
    if (got === 12) {
      bytes = keyLength();
      if (bytes === -1) return -1;
    }
  }
  if (got < 12) return -1;
  return got === bytes || 2 * got >= DER_HEX_PARTIAL_MIN ? end : -1;
}

/** The start of the list byte before the one at `t` (`0x` included when `pre` is 2), or -1. */
function prevListByte(s: string, t: number, pre: number): number {
  let k = t - 1;
  while (k >= 0 && t - k < 48 && isBlankCode(s.charCodeAt(k))) k--;
  if (k < 0 || s.charCodeAt(k) !== 44) return -1;
  const start = k - 2 - pre;
  if (start < 0 || hexAt(s, k - 1) < 0 || hexAt(s, k - 2) < 0) return -1;
  if (pre === 2 && (s.charCodeAt(start) !== 48 || (s.charCodeAt(start + 1) | 32) !== 120)) return -1;
  return start > 0 && isAlnumCode(s.charCodeAt(start - 1)) ? -1 : start;
}

/** A hex list key's mark: the version INTEGER's length byte `01` with a comma after it. */
const LIST_CUE = '01,';

/**
 * Each private key as a hex list (derListHexKeyEnd) in `s`, as [start, end) pairs in order. Found
 * from its version INTEGER `02, 01, 0…`: the header 2-4 bytes before it is tried when it starts
 * with `30`. Linear: a cue costs a few reads back and at most three walks of
 * under 100 bytes each, a key found is passed over.
 */
function listHexKeys(s: string): number[] {
  const keys: number[] = [];
  let copied = 0;
  for (let q = s.indexOf(LIST_CUE); q !== -1; q = s.indexOf(LIST_CUE, q + 1)) {
    const pre = q >= 2 && (s.charCodeAt(q - 1) | 32) === 120 && s.charCodeAt(q - 2) === 48 ? 2 : 0;
    const t = q - pre;
    if (t > 0 && isAlnumCode(s.charCodeAt(t - 1))) continue;
    let v = prevListByte(s, t, pre);
    if (v === -1 || s.charCodeAt(v + pre) !== 48 || s.charCodeAt(v + pre + 1) !== 50) continue;
    // The header (SEQUENCE and its length) is 2-4 bytes before the version INTEGER.
    for (let before = 1; before <= 4; before++) {
      v = prevListByte(s, v, pre);
      if (v === -1 || v < copied) break;
      if (s.charCodeAt(v + pre) !== 51 || s.charCodeAt(v + pre + 1) !== 48) continue;
      const end = derListHexKeyEnd(s, v);
      if (end === -1) continue;
      keys.push(v, end);
      copied = end;
      q = end - 1;
      break;
    }
  }
  return keys;
}

/** An `xxd` dump line that starts with a key: its offset's `: ` and the SEQUENCE's `30`. */
const XXD_CUE = ': 30';

/**
 * The end of a private key as `xxd` prints it (rules 19, at35 F4): `00000000: 3077 0201 0104 20a7
 * …  0w.... ..`, bytes in pairs, 16 a line, `at` the `3` of the `30` that starts a line's bytes. A
 * whole line (16 bytes) is followed into the next: two blanks, its 16-character ASCII column, the
 * line break, the next offset (8 hex digits and `: `). The same check as derHexKeyEnd on 12 bytes,
 * then the declared length or DER_HEX_PARTIAL_MIN digits; the last line's ASCII column goes with
 * the key (it shows the key's printable bytes). -1 otherwise (a failed walk reads under 100 bytes).
 */
function xxdKeyEnd(s: string, at: number): number {
  let i = at;
  let got = 0;
  let onLine = 0;
  let lineHex = at; // where the last line's bytes start
  let end = at;
  let bytes = 12;
  while (got < bytes) {
    const hi = hexAt(s, i);
    const lo = hexAt(s, i + 1);
    if (hi < 0 || lo < 0) break;
    if (got < 12) HEAD[got] = (hi << 4) | lo;
    i += 2;
    got++;
    onLine++;
    end = i;
    if (got === 12) {
      bytes = keyLength();
      if (bytes === -1) return -1;
    }
    if (got >= bytes || onLine % 2 === 1) continue;
    if (onLine < 16) {
      if (s.charCodeAt(i) !== 32) break;
      i++;
      continue;
    }
    if (s.charCodeAt(i) !== 32 || s.charCodeAt(i + 1) !== 32) break;
    let k = i + 18;
    if (s.charCodeAt(k) === 13) k++;
    if (s.charCodeAt(k) !== 10) break;
    k++;
    let d = 0;
    while (d < 8 && hexAt(s, k + d) >= 0) d++;
    if (d < 8 || s.charCodeAt(k + 8) !== 58 || s.charCodeAt(k + 9) !== 32) break;
    i = k + 10;
    lineHex = i;
    onLine = 0;
  }
  if (got < 12 || !(got === bytes || 2 * got >= DER_HEX_PARTIAL_MIN)) return -1;
  // The last line's ASCII column: 41 characters after its bytes' start (8 pairs and their blanks, two
  // blanks), one character a byte; only blanks between.
  const ascii = lineHex + 41;
  if (ascii + onLine > s.length) return end;
  for (let k = end; k < ascii; k++) if (s.charCodeAt(k) !== 32) return end;
  for (let k = ascii; k < ascii + onLine; k++) if (s.charCodeAt(k) === 10 || s.charCodeAt(k) === 13) return end;
  return ascii + onLine;
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
  if (s.includes(LIST_CUE)) {
    const keys = listHexKeys(s);
    for (let k = 0; k < keys.length; k += 2) lineParts(s, keys[k] as number, keys[k + 1] as number, spans);
  }
  return spans;
}

/** [at, end) split at its line breaks, each part from its first non-blank; nothing if on one line. */
export function lineParts(s: string, at: number, end: number, spans: number[]): void {
  const nl = s.indexOf('\n', at);
  if (nl === -1 || nl >= end) return;
  let from = at;
  while (from < end) {
    let to = s.indexOf('\n', from);
    if (to === -1 || to > end) to = end;
    let a = from;
    while (a < to && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
    // A comment's `# ` stays (the dump behind a comment prefix on each line: rules 19).
    if (a > at && s.charCodeAt(a) === 35) {
      a++;
      while (a < to && s.charCodeAt(a) === 32) a++;
    }
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
  // `xxd` dumps: one more search, for a dump line's first byte `: 30` (rules 19, at35 F4).
  if (out.includes(XXD_CUE)) {
    let o = '';
    let copied = 0;
    for (let q = out.indexOf(XXD_CUE); q !== -1; q = out.indexOf(XXD_CUE, q + 1)) {
      const end = xxdKeyEnd(out, q + 2);
      if (end === -1) continue;
      o += out.slice(copied, q + 2) + censor;
      copied = end;
      q = end - 1;
    }
    if (copied > 0) out = o + out.slice(copied);
  }
  // Hex lists (`0x30, 0x77, …`, `30,77,…`): one more search, for `01,` (rules 19, at35 F4).
  if (out.includes(LIST_CUE)) {
    const keys = listHexKeys(out);
    if (keys.length > 0) {
      let o = '';
      let copied = 0;
      for (let k = 0; k < keys.length; k += 2) {
        o += out.slice(copied, keys[k]) + censor;
        copied = keys[k + 1] as number;
      }
      out = o + out.slice(copied);
    }
  }
  return out;
}
