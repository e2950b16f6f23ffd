/**
 * YAML checked as the `yaml` package parses it, after the line passes: every pair whose key the
 * parser reads as sensitive (or as no string at all: a collection key) must have a censored value.
 * The line passes follow block mappings and one-line flow pairs; this pass catches what a parser
 * reads that they do not: a flow pair whose value (or `:`) is on a later line
 * (`{user: a, password:` / `  v}`), an explicit key given as a block scalar or after a tag
 * (`? |-` / `  password` / `: v`). A value left in clear is replaced by the censor over its
 * source range, line by line, so the layout (line count, indentation) is kept.
 *
 * Anchors and aliases are followed: a value under a sensitive key that is an alias
 * (`password: *p`) has the node it names censored where that node is written, whatever key holds
 * it (`x: &p hunter2`), and a merge key (`<<: *base`) is walked as the pairs it merges.
 */
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, visit } from 'yaml';
import { isSensitivePath, isSensitiveUnder } from './config-lines.js';
import { isKeySizeNote } from './pairs.js';
import { flagNamesSecret, isNameField, isValueField, namedValueGoes, namingOf } from './named-values.js';
import type { Redactor } from './redactor.js';
import { parseYamlStream } from './yaml-untrusted.js';

type Range = [number, number];

/**
 * One parse's walk: the ranges to censor, every anchored node by anchor name (over all documents,
 * every definition of a name: an alias is resolved to all of them, failing closed), the anchor
 * names an alias in a sensitive value refers to, and the merges already walked.
 */
interface Walk {
  readonly text: string;
  readonly r: Redactor;
  readonly out: Range[];
  readonly anchors: Map<string, unknown[]>;
  readonly pending: Set<string>;
  readonly merged: Map<unknown, Set<string | undefined>>;
}

/** Every node with an anchor (`&name`), by name, in document order. */
function anchorsOf(docs: readonly unknown[]): Map<string, unknown[]> {
  const anchors = new Map<string, unknown[]>();
  for (const doc of docs) {
    visit(doc as Parameters<typeof visit>[0], {
      Node(_key, node) {
        const name = (node as { anchor?: string }).anchor;
        if (name !== undefined) anchors.set(name, [...(anchors.get(name) ?? []), node]);
      },
    });
  }
  return anchors;
}

/**
 * The key as the parser reads it: a string (numbers and booleans spelled), null for none,
 * undefined for a collection. An alias key (`*k : v`) is read as the node it names; one that names
 * no node or more than one is undefined (its value is censored).
 */
function keyText(key: unknown, w: Walk): string | null | undefined {
  if (key === null || key === undefined) return null;
  if (isScalar(key)) {
    const v = key.value;
    if (v === null) return null;
    return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  }
  if (isAlias(key)) {
    const nodes = w.anchors.get(key.source) ?? [];
    return nodes.length === 1 && !isAlias(nodes[0]) ? keyText(nodes[0], w) : undefined;
  }
  return undefined;
}

/** True when a value's source text holds nothing but the censor (quotes, block scalar headers, spacing). */
function alreadyCensored(src: string, censor: string): boolean {
  return src.includes(censor) && /^[\s"'|>+\-0-9]*$/.test(src.split(censor).join(''));
}

/**
 * Collects the source ranges of the scalars in a value under a sensitive key that are not censored
 * yet. An alias (`password: *creds`) shows no value where it stands: the node it names is where
 * the secret is written, so its anchor is noted and that node is collected afterwards.
 */
function collectValue(node: unknown, w: Walk): void {
  if (isAlias(node)) {
    w.pending.add(node.source);
    return;
  }
  if (isScalar(node) || isCollection(node)) {
    const range = node.range;
    if (range && alreadyCensored(w.text.slice(range[0], range[1]), w.r.censor)) return;
    if (isScalar(node)) {
      // openssl's `Private-Key: (256 bit)` names a size (rules 20), as the line pass keeps it.
      if (typeof node.value === 'string' && isKeySizeNote(node.value)) return;
      if (range && range[1] > range[0]) w.out.push([range[0], range[1]]);
      return;
    }
    for (const item of node.items) {
      if (isPair(item)) {
        // An alias key in a sensitive value names a node too: it may be the secret itself.
        if (isAlias(item.key)) w.pending.add(item.key.source);
        collectValue(item.value, w);
      } else collectValue(item, w);
    }
  }
}

/**
 * A merge key (`<<: *base`, `<<: [*a, *b]`): the named mappings' pairs become this mapping's
 * (YAML 1.1 merge, which PyYAML, SnakeYAML and js-yaml apply), so they are walked as if written
 * here, under this mapping's parent (`binance: {<<: *defaults}` makes the defaults' `key` the
 * venue key). Each named node is walked once per parent.
 */
function walkMerge(value: unknown, parent: string | undefined, w: Walk): void {
  const sources = isSeq(value) ? value.items : [value];
  for (const source of sources) {
    if (!isAlias(source)) {
      walk(source, parent, w);
      continue;
    }
    for (const node of w.anchors.get(source.source) ?? []) {
      const parents = w.merged.get(node) ?? new Set<string | undefined>();
      if (parents.has(parent)) continue;
      parents.add(parent);
      w.merged.set(node, parents);
      walk(node, parent, w);
    }
  }
}

/** A pair whose key is sensitive or not a string has its value collected; otherwise it is walked. */
function visitPair(pair: { key: unknown; value: unknown }, parent: string | undefined, w: Walk): void {
  const key = keyText(pair.key, w);
  const r = w.r;
  if (key === undefined || (key !== null && (isSensitivePath(key, r) || isSensitiveUnder(parent, key, r)))) {
    collectValue(pair.value, w);
  } else if (key === '<<') walkMerge(pair.value, parent, w);
  else walk(pair.value, key ?? undefined, w);
}

/**
 * Names given as data (`{name: DB_PASSWORD, value: *p}`, an argv list `[--password, *p]`): the
 * value beside a name or flag that names a secret is collected, as the line passes censor it.
 */
function collectNamed(node: unknown, w: Walk): void {
  if (isMap(node)) {
    const names = node.items.flatMap((p) => {
      const k = keyText(p.key, w);
      return typeof k === 'string' && isNameField(k) ? [keyText(p.value, w)] : [];
    });
    const naming = namingOf(w.r, names);
    if (naming === undefined) return;
    for (const p of node.items) {
      const k = keyText(p.key, w);
      if (typeof k !== 'string' || !isValueField(k)) continue;
      // A weak name alone (`name: auth`): a scalar that reads as a word stays; anything else goes.
      const v = keyText(p.value, w);
      if (typeof v !== 'string' || namedValueGoes(naming, v)) collectValue(p.value, w);
    }
  } else if (isSeq(node)) {
    for (let i = 0; i + 1 < node.items.length; i++)
      if (flagNamesSecret(w.r, keyText(node.items[i], w))) collectValue(node.items[i + 1], w);
  }
}

/** Walks a node, finding pairs whose key is sensitive or not a string. */
function walk(node: unknown, parent: string | undefined, w: Walk): void {
  collectNamed(node, w);
  if (isMap(node)) {
    for (const pair of node.items) visitPair(pair, parent, w);
  } else if (isSeq(node)) {
    // A single pair in a flow sequence (`[password: v]`) is a one-pair mapping.
    for (const item of node.items) {
      if (isPair(item)) visitPair(item, parent, w);
      else walk(item, parent, w);
    }
  }
}

/** Collects, until none is left, the anchored nodes that aliases in sensitive values name. */
function collectAnchored(w: Walk): void {
  const done = new Set<string>();
  for (;;) {
    let name: string | undefined;
    for (const n of w.pending) if (!done.has(n)) name = n;
    if (name === undefined) return;
    done.add(name);
    for (const node of w.anchors.get(name) ?? []) collectValue(node, w);
  }
}

/** The source text of a range with every non-blank line's content replaced by the censor (quotes kept). */
function censorRange(src: string, censor: string): string {
  const q = src[0] === '"' || src[0] === "'" ? src[0] : '';
  return src
    .split('\n')
    .map((piece, i) => {
      if (i === 0) return q + censor + q;
      const cr = piece.endsWith('\r') ? '\r' : '';
      const body = cr ? piece.slice(0, -1) : piece;
      const ind = body.length - body.trimStart().length;
      return ind === body.length ? piece : body.slice(0, ind) + censor + cr;
    })
    .join('\n');
}

/** Parses the text and collects its ranges to censor; `anchorsOnly` keeps only the nodes aliases name. */
function collectRanges(text: string, r: Redactor, anchorsOnly: boolean): Range[] {
  const docs = parseYamlStream(text, { uniqueKeys: false, strict: false });
  const list = Array.isArray(docs) ? docs : [];
  const w: Walk = { text, r, out: [], anchors: anchorsOf(list), pending: new Set(), merged: new Map() };
  for (const doc of list) walk(doc.contents, undefined, w);
  if (anchorsOnly) w.out.length = 0;
  collectAnchored(w);
  return w.out;
}

/** Replaces the ranges (any order, overlaps skipped) by the censor, keeping the layout. */
function censorRanges(text: string, out: Range[], censor: string): string {
  if (out.length === 0) return text;
  out.sort((a, b) => b[0] - a[0]);
  let s = text;
  let floor = Number.POSITIVE_INFINITY;
  for (const [start, end] of out) {
    if (end > floor) continue; // overlapping an already censored range
    s = s.slice(0, start) + censorRange(s.slice(start, end), censor) + s.slice(end);
    floor = start;
  }
  return s;
}

/** See the module comment. Returns the text unchanged when every sensitive value is censored already. */
export function redactYamlTree(text: string, r: Redactor): string {
  if (!text.includes(':') && !text.includes('?')) return text;
  return censorRanges(text, collectRanges(text, r, false), r.censor);
}

/**
 * The nodes that aliases under sensitive keys name, censored where they are written
 * (`base: &p hunter2` with `password: *p`; a `<<: *creds` merge under a sensitive key). It runs
 * on the original text, before the line passes, which replace the aliases (`password: *p` becomes
 * `password: [REDACTED]`) and so erase which anchor held the secret. Text without both an anchor
 * and an alias is returned unchanged without parsing.
 */
export function redactYamlAnchors(text: string, r: Redactor): string {
  if (!text.includes('&') || !text.includes('*')) return text;
  return censorRanges(text, collectRanges(text, r, true), r.censor);
}
