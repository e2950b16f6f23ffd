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
const INVISIBLE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `s` with each bidi control, zero-width, control character or lone surrogate replaced by `\u{XXXX}`. */
export function showInvisible(s: string): string {
  return s.replace(
    INVISIBLE,
    (c) => `\\u{${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}}`,
  );
}
