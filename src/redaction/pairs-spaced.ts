/**
 * `key value` inside free text: a sensitive key name, then spaces or tabs, then its value, as
 * command lines and tab-separated dumps write them (`aws configure set aws_secret_access_key X`,
 * the AWS CLI's documented form; `PASSWORD<TAB>X`; `passwd X`; `keytool -storepass X`;
 * nginx's `set $api_key "X";`; `proxy_set_header Authorization "Bearer X";`).
 *
 * The key is judged by the same vocabulary as field names (`keys.ts`): the word before the
 * blanks, or the last two words together ("api key X", "secret access key X"). `--key value` is
 * the flag rule's (`pairs.ts`). Prose writes key words before ordinary words ("the password
 * policy was changed", "token bucket refilled", "secret santa"), so what follows must be a value:
 *
 * - after a cue that says a value follows, any token: a tab between key and value, the key as a
 *   single-dash option (`-password X`), the key after `set`/`setx`/`setenv` when it is an
 *   identifier (`aws_secret_access_key`, `requirepass`, `$api_key`; not a plain English word such
 *   as `password`), or a quoted value (`PASSWORD 'X'`);
 * - otherwise (a space) only a token that does not read as a word: one of at least 4 characters
 *   (trailing `.` `!` `?` `:` not counted) holding a digit, a symbol other than `-` and `'`, or a
 *   capital after a small letter (`hunter2`, `S3cr3t!`, `wJalrXUtnFEMI…`), or a run of 20 letters;
 * - the keys that are also everyday words (`token`, `session`, `auth`, `sig`, `sid`, `bearer`,
 *   `pass`, `pw`): only a credential-shaped value (`isCredentialShaped`), whatever the cue.
 *
 * - after `password`, `passwd`, `pwd`, `passphrase`, `passcode`, a lone last word (`passwd
 *   changeit` at the end of the text, a line or a command) unless it reads as prose (a stop list,
 *   English inflections, 3 letters or fewer).
 *
 * - after a strong key and a link word (`is`, `was`, `->`, and their German, French, Spanish,
 *   Portuguese and Polish forms: "new password is X", "Passwort ist X"), a credential-shaped token.
 *
 * - (rules 14) after `mnemonic`, `seed phrase`, `recovery phrase` (a key naming a phrase), a run of 12
 *   to 25 seed-like words goes whole (seedPhraseSpan).
 *
 * Blanks are spaces, tabs and the other Unicode space separators (chars.ts); key letters may be of
 * any script (`пароль X`). A lower-case word after a key in prose with more text after it is kept: nothing tells it from
 * English. Bounded: a key is at most 64 characters, the word before it 32, blanks at most 8, and
 * a value is read only when it starts after the last replaced one.
 */
import { isNextDumpLine } from './dump-offsets.js';
import { endsWithKeyStem } from './key-stems.js';
import { isAlnum, isBareEnd, isBlank, isLetter, isWideLetter, keyWordsBefore } from './chars.js';
import {
  CREDENTIAL_ONLY_KEYS,
  closingQuote,
  HEADER_KEYS,
  isPhraseKey,
  type KeyTest,
  keepBare,
  normal,
  SCHEME_PREFIX,
} from './pairs.js';
import { isMechanismWordAt } from './protocol-auth.js';
import { isCredentialShaped } from './shapes.js';
import { identifiedSpan } from './sql-identified.js';

const MAX_KEY = 64;
const MAX_BLANKS = 8;
/** How far before a key its setting's name may start (`//registry.npmjs.org/:_authToken`). */
const MAX_SETTING = 128;

/** Command words after which an identifier is a setting's name and the next token its value. */
const SET_WORDS: ReadonlySet<string> = new Set(['set', 'SET', 'Set', 'setx', 'SETX', 'setenv']);
/** Key names that are everyday English words: after `set` they need a value-looking token too. */
const PROSE_KEYS: ReadonlySet<string> = new Set([
  'password',
  'passwords',
  'secret',
  'secrets',
  'token',
  'tokens',
  'key',
  'keys',
  'session',
  'sessions',
  'pin',
  'code',
  'cookie',
  'cookies',
  'signature',
  'credential',
  'credentials',
  'passphrase',
  'passcode',
  'auth',
  'pass',
  'bearer',
  'mnemonic',
]);
/** Short key words that are English too ("first pass 12ms"): a credential-shaped value only. */
const WEAK_KEYS: ReadonlySet<string> = new Set(['pass', 'pw']);
/**
 * Key words after which a lone last token is a value with no other cue (`passwd changeit`,
 * `echo password changeit && …`): the token ends the text, the line or the command (`;`, `&&`,
 * `||`, `|`).
 */
const LAST_TOKEN_KEYS: ReadonlySet<string> = new Set(['password', 'passwd', 'pwd', 'passphrase', 'passcode']);
/**
 * Words prose ends with after those key words ("password reset", "the password policy"): kept.
 * Also kept: words of 3 letters or fewer, words ending like English inflections (`-ed`, `-ing`,
 * `-ly`, `-tion`, `-ment`, …: "password rotated", "passphrase missing") and a trailing `.`/`!`/`?`.
 */
const LAST_TOKEN_PROSE: ReadonlySet<string> = new Set(
  (
    'reset resets expiry expires change changes update updates incorrect invalid wrong mismatch policy policies ' +
    'prompt manager field fields hint hints length strength complexity history file files hash hashes login ' +
    'check checks entry empty blank okay fails failure error errors attempt attempts retry retries lockout ' +
    'unlock recover forgot request requests sent only again here there later please below above match ' +
    'matches confirm correct weak strong short long less reuse vault store storage fallback mode option ' +
    'options settings setting config support user users account accounts auth rule rules salt plaintext ' +
    'cleartext format formats input output value values string text type dialog screen page form link ' +
    'email emails reminder notice warning alert alerts event events leak leaks brute attack attacks audit ' +
    'audits review reviews once ever anyway instead first twice already also either though none null unset ' +
    'default defaults secure insecure unknown same different old new current previous next generator'
  ).split(' '),
);
const INFLECTION = /(?:ed|ing|ly|tion|sion|ment|ness|ity|able|ible|ance|ence|ure|ies)$/;

/** Words with a symbol that prose uses after a key word ("password and/or key"). */
const STOP: ReadonlySet<string> = new Set(['and/or', 'e.g', 'i.e', 'etc', 'w/o', 'n/a']);

/** Key characters: `[A-Za-z0-9_.$@-]` and letters outside ASCII (`contraseña`, `пароль`). */
function isKeyChar(c: number): boolean {
  return c < 128 ? isAlnum(c) || c === 95 || c === 46 || c === 36 || c === 64 || c === 45 : isWideLetter(c);
}
/** A bare value cannot start with a flag's dash, an operator or an opening bracket. */
function isValueStart(c: number): boolean {
  return c > 32 && !(c === 45 || c === 61 || c === 58 || c === 40 || c === 91 || c === 123 || c === 60 || c === 92);
}

/**
 * True if a bare token reads as a value rather than a word: at least 4 characters (trailing
 * sentence punctuation not counted) with a digit, a symbol other than `-` and `'`, or a capital
 * after a small letter; or 20 letters and more.
 */
export function looksLikeValue(v: string): boolean {
  return looksLikeValueAt(v, 0, v.length);
}

/** `looksLikeValue` of `s.slice(from, to)`, without making the slice. */
function looksLikeValueAt(s: string, from: number, to: number): boolean {
  let end = to;
  while (end > from) {
    const c = s.charCodeAt(end - 1);
    if (c !== 46 && c !== 33 && c !== 63 && c !== 58) break;
    end--;
  }
  if (end - from < 4) return false;
  let lower = false;
  let marked = false;
  for (let k = from; k < end; k++) {
    const c = s.charCodeAt(k);
    if (c >= 97 && c <= 122) lower = true;
    else if (c >= 65 && c <= 90) {
      if (lower) marked = true;
    } else if (c < 128 && c !== 45 && c !== 39) marked = true;
  }
  if (marked) return end - from > 6 || !STOP.has(s.slice(from, end).toLowerCase());
  return end - from >= 20;
}

/**
 * True if the blank-delimited word before the token at `at` (`set //registry/:_authToken X`: the
 * whole setting name) is `set`, `setx` or `setenv`, compared without case.
 */
function afterSetWord(s: string, at: number): boolean {
  let t = at;
  while (t > 0 && at - t < MAX_SETTING && !isBlank(s.charCodeAt(t - 1))) t--;
  let e = t;
  for (let b = 0; b < MAX_BLANKS && e > 0 && isBlank(s.charCodeAt(e - 1)); b++) e--;
  if (e === t || e < 3) return false;
  let w = e;
  while (w > 0 && e - w < 7 && isLetter(s.charCodeAt(w - 1))) w--;
  if (w > 0 && isKeyChar(s.charCodeAt(w - 1))) return false;
  const len = e - w;
  if (len !== 3 && len !== 4 && len !== 6) return false;
  return SET_WORDS.has(s.slice(w, e));
}

/**
 * True if the bare token [v, end) is a pair of its own (`user=bob`, `Type="…"` in
 * `<Password Type="…">`): an `=` followed by anything but `=` (base64 padding) or the token's end.
 */
function isAssignment(s: string, v: number, end: number): boolean {
  let eq = v;
  while (eq < end && s.charCodeAt(eq) !== 61) eq++;
  if (eq === end) return false;
  if (eq + 1 < end) return s.charCodeAt(eq + 1) !== 61;
  const next = s.charCodeAt(end);
  return next === 34 || next === 39;
}

/** [start, end) of the value to replace. */
type Span = [number, number];

/** The sensitive name of the key [from, to) (the key, or the last two words joined by `_`). */
function sensitiveName(s: string, from: number, to: number, tokenStart: number, isSensitive: KeyTest) {
  const key = s.slice(from, to);
  if (isSensitive(key)) return key;
  const prev = keyWordsBefore(s, tokenStart);
  return prev !== undefined && isSensitive(`${prev}_${key}`) ? `${prev}_${key}` : undefined;
}

/** The value a quoted or bare token at [v, end) holds, when a sensitive key stands before it. */
function valueSpan(s: string, v: number, end: number, name: string, censor: string): Span | undefined {
  const n = normal(name);
  const weak = CREDENTIAL_ONLY_KEYS.has(n) || WEAK_KEYS.has(n);
  const c = s.charCodeAt(v);
  if (c !== 34 && c !== 39) {
    const bare = s.slice(v, end);
    return keepBare(bare, censor) || (weak && !isCredentialShaped(bare)) ? undefined : [v, end];
  }
  const e = closingQuote(s, v);
  let close = e - 1;
  if (e === -1) {
    close = v + 1;
    while (close < s.length && s.charCodeAt(close) !== 10 && s.charCodeAt(close) !== 13) close++;
  }
  let start = v + 1;
  if (HEADER_KEYS.has(n)) {
    const scheme = SCHEME_PREFIX.exec(s.slice(start, Math.min(close, start + 40)));
    if (scheme) start += scheme[0].length;
  }
  const inner = s.slice(start, close);
  return keepBare(inner, censor) || (weak && !isCredentialShaped(inner)) ? undefined : [start, close];
}

/**
 * True if the word [v, end) after the key [j, at) is the last token of its text, line or command
 * and not prose: the key is a password word (LAST_TOKEN_KEYS), the word 4 to 19 letters, lower
 * case past its first letter, neither in LAST_TOKEN_PROSE nor ending like an inflection.
 */
function lastToken(s: string, j: number, at: number, v: number, end: number): boolean {
  const len = end - v;
  if (len < 4 || len > 19 || at - j > 10 || !LAST_TOKEN_KEYS.has(s.slice(j, at).toLowerCase())) return false;
  let k = end;
  while (k < s.length && isBlank(s.charCodeAt(k))) k++;
  if (k < s.length) {
    const c = s.charCodeAt(k);
    const next = s.charCodeAt(k + 1);
    if (!(c === 10 || c === 13 || c === 59 || c === 124 || (c === 38 && next === 38))) return false;
  }
  for (let i = v + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 97 || c > 122) return false;
  }
  if (!isLetter(s.charCodeAt(v))) return false;
  const word = s.slice(v, end).toLowerCase();
  return !LAST_TOKEN_PROSE.has(word) && !INFLECTION.test(word);
}

/** The key that ends at `at`: its first letter `j` (after a leading dash or dots) and its token's start. */
interface KeyAt {
  readonly j: number;
  readonly tokenStart: number;
  readonly dashes: number;
}

/** The key before the blank at `at`: at most 64 key characters; one leading dash makes it an option, two the flag rule's. */
function keyAt(s: string, at: number): KeyAt | undefined {
  let j = at;
  while (j > 0 && at - j < MAX_KEY && isKeyChar(s.charCodeAt(j - 1))) j--;
  if (j > 0 && at - j >= MAX_KEY && isKeyChar(s.charCodeAt(j - 1))) return undefined;
  const tokenStart = j;
  let dashes = 0;
  for (; j < at && s.charCodeAt(j) === 45; j++) dashes++;
  while (j < at && s.charCodeAt(j) === 46) j++;
  const first = s.charCodeAt(j);
  if (
    j === at ||
    dashes > 1 ||
    !(isLetter(first) || first === 95 || first === 36 || first === 64 || isWideLetter(first))
  )
    return undefined;
  return { j, tokenStart, dashes };
}

/**
 * `end`, or past a censor that a bare value [v, end) ends inside: a pass before this one censored
 * part of the value (`passwd bob:[REDACTED]`), and the default censor's `]` ends a bare value, so
 * replacing [v, end) left a stray `]`. Only the censor's length before `end` is looked at.
 */
function pastCensor(s: string, v: number, end: number, censor: string): number {
  for (let k = Math.max(v, end - censor.length + 1); k < end; k++)
    if (s.startsWith(censor, k)) return k + censor.length;
  return end;
}

/**
 * The value to replace after the key that ends at the blank at `at`, or undefined. The cheap
 * tests come first (the token after the blanks, the cue): most words after a key word in prose
 * stop there, before the key vocabulary is asked.
 */
function spanAt(s: string, at: number, last: number, isSensitive: KeyTest, censor: string): Span | undefined {
  const n = s.length;
  let v = at;
  let tab = false;
  for (let b = 0; b < MAX_BLANKS && v < n && isBlank(s.charCodeAt(v)); b++) {
    if (s.charCodeAt(v) === 9) tab = true;
    v++;
  }
  if (v >= n || v < last || s.startsWith(censor, v)) return undefined;
  const linked = afterLink(s, v);
  if (linked !== -1) return linkedSpan(s, at, linked, isSensitive, censor);
  const c = s.charCodeAt(v);
  const quoted = c === 34 || c === 39;
  if (!quoted && !isValueStart(c)) return undefined;
  let end = v;
  if (!quoted) {
    while (end < n && !isBareEnd(s.charCodeAt(end))) end++;
    if (isAssignment(s, v, end) || isMechanismWordAt(s, v, end) || isNextDumpLine(s, v, end)) return undefined;
    end = pastCensor(s, v, end, censor);
  }
  const key = keyAt(s, at);
  if (key === undefined) return undefined;
  const { j, tokenStart } = key;
  const flag = key.dashes === 1 && (tokenStart === 0 || isBlank(s.charCodeAt(tokenStart - 1)));
  const cue = quoted || tab || flag || looksLikeValueAt(s, v, end) || lastToken(s, j, at, v, end);
  if (!cue && !afterSetWord(s, tokenStart)) return undefined;
  const name = sensitiveName(s, j, at, tokenStart, isSensitive);
  // After `set`, an everyday word is no identifier ("we set password policy").
  if (name === undefined || (!cue && PROSE_KEYS.has(s.slice(j, at).toLowerCase()))) return undefined;
  return valueSpan(s, v, end, name, censor);
}

/**
 * Words that link a key to its value in prose and notes: "new password is X", "api key was X",
 * "Passwort ist X", "le mot de passe est X", "la contraseña es X", "hasło jest X", `password -> X`
 * (`:=` and `=>` are the pair rule's operators).
 */
const LINK_WORDS: ReadonlySet<string> = new Set(['is', 'was', 'ist', 'war', 'est', 'es', 'era', 'é', 'jest', '->']);

/** After a link word and its blanks at `v`: where the value starts; -1 if no link word is there. */
function afterLink(s: string, v: number): number {
  // The first letter of a link word (i, w, e, j, é, -), either case: most values fail here.
  const c = s.charCodeAt(v) | 32;
  if (c !== 105 && c !== 119 && c !== 101 && c !== 106 && c !== 0xe9 && c !== 45) return -1;
  let e = v;
  while (e < s.length && e - v < 4 && !isBlank(s.charCodeAt(e))) e++;
  if (e === v || e >= s.length || !isBlank(s.charCodeAt(e)) || !LINK_WORDS.has(s.slice(v, e).toLowerCase())) return -1;
  for (let b = 0; b < MAX_BLANKS && e < s.length && isBlank(s.charCodeAt(e)); b++) e++;
  return e;
}

/** A key name whose value is a credential wherever it appears (not `token`, `session`, `pass`…). */
function isStrong(name: string): boolean {
  const n = normal(name);
  return !CREDENTIAL_ONLY_KEYS.has(n) && !WEAK_KEYS.has(n);
}

/**
 * "KEY is VALUE": the value (bare, or inside quotes) when the key before `at` is a strong key name
 * (alone, or with the word before it: "auth token") and the value is credential-shaped
 * (`isCredentialShaped`: "the password is incorrect" stays).
 */
function linkedSpan(s: string, at: number, w: number, isSensitive: KeyTest, censor: string): Span | undefined {
  const c = s.charCodeAt(w);
  let start = w;
  let end = w;
  if (c === 34 || c === 39) {
    const e = closingQuote(s, w);
    if (e === -1) return undefined;
    start = w + 1;
    end = e - 1;
  } else {
    if (!isValueStart(c)) return undefined;
    while (end < s.length && !isBareEnd(s.charCodeAt(end))) end++;
  }
  const value = s.slice(start, end);
  if (!isCredentialShaped(value) || keepBare(value, censor)) return undefined;
  const key = keyAt(s, at);
  if (key === undefined) return undefined;
  const name = s.slice(key.j, at);
  if (isStrong(name) && isSensitive(name)) return [start, end];
  const prev = keyWordsBefore(s, key.tokenStart);
  const two = prev === undefined ? undefined : `${prev}_${name}`;
  return two !== undefined && isStrong(two) && isSensitive(two) ? [start, end] : undefined;
}

/**
 * `s` with the values of sensitive `key value` pairs replaced by `censor`; the same string if
 * none. `isSensitive` is the redactor's key decision (cached per key). `at`, when given, lists
 * the blanks that end a word ending like a key name (the shapes pass found them in this very
 * text): only those are looked at; otherwise the text is scanned for them.
 */
export function redactSpacedPairs(s: string, isSensitive: KeyTest, censor: string, at?: readonly number[]): string {
  let out = '';
  let last = 0;
  const n = s.length;
  // A replaced value may itself be the next key (`token key db_password<TAB>X`): the scan goes on
  // over it, and only values must not overlap.
  const visit = (i: number): void => {
    let span = seedPhraseSpan(s, i, last, isSensitive);
    if (span === undefined) span = spanAt(s, i, last, isSensitive, censor);
    if (span === undefined && (s.charCodeAt(i - 1) | 32) === 100 /* d */) span = identifiedSpan(s, i, censor);
    if (span === undefined || span[0] < last) return;
    out += s.slice(last, span[0]) + censor;
    last = span[1];
  };
  if (at !== undefined) {
    for (const i of at) visit(i);
  } else {
    for (let i = 1; i < n; i++) {
      if (isBlank(s.charCodeAt(i)) && !isBlank(s.charCodeAt(i - 1)) && endsWithKeyStem(s, Math.max(0, i - MAX_KEY), i))
        visit(i);
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

/** A BIP39 phrase has 12 to 24 words (Monero's 25): a run shorter than 12 is not taken. */
const MIN_SEED_WORDS = 12;
const MAX_SEED_WORDS = 25;
/**
 * Words English prose can hardly go 12 words without, and that none of the BIP39 word lists in
 * Latin letters (English, Czech, French, Italian, Portuguese, Spanish; bitcoin/bips bip-0039) holds:
 * a run of seed-like words that holds one is prose, not a phrase. (`that`, `this`, `they`, `have`,
 * `will`, `you`, `into`, `also`, `just` are English BIP39 words, so they cannot be here.)
 */
const PROSE_GLUE: ReadonlySet<string> = new Set(
  (
    'the and for are was were with from not but has had been which their them these those would could ' +
    'should does did than some who how why may his her she him its our your being each many well out get ' +
    'got new via per yet whom whose shall might onto within without while after here'
  ).split(' '),
);

/** A lower-case letter of a BIP39 list in Latin letters: a-z, Latin-1's (é, ñ), a combining mark (NFD). */
function isSeedLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 0xdf && c <= 0xff && c !== 0xf7) || (c >= 0x300 && c <= 0x36f);
}

/** What may follow a word of a phrase: a blank, a line end, closing punctuation or a quote. */
function isSeedWordEnd(c: number): boolean {
  return isBlank(c) || c === 10 || c === 13 || (c < 128 && '.,;!?)]}"\'`<>|&'.includes(String.fromCharCode(c)));
}

/** The end of a seed-like word at `w` (3 to 9 lower-case letters, not prose glue), or -1. */
function seedWordEnd(s: string, w: number): number {
  let e = w;
  let letters = 0;
  for (; e < s.length && e - w < 16 && isSeedLetter(s.charCodeAt(e)); e++) {
    if (s.charCodeAt(e) < 0x300) letters++;
  }
  if (letters < 3 || letters > 9 || (e < s.length && !isSeedWordEnd(s.charCodeAt(e)))) return -1;
  return e - w <= 6 && PROSE_GLUE.has(s.slice(w, e)) ? -1 : e;
}

/** The end of a run of 12 to 25 seed-like words from `v`, separated by blanks on one line; else -1. */
function seedRunEnd(s: string, v: number): number {
  let w = v;
  let end = -1;
  let n = 0;
  while (n < MAX_SEED_WORDS) {
    const e = seedWordEnd(s, w);
    if (e === -1) break;
    n++;
    end = e;
    let b = e;
    for (let k = 0; k < MAX_BLANKS && isBlank(s.charCodeAt(b)); k++) b++;
    if (b === e) break;
    w = b;
  }
  return n >= MIN_SEED_WORDS ? end : -1;
}

/** True if the word before `at` ends with `word` (lower-case ASCII), compared without case. */
function endsWithWord(s: string, at: number, word: string): boolean {
  if (at < word.length) return false;
  for (let k = 0; k < word.length; k++) {
    if ((s.charCodeAt(at - word.length + k) | 32) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * Rules 14: a seed phrase after the key with no `:` or `=` (`wallet mnemonic abandon ability …`,
 * `seed phrase is …`): when the key before the blank at `at` names a phrase (`mnemonic`,
 * `seed phrase`, `recovery phrase`, `secret phrase`, `passphrase`: pairs.ts isPhraseKey), optionally
 * then a link word, and 12 to 25 seed-like words follow on the line, they go whole. Prose is kept by
 * the words' shape: every word 3 to 9 lower-case letters, no digit, capital, hyphen or other symbol
 * glued to it, none of PROSE_GLUE, and twelve such words in a row ("the mnemonic device we use is …"
 * stops at `we`). Bounded: at most 25 words of at most 16 characters and 8 blanks each.
 */
function seedPhraseSpan(s: string, at: number, last: number, isSensitive: KeyTest): Span | undefined {
  if (!endsWithWord(s, at, 'mnemonic') && !endsWithWord(s, at, 'phrase')) return undefined;
  let v = at;
  for (let b = 0; b < MAX_BLANKS && v < s.length && isBlank(s.charCodeAt(v)); b++) v++;
  if (v < last) return undefined;
  const linked = afterLink(s, v);
  const end = seedRunEnd(s, linked === -1 ? v : linked);
  if (end === -1) return undefined;
  const key = keyAt(s, at);
  const name = key === undefined ? undefined : sensitiveName(s, key.j, at, key.tokenStart, isSensitive);
  return name !== undefined && isPhraseKey(name) ? [linked === -1 ? v : linked, end] : undefined;
}
