/**
 * A DER private key in an `xxd` dump in any of its layouts (rules 20): bytes single (`xxd -g1`:
 * `00000000: 30 77 02 01 …`), in pairs or wider groups (`-g2`, `-g4`, `-c` widths), and a key that
 * starts inside a line (`00000000: 6162 6330 7702 …`, the key after three other bytes). der-hex.ts
 * finds a pairs dump whose line starts with the key (`: 30`); the others are found here by
 * decoding the dump: every line `OOOOOOOO: hex groups  ASCII` (the offset's last digit is `0` for
 * every width that is a multiple of 16, the only cue searched), its bytes read in order with the
 * place of each in the text, then each `30` byte tried as a key's start by keyLength on 12 bytes and
 * the run to the declared length (or 100 bytes). A dump is decoded once, so the pass is linear.
 */

import { HEAD, keyLength } from './der-key.js';

/** The cue: an offset's last digit and `: ` (offsets of 16-byte lines end in `0`). */
const CUE = '0: ';
/** Blanks allowed before an offset (an indented dump in a config file's block scalar). */
const INDENT_MAX = 48;
/** A key read short of its declared length is one only from this many bytes on. */
const PARTIAL_MIN_BYTES = 100;
/** The most bytes an `xxd -c` line holds. */
const LINE_MAX_BYTES = 256;

function hexAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** The start of the 8-digit offset whose last digit is at `q`, when it starts a line (after blanks), else -1. */
function offsetStart(s: string, q: number): number {
  const at = q - 7;
  if (at < 0) return -1;
  for (let k = at; k < q; k++) if (hexAt(s, k) < 0) return -1;
  let b = at;
  while (b > 0 && at - b < INDENT_MAX && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  const c = b > 0 ? s.charCodeAt(b - 1) : 10;
  return c === 10 || c === 13 ? at : -1;
}

/** A decoded dump: its bytes, each byte's place (its first hex digit), each byte's line end. */
interface Dump {
  bytes: number[];
  at: number[];
  lineEnd: number[];
  /** Where the dump's text ends (the last line's end). */
  end: number;
}

/** Reads one line's hex groups from `i` (after `: `) into the dump; the line's end, or -1 if none. */
function readLine(s: string, i: number, d: Dump): number {
  let k = i;
  let n = 0;
  const first = d.bytes.length;
  while (n < LINE_MAX_BYTES) {
    const hi = hexAt(s, k);
    const lo = hexAt(s, k + 1);
    if (hi < 0 || lo < 0) break;
    d.bytes.push((hi << 4) | lo);
    d.at.push(k);
    n++;
    k += 2;
    // One blank between groups; two or more end the hex (the ASCII column follows).
    if (s.charCodeAt(k) === 32 && s.charCodeAt(k + 1) !== 32) k++;
  }
  if (n === 0) return -1;
  let e = s.indexOf('\n', k);
  if (e === -1) e = s.length;
  const lineEnd = e > k && s.charCodeAt(e - 1) === 13 ? e - 1 : e;
  for (let b = first; b < d.bytes.length; b++) d.lineEnd.push(lineEnd);
  return e;
}

/** The dump whose first offset starts at `at`: its lines while each starts with an offset and `: `. */
function readDump(s: string, at: number): Dump {
  const d: Dump = { bytes: [], at: [], lineEnd: [], end: at };
  let o = at;
  for (;;) {
    let ok = s.charCodeAt(o + 8) === 58 && s.charCodeAt(o + 9) === 32;
    for (let k = o; ok && k < o + 8; k++) ok = hexAt(s, k) >= 0;
    if (!ok) break;
    const e = readLine(s, o + 10, d);
    if (e === -1) break;
    d.end = e;
    // The next line: after the line break and an indent.
    let n = e + 1;
    while (n < s.length && n - e <= INDENT_MAX && (s.charCodeAt(n) === 32 || s.charCodeAt(n) === 9)) n++;
    if (n >= s.length) break;
    o = n;
  }
  return d;
}

/** The keys in a decoded dump, as [start, end) pairs of text: the key's hex and its last line's ASCII column. */
function dumpKeys(d: Dump, spans: number[]): void {
  const bytes = d.bytes;
  for (let b = 0; b + 12 <= bytes.length; b++) {
    if (bytes[b] !== 0x30) continue;
    for (let k = 0; k < 12; k++) HEAD[k] = bytes[b + k] as number;
    const len = keyLength();
    if (len === -1) continue;
    const got = Math.min(len, bytes.length - b);
    if (got < len && got < PARTIAL_MIN_BYTES) continue;
    const last = b + got - 1;
    spans.push(d.at[b] as number, d.lineEnd[last] as number);
    b = last;
  }
}

/**
 * The DER private keys in the `xxd` dumps of `s`, as [start, end) pairs: from the key's first hex
 * digit to the end of the line of its last byte (that line's ASCII column shows its printable
 * bytes). Linear: a cue costs 8 reads back unless it ends a line's offset; a dump is read once and
 * the search goes on after it.
 */
export function xxdDumpKeySpans(s: string): number[] {
  const spans: number[] = [];
  for (let q = s.indexOf(CUE); q !== -1; q = s.indexOf(CUE, q + 1)) {
    const at = offsetStart(s, q);
    if (at === -1) continue;
    const d = readDump(s, at);
    if (d.bytes.length >= 12) dumpKeys(d, spans);
    if (d.end > q) q = d.end - 1;
  }
  return spans;
}
