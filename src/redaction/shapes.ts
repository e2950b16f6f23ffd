/**
 * Secret shapes: strings that are credentials by their form, wherever they appear.
 *
 * Anchored on the public rule sets of the well-kept scanners: every gitleaks default rule
 * (`config/gitleaks.toml`) that has a fixed prefix or structure, the fixed-shape plugins of Yelp's
 * detect-secrets (AWS, Azure storage, Discord, GitHub, GitLab, JWT, Mailchimp, npm, OpenAI, PyPI,
 * SendGrid, Slack, Square, Stripe, Telegram, Twilio, Artifactory, basic-auth URLs, private keys),
 * and GitHub secret scanning's non-provider patterns (HTTP basic and bearer headers, database
 * connection strings, private keys). Rules of theirs that are only "a provider's name near 32
 * characters" are covered by the key vocabulary (`keys.ts`) instead: `adafruit_api_key = …` is a
 * sensitive key wherever it appears.
 *
 * Every pattern starts with a literal or a short bounded class, and every repetition is bounded,
 * so a hostile 64 KiB string costs a bounded number of steps per position (no ReDoS). A bound of
 * thousands is still too many at every position: the jwt rule's match is found by its finder
 * (shape-runs.ts, `ShapeRule.find`), linear, not by its pattern. Patterns are
 * case-sensitive (the combined test must not widen them); case variants are spelled out.
 * PEM private keys are found by `redactPem` (index search, linear), not by a pattern.
 */
import { isWideBlank } from './chars.js';
import { endsWithKeyStem, STEM_ENDS } from './key-stems.js';
import { SHAPES, type ShapeRule } from './shape-rules.js';
import { resetRuns } from './shape-runs.js';

/** A named secret shape. `replace` receives the match and its groups and returns the redacted form. */
export interface SecretPattern {
  readonly name: string;
  readonly regex: RegExp;
  readonly replace?: (match: string, ...groups: string[]) => string;
}

/** Rules by the first character of a prefix (ASCII), and those without a literal start. */
const BY_FIRST: ShapeRule[][] = Array.from({ length: 128 }, () => []);
const ANY_START: ShapeRule[] = [];
for (const rule of SHAPES) {
  if (rule.prefixes[0] === '') {
    ANY_START.push(rule);
    continue;
  }
  for (const p of rule.prefixes) {
    const list = BY_FIRST[p.charCodeAt(0)] as ShapeRule[];
    if (!list.includes(rule)) list.push(rule);
  }
}
/** No rule matches fewer characters (the shortest, a JWT, is 12). */
const MIN_TOKEN = 12;

/**
 * 1 for characters that end a token: white space and controls, quotes, brackets, `,` `;` `\`;
 * 2 for `:` and `=`, which the later passes look for (inside tokens).
 */
const DELIMITER = new Uint8Array(128);
for (let c = 0; c <= 32; c++) DELIMITER[c] = 1;
for (const ch of '"\'`,;()[]{}<>\\') DELIMITER[ch.charCodeAt(0)] = 1;
DELIMITER[58] = 2;
DELIMITER[61] = 2;
/**
 * The same classes for every UTF-16 unit, plus 3 for a surrogate (JSON escapes a lone one): one
 * lookup per character instead of a range test and a lookup (10-18% of the scan of long free text,
 * measured A/B in one process). 64 KiB, made once.
 */
const CHAR_CLASS = new Uint8Array(65536);
CHAR_CLASS.set(DELIMITER);
CHAR_CLASS.fill(3, 0xd800, 0xe000);
// 4: a Unicode space separator other than U+0020 (chars.ts isWideBlank): a place of the spaced-pair rule after a key word.
for (let c = 0xa0; c <= 0x3000; c++) if (isWideBlank(c)) CHAR_CLASS[c] = 4;
/** Characters after which a token may hold a secret of its own (`key=ghp_…`, `https://hooks…`). */
const INNER_START = new Uint8Array(128);
for (const ch of '=:/@|&?#') INNER_START[ch.charCodeAt(0)] = 1;

/** Scheme words of HTTP authorisation headers (GitHub's http_basic/bearer_authentication_header). */
export const AUTH_SCHEME_WORDS: readonly string[] = [
  'Bearer',
  'bearer',
  'BEARER',
  'Basic',
  'basic',
  'BASIC',
  'Token',
  'token',
  'TOKEN',
  'Negotiate',
  'negotiate',
  'NTLM',
  'ApiKey',
  'Api-Key',
  'apikey',
  'Apikey',
  'API-Key',
  'SSWS',
  'OAuth',
  'GoogleLogin',
  'Splunk',
  'JWT',
];
/** Words that make the next token special, by first character: [word, kind] (1 scheme, 2 Digest, 3 curl's user flag). */
const SPECIAL_WORDS: (readonly (readonly [string, 1 | 2 | 3])[])[] = Array.from({ length: 128 }, () => []);
for (const [w, kind] of [
  ...AUTH_SCHEME_WORDS.map((x) => [x, 1] as const),
  ['Digest', 2] as const,
  ['digest', 2] as const,
  ['DIGEST', 2] as const,
]) {
  (SPECIAL_WORDS[w.charCodeAt(0)] as (readonly [string, 1 | 2 | 3])[]).push([w, kind]);
}

/** The kind of the token [start, start+len) if it is a scheme word, Digest or -u/--user; else 0. */
function wordKind(s: string, start: number, len: number): 0 | 1 | 2 | 3 {
  const code = s.charCodeAt(start);
  if (code >= 128) return 0;
  for (const [w, kind] of SPECIAL_WORDS[code] as (readonly [string, 1 | 2 | 3])[]) {
    if (w.length === len && s.startsWith(w, start)) return kind;
  }
  return 0;
}

/**
 * True for a value that looks like a credential rather than a word: at least 8 characters, and
 * digits with letters, or lower- and upper-case letters past the first, or 32 characters or more.
 * "hedging", "Hedging" and "EURUSD/GBPUSD" are not; "dXNlcjpwYXNz" and "abc.DEF-123_xyz" are.
 */
export function isCredentialShaped(v: string): boolean {
  if (v.length < 8) return false;
  if (v.length >= 32) return true;
  let lower = false;
  let upperInner = false;
  let upper = false;
  let digit = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = true;
    else if (c >= 65 && c <= 90) {
      upper = true;
      if (i > 0) upperInner = true;
    } else if (c >= 48 && c <= 57) digit = true;
  }
  return (digit && (lower || upper)) || (lower && upperInner);
}

/** Spans to replace, collected in order (reused: a scan is synchronous and never nested). */
class Spans {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  /** End of the last span (spans never overlap). */
  last = 0;
  reset(): void {
    if (this.starts.length > 0) {
      this.starts.length = 0;
      this.ends.length = 0;
    }
    this.last = 0;
  }
  add(start: number, end: number): void {
    if (start < this.last || end <= start) return;
    this.starts.push(start);
    this.ends.push(end);
    this.last = end;
  }
  apply(s: string, censor: string): string {
    if (this.starts.length === 0) return s;
    let out = '';
    let at = 0;
    for (let i = 0; i < this.starts.length; i++) {
      out += s.slice(at, this.starts[i]) + censor;
      at = this.ends[i] as number;
    }
    return out + s.slice(at);
  }
}
const SPANS = new Spans();

/**
 * What the last redactShapes pass saw in its input, so the later passes can skip a string
 * cheaply: whether it holds `:`, `=` or `<`, and its longest token. `jsonPlain`: it looked at
 * every character and none needs escaping in a JSON string (`"`, backslash, U+0000-U+001F, a
 * surrogate), so a writer can quote the text without testing it again. `dashOption`: a blank is
 * followed by `-` (a command line's option; the tools' rule needs one). `spacedAt`: the blanks that
 * follow a word ending like a sensitive key name (`passwd X`: the spaced-pair rule's places), at
 * most MAX_SPACED; `spacedMore` when there were more. `protocol`: a token ends in `AUTH`, `SETUSER`,
 * `setuser`, `LOGIN`, `PASS` or an AUTH LOGIN prompt (protocol-auth.ts's cue; also when a Digest line was jumped
 * over unread). (Module state: a pass is synchronous, and
 * the caller reads these right after it.)
 */
export const scanFacts = {
  colon: false,
  equals: false,
  lt: false,
  longest: 0,
  jsonPlain: false,
  dashOption: false,
  protocol: false,
  spacedAt: [] as number[],
  spacedMore: false,
};
const MAX_SPACED = 256;

/** Tries the fixed-prefix rules at `c` (a token start or after an inner start) within [c, end). */
function tryRules(s: string, c: number, end: number, spans: Spans): number {
  const code = s.charCodeAt(c);
  if (code >= 128) return -1;
  const rules = BY_FIRST[code] as ShapeRule[];
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r] as ShapeRule;
    // A match that may run past its token (a key wrapped at blanks: rules 18) is judged by its finder.
    if (end - c < rule.min && !rule.pastToken) continue;
    let ok = false;
    for (const p of rule.prefixes) {
      if (s.startsWith(p, c)) {
        ok = true;
        break;
      }
    }
    if (!ok) continue;
    let stop: number;
    if (rule.find !== undefined) stop = rule.find(s, c);
    else {
      rule.regex.lastIndex = c;
      const m = rule.regex.exec(s);
      stop = m === null ? -1 : c + m[0].length;
    }
    if (stop === -1 || (stop > end && !rule.pastToken) || (rule.check !== undefined && !rule.check(s.slice(c, stop))))
      continue;
    const keep = rule.keepName ? s.slice(c, stop).indexOf('=') + 1 : 0;
    spans.add(c + keep, stop);
    return stop;
  }
  return -1;
}

/**
 * Per rule without a literal start, the next place of its hook at or after the last token asked
 * about (-1: none left; reset per text). Tokens come in order, so each search starts past the
 * last found hook: one search per hook over the text, not one to the text's end per long token
 * (quadratic: 4 MB of 55-character words took 16 s).
 */
const HOOK_AT = new Int32Array(ANY_START.length);

/** Rules without a literal start, in a token that holds their hook. */
function tryAnyStart(s: string, start: number, end: number, spans: Spans): void {
  for (let r = 0; r < ANY_START.length; r++) {
    const rule = ANY_START[r] as ShapeRule;
    if (end - start < rule.min) continue;
    let h = HOOK_AT[r] as number;
    if (h !== -1 && h < start) {
      h = s.indexOf(rule.hook as string, start);
      HOOK_AT[r] = h;
    }
    if (h === -1 || h >= end) continue;
    // The match starts within a bounded distance before the hook.
    for (let c = Math.max(start, spans.last, h - rule.min); c <= h; c++) {
      rule.regex.lastIndex = c;
      const m = rule.regex.exec(s);
      if (m !== null && c + m[0].length <= end) {
        spans.add(c, c + m[0].length);
        break;
      }
    }
  }
}

/**
 * The fixed-prefix shapes and the auth-scheme rule, in one pass over `s`: tokens are runs of
 * characters between delimiters; a token of at least MIN_TOKEN characters is tried at its start
 * and after each inner start; a scheme word (`Bearer`, `Basic`, `Token`…) followed by spaces and
 * a credential-shaped token loses the token; `Digest` followed by `name=` loses the rest of its
 * line.
 */
export function redactShapes(s: string, censor: string): string {
  const spans = SPANS;
  spans.reset();
  HOOK_AT.fill(-2);
  resetRuns();
  const n = s.length;
  let start = 0;
  let colon = false;
  let equals = false;
  let lt = false;
  let longest = 0;
  let dashOption = false;
  // A token ending in AUTH, SETUSER/setuser or an AUTH LOGIN prompt (protocol-auth.ts's cue).
  let protocol = false;
  const spacedAt = scanFacts.spacedAt;
  spacedAt.length = 0;
  scanFacts.spacedMore = false;
  // The previous token, when it was a scheme word or a curl user flag: [kind, its end].
  let pending: 0 | 1 | 2 | 3 = 0; // 0 none, 1 scheme, 2 digest, 3 curl user
  let pendingEnd = -1;
  // Every character JSON escapes is a delimiter or a surrogate, so the loop learns it for free.
  let plain = true;
  for (let i = 0; i <= n; i++) {
    const code = i < n ? s.charCodeAt(i) : 32;
    const kind = CHAR_CLASS[code] as number;
    if (kind === 0) continue;
    if (kind === 3) {
      plain = false;
      continue;
    }
    if (kind === 4) {
      // A Unicode blank stays inside the token here; after a word ending like a key it is a place too.
      if (i - start >= 2 && endsWithKeyStem(s, start, i)) {
        if (spacedAt.length < MAX_SPACED) spacedAt.push(i);
        else scanFacts.spacedMore = true;
      }
      continue;
    }
    if (kind !== 1) {
      if (kind === 2) {
        if (code === 58) colon = true;
        else equals = true;
      }
      continue;
    }
    if (code === 60) lt = true;
    else if (code < 32 || code === 34 || code === 92) plain = false;
    const len = i - start;
    if (len > longest) longest = len;
    if (len > 0) {
      // An option after a blank (`sshpass -p`): the first character of a token, and the one before.
      if (s.charCodeAt(start) === 45 && start > 0) {
        const before = s.charCodeAt(start - 1);
        if (before === 32 || before === 9) dashOption = true;
      }
      // A credential after a scheme word: only spaces or tabs between them.
      if (pending !== 0 && gapIsBlank(s, pendingEnd, start)) {
        if (pending === 1) {
          if (isCredentialShaped(s.slice(start, i))) spans.add(start, i);
        } else if (pending === 2) {
          if (/^[A-Za-z]{1,32}=/.test(s.slice(start, Math.min(i, start + 34)))) {
            const eol = lineEnd(s, start);
            spans.add(start, eol);
            // The characters jumped over are not looked at: claim nothing about them.
            plain = false;
            i = eol;
            protocol = true;
          }
        }
      }
      // The token's last two characters, read once for the three tests below (`i` as the Digest
      // branch above may have moved it: each test reads the text before `i`).
      const b = s.charCodeAt(i - 1);
      const a = i - start >= 2 ? s.charCodeAt(i - 2) : 0;
      if ((code === 32 || code === 9) && len >= 2 && i < n) {
        if ((a < 128 && b < 128 ? STEM_ENDS[128 * a + b] === 1 : true) && endsWithKeyStem(s, start, i)) {
          if (spacedAt.length < MAX_SPACED) spacedAt.push(i);
          else scanFacts.spacedMore = true;
        }
      }
      pending = i - start < 2 ? 0 : trailingKind(s, start, i, a, b);
      if (!protocol && len >= 4 && b < 128 && CUE_LAST[b] === 1) protocol = endsLikeProtocolCue(s, i);
      pendingEnd = i;
      if (len >= MIN_TOKEN) scanToken(s, start, Math.min(i, n), spans);
    }
    start = i + 1;
  }
  scanFacts.colon = colon;
  scanFacts.equals = equals;
  scanFacts.lt = lt;
  scanFacts.longest = longest;
  scanFacts.jsonPlain = plain;
  scanFacts.dashOption = dashOption;
  scanFacts.protocol = protocol;
  return spans.apply(s, censor);
}

function scanToken(s: string, start: number, end: number, spans: Spans): void {
  // Candidates: the token's start and every position after a character that is not a letter or
  // digit (`key=ghp_…`, `~eyJ…`, `https://hooks…`, `$|sk-…`).
  let afterWord = false;
  for (let c = start; c < end; c++) {
    const code = s.charCodeAt(c);
    const alnum = (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
    // Right after a match (one that ran past its token too: a wrapped DER key) is a candidate.
    if ((!afterWord || c === spans.last) && c >= spans.last && end - c >= MIN_TOKEN) {
      const matched = tryRules(s, c, end, spans);
      if (matched !== -1) {
        // The character after a match is a candidate, as the censor's `]` makes it on a second pass:
        // redacting twice is redacting once. A DER key's walk stops at its declared length, before
        // the next key glued to it (`+`, `/`, or a digit or letter: two keys' base64 back to back
        // in a key ring, rules 19).
        c = matched - 1;
        afterWord = false;
        continue;
      }
    }
    afterWord = alnum;
  }
  if (ANY_START.length > 0 && end - start >= 36) tryAnyStart(s, start, end, spans);
}

/**
 * A token ending at `end` in `AUTH`, `AUTH2`, `SETUSER` (any case from rules 17: `auth`, `SetUser`),
 * `dvcmQ6` or `UkQ6` (`…cGFzc3dvcmQ6`, `UEFTU1dPUkQ6`), `LOGIN` (any case), `PASS` or
 * `requirepass` (any case) (rules 18).
 */
function endsLikeProtocolCue(s: string, end: number): boolean {
  const last = s.charCodeAt(end - 1);
  if (last === 72 || last === 104) return endsLowered(s, end, 'auth');
  if (last === 82 || last === 114) return endsLowered(s, end, 'setuser');
  if (last === 50) return s.startsWith('AUTH2', end - 5);
  // Rules 18: IMAP's LOGIN (any case), POP3's and FTP's PASS, Redis's requirepass (any case).
  if (last === 78 || last === 110) return endsLowered(s, end, 'login');
  if (last === 83 || last === 115)
    return endsLowered(s, end, 'requirepass') || (last === 83 && s.startsWith('PASS', end - 4));
  // Rules 19: `CRAM-MD5` (any case), the mechanism IMAP's AUTHENTICATE names as SMTP's AUTH does.
  if (last === 53) return endsLowered(s, end, 'cram-md5');
  return s.startsWith('dvcmQ6', end - 6) || s.startsWith('UkQ6', end - 4);
}

/** Last characters of the protocol cues (H h R r 6 2; rules 18: N n S s; rules 19: 5). */
const CUE_LAST = new Uint8Array(128);
for (const ch of 'HhRr62NnSs5') CUE_LAST[ch.charCodeAt(0)] = 1;

/** `s` ends at `end` in `word` (lower case ASCII) in any case; no string is made. */
function endsLowered(s: string, end: number, word: string): boolean {
  const from = end - word.length;
  if (from < 0) return false;
  for (let k = 0; k < word.length; k++) if ((s.charCodeAt(from + k) | 32) !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * Last two characters of the special words (all are 3 or more long), at `128 * a + b`: a token
 * ending otherwise is not one. Prose ends most words in a character some special word ends in
 * (`e`, `n`, `r`, `t`…), and the walk back over the word that a one-character test let through
 * cost 13-15% of the shapes pass over a long note; by two characters few words get through.
 */
const LAST_PAIR = new Uint8Array(128 * 128);
for (const list of SPECIAL_WORDS)
  for (const [w] of list) LAST_PAIR[128 * w.charCodeAt(w.length - 2) + w.charCodeAt(w.length - 1)] = 1;

/**
 * The kind of the word that ends a token at `end` (its trailing run of letters and `-`): 1 an
 * auth scheme word, 2 Digest, else 0. Exported for its test.
 */
export function trailingWordKind(s: string, start: number, end: number): 0 | 1 | 2 | 3 {
  if (end - start < 2) return 0;
  return trailingKind(s, start, end, s.charCodeAt(end - 2), s.charCodeAt(end - 1));
}

/** trailingWordKind of a token of two characters or more, given its last two (`a`, `b`). */
function trailingKind(s: string, start: number, end: number, a: number, b: number): 0 | 1 | 2 | 3 {
  if (a >= 128 || b >= 128 || LAST_PAIR[128 * a + b] !== 1) return 0;
  let w = end;
  while (w > start && end - w < 12) {
    const code = s.charCodeAt(w - 1);
    if (!((code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 45)) break;
    w--;
  }
  if (end - w < 2 || end - w > 11) return 0;
  if (w > start) {
    const before = s.charCodeAt(w - 1);
    if ((before >= 48 && before <= 57) || before === 95) return 0;
  }
  return wordKind(s, w, end - w);
}

function gapIsBlank(s: string, from: number, to: number): boolean {
  if (to - from > 8 || to <= from) return false;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

function lineEnd(s: string, from: number): number {
  const nl = s.indexOf('\n', from);
  const end = nl === -1 ? s.length : nl;
  return end > from && s.charCodeAt(end - 1) === 13 ? end - 1 : end;
}
