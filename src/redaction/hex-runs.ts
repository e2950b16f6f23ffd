/**
 * Plain hex of a private key's DER in runs of equal-width tokens (rules 20, part 9): `xxd -p -s N`
 * (the dump starts N bytes into the DER, so no SEQUENCE header starts it and der-hex.ts's reader,
 * keyed on that header, never reads it), and any `xxd -p` dump whose lines were joined by single
 * spaces (a log shipper's or `tr '\n' ' '`'s flattening). A run is a token of 32 or more hex
 * digits (an even number, no letter or digit on either side), then while the token has the run's
 * first width, a separator (blanks, tabs, line breaks; a JSON array's `", "`: nextToken) and a
 * token no wider. The run is decoded
 * once and read by der-xxd.ts's dumpKeys as a dump's bytes: a key from its `30` header, one whose
 * header the dump cut off from the structure around its secret (der-headless.ts), a fragment that
 * starts inside an EC scalar. Each token is a line of the dump: a span ends at its last byte's
 * token's end.
 *
 * Digests stay: a SHA-256 listing is a run too, but holds no key structure (random bytes pass a
 * check with odds under 2^-24). Linear: each character is read once as a token's or a run's, and
 * a run is decoded once.
 */

import { HEAD, isAlnumCode, keyLength } from './der-key.js';
import { seedTailStart } from './der-headless.js';
import { type Dump, dumpKeys } from './der-dump-keys.js';
import { hexAt } from './chars.js';

/** The narrowest token that starts a run (xxd -p prints 60 digits a line; `-c 16`, 32). */
const TOKEN_MIN = 32;

/**
 * The shortest text whose run may hold a secret: one token that starts a run. An `xxd -p` line of
 * 60 digits holds an Ed25519 key's header and 14 bytes of its seed (a dump cut across two events,
 * rules 20, part 11; the seed's other 18 bytes, alone in the next event, are a known limit).
 */
export const HEX_RUNS_MIN = 32;

/**
 * A narrower token starts a run only when the run's bytes begin with a private key's header
 * (rules 20, part 10: `xxd -p -c 12`, `-c 8` of a whole key; part 11: `-c 4` down to `-c 1`): at
 * least NARROW_TOKENS tokens of one width from NARROW_MIN digits and 12 bytes, the first starting
 * with `30` and its DER read by keyLength as a key's SEQUENCE and version. Digests, ids and data do
 * not start so. The cue: the version's `02 01` (every key's, within its first 8 bytes), whole or
 * split across a separator (`-c 4` of `30 81 87 02 | 01 00 …`).
 */
const NARROW_MIN = 2;
const NARROW_TOKENS = 3;
/** Every private key's version INTEGER (`02 01 00`, SEC1's `02 01 01`) in its first 8 bytes: the narrow runs' cue. */
const NARROW_CUE = '0201';

/** Whether `s` holds the narrow runs' cue: `0201`, or `02` ending a token and `01` starting the next. */
function hasNarrowCue(s: string): boolean {
  if (s.includes(NARROW_CUE)) return true;
  for (let i = s.indexOf('02'); i !== -1; i = s.indexOf('02', i + 2)) {
    const n = nextToken(s, i + 2);
    if (n !== -1 && s.charCodeAt(n) === 48 && s.charCodeAt(n + 1) === 49) return true;
  }
  return false;
}

/** Whether the shapes pass's longest token can start a run in `s`. */
export function mayHoldHexRun(longestToken: number, s: string): boolean {
  return longestToken >= TOKEN_MIN || (longestToken >= NARROW_MIN && hasNarrowCue(s));
}

/** The end of the hex token starting at `t`, or -1 when a letter or digit other than hex follows its digits. */
function tokenEnd(s: string, t: number): number {
  let k = t;
  while (hexAt(s, k) >= 0) k++;
  return isAlnumCode(s.charCodeAt(k)) ? -1 : k;
}

/** The most characters a separator between two tokens holds (a blank line between `\r\n`s, a tab, a few blanks). */
const SEPARATOR_MAX = 4;

function isBreak(c: number): boolean {
  return c === 10 || c === 13;
}

/** The first character from `k` that is no blank, or `k + SEPARATOR_MAX` (blanks only: no line break). */
function skipBlanks(s: string, k: number): number {
  let n = k;
  while (n - k < SEPARATOR_MAX && (s.charCodeAt(n) === 32 || s.charCodeAt(n) === 9)) n++;
  return n;
}

/**
 * After the separator at `e`: the next token's start, or -1. A separator is 1 to SEPARATOR_MAX
 * blanks and tabs (`tr '\n' ' '`, `paste -s`) or as many line breaks (`\r\n`, a blank line),
 * not both (a line's trailing blanks end its run: rules 20, part 6 reads those), or a JSON array's
 * `", "` between two of its strings (a dump logged as its lines): rules 20, part 10.
 */
function nextToken(s: string, e: number): number {
  let n = e;
  const c = s.charCodeAt(e);
  if (c === 34) {
    n = skipBlanks(s, e + 1);
    if (s.charCodeAt(n) !== 44) return -1;
    n = skipBlanks(s, n + 1);
    if (s.charCodeAt(n) !== 34) return -1;
    n++;
  } else if (isBreak(c)) while (n - e < SEPARATOR_MAX && isBreak(s.charCodeAt(n))) n++;
  else n = skipBlanks(s, e);
  return n > e && hexAt(s, n) >= 0 ? n : -1;
}

/**
 * Whether a token ending at `e` may be a dump's line: a blank, a line break, a quote (`"` or a quoted
 * message's `'`), an escape's backslash or the text's end follows it (a log prefix's `2026-12-01…` on
 * the next line is none).
 */
function endsLine(s: string, e: number): boolean {
  const c = s.charCodeAt(e);
  return e === s.length || c === 32 || c === 9 || c === 10 || c === 13 || c === 34 || c === 39 || c === 92;
}

/** Decodes the run whose first token is [t, e) (`width` digits) into a dump: each token one line. */
function readRun(s: string, t: number, e: number, width: number): Dump {
  const d: Dump = { bytes: [], at: [], lineEnd: [], group: [], end: e };
  for (let a = t, b = e; ; ) {
    const group = d.bytes.length;
    for (let k = a; k + 1 < b; k += 2) {
      d.bytes.push((hexAt(s, k) << 4) | hexAt(s, k + 1));
      d.at.push(k);
      d.lineEnd.push(b);
      d.group.push(group);
    }
    d.end = b;
    if (b - a !== width) break;
    const n = nextToken(s, b);
    if (n === -1) break;
    const ne = tokenEnd(s, n);
    if (ne === -1 || (ne - n) % 2 !== 0 || ne - n > width || !endsLine(s, ne)) break;
    a = n;
    b = ne;
  }
  return d;
}

/**
 * Whether the 2-digit token ending at `e` is followed by a blank or a tab: bytes joined by blanks
 * (`od -An -tx1`, util.inspect's `<Buffer 30 77 …>`) are rules 19's separated hex, with its own
 * checks (an inspect whose count does not make up the key's length stays); `xxd -p -c 1` puts one
 * byte on each line.
 */
function bytesBlanked(s: string, e: number, width: number): boolean {
  const c = s.charCodeAt(e);
  return width === 2 && (c === 32 || c === 9);
}

/** Whether a narrow run (`width` digits a token) holds NARROW_TOKENS tokens and its bytes begin with a private key's header. */
function startsKey(d: Dump, width: number): boolean {
  if (d.bytes.length <= ((NARROW_TOKENS - 1) * width) / 2) return false;
  for (let k = 0; k < 12; k++) HEAD[k] = d.bytes[k] as number;
  return keyLength() !== -1;
}

/** A run that starts in the OCTET STRINGs before an Edwards seed and ends with it (der-headless.ts seedTailStart): the whole run. */
function seedTail(d: Dump, spans: number[]): void {
  const lines = d.lineEnd[0] === d.end ? 1 : 2;
  if (seedTailStart(d.bytes, lines) !== -1) spans.push(d.at[0] as number, d.end);
}

/**
 * The private keys in the plain hex runs of `s` (see above), as [start, end) pairs: from the
 * secret's (or the key's) first digit to the end of the token holding its last byte.
 */
export function hexRunsKeySpans(s: string): number[] {
  const spans: number[] = [];
  const n = s.length;
  for (let i = 0; i < n; i++) {
    if (hexAt(s, i) < 0 || (i > 0 && isAlnumCode(s.charCodeAt(i - 1)))) continue;
    const e = tokenEnd(s, i);
    if (e === -1) {
      while (i + 1 < n && isAlnumCode(s.charCodeAt(i + 1))) i++;
      continue;
    }
    const width = e - i;
    const narrow =
      width < TOKEN_MIN &&
      width >= NARROW_MIN &&
      s.charCodeAt(i) === 51 &&
      s.charCodeAt(i + 1) === 48 &&
      !bytesBlanked(s, e, width);
    if ((width >= TOKEN_MIN || narrow) && width % 2 === 0) {
      const d = readRun(s, i, e, width);
      const before = spans.length;
      if (d.bytes.length >= 12 && (!narrow || startsKey(d, width))) dumpKeys(s, d, spans);
      if (spans.length === before && !narrow) seedTail(d, spans);
      i = d.end;
    } else i = e;
  }
  return spans;
}
