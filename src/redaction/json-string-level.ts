/**
 * How deep in JSON strings a dump sits (rules 20, part 9): the escaping of the string that holds it,
 * told by the quote that opened that string. A dump's ASCII column may print `"`, `\`, `,`, `}` or `n`,
 * which in a JSON string are escaped once more than the string's own quotes and line breaks: a quote
 * with as many backslashes as the opening one (after escaped backslashes) ends the string, one with
 * more is the column's. Shared by the flattened view and the xxd/od line readers.
 */

/** How far back from a dump's first offset the quote that opens its JSON string is looked for. */
const OPENING_SEARCH = 4096;

/** The number of backslashes right before `q`. */
export function backslashesBefore(s: string, q: number, floor: number): number {
  let b = q;
  while (b > floor && s.charCodeAt(b - 1) === 92) b--;
  return q - b;
}

/**
 * The backslashes before the quote that opens the JSON string a dump starting at `head` is in (0
 * for a string of the text, 1 for a string in a string, 3 deeper): the last quote before `head`
 * that a value's or a key's place precedes (`{`, `[`, `,`, `:` or the text's start, blanks
 * between); -1 when none does (the dump is in no JSON string).
 */
export function openingEscapes(s: string, head: number): number {
  const floor = Math.max(0, head - OPENING_SEARCH);
  const o = OPENING;
  // Asked again further on: only the quotes since the last head are new (the text's search stays linear).
  const known = o.text === s && o.head <= head;
  const low = known ? Math.max(floor, o.head) : floor;
  o.text = s;
  o.head = head;
  for (let q = head - 1; q >= low; q--) {
    if (s.charCodeAt(q) !== 34) continue;
    const n = backslashesBefore(s, q, floor);
    let b = q - n;
    while (b > floor && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
    const c = b === 0 ? -1 : s.charCodeAt(b - 1);
    if (c === -1 || c === 123 || c === 91 || c === 44 || c === 58) {
      o.quote = q;
      o.n = n;
      return n;
    }
  }
  if (!(known && o.quote >= floor)) o.quote = -1;
  return o.quote === -1 ? -1 : o.n;
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
