/**
 * URL-encoded pairs in free text (`pairs.ts`'s last step): `key%3Dvalue` and URL-encoded JSON, and
 * (rules 14) the same encoded twice or three times (`key%253Dvalue`: `%25` is `%` encoded).
 */
import { isBareEnd, isHexDigit, isPairKeyChar } from './chars.js';

type KeyTest = (key: string) => boolean;

const MAX_KEY = 64;

/**
 * `%XX`, `%25XX`, `%2525XX`: the length of the escape at `i` of the upper-cased text, the deepest
 * that reads (`%2541` is `A` encoded twice; `%25` alone a `%`), or 0.
 */
function escapeAt(upper: string, i: number): number {
  if (upper.charCodeAt(i) !== 37) return 0;
  let h = i + 1;
  for (
    let n = 1;
    n < 3 && upper.startsWith('25', h) && isHexDigit(upper.charCodeAt(h + 2)) && isHexDigit(upper.charCodeAt(h + 3));
    n++
  )
    h += 2;
  return isHexDigit(upper.charCodeAt(h)) && isHexDigit(upper.charCodeAt(h + 1)) ? h + 2 - i : 0;
}

/** The length of an escape (of `hex`, when given: `22`, `3D`) that ends at `end` (`…%26`, `…%2526`), or 0. */
function escapeBefore(upper: string, end: number, hex?: string): number {
  for (let len = 3; len <= 7; len += 2) {
    const i = end - len;
    if (i < 0 || upper.charCodeAt(i) !== 37 || escapeAt(upper, i) !== len) continue;
    if (hex === undefined || upper.startsWith(hex, end - 2)) return len;
  }
  return 0;
}

/**
 * `key%3Dvalue` inside a URL-encoded URL (a redirect or callback parameter), and `%22key%22%3A%22value%22`
 * (URL-encoded JSON): the key ends at a `%XX` escape, the value (after an encoded quote) at the
 * next encoded delimiter (`%26` `%20` `%2C` `%3B` `%22` `%23`), each escape possibly encoded again.
 */
export function redactEncodedPairs(s: string, isSensitive: KeyTest, censor: string): string {
  let out = '';
  let last = 0;
  const upper = s.toUpperCase();
  ENCODED_OP.lastIndex = 0;
  for (let m = ENCODED_OP.exec(upper); m !== null; m = ENCODED_OP.exec(upper)) {
    const p = m.index;
    if (p < last) continue;
    // A quoted key: `%22password%22%3A`.
    const k = p - escapeBefore(upper, p, '22');
    let j = k;
    while (j > 0 && k - j < MAX_KEY) {
      if (escapeBefore(upper, j) > 0) break; // a key starts after an escape
      const d = s.charCodeAt(j - 1);
      if (d >= 128 || !isPairKeyChar(d)) break;
      j--;
    }
    if (j === k || !isSensitive(s.slice(j, k))) continue;
    const q = p + m[0].length;
    const open = escapeAt(upper, q);
    const v = q + (open > 0 && upper.startsWith('22', q + open - 2) ? open : 0);
    let end = v;
    while (end < s.length && !isBareEnd(s.charCodeAt(end))) {
      const e = escapeAt(upper, end);
      if (e > 0 && ENCODED_END.has(upper.slice(end + e - 2, end + e))) break;
      end++;
    }
    if (end === v || s.startsWith(censor, v)) continue;
    out += s.slice(last, v) + censor;
    last = end;
  }
  return last === 0 ? s : out + s.slice(last);
}
/** `%3D` (=) and `%3A` (:) in upper-cased text, encoded up to three times (`%253D`, `%25253D`). */
const ENCODED_OP = /%(?:25){0,2}3[DA]/g;
/** The delimiters that end an encoded value: `&`, space, `,`, `;`, `"`, `#`, `'` (their hex digits). */
const ENCODED_END: ReadonlySet<string> = new Set(['26', '20', '2C', '3B', '22', '23', '27']);
