/**
 * The line-oriented config formats' shared reading: lines with their terminators, quoted and
 * bracketed values, and censoring a value while keeping its quotes and the line's layout.
 */
import type { Redactor } from './redactor.js';

/** Text formats the redactor knows. `generic` is the fallback: `key = value` / `key: value` lines. */
export type ConfigTextFormat =
  | 'yaml'
  | 'json'
  | 'toml'
  | 'ini'
  | 'conf'
  | 'env'
  | 'properties'
  | 'python'
  | 'xml'
  | 'generic';

/** One line of a config text. */
export interface Line {
  /** Content without the line terminator. */
  body: string;
  /** "\n", "\r\n" or "" (last line without newline). */
  eol: string;
}

/** The text as lines with their terminators, so joining them gives the text back byte for byte. */
export function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) {
      if (start < text.length) lines.push({ body: text.slice(start), eol: '' });
      break;
    }
    const cr = nl > start && text.charCodeAt(nl - 1) === 13;
    lines.push({ body: text.slice(start, cr ? nl - 1 : nl), eol: cr ? '\r\n' : '\n' });
    start = nl + 1;
  }
  return lines;
}

/** The inverse of splitLines. */
export function joinLines(lines: readonly Line[]): string {
  let s = '';
  for (const l of lines) s += l.body + l.eol;
  return s;
}

/** Columns of leading spaces and tabs. */
export function indentOf(s: string): number {
  let i = 0;
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  return i;
}

/** The line with everything after its indentation replaced by the censor (blank lines stay blank). */
export function censorWholeLine(body: string, censor: string): string {
  const ind = indentOf(body);
  return ind === body.length ? body : body.slice(0, ind) + censor;
}

/** True if any segment of a dotted key path is sensitive (`db.password`, `secrets.api`). */
export function isSensitivePath(key: string, r: Redactor): boolean {
  if (r.isSensitiveKey(key)) return true;
  if (!key.includes('.')) return false;
  for (const part of key.split('.')) {
    const p = unquote(part.trim());
    if (p !== '' && r.isSensitiveKey(p)) return true;
  }
  return false;
}

/** Child names that say little alone and everything under their parent (`binance: { key: … }`). */
const GENERIC_CHILDREN: ReadonlySet<string> = new Set(['key', 'keys']);

/**
 * True if `key` names a secret under its parent: `key` under `binance` is `binance_key`, judged by
 * the key rules (an issuer of API keys), while `key` under `sort` stays (`sort_key`). Only generic
 * child names take their parent's context; any other name is judged alone (a parent
 * `password_policy` must not make its `min_length` a secret).
 */
export function isSensitiveUnder(parent: string | undefined, key: string, r: Redactor): boolean {
  if (parent === undefined || parent === '' || !GENERIC_CHILDREN.has(unquote(key.trim()).toLowerCase())) return false;
  return r.isSensitiveKey(`${unquote(parent.trim())}_${unquote(key.trim())}`);
}

/** True if a generic name in a key path names a secret under the name before it (`[binance]` + `key`). */
export function isSensitiveChainUnder(parts: readonly string[], r: Redactor): boolean {
  for (let i = 1; i < parts.length; i++) if (isSensitiveUnder(parts[i - 1], parts[i] as string, r)) return true;
  return false;
}

function unquote(s: string): string {
  if (s.length >= 2 && ((s[0] === '"' && s.endsWith('"')) || (s[0] === "'" && s.endsWith("'")))) return s.slice(1, -1);
  return s;
}

/**
 * Finds the end of a quoted string starting at `start` (which holds the quote). Returns the index
 * just after the closing quote, or -1 if it does not close on this text.
 * `doubledQuoteEscapes`: YAML single quotes escape a quote by doubling it.
 */
export function endOfQuoted(s: string, start: number, backslashEscapes: boolean, doubledQuoteEscapes = false): number {
  const q = s[start];
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i];
    if (backslashEscapes && c === '\\') {
      i++;
      continue;
    }
    if (c === q) {
      if (doubledQuoteEscapes && s[i + 1] === q) {
        i++;
        continue;
      }
      return i + 1;
    }
  }
  return -1;
}

/**
 * Replaces a value that starts at `start` of `body` and runs to the end of the line, keeping a
 * trailing comment. Returns the new body and whether the value continues on the next lines
 * (an unclosed quote or bracket).
 */
export function censorValue(
  body: string,
  start: number,
  censor: string,
  opts: { commentChars: string; backslashEscapes: boolean; doubledQuotes?: boolean; keepTrailingSemicolon?: boolean },
): { body: string; open: boolean } {
  let i = start;
  while (i < body.length && (body[i] === ' ' || body[i] === '\t')) i++;
  if (i >= body.length) return { body, open: false };
  const c = body[i] as string;
  if (c === '"' || c === "'") {
    const end = endOfQuoted(
      body,
      i,
      opts.backslashEscapes && (c === '"' || opts.doubledQuotes !== true),
      opts.doubledQuotes === true && c === "'",
    );
    if (end === -1) return { body: `${body.slice(0, i)}${c}${censor}${c}`, open: true };
    return { body: `${body.slice(0, i)}${c}${censor}${c}${body.slice(end)}`, open: false };
  }
  if (c === '[' || c === '{') {
    const end = endOfBracketed(body, i);
    if (end === -1) return { body: `${body.slice(0, i)}${censor}`, open: true };
    return { body: `${body.slice(0, i)}${censor}${body.slice(end)}`, open: false };
  }
  // Unquoted: up to a comment that follows whitespace, or the end of the line (less a
  // statement-ending ";" when asked, as in nginx-style .conf files).
  let end = body.length;
  if (opts.keepTrailingSemicolon && body.endsWith(';')) end--;
  for (let j = i + 1; j < body.length; j++) {
    if (opts.commentChars.includes(body[j] as string) && (body[j - 1] === ' ' || body[j - 1] === '\t')) {
      end = j;
      while (end > i && (body[end - 1] === ' ' || body[end - 1] === '\t')) end--;
      break;
    }
  }
  return { body: `${body.slice(0, i)}${censor}${body.slice(end)}`, open: false };
}

/** Index after the bracket that closes the one at `start`, skipping quoted strings; -1 if unclosed. */
function endOfBracketed(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === "'") {
      const end = endOfQuoted(s, i, c === '"');
      if (end === -1) return -1;
      i = end - 1;
    } else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Net bracket depth change of a line (quotes skipped), for multi-line arrays and tables. */
export function bracketDelta(s: string): number {
  let d = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === "'") {
      const end = endOfQuoted(s, i, c === '"');
      if (end === -1) return d;
      i = end - 1;
    } else if (c === '#') return d;
    else if (c === '[' || c === '{' || c === '(') d++;
    else if (c === ']' || c === '}' || c === ')') d--;
  }
  return d;
}
