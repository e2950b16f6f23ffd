/**
 * Passwords in URLs, found without the regex engine: `scheme://user:[REDACTED]@host`. The userinfo
 * is read as WHATWG URL parsers (Node's URL, node-postgres, mysql2, ioredis) read it: the authority
 * ends at the first white space, `/`, `?` or `#`; the userinfo runs to the LAST `@` before that; the
 * password starts after the userinfo's FIRST `:`. So `postgres://u:p@ss@db/x` (s17 F5) and
 * `postgres://admin@server:pw@db/x` (Azure's `user@server` user names, e-mail user names: s18 F1)
 * both lose their whole password. Linear: each URL start scans a bounded window that ends at the
 * next `/`, and every further URL start holds a `/`.
 */

/** How far past the authority's start a password is looked for (user 256 + password 1024 + slack). */
const WINDOW = 2400;

/** Kinds of the characters in a userinfo scan. */
const OTHER = 0;
/** Ends the scan: white space, `/`. */
const HARD = 1;
/** Ends the authority (WHATWG), but the old pattern's password could run past it: `?`, `#`. */
const SOFT = 2;
const COLON = 3;
const AT = 4;

function kindAt(s: string, j: number): number {
  const c = s.charCodeAt(j);
  if (c <= 32 || c === 47) return HARD;
  if (c === 63 || c === 35) return SOFT;
  if (c === 58) return COLON;
  if (c === 64) return AT;
  return OTHER;
}

/**
 * The password's span [start, end) in the userinfo starting at `a`, or undefined. WHATWG's reading
 * first (the last `@` before the authority ends, after the first `:`); else the pattern of rules 12
 * and before (a user without `:` or `@`, at most 256 characters, then `:`, then a password up to the
 * first `@` before white space or `/`, so `u:p?ss@h` still loses `p?ss`), run on to the last `@`
 * before the next `?`, `#`, `/` or white space.
 */
export function passwordSpan(s: string, a: number): readonly [number, number] | undefined {
  const limit = Math.min(s.length, a + WINDOW);
  let c = -1;
  let atBeforeColon = false;
  let authEnd = -1;
  let lastAt = -1;
  let firstAtAfterColon = -1;
  for (let j = a; j < limit; j++) {
    const k = kindAt(s, j);
    if (k === OTHER) continue;
    if (k === HARD) break;
    if (k === SOFT) {
      if (authEnd === -1) authEnd = j;
    } else if (k === COLON) {
      if (c === -1) c = j;
    } else if (c === -1) atBeforeColon = true;
    else {
      if (authEnd === -1) lastAt = j;
      if (firstAtAfterColon === -1) firstAtAfterColon = j;
    }
  }
  if (c === -1) return undefined;
  if (lastAt > c) return lastAt > c + 1 ? [c + 1, lastAt] : undefined;
  if (atBeforeColon || c - a > 256 || firstAtAfterColon === -1 || firstAtAfterColon === c + 1) return undefined;
  let end = firstAtAfterColon;
  const stop = Math.min(s.length, end + 1024);
  for (let j = end + 1; j < stop; j++) {
    const k = kindAt(s, j);
    if (k === HARD || k === SOFT) break;
    if (k === AT) end = j;
  }
  return [c + 1, end];
}

/** The start of the authority after a URL's `:` at `i` (then one to three `/`), or -1. */
function authorityStart(s: string, i: number): number {
  let j = i + 1;
  let n = 0;
  while (n < 3 && s.charCodeAt(j) === 47) {
    j++;
    n++;
  }
  return n === 0 ? -1 : j;
}

/**
 * Every URL password in `s` replaced by `censor`: after `:` and one to three slashes (one: a path
 * normaliser's `postgres:/u:pw@h`), the user stays.
 */
export function redactUrlCredentials(s: string, censor: string): string {
  let out = '';
  let at = 0;
  let from = 0;
  for (;;) {
    const i = s.indexOf(':/', from);
    if (i === -1) break;
    from = i + 1;
    const a = authorityStart(s, i);
    if (a === -1) continue;
    const span = passwordSpan(s, a);
    if (span === undefined) continue;
    out += `${s.slice(at, span[0])}${censor}`;
    at = span[1];
    from = span[1];
  }
  return at === 0 ? s : out + s.slice(at);
}
