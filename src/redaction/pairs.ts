/**
 * `key: value`, `key=value`, `"key": "value"`, `key => value` and `--key value` inside free text
 * (messages, Error messages, query strings, headers, config lines): the value goes when the key
 * is sensitive by the same vocabulary as field names (`keys.ts`). A key may be two words
 * ("api key: …", "AWS secret access key: …"): the last word alone, or the last two together,
 * decide.
 *
 * What a value is:
 * - header keys (Authorization, Cookie, Set-Cookie, Proxy-Authorization) before a colon: the rest of the line, or
 *   of the quoted string the header sits in; an authorization scheme word is kept
 *   (`Authorization: Bearer [REDACTED]`);
 * - a quoted value: to its closing quote; a `{…}` or `[…]` value: every string and number in it
 *   (names, structure and true/false/null kept), or the rest of the line when it does not close;
 * - otherwise one token, up to white space or `, ; & | ) ] }` or a quote.
 * Kept as they are: an empty value, `null`/`true`/`false`-like words, a decimal with a fraction
 * ("sig: 0.95", a price), the censor. After a colon, for the ambiguous bare keys (`token`, `session`,
 * `sig`, `auth`, `sid`, `bearer`), only a credential-shaped value goes ("session: London" stays, "token: 9f8a…"
 * does not); after `=` (an assignment, a query string) any value goes.
 *
 * Bounded: a key is at most 64 characters and the word before it 32, so each position of a
 * hostile string costs a bounded number of steps.
 */
import { padsBase64Run } from './base64-tail.js';
import { isBareEnd, isBlank, isLetter, isPairKeyChar, isWideLetter, keyWordsBefore } from './chars.js';
import { redactEncodedPairs } from './pairs-encoded.js';
import { AUTH_SCHEME_WORDS, isCredentialShaped } from './shapes.js';

/** How the scanner asks whether a key is sensitive (the redactor's cached decision). */
export type KeyTest = (key: string) => boolean;

const FLAG = /(?<![\w-])--([A-Za-z][\w-]{0,63})[ \t]{1,8}(?=[^\s-])/g;

/** Header names whose value is the rest of the line (a scheme word kept). */
export const HEADER_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'xauthorization',
]);
/** Keys that are also English words: only a credential-shaped value goes. */
export const CREDENTIAL_ONLY_KEYS: ReadonlySet<string> = new Set([
  'token',
  'session',
  'sig',
  'sign',
  'auth',
  'sid',
  'bearer',
]);
const KEEP_VALUES: ReadonlySet<string> = new Set([
  'null',
  'none',
  'nil',
  'undefined',
  'true',
  'false',
  '~',
  '-',
  'n/a',
  'redacted',
  '***',
  '********',
]);
const DECIMAL = /^[+-]?[0-9]{1,18}\.[0-9]{1,18}$/;
/** An authorisation scheme word and its blanks at the start of a header value. */
export const SCHEME_PREFIX = new RegExp(`^(?:${AUTH_SCHEME_WORDS.join('|')}|Digest|digest)[ \\t]{1,8}`);

/** Lower-case, separators dropped. */
export function normal(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

function endOfLine(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return s.length;
}

/** Index after the quote that closes the one at `at` (backslash escapes), or -1 if not on this line. */
export function closingQuote(s: string, at: number): number {
  const q = s.charCodeAt(at);
  for (let i = at + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) i++;
    else if (c === q) return i + 1;
    else if (c === 10) return -1;
  }
  return -1;
}

/** Index after the bracket closing the one at `at` (quotes skipped), or -1 if not on this line. */
function closingBracket(s: string, at: number): number {
  let depth = 0;
  for (let i = at; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 39) {
      const e = closingQuote(s, i);
      if (e === -1) return -1;
      i = e - 1;
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === 10) return -1;
  }
  return -1;
}

/**
 * A key's size as openssl's `-text` header gives it (rules 20): `Private-Key: (256 bit)`, `(2048
 * bit, 2 primes)`; in free text the bare value is its first token, `(256`.
 */
const KEY_SIZE_NOTE = /^\(\d{2,5}(?: bits?(?:, \d{1,2} primes)?\))?$/;

/** True when a bare value is one to keep: a literal, a decimal, a key size note, or already redacted. */
export function keepBare(v: string, censor: string): boolean {
  return (
    v === '' || v.startsWith(censor) || KEEP_VALUES.has(v.toLowerCase()) || DECIMAL.test(v) || KEY_SIZE_NOTE.test(v)
  );
}

/** keepBare's key size note (`(256 bit)`), for a config file's value. */
export function isKeySizeNote(v: string): boolean {
  return KEY_SIZE_NOTE.test(v);
}

/** [start, end) of the text to replace, and its replacement (the censor unless given). */
type Span = [number, number] | [number, number, string];

/**
 * A flow mapping or list under a sensitive key, `{"user": "u", "pin": 1, "on": true}`, with every
 * string and number replaced and the structure, the member names and true/false/null kept (as
 * the JSON redaction does), so a reader still sees which settings exist.
 */
function censorInside(text: string, censor: string): string {
  let out = '';
  let i = 0;
  const isKey = (from: number): boolean => {
    let j = from;
    while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
    return text[j] === ':' || text[j] === '=';
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (text.startsWith(censor, i)) {
      out += censor;
      i += censor.length;
    } else if (c === '"' || c === "'") {
      const e = closingQuote(text, i);
      const end = e === -1 ? text.length : e;
      out += isKey(end) ? text.slice(i, end) : `${c}${censor}${c}`;
      i = end;
    } else if (/[\s,:={}[\]()]/.test(c)) {
      out += c;
      i++;
    } else {
      let end = i;
      while (end < text.length && !/[\s,:={}[\]()"']/.test(text[end] as string)) end++;
      const word = text.slice(i, end);
      out += isKey(end) || KEEP_LITERALS.has(word) ? word : censor;
      i = end;
    }
  }
  return out;
}
const KEEP_LITERALS: ReadonlySet<string> = new Set(['true', 'false', 'null', 'True', 'False', 'None', '~']);

/**
 * The value of a sensitive pair starting at `v`: [start, end) of the text to replace, and the
 * quote to put around the censor; undefined when the value is kept.
 */
function valueSpan(
  s: string,
  v: number,
  key: string,
  keyQuote: string | undefined,
  censor: string,
  credentialOnly: boolean,
  header: boolean,
): Span | undefined {
  const c = s.charCodeAt(v);
  if (Number.isNaN(c) || c === 10 || c === 13 || s.startsWith(censor, v)) return undefined;
  if (header && HEADER_KEYS.has(normal(key)) && c !== 34 && c !== 39) {
    // The rest of the line, or of the quoted string around "Header: value".
    let end = endOfLine(s, v);
    if (keyQuote !== undefined) {
      // The closing quote of the string the header sits in (an escaped quote is inside it).
      let q = s.indexOf(keyQuote, v);
      while (q > 0 && s.charCodeAt(q - 1) === 92) q = s.indexOf(keyQuote, q + 1);
      if (q !== -1 && q < end) end = q;
    }
    let start = v;
    const scheme = SCHEME_PREFIX.exec(s.slice(v, Math.min(end, v + 40)));
    if (scheme) start += scheme[0].length;
    if (start >= end || s.startsWith(censor, start)) return undefined;
    return [start, end];
  }
  if (c === 92) {
    // Escaped quotes open the value (JSON inside a JSON string): to the same escaped quote.
    let e = v;
    while (e < s.length && s.charCodeAt(e) === 92 && e - v < 8) e++;
    const qc = s.charCodeAt(e);
    if (qc === 34 || qc === 39) {
      const open = s.slice(v, e + 1);
      const close = s.indexOf(open, e + 1);
      const inner = s.slice(e + 1, close === -1 ? endOfLine(s, v) : close);
      if (keepBare(inner, censor) || (credentialOnly && !isCredentialShaped(inner))) return undefined;
      return [e + 1, e + 1 + inner.length];
    }
  }
  if (c === 34 || c === 39) {
    const triple = s.startsWith(s[v]!.repeat(3), v);
    if (triple) {
      const close = s.indexOf(s[v]!.repeat(3), v + 3);
      return [v + 3, close === -1 ? endOfLine(s, v) : close];
    }
    const e = closingQuote(s, v);
    const inner = s.slice(v + 1, e === -1 ? endOfLine(s, v) : e - 1);
    if (keepBare(inner, censor) || (credentialOnly && !isCredentialShaped(inner))) return undefined;
    return [v + 1, v + 1 + inner.length];
  }
  if (c === 123 || c === 91) {
    const e = closingBracket(s, v);
    if (e === -1) return [v, endOfLine(s, v)];
    const inner = censorInside(s.slice(v, e), censor);
    return inner === s.slice(v, e) ? undefined : [v, e, inner];
  }
  let end = v;
  while (end < s.length && !isBareEnd(s.charCodeAt(end))) end++;
  const bare = s.slice(v, end);
  if (keepBare(bare, censor) || (credentialOnly && !isCredentialShaped(bare))) return undefined;
  return [v, end];
}

/**
 * `s` with the values of sensitive pairs replaced by `censor`; the same string if none.
 * `isSensitive` is the redactor's key decision (cached per key).
 */
export function redactPairs(s: string, isSensitive: KeyTest, censor: string): string {
  let out = '';
  let last = 0;
  let colon = s.indexOf(':');
  let eq = s.indexOf('=');
  while (colon !== -1 || eq !== -1) {
    const p = colon === -1 ? eq : eq === -1 ? colon : Math.min(colon, eq);
    if (p === colon) colon = s.indexOf(':', p + 1);
    else eq = s.indexOf('=', p + 1);
    if (p < last) continue;
    const pair = pairAt(s, p);
    if (pair === undefined) continue;
    const key = s.slice(pair.keyStart, pair.keyEnd);
    let sensitiveKey: string | undefined;
    if (isSensitive(key)) sensitiveKey = key;
    else if (pair.prev !== undefined && isSensitive(`${pair.prev}_${key}`)) sensitiveKey = `${pair.prev}_${key}`;
    if (sensitiveKey === undefined) continue;
    // A quote just before the key (`"Authorization: Bearer …"`) bounds a header value.
    const before =
      pair.quote === undefined && pair.prev === undefined && pair.keyStart > 0 ? s[pair.keyStart - 1] : undefined;
    const enclosing = pair.quote ?? (before === '"' || before === "'" ? before : undefined);
    // Prose says "token: bucket"; an assignment (`token=…`) is always a credential.
    const credentialOnly = pair.op === ':' && CREDENTIAL_ONLY_KEYS.has(normal(sensitiveKey));
    // `Cookie: a=1; b=2` is a header (the rest of the line); `cookie=abc` one value.
    const v = pair.op === ':' ? afterYamlProperties(s, pair.valueStart) : pair.valueStart;
    const span = valueSpan(s, v, key, enclosing, censor, credentialOnly, pair.op === ':');
    if (span === undefined || span[0] < last) continue;
    out += s.slice(last, span[0]) + (span[2] ?? censor);
    last = span[2] === undefined && span[0] === v && isPhraseKey(sensitiveKey) ? phraseEnd(s, v, span[1]) : span[1];
  }
  let text = last === 0 ? s : out + s.slice(last);
  if (/%(?:25){0,2}3[DdAa]/.test(text)) text = redactEncodedPairs(text, isSensitive, censor);
  return text.includes('--') ? redactFlags(text, isSensitive, censor) : text;
}

/**
 * Keys whose value is a phrase of words (rules 13): a wallet's seed words (`mnemonic`, `seed phrase`,
 * `recovery phrase`, `seed words`, `recovery seed`) and a passphrase (`correct horse battery staple`). Normalised.
 */
const PHRASE_KEY = /mnemonic|seedphrase|recoveryphrase|seedwords|recoveryseed|secretphrase|passphrase/;
/** A BIP39 phrase has at most 24 words, Monero's 25; the run stops there. */
const MAX_PHRASE_WORDS = 32;
const MAX_PHRASE_WORD = 32;

export function isPhraseKey(key: string): boolean {
  return PHRASE_KEY.test(normal(key));
}

/** A letter in any script. */
function isAnyLetter(c: number): boolean {
  return isLetter(c) || (c >= 128 && isWideLetter(c));
}

/**
 * The end of a phrase value whose first token is [start, end): when that token is a word of letters,
 * the words of letters after it separated by blanks go too (`mnemonic: legal winner … yellow`), up to
 * MAX_PHRASE_WORDS; the run stops at anything else (a digit, punctuation, a line end) and before a
 * word followed by `:` or `=` (the next key). Bounded: each word is read once and, but for the last
 * one looked at, consumed.
 */
function phraseEnd(s: string, start: number, end: number): number {
  for (let i = start; i < end; i++) if (!isAnyLetter(s.charCodeAt(i))) return end;
  let e = end;
  for (let n = 1; n < MAX_PHRASE_WORDS; n++) {
    let w = e;
    for (let b = 0; b < MAX_BLANKS && isBlank(s.charCodeAt(w)); b++) w++;
    if (w === e) break;
    let we = w;
    while (we < s.length && we - w <= MAX_PHRASE_WORD && isAnyLetter(s.charCodeAt(we))) we++;
    const after = s.charCodeAt(we);
    if (we === w || we - w > MAX_PHRASE_WORD || after === 58 || after === 61) break;
    if (we < s.length && !isBareEnd(after) && after !== 46 && after !== 33 && after !== 63) break;
    e = we;
  }
  return e;
}

/**
 * Config text only (not the logger's path): `"pass\x77ord": v` / `"pass\u0077ord" = v` inside a
 * line (a YAML flow mapping, a TOML inline table), a double-quoted key with escapes that the
 * scanner above does not read as a key. `decode` reads the key as the file's parser does; a key
 * it cannot decode (undefined) has its value censored too. Values are delimited as in `redactPairs`.
 */
export function redactEscapedQuotedKeys(
  s: string,
  decode: (quoted: string) => string | undefined,
  isSensitive: KeyTest,
  censor: string,
): string {
  if (!s.includes('\\')) return s;
  let out = '';
  let last = 0;
  for (let q = s.indexOf('"'); q !== -1; ) {
    const e = closingQuote(s, q);
    if (e === -1) break;
    const inner = s.slice(q + 1, e - 1);
    let p = e;
    for (let n = 0; n < MAX_BLANKS && isBlank(s.charCodeAt(p)); n++) p++;
    const op = s[p];
    const isOp =
      (op === ':' && s[p + 1] !== ':' && s[p + 1] !== '=') || (op === '=' && s[p + 1] !== '=' && s[p + 1] !== '>');
    if (!isOp || !inner.includes('\\') || q < last) {
      q = s.indexOf('"', e);
      continue;
    }
    const key = decode(s.slice(q, e));
    if (key === undefined || isSensitive(key)) {
      let v = p + 1;
      for (let n = 0; n < MAX_BLANKS && v < s.length && isBlank(s.charCodeAt(v)); n++) v++;
      const credentialOnly = key !== undefined && op === ':' && CREDENTIAL_ONLY_KEYS.has(normal(key));
      const span = valueSpan(s, v, key ?? inner, undefined, censor, credentialOnly, false);
      if (span !== undefined && span[0] >= last) {
        out += s.slice(last, span[0]) + (span[2] ?? censor);
        last = span[1];
        q = s.indexOf('"', last);
        continue;
      }
    }
    q = s.indexOf('"', p);
  }
  return last === 0 ? s : out + s.slice(last);
}

/** `password: !!str S`, `password: &a S`: after a YAML tag or anchor (and blanks) the value starts. */
function afterYamlProperties(s: string, v: number): number {
  let i = v;
  for (let n = 0; n < 2 && (s[i] === '!' || s[i] === '&'); n++) {
    let e = i + 1;
    while (e < s.length && e - i < MAX_KEY && !isBareEnd(s.charCodeAt(e))) e++;
    if (!isBlank(s.charCodeAt(e))) return v;
    i = e;
    for (let b = 0; b < MAX_BLANKS && isBlank(s.charCodeAt(i)); b++) i++;
  }
  return i;
}

/** A `key<op>` found by looking back from a `:` or `=` at `p`. */
interface PairAt {
  readonly keyStart: number;
  readonly keyEnd: number;
  /** The quote around the key, if it was quoted. */
  readonly quote: string | undefined;
  /** The word before the key, if only a space or tab separates them ("api key: …"). */
  readonly prev: string | undefined;
  readonly op: '=' | ':' | '=>' | ':=';
  readonly valueStart: number;
}

const MAX_KEY = 64;
const MAX_BLANKS = 8;

/**
 * The pair whose operator is at `p`, or undefined: `==`, `!=`, `<=`, `>=`, `::` and `://` are not
 * operators; the key is at most 64 characters of `[A-Za-z0-9_.$@-]` starting with a letter, `_`,
 * `$` or `@` (leading `-`/`.` dropped: `--password=`), optionally quoted, with at most 8 blanks
 * before the operator. Bounded work per operator, whatever the text.
 */
function pairAt(s: string, p: number): PairAt | undefined {
  const c = s.charCodeAt(p);
  const next = s.charCodeAt(p + 1);
  const prevc = p > 0 ? s.charCodeAt(p - 1) : -1;
  let op: PairAt['op'];
  let opEnd = p + 1;
  if (c === 61) {
    if (next === 61 || prevc === 61 || prevc === 33 || prevc === 60 || prevc === 62 || prevc === 58) return undefined;
    if (next === 62) {
      op = '=>';
      opEnd++;
    } else op = '=';
  } else {
    if (next === 58 || prevc === 58 || next === 47) return undefined;
    if (next === 61) {
      op = ':=';
      opEnd++;
    } else op = ':';
  }
  // `…NMxnJWTBiIphg= end`: the padding of a random base64 run, whose tail reads as a key now and then.
  if (op === '=' && padsBase64Run(s, p)) return undefined;
  let k = p;
  for (let b = 0; b < MAX_BLANKS && k > 0 && isBlank(s.charCodeAt(k - 1)); b++) k--;
  let quote: string | undefined;
  let escapes = 0;
  const q = k > 0 ? s.charCodeAt(k - 1) : -1;
  if (q === 34 || q === 39) {
    quote = q === 34 ? '"' : "'";
    k--;
    // JSON inside a JSON string, at any depth: {\"password\":\"…\"}, {\\\"password…
    while (k > 0 && s.charCodeAt(k - 1) === 92 && escapes < 8) {
      escapes++;
      k--;
    }
  }
  const keyEnd = k;
  let j = k;
  while (j > 0 && keyEnd - j < MAX_KEY) {
    if (!isPairKeyChar(s.charCodeAt(j - 1))) break;
    j--;
  }
  if (j > 0 && keyEnd - j >= MAX_KEY && isPairKeyChar(s.charCodeAt(j - 1))) return undefined; // longer than a key
  while (j < keyEnd && (s.charCodeAt(j) === 45 || s.charCodeAt(j) === 46)) j++;
  if (j === keyEnd) return undefined;
  const first = s.charCodeAt(j);
  if (!(isLetter(first) || first === 95 || first === 36 || first === 64 || isWideLetter(first))) return undefined;
  let b = j;
  if (quote !== undefined) {
    if (j === 0 || s[j - 1] !== quote) return undefined;
    b = j - 1;
    for (let e = 0; e < escapes; e++) {
      if (b === 0 || s.charCodeAt(b - 1) !== 92) return undefined;
      b--;
    }
  }
  // The word before: "api key", "secret access key", "mot de passe" (through a linking "de").
  const prev = keyWordsBefore(s, b);
  let v = opEnd;
  for (let n = 0; n < MAX_BLANKS && v < s.length && isBlank(s.charCodeAt(v)); n++) v++;
  return { keyStart: j, keyEnd, quote, prev, op, valueStart: v };
}

/** Options naming where a secret comes from (`--password-stdin` takes no argument; `-file PATH`). */
const SOURCE_OPTION = /[-_](?:stdin|file|fd|env|prompt|command|cmd|path)$/i;

/** `--password hunter2`, `--api-key abc`: the word after a sensitive long option. */
function redactFlags(s: string, isSensitive: KeyTest, censor: string): string {
  let out = '';
  let last = 0;
  FLAG.lastIndex = 0;
  for (let m = FLAG.exec(s); m !== null; m = FLAG.exec(s)) {
    const key = m[1] as string;
    if (!isSensitive(key) || SOURCE_OPTION.test(key)) continue;
    const v = m.index + m[0].length;
    const span = valueSpan(s, v, key, undefined, censor, CREDENTIAL_ONLY_KEYS.has(normal(key)), false);
    if (span === undefined) continue;
    out += s.slice(last, span[0]) + (span[2] ?? censor);
    last = span[1];
    FLAG.lastIndex = span[1];
  }
  return last === 0 ? s : out + s.slice(last);
}
