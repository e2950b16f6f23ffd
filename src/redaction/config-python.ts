/**
 * Python settings files: two spellings of a secret the line passes cannot see, because the
 * value is not where a `key: value` / `key = value` pair puts it.
 *
 * - An annotated name with a default (a function parameter `password: str = "…"`, a dataclass
 *   field `api_key: Optional[str] = "…"`): the pair rule reads `password: str` and takes the
 *   annotation for the value; the default after the `=` is the secret (PEP 3107, PEP 526).
 * - A sensitive key whose value is on the next line (`DB = {"password":` then `"…"}`,
 *   `dict(password=` then `"…")`, `PASSWORD = \` then `"…"`): the value is the next line's first
 *   literal (Python joins lines inside brackets and after a backslash, Python Language Reference
 *   §2.1.5-2.1.6).
 *
 * A string literal's quotes stay; its body becomes the censor. A literal that does not close on
 * its line is censored to the line's end (fail closed).
 */
import { endOfQuoted, type Line } from './config-lines.js';
import type { Redactor } from './redactor.js';

/** A name followed by `:` (an annotation follows), not part of a dotted or longer name. */
const ANNOTATED = /(?<![\w.])([A-Za-z_]\w{0,127})\s*:(?!=)/g;
/** A line that ends after a sensitive key's separator: its value is on the next line. */
const KEY_AT_END = /(?:(["'])([^"'\\\n]{1,128})\1|(?<![\w.])([A-Za-z_]\w{0,127}))\s*[:=]\s*(?:[\\(]\s*)?(?:#.*)?$/;
/** String-literal prefixes (r, b, u, f and pairs) before a quote. */
const PREFIX = /^[rRbBuUfF]{0,2}(?=["'])/;
/** A bare default that is not a literal worth hiding. */
const PLAIN = new Set(['None', 'True', 'False']);

/** Censors the defaults of annotated sensitive names and values carried to the next line. */
export function redactPythonLines(lines: Line[], r: Redactor): void {
  let carried = false;
  for (const line of lines) {
    const body = line.body;
    const start = body.search(/\S/);
    if (start === -1 || body[start] === '#') continue;
    let out = carried ? censorLiteralAt(body, start, r.censor) : body;
    carried = false;
    const annotated = censorAnnotatedDefaults(out, r);
    out = annotated.body;
    const m = KEY_AT_END.exec(out);
    carried = annotated.carry || (m !== null && r.isSensitiveKey((m[2] ?? m[3]) as string));
    line.body = out;
  }
}

/**
 * `name: annotation = default` with a sensitive name: the default censored; `carry` when it starts
 * on the next line (nothing, a backslash or an open parenthesis after the `=`).
 */
function censorAnnotatedDefaults(body: string, r: Redactor): { body: string; carry: boolean } {
  if (body.indexOf(':') === -1 || body.indexOf('=') === -1) return { body, carry: false };
  // Each default's `=` is found on the line as read (a scan that meets a later annotation's scan
  // reuses it: one pass a line, at46 F7), then the defaults are censored right to left: a censored
  // default changes the length of what follows it, not of what precedes.
  const starts = [...body.matchAll(ANNOTATED)].filter((m) => r.isSensitiveKey(m[1] as string));
  const memo = new Map<number, Scan>();
  const values = new Set<number>();
  for (let k = starts.length - 1; k >= 0; k--) {
    const m = starts[k] as RegExpExecArray;
    const from = (m.index as number) + m[0].length;
    const scan = defaultAt(body, from, memo);
    memo.set(from, scan);
    if (scan.eq !== -1) values.add(scan.eq + 1);
  }
  let out = body;
  let carry = false;
  for (const after of [...values].sort((x, y) => y - x)) {
    let v = after;
    while (out[v] === ' ' || out[v] === '\t') v++;
    if (/^[\\(]?\s*(?:#.*)?$/.test(out.slice(v))) carry = true;
    else out = censorLiteralAt(out, v, r.censor);
  }
  return { body: out, carry };
}

/**
 * Where one annotation's scan stopped: `eq` is its default's `=` (or -1); `end` is the index it
 * stopped at (-1: it ran to the line's end or into an unclosed literal).
 */
interface Scan {
  eq: number;
  end: number;
}

/**
 * Where the `=` that ends an annotation starting at `from` is, or -1: the annotation's brackets
 * are balanced and it holds no top-level `,`, `)` or comment before the `=`. A scan that reaches a
 * later annotation's start (in `memo`) takes that scan's answer when its depth is 0, else jumps to
 * where that scan stopped: from there on both read the same characters.
 */
function defaultAt(body: string, from: number, memo: Map<number, Scan>): Scan {
  let depth = 0;
  for (let i = from; i < body.length; i++) {
    const seen = i > from ? memo.get(i) : undefined;
    if (seen !== undefined) {
      if (depth === 0) return seen;
      if (seen.end === -1) return { eq: -1, end: -1 };
      i = seen.end;
    }
    const c = body[i] as string;
    if (c === '[' || c === '(' || c === '{') depth++;
    else if (c === ']' || c === ')' || c === '}') {
      if (depth === 0) return { eq: -1, end: i };
      depth--;
    } else if (c === '"' || c === "'") {
      const end = endOfQuoted(body, i, true);
      if (end === -1) return { eq: -1, end: -1 };
      i = end - 1;
    } else if (depth === 0 && (c === ',' || c === '#')) return { eq: -1, end: i };
    else if (depth === 0 && c === '=') return { eq: body[i + 1] === '=' ? -1 : i, end: i };
  }
  return { eq: -1, end: -1 };
}

/** The value at `at` censored: a string literal's body (quotes kept), else a bare token. */
function censorLiteralAt(body: string, at: number, censor: string): string {
  const q = at + (PREFIX.exec(body.slice(at, at + 3))?.[0].length ?? 0);
  const c = body[q];
  if (c === '"' || c === "'") {
    const triple = body.startsWith(c.repeat(3), q);
    const open = triple ? 3 : 1;
    const close = triple ? body.indexOf(c.repeat(3), q + 3) : endOfQuoted(body, q, true) - 1;
    if (close < q + open) return body.slice(0, q + open) + censor;
    return body.slice(0, q + open) + censor + body.slice(close);
  }
  const token = /^[\w.+-]+/.exec(body.slice(at))?.[0];
  if (token === undefined || PLAIN.has(token)) return body;
  return body.slice(0, at) + censor + body.slice(at + token.length);
}
