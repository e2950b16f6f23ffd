/**
 * Java `.properties` text, read as `java.util.Properties#load` reads it: physical lines joined into
 * logical lines at an odd number of trailing backslashes (the continuation's leading whitespace
 * dropped), space, tab and form feed as whitespace, the key ended by an unescaped `=`, `:` or
 * whitespace and decoded with Java's escapes (`\uXXXX`, `\t \n \r \f`, `\<c>` → `<c>`). A key that
 * decodes to a sensitive name, or cannot be decoded (`\u` without four hex digits: load throws),
 * has its whole value censored, on every physical line it spans.
 */
import { censorWholeLine, isSensitivePath, type Line } from './config-lines.js';
import type { Redactor } from './redactor.js';

/** Stands for a key whose escapes Java rejects: judged sensitive (fails closed). */
const UNDECODABLE = '\u0000undecodable';

/** Java's whitespace in .properties: space, tab, form feed. */
function isWs(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\f';
}

function skipWs(s: string, i: number): number {
  while (isWs(s[i])) i++;
  return i;
}

function endsWithOddBackslashes(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/**
 * A `.properties` key as java.util.Properties#load reads it: `\uXXXX` is the code unit, `\t \n \r \f`
 * the control characters, a backslash before any other character that character (`p\assword` is
 * `password`). A `\u` without four hex digits holds UNDECODABLE.
 */
export function propertiesKey(raw: string): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = raw[++i] ?? '';
    if (e === 'u') {
      const hex = raw.slice(i + 1, i + 5);
      if (!/^[0-9A-Fa-f]{4}$/.test(hex)) return out + UNDECODABLE;
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 4;
    } else out += e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
  }
  return out;
}

/** One physical line's part of a logical line: where it starts in the body and in the logical text. */
interface Segment {
  line: Line;
  /** Offset in the body where this segment's text starts. */
  from: number;
  /** Offset of that text in the logical line. */
  at: number;
  /** Length of the text (the continuation backslash excluded). */
  length: number;
}

/** The key and where its value starts in a logical line (Properties#load's rules). */
function keyAndValue(text: string): { key: string; valueStart: number } {
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '=' || c === ':' || isWs(c)) break;
    i++;
  }
  const key = propertiesKey(text.slice(0, Math.min(i, text.length)));
  let v = skipWs(text, i);
  if (text[v] === '=' || text[v] === ':') v = skipWs(text, v + 1);
  return { key, valueStart: Math.min(v, text.length) };
}

/** .properties: see the module comment. */
export function redactPropertiesLines(lines: Line[], r: Redactor): void {
  for (let n = 0; n < lines.length; n++) {
    const first = lines[n] as Line;
    const start = skipWs(first.body, 0);
    // Blank and comment lines are not continued (load skips them whole).
    if (start === first.body.length || first.body[start] === '#' || first.body[start] === '!') continue;
    const segments: Segment[] = [];
    let text = '';
    let line: Line = first;
    let from = start;
    for (;;) {
      const continued = endsWithOddBackslashes(line.body);
      const length = line.body.length - from - (continued ? 1 : 0);
      segments.push({ line, from, at: text.length, length: Math.max(0, length) });
      text += line.body.slice(from, from + Math.max(0, length));
      if (!continued || n + 1 >= lines.length) break;
      n++;
      line = lines[n] as Line;
      from = skipWs(line.body, 0);
    }
    const { key, valueStart } = keyAndValue(text);
    if (valueStart >= text.length) continue;
    if (!key.includes(UNDECODABLE) && !isSensitivePath(key, r)) continue;
    let censored = false;
    for (const s of segments) {
      if (censored) s.line.body = censorWholeLine(s.line.body, r.censor);
      else if (s.at + s.length > valueStart || (s.length === 0 && s.at === valueStart)) {
        // The value's first piece (its continuation backslash with it) becomes the censor; each of
        // its other lines is censored whole, as a continued value is in the other formats.
        s.line.body = s.line.body.slice(0, s.from + Math.max(0, valueStart - s.at)) + r.censor;
        censored = true;
      }
    }
  }
}
