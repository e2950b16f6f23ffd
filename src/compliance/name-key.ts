/**
 * The one fold under which the checks compare a name a person chose (a symbol, a strategy, a venue,
 * a decision): a log is written by many systems, so "USD/RUB", "usdrub", full-width "ＵＳＤＲＵＢ",
 * "USDRUB" with an invisible character, "USD‐RUB" with a Unicode hyphen and "USDRUВ" with a Cyrillic
 * letter are one symbol (docs/compliance.md, "Matching names"). A file of its own so that the policy
 * reader (policy.ts) and the matchers (names.ts) share it.
 */
import { textHash } from './signature.js';

// Removed: what renders as nothing and what reads as a separator. Unicode's Default_Ignorable_Code_Point
// (UAX #44: the characters meant to be invisible when not supported: U+034F COMBINING GRAPHEME JOINER,
// the variation selectors, the Hangul fillers U+115F/U+1160/U+3164/U+FFA0, Khmer U+17B4/U+17B5, the
// zero-width and bidi characters…), the other format (Cf) and control (Cc) characters, U+2800 BRAILLE
// PATTERN BLANK (drawn as a blank), separators and white space (Z, \s), dash punctuation (Pd: U+2010
// HYPHEN, en and em dashes…), and the ASCII separators / \ - _ . : | with the look-alikes NFKC keeps:
// minus signs (U+2212, U+02D7, U+2796), slashes (U+2044 FRACTION SLASH, U+2215 DIVISION SLASH, U+29F8,
// U+2571, U+27CB), backslashes (U+2216 SET MINUS, U+29F5, U+29F9, U+2572, U+27CD), colons (U+2236
// RATIO, U+A789, U+0589, U+05C3), dots (U+00B7, U+2027, U+2219, U+22C5, U+30FB, U+2E31) and bars
// (U+2223 DIVIDES, U+2758, U+01C0, U+05C0, U+2502, U+23D0, U+00A6).
const IGNORED =
  /[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\p{Z}\s\p{Pd}\u2800/\\\-_.:|\u2212\u02d7\u2796\u2044\u2215\u29f8\u2571\u27cb\u2216\u29f5\u29f9\u2572\u27cd\u2236\ua789\u0589\u05c3\u00b7\u2027\u2219\u22c5\u30fb\u2e31\u2223\u2758\u01c0\u05c0\u2502\u23d0\u00a6]+/gu;

/**
 * Letters of other scripts that look like a Latin letter, as the fold has them (lower case), each
 * mapped to that Latin letter: the Cyrillic and Greek capitals (and Armenian and Cyrillic letters)
 * whose glyph is the Latin capital's in common fonts, after UTS #39's confusables.txt. Symbols,
 * venues and policy names are written in capitals, so a lower-case letter is mapped to what its
 * capital looks like (Greek ν, capital Ν, is n). The whole UTS #39 skeleton is not used: it also
 * makes digits and letters one (0 and O, 1 and l) and letter pairs one letter (rn and m), which
 * would merge symbols that differ (a restricted `US10Y` would catch `USIOY`), and it is data of its
 * own to keep up to date; the letters here are the ones that pass for Latin in a symbol.
 */
const LATIN_LOOKALIKES: Readonly<Record<string, string>> = Object.freeze({
  // Cyrillic, lower case (written as escapes: the letters themselves would pass for Latin here too).
  '\u0430': 'a', // Cyrillic Small Letter A
  '\u0432': 'b', // Cyrillic Small Letter Ve
  '\u0435': 'e', // Cyrillic Small Letter Ie
  '\u0455': 's', // Cyrillic Small Letter Dze
  '\u0456': 'i', // Cyrillic Small Letter Byelorussian-Ukrainian I
  '\u0458': 'j', // Cyrillic Small Letter Je
  '\u043a': 'k', // Cyrillic Small Letter Ka
  '\u043c': 'm', // Cyrillic Small Letter Em
  '\u043d': 'h', // Cyrillic Small Letter En
  '\u043e': 'o', // Cyrillic Small Letter O
  '\u0440': 'p', // Cyrillic Small Letter Er
  '\u0441': 'c', // Cyrillic Small Letter Es
  '\u0442': 't', // Cyrillic Small Letter Te
  '\u0443': 'y', // Cyrillic Small Letter U
  '\u0445': 'x', // Cyrillic Small Letter Ha
  '\u04af': 'y', // Cyrillic Small Letter Straight U
  '\u04bb': 'h', // Cyrillic Small Letter Shha
  '\u051b': 'q', // Cyrillic Small Letter Qa
  '\u051d': 'w', // Cyrillic Small Letter We
  '\u04cf': 'i', // Cyrillic Small Letter Palochka
  '\u0475': 'v', // Cyrillic Small Letter Izhitsa
  // Greek, lower case.
  '\u03b1': 'a', // Greek Small Letter Alpha
  '\u03b2': 'b', // Greek Small Letter Beta
  '\u03b5': 'e', // Greek Small Letter Epsilon
  '\u03b6': 'z', // Greek Small Letter Zeta
  '\u03b7': 'h', // Greek Small Letter Eta
  '\u03b9': 'i', // Greek Small Letter Iota
  '\u03ba': 'k', // Greek Small Letter Kappa
  '\u03bc': 'm', // Greek Small Letter Mu
  '\u03bd': 'n', // Greek Small Letter Nu
  '\u03bf': 'o', // Greek Small Letter Omicron
  '\u03c1': 'p', // Greek Small Letter Rho
  '\u03c4': 't', // Greek Small Letter Tau
  '\u03c5': 'y', // Greek Small Letter Upsilon
  '\u03c7': 'x', // Greek Small Letter Chi
  '\u03f2': 'c', // Greek Lunate Sigma Symbol
  '\u03f3': 'j', // Greek Letter Yot
  // Armenian, lower case.
  '\u0585': 'o', // Armenian Small Letter Oh
  '\u057d': 'u', // Armenian Small Letter Seh
});
const LOOKALIKE = new RegExp(`[${Object.keys(LATIN_LOOKALIKES).join('')}]`, 'gu');

/**
 * A name as compared: Unicode NFKC, lower case, without invisible characters and separators, and
 * with the Cyrillic, Greek and Armenian look-alikes of Latin letters made those letters.
 */
export function nameKey(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(IGNORED, '')
    .replace(LOOKALIKE, (c) => LATIN_LOOKALIKES[c] as string);
}

// Names repeat (a day holds a few hundred symbols, strategies and venues): folded once, looked up
// after. Emptied when full, so a log of many one-off names cannot grow it.
const MAX_CACHED = 4096;
const cache = new Map<string, FoldedName>();

/**
 * A name's fold (`key`), with what the duplicate check's signature reads of it (signature.ts): the
 * hash of its text and whether it holds a NUL, made once per name instead of per new order.
 */
export class FoldedName {
  readonly hash: number;
  readonly nul: boolean;
  constructor(readonly key: string) {
    this.hash = textHash(key);
    this.nul = key.includes('\u0000');
  }
}

/** `nameKey` and its hash, remembered for names seen before (the per-order lookups). */
export function cachedFold(s: string): FoldedName {
  let k = cache.get(s);
  if (k === undefined) {
    if (cache.size >= MAX_CACHED) cache.clear();
    k = new FoldedName(nameKey(s));
    cache.set(s, k);
  }
  return k;
}

/** `nameKey`, remembered for names seen before. */
export function cachedNameKey(s: string): string {
  return cachedFold(s).key;
}
