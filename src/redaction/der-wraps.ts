/**
 * How the base64 of a bare DER private key goes on after a wrap (rules 18). Once a key's start has
 * been decoded (der-key.ts), the DER header declares its length, so the base64 is followed across
 * any short run of the characters that wrap a long value, whatever the wrapping, until that length:
 *
 * - line breaks, blanks and tabs (a wrapped line, a YAML block scalar's indent, a tab-wrapped log);
 * - their escapes: `\n`, `\r`, `\t` behind any number of backslashes (a JSON string, JSON logged
 *   inside JSON: `\\n`), and `%0A`, `%0D`, `%09`, `%20` (a URL-encoded value);
 * - a lone `\` (a Java `.properties` or YAML double-quoted value continued on the next line);
 * - quotes, commas, brackets and a `+` between blanks or quotes (a JSON array of lines,
 *   `"…" +` string concatenation), and `- ` after a line break (a YAML list of lines);
 * - a line break written as markup: XML character references (`&#10;`, `&#13;&#10;`, `&#xA;`: what
 *   XML serialisers write for a newline in an attribute value), `<br>`, `<br/>`, `<br />`, and
 *   U+2028, U+2029, U+0085.
 *
 * Enumerating each wrapping let every new one leak the key's body past its first line. A run is at
 * most WRAP_MAX characters and must end at a base64 digit, so a walk costs at most that per wrap
 * and the scan stays linear; a key complete at its declared length is never followed further.
 */

/** The longest run of wrapping characters crossed between two pieces of a key's base64. */
export const WRAP_MAX = 48;

function isDigit(c: number): boolean {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c === 43 ||
    c === 47 ||
    c === 45 ||
    c === 95
  );
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0x2028 || c === 0x2029 || c === 0x85;
}

/** A line break (or a Unicode line or paragraph separator, or NEL). */
function isBreak(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029 || c === 0x85;
}

const QUOTES_AND_PUNCTUATION = new Set([34, 39, 96, 44, 91, 93]); // " ' ` , [ ]

/** The length of a `%0A`-like escape of a blank at `i` (3), or 0. */
function percentBlank(s: string, i: number): number {
  if (s.charCodeAt(i) !== 37) return 0;
  const h = s.slice(i + 1, i + 3).toUpperCase();
  return h === '0A' || h === '0D' || h === '09' || h === '20' ? 3 : 0;
}

/**
 * The length of an XML character reference to a blank or line break at `i` (`&#10;`, `&#013;`,
 * `&#xA;`, `&#x0d;`, `&#9;`, `&#32;`, `&#x20;`), or 0; at most 10 characters are read. Sets
 * ENTITY_BREAK when it is a line break.
 */
let ENTITY_BREAK = false;
function entityBlank(s: string, i: number): number {
  if (s.charCodeAt(i) !== 38 || s.charCodeAt(i + 1) !== 35) return 0;
  let j = i + 2;
  const hex = (s.charCodeAt(j) | 32) === 120;
  if (hex) j++;
  let v = 0;
  const from = j;
  for (; j < s.length && j - i < 10; j++) {
    const c = s.charCodeAt(j);
    const d = c >= 48 && c <= 57 ? c - 48 : hex && (c | 32) >= 97 && (c | 32) <= 102 ? (c | 32) - 87 : -1;
    if (d < 0) break;
    v = v * (hex ? 16 : 10) + d;
  }
  if (j === from || s.charCodeAt(j) !== 59) return 0;
  ENTITY_BREAK = v === 10 || v === 13;
  return v === 9 || v === 10 || v === 13 || v === 32 ? j + 1 - i : 0;
}

/** The length of `<br>`, `<br/>`, `<br />` (any case) at `i`, or 0. */
function brTag(s: string, i: number): number {
  if (s.charCodeAt(i) !== 60 || (s.charCodeAt(i + 1) | 32) !== 98 || (s.charCodeAt(i + 2) | 32) !== 114) return 0;
  let j = i + 3;
  while (j - i < 6 && s.charCodeAt(j) === 32) j++;
  if (s.charCodeAt(j) === 47) j++;
  return s.charCodeAt(j) === 62 ? j + 1 - i : 0;
}

let WRAP_PUNCT = false;

/**
 * Whether the last wrapEnd crossed anything but blanks, line breaks and their escapes (a quote, a
 * comma, a bracket, a `+`, a YAML `- `, a `\` continuation): such a wrap is followed only from a
 * run as long as a base64 line (der-key.ts). Module state, read right after the call.
 */
export function wrapCrossedPunctuation(): boolean {
  return WRAP_PUNCT;
}

/**
 * Where the base64 goes on after a run of wrapping characters starting at `i` (a character that
 * is neither a base64 digit nor `=`), or -1 when no such run of at most WRAP_MAX characters ends
 * at a base64 digit. Sets WRAP_PUNCT.
 */
export function wrapEnd(s: string, i: number): number {
  const n = s.length;
  const stop = Math.min(n, i + WRAP_MAX);
  let j = i;
  let broke = false; // a line break (or its escape) seen: a YAML list's `- ` may follow
  let spaced = false; // a blank or quote seen: a `+` is concatenation, not a digit
  let punct = false;
  while (j < stop) {
    const c = s.charCodeAt(j);
    let w = 0;
    if (isBlank(c)) {
      broke ||= isBreak(c);
      spaced = true;
      j++;
    } else if (c === 92) {
      let k = j;
      while (k < stop && s.charCodeAt(k) === 92) k++;
      const e = s.charCodeAt(k);
      if (e === 110 || e === 114 || e === 116) {
        broke ||= e !== 116;
        spaced = true;
        j = k + 1;
      } else {
        punct = true;
        j = k;
      }
    } else if (percentBlank(s, j) > 0) {
      broke ||= s.charCodeAt(j + 2) !== 57 && s.charCodeAt(j + 2) !== 48;
      spaced = true;
      j += 3;
    } else if ((w = entityBlank(s, j)) > 0) {
      broke ||= ENTITY_BREAK;
      spaced = true;
      j += w;
    } else if ((w = brTag(s, j)) > 0) {
      broke = true;
      spaced = true;
      j += w;
    } else if (QUOTES_AND_PUNCTUATION.has(c)) {
      spaced = true;
      punct = true;
      j++;
    } else if (
      c === 43 &&
      spaced &&
      j + 1 < n &&
      (isBlank(s.charCodeAt(j + 1)) || s.charCodeAt(j + 1) === 34 || s.charCodeAt(j + 1) === 39)
    ) {
      punct = true;
      j++;
    } else if (c === 45 && broke && (s.charCodeAt(j + 1) === 32 || s.charCodeAt(j + 1) === 9)) {
      punct = true;
      j++;
    } else break;
  }
  WRAP_PUNCT = punct;
  return j > i && j < n && isDigit(s.charCodeAt(j)) ? j : -1;
}

/**
 * Pushes onto `out` the runs [from, to) of base64 (and `=`) of the key that spans [at, end), its
 * wrapping characters left out, walking it as derPrivateKeyEnd did: a caller censoring the runs
 * keeps the text's lines, indents, quotes and separators.
 */
export function keyDigitRuns(s: string, at: number, end: number, out: number[]): void {
  let from = at;
  let i = at;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (isDigit(c) || c === 61) {
      i++;
      continue;
    }
    if (i > from) out.push(from, i);
    const j = wrapEnd(s, i);
    i = j === -1 || j > end ? i + 1 : j;
    from = i;
  }
  if (end > from) out.push(from, end);
}
