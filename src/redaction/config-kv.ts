/**
 * `key = value` config text: TOML (with dotted keys and tables), INI and `.conf` sections, `.env`,
 * `.properties`, Python assignments and the generic fallback.
 */
import type { Redactor } from './redactor.js';
import { redactEscapedQuotedKeys, redactPairs } from './pairs.js';
import { parseYamlDocument } from './yaml-untrusted.js';
import { propertiesKey } from './config-properties.js';
import {
  bracketDelta,
  censorValue,
  censorWholeLine,
  endOfQuoted,
  indentOf,
  isSensitiveChainUnder,
  isSensitiveUnder,
  isSensitivePath,
  type ConfigTextFormat,
  type Line,
} from './config-lines.js';

/**
 * The name in a section header line (`[name]`, `[[name]]`, then only a comment), or undefined.
 * Hand-written rather than a regular expression with lazy groups, whose backtracking over a long
 * line of spaces would be quadratic.
 */
function sectionName(body: string, open: number, commentChars: string): string | undefined {
  let i = open + 1;
  if (body[i] === '[') i++;
  const close = body.indexOf(']', i);
  if (close === -1) return undefined;
  let j = close + 1;
  if (body[j] === ']') j++;
  while (body[j] === ' ' || body[j] === '\t') j++;
  if (j < body.length && !commentChars.includes(body[j] as string)) return undefined;
  const name = body.slice(i, close).trim();
  return name === '' ? undefined : name;
}

/** Stands for a quoted key part whose escapes are not TOML's: judged sensitive (fails closed). */
const UNDECODABLE_PART = '\u0000undecodable';

const TOML_ESCAPES: Readonly<Record<string, string>> = {
  b: '\b',
  t: '\t',
  n: '\n',
  f: '\f',
  r: '\r',
  e: '\u001b',
  '"': '"',
  '\\': '\\',
};

/**
 * The text of a TOML basic string (between its quotes) with its escapes decoded: `\b \t \n \f \r
 * \" \\`, `\uXXXX`, `\UXXXXXXXX` (TOML 1.0) and `\e`, `\xHH` (TOML 1.1). Undefined for an escape
 * no TOML parser accepts.
 */
function tomlBasicString(inner: string): string | undefined {
  if (!inner.includes('\\')) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = inner[i + 1] ?? '';
    const simple = TOML_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const hex = inner.slice(i + 2, i + 2 + width);
    if (width === 0 || !/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== width) return undefined;
    const cp = Number.parseInt(hex, 16);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    out += String.fromCodePoint(cp);
    i += 1 + width;
  }
  return out;
}

/** Splits `a."b.c".d` into segments, respecting quotes; quoted segments decoded. */
function splitDotted(key: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < key.length; i++) {
    const c = key[i] as string;
    if (c === '"' || c === "'") {
      const end = endOfQuoted(key, i, c === '"');
      if (end === -1) {
        cur += key.slice(i);
        break;
      }
      const inner = key.slice(i + 1, end - 1);
      // A basic string is read with its escapes (`"pass\u0077ord"` is `password`); a literal one as written.
      cur += c === '"' ? (tomlBasicString(inner) ?? UNDECODABLE_PART) : inner;
      i = end - 1;
    } else if (c === '.') {
      parts.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  parts.push(cur.trim());
  return parts;
}

function anySensitive(parts: readonly string[], r: Redactor): boolean {
  return parts.some((p) => p !== '' && (p.includes(UNDECODABLE_PART) || r.isSensitiveKey(p)));
}

/** TOML: values under a sensitive key, dotted key part or table name, including multi-line strings and arrays. */
export function redactTomlLines(lines: Line[], r: Redactor): void {
  const censor = r.censor;
  let sectionSensitive = false;
  let sectionParts: string[] = [];
  // A multi-line value in progress: its closing delimiter, or bracket depth for arrays.
  let multi: { close: '"""' | "'''" | 'bracket'; depth: number; censor: boolean } | undefined;

  for (const line of lines) {
    const body = line.body;
    if (multi) {
      if (multi.close === 'bracket') {
        multi.depth += bracketDelta(body);
        if (multi.censor) line.body = censorWholeLine(body, censor);
        if (multi.depth <= 0) multi = undefined;
      } else {
        const at = body.indexOf(multi.close);
        if (multi.censor)
          line.body =
            at === -1 ? censorWholeLine(body, censor) : censorWholeLine(body.slice(0, at), censor) + body.slice(at);
        if (at !== -1) multi = undefined;
      }
      continue;
    }
    const ind = indentOf(body);
    if (ind === body.length || body[ind] === '#') continue;
    const header = body[ind] === '[' ? sectionName(body, ind, '#') : undefined;
    if (header !== undefined) {
      sectionParts = splitDotted(header);
      sectionSensitive = anySensitive(sectionParts, r) || isSensitiveChainUnder(sectionParts, r);
      continue;
    }
    const eq = findTomlEquals(body, ind);
    if (eq === -1) continue;
    const keyParts = splitDotted(body.slice(ind, eq));
    const sensitive =
      sectionSensitive || anySensitive(keyParts, r) || isSensitiveChainUnder([...sectionParts, ...keyParts], r);
    let v = eq + 1;
    while (body[v] === ' ' || body[v] === '\t') v++;
    const rest = body.slice(v);
    const triple = rest.startsWith('"""') ? '"""' : rest.startsWith("'''") ? "'''" : undefined;
    if (triple) {
      const closeAt = rest.indexOf(triple, 3);
      if (closeAt === -1) {
        multi = { close: triple, depth: 0, censor: sensitive };
        if (sensitive) line.body = body.slice(0, v) + triple + censor;
      } else if (sensitive) {
        line.body = body.slice(0, v) + triple + censor + rest.slice(closeAt);
      }
      continue;
    }
    if (rest.startsWith('[') || rest.startsWith('{')) {
      const depth = bracketDelta(rest);
      if (depth > 0) multi = { close: 'bracket', depth, censor: sensitive };
    }
    if (sensitive) line.body = censorValue(body, v, censor, { commentChars: '#', backslashEscapes: true }).body;
  }
}

/** Index of the `=` that ends a TOML key (quotes respected), or -1. */
function findTomlEquals(body: string, from: number): number {
  for (let i = from; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '"' || c === "'") {
      const end = endOfQuoted(body, i, c === '"');
      if (end === -1) return -1;
      i = end - 1;
    } else if (c === '=') return i;
    else if (c === '#') return -1;
  }
  return -1;
}

// --- INI, conf, .env, properties, Python, generic -------------------------------------------

interface KvSyntax {
  comments: string;
  sections: boolean;
  /** Separator characters between key and value; ' ' means whitespace also separates. */
  separators: string;
  /** `.env`: an optional `export ` before the key. */
  exportPrefix: boolean;
  /** How a value continues onto the next line. */
  continuation: 'indent' | 'backslash' | 'quotes' | 'none';
}

const KV_SYNTAX: Record<Exclude<ConfigTextFormat, 'yaml' | 'json' | 'toml' | 'xml'>, KvSyntax> = {
  ini: { comments: ';#', sections: true, separators: '=:', exportPrefix: false, continuation: 'indent' },
  conf: { comments: '#;', sections: true, separators: '=: ', exportPrefix: false, continuation: 'quotes' },
  env: { comments: '#', sections: false, separators: '=', exportPrefix: true, continuation: 'quotes' },
  properties: { comments: '#!', sections: false, separators: '=: ', exportPrefix: false, continuation: 'backslash' },
  python: { comments: '#', sections: false, separators: '=:', exportPrefix: false, continuation: 'quotes' },
  generic: { comments: '#;', sections: true, separators: '=:', exportPrefix: true, continuation: 'quotes' },
};

/** INI, conf, .env, properties, Python and generic lines: values under a sensitive key, in its section. */
export function redactKeyValueLines(lines: Line[], format: ConfigTextFormat, r: Redactor): void {
  const syntax = KV_SYNTAX[format as keyof typeof KV_SYNTAX] ?? KV_SYNTAX.generic;
  const censor = r.censor;
  let sectionSensitive = false;
  let section: string | undefined;
  // Continuation of the previous line's value.
  let cont:
    | { kind: 'indent'; indent: number }
    | { kind: 'backslash' }
    | { kind: 'close'; close: string; depth: number }
    | undefined;
  let contCensor = false;

  for (let n = 0; n < lines.length; n++) {
    const line = lines[n] as Line;
    const body = line.body;
    const ind = indentOf(body);
    if (cont) {
      if (cont.kind === 'indent') {
        if (ind > cont.indent && ind < body.length) {
          if (contCensor) line.body = censorWholeLine(body, censor);
          continue;
        }
        if (ind === body.length) continue;
        cont = undefined;
      } else if (cont.kind === 'backslash') {
        if (contCensor) line.body = censorWholeLine(body, censor);
        if (!endsWithOddBackslashes(body)) cont = undefined;
        continue;
      } else {
        let closed: boolean;
        if (cont.close === 'bracket') {
          cont.depth += bracketDelta(body);
          closed = cont.depth <= 0;
          if (contCensor) line.body = censorWholeLine(body, censor);
        } else {
          const at = body.indexOf(cont.close);
          closed = at !== -1;
          if (contCensor)
            line.body = closed
              ? censorWholeLine(body.slice(0, at), censor) + body.slice(at)
              : censorWholeLine(body, censor);
        }
        if (closed) cont = undefined;
        continue;
      }
    }
    if (ind === body.length || syntax.comments.includes(body[ind] as string)) continue;
    if (syntax.sections && body[ind] === '[') {
      const name = sectionName(body, ind, ';#');
      if (name !== undefined) {
        section = name.replace(/["']/g, '');
        sectionSensitive = isSensitivePath(section, r) || anySensitive(name.split(/\s+/), r);
        continue;
      }
    }
    let k = ind;
    if (syntax.exportPrefix && body.startsWith('export', k) && (body[k + 6] === ' ' || body[k + 6] === '\t')) {
      k += 6;
      while (body[k] === ' ' || body[k] === '\t') k++;
    }
    const parsed = parseKvKey(body, k, syntax) ?? (format === 'ini' ? iniOptionKey(body, k) : undefined);
    if (!parsed) continue;
    const { key, valueStart } = parsed;
    const sensitive = sectionSensitive || isSensitiveKvKey(key, section, r);
    const valueText = body.slice(valueStart).trim();
    if (sensitive && (format === 'env' || format === 'generic') && valueText !== '') {
      const last = censorShellValue(lines, n, valueStart, censor);
      if (last !== undefined) {
        n = last;
        cont = undefined;
        continue;
      }
    }
    const opener = valueText.slice(0, 3);
    // Does the value go on past this line?
    if (syntax.continuation === 'backslash') {
      if (endsWithOddBackslashes(body)) cont = { kind: 'backslash' };
    } else if (syntax.continuation === 'indent') {
      cont = { kind: 'indent', indent: ind };
    } else if (opener === '"""' || opener === "'''") {
      if (valueText.indexOf(opener, 3) === -1) cont = { kind: 'close', close: opener, depth: 0 };
    } else if (valueText.startsWith('"') || valueText.startsWith("'")) {
      const at = body.indexOf(valueText[0] as string, valueStart);
      if (endOfQuoted(body, at, valueText[0] === '"') === -1)
        cont = { kind: 'close', close: valueText[0] as string, depth: 0 };
    } else if (sensitive && (valueText.startsWith('[') || valueText.startsWith('{') || valueText.startsWith('('))) {
      // Only a sensitive value is followed to its closing bracket; an ordinary multi-line
      // value's lines are parsed as lines (nginx-style blocks hold keys of their own).
      const depth = bracketDelta(valueText);
      if (depth > 0) cont = { kind: 'close', close: 'bracket', depth };
    }
    contCensor = sensitive;
    if (!sensitive || valueText === '') continue;
    line.body = censorLineValue(body, valueStart, cont?.kind === 'close' ? cont.close : undefined, format, censor);
  }
}

/** A sensitive value's part on its key's line: up to an open quote that continues it, else censorValue's. */
function censorLineValue(
  body: string,
  valueStart: number,
  close: string | undefined,
  format: ConfigTextFormat,
  censor: string,
): string {
  if (close !== undefined && close !== 'bracket') {
    const at = body.indexOf(close, valueStart);
    return body.slice(0, at + close.length) + censor;
  }
  if (format === 'ini') {
    // configparser keeps quotes as part of the value: `'pw' # c` is all secret when text follows them.
    let i = valueStart;
    while (body[i] === ' ' || body[i] === '\t') i++;
    const q = body[i];
    const end = q === '"' || q === "'" ? endOfQuoted(body, i, q === '"') : -1;
    if (end !== -1 && body.slice(end).trim() !== '') return body.slice(0, i) + censor;
  }
  // .properties has no inline comments, and configparser by default none either
  // (inline_comment_prefixes=None reads `password = ab ;cd` as `ab ;cd`): the value runs to the line's end.
  const commentChars = format === 'properties' || format === 'ini' ? '' : '#';
  return censorValue(body, valueStart, censor, {
    commentChars,
    backslashEscapes: true,
    keepTrailingSemicolon: format === 'conf',
  }).body;
}

/**
 * A sensitive value read as `set -a; . .env` and dotenv read it: when it is continued by
 * backslash-newline or by a quote opened anywhere in it, or has text glued after (or beside) its
 * quotes, it is censored from the separator to its logical line's end, on every physical line, and
 * the index of its last line is returned; undefined for a plain value (left to censorValue).
 */
function censorShellValue(lines: Line[], n: number, valueStart: number, censor: string): number | undefined {
  const extent = shellValueExtent(lines, n, valueStart);
  if (extent.plain) return undefined;
  const line = lines[n] as Line;
  line.body = line.body.slice(0, valueStart) + censor;
  for (let m = n + 1; m <= extent.last; m++) {
    const l = lines[m] as Line;
    l.body = censorWholeLine(l.body, censor);
  }
  return extent.last;
}

/**
 * Where a shell-style value starting at `from` of line `n` ends, as POSIX `sh` (and dotenv) read
 * it: quotes (`"`, `'`, and dotenv's backquote) may open anywhere and run over lines, an unquoted
 * backslash before the line end continues the value on the next line, an unquoted `#` after
 * whitespace starts a comment. `plain` is true only for a one-line value that is either unquoted or
 * one quoted string followed by nothing but whitespace and a comment: the ordinary censor keeps its
 * quotes and comment. An unclosed quote runs to the end of the text (fails closed).
 */
function shellValueExtent(lines: readonly Line[], n: number, from: number): { last: number; plain: boolean } {
  let plain = true;
  let q = '';
  let quotedStart = false;
  let closedAt = -1;
  const first = from + indentOf((lines[n] as Line).body.slice(from));
  let i = first;
  for (let ln = n; ln < lines.length; ln++) {
    const body = (lines[ln] as Line).body;
    let continued = false;
    let comment = false;
    for (; i < body.length && !comment; i++) {
      const c = body[i] as string;
      if (q === '') {
        if (closedAt !== -1 && c !== ' ' && c !== '\t' && c !== '#') plain = false;
        if (c === '\\') {
          if (i + 1 >= body.length) continued = true;
          i++;
        } else if (c === '"' || c === "'" || c === '`') {
          if (ln === n && i === first) quotedStart = true;
          else plain = false;
          q = c;
        } else if (c === '#' && i > 0 && (body[i - 1] === ' ' || body[i - 1] === '\t')) comment = true;
      } else if (c === q) {
        q = '';
        if (quotedStart) closedAt = i + 1;
        else plain = false;
      } else if (c === '\\' && q === '"') i++;
    }
    if (q === '' && !continued) return { last: ln, plain };
    // Only a value that is one quoted string over lines stays plain (censored to its close quote).
    if (continued) plain = false;
    i = 0;
  }
  return { last: lines.length - 1, plain: false };
}

/** A decoded `key = value` key (parseKvKey) is sensitive: by name, path, section, or undecodable. */
function isSensitiveKvKey(key: string, section: string | undefined, r: Redactor): boolean {
  return key.includes(UNDECODABLE_PART) || isSensitivePath(key, r) || isSensitiveUnder(section, key, r);
}

function endsWithOddBackslashes(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/**
 * An INI option as Python's configparser reads it (`OPTCRE`): the name is everything before the
 * first `=` or `:`, stripped of (Unicode) whitespace, so `db password = v`, `password (prod) = v`
 * and `password\u00a0= v` are options; invisible format characters (zero-width spaces) are
 * dropped before the name is judged.
 */
function iniOptionKey(body: string, from: number): { key: string; valueStart: number } | undefined {
  let at = from;
  while (at < body.length && body[at] !== '=' && body[at] !== ':') at++;
  if (at >= body.length) return undefined;
  const key = body
    .slice(from, at)
    .replace(/\p{Cf}/gu, '')
    .trim();
  return key === '' ? undefined : { key, valueStart: at + 1 };
}

/**
 * Parses a key at `from`: a bare word, a quoted string, or (Python) `NAME`, then a separator. The key
 * is returned as its reader decodes it: a double-quoted key with its escapes (`"pass\u0077ord"` is
 * `password`; one whose escapes no parser accepts holds UNDECODABLE_PART), a single-quoted one as
 * written, a `.properties` key with Java's escapes.
 */
function parseKvKey(body: string, from: number, syntax: KvSyntax): { key: string; valueStart: number } | undefined {
  let i = from;
  let key: string;
  const c = body[i];
  if (c === '"' || c === "'") {
    const end = endOfQuoted(body, i, c === '"');
    if (end === -1) return undefined;
    key = c === '"' ? (quotedKeyText(body.slice(i, end)) ?? UNDECODABLE_PART) : body.slice(i + 1, end - 1);
    i = end;
  } else {
    const start = i;
    while (i < body.length) {
      const ch = body[i] as string;
      if (ch === '\\' && syntax.continuation === 'backslash') {
        i += 2;
        continue;
      }
      if (syntax.separators.includes(ch) || ch === ' ' || ch === '\t') break;
      i++;
    }
    key = body.slice(start, i);
    if (!/^[A-Za-z_$@][\w.\-$@\\/[\]]*$/.test(key)) return undefined;
    if (syntax.continuation === 'backslash') key = propertiesKey(key);
  }
  let j = i;
  while (body[j] === ' ' || body[j] === '\t') j++;
  const sep = body[j];
  if (sep !== undefined && sep !== ' ' && syntax.separators.replace(' ', '').includes(sep)) {
    // The first separator ends the key: `password ==v` and `password:=v` are the key `password`
    // with the value `=v` as configparser, dotenv and java.util.Properties read them.
    return { key, valueStart: j + 1 };
  }
  if (syntax.separators.includes(' ') && j > i && j < body.length) return { key, valueStart: j };
  return undefined;
}

// --- Inline pairs: every format ---------------------------------------------------------------

/**
 * `key: value` and `key=value` pairs inside a line: flow mappings (`{user: a, password: b}`),
 * inline tables, dict literals, keyword arguments, query strings, header strings
 * (`"Authorization: Bearer …"`). The logger's pair scanner, so a key is judged and a value
 * delimited exactly as in a log message.
 */
export function redactInlinePairs(body: string, r: Redactor): string {
  if (body.length < 3 || (body.indexOf(':') === -1 && body.indexOf('=') === -1)) return body;
  return redactEscapedQuotedKeys(
    redactPairs(body, r.isSensitiveKey, r.censor),
    quotedKeyText,
    r.isSensitiveKey,
    r.censor,
  );
}

/**
 * A double-quoted key inside a line as a YAML, TOML or JSON parser reads it: the `yaml` package
 * decodes the YAML escapes (a superset of JSON's and of TOML's `\uXXXX`/`\UXXXXXXXX`/`\xHH`);
 * undefined when it cannot (the value is then censored).
 */
function quotedKeyText(quoted: string): string | undefined {
  const doc = parseYamlDocument(quoted);
  if (doc.errors.length > 0) return tomlBasicString(quoted.slice(1, -1));
  const v: unknown = doc.toJS();
  return typeof v === 'string' ? v : undefined;
}
