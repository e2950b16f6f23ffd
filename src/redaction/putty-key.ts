/**
 * A PuTTY private key file (`.ppk`, versions 1-3; PuTTY's documentation, appendix C "PPK file
 * format"): the private blob is `Private-Lines: N` followed by N lines of base64, and
 * `Private-MAC:` (`Private-Hash:` in version 1) authenticates it with a key derived from the
 * passphrase. Both go (rules 18), each line on its own, so a config file keeps its lines; the
 * public lines, comment and header stay. Index searches, each line read once: linear.
 */
import { isBase64Char } from './chars.js';

/** The largest `Private-Lines` count read (an RSA 16384 key needs about 200). */
const MAX_LINES = 999;

function lineEnd(s: string, from: number): number {
  const nl = s.indexOf('\n', from);
  const end = nl === -1 ? s.length : nl;
  return end > from && s.charCodeAt(end - 1) === 13 ? end - 1 : end;
}

/** A field name at `at` starts its line (only blanks before it). */
function atLineStart(s: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i--;
  return i < 0 || s.charCodeAt(i) === 10 || s.charCodeAt(i) === 13;
}

/**
 * The spans [start, end) of a text's PPK secrets: each private line's base64 (blanks before it
 * kept) and the MAC's value.
 */
export function puttyKeySpans(s: string): number[] {
  const spans: number[] = [];
  for (let at = s.indexOf('Private-'); at !== -1; at = s.indexOf('Private-', at + 8)) {
    if (!atLineStart(s, at)) continue;
    if (s.startsWith('Private-MAC:', at) || s.startsWith('Private-Hash:', at)) {
      let v = at + (s.charCodeAt(at + 8) === 77 ? 12 : 13);
      while (v < s.length && (s.charCodeAt(v) === 32 || s.charCodeAt(v) === 9)) v++;
      const e = lineEnd(s, v);
      if (e > v) spans.push(v, e);
      continue;
    }
    if (!s.startsWith('Private-Lines:', at)) continue;
    let i = at + 14;
    while (i < s.length && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
    let count = 0;
    const digits = i;
    while (i < s.length && i - digits < 3 && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57)
      count = 10 * count + s.charCodeAt(i++) - 48;
    if (i === digits || count > MAX_LINES) continue;
    let line = lineEnd(s, i);
    for (let k = 0; k < count; k++) {
      // The next line: past the line break; its base64 after blanks (an indented block).
      let from = line;
      if (s.charCodeAt(from) === 13) from++;
      if (s.charCodeAt(from) !== 10) break;
      from++;
      while (from < s.length && (s.charCodeAt(from) === 32 || s.charCodeAt(from) === 9)) from++;
      const e = lineEnd(s, from);
      let b64 = e > from;
      for (let c = from; c < e && b64; c++) b64 = isBase64Char(s.charCodeAt(c));
      if (!b64) break;
      spans.push(from, e);
      line = e;
    }
    at = Math.max(at, line - 8);
  }
  return spans;
}
