/**
 * A decoded hex dump's keys (rules 20): the bytes der-xxd.ts and hex-runs.ts read from a dump's
 * lines, each `30` tried as a key's start by keyLength, a key whose header the dump cut off by its
 * structure, an EC scalar's tail, and `xxd -e`'s little-endian words. Split from der-xxd.ts, whose
 * readers find the dumps' lines.
 */

import { HEADLESS, headlessKeyEnd, isScalarTail } from './der-headless.js';
import { HEAD, keyLength } from './der-key.js';
import { hexAt } from './chars.js';

/** A key read short of its declared length is one only from this many bytes on. */
const PARTIAL_MIN_BYTES = 100;

/** A decoded dump: its bytes, each byte's place (its first hex digit), each byte's line end. */
export interface Dump {
  bytes: number[];
  at: number[];
  lineEnd: number[];
  /** Each byte's group (the index of the group's first byte): xxd's blank-separated groups. */
  group: number[];
  /** Where the dump's text ends (the last line's end). */
  end: number;
}

/**
 * Whether the line before the one holding `at` is a dump line with no bytes (`00000011: [REDACTED]`):
 * a dump this redactor emptied, whose next line is no fragment's start (a scalar's tail before it was
 * censored with it; reading it as a start would censor more on a second pass).
 */
function afterEmptiedLine(s: string, at: number): boolean {
  const parts = s.slice(Math.max(0, at - 160), at).split(/\r?\n|\\n/);
  const prev = parts[parts.length - 2];
  // After a prefix too (rules 20, part 6: `host app[42]: 00000010: [REDACTED]`).
  // After a JSON string's opening quote too (`{"msg":"0000011 [REDACTED]`: rules 20, part 8).
  return prev !== undefined && /(?:^[\s"]*|[\s"])[0-9a-fA-F]{6,8}:? +[^0-9a-fA-F\s]/.test(prev);
}

/**
 * Whether the dump's first `b` bytes run on from line to line: each line holding one of them ends
 * its hex with the line or with two blanks (the ASCII column), not with one blank and other text
 * (a censor this redactor left mid-line: the bytes on either side of it are not adjacent).
 */
function contiguous(s: string, d: Dump, b: number): boolean {
  for (let k = 0; k < b; k++) {
    if (d.lineEnd[k] === d.lineEnd[k + 1]) continue;
    let p = d.at[k] as number;
    while (hexAt(s, p) >= 0) p++;
    let blanks = 0;
    while (s.charCodeAt(p + blanks) === 32) blanks++;
    if (blanks < 2 && p + blanks < (d.lineEnd[k] as number)) return false;
  }
  return true;
}

/** The keys in a decoded dump, as [start, end) pairs of text: the key's hex and its last line's ASCII column. */
export function dumpKeys(s: string, d: Dump, spans: number[]): void {
  const bytes = d.bytes;
  const before = spans.length;
  for (let b = 0; b + 12 <= bytes.length; b++) {
    // A fragment starting inside an EC scalar (rules 20, part 5): its tail before SEC1's [0]/[1].
    if (spans.length === before && (bytes[b] === 0xa0 || bytes[b] === 0xa1) && isScalarTail(bytes, b)) {
      if (afterEmptiedLine(s, d.at[0] as number) || !contiguous(s, d, b)) continue;
      spans.push(d.at[0] as number, d.lineEnd[b - 1] as number);
      continue;
    }
    if (bytes[b] !== 0x30) {
      // A key whose header the dump cut off (rules 20, part 4): the structure around its secret.
      const end = headlessKeyEnd(bytes, b);
      if (end === -1) continue;
      spans.push(d.at[HEADLESS.start] as number, d.lineEnd[end - 1] as number);
      b = end - 1;
      continue;
    }
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
 * `xxd -e`'s reading of a dump of 4-byte groups (rules 20, part 4): each group a little-endian word,
 * `bc048230` the bytes 30 82 04 bc. Each byte's place is its group's first digit, so a key is
 * censored from the group that holds its first byte. Read while the groups hold 4 bytes (`xxd -g4`
 * prints the same layout in order: both readings are tried); null under 12 bytes.
 */
export function wordSwapped(d: Dump): Dump | null {
  const g = d.group;
  const w: Dump = { bytes: [], at: [], lineEnd: [], group: g, end: d.end };
  for (let b = 0; b + 4 <= g.length; b += 4) {
    // A group of 4 from b: its bytes share b as their group, and the next byte starts another.
    if (g[b] !== b || g[b + 3] !== b || g[b + 4] === b) break;
    for (let k = 3; k >= 0; k--) {
      w.bytes.push(d.bytes[b + k] as number);
      w.at.push(d.at[b] as number);
      w.lineEnd.push(d.lineEnd[b + k] as number);
    }
  }
  return w.bytes.length >= 12 ? w : null;
}
