/**
 * Dumps whose lines were joined by single spaces (rules 20, part 9): what a log shipper or
 * `tr '\n' ' '` makes of `xxd`, `od -A x -t x1z`, `od -t x1`, `hexdump`, `hexdump -C` or
 * `openssl asn1parse` output, alone or inside a longer message. The dump readers read a dump line
 * by line, so the text is read through a view in which the blank before each line's start is a
 * line break again. The view has the text's length (one character for one), so what the readers
 * find maps to the text as it is.
 *
 * A line's start is an offset (a token of 6 to 8 hex digits after a blank, with `:` or a blank
 * after it) in a chain: offsets a constant step apart (4 to 256 bytes, read as hex or, for `od`'s
 * default, as octal), the chain's last one up to a step on (od's and hexdump's closing offset).
 * An `xxd -g4` group is such a token but its values make no chain. In a text with asn1parse's cue,
 * a label's offset (`12:d=1`) and a `-dump` line's (`0010 - `) start lines too. The break goes on
 * the first blank of the run before the line's start (the previous line's padding goes with it).
 *
 * Only ever more: the raw passes ran on the text before this one, and the readers still want a
 * key's structure. Linear: one search of the text for offset tokens (bounded repeats), one pass
 * over the candidates, and each reader is linear on the view.
 */

import { asn1parseKeySpans, hasAsn1parseCue } from './asn1parse-dump.js';
import { plainDumpKeySpans, xxdDumpKeySpans } from './der-xxd.js';
import { backslashesBefore, endsString, forgetOpening, openingEscapes, wholeEscapes } from './json-string-level.js';

/** The cue: the zeros of a dump's early offsets (a key's dump ends before offset 0x10000). */
const CUE = '0000';

/**
 * An offset token at the text's start or after a blank, a quote (a JSON string's start, a quoted
 * message's `'`) or a name's `=` (logfmt's `dump=00000000: …`): 6 to 8 hex digits, then `:` or a blank (or the quote that ends the message, after
 * od's closing offset).
 */
const OFFSET = /(?<=^|[ \t"'=])[0-9a-fA-F]{6,8}(?=[: "']|$)/g;
/** asn1parse's line starts after a blank: a label's offset and depth, a `-dump` line's offset and ` - `. */
const ASN1_LINE = /(?<=[ \t])(?:\d{1,9}:d=\d|[0-9a-f]{4} - [0-9a-f]{2}[ -])/g;

/** Whether a text of one line may hold a flattened dump (the other readers took the rest). */
export function mayHoldFlattenedDump(s: string): boolean {
  return s.includes(CUE) || hasAsn1parseCue(s);
}

/** The value of the token `t` read as hex, or as octal (NaN when it holds an 8 or 9 or a letter). */
function values(t: string): [number, number] {
  return [Number.parseInt(t, 16), /^[0-7]+$/.test(t) ? Number.parseInt(t, 8) : Number.NaN];
}

/**
 * The first line break at or after `i`, or the text's length: a `\n`, or JSON's escaped `\n` at the
 * escaping `esc` of the string the dump is in (openingEscapes): `esc + 1` backslashes before the `n`
 * after any number of escaped backslashes (`\\n` in a string of the text is the ASCII column's `\`
 * and `n`, no break). In no string found (-1) any escaped `\n` counts.
 */
function breakFrom(s: string, i: number, esc: number): number {
  const end = nextOf(NEWLINE, s, '\n', i);
  for (let b = nextOf(ESCAPED_NEWLINE, s, '\\n', i); b < end; b = nextOf(ESCAPED_NEWLINE, s, '\\n', b + 1)) {
    if (esc === -1) return b;
    const n = backslashesBefore(s, b + 1, i);
    if (n % (2 * (esc + 1)) === esc + 1) return b + 1 - esc - 1;
  }
  return end;
}

/**
 * The first `needle` at or after `i` in `s`, or its length: the last search is kept in `c`, so a
 * text with none (a view whose breaks were decoded) is not searched to its end once a candidate.
 */
function nextOf(c: { text: string; from: number; at: number }, s: string, needle: string, i: number): number {
  if (c.text === s && c.from <= i && i <= c.at) return c.at;
  const a = s.indexOf(needle, i);
  c.text = s;
  c.from = i;
  c.at = a === -1 ? s.length : a;
  return c.at;
}

/** The last `\n` breakFrom found in `text` from `from` (its length for none), for nextOf. */
const NEWLINE = { text: '', from: 0, at: 0 };
/** The same for the first escaped `\n` (`\` then `n`). */
const ESCAPED_NEWLINE = { text: '', from: 0, at: 0 };

/**
 * The offsets in chains, as their tokens' starts (each chain's first also in `heads`). Two offsets
 * are in a chain only with no line break between them: a dump whose lines are lines (behind a
 * prefix, in a JSON string) is the other readers' and keeps its structure.
 */
function chainedOffsets(s: string, heads: number[]): number[] {
  const at: number[] = [];
  const vals: [number, number][] = [];
  const widths: number[] = [];
  OFFSET.lastIndex = 0;
  for (let m = OFFSET.exec(s); m !== null; m = OFFSET.exec(s)) {
    at.push(m.index);
    vals.push(values(m[0]));
    widths.push(m[0].length);
  }
  const out: number[] = [];
  // The chain being followed: its radix (0 hex, 1 octal), its step, its last value; -1 for none.
  let radix = -1;
  let step = 0;
  let last = 0;
  // The escaping of the chain's string (or of the candidate that may start one), and for each
  // escaping the last line break found (searched again only once passed: linear).
  let esc = -1;
  // Whether the chain's lines were joined by blanks alone at least once (a flattened dump's).
  let joined = false;
  const found = new Map<number, number>();
  const nextBreak = (from: number): number => {
    const c = found.get(esc);
    if (c !== undefined && c >= from) return c;
    const b = breakFrom(s, from, esc);
    found.set(esc, b);
    return b;
  };
  for (let k = 0; k < at.length; k++) {
    const v = vals[k] as [number, number];
    const a = at[k] as number;
    const x0 = radix === -1 ? Number.NaN : (v[radix] as number);
    // The chain goes on at `a`: its next offset, or its closing one (below).
    const next = x0 === last + step || (x0 > last && x0 < last + step);
    // A line break since the candidate before: no chain goes on across it. Outside a JSON string an
    // escaped `\n` with no raw break is one only when the offset after it does not go on with the
    // chain: a flattened xxd dump's ASCII column shows the bytes `\` and `n` as `\n` (a random key's
    // dump did, and the rest of its seed stayed), while a dump whose lines were escaped is the
    // line readers' (der-xxd.ts), read there before this view.
    const broken = k > 0 && radix !== -1 && nextBreak(at[k - 1] as number) < a;
    if (broken && !columnEscape(s, at[k - 1] as number, a, esc, next, joined)) radix = -1;
    const x = radix === -1 ? Number.NaN : (v[radix] as number);
    if (x === last + step) {
      joined ||= !broken;
      out.push(a);
      last += step;
      continue;
    }
    // The chain's closing offset (od's and hexdump's: the length dumped), less than a step on.
    if (x > last && x < last + step) out.push(a);
    radix = -1;
    const w = vals[k + 1];
    if (w === undefined || widths[k + 1] !== widths[k]) continue;
    esc = openingEscapes(s, a);
    const escapes = nextBreak(a) < (at[k + 1] as number);
    if (escapes && !columnEscape(s, a, at[k + 1] as number, esc, true, false)) continue;
    joined = false;
    radix = chainRadix(vals, k);
    if (radix === -1) continue;
    step = (w[radix] as number) - (v[radix] as number);
    last = v[radix] as number;
    out.push(a);
    heads.push(a);
  }
  return out;
}

/** How many offsets chainRadix reads on to choose a radix (od's hex reading breaks within 4 lines, hexdump's octal within 8). */
const RADIX_LOOKAHEAD = 12;

/**
 * The radix (0 hex, 1 octal) in which the offsets from the `k`th start a chain (a step of 4 to 256),
 * or -1. Where both do, the one that goes on longer, up to RADIX_LOOKAHEAD offsets (at a tie, hex):
 * od's octal offsets (`0000020`) read as hex too, with a step of 32 up to `0000100`, and a chain
 * restarted there in hex took no last line of fewer than 4 bytes nor the closing offset after it.
 */
function chainRadix(vals: readonly [number, number][], k: number): number {
  let best = -1;
  let run = 0;
  for (const r of [0, 1]) {
    const v0 = (vals[k] as [number, number])[r] as number;
    const d = ((vals[k + 1] as [number, number])[r] as number) - v0;
    if (!(d >= 4 && d <= 256)) continue;
    let j = k + 2;
    while (j < vals.length && j - k < RADIX_LOOKAHEAD && (vals[j] as [number, number])[r] === v0 + (j - k) * d) j++;
    if (j - k > run) {
      best = r;
      run = j - k;
    }
  }
  return best;
}

/**
 * Whether the break between the offsets at `from` and `to` is only escaped `\n`s of an ASCII column:
 * the dump is in no JSON string (`esc` -1), no raw line break is between, the offset at `to` goes on
 * with the chain (`continues`), and blanks join it to what is before, as a flattened dump's lines
 * are joined (an escaped `\n` right before the blanks is a line's end, unless the chain's lines
 * were joined by blanks alone before, `joined`: then it ends the column, as `\` and `n` bytes last
 * on a line print).
 */
function columnEscape(s: string, from: number, to: number, esc: number, continues: boolean, joined: boolean): boolean {
  if (!continues || esc !== -1 || nextOf(NEWLINE, s, '\n', from) < to) return false;
  let b = to;
  while (b > from && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return b < to && (joined || !(s.charCodeAt(b - 1) === 110 && s.charCodeAt(b - 2) === 92));
}

/** The view: `s` with the blank run before each line start's first blank (or the `"`, `'` or `=` before it) a line break. */
function flattenedView(s: string, starts: readonly number[]): string {
  const chars = s.split('');
  for (const t of starts) {
    const q = s.charCodeAt(t - 1);
    if (q === 34 || q === 39 || q === 61) {
      chars[t - 1] = '\n';
      continue;
    }
    let b = t;
    while (b > 0 && t - b < 48 && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
    if (b < t) chars[b] = '\n';
  }
  return chars.join('');
}

/** The private keys in the flattened dumps of `s`, as [start, end) pairs (the view's are the text's). */
export function flattenedDumpKeySpans(s: string): number[] {
  const heads: number[] = [];
  const starts = chainedOffsets(s, heads);
  const asn1 = hasAsn1parseCue(s);
  if (asn1) {
    ASN1_LINE.lastIndex = 0;
    for (let m = ASN1_LINE.exec(s), first = true; m !== null; m = ASN1_LINE.exec(s), first = false) {
      // A listing starts at its first line or at the key's own label (`0:d=0`).
      if (first || m[0].startsWith('0:d=0')) heads.push(m.index);
      starts.push(m.index);
    }
  }
  if (starts.length < 2) {
    forgetOpening();
    NEWLINE.text = '';
    ESCAPED_NEWLINE.text = '';
    return [];
  }
  heads.sort((x, y) => x - y);
  const v = flattenedView(s, starts);
  const spans = xxdDumpKeySpans(v);
  for (const x of plainDumpKeySpans(v)) spans.push(x);
  if (asn1) for (const x of asn1parseKeySpans(v)) spans.push(x);
  for (let k = 1; k < spans.length; k += 2) {
    const a = spans[k - 1] as number;
    const n0 = openingEscapes(s, headBefore(heads, a));
    // The view lost the quote that opened the dump's string (a line break now): read one level short,
    // a column's `\\\"` could end after its `\\`.
    spans[k] = Math.min(wholeEscapes(s, spans[k] as number, n0), stringEnd(s, a, n0));
  }
  forgetOpening();
  NEWLINE.text = '';
  ESCAPED_NEWLINE.text = '';
  return spans;
}

/** The last chain head at or before `a` (the start of the dump that holds it), else `a`. */
function headBefore(heads: readonly number[], a: number): number {
  let lo = 0;
  let hi = heads.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((heads[mid] as number) <= a) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? a : (heads[lo - 1] as number);
}

/**
 * Where the JSON string that holds a dump ends, searched from `a`: before the quote escaped as its
 * opening quote is (`n0` backslashes, openingEscapes at the dump's head; and that quote's
 * backslashes) that a `,`, `}` or `]` follows or that ends the text; the text's length when none
 * does or the dump is in no JSON string (`n0` -1). A
 * flattened dump's last line runs on to the text's end in the view (asn1parse's value to the line's
 * end): its span stops there, so the JSON around it stays valid. A quote in the dump's ASCII column
 * is escaped once more than the string's own (`\"` in a string of the text): it ends nothing, even
 * when a `,`, `}` or `]` of the column follows it.
 */
function stringEnd(s: string, a: number, n0: number): number {
  if (n0 === -1) return s.length;
  for (let q = s.indexOf('"', a); q !== -1; q = s.indexOf('"', q + 1)) {
    const c = s.charCodeAt(q + 1);
    if (!(q + 1 === s.length || c === 44 || c === 125 || c === 93)) continue;
    // Escaped backslashes (the column's `\\`) may come before the quote's own escapes.
    if (!endsString(backslashesBefore(s, q, a), n0)) continue;
    return q - n0;
  }
  return s.length;
}
