/**
 * Passwords in URLs, found without the regex engine: `scheme://user:[REDACTED]@host`. The userinfo
 * is read as WHATWG URL parsers (Node's URL, node-postgres, mysql2, ioredis) read it: the authority
 * ends at the first white space, `/`, `?` or `#`; the userinfo runs to the LAST `@` before that; the
 * password starts after the userinfo's FIRST `:`. So `postgres://u:p@ss@db/x` (s17 F5) and
 * `postgres://admin@server:pw@db/x` (Azure's `user@server` user names, e-mail user names: s18 F1)
 * both lose their whole password. Rules 13 also reads JSON's escaped `postgres:\/\/u:pw@db`, a
 * percent-encoded URL in a query and a proxy without a scheme after its name (s18 F5); rules 14 a URL
 * percent-encoded twice or three times (`%253A` for `:`, `%2540` for `@`). Linear:
 * each URL start scans a bounded window that ends at the next `/`, and every further URL start
 * holds a `/`; a proxy name's failed scan skips the names inside the value it scanned.
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

/** How a userinfo is written: in a URL; a proxy's value without a scheme; percent-encoded. */
export const PLAIN = 0;
export const PROXY = 1;
export const ENCODED = 2;

/** How many times a URL may be percent-encoded: `%40`, `%2540`, `%252540` are all an `@` (rules 14). */
const MAX_ENCODINGS = 3;
/** The length of the last escape kindAt read: 3 for `%40`, 5 for `%2540`, 7 for `%252540`. */
let escLen = 3;

/** The kind of the character (or `%XX` escape) at `j`; an escape's length is left in escLen. */
function kindAt(s: string, j: number, mode: number): number {
  const c = s.charCodeAt(j);
  if (c <= 32 || c === 47) return HARD;
  if (c === 63 || c === 35) return SOFT;
  if (c === 58) return COLON;
  if (c === 64) return AT;
  if (mode === PLAIN) return OTHER;
  if (c === 34 || c === 39) return HARD; // a quote ends a proxy's or a query's value
  if (mode === PROXY) return OTHER;
  if (c === 38) return HARD; // `&`: the next query parameter
  if (c !== 37) return OTHER;
  // `%25` is `%` encoded: a URL encoded once more writes `%253A` for `:` (a redirect's `next=` logged
  // in a query string), and once more again `%25253A`.
  let h = j + 1;
  for (let n = 1; n < MAX_ENCODINGS && s.charCodeAt(h) === 50 && s.charCodeAt(h + 1) === 53; n++) h += 2;
  escLen = h + 2 - j;
  const x = s.slice(h, h + 2).toUpperCase();
  if (x === '2F') return HARD | ESC;
  if (x === '3F' || x === '23') return SOFT | ESC;
  if (x === '3A') return COLON | ESC;
  if (x === '40') return AT | ESC;
  return OTHER;
}

/** Added to a kind when it is a `%XX` escape (escLen characters). */
const ESC = 8;

/** Where the last passwordSpan's first scan stopped (a HARD character or its window's end). */
let scanStop = 0;

/**
 * The password's span [start, end) in the userinfo starting at `a`, or undefined. WHATWG's reading
 * first (the last `@` before the authority ends, after the first `:`); else the pattern of rules 12
 * and before (a user without `:` or `@`, at most 256 characters, then `:`, then a password up to the
 * first `@` before white space or `/`, so `u:p?ss@h` still loses `p?ss`), run on to the last `@`
 * before the next `?`, `#`, `/` or white space.
 */
export function passwordSpan(s: string, a: number, mode = PLAIN): readonly [number, number] | undefined {
  const limit = Math.min(s.length, a + WINDOW);
  scanStop = limit;
  let c = -1;
  let cEnd = -1;
  let atBeforeColon = false;
  let authEnd = -1;
  let lastAt = -1;
  let firstAtAfterColon = -1;
  for (let j = a; j < limit; j++) {
    const kk = kindAt(s, j, mode);
    const k = kk & 7;
    if (k === OTHER) continue;
    if (k === HARD) {
      scanStop = j;
      break;
    }
    if (k === SOFT) {
      if (authEnd === -1) authEnd = j;
    } else if (k === COLON) {
      if (c === -1) {
        c = j;
        cEnd = kk & ESC ? j + escLen : j + 1;
      }
    } else if (c === -1) atBeforeColon = true;
    else {
      if (authEnd === -1) lastAt = j;
      if (firstAtAfterColon === -1) firstAtAfterColon = j;
    }
    if (kk & ESC) j += escLen - 1;
  }
  if (c === -1) return undefined;
  if (lastAt > c) return lastAt > cEnd ? [cEnd, lastAt] : undefined;
  if (mode === PROXY || atBeforeColon || c - a > 256 || firstAtAfterColon <= cEnd) return undefined;
  let end = firstAtAfterColon;
  const stop = Math.min(s.length, end + 1024);
  for (let j = end + 1; j < stop; j++) {
    const kk = kindAt(s, j, mode);
    const k = kk & 7;
    if (k === HARD || k === SOFT) break;
    if (k === AT) end = j;
    if (kk & ESC) j += escLen - 1;
  }
  return [cEnd, end];
}

/** The start of the authority after a URL's `:` at `i` (then one to three `/` or JSON's `\/`), or -1. */
function authorityStart(s: string, i: number): number {
  let j = i + 1;
  let n = 0;
  while (n < 3) {
    const c = s.charCodeAt(j);
    if (c === 47) j++;
    else if (c === 92 && s.charCodeAt(j + 1) === 47) j += 2;
    else break;
    n++;
  }
  return n === 0 ? -1 : j;
}

/** A span to replace: [start, end). */
type Span = readonly [number, number];

/**
 * The password spans of URLs: after `:` and one to three slashes (one: a path normaliser's
 * `postgres:/u:pw@h`; rules 13: JSON's escaped `:\/\/`, PHP json_encode's default).
 */
function urlSpans(s: string, spans: Span[]): void {
  let from = 0;
  for (;;) {
    const i = s.indexOf(':', from);
    if (i === -1) break;
    from = i + 1;
    const a = authorityStart(s, i);
    if (a === -1) continue;
    const span = passwordSpan(s, a);
    if (span === undefined) continue;
    spans.push(span);
    from = span[1];
  }
}

/**
 * A percent-encoded URL (rules 13), as a query parameter holds one: `next=postgres%3A%2F%2Fu%3Apw%40db`;
 * rules 14: encoded twice or three times, `%253A%252F%252F`, `%25253A%25252F%25252F`.
 */
const ENCODED_START = /%(?:25){0,2}3A(?:%(?:25){0,2}2F){1,3}/gi;

function encodedSpans(s: string, spans: Span[]): void {
  ENCODED_START.lastIndex = 0;
  for (let m = ENCODED_START.exec(s); m !== null; m = ENCODED_START.exec(s)) {
    const span = passwordSpan(s, m.index + m[0].length, ENCODED);
    if (span === undefined) continue;
    spans.push(span);
    ENCODED_START.lastIndex = span[1];
  }
}

/**
 * A proxy given without a scheme (rules 13): `HTTPS_PROXY=u:pw@proxy:3128`, `"proxy": "u:pw@h"`,
 * `curl -x u:pw@h:3128`, `--proxy u:pw@h`; rules 14: curl's SOCKS and pre-proxy options,
 * `--socks4`, `--socks4a`, `--socks5`, `--socks5-hostname`, `--preproxy`. Only after such a name or
 * option, so `a:b@c` in ordinary text stays; the value must hold `user:password@` before its host
 * (WHATWG's reading, without the fallback); a value with a scheme is a URL, found by urlSpans.
 */
const PROXY_HEAD =
  /(?:proxy(?:[_-]?(?:url|uri|server|host|address))?["']?[ \t]{0,8}[=:][ \t]{0,8}|(?:^|[\s"'])(?:-x|--proxy|--preproxy|--socks4a?|--socks5(?:-hostname)?)(?:[ \t]{1,8}|=))["']?/gi;

function proxySpans(s: string, spans: Span[]): void {
  PROXY_HEAD.lastIndex = 0;
  for (let m = PROXY_HEAD.exec(s); m !== null; m = PROXY_HEAD.exec(s)) {
    const a = m.index + m[0].length;
    const span = passwordSpan(s, a, PROXY);
    if (span === undefined) {
      // A later name inside the same value finds no first `:` with an `@` after it either: skip it
      // (linear on `proxy=proxy=…` with no blank).
      if (scanStop > PROXY_HEAD.lastIndex) PROXY_HEAD.lastIndex = scanStop;
      continue;
    }
    spans.push(span);
    PROXY_HEAD.lastIndex = span[1];
  }
}

/** Every URL password in `s` replaced by `censor`; the user stays. */
export function redactUrlCredentials(s: string, censor: string): string {
  if (!s.includes('@') && !s.includes('%40') && !s.includes('%25')) return s;
  const spans: Span[] = [];
  urlSpans(s, spans);
  if (s.includes('%')) encodedSpans(s, spans);
  proxySpans(s, spans);
  if (spans.length === 0) return s;
  spans.sort((x, y) => x[0] - y[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of spans) {
    if (end <= at) continue;
    if (start < at) out = out.slice(0, out.length - censor.length); // overlapping: one censor for both
    out += `${s.slice(at, Math.max(at, start))}${censor}`;
    at = end;
  }
  return out + s.slice(at);
}
