/**
 * YAML checked as the `yaml` package parses it, after the line passes: every pair whose key the
 * parser reads as sensitive (or as no string at all: a collection key) must have a censored value.
 * The line passes follow block mappings and one-line flow pairs; this pass catches what a parser
 * reads that they do not: a flow pair whose value (or `:`) is on a later line
 * (`{user: a, password:` / `  v}`), an explicit key given as a block scalar or after a tag
 * (`? |-` / `  password` / `: v`). A value left in clear is replaced by the censor over its
 * source range, line by line, so the layout (line count, indentation) is kept.
 */
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import { isSensitivePath, isSensitiveUnder } from './config-lines.js';
import type { Redactor } from './redactor.js';

type Range = [number, number];

/** The key as the parser reads it: a string (numbers and booleans spelled), null for none, undefined for a collection. */
function keyText(key: unknown): string | null | undefined {
  if (key === null || key === undefined) return null;
  if (isScalar(key)) {
    const v = key.value;
    if (v === null) return null;
    return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  }
  return isAlias(key) ? null : undefined;
}

/** True when a value's source text holds nothing but the censor (quotes, block scalar headers, spacing). */
function alreadyCensored(src: string, censor: string): boolean {
  return src.includes(censor) && /^[\s"'|>+\-0-9]*$/.test(src.split(censor).join(''));
}

/** Collects the source ranges of the scalars in a value under a sensitive key that are not censored yet. */
function collectValue(node: unknown, text: string, censor: string, out: Range[]): void {
  if (isScalar(node) || isCollection(node)) {
    const range = node.range;
    if (range && alreadyCensored(text.slice(range[0], range[1]), censor)) return;
    if (isScalar(node)) {
      if (range && range[1] > range[0]) out.push([range[0], range[1]]);
      return;
    }
    for (const item of node.items) {
      if (isPair(item)) collectValue(item.value, text, censor, out);
      else collectValue(item, text, censor, out);
    }
  }
}

/** A pair whose key is sensitive or not a string has its value collected; otherwise it is walked. */
function visitPair(
  pair: { key: unknown; value: unknown },
  parent: string | undefined,
  text: string,
  r: Redactor,
  out: Range[],
): void {
  const key = keyText(pair.key);
  if (key === undefined || (key !== null && (isSensitivePath(key, r) || isSensitiveUnder(parent, key, r)))) {
    collectValue(pair.value, text, r.censor, out);
  } else walk(pair.value, key ?? undefined, text, r, out);
}

/** Walks a node, finding pairs whose key is sensitive or not a string. */
function walk(node: unknown, parent: string | undefined, text: string, r: Redactor, out: Range[]): void {
  if (isMap(node)) {
    for (const pair of node.items) visitPair(pair, parent, text, r, out);
  } else if (isSeq(node)) {
    // A single pair in a flow sequence (`[password: v]`) is a one-pair mapping.
    for (const item of node.items) {
      if (isPair(item)) visitPair(item, parent, text, r, out);
      else walk(item, parent, text, r, out);
    }
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

/** See the module comment. Returns the text unchanged when every sensitive value is censored already. */
export function redactYamlTree(text: string, r: Redactor): string {
  if (!text.includes(':') && !text.includes('?')) return text;
  const out: Range[] = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: false, strict: false })) {
    if ('contents' in doc) walk(doc.contents, undefined, text, r, out);
  }
  if (out.length === 0) return text;
  out.sort((a, b) => b[0] - a[0]);
  let s = text;
  let floor = Number.POSITIVE_INFINITY;
  for (const [start, end] of out) {
    if (end > floor) continue; // overlapping an already censored range
    s = s.slice(0, start) + censorRange(s.slice(start, end), r.censor) + s.slice(end);
    floor = start;
  }
  return s;
}
