/**
 * Plain hex of a private key's DER in runs of equal-width tokens (rules 20, part 9): `xxd -p -s N`
 * (the dump starts N bytes into the DER, so no SEQUENCE header starts it and der-hex.ts's reader,
 * keyed on that header, never reads it), and any `xxd -p` dump whose lines were joined by single
 * spaces (a log shipper's or `tr '\n' ' '`'s flattening). A run is a token of 32 or more hex
 * digits (an even number, no letter or digit on either side), then while the token has the run's
 * first width, one blank or line break (`\n`, `\r\n`) and a token no wider. The run is decoded
 * once and read by der-xxd.ts's dumpKeys as a dump's bytes: a key from its `30` header, one whose
 * header the dump cut off from the structure around its secret (der-headless.ts), a fragment that
 * starts inside an EC scalar. Each token is a line of the dump: a span ends at its last byte's
 * token's end.
 *
 * Digests stay: a SHA-256 listing is a run too, but holds no key structure (random bytes pass a
 * check with odds under 2^-24). Linear: each character is read once as a token's or a run's, and
 * a run is decoded once.
 */

import { isAlnumCode } from './der-key.js';
import { type Dump, dumpKeys } from './der-xxd.js';

/** The narrowest token that starts a run (xxd -p prints 60 digits a line; `-c 16`, 32). */
const TOKEN_MIN = 32;

/** The shortest text whose run may hold a secret (an Ed25519 seed's 32 bytes). */
export const HEX_RUNS_MIN = 64;

/** Whether the shapes pass's longest token can start a run. */
export function mayHoldHexRun(longestToken: number): boolean {
  return longestToken >= TOKEN_MIN;
}

function hexAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** The end of the hex token starting at `t`, or -1 when a letter or digit other than hex follows its digits. */
function tokenEnd(s: string, t: number): number {
  let k = t;
  while (hexAt(s, k) >= 0) k++;
  return isAlnumCode(s.charCodeAt(k)) ? -1 : k;
}

/** After the one blank or line break at `e` (`\r\n` too): the next token's start, or -1. */
function nextToken(s: string, e: number): number {
  const c = s.charCodeAt(e);
  const n = c === 13 && s.charCodeAt(e + 1) === 10 ? e + 2 : c === 32 || c === 10 ? e + 1 : -1;
  return n !== -1 && hexAt(s, n) >= 0 ? n : -1;
}

/**
 * Whether a token ending at `e` may be a dump's line: a blank, a line break, a quote, an escape's
 * backslash or the text's end follows it (a log prefix's `2026-12-01…` on the next line is none).
 */
function endsLine(s: string, e: number): boolean {
  const c = s.charCodeAt(e);
  return e === s.length || c === 32 || c === 9 || c === 10 || c === 13 || c === 34 || c === 92;
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
    if (width >= TOKEN_MIN && width % 2 === 0) {
      const d = readRun(s, i, e, width);
      if (d.bytes.length >= 12) dumpKeys(s, d, spans);
      i = d.end;
    } else i = e;
  }
  return spans;
}
