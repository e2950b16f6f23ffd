/**
 * How deep in JSON strings a dump sits (rules 20, part 9): the escaping of the string that holds it,
 * told by the quote that opened that string. A dump's ASCII column may print `"`, `\`, `,`, `}` or `n`,
 * which in a JSON string are escaped once more than the string's own quotes and line breaks: a quote
 * with as many backslashes as the opening one (after escaped backslashes) ends the string, one with
 * more is the column's. Shared by the flattened view and the xxd/od line readers.
 */

/** The number of backslashes right before `q`. */
export function backslashesBefore(s: string, q: number, floor: number): number {
  let b = q;
  while (b > floor && s.charCodeAt(b - 1) === 92) b--;
  return q - b;
}

/** The last character before `i` that is not a blank or tab, or -1 at the text's start. */
function before(s: string, i: number): number {
  let p = i - 1;
  while (p >= 0 && (s.charCodeAt(p) === 32 || s.charCodeAt(p) === 9)) p--;
  return p;
}

/** Whether a quote with exactly `n` backslashes of its own ends right before `i` (blanks between). */
function quoteBefore(s: string, i: number, n: number): boolean {
  const q = before(s, i);
  return q >= 0 && s.charCodeAt(q) === 34 && backslashesBefore(s, q, 0) === n;
}

/**
 * Whether the quote whose `n` backslashes start at `b` opens a JSON value: after a `:` that a key's
 * closing quote escaped as it precedes, after a `,` that a string escaped as it precedes (an array's
 * next element), after a `[` that opens such a value, or at the text's start (with no escapes). A
 * quote the string's own text holds (`key:\"`, `a, \"b`, a dump's column) is escaped one level
 * deeper than its neighbours and opens nothing.
 */
function opensValue(s: string, b: number, n: number): boolean {
  const p = before(s, b);
  if (p === -1) return n === 0;
  const c = s.charCodeAt(p);
  if (c === 58 || c === 44) return quoteBefore(s, p, n);
  if (c !== 91) return false;
  const p2 = before(s, p);
  if (p2 === -1) return n === 0;
  const c2 = s.charCodeAt(p2);
  return c2 === 91 || c2 === 44 || (c2 === 58 && quoteBefore(s, p2, n));
}

/**
 * The backslashes before the quote that opens the JSON string a dump starting at `head` is in (0
 * for a string of the text, 1 for a string in a string, 3 deeper): the last quote before `head`
 * that opens a value (opensValue) whose string no quote before `head` closed (`{\"k\":\"v\"}` in
 * a message opens and closes its own); -1 when none does (the dump is in no JSON string).
 */
export function openingEscapes(s: string, head: number): number {
  const o = OPENING;
  // Asked again further on: only the quotes since the last head are new (the text's search stays linear).
  const known = o.text === s && o.head <= head;
  const low = known ? o.head : 0;
  o.text = s;
  o.head = head;
  // The escapes of the quotes between the one looked at and `head` (a few distinct counts).
  const seen: number[] = [];
  for (let q = head - 1; q >= low; q--) {
    if (s.charCodeAt(q) !== 34) continue;
    const n = backslashesBefore(s, q, 0);
    if (opensValue(s, q - n, n) && !closedBy(seen, n)) {
      o.quote = q;
      o.n = n;
      return n;
    }
    if (!seen.includes(n)) seen.push(n);
  }
  if (!known || o.quote === -1 || closedBy(seen, o.n)) o.quote = -1;
  return o.quote === -1 ? -1 : o.n;
}

/** Whether a quote with one of the escapes `seen` ends a string opened by a quote with `n0`. */
function closedBy(seen: readonly number[], n0: number): boolean {
  for (const c of seen) if (endsString(c, n0)) return true;
  return false;
}

/** openingEscapes' last answer: the text and head asked for, the opening quote found (-1 for none) and its escapes. */
const OPENING = { text: '', head: 0, quote: -1, n: -1 };

/** Forgets openingEscapes' last answer (the text it holds). */
export function forgetOpening(): void {
  OPENING.text = '';
}

/**
 * Whether a quote with `n` backslashes before it ends a string opened by a quote with `n0` (its
 * own escapes after any number of escaped backslashes: `n` mod 2(n0 + 1) is n0).
 */
export function endsString(n: number, n0: number): boolean {
  return n % (2 * (n0 + 1)) === n0;
}

/**
 * `end` moved off the middle of an escape: a span that ends inside a run of backslashes in a string
 * opened with `n0` escapes (0 or more) ends after the whole escape of the character it cut (`\`
 * is 2(n0 + 1) backslashes there, `"` one fewer and the quote), and before the backslashes of the
 * string's own closing quote. A view of the text can read a column one level short (its `\\` as
 * one `\`) and end there: cut in two, the escape left the string unparseable.
 */
export function wholeEscapes(s: string, end: number, n0: number): number {
  if (n0 < 0 || s.charCodeAt(end - 1) !== 92) return end;
  const e = 2 * (n0 + 1);
  let rs = end - 1;
  while (rs > 0 && s.charCodeAt(rs - 1) === 92) rs--;
  let re = end;
  while (s.charCodeAt(re) === 92) re++;
  const r = re - rs;
  const up = rs + Math.ceil((end - rs) / e) * e;
  if (up <= re) return up;
  return s.charCodeAt(re) === 34 && r % e === e - 1 ? re + 1 : rs + Math.floor(r / e) * e;
}
