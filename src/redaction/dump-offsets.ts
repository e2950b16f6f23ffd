/**
 * A dump line's offset tokens (`00000010:`, od's `000020 `), whether a dump that a quote opens
 * keeps its own raw line breaks, and where a line that a closing quote follows ends: the line
 * readers' (der-xxd.ts) questions about where a line starts and ends that need none of their state.
 */

import { hexAt } from './chars.js';

/** Whether an offset token (6 to 8 hex digits, or zeros only with `zeros`, then `:` or a blank) starts at `at`. */
export function offsetToken(s: string, at: number, zeros: boolean): boolean {
  let k = at;
  while (k - at < 8 && (zeros ? s.charCodeAt(k) === 48 : hexAt(s, k) >= 0)) k++;
  const c = s.charCodeAt(k);
  return k - at >= 6 && (c === 58 || c === 32);
}

/**
 * Whether the token [v, end) is an xxd offset (6 to 8 hex digits and `:`) that a blank and a hex
 * digit follow: a flattened dump's next line (`….pw 00000030: 6b0c`), never the value of a key word
 * that its ASCII column happened to end in.
 */
export function isNextDumpLine(s: string, v: number, end: number): boolean {
  return (
    end - v >= 7 &&
    end - v <= 9 &&
    s.charCodeAt(end - 1) === 58 &&
    offsetToken(s, v, false) &&
    s.charCodeAt(end) === 32 &&
    hexAt(s, end + 1) >= 0
  );
}

/** Whether an offset (6 to 8 hex digits, then `:` or a blank) starts at `k`, after blanks. */
export function offsetAfter(s: string, k: number): boolean {
  let i = k;
  while (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9) i++;
  return offsetToken(s, i, false);
}

/**
 * Whether the line from `at`, after a quote, ends within 1 KiB (an `xxd -c 256` line) at a raw line
 * break that an offset follows (at the next line's start, or after a blank within `prefixMax`
 * characters: a syslog prefix), with no escaped `\n` that one follows before it: a dump with its own
 * line breaks opened by a quote in the message (`key:"00000000: …`), not a JSON string's first line
 * (a JSON Lines record starts with no offset). The searches are kept (linear: nextOf).
 */
export function rawLines(s: string, at: number, prefixMax: number): boolean {
  const nl = nextOf(RAW_BREAK, s, '\n', at);
  if (nl === -1 || nl - at > 1024 || !(offsetAfter(s, nl + 1) || prefixedOffset(s, nl + 1, prefixMax))) return false;
  for (
    let e = nextOf(ANY_ESCAPED_BREAK, s, '\\n', at);
    e !== -1 && e < nl;
    e = nextOf(ANY_ESCAPED_BREAK, s, '\\n', e + 1)
  )
    if (offsetAfter(s, e + 2)) return false;
  return true;
}

/** Whether an offset token follows a blank on the line from `k`, within `max` characters. */
function prefixedOffset(s: string, k: number, max: number): boolean {
  for (let i = k; i < s.length && i - k <= max; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || c === 13) return false;
    if (c === 32 && offsetToken(s, i + 1, false)) return true;
  }
  return false;
}

/** The first `needle` from `k` in `s`, or -1; the last search is kept in `c` (a later one from before its answer is the same). */
function nextOf(c: { text: string; from: number; at: number }, s: string, needle: string, k: number): number {
  if (c.text === s && c.from <= k && (c.at === -1 || c.at >= k)) return c.at;
  Object.assign(c, { text: s, from: k, at: s.indexOf(needle, k) });
  return c.at;
}

const RAW_BREAK = { text: '', from: 0, at: -1 };
const ANY_ESCAPED_BREAK = { text: '', from: 0, at: -1 };

/** Forgets the last searches (the text they hold). */
export function forgetRawLines(): void {
  RAW_BREAK.text = '';
  ANY_ESCAPED_BREAK.text = '';
}

/**
 * Where a line of od or hexdump ends when the quote that closes its message or JSON record follows
 * its hex (`… 45 7d 80"}`) or od -z's column (`>yk..tGE}.<"}`: `n` characters between `>` and `<`):
 * before that quote, so each syslog line's own record keeps its end; else `lineEnd`.
 */
export function quotedEnd(s: string, k: number, n: number, lineEnd: number): number {
  let p = k;
  while (p < lineEnd && s.charCodeAt(p) === 32) p++;
  if (s.charCodeAt(p) === 62) {
    let q = p + 1;
    for (let m = 0; m < n && q < lineEnd; m++) q += escapeLength(s, q);
    if (s.charCodeAt(q) !== 60) return lineEnd;
    p = q + 1;
  }
  const c = s.charCodeAt(p);
  return p < lineEnd && (c === 34 || c === 39) ? p : lineEnd;
}

/** The length of the JSON escape at `p` (2, or 6 for `\uXXXX`), or 1 when `p` starts none. */
export function escapeLength(s: string, p: number): number {
  if (s.charCodeAt(p) !== 92) return 1;
  const c = s.charCodeAt(p + 1);
  if (c === 117) return /^[0-9a-fA-F]{4}$/.test(s.slice(p + 2, p + 6)) ? 6 : 1;
  // " \ / b f n r t
  return c === 34 || c === 92 || c === 47 || c === 98 || c === 102 || c === 110 || c === 114 || c === 116 ? 2 : 1;
}
