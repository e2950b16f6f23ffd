/**
 * Names given as data in config files (the rule of named-values.ts, applied to text): a Kubernetes
 * env list (`- name: DB_PASSWORD` / `value: …`, or the flow form `{name: API_KEY, value: …}`) and an
 * argv list (`["--password", …]`, or `- --password` / `- …` in a block sequence). The key rules
 * judge each value by its own key only, so these were stored in clear. Line-oriented like the other
 * passes: the layout is kept, a file that does not parse is still redacted.
 */
import { censorValue, censorWholeLine, endOfQuoted, indentOf, type Line } from './config-lines.js';
import { flagNamesSecret, isNameField, isValueField, namedValueGoes, namingOf } from './named-values.js';
import type { Redactor } from './redactor.js';

/** A string scalar's text: quotes removed, a trailing ` # comment` dropped. */
function scalarText(v: string): string {
  const s = v.trim();
  const q = s[0];
  if (q === '"' || q === "'") {
    const end = endOfQuoted(s, 0, q === '"', q === "'");
    return end === -1 ? s.slice(1) : s.slice(1, end - 1);
  }
  const hash = s.search(/\s#/);
  return (hash === -1 ? s : s.slice(0, hash)).trim();
}

/** The items of a flow collection's inside, split at top-level commas (quotes respected): [start, end). */
function flowItems(inner: string): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 0; i <= inner.length; i++) {
    const c = inner[i];
    if (c === '"' || c === "'") {
      // An unclosed quote (`don't`) is text.
      const end = endOfQuoted(inner, i, c === '"', c === "'");
      if (end !== -1) i = end - 1;
    } else if (c === ',' || i === inner.length) {
      out.push([start, i]);
      start = i + 1;
    }
  }
  return out;
}

/** An item's value replaced, keeping its spacing and quotes (`"x"` → `"[REDACTED]"`). */
function censorItem(item: string, censor: string): string {
  const lead = item.length - item.trimStart().length;
  const core = item.trim();
  if (core === '') return item;
  // Unquoted, the censor is quoted: `[REDACTED]` bare would read as a list in YAML, a syntax error in JSON.
  const q = core[0] === "'" ? "'" : '"';
  return `${item.slice(0, lead)}${q}${censor}${q}${item.slice(lead + core.length)}`;
}

/** `{name: API_KEY, value: …}`: the value members go when a name member names a secret. */
function redactFlowMap(inner: string, r: Redactor): string {
  const items = flowItems(inner).map(([s, e]) => inner.slice(s, e));
  const parts = items.map((it) => {
    const colon = it.indexOf(':');
    if (colon === -1) return undefined;
    const key = it
      .slice(0, colon)
      .trim()
      .replace(/^["']|["']$/g, '');
    return { head: it.slice(0, colon + 1), key, value: it.slice(colon + 1) };
  });
  const naming = namingOf(
    r,
    parts.flatMap((p) => (p !== undefined && isNameField(p.key) ? [scalarText(p.value)] : [])),
  );
  if (naming === undefined) return inner;
  const goes = (p: (typeof parts)[number]): boolean =>
    p !== undefined && isValueField(p.key) && namedValueGoes(naming, scalarText(p.value));
  const out = parts.map((p, i) => (p !== undefined && goes(p) ? p.head + censorItem(p.value, r.censor) : items[i]));
  return out.join(',');
}

/** `["--password", …]`: the item after a flag naming a secret goes. */
function redactFlowSeq(inner: string, r: Redactor): string {
  const items = flowItems(inner).map(([s, e]) => inner.slice(s, e));
  let changed = false;
  for (let i = 0; i + 1 < items.length; i++) {
    if (flagNamesSecret(r, scalarText(items[i] as string))) {
      items[i + 1] = censorItem(items[i + 1] as string, r.censor);
      changed = true;
    }
  }
  return changed ? items.join(',') : inner;
}

/** The flow collections on one line (innermost, without nested brackets), judged as above. */
export function redactFlowNamed(body: string, r: Redactor): string {
  if (!body.includes('{') && !body.includes('[')) return body;
  return body
    .replace(/\{([^{}[\]]*)\}/g, (_m, inner: string) => `{${redactFlowMap(inner, r)}}`)
    .replace(/\[([^{}[\]]*)\]/g, (_m, inner: string) => `[${redactFlowSeq(inner, r)}]`);
}

/** One `key: value` entry of a block mapping: where it is and what it says. */
interface Entry {
  readonly line: number;
  readonly key: string;
  readonly valueStart: number;
}

/** Parses `  - key: value` into the key's column, key and value start (plain or quoted key). */
function keyAt(body: string): { col: number; key: string; valueStart: number } | undefined {
  // Bounded repetitions: a hostile line of spaces costs a bounded number of steps per position.
  const m = /^(\s*(?:-[ \t]+)*)(["']?)([^"'#:{[\s][^"'#:]{0,127}?)\2[ \t]{0,16}:(?:[ \t]|$)/.exec(body);
  if (m === null) return undefined;
  return { col: (m[1] as string).length, key: m[3] as string, valueStart: m[0].length };
}

/** Censors a named group's value entries: the inline value and the lines of its block below. */
function censorGroup(lines: Line[], col: number, entries: readonly Entry[], r: Redactor): void {
  const text = (e: Entry): string => scalarText((lines[e.line] as Line).body.slice(e.valueStart));
  const naming = namingOf(
    r,
    entries.filter((e) => isNameField(e.key)).map((e) => text(e)),
  );
  if (naming === undefined) return;
  for (const e of entries) {
    if (!isValueField(e.key)) continue;
    const line = lines[e.line] as Line;
    const rest = line.body.slice(e.valueStart);
    const core = rest.trim();
    // A weak name alone (`name: auth`): an inline value that reads as a word stays; a block below goes.
    if (core !== '' && !core.startsWith('#') && !namedValueGoes(naming, text(e))) continue;
    if (core !== '' && !core.startsWith('#')) {
      const at = e.valueStart + (rest.length - rest.trimStart().length);
      line.body = censorValue(line.body, at, r.censor, YAML_VALUE).body;
    }
    for (let j = e.line + 1; j < lines.length; j++) {
      const b = (lines[j] as Line).body;
      const ind = indentOf(b);
      if (ind === b.length) continue;
      if (ind <= col) break;
      (lines[j] as Line).body = censorWholeLine(b, r.censor);
    }
  }
}

/** A block sequence item that is a flag naming a secret (`- --password`, `- - --password`): its dash's column, else -1. */
function flagItemCol(body: string, r: Redactor): number {
  const m = /^(\s*(?:-[ \t]+)*)-[ \t]+(.*)$/.exec(body);
  return m !== null && flagNamesSecret(r, scalarText(m[2] as string)) ? (m[1] as string).length : -1;
}

/** YAML block mappings whose name entry names a secret, and block argv lists (see the module comment). */
export function redactYamlNamed(lines: Line[], r: Redactor): void {
  // Open groups of sibling entries, innermost last (a `- ` item starts a new group at its key column).
  const groups: { col: number; entries: Entry[] }[] = [];
  const close = (ind: number, inclusive: boolean) => {
    while (groups.length > 0) {
      const g = groups[groups.length - 1] as { col: number; entries: Entry[] };
      if (g.col < ind || (g.col === ind && !inclusive)) break;
      groups.pop();
      censorGroup(lines, g.col, g.entries, r);
    }
  };
  let flagCol = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as Line;
    line.body = redactFlowNamed(line.body, r);
    const body = line.body;
    const ind = indentOf(body);
    if (ind === body.length || body[ind] === '#') continue;
    if (flagCol !== -1 && ind === flagCol && body[ind] === '-') line.body = `${body.slice(0, ind)}- ${r.censor}`;
    flagCol = flagItemCol(line.body, r);
    const k = keyAt(body);
    const isItem = body[ind] === '-';
    // A new item closes the groups at or right of its key; a plain line those right of its column.
    close(k !== undefined && isItem ? Math.min(ind + 1, k.col) : ind, isItem);
    if (k === undefined) continue;
    const top = groups[groups.length - 1];
    const entry = { line: i, key: k.key, valueStart: k.valueStart };
    if (top !== undefined && top.col === k.col) top.entries.push(entry);
    else groups.push({ col: k.col, entries: [entry] });
  }
  close(0, true);
}

const YAML_VALUE = { commentChars: '#', backslashEscapes: true, doubledQuotes: true } as const;

/** The strings a parsed JSON value holds as named secrets: value members beside a secret name, argv flag values. */
function collectJsonNamed(v: unknown, r: Redactor, out: Set<string>, depth: number): void {
  if (depth > 64 || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (i + 1 < v.length && flagNamesSecret(r, v[i]) && typeof v[i + 1] === 'string') out.add(v[i + 1] as string);
      collectJsonNamed(v[i], r, out, depth + 1);
    }
    return;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  const naming = namingOf(
    r,
    keys.filter((k) => isNameField(k)).map((k) => o[k]),
  );
  for (const k of keys) {
    if (isValueField(k) && typeof o[k] === 'string' && namedValueGoes(naming, o[k])) out.add(o[k] as string);
    collectJsonNamed(o[k], r, out, depth + 1);
  }
}

/**
 * JSON (pretty-printed over several lines, where the line pass cannot see a pair): the strings
 * named secret by a sibling name member or an argv flag are replaced wherever they stand as a
 * JSON string. Text that does not parse is left to the line pass.
 */
export function redactJsonNamed(text: string, r: Redactor): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text
      .split('\n')
      .map((l) => redactFlowNamed(l, r))
      .join('\n');
  }
  const secrets = new Set<string>();
  collectJsonNamed(parsed, r, secrets, 0);
  let out = text;
  const censor = JSON.stringify(r.censor);
  for (const s of secrets) if (s !== '' && s !== r.censor) out = out.split(JSON.stringify(s)).join(censor);
  return out;
}
