/**
 * YAML config text: a sensitive key's value (inline, quoted, block scalar or nested block) is
 * censored line by line, keeping indentation and comments.
 */
import { parseYamlDocument } from './yaml-untrusted.js';
import { isKeySizeNote } from './pairs.js';
import type { Redactor } from './redactor.js';
import {
  censorValue,
  censorWholeLine,
  endOfQuoted,
  indentOf,
  isSensitivePath,
  isSensitiveUnder,
  type Line,
} from './config-lines.js';

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
    const decoded = yamlScalarKey(body.slice(i, keyEnd));
    // A quoted key the YAML parser cannot read as one string is judged sensitive: its value is censored.
    key = decoded ?? UNDECODABLE_KEY;
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

/** Stands for a key that cannot be decoded to one string: its value is censored (fails closed). */
const UNDECODABLE_KEY = '\u0000undecodable';

/**
 * A key's text as the `yaml` package decodes it: `"pass\x77ord"`, `"pass\u0077ord"` and
 * `'it''s'` are read as every YAML parser reads them, so sensitivity is judged on the key the
 * application sees. Undefined when the text is not one string scalar (a flow or block
 * collection, an empty key, a parse error).
 */
function yamlScalarKey(text: string): string | undefined {
  const t = text.trim();
  const c = t[0];
  // A plain scalar and a quoted one without escapes read as written; only escapes need the parser.
  if (c !== '"' && c !== "'" && c !== '?' && t !== '' && !t.includes('#') && !/^[[{&*!|>%@`-]/.test(t)) return t;
  if (c === '"' && !t.includes('\\')) return t.slice(1, -1);
  if (c === "'" && !t.includes("''")) return t.slice(1, -1);
  const doc = parseYamlDocument(t);
  if (doc.errors.length > 0) return undefined;
  const v: unknown = doc.toJS();
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/**
 * A YAML explicit (complex) key, `? key` (or `- ? key`): the column of the `?` and the key as
 * decoded; undefined when the line is not one. A key that is not one string scalar on this line
 * (`? [a, b]`, `?` with the key on the lines below) is undecodable.
 */
function parseExplicitKey(body: string): { indent: number; key: string } | undefined {
  let i = indentOf(body);
  while (body[i] === '-' && (body[i + 1] === ' ' || body[i + 1] === '\t')) {
    i += 2;
    while (body[i] === ' ' || body[i] === '\t') i++;
  }
  if (body[i] !== '?' || !(i + 1 === body.length || body[i + 1] === ' ' || body[i + 1] === '\t')) return undefined;
  return { indent: i, key: yamlScalarKey(body.slice(i + 1)) ?? UNDECODABLE_KEY };
}

/** The `: value` line of an explicit key at column `indent`: the index after the `:`, or -1. */
function explicitValueStart(body: string, indent: number): number {
  if (indentOf(body) !== indent || body[indent] !== ':') return -1;
  const n = body[indent + 1];
  return n === undefined || n === ' ' || n === '\t' ? indent + 1 : -1;
}

/** The key of the mapping a key at column `indent` sits in (keys at or right of it are closed). */
function parentOf(parents: { indent: number; key: string }[], indent: number): string | undefined {
  while (parents.length > 0 && (parents[parents.length - 1] as { indent: number }).indent >= indent) parents.pop();
  return parents[parents.length - 1]?.key;
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

/** YAML: values under a sensitive key (or a key under one), inline or in the block that follows. */
export function redactYamlLines(lines: Line[], r: Redactor): void {
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
  // The ordinary keys whose nested mappings enclose the current line (`binance:` above `key:`).
  const parents: { indent: number; key: string }[] = [];
  // An explicit key (`? key`) waiting for its `: value` line at the same column.
  let explicit: { indent: number; key: string } | undefined;

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

    let k: YamlKeyLine | undefined;
    const ex = parseExplicitKey(body);
    if (ex) {
      explicit = ex;
      continue;
    }
    if (explicit) {
      const at = explicitValueStart(body, explicit.indent);
      if (at >= 0) {
        k = { keyIndent: explicit.indent, key: explicit.key, valueStart: at };
        explicit = undefined;
      } else if (ind > explicit.indent) {
        continue; // a line of a multi-line explicit key
      } else explicit = undefined;
    }
    k ??= parseYamlKey(body);
    if (!k) continue;
    const rawValue = body.slice(k.valueStart);
    const core = yamlValueCore(rawValue);
    const isBlockScalar = core.startsWith('|') || core.startsWith('>');
    const parent = parentOf(parents, k.keyIndent);
    // openssl's `Private-Key: (256 bit)` header names a size, no key (rules 20).
    const plain = (!isSensitivePath(k.key, r) && !isSensitiveUnder(parent, k.key, r)) || isKeySizeNote(core);
    if (k.key !== UNDECODABLE_KEY && plain) {
      if (isBlockScalar) plainScalarIndent = k.keyIndent;
      else if (core === '' || core.startsWith('#')) parents.push({ indent: k.keyIndent, key: k.key });
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
