/**
 * YAML config text: a sensitive key's value (inline, quoted, block scalar or nested block) is
 * censored line by line, keeping indentation and comments.
 */
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
    const parent = parentOf(parents, k.keyIndent);
    if (!isSensitivePath(k.key, r) && !isSensitiveUnder(parent, k.key, r)) {
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
