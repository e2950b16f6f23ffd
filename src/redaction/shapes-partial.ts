/**
 * The secrets with a part that stays (a name, a user name): URL passwords, AWS secret keys next to
 * their name, curl users, FIX logon passwords, … Each runs only on a string that can hold it, judged
 * from the facts of the redactShapes pass over the same text.
 */
import { redactOracleConnect } from './oracle-connect.js';
import { scanFacts, type SecretPattern } from './shapes.js';
import { SHAPES } from './shape-rules.js';
import { redactUrlCredentials } from './url-credentials.js';

/**
 * A curl credential with its secret part replaced: after the first `:`, or before it when nothing
 * follows. A URL (`-U https://couch-server`, a tool's `-U redis://u:pw@h`: rules 14) is no
 * `user:password`; the URL rule takes its password.
 */
function curlCredential(cred: string, censor: string): string {
  const colon = cred.indexOf(':');
  if (colon === -1 || URL_START.test(cred)) return cred;
  const after = cred.slice(colon + 1);
  const lead = /^["'{]*/.exec(after)?.[0] ?? '';
  const trail = /["'}]*$/.exec(after)?.[0] ?? '';
  if (after.length > lead.length + trail.length) return `${cred.slice(0, colon + 1)}${lead}${censor}${trail}`;
  const before = cred.slice(0, colon);
  const bl = /^["'{]*/.exec(before)?.[0] ?? '';
  const bt = /["'}]*$/.exec(before)?.[0] ?? '';
  if (before.length <= bl.length + bt.length) return cred;
  return `${bl}${censor}${bt}:${after}`;
}

const URL_START = /^["']?[A-Za-z][A-Za-z0-9+.-]{0,31}:\/\//;

/** SOH as logs print it (rules 13): `|`, `;`, `^A`, `\u0001`, `\x01`, `\001`, `<SOH>`. */
const FIX_PRINTED_SOH = String.raw`(?:[|;]|\^A|\\u0001|\\x01|\\001|<SOH>)`;
const FIX_SEP = String.raw`(?:[\x01\s^]|${FIX_PRINTED_SOH})`;
const FIX_PASSWORD = new RegExp(
  String.raw`((?:^|${FIX_SEP})(?:554|925|1402|1404|95=\d{1,6}${FIX_SEP}96)=)` +
    String.raw`((?:(?!${FIX_PRINTED_SOH}(?:\d{1,5}=|[\s"\\]|$))[^\x01\r\n]){1,1024})`,
  'g',
);

/** A FIX field `96=` (RawData) at a field start, and its value as FIX_PASSWORD reads one. */
const FIX_RAWDATA = new RegExp(String.raw`(?:^|${FIX_SEP})96=`, 'g');
const FIX_VALUE = new RegExp(String.raw`(?:(?!${FIX_PRINTED_SOH}(?:\d{1,5}=|[\s"\\]|$))[^\x01\r\n]){1,1024}`, 'y');
/** The longest stretch of a Logon message read for its RawData. */
const LOGON_MAX = 2048;

/** SOH and the forms logs print it in (rules 13), longest first; three printed ones end in the digit `1`. */
const FIX_SEPARATORS = ['\\u0001', '<SOH>', '\\x01', '\\001', '^A', '\x01', '|', ';', '^', ' ', '\t'];

/**
 * The FIX separator ending at `i` (exclusive); '' at the start of the text, of a line, or of a quoted
 * or bracketed message (`"35=A|…`); undefined if none.
 */
function separatorEndingAt(s: string, i: number): string | undefined {
  if (i === 0) return '';
  const c = s.charCodeAt(i - 1);
  if (c === 10 || c === 13 || c === 34 || c === 39 || c === 96 || c === 40 || c === 91 || c === 123) return '';
  for (const f of FIX_SEPARATORS) if (i >= f.length && s.startsWith(f, i - f.length)) return f;
  return undefined;
}

/**
 * Whether the `35=A` at `a` is a Logon's MsgType field (rules 19, at35): a field of its own, a
 * separator before it and the same one after it, or the end of the text or its line. `135=A` is
 * another tag, `35=AE` (TradeCaptureReport), `35=AB`, `35=AS`… other messages, and `rating 35=A;
 * score 96=88` (a blank before, `;` after) no FIX message. A printed SOH ending in `1` (`\001`,
 * `\x01`, `\u0001`) is a separator, not a tag's digit (the digit test for `135=A` took it for one).
 */
function isLogonMsgType(s: string, a: number): boolean {
  const before = separatorEndingAt(s, a);
  if (before === undefined) return false;
  const e = a + 4;
  if (e === s.length) return true;
  const c = s.charCodeAt(e);
  if (c === 10 || c === 13) return true;
  if (before !== '') return s.startsWith(before, e);
  for (const f of FIX_SEPARATORS) if (s.startsWith(f, e)) return true;
  return false;
}

/**
 * RawData(96) of a FIX Logon (`35=A`) without its RawDataLength(95) (rules 19): venues that take the
 * logon's password or signature in 96 and logs that drop 95. Read from each `35=A` to the next
 * `35=`, a line break, or LOGON_MAX characters (so windows never overlap: linear); a `96=` outside a
 * Logon stays (news, a market data message's RawData, a quantity).
 */
function redactLogonRawData(s: string, censor: string): string {
  let out = '';
  let copied = 0;
  // The next line break at or after `a`, searched again only once `a` has passed it (a search per
  // `35=A` to the text's end would make a text of many Logons and no break quadratic).
  let nl = -1;
  for (let a = s.indexOf('35=A'); a !== -1; a = s.indexOf('35=A', a + 4)) {
    if (!isLogonMsgType(s, a)) continue;
    let b = s.indexOf('35=', a + 4);
    if (b === -1 || b - a > LOGON_MAX) b = Math.min(s.length, a + LOGON_MAX);
    if (nl < a && nl !== s.length) {
      nl = s.indexOf('\n', a);
      if (nl === -1) nl = s.length;
    }
    if (nl < b) b = nl;
    const w = s.slice(a, b);
    FIX_RAWDATA.lastIndex = 0;
    for (let m = FIX_RAWDATA.exec(w); m !== null; m = FIX_RAWDATA.exec(w)) {
      const v = a + m.index + m[0].length;
      FIX_VALUE.lastIndex = v;
      const val = FIX_VALUE.exec(s);
      if (val === null || v < copied || s.startsWith(censor, v)) continue;
      out += s.slice(copied, v) + censor;
      copied = v + val[0].length;
    }
  }
  return copied === 0 ? s : out + s.slice(copied);
}

/**
 * A password hash by its scheme's fixed form (bounded repetitions: linear per position, and tried
 * only where the text holds a scheme's literal, see HASH_CUE).
 */
const PASSWORD_HASH =
  /(\$apr1\$|\$[156]\$)[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]{22,86}(?![./0-9A-Za-z])|(\{S?SHA\})[A-Za-z0-9+/]{27,64}={0,2}|(\$2[abxy]?\$\d\d\$)[./A-Za-z0-9]{53}(?![./0-9A-Za-z])/g;
const HASH_CUE = /\$apr1\$|\{S?SHA\}|\$2[abxy]?\$\d\d\$|\$[156]\$/;

/** Patterns that keep part of the match (a name, a user name) and replace the rest. */
function partial(censor: string): SecretPattern[] {
  return [
    // Credentials in URLs (GitHub's *_connection_string, detect-secrets basic_auth):
    // scheme://user:password@ — the user stays, the password goes. One slash too: a path
    // normaliser turns `postgres://u:pw@h` typed as a file name into `postgres:/u:pw@h`. The password
    // runs to the LAST `@` of the authority, as WHATWG URL parsers read `u:p@ss@host`, and from rules 13
    // the user may hold `@` (`admin@server:pw@host`): applied by url-credentials.ts, this is its description.
    {
      name: 'url-credentials',
      regex: /(:\/{1,3})([^\s:/]{0,256}):([^\s@/]{1,1024})@/g,
      replace: (_m, sep: string, user: string) => `${sep}${user}:${censor}@`,
    },
    // An AWS secret access key next to its name (detect-secrets' aws plugin, gitleaks' generic rule):
    // `aws … secret … <40 base64 chars>` within a few characters.
    {
      name: 'aws-secret-access-key',
      regex:
        /((?:aws|AWS|Aws)[\w.-]{0,24}?(?:secret|Secret|SECRET|key|Key|KEY)[\w .'"=:>-]{0,24}?)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/g,
      replace: (_m, head: string) => `${head}${censor}`,
    },
    // Sidekiq Enterprise gem credentials (gitleaks sidekiq-secret): the name stays.
    {
      name: 'sidekiq-secret',
      regex: /(BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM[ \t]{0,8}[=:][ \t]{0,8}["']?)([a-f0-9]{8}:[a-f0-9]{8})/gi,
      replace: (_m, head: string) => `${head}${censor}`,
    },
    // curl -u / --user credentials, quoted or not (gitleaks curl-auth-user): the password goes,
    // or, with none (`-u "sk_test_…:"`, an API key as the user), the user. Rules 14: the proxy's,
    // `-U` / `--proxy-user`, alike; glued (`-uuser:pw`, as curl reads it) after `curl` on the line
    // (bounded: 512 characters from the command word). Rules 15: a `date` format (a word starting
    // with `+%`) or another option (a word starting with `-`, with no `:` but at its end), quoted or
    // not (a quote escaped as `\"` in a config file's string too), is no user: `date -u +%H:%M`,
    // `sort -u -t: -k1`. A user starting with `+` or `-` that has a password (`curl -u
    // +15551234567:pw`, `-u '-admin:pw'`) is still one (at23 F3: the first rules 15 kept those).
    {
      name: 'curl-user',
      regex:
        /((?:^|\s)(?:-[uU]|--user|--proxy-user)(?:[ \t]{1,8}|=)|\bcurl\b[^\n;|&]{0,512}?[ \t]-[uU](?=[^\s"'=-]))(?!\\?["']?(?:\+%|-[^\s"':]*:?(?:\\?["']|\s|$)))((?:"[^"\n]{0,512}"|'[^'\n]{0,512}'|[^\s"']{1,512}){1,4})/g,
      replace: (_m, head: string, cred: string) => head + curlCredential(cred, censor),
    },
    // Trading: FIX logon passwords, Password(554), NewPassword(925), EncryptedPassword(1402),
    // RawData(96) after its RawDataLength(95) (rules 18: some venues take the logon's password or
    // signature there; 95 precedes 96 in every message that carries it, so a bare `96=` stays),
    // EncryptedNewPassword(1404), as a field of a FIX message: after SOH or white space, or SOH as
    // logs print it: `|`, `^A`, `;`, `<SOH>`, `\u0001`, `\x01`, `\001` (rules 13: `^A`, `;`, `<SOH>`, `\001`).
    // The value ends at SOH or a line end, or at a printed separator followed by a tag, white space, a
    // quote, a backslash or the end (rules 13; it ended at any `^` or backslash, so `Xy7^kLm9` kept `^kLm9`).
    {
      name: 'fix-password',
      regex: FIX_PASSWORD,
      replace: (_m, head: string) => `${head}${censor}`,
    },
    // Password hashes of htpasswd lines and crypt(3) (rules 18): `user:$apr1$salt$hash`,
    // `user:{SHA}base64`, bcrypt `$2y$10$…`, md5/sha-crypt `$1$`/`$5$`/`$6$` (salt and hash): the
    // user and the scheme stay, the rest goes. Offline-crackable, so a secret wherever it appears.
    {
      name: 'password-hash',
      regex: PASSWORD_HASH,
      replace: (_m, crypt?: string, sha?: string, bcrypt?: string) => `${crypt ?? sha ?? bcrypt ?? ''}${censor}`,
    },
    // NuGet config passwords (gitleaks nuget-config-password).
    {
      name: 'nuget-config-password',
      regex: /(<add\s{1,8}key=\\?"(?:ClearText)?Password\\?"\s{0,8}value=\\?")([^"\\]{1,1024})(\\?")/gi,
      replace: (_m, head: string, _v: string, tail: string) => `${head}${censor}${tail}`,
    },
    // A MySQL/MariaDB client's password glued to -p (`mysql -u root -pS3cret orders`; `-p` alone
    // prompts): the option stays, the password goes. Bounded: 512 characters from the command word.
    {
      name: 'mysql-password-option',
      regex:
        /(\b(?:mysql[a-z]{0,8}|mariadb(?:-[a-z]{1,8})?)\b[^\n;|&]{0,512}?[ \t]-p)("[^"\n]{1,512}"|'[^'\n]{1,512}'|[^\s"']{1,512})/g,
      replace: (_m, head: string) => `${head}${censor}`,
    },
    // Binance's user data stream (rules 18): the listenKey as the websocket path,
    // `wss://stream.binance.com:9443/ws/<listenKey>` (`fstream`, `dstream`, the testnets); as a
    // query (`?listenKey=`) it is a sensitive key's value (keys.ts).
    {
      name: 'binance-listen-key-path',
      regex:
        /(binance[a-z]{0,12}\.(?:com|us|vision)(?::\d{1,5})?\/(?:ws|stream)\/)([A-Za-z0-9]{60,64})(?![A-Za-z0-9])/g,
      replace: (_m, head: string) => `${head}${censor}`,
    },
  ];
}

const FIX_TAG = /(?:554|925|1402|1404|96)=/;

/**
 * The partial patterns, each only on a string that can hold it, judged from the facts of the
 * redactShapes pass over the same text (a URL needs `:`, an AWS secret a 40-character token, …).
 */
export function redactPartial(s: string, patterns: readonly SecretPattern[], censor: string): string {
  const f = scanFacts;
  let out = s;
  if ((f.colon && out.includes('@')) || out.includes('%40') || out.includes('%25'))
    out = redactUrlCredentials(out, censor);
  if (f.longest >= 40 && (out.includes('aws') || out.includes('AWS') || out.includes('Aws')))
    out = redactAwsSecrets(out, censor);
  if (f.longest >= 17 && (out.includes('CONTRIBSYS') || out.includes('contribsys'))) out = runPartial(out, patterns[2]);
  if (out.includes('-u') || out.includes('-U')) out = runPartial(out, patterns[3]);
  if (f.equals && FIX_TAG.test(out)) {
    out = runPartial(out, patterns[4]);
    if (out.includes('35=A')) out = redactLogonRawData(out, censor);
  }
  if (out.includes('$') || out.includes('{S')) {
    if (HASH_CUE.test(out)) out = runPartial(out, patterns[5]);
  }
  if (f.lt && (out.includes('<add') || out.includes('<ADD') || out.includes('<Add')))
    out = runPartial(out, patterns[6]);
  if (out.includes('-p') && (out.includes('mysql') || out.includes('mariadb'))) out = runPartial(out, patterns[7]);
  if (f.longest >= 60 && out.includes('binance')) out = runPartial(out, patterns[8]);
  // Oracle's `user/password@connect` (rules 13): oracle-connect.ts.
  return redactOracleConnect(out, censor);
}

function runPartial(s: string, p: SecretPattern | undefined): string {
  if (p === undefined) return s;
  p.regex.lastIndex = 0;
  return s.replace(p.regex, p.replace as (m: string, ...g: string[]) => string);
}

/** The partial patterns, compiled for a censor (once per redactor). */
export function partialPatterns(censor: string): SecretPattern[] {
  return partial(censor);
}

/**
 * Every built-in shape as a pattern (name and source): for the rules fingerprint of the snapshot
 * store and for documentation. Redaction itself goes through redactShapes/redactPartial.
 */
export function builtinSecretPatterns(censor: string): SecretPattern[] {
  return [...partial(censor), ...SHAPES.map((r) => ({ name: r.name, regex: new RegExp(r.regex.source, 'g') }))];
}

/** The AWS name's words: `aws` then, within 24 of `[\w.-]`, `secret` or `key` (the pattern's alternatives). */
const AWS_WORDS = ['secret', 'Secret', 'SECRET', 'key', 'Key', 'KEY'];
/** 1: `[A-Za-z0-9/+]` (the secret's characters); 2: also `[\w .'"=:>-]` (a gap's); 4: `[\w.-]` (a name's). */
const AWS_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const alnum = /[A-Za-z0-9]/.test(ch);
  AWS_CLASS[c] =
    (alnum || ch === '/' || ch === '+' ? 1 : 0) |
    (alnum || '_ .\'"=:>-'.includes(ch) ? 2 : 0) |
    (alnum || '_.-'.includes(ch) ? 4 : 0);
}
function awsClass(s: string, i: number): number {
  if (i >= s.length) return 0;
  const c = s.charCodeAt(i);
  return c < 128 ? (AWS_CLASS[c] as number) : 0;
}

/**
 * Run lengths before each index of the text, filled left to right as the `aws` hits advance, in a
 * ring (a hit looks at most 100 characters ahead of itself, and hits only move forward):
 * `secretRun[i]` counts the secret characters just before i (capped at 40), `gapRun[i]` the gap
 * characters (capped at 25). So each candidate secret start is one O(1) test.
 */
const RING = 256;
const secretRun = new Uint8Array(RING);
const gapRun = new Uint8Array(RING);
let filled = 0;
function fillTo(s: string, upto: number): void {
  const end = Math.min(upto, s.length);
  for (; filled <= end; filled++) {
    const i = filled;
    if (i === 0) {
      secretRun[0] = 0;
      gapRun[0] = 0;
      continue;
    }
    const cls = awsClass(s, i - 1);
    const prev = (i - 1) & (RING - 1);
    secretRun[i & (RING - 1)] = (cls & 1) !== 0 ? Math.min(40, (secretRun[prev] as number) + 1) : 0;
    gapRun[i & (RING - 1)] = (cls & 2) !== 0 ? Math.min(25, (gapRun[prev] as number) + 1) : 0;
  }
}

/** The first index at or after `q` that holds no secret character (or the end): cached, as queries mostly advance. */
let lastQ = 0;
let lastR = -1;
function nextNonSecret(s: string, q: number): number {
  if (q >= lastQ && q <= lastR) return lastR;
  const stop = q < lastQ && lastR >= lastQ ? lastQ : s.length;
  let i = q;
  while (i < stop && (awsClass(s, i) & 1) !== 0) i++;
  const r = i < stop ? i : stop === s.length ? s.length : lastR;
  lastQ = q;
  lastR = r;
  return r;
}

/**
 * The start of the 40-character secret after an AWS name's word ending at `k`: the first `p` in
 * [k, k+24] with only gap characters in [k, p) and exactly 40 secret characters ending a run at
 * p+40 (the pattern's lazy gap and `(?![A-Za-z0-9/+])`); -1 if none.
 */
function awsSecretAfter(s: string, k: number): number {
  // The secret ends before a character that cannot be in it: none in [k+40, k+64], no secret.
  const e0 = nextNonSecret(s, k + 40);
  if (e0 > k + 64) return -1;
  fillTo(s, k + 64);
  for (let p = e0 - 40; p <= k + 24; p++) {
    if ((gapRun[p & (RING - 1)] as number) < p - k) break;
    const e = p + 40;
    if (e > s.length) break;
    if ((awsClass(s, e) & 1) === 0 && (secretRun[e & (RING - 1)] as number) >= 40) return p;
  }
  return -1;
}

/** A match of the aws-secret-access-key pattern at `h` (on `aws`): [secret start, end], or undefined. */
function awsSecretAt(s: string, h: number): readonly [number, number] | undefined {
  const a = h + 3;
  for (let j = 0; j <= 24; j++) {
    const at = a + j;
    if (j > 0 && (awsClass(s, at - 1) & 4) === 0) break;
    const c = s.charCodeAt(at);
    if (c !== 115 && c !== 83 && c !== 107 && c !== 75) continue; // s S k K
    for (const w of AWS_WORDS) {
      if (!s.startsWith(w, at)) continue;
      const p = awsSecretAfter(s, at + w.length);
      if (p !== -1) return [p, p + 40];
    }
  }
  return undefined;
}

/**
 * The aws-secret-access-key pattern's replacements, found without the regex engine: the pattern's
 * lazy groups backtrack at every `aws` (1 MB of "awskey" took ~6-12 s); here each `aws` costs a
 * bounded window (the name's 24 characters, a word, 24 of gap, 40 of secret), so the pass is linear.
 */
export function redactAwsSecrets(s: string, censor: string): string {
  filled = 0;
  lastQ = 0;
  lastR = -1;
  let out = '';
  let at = 0;
  let from = 0;
  for (;;) {
    const h = nextAws(s, from);
    if (h === -1) break;
    const m = awsSecretAt(s, h);
    if (m === undefined) {
      from = h + 1;
      continue;
    }
    out += s.slice(at, m[0]) + censor;
    at = m[1];
    from = m[1];
  }
  return at === 0 ? s : out + s.slice(at);
}

/** The next `aws`, `AWS` or `Aws` at or after `from`, or -1. */
function nextAws(s: string, from: number): number {
  for (let i = from; i + 3 <= s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 97 && c !== 65) continue;
    if (s.startsWith('aws', i) || s.startsWith('AWS', i) || s.startsWith('Aws', i)) return i;
  }
  return -1;
}
