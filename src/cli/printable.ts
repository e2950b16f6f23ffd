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

/**
 * One field of hostile text on one line, its length bounded: `printable` of its first `max`
 * characters, then `… [N more characters]` when there were more. A reason planted in the snapshot
 * store can be megabytes long; a terminal gets a screenful at most, `--json` the whole text.
 */
export function printableField(s: string, max: number): string {
  if (s.length <= max) return printable(s);
  // Never cut a surrogate pair in two: its first half alone would be escaped as a lone surrogate.
  const code = s.charCodeAt(max - 1);
  const cut = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${printable(s.slice(0, cut))}… [${s.length - cut} more characters]`;
}

/**
 * Characters JSON.stringify leaves raw that a terminal may act on: DEL and C1 controls (`\x9b` is
 * a CSI on some terminals), line and paragraph separators, bidirectional controls. They can only
 * stand inside a JSON string, so writing them as `\uXXXX` keeps the document's data the same.
 */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON text (from JSON.stringify) with the characters above escaped: same data, inert on a terminal. */
export function printableJson(json: string): string {
  return json.replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
