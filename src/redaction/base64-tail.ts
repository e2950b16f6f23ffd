/**
 * A `=` that pads a base64 run, not a pair's operator: `value MCowBQYDK2VwAyEA…NMxnJWTBiIphg= end`.
 * The pair reader takes the letters before a `=` for a key, and a run of random base64 ends in a
 * short key word now and then (`…JWTBiIphg=` splits into `…JWT Bi Iphg`, `…1Pw=` ends in `Pw`):
 * about 13 in 10,000 Ed25519 public keys, and the word after the key was censored. Over-redaction,
 * not a leak, but it spoils a record (a public key, a digest, a certificate) and the next word.
 *
 * A run is base64 here when it is long and random-looking: at least 40 characters of
 * `A-Z a-z 0-9 + /` before the `=` (a `_`, `-` or `.` ends the run), a length that one `=` pads to a
 * multiple of 4, a digit, and upper and lower case each at least 25% of the letters (a camelCase
 * name has one capital a word: 15-20%; random base64 half and half). And a key a person names is
 * never taken for one: a run that holds a key word of 5 letters or more (`password`, `token`,
 * `secret`, `bearer`, `creds`… in any case) stays a key; of 1.2 million random runs of 43 to 187
 * characters one held such a word (`kEYPasS`), while the words random runs end in (`pw`, `jwt`, `pin`,
 * `cvv2`) are short. A random run of 43 to 187 characters is taken for base64 at least 99.6 times in
 * 100 (docs/decisions.md; test/redaction/base64-tail.test.ts). Bounded work: the run is read once, and runs end at the `=`
 * before them, so no character is read for two `=`.
 */
import { isBase64Char } from './chars.js';
import { LAST_WORDS } from './key-word-sets.js';
import { SENSITIVE_KEY_FRAGMENTS, SENSITIVE_KEY_WORDS } from './keys.js';

const MIN_RUN = 40;
/** Past this many characters, the run is base64 whatever its length (no key is so long). */
const MAX_READ = 4096;

/** Key words that make a run a key wherever they stand in it. */
const LONG_WORDS: readonly string[] = [
  ...new Set(
    [...SENSITIVE_KEY_FRAGMENTS, ...SENSITIVE_KEY_WORDS, ...LAST_WORDS, 'token', 'session'].filter(
      (w) => w.length >= 5 && /^[a-z0-9]+$/.test(w),
    ),
  ),
];

/**
 * True if the `=` at `p` ends a random-looking base64 run that stands right before it and no more
 * base64 follows it (the padding ends there).
 */
export function padsBase64Run(s: string, p: number): boolean {
  if (isBase64Char(s.charCodeAt(p + 1))) return false;
  let upper = 0;
  let lower = 0;
  let digits = 0;
  let j = p;
  while (j > 0 && p - j < MAX_READ) {
    const c = s.charCodeAt(j - 1);
    if (c === 61 || !isBase64Char(c)) break;
    if (c >= 65 && c <= 90) upper++;
    else if (c >= 97 && c <= 122) lower++;
    else if (c >= 48 && c <= 57) digits++;
    j--;
  }
  const run = p - j;
  if (run < MIN_RUN || digits === 0) return false;
  if (run < MAX_READ && run % 4 !== 3) return false;
  const letters = upper + lower;
  if (upper * 4 < letters || lower * 4 < letters) return false;
  const text = s.slice(Math.max(j, p - 64), p).toLowerCase();
  for (const w of LONG_WORDS) if (text.includes(w)) return false;
  return true;
}
