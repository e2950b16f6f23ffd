/**
 * JSON (and JSON with comments) config text, redacted by scanning tokens so every byte outside the
 * replaced values is kept.
 */
import type { Redactor } from './redactor.js';
import { endOfQuoted, isSensitiveUnder } from './config-lines.js';

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
    return (
      top.obj &&
      pendingKey !== undefined &&
      (isSensitiveKeyJson(pendingKey, r) || isSensitiveUnder(top.key, pendingKey, r))
    );
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
