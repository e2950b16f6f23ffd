/**
 * Redis and SMTP passwords in more of the forms clients and servers log (rules 18), beside
 * protocol-auth.ts's commands:
 *
 * - `CONFIG SET requirepass pw` / `masterauth pw`, also as MONITOR quotes it (`"CONFIG" "SET"
 *   "requirepass" "pw"`): the value goes whatever its shape (it is the server's password).
 * - A command as an array, `["AUTH","pw"]`, `['auth', 'user', 'pw']`, or as a call's quoted
 *   arguments, `execute_command("AUTH", "pw")`, `redis.call("auth", "user", "pw")`,
 *   `send_command('AUTH', ['pw'])`: the last argument goes (credential-shaped unless AUTH is in
 *   upper case: `steps=["auth", "risk", "route"]` stays).
 * - RESP on the wire (`*2 $4 AUTH $11 pw`), its lines broken by CRLF, by escaped `\r\n` or by
 *   blanks: the bulk strings after `$4 AUTH` (the last is the password) go, each exactly as long
 *   as its `$len` says.
 * - SMTP `AUTH PLAIN` with an empty initial response (RFC 4954 §4): the server answers `334`, and
 *   the client's next line is the base64 credentials; it goes. Likewise the client's answer after
 *   `AUTH CRAM-MD5` and the server's `334 <challenge>` (rules 19).
 *
 * Index searches, a bounded look around each cue: linear in the text.
 */

import { isBase64Char, isCommandWordChar, isSpaceOrTab, pastSpacesAndTabs, quotedOnLine } from './chars.js';
import { isCredentialShaped } from './shapes.js';

type Spans = number[];

function isQuote(c: number): boolean {
  return c === 34 || c === 39;
}

/** Past a line break at `i`: CR/LF raw, or escaped (`\r\n`, `\\n`: backslashes then r or n); else `i`. */
function pastBreak(s: string, i: number): number {
  let j = i;
  for (let k = 0; k < 4 && j < s.length; k++) {
    const c = s.charCodeAt(j);
    if (c === 10 || c === 13) j++;
    else if (c === 92) {
      let b = j;
      while (b < s.length && b - j < 4 && s.charCodeAt(b) === 92) b++;
      const e = s.charCodeAt(b);
      if (e !== 110 && e !== 114) break;
      j = b + 1;
    } else break;
  }
  return j;
}

/** Past blanks and line breaks (raw or escaped) from `i`, at most `max` characters. */
function pastSpace(s: string, i: number, max = 16): number {
  let j = i;
  while (j < s.length && j - i < max) {
    if (isSpaceOrTab(s.charCodeAt(j))) j++;
    else {
      const k = pastBreak(s, j);
      if (k === j) break;
      j = k;
    }
  }
  return j;
}

/** The argument at `i`: a quoted string on its line (its inside) or a word: [start, end, past]. */
function argAt(s: string, i: number): [number, number, number] | undefined {
  if (isQuote(s.charCodeAt(i))) return quotedOnLine(s, i);
  let e = i;
  while (e < s.length) {
    const c = s.charCodeAt(e);
    if (c <= 32 || isQuote(c) || c === 44 || c === 59 || c === 92) break;
    e++;
  }
  return e > i ? [i, e, e] : undefined;
}

/** The word (any case) ending just before `end` after blanks and a quote: its start, or -1. */
function wordBefore(s: string, end: number, word: string): number {
  let i = end - 1;
  if (i >= 0 && isQuote(s.charCodeAt(i))) i--;
  const last = i;
  while (i >= 0 && isSpaceOrTab(s.charCodeAt(i))) i--;
  if (i === last) return -1;
  if (i >= 0 && isQuote(s.charCodeAt(i))) i--;
  const from = i - word.length + 1;
  if (from < 0 || s.slice(from, i + 1).toUpperCase() !== word) return -1;
  return from > 0 && isCommandWordChar(s.charCodeAt(from - 1)) ? -1 : from;
}

const CONFIG_SECRET = /requirepass|masterauth/gi;

/** `CONFIG SET requirepass pw` (quoted or not): the value. */
function configSetSpans(s: string, spans: Spans): void {
  CONFIG_SECRET.lastIndex = 0;
  for (let m = CONFIG_SECRET.exec(s); m !== null; m = CONFIG_SECRET.exec(s)) {
    const at = m.index;
    const end = at + m[0].length;
    const q = at > 0 ? s.charCodeAt(at - 1) : 0;
    const quoted = isQuote(q);
    if (!quoted && at > 0 && isCommandWordChar(q)) continue;
    if (quoted ? s.charCodeAt(end) !== q : !isSpaceOrTab(s.charCodeAt(end))) continue;
    if (wordBefore(s, quoted ? at : at, 'SET') === -1) continue;
    let i = end + (quoted ? 1 : 0);
    while (i < s.length && isSpaceOrTab(s.charCodeAt(i))) i++;
    const v = argAt(s, i);
    if (v !== undefined) spans.push(v[0], v[1]);
  }
}

/**
 * Whether [from, to) may be the password of an AUTH array or call: no blank; when AUTH is not in
 * upper case (the command's own spelling, as clients and MONITOR log it), credential-shaped too,
 * so `steps=["auth", "risk", "route"]` stays.
 */
function passwordShaped(s: string, from: number, to: number, upper: boolean): boolean {
  for (let i = from; i < to; i++) if (isSpaceOrTab(s.charCodeAt(i))) return false;
  return upper || isCredentialShaped(s.slice(from, to));
}

/**
 * A command as an array or a call's quoted arguments, from the quote before AUTH at `q0`: the last
 * argument. `["AUTH", "user", "pw"]`, `['auth', 'pw']`, `r.execute_command("AUTH", "pw")`,
 * `redis.call("auth", "user", "pw")`, `send_command('AUTH', ['pw'])`: AUTH first after `[` or `(`,
 * one or two quoted arguments (in a list of their own inside a call), then the closing bracket.
 */
function arraySpans(s: string, q0: number, spans: Spans): void {
  let b = q0 - 1;
  while (b >= 0 && isSpaceOrTab(s.charCodeAt(b))) b--;
  const open = b < 0 ? 0 : s.charCodeAt(b);
  if (open !== 91 && open !== 40) return;
  const upper = s.startsWith('AUTH', q0 + 1);
  let k = pastSpacesAndTabs(s, q0 + 6); // past `"AUTH"`
  if (s.charCodeAt(k) !== 44) return;
  k = pastSpacesAndTabs(s, k + 1);
  // A call's arguments as a list: `send_command('AUTH', ['pw'])`.
  const inner = open === 40 && s.charCodeAt(k) === 91;
  if (inner) k = pastSpacesAndTabs(s, k + 1);
  let last: [number, number, number] | undefined;
  for (let n = 0; n < 2; n++) {
    if (n > 0) {
      if (s.charCodeAt(k) !== 44) break;
      k = pastSpacesAndTabs(s, k + 1);
    }
    const a = isQuote(s.charCodeAt(k)) ? argAt(s, k) : undefined;
    if (a === undefined) return;
    last = a;
    k = pastSpacesAndTabs(s, a[2]);
  }
  if (inner) {
    if (s.charCodeAt(k) !== 93) return;
    k = pastSpacesAndTabs(s, k + 1);
  }
  if (last === undefined || s.charCodeAt(k) !== (open === 91 ? 93 : 41)) return;
  if (passwordShaped(s, last[0], last[1], upper)) spans.push(last[0], last[1]);
}

/** A RESP length `$<digits>` at `i`: [its value, past it], or undefined. */
function bulkLength(s: string, i: number): [number, number] | undefined {
  if (s.charCodeAt(i) !== 36) return undefined;
  let j = i + 1;
  let v = 0;
  while (j < s.length && j - i <= 4 && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) {
    v = v * 10 + s.charCodeAt(j) - 48;
    j++;
  }
  return j > i + 1 ? [v, j] : undefined;
}

/** The longest user name or password read as a RESP bulk string (a longer `$n` is no AUTH argument). */
const BULK_MAX = 512;

/** RESP `$4 AUTH $n user $n pw` with AUTH at `at`: the bulk strings after it. */
function respSpans(s: string, at: number, spans: Spans): void {
  // `$4` and a break (raw, escaped or blanks) before AUTH.
  let i = at - 1;
  while (i >= 0 && i > at - 12 && s.charCodeAt(i) !== 36) i--;
  if (i < 0 || s.charCodeAt(i) !== 36 || s.charCodeAt(i + 1) !== 52 || pastSpace(s, i + 2) !== at || i + 2 === at)
    return;
  // Broken by blanks only (`paid $4 AUTH fee $11 …` may be prose): the array's `*2` / `*3` before it.
  if (!/[\r\n\\]/.test(s.slice(i + 2, at))) {
    let h = i - 1;
    while (h >= 0 && isSpaceOrTab(s.charCodeAt(h))) h--;
    const n = s.charCodeAt(h);
    if (h < 1 || h === i - 1 || s.charCodeAt(h - 1) !== 42 || (n !== 50 && n !== 51)) return;
  }
  let k = at + 4;
  for (let n = 0; n < 2; n++) {
    const sep = pastSpace(s, k);
    const len = sep > k ? bulkLength(s, sep) : undefined;
    if (len === undefined) return;
    const from = pastSpace(s, len[1]);
    if (from === len[1] || len[0] === 0 || len[0] > BULK_MAX || from + len[0] > s.length) return;
    // The value holds no line break and ends where a separator or the text does.
    const after = from + len[0];
    if (/[\r\n]/.test(s.slice(from, after)) || (after < s.length && pastSpace(s, after) === after)) return;
    spans.push(from, from + len[0]);
    k = from + len[0];
  }
}

/**
 * The end of the server's continuation in the first CONTINUATION_MAX characters of the line at
 * `from` (past a prompt such as `S:`, `<<<`, `[smtp] <<`): SMTP's `334` (RFC 4954 §4), or the `+`
 * of IMAP (RFC 3501 §7.5) and POP3 (RFC 5034 §4) before a blank or the line's end; -1 if none.
 */
function continuationEnd(s: string, from: number): number {
  for (let p = from; p < s.length && p - from <= CONTINUATION_MAX; p++) {
    const c = s.charCodeAt(p);
    if (pastBreak(s, p) !== p) return -1;
    if (c === 51 && s.startsWith('334', p)) return p + 3;
    if (c !== 43 || (p > from && !isSpaceOrTab(s.charCodeAt(p - 1)))) continue;
    const n = p + 1 < s.length ? s.charCodeAt(p + 1) : 32;
    if (isSpaceOrTab(n) || pastBreak(s, p + 1) !== p + 1) return p + 1;
  }
  return -1;
}
const CONTINUATION_MAX = 16;

/**
 * SMTP `AUTH PLAIN` at its line's end, then `334`, then the client's base64 line; `AUTH CRAM-MD5`
 * (RFC 2195, rules 19), then `334 <challenge>`, then the client's base64 answer (its user and the
 * HMAC-MD5 of the challenge under the password: a dictionary attack's input, so it goes too). The
 * command in any case (RFC 5321 §2.4), IMAP's `AUTHENTICATE` and POP3's `AUTH` with a `+`
 * continuation, a log prefix on each line (`[smtp] >>`) (rules 19, at35).
 */
function plainAfter334(s: string, at: number, spans: Spans): void {
  let i = at + 4;
  if (s.slice(i, i + 8).toUpperCase() === 'ENTICATE') i += 8;
  while (i < s.length && isSpaceOrTab(s.charCodeAt(i))) i++;
  const mech = s.slice(i, i + 8).toUpperCase();
  const cram = mech === 'CRAM-MD5';
  if (!cram && !mech.startsWith('PLAIN')) return;
  i += cram ? 8 : 5;
  while (i < s.length && isSpaceOrTab(s.charCodeAt(i))) i++;
  const br = pastBreak(s, i);
  if (br === i) return;
  // The server's `334` or `+`, within its line's start.
  let j = continuationEnd(s, br);
  if (j === -1) return;
  while (j < s.length && isSpaceOrTab(s.charCodeAt(j))) j++;
  if (cram) {
    // The challenge: base64 of `<id@host>`, at most 512 characters read.
    const c = j;
    while (j < s.length && j - c < 512 && isBase64Char(s.charCodeAt(j))) j++;
    if (j === c) return;
    while (j < s.length && isSpaceOrTab(s.charCodeAt(j))) j++;
  }
  const br2 = pastBreak(s, j);
  if (br2 === j) return;
  // The client's line: up to 2 short prompt words (`C:`, `>>>`, `[smtp]`), then the base64.
  let w = br2;
  for (let n = 0; n < 3; n++) {
    while (w < s.length && isSpaceOrTab(s.charCodeAt(w))) w++;
    let e = w;
    while (e < s.length && isBase64Char(s.charCodeAt(e))) e++;
    if (e - w >= 8 && (e >= s.length || !isCommandWordChar(s.charCodeAt(e)))) {
      spans.push(w, e);
      return;
    }
    let f = w;
    while (f < s.length && f - w < 8 && !isSpaceOrTab(s.charCodeAt(f)) && s.charCodeAt(f) !== 10) f++;
    if (f === w || !isSpaceOrTab(s.charCodeAt(f))) return;
    w = f;
  }
}

const AUTH_ANY_CASE = /auth/gi;

/** The spans of the forms above, pushed onto `spans`. */
export function protocolFormSpans(s: string, spans: Spans): void {
  configSetSpans(s, spans);
  AUTH_ANY_CASE.lastIndex = 0;
  for (let m = AUTH_ANY_CASE.exec(s); m !== null; m = AUTH_ANY_CASE.exec(s)) {
    const at = m.index;
    const q = at > 0 ? s.charCodeAt(at - 1) : 0;
    if (isQuote(q) && s.charCodeAt(at + 4) === q) arraySpans(s, at - 1, spans);
    else if (at > 0 && isCommandWordChar(q) && s.charCodeAt(at - 2) !== 92) continue;
    if (!isCommandWordChar(s.charCodeAt(at + 4))) respSpans(s, at, spans);
    plainAfter334(s, at, spans);
  }
}
