/**
 * Oracle connect strings (rules 13): `user/password@connect` in a JDBC URL
 * (`jdbc:oracle:thin:trader/pw@//dbhost:1521/ORCLPDB1`) and on the command lines of Oracle's tools
 * (`sqlplus -s scott/tiger@orcl`, `expdp system/pw@orcl schemas=…`, `sqlldr userid=u/pw@db …`,
 * `rman target sys/pw@db catalog rco/pw@cat`, `dgmgrl sys/pw@primary`, SQL*Plus's
 * `connect u/pw@db`). The user and the connect identifier stay, the password goes: a quoted one
 * (`u/"p w"@db`) inside its quotes, a bare one up to the last `@` of its token (as the F5 URL rule
 * reads `u:p@ss@host`) or, with no `@`, to the token's end. `exp`, `imp`, `connect` and `conn` are
 * also everyday words: after them only a token with an `@` is read (`exp scott/tiger@orcl`).
 *
 * Linear: the heads are found by two global expressions; after a tool word the command (to a line
 * end, `;`, `|` or `&`, at most 1024 characters) is read once and the next head is looked for
 * after it; each token is read once.
 */

const JDBC = /jdbc:oracle:[a-z0-9]{1,8}:/gi;
/**
 * The tool words, in lower or upper case, then blanks. No look-behind and no `i` flag: this runs on
 * every string holding a `/` (a symbol's `BTC/USDT`), and these forms cost a fraction of those.
 */
const TOOL =
  /(?:sql(?:plus|cl|ldr)|(?:exp|imp)(?:dp)?|rman|dgmgrl|conn(?:ect)?|SQL(?:PLUS|CL|LDR)|(?:EXP|IMP)(?:DP)?|RMAN|DGMGRL|CONN(?:ECT)?)(?:\.exe)?[ \t]+/g;
/** Tools whose words are English too: only a `user/password@connect` token after them. */
const NEEDS_AT: ReadonlySet<string> = new Set(['exp', 'imp', 'connect', 'conn']);
const MAX_COMMAND = 1024;
const MAX_USER = 128;
const MAX_SECRET = 1024;

/** A character that glues a tool word to the one before it: a letter, digit, `_`, `.` or `-`. */
function isToolGlued(c: number): boolean {
  return isUserChar(c) || c === 46 || c === 45;
}

/** [start, end) of a password to replace. */
type Span = readonly [number, number];

function isUserChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c === 35;
}

/** End of a bare password or token: white space, a quote, `;`, `,`, `)`, `|`, `&`, `<`, `>`, a backtick. */
function endsToken(c: number): boolean {
  return (
    Number.isNaN(c) ||
    c <= 32 ||
    c === 34 ||
    c === 39 ||
    c === 59 ||
    c === 44 ||
    c === 41 ||
    c === 124 ||
    c === 38 ||
    c === 60 ||
    c === 62 ||
    c === 96
  );
}

/**
 * The password of `user/password[@connect]` starting at `t`, or undefined; `end` bounds the scan.
 * The user: a name of letters, digits, `_`, `$`, `#` starting with a letter, or a quoted name.
 */
function passwordAt(s: string, t: number, end: number, needsAt: boolean, censor: string): Span | undefined {
  let u = t;
  if (s.charCodeAt(u) === 34) {
    const q = s.indexOf('"', u + 1);
    if (q === -1 || q - u > MAX_USER || q >= end) return undefined;
    u = q + 1;
  } else {
    const c = s.charCodeAt(u);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return undefined;
    while (u < end && u - t < MAX_USER && isUserChar(s.charCodeAt(u))) u++;
  }
  if (s.charCodeAt(u) !== 47 /* / */) return undefined;
  const p = u + 1;
  const first = s.charCodeAt(p);
  if (p >= end || first === 47 || first === 64 || s.startsWith(censor, p)) return undefined;
  if (s.charCodeAt(p) === 34) {
    const q = s.indexOf('"', p + 1);
    if (q === -1 || q >= end || q === p + 1) return undefined;
    if (needsAt && s.charCodeAt(q + 1) !== 64) return undefined;
    return [p + 1, q];
  }
  let e = p;
  let lastAt = -1;
  while (e < end && e - p < MAX_SECRET && !endsToken(s.charCodeAt(e))) {
    if (s.charCodeAt(e) === 64) lastAt = e;
    e++;
  }
  const stop = lastAt === -1 ? e : lastAt;
  if (stop === p || (needsAt && lastAt === -1)) return undefined;
  return [p, stop];
}

/** `userid=`, `jdbc:oracle:thin:`, a quote or `\"` before the user: where the user starts. */
function userStart(s: string, t: number): number {
  let i = t;
  for (let n = 0; n < 3 && (s.charCodeAt(i) === 92 || s.charCodeAt(i) === 34 || s.charCodeAt(i) === 39); n++) i++;
  if (s.slice(i, i + 7).toLowerCase() === 'userid=') i += 7;
  return i;
}

/** The passwords in the command after a tool word, from `from`; pushes spans, returns where the command ends. */
function commandSpans(s: string, from: number, needsAt: boolean, censor: string, spans: Span[]): number {
  let end = from;
  while (end < s.length && end - from < MAX_COMMAND) {
    const c = s.charCodeAt(end);
    if (c === 10 || c === 13 || c === 59 || c === 124 || c === 38) break;
    end++;
  }
  let t = from;
  while (t < end) {
    while (t < end && (s.charCodeAt(t) === 32 || s.charCodeAt(t) === 9)) t++;
    if (t >= end) break;
    const span = passwordAt(s, userStart(s, t), end, needsAt, censor);
    if (span !== undefined) spans.push(span);
    t = span !== undefined ? span[1] : t + 1;
    while (t < end && s.charCodeAt(t) !== 32 && s.charCodeAt(t) !== 9) t++;
  }
  return end;
}

/** `s` with the passwords of Oracle connect strings replaced by `censor`; the same string if none. */
export function redactOracleConnect(s: string, censor: string): string {
  if (!s.includes('/')) return s;
  const spans: Span[] = [];
  JDBC.lastIndex = 0;
  const jdbc = s.includes('jdbc:') || s.includes('JDBC:');
  for (let m = jdbc ? JDBC.exec(s) : null; m !== null; m = JDBC.exec(s)) {
    const span = passwordAt(s, m.index + m[0].length, s.length, false, censor);
    if (span === undefined) continue;
    spans.push(span);
    JDBC.lastIndex = span[1];
  }
  TOOL.lastIndex = 0;
  for (let m = TOOL.exec(s); m !== null; m = TOOL.exec(s)) {
    // A word of its own: not inside another (`disconnect`, `myexp`) or a file name (`x.exp`).
    if (m.index > 0 && isToolGlued(s.charCodeAt(m.index - 1))) continue;
    const word = /^[A-Za-z]+/.exec(m[0])?.[0] ?? '';
    const needsAt = NEEDS_AT.has(word.toLowerCase());
    TOOL.lastIndex = commandSpans(s, m.index + m[0].length, needsAt, censor, spans);
  }
  if (spans.length === 0) return s;
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let last = 0;
  for (const [a, b] of spans) {
    if (a < last) continue;
    out += s.slice(last, a) + censor;
    last = b;
  }
  return out + s.slice(last);
}
