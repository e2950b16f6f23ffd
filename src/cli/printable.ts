/**
 * Text from a log, a pack or a report, made safe to print on a terminal. Log values are attacker
 * input (an order id from a client's FIX ClOrdID): an ESC sequence in one can recolour, erase or
 * rewrite the lines above it (`\e[1A\e[2K` erases a CRITICAL finding from view), a newline can
 * forge a line of its own, and a bidirectional override can reorder what is shown (Trojan Source,
 * CVE-2021-42574). Every place the CLI prints such text for people goes through `printable`; the
 * `--json` outputs are JSON, whose escaping already covers C0 controls.
 */

/**
 * C0 controls (tab and newline too: one finding is one line), DEL, C1 controls (`\x9b` is a CSI on
 * some terminals), line and paragraph separators, bidirectional embeddings, overrides and isolates,
 * and lone surrogates.
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

/** `s` with every unsafe character written as `\uXXXX`; the same string when there is none. */
export function printable(s: string): string {
  if (!UNSAFE.test(s)) return s;
  return s.replace(UNSAFE_ALL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text of several lines (a diff): each line through `printable`, newlines and tabs kept as they are. */
export function printableText(s: string): string {
  return s
    .split('\n')
    .map((l) => l.split('\t').map(printable).join('\t'))
    .join('\n');
}
