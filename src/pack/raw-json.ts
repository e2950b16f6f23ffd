/**
 * Raw top-level entries of a JSON object line, as byte-exact text slices.
 *
 * `JSON.parse` turns `100000.50` into 100000.5 and rounds integers past 2^53, but the CSV columns
 * and the `extra` column must carry numbers exactly as the log wrote them. This scanner
 * runs only on a line `JSON.parse` has already accepted, so it needs no validation of its own: it
 * finds each top-level key and the span of its value, skipping strings and nested values.
 */

/** One top-level `"key":value` of an object line. */
export interface RawEntry {
  /** The decoded key. */
  readonly key: string;
  /** Offset of the key's opening quote. */
  readonly start: number;
  /** Offset of the value's first character. */
  readonly valueStart: number;
  /** Offset just past the value. */
  readonly end: number;
}

const QUOTE = 34;
const BACKSLASH = 92;

/** End offset (just past the closing quote) of the string whose opening quote is at `i`. */
function stringEnd(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q === -1) return s.length; // not reachable for valid JSON
    // An odd run of backslashes before the quote escapes it.
    let k = q - 1;
    while (k > i && s.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    j = q + 1;
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** End offset of the value starting at `i` (string, object, array, number, literal). */
function valueEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return stringEnd(s, i);
  if (c === 123 /* { */ || c === 91 /* [ */) {
    let depth = 0;
    let j = i;
    while (j < s.length) {
      const d = s.charCodeAt(j);
      if (d === QUOTE) {
        j = stringEnd(s, j);
        continue;
      }
      if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return s.length;
  }
  let j = i;
  while (j < s.length) {
    const d = s.charCodeAt(j);
    if (d === 44 /* , */ || d === 125 /* } */ || isSpace(d)) break;
    j++;
  }
  return j;
}

/**
 * The top-level entries of `line`, which must be text `JSON.parse` accepted as an object.
 * Duplicate keys are all returned, in order (JSON.parse keeps the last).
 */
export function topLevelEntries(line: string): RawEntry[] {
  const out: RawEntry[] = [];
  let i = line.indexOf('{') + 1;
  const n = line.length;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (line.charCodeAt(i) !== QUOTE) break; // "}" of an object (empty or after the last entry)
    const start = i;
    const keyEnd = stringEnd(line, i);
    const rawKey = line.slice(i + 1, keyEnd - 1);
    const key = rawKey.includes('\\') ? (JSON.parse(`"${rawKey}"`) as string) : rawKey;
    i = keyEnd;
    while (i < n && line.charCodeAt(i) !== 58 /* : */) i++;
    i++;
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    const valueStart = i;
    const end = valueEnd(line, i);
    out.push({ key, start, valueStart, end });
    i = end;
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (line.charCodeAt(i) === 44 /* , */) i++;
    else break;
  }
  return out;
}
