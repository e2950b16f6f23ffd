/**
 * The one fold under which the checks compare a name a person chose (a symbol, a strategy, a venue,
 * a decision): a log is written by many systems, so "USD/RUB", "usdrub", full-width "ＵＳＤＲＵＢ"
 * and "USDRUB" with an invisible character are one symbol (docs/compliance.md, "Matching names").
 * A file of its own so that the policy reader (policy.ts) and the matchers (names.ts) share it.
 */

// Format characters (zero-width, bidi controls, soft hyphen: Unicode category Cf) and separators.
const IGNORED = /[\p{Cf}\p{Z}\s/\\\-_.:|]+/gu;

/** A name as compared: Unicode NFKC, lower case, without format characters and separators. */
export function nameKey(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(IGNORED, '');
}

// Names repeat (a day holds a few hundred symbols, strategies and venues): folded once, looked up
// after. Emptied when full, so a log of many one-off names cannot grow it.
const MAX_CACHED = 4096;
const cache = new Map<string, string>();

/** `nameKey`, remembered for names seen before (the per-order lookups). */
export function cachedNameKey(s: string): string {
  let k = cache.get(s);
  if (k === undefined) {
    if (cache.size >= MAX_CACHED) cache.clear();
    k = nameKey(s);
    cache.set(s, k);
  }
  return k;
}
