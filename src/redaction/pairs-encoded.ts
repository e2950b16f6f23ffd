/**
 * URL-encoded pairs in free text (`pairs.ts`'s last step): `key%3Dvalue` and URL-encoded JSON.
 */
import { isBareEnd, isPairKeyChar } from './chars.js';

type KeyTest = (key: string) => boolean;

const MAX_KEY = 64;

/**
 * `key%3Dvalue` inside a URL-encoded URL (a redirect or callback parameter), and `%22key%22%3A%22value%22`
 * (URL-encoded JSON): the key ends at a `%XX` escape, the value (after an encoded quote) at the
 * next encoded delimiter (`%26` `%20` `%2C` `%3B` `%22` `%23`).
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
    const k = upper.startsWith('%22', p - 3) ? p - 3 : p;
    let j = k;
    while (j > 0 && k - j < MAX_KEY) {
      if (j >= 3 && s.charCodeAt(j - 3) === 37 && isHex(s.charCodeAt(j - 2)) && isHex(s.charCodeAt(j - 1))) break;
      const d = s.charCodeAt(j - 1);
      if (d >= 128 || !isPairKeyChar(d)) break;
      j--;
    }
    if (j === k || !isSensitive(s.slice(j, k))) continue;
    const v = p + (upper.startsWith('%22', p + 3) ? 6 : 3);
    let end = v;
    while (end < s.length && !isBareEnd(s.charCodeAt(end))) {
      if (s.charCodeAt(end) === 37 && ENCODED_END.has(upper.slice(end, end + 3))) break;
      end++;
    }
    if (end === v || s.startsWith(censor, v)) continue;
    out += s.slice(last, v) + censor;
    last = end;
  }
  return last === 0 ? s : out + s.slice(last);
}
/** `%3D` (=) and `%3A` (:) in upper-cased text. */
const ENCODED_OP = /%3[DA]/g;
const ENCODED_END: ReadonlySet<string> = new Set(['%26', '%20', '%2C', '%3B', '%22', '%23', '%27']);
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
