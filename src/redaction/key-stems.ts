/**
 * The cheap first look of the spaced-pair rule (`pairs-spaced.ts`): does a word end the way a
 * sensitive key name ends (`password`, `PASSWD`, `aws_secret_access_key`, `-storepass`,
 * `$api_key`, `_authToken`)? The shapes pass asks it once per word followed by a blank, so it
 * compares a few characters from the end and allocates nothing; only strings with such a word
 * are given to the key vocabulary (`keys.ts`), which decides.
 */

/** Last words of sensitive key names (lower-case), the key vocabulary's words that end a key. */
const STEMS: readonly string[] = [
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
];

/** Stems by their last letter (a-z). */
const BY_LAST: (readonly string[])[] = Array.from({ length: 26 }, () => []);
for (const stem of STEMS) (BY_LAST[stem.charCodeAt(stem.length - 1) - 97] as string[]).push(stem);

/**
 * 1 at `128 * (second-last character) + (last character)` (ASCII, either case) for the last two
 * letters of a stem: the caller's inline test, which most English words fail ("client",
 * "requested", "fill"), so they cost two character reads and one table read.
 */
export const STEM_ENDS = new Uint8Array(128 * 128);
for (const stem of STEMS) {
  const a = stem.charCodeAt(stem.length - 2);
  const b = stem.charCodeAt(stem.length - 1);
  for (const x of [a, a - 32]) for (const y of [b, b - 32]) STEM_ENDS[128 * x + y] = 1;
}

/** True if the word [start, end) of `s` ends with a stem, letters compared without case. */
export function endsWithKeyStem(s: string, start: number, end: number): boolean {
  const last = (s.charCodeAt(end - 1) | 32) - 97;
  if (last < 0 || last > 25) return false;
  const list = BY_LAST[last] as readonly string[];
  outer: for (let i = 0; i < list.length; i++) {
    const stem = list[i] as string;
    const n = stem.length;
    if (end - start < n) continue;
    for (let k = 2; k <= n; k++) {
      if ((s.charCodeAt(end - k) | 32) !== stem.charCodeAt(n - k)) continue outer;
    }
    return true;
  }
  return false;
}
