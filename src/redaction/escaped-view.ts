/**
 * Dumps of a private key inside a JSON string (rules 20, part 7): an `xxd`, `od`, `hexdump`,
 * `openssl asn1parse` or `-text` dump, a Python repr, `xxd -p` hex, once the dump was put in a
 * JSON string (its line breaks are then the two characters `\` `n`, its quotes `\"`) or in a JSON
 * string inside a JSON string (`\\n`). Rather than teach every dump reader the escapes, the text is
 * read through an unescaped view: JSON's escapes decoded (`\n`, `\r`, `\t`, `\b`, `\f`, `\"`, `\\`,
 * `\/`, `\uXXXX`), each character of the view keeping the offset of its escape in the text. The
 * readers run on the view as they run on a raw dump, and what they find is censored in the text
 * from the first escape's start to the last one's end, so a span never cuts an escape in half and
 * the JSON stays valid. A quote that was no escape starts or ends a string: the readers that start a
 * fragment at a line's start also read the view with such quotes as line breaks. Text escaped twice or three times is decoded again (a view of the view),
 * each view read. An escape JSON does not know (`\x02` in a repr) stays as it is.
 *
 * Only ever more: the raw passes ran on the text before this one. Linear: a view costs one pass
 * over the text, at most VIEW_DEPTH views, and each reader is linear on its input; a text with
 * neither an escaped line break nor an escaped repr byte costs two searches.
 */

import { asn1parseKeySpans, hasAsn1parseCue } from './asn1parse-dump.js';
import { decimalListKeySpans, hasDecimalListCue, pythonReprKeySpans } from './der-bytes.js';
import { SEPARATED_HEX_KEY_MIN } from './der-hex.js';
import { hasLiteralListCue, literalListKeySpans } from './der-literals.js';
import { hasXxdCue, PLAIN_CUE, plainDumpKeySpans, xxdDumpKeySpans } from './der-xxd.js';
import {
  hasOpensslTextCue,
  hasOpensslInlineCue,
  OPENSSL_TEXT_MIN,
  opensslInlineKeySpans,
  opensslTextKeySpans,
} from './openssl-text.js';
import { flattenedDumpKeySpans, mayHoldFlattenedDump } from './flattened-view.js';
import { HEX_RUNS_MIN, hexRunsKeySpans } from './hex-runs.js';
import { hexRunKeySpans, PREFIXED_DUMP_MIN, prefixedDumpKeySpans } from './prefixed-view.js';

/** The cue: an escaped line break (the two characters `\` `n`). */
export const ESCAPED_BREAK_CUE = '\\n';

/** A Python repr's version INTEGER escaped once (`\\x02`), so escaped twice or more (rules 20, part 4 reads it escaped once). */
const ESCAPED_REPR_BYTE = '\\\\x02';

/** The start of a `\u00XX` escape: a line break or a backslash may be written so (at50 F4). */
const UNICODE_ESCAPE_CUE = '\\u00';

/**
 * Whether a text may hold an escaped dump: an escaped line break (`\n`, or `\u000a` / `\u000A`, as
 * serialisers that escape control characters as `\u00XX` write it), a backslash escaped so
 * (`\u005c`: JSON in JSON), or an escaped repr's byte.
 */
export function mayHoldEscapedDump(t: string): boolean {
  return t.includes(ESCAPED_BREAK_CUE) || t.includes(ESCAPED_REPR_BYTE) || hasUnicodeBreakOrBackslash(t);
}

/** Whether `t` holds `\u000a` or `\u005c` (either case): one search, then two characters at each `\u00`. */
function hasUnicodeBreakOrBackslash(t: string): boolean {
  for (let i = t.indexOf(UNICODE_ESCAPE_CUE); i !== -1; i = t.indexOf(UNICODE_ESCAPE_CUE, i + 1)) {
    const a = t.charCodeAt(i + 4);
    const b = t.charCodeAt(i + 5) | 32;
    if ((a === 48 && b === 97) || (a === 53 && b === 99)) return true; // 0a, 5c
  }
  return false;
}

/** How many times a text is unescaped at most (JSON in JSON in JSON). */
const VIEW_DEPTH = 3;

/** A view of a text: its characters and, for each, the offset in the text where it starts (one more for the end). */
interface View {
  readonly text: string;
  /** The same text with each of its string quotes (a `"` that was no escape) a line break, at the same offsets. */
  readonly lined: string;
  readonly at: Int32Array;
}

/** The character a one-letter JSON escape stands for, or -1 (not one of JSON's). */
function escaped(c: number): number {
  switch (c) {
    case 110: // n
      return 10;
    case 114: // r
      return 13;
    case 116: // t
      return 9;
    case 98: // b
      return 8;
    case 102: // f
      return 12;
    case 34: // "
    case 92: // \
    case 47: // /
      return c;
    default:
      return -1;
  }
}

function hex4(s: string, i: number): number {
  let v = 0;
  for (let k = i; k < i + 4; k++) {
    const c = s.charCodeAt(k);
    const d = c >= 48 && c <= 57 ? c - 48 : (c | 32) >= 97 && (c | 32) <= 102 ? (c | 32) - 87 : -1;
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}

/** `t` with its quotes as line breaks (the same length). */
function quotesBroken(t: string): string {
  return t.includes('"') ? t.replaceAll('"', '\n') : t;
}

/**
 * Offsets kept between calls (two: a view's map is built from the one before it), for texts up to
 * POOL_MAX; made on the first view, not when the module is imported.
 */
const POOL_MAX = 1 << 16;
const POOL: Int32Array[] = [];

/** The kept map of `slot`. */
function pooled(slot: number): Int32Array {
  let a = POOL[slot];
  if (a === undefined) {
    a = new Int32Array(POOL_MAX + 1);
    POOL[slot] = a;
  }
  return a;
}

/**
 * `s` with JSON's escapes decoded once, each character's start mapped through `base` (the offsets
 * of `s`'s own characters in the text), or null when `s` holds no escape JSON knows. The view is
 * `s`'s slices between escapes joined with the decoded characters; its map is written into
 * `POOL[slot]` when it fits (a view is read before the next one of the same slot is made).
 */
function unescapeOnce(s: string, base: Int32Array | null, slot: number): View | null {
  const n = s.length;
  const at = n <= POOL_MAX ? pooled(slot) : new Int32Array(n + 1);
  const parts: string[] = [];
  const lined: string[] = [];
  const quotes = s.includes('"');
  let len = 0;
  let copied = 0;
  for (let q = s.indexOf('\\'); q !== -1 && q < n - 1; q = s.indexOf('\\', q + 1)) {
    let ch = escaped(s.charCodeAt(q + 1));
    let width = 2;
    if (ch === -1 && s.charCodeAt(q + 1) === 117 && q + 6 <= n) {
      ch = hex4(s, q + 2);
      width = 6;
    }
    if (ch === -1) continue;
    if (base === null) for (let i = copied; i <= q; i++) at[len++] = i;
    else for (let i = copied; i <= q; i++) at[len++] = base[i] as number;
    const kept = s.slice(copied, q);
    const c = String.fromCharCode(ch);
    parts.push(kept, c);
    if (quotes) lined.push(quotesBroken(kept), c);
    copied = q + width;
    q = copied - 1;
  }
  if (parts.length === 0) return null;
  if (base === null) for (let i = copied; i <= n; i++) at[len++] = i;
  else for (let i = copied; i <= n; i++) at[len++] = base[i] as number;
  const rest = s.slice(copied);
  parts.push(rest);
  const text = parts.join('');
  if (!quotes) return { text, lined: text, at };
  lined.push(quotesBroken(rest));
  return { text, lined: lined.join(''), at };
}

/** The shortest private key as hex (Ed25519's 48 bytes). */
const HEX_KEY_MIN = 96;

/**
 * What the dump readers find in a view, as [start, end) pairs in the view. The readers that start
 * a fragment at a line's start also read `lined`: a JSON string's content starts after its quote
 * (`{"msg": "000005 04 20 …\n…`), as a dump's text started on a line of its own.
 */
function readerSpans(view: View): number[] {
  const v = view.text;
  const spans: number[] = [];
  const add = (found: readonly number[]): void => {
    for (const x of found) spans.push(x);
  };
  if (v.includes('\\x02\\x01\\x0')) add(pythonReprKeySpans(v));
  if (hasDecimalListCue(v)) add(decimalListKeySpans(v));
  if (hasLiteralListCue(v)) add(literalListKeySpans(v));
  if (v.length >= SEPARATED_HEX_KEY_MIN) {
    // Both texts: a `"` in a dump's ASCII column of text escaped without its quotes is no string's start.
    const texts = view.lined === v ? [v] : [v, view.lined];
    for (const t of texts) {
      if (hasXxdCue(t)) add(xxdDumpKeySpans(t));
      if (t.includes(PLAIN_CUE) || t.includes('\n')) add(plainDumpKeySpans(t));
    }
  }
  if (v.length >= HEX_KEY_MIN) hexRunKeySpans(v, spans);
  // Plain hex runs and flattened dumps (rules 20, part 9), inside a JSON string.
  if (v.length >= HEX_RUNS_MIN) add(hexRunsKeySpans(v));
  if (v.length >= SEPARATED_HEX_KEY_MIN && mayHoldFlattenedDump(v)) add(flattenedDumpKeySpans(v));
  // A dump with a prefix on every line (rules 20, part 8), inside a JSON string.
  if (v.length >= PREFIXED_DUMP_MIN) add(prefixedDumpKeySpans(v));
  if (hasOpensslTextCue(v)) add(opensslTextKeySpans(v));
  // Read with the string's own quotes as line breaks: a label's value and a `-dump` line run to their
  // line's end, which for a dump's last line with no line break of its own is its string's end.
  if (hasAsn1parseCue(v)) add(asn1parseKeySpans(view.lined));
  if (hasOpensslInlineCue(v)) add(opensslInlineKeySpans(v));
  return spans;
}

/**
 * The private keys the dump readers find in `s`'s unescaped views, as [start, end) pairs in `s`
 * (each from the start of its first character's escape to the end of its last one's). Empty when
 * `s` holds no escaped line break nor an escaped repr byte.
 */
export function escapedViewKeySpans(s: string): number[] {
  const out: number[] = [];
  if (s.length < OPENSSL_TEXT_MIN || !mayHoldEscapedDump(s)) return out;
  let view: View | null = unescapeOnce(s, null, 0);
  for (let depth = 1; view !== null && depth <= VIEW_DEPTH; depth++) {
    const found = readerSpans(view);
    for (let k = 0; k < found.length; k += 2) {
      out.push(view.at[found[k] as number] as number, view.at[found[k + 1] as number] as number);
    }
    if (depth === VIEW_DEPTH || !mayHoldEscapedDump(view.text)) break;
    view = unescapeOnce(view.text, view.at, depth % 2);
  }
  return out;
}
