/**
 * A DER private key in an `xxd` dump in any of its layouts (rules 20): bytes single (`xxd -g1`:
 * `00000000: 30 77 02 01 …`), in pairs or wider groups (`-g2`, `-g4`, `-c` widths), and a key that
 * starts inside a line (`00000000: 6162 6330 7702 …`, the key after three other bytes). der-hex.ts
 * finds a pairs dump whose line starts with the key (`: 30`); the others are found here by
 * decoding the dump: every line `OOOOOOOO: hex groups  ASCII` (the offset's last digit is `0` for
 * every width that is a multiple of 16, the only cue searched), its bytes read in order with the
 * place of each in the text, then each `30` byte tried as a key's start by keyLength on 12 bytes and
 * the run to the declared length (or 100 bytes). A dump is decoded once, so the pass is linear.
 *
 * Rules 20, part 3: the same decoding for the dumps whose offsets have no `:` (`od -A x -t x1z`,
 * `od -t x1`, plain `hexdump`'s 16-bit little-endian words `8130 0287 …`, `od -t x2`), found from
 * their first line's offset (`000000 `: 6 to 8 digits, then one blank), and for an xxd dump inside a
 * JSON string (its offset after `"` or an escaped `\n`, its lines ending at an escaped `\n`).
 */

import { hexAt } from './chars.js';
import { type Dump, dumpKeys, wordSwapped } from './der-dump-keys.js';
import { escapeLength, forgetRawLines, offsetAfter, offsetToken, quotedEnd, rawLines } from './dump-offsets.js';
import { backslashesBefore, endsString, forgetOpening, openingEscapes } from './json-string-level.js';

/** The cue: an offset's last digit and `: ` (offsets of 16-byte lines end in `0`). */
const CUE = '0: ';
/** Blanks allowed before an offset (an indented dump in a config file's block scalar). */
const INDENT_MAX = 48;
/** The most bytes an `xxd -c` line holds. */
const LINE_MAX_BYTES = 256;

/** The cue in a text of more than one line: any offset's `: `. */
const ANY_CUE = ': ';

/** Whether `s` may hold an xxd dump: an offset ending in `0` (CUE), or in a text of more than one line any offset's `: `. */
export function hasXxdCue(s: string): boolean {
  return s.includes(CUE) || (s.includes(ANY_CUE) && (s.includes('\n') || s.includes('\\n')));
}

/** The cue of a dump whose offsets have no `:` (od, hexdump): its first offset, 0, and one blank. */
export const PLAIN_CUE = '000000 ';

/** Whether the dump being read has offsets with no `:` (od, hexdump). */
let PLAIN = false;
/** Whether the dump being read is inside a JSON string (its lines end at an escaped `\n`). */
let ESCAPED = false;

/**
 * Whether `at` starts a line (after blanks): after a line break or the text's start, or, setting
 * ESCAPED, after JSON's escaped `\n` or a string's opening `"`.
 */
function startsLine(s: string, at: number): boolean {
  PREFIX = 0;
  LEAD = false;
  let b = at;
  while (b > 0 && at - b < INDENT_MAX && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  const c = b > 0 ? s.charCodeAt(b - 1) : 10;
  // A quote's or a name's raw lines may go on behind a prefix (syslog's): their offsets are found by value (LEAD).
  LEAD = (c === 34 || c === 39 || c === 61) && rawLines(s, at, PREFIX_MAX);
  ESCAPED = (c === 34 && !LEAD) || (c === 110 && s.charCodeAt(b - 2) === 92 && s.charCodeAt(b - 3) !== 92);
  // After a single quote or a name's `=` too (`key='00000000: …`, logfmt's `dump=00000000: …`): no
  // JSON string's, so its lines are raw ones.
  return c === 10 || c === 13 || c === 34 || c === 39 || c === 61 || ESCAPED || prefixedLine(s, at);
}

/** The longest per-line prefix before a dump's offset (a syslog line's time, host and tag). */
const PREFIX_MAX = 96;
/** The first line's prefix length (rules 20, part 6): each dump line is read after as many characters, else 0. */
let PREFIX = 0;

/**
 * Whether the offset at `at` follows a blank with its line's start at most PREFIX_MAX characters
 * back (syslog's `host app[42]: `, a time, a `> ` quote, a line number), setting PREFIX.
 */
function prefixedLine(s: string, at: number): boolean {
  if (s.charCodeAt(at - 1) !== 32) return false;
  for (let l = at - 1; l >= 0 && at - l <= PREFIX_MAX; l--) {
    const d = s.charCodeAt(l);
    if (d === 10 || d === 13) {
      PREFIX = at - l - 1;
      return true;
    }
  }
  if (at <= PREFIX_MAX) PREFIX = at;
  // A dump's first offset (all zeros) after a message longer than any prefix (at57 P1): a line
  // start, whose prefix the next lines do not repeat; its lines end as the line's own break is written.
  if (PREFIX > 0 || !zeroOffset(s, at)) return PREFIX > 0;
  ESCAPED = escapedLine(s, at);
  LEAD = true;
  return true;
}

/** Whether the dump's first line was taken after a message longer than any prefix (prefixedLine). */
let LEAD = false;

/** Whether the line from `at` ends at an escaped `\n` (escapedBreak) before any raw one, within 1 KiB. */
function escapedLine(s: string, at: number): boolean {
  const e = escapedBreak(s, at);
  return e !== -1 && e < at + 1024 && !s.slice(at, e).includes('\n');
}

/** Whether an offset of zeros only (6 to 8, then `:` or a blank) starts at `at`. */
function zeroOffset(s: string, at: number): boolean {
  return offsetToken(s, at, true);
}

/** The start of the 8-digit offset whose last digit is at `q`, when it starts a line (after blanks), else -1. */
function offsetStart(s: string, q: number): number {
  const at = q - 7;
  if (at < 0) return -1;
  for (let k = at; k < q; k++) if (hexAt(s, k) < 0) return -1;
  return startsLine(s, at) ? at : -1;
}

/** The start of the plain offset (6 to 8 digits) ending in the PLAIN_CUE at `q`, when it starts a line, else -1. */
function plainOffsetStart(s: string, q: number): number {
  let at = q;
  while (at > 0 && q - at < 2 && hexAt(s, at - 1) >= 0) at--;
  return startsLine(s, at) ? at : -1;
}

/** After the offset at `o`: where its line's bytes start, or -1 (`OOOOOOOO: ` for xxd, 6-8 digits and a blank plain). */
function bytesStart(s: string, o: number): number {
  if (!PLAIN) {
    for (let k = o; k < o + 8; k++) if (hexAt(s, k) < 0) return -1;
    return s.charCodeAt(o + 8) === 58 && s.charCodeAt(o + 9) === 32 ? o + 10 : -1;
  }
  let k = o;
  while (k - o < 8 && hexAt(s, k) >= 0) k++;
  if (k - o < 6 || s.charCodeAt(k) !== 32) return -1;
  // hexdump -C: 8 digits and two blanks (rules 20, part 4: a fragment from `-s`, not only from 0).
  if (k - o === 8 && s.charCodeAt(k + 1) === 32) k++;
  return hexAt(s, k + 1) >= 0 ? k + 1 : -1;
}

/** hexdump -C's two blanks after a line's 8th byte: a byte follows them (its ASCII column starts with `|`). */
function isMidGap(s: string, k: number): boolean {
  return (
    s.charCodeAt(k) === 32 &&
    s.charCodeAt(k + 1) === 32 &&
    hexAt(s, k + 2) >= 0 &&
    hexAt(s, k + 3) >= 0 &&
    s.charCodeAt(k + 4) === 32
  );
}

/** Where the line from `k` ends (the index of its `\n`, or of the `\` of an escaped `\n`), or the text's end. */
function lineBreak(s: string, k: number): number {
  BREAKLESS = false;
  if (!ESCAPED) {
    const e = s.indexOf('\n', k);
    BREAKLESS = e === -1;
    return e === -1 ? stringEnd(s, k) : e;
  }
  const e = escapedBreak(s, k);
  if (e !== -1) return e;
  BREAKLESS = true;
  return stringEnd(s, k);
}

/**
 * The first escaped `\n` from `k` that is one (its backslash not itself escaped), or -1. The last
 * search is kept (ESCAPED_BREAK): a line's `k` follows its hex, never a backslash, so an answer
 * found from before `k` and at or after it is the answer from `k`, and a text with many `\\n` in
 * its columns is searched once, not once a line.
 */
function escapedBreak(s: string, k: number): number {
  const c = ESCAPED_BREAK;
  if (c.text === s && c.from <= k && (c.at === -1 || c.at >= k) && s.charCodeAt(k - 1) !== 92) return c.at;
  let found = -1;
  for (let e = s.indexOf('\\n', k); e !== -1; e = s.indexOf('\\n', e + 1)) {
    // An escaped backslash before `n` (`\\n`) is a column's text, not a line break.
    if (backslashesBefore(s, e, k) % 2 === 0) {
      found = e;
      break;
    }
  }
  Object.assign(c, { text: s, from: k, at: found });
  return found;
}

const ESCAPED_BREAK = { text: '', from: 0, at: -1 };

/** Whether the line lineBreak last ended has no line break of its own (its string's or the text's end). */
let BREAKLESS = false;

/**
 * Where a line with no line break of its own escaping level ends (rules 20, part 8): before the
 * quote that ends its string (in a text escaped once, ESCAPED, a quote behind one escape is one
 * too) and that quote's backslashes, so a span never runs over a JSON string's end (the text's end
 * when there is none); -1 when a line break escaped once more comes first (a dump in JSON in a JSON
 * string: its lines are read in the unescaped view, escaped-view.ts, not as one line here).
 */
function stringEnd(s: string, k: number): number {
  const q = endingQuote(s, k);
  let end = s.length;
  if (q !== -1) {
    end = q - backslashesBefore(s, q, k);
  }
  if (!(DEEPER.text === s && DEEPER.from <= k && (DEEPER.at === -1 || DEEPER.at >= k)))
    Object.assign(DEEPER, { text: s, from: k, at: s.indexOf('\\n', k) });
  if (DEEPER.at === -1 || (ESCAPED && DEEPER.at >= end)) return end;
  // In no JSON string, a `\n` that no offset follows is the ASCII column's `\` and `n` bytes (a flattened
  // dump's last line): the line runs on; one an offset follows is a line break escaped (the view's). In
  // a string, so is one behind an even count of backslashes (`\\\\n` in JSON in a JSON string, which the
  // flattened view reads one level short): the string's own line break has an odd count.
  if (!ESCAPED && (OPEN === -1 || backslashesBefore(s, DEEPER.at + 1, k) % 2 === 0) && !offsetAfter(s, DEEPER.at + 2))
    return end;
  // Outside a string's escapes a quote may be a dump's ASCII column: the whole rest is the view's.
  STRING_END = ESCAPED ? end : s.length;
  return -1;
}

/** Where the string ends whose line the last stringEnd found escaped once more (the readers go on after it), else 0. */
let STRING_END = 0;

/**
 * The last searches of endingQuote and stringEnd, for the text `text` from `from` (a later search
 * from before the found place has the same answer): a one-line text is searched once, not once a cue.
 */
const QUOTE = { text: '', escaped: false, open: -1, from: 0, at: -1 };
const DEEPER = { text: '', from: 0, at: -1 };

/** Forgets the last searches (the text they hold). */
function forgetSearches(): void {
  forgetOpening();
  QUOTE.text = '';
  ESCAPED_BREAK.text = '';
  DEEPER.text = '';
  forgetRawLines();
}

/** The first quote from `k` that ends a string of the dump's escaping level, or -1. */
function endingQuote(s: string, k: number): number {
  const c = QUOTE;
  if (c.text === s && c.escaped === ESCAPED && c.open === OPEN && c.from <= k && (c.at === -1 || c.at >= k))
    return c.at;
  let found = -1;
  for (let q = s.indexOf('"', k); q !== -1; q = s.indexOf('"', q + 1)) {
    const n = backslashesBefore(s, q, k);
    // Known: the opening quote's escapes (an ASCII column's `"` has more); else any string's end.
    if (OPEN !== -1 ? endsString(n, OPEN) : n % 2 === 0 || (ESCAPED && n % 4 === 1)) {
      found = q;
      break;
    }
  }
  Object.assign(c, { text: s, escaped: ESCAPED, open: OPEN, from: k, at: found });
  return found;
}

/** The escapes of the quote that opened the JSON string the dump being read is in (openingEscapes), -1 when none. */
let OPEN = -1;

/** Reads one line's hex groups from `i` (after `: `) into the dump; the line's end, or -1 if none. */
function readLine(s: string, i: number, d: Dump): number {
  let k = i;
  let n = 0;
  let group = d.bytes.length;
  const first = d.bytes.length;
  while (n < LINE_MAX_BYTES) {
    const hi = hexAt(s, k);
    const lo = hexAt(s, k + 1);
    if (hi < 0 || lo < 0) break;
    // hexdump's and od -t x2's 16-bit words are little-endian: `8130` is the bytes 30 81.
    if (PLAIN && hexAt(s, k + 2) >= 0 && hexAt(s, k + 3) >= 0) {
      d.bytes.push((hexAt(s, k + 2) << 4) | hexAt(s, k + 3), (hi << 4) | lo);
      d.at.push(k, k);
      n += 2;
      k += 4;
    } else {
      if (n === 0 || s.charCodeAt(k - 1) === 32) group = d.bytes.length;
      d.bytes.push((hi << 4) | lo);
      d.at.push(k);
      d.group.push(group);
      n++;
      k += 2;
    }
    // One blank between groups; two or more end the hex (the ASCII column follows).
    if (s.charCodeAt(k) === 32 && s.charCodeAt(k + 1) !== 32) k++;
    else if (PLAIN && isMidGap(s, k)) k += 2;
    else if (PLAIN) break;
  }
  const e = n === 0 ? -1 : lineBreak(s, k);
  if (e === -1) {
    d.bytes.length = first;
    d.at.length = first;
    d.group.length = Math.min(d.group.length, first);
    return -1;
  }
  const cr = ESCAPED ? s.charCodeAt(e - 2) === 92 && s.charCodeAt(e - 1) === 114 : s.charCodeAt(e - 1) === 13;
  let lineEnd = e > k && cr ? e - (ESCAPED ? 2 : 1) : e;
  if (!PLAIN) lineEnd = asciiEnd(s, i, (d.at[d.at.length - 1] as number) + 2, n, lineEnd);
  else if (!ESCAPED) lineEnd = quotedEnd(s, k, n, lineEnd);
  for (let b = first; b < d.bytes.length; b++) d.lineEnd.push(lineEnd);
  return e;
}

/** The column (from a line's bytes) of the dump's ASCII column, learned from its first full line; -1 before. */
let ASCII_COL = -1;

/**
 * Where an xxd line's ASCII column ends (rules 20, part 11): `n` characters from ASCII_COL, when
 * the line has no line break of its own (a flattened dump's last line, a dump that words follow on
 * its line): the words after it stay. A full line's hex is followed by exactly two blanks (a short
 * one's by padding); a line with its own break ends there, as before. A backslash that starts a
 * valid JSON escape counts as one character with it (a raw `\` byte before such a character then takes
 * it too: more censored, never less).
 */
function asciiEnd(s: string, from: number, hexEnd: number, n: number, lineEnd: number): number {
  if (
    ASCII_COL === -1 &&
    s.charCodeAt(hexEnd) === 32 &&
    s.charCodeAt(hexEnd + 1) === 32 &&
    s.charCodeAt(hexEnd + 2) !== 32
  )
    ASCII_COL = hexEnd + 2 - from;
  const a = from + ASCII_COL;
  if (ASCII_COL === -1 || a < hexEnd + 2) return lineEnd;
  if (s.charCodeAt(a - 1) !== 32 || s.charCodeAt(a - 2) !== 32) return lineEnd;
  // A JSON escape (`\"`, `\\`, `\u0007`) is one byte's character: counted short, the column's tail would stay.
  // Only a backslash that starts a valid escape counts so: a raw dump's `\` byte is mostly followed by `.`.
  let p = a;
  for (let m = 0; m < n && p < lineEnd; m++) p += escapeLength(s, p);
  if (BREAKLESS) return Math.min(p, lineEnd);
  // A line with its own break that goes on after its column with a quote or a blank (a dump's last
  // line, then the quote that closes the message, `…..o......" done`, or words): it ends there too.
  const c = s.charCodeAt(p);
  return p < lineEnd && (c === 34 || c === 39 || c === 32 || c === 9) ? p : lineEnd;
}

/** The dump whose first offset starts at `at`: its lines while each starts with an offset and `: `. */
function readDump(s: string, at: number): Dump {
  const d: Dump = { bytes: [], at: [], lineEnd: [], group: [], end: at };
  ASCII_COL = -1;
  OPEN = openingEscapes(s, at);
  const lead = LEAD;
  let o = at;
  for (;;) {
    const from = bytesStart(s, o);
    if (from === -1) break;
    STRING_END = 0;
    const first = d.bytes.length;
    const e = readLine(s, from, d);
    if (e === -1) {
      // A line escaped once more: the rest of its string is the unescaped view's to read.
      d.end = Math.max(d.end, STRING_END);
      break;
    }
    d.end = e;
    // The next line: after the line break and an indent.
    let n = e + (ESCAPED ? 2 : 1);
    // A prefixed dump (rules 20, part 6): the next line's offset after as many characters as the first line's prefix
    // (after the line's own break: one that ended at a quote, with none, is no prefixed line's).
    if (PREFIX > 0 && !ESCAPED && !BREAKLESS) {
      let k = n;
      while (k < n + PREFIX && k < s.length && s.charCodeAt(k) !== 10 && s.charCodeAt(k) !== 13) k++;
      if (k === n + PREFIX && bytesStart(s, k) !== -1) {
        o = k;
        continue;
      }
    }
    // Words before the next offset that the first line did not have, or the reverse (at57 P1, P3):
    // the next offset itself, found by its value.
    // Only after a line break of the line's own (a flattened dump is the flattened view's).
    const next = !BREAKLESS && (PREFIX > 0 || lead) ? nextOffset(s, n, o, d.bytes.length - first) : -1;
    if (next !== -1) {
      o = next;
      continue;
    }
    while (n < s.length && n - e <= INDENT_MAX && (s.charCodeAt(n) === 32 || s.charCodeAt(n) === 9)) n++;
    if (n >= s.length) break;
    o = n;
  }
  return d;
}

/**
 * Where the offset that follows the one at `o` (its value plus the line's `bytes`, as wide and in
 * the same radix) starts on the line from `n`, after a blank and within PREFIX_MAX characters; -1.
 */
function nextOffset(s: string, n: number, o: number, bytes: number): number {
  let w = 0;
  while (w < 8 && hexAt(s, o + w) >= 0) w++;
  const digits = s.slice(o, o + w);
  const tail = PLAIN ? ' ' : ': ';
  for (const radix of PLAIN && /^[0-7]+$/.test(digits) ? [16, 8] : [16]) {
    const want = (Number.parseInt(digits, radix) + bytes).toString(radix).padStart(w, '0') + tail;
    const window = s.slice(n, n + PREFIX_MAX + want.length);
    const k = n + window.indexOf(want);
    const between = s.slice(n, k);
    if (k > n && s.charCodeAt(k - 1) === 32 && !/[\r\n]/.test(between) && !between.includes('\\n')) return k;
  }
  return -1;
}

/**
 * The DER private keys in the `xxd` dumps of `s`, as [start, end) pairs: from the key's first hex
 * digit to the end of the line of its last byte (that line's ASCII column shows its printable
 * bytes). Linear: a cue costs 8 reads back unless it ends a line's offset; a dump is read once and
 * the search goes on after it.
 */
export function xxdDumpKeySpans(s: string): number[] {
  const spans: number[] = [];
  PLAIN = false;
  // A text of more than one line may hold a dump whose offsets do not end in `0` (`xxd -s 5`, a
  // `-c 12` fragment): there any offset's `: ` is a cue (rules 20, part 3); a key needs 3 lines or a
  // 48-byte line (`-c 48` and wider, found by CUE).
  const cue = s.includes('\n') || s.includes('\\n') ? ANY_CUE : CUE;
  const back = cue === ANY_CUE ? 1 : 0;
  for (let q = s.indexOf(cue); q !== -1; q = s.indexOf(cue, q + 1)) {
    if (back === 1 && hexAt(s, q - 1) < 0) continue;
    const at = offsetStart(s, q - back);
    if (at === -1) continue;
    const d = readDump(s, at);
    if (d.bytes.length >= 12) {
      const before = spans.length;
      dumpKeys(s, d, spans);
      const w = spans.length === before ? wordSwapped(d) : null;
      if (w !== null) dumpKeys(s, w, spans);
    }
    if (d.end > q) q = d.end - 1;
  }
  forgetSearches();
  return spans;
}

/** The next line break after `n`, or -2 when there is none. */
function nextBreak(s: string, n: number): number {
  const e = s.indexOf('\n', n + 1);
  return e === -1 ? -2 : e;
}

/**
 * The DER private keys in the dumps whose offsets have no `:` (`od`, plain `hexdump`), as
 * xxdDumpKeySpans gives them. Found from the first offset's PLAIN_CUE and, in a text of more than
 * one line, from any line that starts with an offset (rules 20, part 4: `od -j`, `hexdump -s`, a
 * fragment not starting at offset 0). Linear: a cue costs 2 reads back and 48 of indent unless it
 * starts a line, a line start one read unless a hex digit is there; a dump is read once and the
 * search goes on after it.
 */
export function plainDumpKeySpans(s: string): number[] {
  const spans: number[] = [];
  PLAIN = true;
  // The dumps read from PLAIN_CUE, as [start, end) pairs: the line starts in them are not read again.
  const read: number[] = [];
  for (let q = s.indexOf(PLAIN_CUE); q !== -1; q = s.indexOf(PLAIN_CUE, q + 1)) {
    const at = plainOffsetStart(s, q);
    if (at === -1) continue;
    const d = readDump(s, at);
    read.push(at, d.end);
    if (d.bytes.length >= 12) dumpKeys(s, d, spans);
    if (d.end > q) q = d.end - 1;
  }
  let r = 0;
  // Each line's start: the text's (n = -1) and after each line break; none in a one-line text.
  for (let n = s.includes('\n') ? -1 : -2; n !== -2; n = nextBreak(s, n)) {
    let at = n + 1;
    while (at < s.length && at - n <= INDENT_MAX && (s.charCodeAt(at) === 32 || s.charCodeAt(at) === 9)) at++;
    if (hexAt(s, at) < 0) continue;
    while (r < read.length && (read[r + 1] as number) <= at) r += 2;
    if (r < read.length && (read[r] as number) <= at) continue;
    ESCAPED = false;
    PREFIX = 0;
    LEAD = false;
    if (bytesStart(s, at) === -1) continue;
    const d = readDump(s, at);
    if (d.bytes.length >= 12) dumpKeys(s, d, spans);
    if (d.end > n) n = d.end - 1;
  }
  PLAIN = false;
  forgetSearches();
  return spans;
}
