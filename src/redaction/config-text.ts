/**
 * Redaction of config file text: values under sensitive keys in YAML, JSON, TOML, INI,
 * `.env`, `.properties`, `.conf` and Python files, then secret-shaped strings anywhere.
 *
 * It uses the logger's compiled rules (`Redactor.isSensitiveKey`, `Redactor.redactString`): one
 * rule set, so a key the logger redacts is a key a snapshot redacts. What this module adds is only
 * the knowledge of where keys and values sit in each text format.
 *
 * The output keeps the file's layout (indentation, comments, line endings, line count), so stored
 * content and diffs stay readable; a value is replaced by the censor, quoted when it was quoted.
 * The parsers are deliberately line-oriented and tolerant: config files are hostile input, and a
 * file that does not parse is still redacted, never rejected. When in doubt they redact more
 * (a multi-line value under a sensitive key is censored line by line to its end), never less.
 */
import type { Redactor } from './index.js';
import { redactPairs } from './pairs.js';

/** Text formats the redactor knows. `generic` is the fallback: `key = value` / `key: value` lines. */
export type ConfigTextFormat = 'yaml' | 'json' | 'toml' | 'ini' | 'conf' | 'env' | 'properties' | 'python' | 'generic';

/** Result of redacting one file's text. */
export interface ConfigRedaction {
  /** The redacted text (the same string when nothing was redacted). */
  readonly text: string;
  /** True if anything was replaced. */
  readonly redacted: boolean;
}

const KUBERNETES_SECRET = /(?:^|[{,\s])["']?kind["']?[ \t]{0,8}:[ \t]{0,8}["']?Secret["']?(?=[ \t]{0,8}(?:[,}#\r]|$))/m;

/** Picks the format from a file name (extension, or `.env` / `.env.*`). */
export function configFormatOf(path: string): ConfigTextFormat {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1).toLowerCase();
  if (base === '.env' || base.startsWith('.env.') || base.endsWith('.env')) return 'env';
  const dot = base.lastIndexOf('.');
  const ext = dot === -1 ? '' : base.slice(dot + 1);
  switch (ext) {
    case 'yaml':
    case 'yml':
      return 'yaml';
    case 'json':
    case 'jsonc':
    case 'json5':
      return 'json';
    case 'toml':
      return 'toml';
    case 'ini':
    case 'cfg':
      return 'ini';
    case 'conf':
      return 'conf';
    case 'properties':
      return 'properties';
    case 'py':
      return 'python';
    default:
      return 'generic';
  }
}

/**
 * Redacts a config file's text: structural pass for its format, then an inline `key: value` /
 * `key=value` pass on every line (flow mappings, inline tables, dicts, query strings), then the
 * secret-shape patterns over the whole text (so multi-line PEM blocks are caught).
 * With redaction disabled the text is returned unchanged.
 */
export function redactConfigText(text: string, format: ConfigTextFormat, redactor: Redactor): ConfigRedaction {
  if (!redactor.enabled) return { text, redacted: false };
  // A Kubernetes Secret (gitleaks kubernetes-secret-yaml) keeps its secrets under `data` and
  // `stringData`, whose entries have ordinary names: in such a file those two keys are sensitive.
  if ((format === 'yaml' || format === 'json' || format === 'generic') && KUBERNETES_SECRET.test(text)) {
    const base = redactor;
    redactor = {
      ...base,
      isSensitiveKey: (key: string) => key === 'data' || key === 'stringData' || base.isSensitiveKey(key),
    };
  }
  let out: string;
  if (format === 'json') {
    out = redactJson(text, redactor) ?? redactLines(text, 'generic', redactor);
  } else {
    out = redactLines(text, format, redactor);
  }
  out = redactShapes(out, redactor);
  return { text: out, redacted: out !== text };
}

/**
 * The logger's secret-shape patterns, line by line (its `key: value` pattern allows whitespace
 * after the colon, and across a line end it would swallow the next line's key), except that a
 * PEM block, which spans lines, is given to the patterns whole, from its BEGIN line to its END
 * line (or the end of the text).
 */
function redactShapes(text: string, r: Redactor): string {
  const lines = splitLines(text);
  const hasPem = text.includes('-----BEGIN ');
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as Line;
    if (hasPem && line.body.includes('-----BEGIN ')) {
      let j = i;
      while (j < lines.length - 1 && !(lines[j] as Line).body.includes('-----END ')) j++;
      const segment = joinLines(lines.slice(i, j + 1));
      const redacted = r.redactString(segment);
      if (redacted !== segment) {
        changed = true;
        const parts = splitLines(redacted);
        lines.splice(i, j - i + 1, ...parts);
        i += parts.length - 1;
        continue;
      }
    }
    const b = r.redactString(line.body);
    if (b !== line.body) {
      line.body = b;
      changed = true;
    }
  }
  return changed ? joinLines(lines) : text;
}

// ---------------------------------------------------------------------------------------------
// Line-oriented formats

interface Line {
  /** Content without the line terminator. */
  body: string;
  /** "\n", "\r\n" or "" (last line without newline). */
  eol: string;
}

function splitLines(text: string): Line[] {
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

function joinLines(lines: readonly Line[]): string {
  let s = '';
  for (const l of lines) s += l.body + l.eol;
  return s;
}

function indentOf(s: string): number {
  let i = 0;
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  return i;
}

/** The line with everything after its indentation replaced by the censor (blank lines stay blank). */
function censorWholeLine(body: string, censor: string): string {
  const ind = indentOf(body);
  return ind === body.length ? body : body.slice(0, ind) + censor;
}

function redactLines(text: string, format: ConfigTextFormat, r: Redactor): string {
  const lines = splitLines(text);
  switch (format) {
    case 'yaml':
      redactYamlLines(lines, r);
      break;
    case 'toml':
      redactTomlLines(lines, r);
      break;
    default:
      redactKeyValueLines(lines, format, r);
  }
  for (const l of lines) l.body = redactInlinePairs(l.body, r);
  return joinLines(lines);
}

/** True if any segment of a dotted key path is sensitive (`db.password`, `secrets.api`). */
function isSensitivePath(key: string, r: Redactor): boolean {
  if (r.isSensitiveKey(key)) return true;
  if (!key.includes('.')) return false;
  for (const part of key.split('.')) {
    const p = unquote(part.trim());
    if (p !== '' && r.isSensitiveKey(p)) return true;
  }
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
function endOfQuoted(s: string, start: number, backslashEscapes: boolean, doubledQuoteEscapes = false): number {
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
function censorValue(
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
function bracketDelta(s: string): number {
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

// --- YAML ------------------------------------------------------------------------------------

interface YamlKeyLine {
  /** Column of the key (after indentation and `- ` markers). */
  keyIndent: number;
  key: string;
  /** Index where the value (after ": ") starts; body.length when there is none. */
  valueStart: number;
}

/** Parses `  - key: value`; undefined when the line is not a mapping entry. */
function parseYamlKey(body: string): YamlKeyLine | undefined {
  let i = indentOf(body);
  while (body[i] === '-' && (body[i + 1] === ' ' || body[i + 1] === '\t')) {
    i += 2;
    while (body[i] === ' ' || body[i] === '\t') i++;
  }
  if (i >= body.length) return undefined;
  const keyIndent = i;
  const c = body[i] as string;
  let keyEnd: number;
  let key: string;
  if (c === '"' || c === "'") {
    keyEnd = endOfQuoted(body, i, c === '"', c === "'");
    if (keyEnd === -1) return undefined;
    key = body.slice(i + 1, keyEnd - 1);
    let j = keyEnd;
    while (body[j] === ' ' || body[j] === '\t') j++;
    if (body[j] !== ':') return undefined;
    keyEnd = j;
  } else {
    if (
      c === '#' ||
      c === '{' ||
      c === '[' ||
      c === '|' ||
      c === '>' ||
      c === '&' ||
      c === '*' ||
      c === '!' ||
      c === '?'
    )
      return undefined;
    keyEnd = -1;
    for (let j = i; j < body.length; j++) {
      const ch = body[j];
      if (ch === '#' && j > i && (body[j - 1] === ' ' || body[j - 1] === '\t')) return undefined;
      if (ch === ':' && (j + 1 === body.length || body[j + 1] === ' ' || body[j + 1] === '\t')) {
        keyEnd = j;
        break;
      }
    }
    if (keyEnd === -1) return undefined;
    key = body.slice(i, keyEnd).trim();
  }
  return { keyIndent, key, valueStart: keyEnd + 1 };
}

/** YAML value text with anchors and tags removed: `&a !!str |` → `|`. */
function yamlValueCore(v: string): string {
  let s = v.trim();
  for (;;) {
    const m = /^([&!][^\s]*)\s*/.exec(s);
    if (!m || m[0] === '') return s;
    s = s.slice(m[0].length);
  }
}

function redactYamlLines(lines: Line[], r: Redactor): void {
  const censor = r.censor;
  // Inside the value of a sensitive key whose key starts at column blockIndent: lines indented
  // deeper belong to it, and so do "- " items at the same column (YAML allows a block sequence
  // as a mapping value at the key's own indentation).
  let blockIndent = -1;
  // 'content': every line is value text (block scalar, multi-line scalar); 'nested': a mapping or sequence.
  let blockMode: 'content' | 'nested' = 'nested';
  // Inside a nested block: a block scalar of a nested key, deeper than this column, is content.
  let nestedScalarIndent = -1;
  // Outside sensitive blocks: a block scalar of an ordinary key (its lines are not keys).
  let plainScalarIndent = -1;

  for (const line of lines) {
    const body = line.body;
    const ind = indentOf(body);
    const blank = ind === body.length;

    if (blockIndent >= 0) {
      if (blank) continue;
      const inside =
        ind > blockIndent ||
        (blockMode === 'nested' &&
          ind === blockIndent &&
          body[ind] === '-' &&
          (body[ind + 1] === ' ' || body[ind + 1] === '\t' || ind + 1 === body.length));
      if (inside) {
        if (blockMode === 'content' || (nestedScalarIndent >= 0 && ind > nestedScalarIndent)) {
          line.body = censorWholeLine(body, censor);
          continue;
        }
        nestedScalarIndent = -1;
        if (body[ind] === '#') continue;
        const k = parseYamlKey(body);
        if (k) {
          const core = yamlValueCore(body.slice(k.valueStart));
          if (core.startsWith('|') || core.startsWith('>')) {
            nestedScalarIndent = k.keyIndent;
            line.body = `${body.slice(0, k.valueStart)} ${censor}`;
          } else if (core !== '' && !core.startsWith('#')) {
            line.body = censorValue(body, k.valueStart, censor, YAML_VALUE).body;
          }
        } else {
          // A sequence item ("- value") or a continuation line of a scalar.
          let i = ind;
          while (body[i] === '-' && (body[i + 1] === ' ' || body[i + 1] === '\t' || i + 1 === body.length)) {
            i++;
            while (body[i] === ' ' || body[i] === '\t') i++;
          }
          if (i < body.length) line.body = body.slice(0, i) + censor;
        }
        continue;
      }
      blockIndent = -1;
      nestedScalarIndent = -1;
    }

    if (plainScalarIndent >= 0) {
      if (blank || ind > plainScalarIndent) continue;
      plainScalarIndent = -1;
    }
    if (blank || body[ind] === '#') continue;

    const k = parseYamlKey(body);
    if (!k) continue;
    const rawValue = body.slice(k.valueStart);
    const core = yamlValueCore(rawValue);
    const isBlockScalar = core.startsWith('|') || core.startsWith('>');
    if (!isSensitivePath(k.key, r)) {
      if (isBlockScalar) plainScalarIndent = k.keyIndent;
      continue;
    }
    // A sensitive key: its value on this line, and every line of the value after it.
    blockIndent = k.keyIndent;
    nestedScalarIndent = -1;
    if (isBlockScalar) {
      blockMode = 'content';
    } else if (core === '' || core.startsWith('#')) {
      blockMode = 'nested';
    } else {
      blockMode = 'content';
      // Keep anchors and tags, replace the value itself.
      const lead = rawValue.length - rawValue.trimStart().length;
      const valueAt = k.valueStart + lead + (rawValue.trim().length - core.length);
      line.body = censorValue(body, valueAt, censor, YAML_VALUE).body;
    }
  }
}

const YAML_VALUE = { commentChars: '#', backslashEscapes: true, doubledQuotes: true } as const;

// --- TOML ------------------------------------------------------------------------------------

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

/** Splits `a."b.c".d` into segments, respecting quotes. */
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
      cur += key.slice(i + 1, end - 1);
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
  return parts.some((p) => p !== '' && r.isSensitiveKey(p));
}

function redactTomlLines(lines: Line[], r: Redactor): void {
  const censor = r.censor;
  let sectionSensitive = false;
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
      sectionSensitive = anySensitive(splitDotted(header), r);
      continue;
    }
    const eq = findTomlEquals(body, ind);
    if (eq === -1) continue;
    const keyParts = splitDotted(body.slice(ind, eq));
    const sensitive = sectionSensitive || anySensitive(keyParts, r);
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

const KV_SYNTAX: Record<Exclude<ConfigTextFormat, 'yaml' | 'json' | 'toml'>, KvSyntax> = {
  ini: { comments: ';#', sections: true, separators: '=:', exportPrefix: false, continuation: 'indent' },
  conf: { comments: '#;', sections: true, separators: '=: ', exportPrefix: false, continuation: 'quotes' },
  env: { comments: '#', sections: false, separators: '=', exportPrefix: true, continuation: 'quotes' },
  properties: { comments: '#!', sections: false, separators: '=: ', exportPrefix: false, continuation: 'backslash' },
  python: { comments: '#', sections: false, separators: '=:', exportPrefix: false, continuation: 'quotes' },
  generic: { comments: '#;', sections: true, separators: '=:', exportPrefix: true, continuation: 'quotes' },
};

function redactKeyValueLines(lines: Line[], format: ConfigTextFormat, r: Redactor): void {
  const syntax = KV_SYNTAX[format as keyof typeof KV_SYNTAX] ?? KV_SYNTAX.generic;
  const censor = r.censor;
  let sectionSensitive = false;
  // Continuation of the previous line's value.
  let cont:
    | { kind: 'indent'; indent: number }
    | { kind: 'backslash' }
    | { kind: 'close'; close: string; depth: number }
    | undefined;
  let contCensor = false;

  for (const line of lines) {
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
        sectionSensitive = isSensitivePath(name.replace(/["']/g, ''), r) || anySensitive(name.split(/\s+/), r);
        continue;
      }
    }
    let k = ind;
    if (syntax.exportPrefix && body.startsWith('export', k) && (body[k + 6] === ' ' || body[k + 6] === '\t')) {
      k += 6;
      while (body[k] === ' ' || body[k] === '\t') k++;
    }
    const parsed = parseKvKey(body, k, syntax);
    if (!parsed) continue;
    const { key, valueStart } = parsed;
    const sensitive = sectionSensitive || isSensitivePath(key, r);
    const valueText = body.slice(valueStart).trim();
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
    if (cont?.kind === 'close' && cont.close !== 'bracket') {
      const at = body.indexOf(cont.close, valueStart);
      line.body = body.slice(0, at + cont.close.length) + censor;
    } else {
      // .properties has no inline comments: the value runs to the end of the line.
      const commentChars = format === 'properties' ? '' : format === 'ini' ? '#;' : '#';
      line.body = censorValue(body, valueStart, censor, {
        commentChars,
        backslashEscapes: true,
        keepTrailingSemicolon: format === 'conf',
      }).body;
    }
  }
}

function endsWithOddBackslashes(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** Parses a key at `from`: a bare word, a quoted string, or (Python) `NAME`, then a separator. */
function parseKvKey(body: string, from: number, syntax: KvSyntax): { key: string; valueStart: number } | undefined {
  let i = from;
  let key: string;
  const c = body[i];
  if (c === '"' || c === "'") {
    const end = endOfQuoted(body, i, c === '"');
    if (end === -1) return undefined;
    key = body.slice(i + 1, end - 1);
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
  }
  let j = i;
  while (body[j] === ' ' || body[j] === '\t') j++;
  const sep = body[j];
  if (sep !== undefined && sep !== ' ' && syntax.separators.replace(' ', '').includes(sep)) {
    // `==`, `:=` etc. are comparisons or other syntax, not assignments.
    if (body[j + 1] === '=') return undefined;
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
function redactInlinePairs(body: string, r: Redactor): string {
  if (body.length < 3 || (body.indexOf(':') === -1 && body.indexOf('=') === -1)) return body;
  return redactPairs(body, r.isSensitiveKey, r.censor);
}

// ---------------------------------------------------------------------------------------------
// JSON (and JSON with comments)

/**
 * Redacts JSON text by scanning tokens, keeping every byte outside the replaced values. Under a
 * sensitive key every string and number inside the value is replaced (structure and `true`,
 * `false`, `null` kept), so an auditor still sees which settings exist. Returns undefined when
 * the text is not JSON the scanner can follow; the caller then falls back to line rules.
 */
export function redactJson(text: string, r: Redactor): string | undefined {
  const censorJson = JSON.stringify(r.censor);
  let out = '';
  let last = 0;
  let i = 0;
  const n = text.length;
  // Stack of containers: for objects, whether the next string is a key.
  const stack: { obj: boolean; expectKey: boolean; key: string | undefined; sensitive: boolean }[] = [];
  let pendingKey: string | undefined;

  const skipWs = (): boolean => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) i++;
      else if (c === 47 && text[i + 1] === '/') {
        const nl = text.indexOf('\n', i);
        i = nl === -1 ? n : nl;
      } else if (c === 47 && text[i + 1] === '*') {
        const end = text.indexOf('*/', i + 2);
        if (end === -1) return false;
        i = end + 2;
      } else break;
    }
    return true;
  };
  const inSensitive = (): boolean => {
    const top = stack[stack.length - 1];
    if (!top) return false;
    if (top.sensitive) return true;
    return top.obj && pendingKey !== undefined && isSensitiveKeyJson(pendingKey, r);
  };
  const replace = (start: number, end: number): void => {
    out += text.slice(last, start) + censorJson;
    last = end;
  };

  while (true) {
    if (!skipWs()) return undefined;
    if (i >= n) break;
    const c = text[i] as string;
    const top = stack[stack.length - 1];
    if (c === '{' || c === '[') {
      const sensitive = inSensitive();
      stack.push({ obj: c === '{', expectKey: c === '{', key: pendingKey, sensitive });
      pendingKey = undefined;
      i++;
    } else if (c === '}' || c === ']') {
      const closed = stack.pop();
      if (!closed || closed.obj !== (c === '}')) return undefined;
      pendingKey = undefined;
      i++;
      const parent = stack[stack.length - 1];
      if (parent?.obj) parent.expectKey = false;
    } else if (c === ',') {
      if (top?.obj) top.expectKey = true;
      pendingKey = undefined;
      i++;
    } else if (c === ':') {
      if (!top?.obj || pendingKey === undefined) return undefined;
      top.expectKey = false;
      i++;
    } else if (c === '"' || c === "'") {
      const end = endOfQuoted(text, i, true);
      if (end === -1) return undefined;
      if (top?.obj && top.expectKey) {
        pendingKey = decodeJsonString(text.slice(i, end));
      } else {
        if (inSensitive()) replace(i, end);
        pendingKey = undefined;
      }
      i = end;
    } else {
      // A number or a literal.
      const m = /^[^\s,:{}[\]"'/]+/.exec(text.slice(i, i + 512));
      if (!m) return undefined;
      const tok = m[0];
      if (top?.obj && top.expectKey) {
        pendingKey = tok; // JSON5 bare key
      } else {
        if (inSensitive() && tok !== 'true' && tok !== 'false' && tok !== 'null') replace(i, i + tok.length);
        pendingKey = undefined;
      }
      i += tok.length;
    }
  }
  if (stack.length !== 0) return undefined;
  return last === 0 ? text : out + text.slice(last);
}

function isSensitiveKeyJson(key: string, r: Redactor): boolean {
  return r.isSensitiveKey(key);
}

function decodeJsonString(quoted: string): string {
  try {
    return quoted.startsWith('"') ? (JSON.parse(quoted) as string) : quoted.slice(1, -1);
  } catch {
    return quoted.slice(1, -1);
  }
}
