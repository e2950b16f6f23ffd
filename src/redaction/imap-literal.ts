/**
 * IMAP literals (RFC 3501 §4.3, RFC 7888 LITERAL+): how a client sends a string with specials, a
 * `LOGIN` user name or password among them: `{n}` (or `{n+}`), a line break, then exactly n
 * characters. Logged text writes the break raw (CRLF) or escaped (`\r\n`) and may show the
 * server's `+ …` go-ahead between. Bounded reads at one place: protocol-auth.ts calls it per LOGIN.
 */

/** Past a line break at `i`: CRLF or LF, raw or escaped (`\\r\\n`, `\\\\n`); else `i`. */
function pastLineBreak(s: string, i: number): number {
  let j = i;
  for (let k = 0; k < 2 && j < s.length; k++) {
    const c = s.charCodeAt(j);
    if (c === 13 || c === 10) {
      j++;
      continue;
    }
    let b = j;
    while (b < s.length && b - j < 3 && s.charCodeAt(b) === 92) b++;
    const e = s.charCodeAt(b);
    if (b === j || (e !== 110 && e !== 114)) break;
    j = b + 1;
  }
  return j;
}

/** The longest IMAP literal read as a user name or password. */
const LITERAL_MAX = 1024;

/**
 * An IMAP literal at `from` (after blanks): `{n}` or `{n+}` (RFC 3501 §4.3, RFC 7888), a line break
 * (raw or escaped), a server's `+ …` continuation line maybe, then n characters: [start, end, past].
 */
export function imapLiteralAt(s: string, from: number): [number, number, number] | undefined {
  let i = from;
  while (i < s.length && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
  if (s.charCodeAt(i) !== 123) return undefined;
  let n = 0;
  let j = i + 1;
  while (j < s.length && j - i <= 5 && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57)
    n = n * 10 + s.charCodeAt(j++) - 48;
  if (j === i + 1 || n === 0 || n > LITERAL_MAX) return undefined;
  if (s.charCodeAt(j) === 43) j++;
  if (s.charCodeAt(j) !== 125) return undefined;
  i = pastLineBreak(s, j + 1);
  if (i === j + 1) return undefined;
  // The server's go-ahead (`+ Ready for literal data`, `S: + go`) within 80 characters, when logged between.
  let g = i;
  while (g < i + 4 && g < s.length && s.charCodeAt(g) !== 43 && s.charCodeAt(g) > 32 && s.charCodeAt(g) !== 92) g++;
  while (g < i + 5 && s.charCodeAt(g) === 32) g++;
  if (s.charCodeAt(g) === 43 && s.charCodeAt(g + 1) === 32) {
    let e = g;
    while (e < s.length && e - i < 80 && s.charCodeAt(e) !== 13 && s.charCodeAt(e) !== 10 && s.charCodeAt(e) !== 92)
      e++;
    const k = pastLineBreak(s, e);
    if (k === e) return undefined;
    i = k;
  }
  return i + n <= s.length ? [i, i + n, i + n] : undefined;
}
