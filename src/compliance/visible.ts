/**
 * Invisible characters made visible for the human-read outputs (report.html, compliance_findings.csv).
 * Bidi controls (U+202E RIGHT-TO-LEFT OVERRIDE and the rest) reorder the text after them on screen,
 * so an order id holding one makes the rest of its cell read reversed; zero-width characters make
 * "ORD-1<U+200B>" look like "ORD-1"; other control characters are invisible or break lines. Each is
 * shown as its code, `\u{202E}`, so the reader sees that the value holds it. The JSON report keeps
 * the exact value (JSON escapes it, and machines compare it).
 */
// The last two alternatives are a lone surrogate (a JS string cut inside a UTF-16 pair): UTF-8 has
// no encoding for it, so written raw it would become U+FFFD and the value would be lost.
// Since rules 19 also every Default_Ignorable_Code_Point (UAX #44: U+00AD SOFT HYPHEN, U+034F
// COMBINING GRAPHEME JOINER, the Hangul fillers, Khmer U+17B4/U+17B5, the Mongolian selectors, the
// variation selectors U+FE00-FE0F and U+E0100-E01EF, U+FFA0, the tags U+E0000-E007F…) and U+2800
// BRAILLE PATTERN BLANK: the name fold removes them (name-key.ts), so the reader must see them, or
// an order on "USD<U+034F>RUB" reads as one on USDRUB with no restricted_symbol finding. The
// combining ones (U+034F, U+17B4, U+17B5, the Mongolian and variation selectors) are classes of
// their own: beside another character they would read as attached to it (Biome's
// noMisleadingCharacterClass).
const INVISIBLE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u2800\u3164\ufeff\uffa0\ufff0-\ufffb]|\u034f|[\u17b4\u17b5]|[\u180b-\u180d]|\u180f|[\ufe00-\ufe0f]|\ud82f[\udca0-\udca3]|\ud834[\udd73-\udd7a]|[\udb40-\udb43][\udc00-\udfff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `s` with each bidi control, zero-width, control character or lone surrogate replaced by `\u{XXXX}`. */
export function showInvisible(s: string): string {
  return s.replace(
    INVISIBLE,
    (c) => `\\u{${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}}`,
  );
}
