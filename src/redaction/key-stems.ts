/**
 * The cheap first look of the spaced-pair rule (`pairs-spaced.ts`): does a word end the way a
 * sensitive key name ends (`password`, `PASSWD`, `aws_secret_access_key`, `-storepass`,
 * `$api_key`, `_authToken`)? The shapes pass asks it once per word followed by a blank, so it
 * compares a few characters from the end and allocates nothing; only strings with such a word
 * are given to the key vocabulary (`keys.ts`), which decides.
 */

/** Last words of sensitive key names (lower-case), the key vocabulary's words that end a key. */
export const KEY_STEMS: readonly string[] = [
  'password',
  'passwords',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'passcode',
  'secret',
  'secrets',
  'token',
  'tokens',
  'key',
  'keys',
  'auth',
  'authorization',
  'pin',
  'otp',
  'cookie',
  'cookies',
  'session',
  'sessionid',
  'sid',
  'sig',
  'signature',
  'credential',
  'credentials',
  'creds',
  'bearer',
  'ssn',
  'cvv',
  'cvc',
  'jwt',
  'psk',
  'pw',
  'phrase',
  'mnemonic',
  'code',
  // Not a key: SQL's `IDENTIFIED BY 'pw'` (sql-identified.ts), found by the same look.
  'identified',
  // The key vocabulary's words in the languages of EU desks (key-foreign.ts).
  'passwort',
  'kennwort',
  'passe',
  'contrasena',
  'contraseña',
  'senha',
  'wachtwoord',
  'haslo',
  'hasło',
  'heslo',
  'geslo',
  'passord',
  'losenord',
  'lösenord',
  'salasana',
  'jelszo',
  'jelszó',
  'lozinka',
  'adgangskode',
  'kodeord',
  'parolă',
  'пароль',
  'パスワード',
  '密码',
  '密碼',
  '비밀번호',
  'geheimnis',
  'segredo',
  'segreto',
  'secreto',
  'sekret',
  'секрет',
  '密钥',
];

/**
 * Stems by their last two letters (`26 * second-last + last`, a-z each), but those whose last two
 * characters are not both ASCII (WIDE_TAIL). Most words that reach endsWithKeyStem end in two
 * letters few stems share ("-ed", "-on", "-th"): by the last letter alone, a word had up to 16
 * stems to compare ("-s", "-e").
 */
const BY_END: (readonly string[] | undefined)[] = Array.from({ length: 26 * 26 }, () => undefined);
for (const stem of KEY_STEMS) {
  const last = stem.charCodeAt(stem.length - 1);
  const second = stem.charCodeAt(stem.length - 2);
  if (last >= 128 || second >= 128) continue;
  const at = 26 * (second - 97) + (last - 97);
  BY_END[at] = [...(BY_END[at] ?? []), stem];
}
/** Stems with a letter outside ASCII: compared by `toLowerCase` (`|32` only folds ASCII). */
const WIDE: ReadonlySet<string> = new Set(KEY_STEMS.filter((x) => /[^\x00-\x7f]/.test(x)));
/** The wide stems whose last two characters are not both ASCII. */
const WIDE_TAIL: readonly string[] = [...WIDE].filter(
  (x) => x.charCodeAt(x.length - 1) >= 128 || x.charCodeAt(x.length - 2) >= 128,
);
/** `65536 * (second-last) + (last)` of WIDE_TAIL's stems, each in lower and upper case: the first look. */
const WIDE_ENDS = new Set<number>();
const cases = (c: number): number[] => {
  const ch = String.fromCharCode(c);
  return [c, ch.toUpperCase().charCodeAt(0), ch.toLowerCase().charCodeAt(0)];
};
for (const stem of WIDE_TAIL) {
  for (const x of cases(stem.charCodeAt(stem.length - 2)))
    for (const y of cases(stem.charCodeAt(stem.length - 1))) WIDE_ENDS.add(65536 * x + y);
}

/**
 * 1 at `128 * (second-last character) + (last character)` (ASCII, either case) for the last two
 * letters of a stem: the caller's inline test, which most English words fail ("client",
 * "requested", "fill"), so they cost two character reads and one table read.
 */
export const STEM_ENDS = new Uint8Array(128 * 128);
for (const stem of KEY_STEMS) {
  const a = stem.charCodeAt(stem.length - 2);
  const b = stem.charCodeAt(stem.length - 1);
  if (a >= 128 || b >= 128) continue; // the caller asks endsWithKeyStem whenever one of the two is
  for (const x of [a, a - 32]) for (const y of [b, b - 32]) STEM_ENDS[128 * x + y] = 1;
}

/** True if the word [start, end) of `s` ends with a stem, letters compared without case. */
export function endsWithKeyStem(s: string, start: number, end: number): boolean {
  const code = s.charCodeAt(end - 1);
  const prev = s.charCodeAt(end - 2);
  if (code >= 128 || prev >= 128) return endsWithWideTail(s, start, end);
  // `| 32` folds only letters into a-z: anything else is out of range, as no stem ends in it.
  const last = (code | 32) - 97;
  const second = (prev | 32) - 97;
  if (last < 0 || last > 25 || second < 0 || second > 25) return false;
  const list = BY_END[26 * second + last];
  if (list === undefined) return false;
  outer: for (let i = 0; i < list.length; i++) {
    const stem = list[i] as string;
    const n = stem.length;
    if (end - start < n) continue;
    if (WIDE.has(stem)) {
      if (endsWithWideStem(s, start, end, [stem])) return true;
      continue;
    }
    // The last two letters are the bucket's.
    for (let k = 3; k <= n; k++) {
      if ((s.charCodeAt(end - k) | 32) !== stem.charCodeAt(n - k)) continue outer;
    }
    return true;
  }
  return false;
}

/** Either of the word's last two characters is outside ASCII: only a WIDE_TAIL stem can match (one set lookup first). */
function endsWithWideTail(s: string, start: number, end: number): boolean {
  const key = 65536 * s.charCodeAt(end - 2) + s.charCodeAt(end - 1);
  return end - start >= 2 && WIDE_ENDS.has(key) && endsWithWideStem(s, start, end, WIDE_TAIL);
}

/** True if the word [start, end) ends with one of `stems` (lower case, some letters outside ASCII). */
function endsWithWideStem(s: string, start: number, end: number, stems: readonly string[]): boolean {
  outer: for (const stem of stems) {
    const n = stem.length;
    if (end - start < n) continue;
    for (let k = 1; k <= n; k++) {
      const c = s.charCodeAt(end - k);
      const want = stem.charCodeAt(n - k);
      if (c !== want && lowerUnit(c) !== want) continue outer;
    }
    return true;
  }
  return false;
}

/** One UTF-16 unit in lower case (a capital outside ASCII: `Ł` → `ł`, `П` → `п`). */
function lowerUnit(c: number): number {
  if (c < 128) return c >= 65 && c <= 90 ? c | 32 : c;
  return String.fromCharCode(c).toLowerCase().charCodeAt(0);
}
