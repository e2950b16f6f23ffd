/**
 * SQL's password clauses after `IDENTIFIED`, as MySQL/MariaDB (`CREATE USER … IDENTIFIED BY 'pw'`,
 * `IDENTIFIED WITH plugin BY 'pw'`, `… AS 'hash'`, `IDENTIFIED BY PASSWORD '*hash'`) and Oracle
 * (`CREATE USER bob IDENTIFIED BY pw`, `IDENTIFIED BY VALUES 'hash'`) write them in the statements
 * that create or change an account (`CREATE`/`ALTER USER`, `GRANT … IDENTIFIED BY`, `SET PASSWORD`).
 * `PASSWORD 'pw'` (PostgreSQL's `CREATE ROLE … PASSWORD 'pw'`) is the spaced-pair rule's quoted value.
 * A quoted value goes wherever the clause stands; a bare one only in a statement that starts with
 * CREATE, ALTER or GRANT ("the trader was identified by desk" is prose). The spaced-pair pass calls
 * this at the blank after a word ending in `identified`.
 */
import { isAlnum, isBareEnd, isBlank } from './chars.js';
import { closingQuote } from './pairs.js';

const WORD = 'identified';
/** Blanks between the clause's words, and the longest plugin name read. */
const MAX_BLANKS = 8;
const MAX_PLUGIN = 64;

/** The index after up to MAX_BLANKS blanks from `i`. */
function skipBlanks(s: string, i: number): number {
  let k = i;
  while (k < s.length && k - i < MAX_BLANKS && isBlank(s.charCodeAt(k))) k++;
  return k;
}

/** The index after the word `w` (ASCII, any case) at `i` followed by a blank; -1 when it is not there. */
function keyword(s: string, i: number, w: string): number {
  const end = i + w.length;
  if (end >= s.length || !isBlank(s.charCodeAt(end))) return -1;
  return s.slice(i, end).toLowerCase() === w ? end : -1;
}

/**
 * [start, end) of the password or hash after `IDENTIFIED` whose word ends at the blank `at`, or
 * undefined: a quoted value to its closing quote (its inside), a bare one to a blank, `;`, `,`,
 * `)` or a quote. A value that is already the censor stays.
 */
export function identifiedSpan(s: string, at: number, censor: string): [number, number] | undefined {
  const w = at - WORD.length;
  if (w < 0 || s.slice(w, at).toLowerCase() !== WORD || (w > 0 && isAlnum(s.charCodeAt(w - 1)))) return undefined;
  let i = skipBlanks(s, at);
  let by = keyword(s, i, 'by');
  if (by === -1) {
    const withEnd = keyword(s, i, 'with');
    if (withEnd === -1) return undefined;
    let p = skipBlanks(s, withEnd);
    const plugin = p;
    while (p < s.length && p - plugin < MAX_PLUGIN && !isBlank(s.charCodeAt(p))) p++;
    if (p === plugin) return undefined;
    i = skipBlanks(s, p);
    by = keyword(s, i, 'by');
    if (by === -1) by = keyword(s, i, 'as');
    if (by === -1) return undefined;
  }
  i = skipBlanks(s, by);
  const marker = Math.max(keyword(s, i, 'password'), keyword(s, i, 'values'));
  if (marker !== -1) i = skipBlanks(s, marker);
  if (i >= s.length || s.startsWith(censor, i)) return undefined;
  const c = s.charCodeAt(i);
  if (c === 34 || c === 39 || c === 96) {
    let close = closingQuote(s, i) - 1;
    if (close === -2) {
      // Cut off before its closing quote: the rest of the line.
      close = i + 1;
      while (close < s.length && s.charCodeAt(close) !== 10 && s.charCodeAt(close) !== 13) close++;
    }
    if (close <= i + 1 || s.startsWith(censor, i + 1)) return undefined;
    return [i + 1, close];
  }
  // Prose says "identified by name": a bare value only inside a statement that starts like one.
  if (!inAccountStatement(s, w)) return undefined;
  let end = i;
  while (end < s.length && !isBareEnd(s.charCodeAt(end))) end++;
  return end > i ? [i, end] : undefined;
}

/** How far back a statement's first word is looked for. */
const MAX_STATEMENT = 512;
const STATEMENT = /^\s*(?:create|alter|grant)\s/i;

/** True if the statement holding `at` (from the line start or the last `;`) starts with CREATE, ALTER or GRANT. */
function inAccountStatement(s: string, at: number): boolean {
  let k = at;
  while (k > 0 && at - k < MAX_STATEMENT) {
    const c = s.charCodeAt(k - 1);
    if (c === 10 || c === 13 || c === 59) break;
    k--;
  }
  return STATEMENT.test(s.slice(k, Math.min(at, k + 16)));
}
