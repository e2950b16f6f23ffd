/**
 * Passwords in protocol commands that logged text quotes (rules 16):
 *
 * - Redis ACL rules, `ACL SETUSER name on >password ~* +@all`: a rule word `>password` (adds a
 *   password), `<password` (removes one) keeps its `>`/`<` and loses the rest; `#<64 hex>` and
 *   `!<64 hex>` (a password's SHA-256, as a password hash elsewhere) likewise. Config files' `user
 *   name … >password` lines (redis.conf, users.acl) use the same words (config-text.ts).
 * - `AUTH` (upper case, a word of its own) in Redis's form `AUTH [user] password`: the password
 *   goes when it looks like a credential (isCredentialShaped) or when `AUTH` starts the text or a
 *   line and the password ends it (a command as a field's value: `AUTH foobared`).
 * - SMTP/IMAP/POP SASL (RFC 4954): `AUTH PLAIN <base64>`, `AUTH XOAUTH2 <base64>`, `AUTH
 *   OAUTHBEARER <base64>` lose their base64 initial response (credential-shaped: 8 or more, mixed
 *   case or digits); after the server's `AUTH LOGIN`
 *   password prompt (`334 UGFzc3dvcmQ6`, base64 of "Password:"), the next base64 word (the client's
 *   answer) goes.
 *
 * Rules 17 (at30 F3): `AUTH` and `SETUSER` in any case; quoted arguments (`"ACL" "SETUSER" … ">pw"`,
 * MONITOR's `"AUTH" "pw"`: the password goes whatever its shape when the line ends after it);
 * lower-case `auth pw` only at a line's start and credential-shaped; `HELLO 3 AUTH user pw` and
 * `AUTH2 user pw` (MIGRATE) lose `pw` whatever its shape; ioredis's `auth([ 'user', 'pw' ])` its
 * last quoted argument.
 *
 * Index searches and one pass per line that holds a command: linear in the text.
 */
import { isBase64Char, isCommandWordChar, isSpaceOrTab, pastSpacesAndTabs, quotedOnLine } from './chars.js';
import { imapLiteralAt } from './imap-literal.js';
import { protocolFormSpans } from './protocol-forms.js';
import { isCredentialShaped } from './shapes.js';

/** Whether the text may hold a command this module redacts (cheap: a few index searches). */
export function mayHoldProtocolAuth(s: string): boolean {
  return CUE.test(s) || s.includes('PASS') || s.includes('dvcmQ6') || s.includes('UkQ6');
}

/** `AUTH` and `SETUSER` in any case (rules 17: `auth`, `Acl SetUser`); IMAP LOGIN, POP3 PASS, `requirepass` (rules 18). */
const CUE = /auth|setuser|login|requirepass/i;
const LOGIN_CUE = /login/i;

/** A character that ends a command word in logged text: blank, line end, quote, separator. */
function endsWord(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 34 || c === 39 || c === 96 || c === 44 || c === 59;
}

function isHex64(s: string, from: number, to: number): boolean {
  if (to - from !== 64) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

/** Spans [start, end) to censor, in order. */
type Spans = number[];

/**
 * The ACL rule words of [from, to) (one line): `>pw`, `<pw`, `#hex64`, `!hex64`, also quoted
 * (`">pass word"`), lose what follows their first character.
 */
export function aclRuleSpans(s: string, from: number, to: number, spans: Spans): void {
  let i = from;
  while (i < to) {
    while (i < to && isSpaceOrTab(s.charCodeAt(i))) i++;
    if (i >= to) break;
    let q = s.charCodeAt(i);
    let at = i;
    if (q === 34 || q === 39) at++;
    else q = 0;
    const lead = at < to ? s.charCodeAt(at) : 0;
    // The word's end: its closing quote, or the next blank.
    let end = at;
    if (q !== 0) {
      const close = s.indexOf(String.fromCharCode(q), at);
      end = close === -1 || close > to ? to : close;
    } else while (end < to && !isSpaceOrTab(s.charCodeAt(end))) end++;
    if (end > at + 1) {
      if (lead === 62 || lead === 60) spans.push(at + 1, end);
      else if ((lead === 35 || lead === 33) && isHex64(s, at + 1, end)) spans.push(at + 1, end);
    }
    i = end + (q !== 0 && end < to ? 1 : 0);
    if (i === at) i++;
  }
}

function lineEndOf(s: string, from: number): number {
  const nl = s.indexOf('\n', from);
  const end = nl === -1 ? s.length : nl;
  return end > from && s.charCodeAt(end - 1) === 13 ? end - 1 : end;
}

/** The word starting at `from` (after blanks on the same line): [start, end], or undefined. */
function nextWord(s: string, from: number): [number, number] | undefined {
  let i = from;
  while (i < s.length && isSpaceOrTab(s.charCodeAt(i))) i++;
  if (i >= s.length || endsWord(s.charCodeAt(i))) return undefined;
  let e = i;
  while (e < s.length && !endsWord(s.charCodeAt(e))) e++;
  return [i, e];
}

/**
 * The argument starting at `from` (after blanks on the same line): a word, or a quoted string on
 * its line (`"pw"`, `'pw'`: its inside): [start, end, past it], or undefined.
 */
function nextArg(s: string, from: number): [number, number, number] | undefined {
  let i = from;
  while (i < s.length && isSpaceOrTab(s.charCodeAt(i))) i++;
  const q = s.charCodeAt(i);
  if (q === 34 || q === 39) return quotedOnLine(s, i);
  const w = nextWord(s, i);
  return w === undefined ? undefined : [w[0], w[1], w[1]];
}

/** The first character at or after `i` that is no blank. */

/** True when only blanks, a quote or a prompt (`>`, `C:`, `redis>`) stand before `at` on its line. */
function startsLine(s: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && isSpaceOrTab(s.charCodeAt(i))) i--;
  if (i < 0) return true;
  const c = s.charCodeAt(i);
  return c === 10 || c === 13 || c === 34 || c === 39 || c === 62 || c === 58;
}

/** True when the command ends at `e`: the text's or line's end, a quote, `,` or `;`. */
function commandEnds(s: string, e: number): boolean {
  let i = e;
  while (i < s.length && isSpaceOrTab(s.charCodeAt(i))) i++;
  if (i >= s.length) return true;
  const c = s.charCodeAt(i);
  return c === 10 || c === 13 || c === 34 || c === 39 || c === 96 || c === 44 || c === 59 || c === 41 || c === 125;
}

const SASL_SECRET = new Set(['PLAIN', 'XOAUTH2', 'XOAUTH', 'OAUTHBEARER']);
const SASL_OTHER = new Set(['LOGIN', 'CRAM-MD5', 'DIGEST-MD5', 'EXTERNAL', 'ANONYMOUS', 'GSSAPI', 'NTLM']);

function isMechanism(w: string): boolean {
  return SASL_SECRET.has(w) || SASL_OTHER.has(w) || w.startsWith('SCRAM-');
}

/** Words after `AUTH` that report an outcome, not a password (`AUTH failed`). */
const OUTCOMES = new Set([
  'ok',
  'failed',
  'failure',
  'error',
  'succeeded',
  'success',
  'successful',
  'required',
  'denied',
  'rejected',
  'refused',
  'invalid',
  'expired',
  'timeout',
  'done',
  'pending',
]);

/** ioredis's debug line `auth([ 'pw' ])`, `auth([ 'user', 'pw' ])` from `(` at `i`: the password. */
function listSpans(s: string, i: number, spans: Spans): void {
  let k = i + 1;
  while (k < s.length && isSpaceOrTab(s.charCodeAt(k))) k++;
  if (s.charCodeAt(k) !== 91) return;
  let last: [number, number, number] | undefined;
  for (let n = 0; n < 2; n++) {
    const a = nextArg(s, k + 1);
    if (a === undefined || a[2] === a[1]) return;
    last = a;
    k = a[2];
    while (k < s.length && isSpaceOrTab(s.charCodeAt(k))) k++;
    if (s.charCodeAt(k) !== 44) break;
  }
  if (last !== undefined && s.charCodeAt(k) === 93) spans.push(last[0], last[1]);
}

/** `HELLO <protover>` and blanks end at `at` (RESP3's handshake: `HELLO 3 AUTH user pw`). */
function afterHello(s: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && isSpaceOrTab(s.charCodeAt(i))) i--;
  const d = i;
  while (i >= 0 && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i--;
  if (i === d || i < 5 || !isSpaceOrTab(s.charCodeAt(i))) return false;
  while (i >= 0 && isSpaceOrTab(s.charCodeAt(i))) i--;
  return (
    i >= 4 && s.slice(i - 4, i + 1).toUpperCase() === 'HELLO' && (i < 5 || !isCommandWordChar(s.charCodeAt(i - 5)))
  );
}

const AUTH_ANY_CASE = /auth/gi;

function authSpans(s: string, spans: Spans): void {
  // Where the last `args` list read ended: a hit inside it is not read again (linear).
  let argsReadTo = 0;
  AUTH_ANY_CASE.lastIndex = 0;
  for (let m = AUTH_ANY_CASE.exec(s); m !== null; m = AUTH_ANY_CASE.exec(s)) {
    const at = m.index;
    if (at > 0 && isCommandWordChar(s.charCodeAt(at - 1))) continue;
    const upper = s.startsWith('AUTH', at);
    const after = s.charCodeAt(at + 4);
    // MIGRATE … AUTH2 user pw (upper case): the password goes whatever its shape.
    if (upper && after === 50 && isSpaceOrTab(s.charCodeAt(at + 5))) {
      const u = nextArg(s, at + 5);
      const pw = u === undefined ? undefined : nextArg(s, u[2]);
      if (pw !== undefined) spans.push(pw[0], pw[1]);
      continue;
    }
    if (after === 40) {
      listSpans(s, at + 4, spans);
      continue;
    }
    // MONITOR's and redis-cli's quoted arguments: `"AUTH" "pw"`.
    const before = at > 0 ? s.charCodeAt(at - 1) : 0;
    const quoted = (before === 34 || before === 39) && after === before;
    // Bybit's websocket login (rules 18): `{"op":"auth","args":["key",expires,"signature"]}`.
    if (quoted && at >= argsReadTo) {
      const end = argsListSpans(s, at + 5, spans);
      if (end !== -1) {
        argsReadTo = end;
        continue;
      }
    }
    if (!quoted && (at + 4 >= s.length || !isSpaceOrTab(after))) continue;
    const from = at + (quoted ? 5 : 4);
    const w1 = nextArg(s, from);
    if (w1 === undefined) continue;
    const first = s.slice(w1[0], w1[1]);
    const mech = first.toUpperCase();
    // A mechanism glued to an escaped line break (`AUTH CRAM-MD5\r\nS: 334 …`) is no password.
    if (!isMechanism(mech) && isMechanismWordAt(s, w1[0], w1[1])) continue;
    if (isMechanism(mech)) {
      if (!SASL_SECRET.has(mech)) continue;
      const w2 = nextArg(s, w1[2]);
      if (w2 === undefined || w2[1] - w2[0] < 4) continue;
      // A server's list of mechanisms (`250-AUTH PLAIN LOGIN XOAUTH2`) names no credential.
      if (isMechanism(s.slice(w2[0], w2[1]).toUpperCase())) continue;
      let b64 = true;
      for (let k = w2[0]; k < w2[1]; k++) if (!isBase64Char(s.charCodeAt(k))) b64 = false;
      // The response of a user and password is 8 or more: a word of prose is no credential shape.
      if (b64 && isCredentialShaped(s.slice(w2[0], w2[1]))) spans.push(w2[0], w2[1]);
      continue;
    }
    // Redis: AUTH password | AUTH user password.
    const w2 = nextArg(s, w1[2]);
    if (quoted) {
      // MONITOR's line: every argument quoted, the line ends after the password.
      const pw = w2 !== undefined && w2[2] > w2[1] ? w2 : w1;
      const e = pastSpacesAndTabs(s, pw[2]);
      const c = s.charCodeAt(e);
      if (w1[2] > w1[1] && (e >= s.length || c === 10 || c === 13)) spans.push(pw[0], pw[1]);
      continue;
    }
    if (upper && w2 !== undefined && afterHello(s, at)) {
      spans.push(w2[0], w2[1]);
      continue;
    }
    const atStart = startsLine(s, at);
    let pw: [number, number, number] | undefined;
    if (w2 !== undefined && commandEnds(s, w2[2])) pw = w2;
    else if (commandEnds(s, w1[2])) pw = w1;
    else if (w2 !== undefined && isCredentialShaped(s.slice(w2[0], w2[1]))) pw = w2;
    else if (isCredentialShaped(first)) pw = w1;
    if (pw === undefined || pw[1] === pw[0]) continue;
    const value = s.slice(pw[0], pw[1]);
    if (OUTCOMES.has(value.toLowerCase())) continue;
    const shaped = isCredentialShaped(value);
    const ends = commandEnds(s, pw[2]);
    // Lower case (rules 18): after a client's prompt (`127.0.0.1:6379> auth pw`) whatever its shape
    // when the command ends there; mid-line, credential-shaped and ending the command.
    const lower = afterPrompt(s, at) ? ends : shaped && (atStart || ends);
    if (upper ? shaped || (atStart && ends) : lower) spans.push(pw[0], pw[1]);
  }
}

/**
 * Whether the word starting at `from` (before `to`) is a SASL mechanism's name, `CRAM-MD5`,
 * `SCRAM-SHA-256`, `XOAUTH2`…, ending at a character that is no word's: `AUTH CRAM-MD5` names no
 * credential, so the spaced-pair rule leaves it (rules 19).
 */
export function isMechanismWordAt(s: string, from: number, to: number): boolean {
  let e = from;
  let marked = false; // a digit or `-`: a name without one is no value to the callers anyway
  for (; e < to && e - from < 24 && isCommandWordChar(s.charCodeAt(e)); e++) {
    const c = s.charCodeAt(e);
    if (c === 45 || (c >= 48 && c <= 57)) marked = true;
  }
  if (!marked || e - from < 4 || (e < to && isCommandWordChar(s.charCodeAt(e)))) return false;
  const w = s.slice(from, e).toUpperCase();
  return SASL_SECRET.has(w) || SASL_OTHER.has(w) || /^SCRAM-SHA-(?:1|224|256|384|512)(?:-PLUS)?$/.test(w);
}

/** A client's prompt (`>`, `redis>`, `127.0.0.1:6379>`) and blanks stand right before `at`. */
function afterPrompt(s: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && isSpaceOrTab(s.charCodeAt(i))) i--;
  return i >= 0 && s.charCodeAt(i) === 62;
}

/** The longest `args` list read after `"auth"` (a hostile run of them stays linear). */
const ARGS_LIST_MAX = 4096;

/**
 * After `"auth"` at `from` (past its closing quote): `, "args": [ … ]` (blanks anywhere); every
 * quoted string of the list goes (the API key and the signature; the expiry number stays). Where
 * the reading ended when the list was there, else -1.
 */
function argsListSpans(s: string, from: number, spans: Spans): number {
  let i = pastSpacesAndTabs(s, from);
  if (s.charCodeAt(i) !== 44) return -1;
  i = pastSpacesAndTabs(s, i + 1);
  const q = s.charCodeAt(i);
  if ((q !== 34 && q !== 39) || !s.startsWith('args', i + 1) || s.charCodeAt(i + 5) !== q) return -1;
  i = pastSpacesAndTabs(s, i + 6);
  if (s.charCodeAt(i) !== 58) return -1;
  i = pastSpacesAndTabs(s, i + 1);
  if (s.charCodeAt(i) !== 91) return -1;
  const stop = Math.min(s.length, i + ARGS_LIST_MAX);
  for (i++; i < stop; i++) {
    const c = s.charCodeAt(i);
    if (c === 93) break;
    if (c === 34 || c === 39) {
      let close = i + 1;
      while (close < stop && s.charCodeAt(close) !== c) close += s.charCodeAt(close) === 92 ? 2 : 1;
      if (close >= stop) break;
      if (close > i + 1) spans.push(i + 1, close);
      i = close;
    }
  }
  return i;
}

const LOGIN_ANY_CASE = /login/gi;

/**
 * IMAP's `a001 LOGIN user password` (RFC 9051 §6.2.3; quoted strings too): a tag at a line's start
 * (or after a prompt, `C:`, a quote), then LOGIN, the user, the password ending the command. A
 * lower-case `login` needs a tag with a digit (`a001`), so "user login bob" is none. The user and
 * the password may be literals (`A001 LOGIN {5}` CRLF `alice {8}` CRLF `pw`): the password's
 * literal goes by its declared length.
 */
function imapLoginSpans(s: string, spans: Spans): void {
  LOGIN_ANY_CASE.lastIndex = 0;
  for (let m = LOGIN_ANY_CASE.exec(s); m !== null; m = LOGIN_ANY_CASE.exec(s)) {
    const at = m.index;
    if (at < 2 || !isSpaceOrTab(s.charCodeAt(at - 1)) || !isSpaceOrTab(s.charCodeAt(at + 5))) continue;
    // The tag: 1-16 letters, digits or dots before the blanks.
    let t = at - 1;
    while (t >= 0 && isSpaceOrTab(s.charCodeAt(t))) t--;
    const tagEnd = t + 1;
    let digit = false;
    while (t >= 0 && tagEnd - t <= 17) {
      const c = s.charCodeAt(t);
      if (c >= 48 && c <= 57) digit = true;
      else if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46)) break;
      t--;
    }
    const tagLen = tagEnd - t - 1;
    if (tagLen < 1 || tagLen > 16 || !startsLine(s, t + 1)) continue;
    if (!digit && !(s.startsWith('LOGIN', at) && tagLen <= 8)) continue;
    // Either may be a literal (`{5}` CRLF `alice`): how clients send strings with specials.
    const user = imapLiteralAt(s, at + 5) ?? nextArg(s, at + 5);
    const literal = user === undefined ? undefined : imapLiteralAt(s, user[2]);
    const pw = literal ?? (user === undefined ? undefined : nextArg(s, user[2]));
    if (pw === undefined || (literal === undefined && !commandEnds(s, pw[2]))) continue;
    if (OUTCOMES.has(s.slice(pw[0], pw[1]).toLowerCase())) continue;
    spans.push(pw[0], pw[1]);
  }
}

/**
 * POP3's and FTP's `PASS secret` (RFC 1939 §7, RFC 959): upper-case PASS at a line's start (or after
 * a prompt), one argument ending the command; after a `USER` command earlier in the text or a
 * prompt (`> PASS pw`), or
 * credential-shaped and no path (a test runner's `PASS src/a.test.ts` stays).
 */
function passSpans(s: string, spans: Spans): void {
  // The first USER command (found once: a search back from each PASS would be quadratic).
  let user = s.indexOf('USER ');
  while (user !== -1 && !((user === 0 || !isCommandWordChar(s.charCodeAt(user - 1))) && startsLine(s, user)))
    user = s.indexOf('USER ', user + 5);
  for (let at = s.indexOf('PASS'); at !== -1; at = s.indexOf('PASS', at + 4)) {
    if (
      (at > 0 && isCommandWordChar(s.charCodeAt(at - 1))) ||
      !isSpaceOrTab(s.charCodeAt(at + 4)) ||
      !startsLine(s, at)
    )
      continue;
    const pw = nextArg(s, at + 4);
    if (pw === undefined || !commandEnds(s, pw[2])) continue;
    const value = s.slice(pw[0], pw[1]);
    const afterUser = user !== -1 && user < at;
    if (afterUser || afterPrompt(s, at) || (isCredentialShaped(value) && !value.includes('/') && !value.includes('.')))
      spans.push(pw[0], pw[1]);
  }
}

const SETUSER_ANY_CASE = /setuser/gi;

function setuserSpans(s: string, spans: Spans): void {
  // The rules of a line are read once, however many commands it holds (linear).
  let readTo = 0;
  SETUSER_ANY_CASE.lastIndex = 0;
  for (let m = SETUSER_ANY_CASE.exec(s); m !== null; m = SETUSER_ANY_CASE.exec(s)) {
    const at = m.index;
    // `ACL` (any case) and blanks before it, each maybe quoted (`"ACL" "SETUSER"`).
    let i = at - 1;
    const q = i >= 0 ? s.charCodeAt(i) : 0;
    const quoted = q === 34 || q === 39;
    if (quoted) i--;
    if (i < 0 || !isSpaceOrTab(s.charCodeAt(i))) continue;
    while (i >= 0 && isSpaceOrTab(s.charCodeAt(i))) i--;
    if (quoted && i >= 0 && s.charCodeAt(i) === q) i--;
    if (i < 2 || s.slice(i - 2, i + 1).toUpperCase() !== 'ACL') continue;
    let past = at + 7;
    if (quoted) {
      if (s.charCodeAt(past) !== q) continue;
      past++;
    }
    const name = nextArg(s, past);
    if (name === undefined) continue;
    if (name[2] < readTo) continue;
    readTo = lineEndOf(s, name[2]);
    aclRuleSpans(s, name[2], readTo, spans);
  }
}

/** The server's AUTH LOGIN password prompt (base64 of "Password:", "password:", "PASSWORD:"). */
const PROMPTS = ['UGFzc3dvcmQ6', 'cGFzc3dvcmQ6', 'UEFTU1dPUkQ6'];

function loginSpans(s: string, spans: Spans): void {
  for (const p of PROMPTS) {
    // Words are read once: the next search starts past the words the last prompt read (linear).
    for (let at = s.indexOf(p); at !== -1; ) {
      // The next base64 word of 4 or more, past at most 3 short words (`C:`, `>>>`, a line break).
      let i = at + p.length;
      for (let words = 0; words < 4 && i < s.length; words++) {
        while (i < s.length && (isSpaceOrTab(s.charCodeAt(i)) || s.charCodeAt(i) === 10 || s.charCodeAt(i) === 13)) i++;
        let e = i;
        while (e < s.length && !endsWord(s.charCodeAt(e))) e++;
        if (e === i) break;
        let b64 = e - i >= 4;
        for (let k = i; k < e && b64; k++) if (!isBase64Char(s.charCodeAt(k))) b64 = false;
        if (b64 && !/^\d+$/.test(s.slice(i, e))) {
          spans.push(i, e);
          i = e;
          break;
        }
        i = e;
      }
      at = s.indexOf(p, Math.max(i, at + p.length));
    }
  }
}

/** Replaces the passwords of the commands above (see the module comment). */
export function redactProtocolAuth(s: string, censor: string): string {
  const spans: Spans = [];
  authSpans(s, spans);
  setuserSpans(s, spans);
  protocolFormSpans(s, spans);
  if (LOGIN_CUE.test(s)) imapLoginSpans(s, spans);
  if (s.includes('PASS')) passSpans(s, spans);
  if (s.includes('dvcmQ6') || s.includes('UkQ6')) loginSpans(s, spans);
  return applySpans(s, spans, censor);
}

/** Censors the spans (pairs of start, end; any order, overlaps merged). */
export function applySpans(s: string, spans: Spans, censor: string): string {
  if (spans.length === 0) return s;
  const pairs: [number, number][] = [];
  for (let k = 0; k < spans.length; k += 2) pairs.push([spans[k] as number, spans[k + 1] as number]);
  pairs.sort((a, b) => a[0] - b[0]);
  let out = '';
  let last = 0;
  for (const [a, b] of pairs) {
    if (b <= last) continue;
    const from = Math.max(a, last);
    out += s.slice(last, from) + censor;
    last = b;
  }
  const result = out + s.slice(last);
  return result;
}
