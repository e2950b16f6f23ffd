/**
 * XML config files (Java and .NET settings, `App.config`, Spring, Hibernate, log4j, NuGet): an
 * element whose name is sensitive loses its text (`<password>…</password>`, on one line or over
 * several, CDATA included); an attribute whose name is sensitive loses its value
 * (`<user password="…">`); and an element that names a secret by a name attribute loses its value
 * attribute and its text (`<add key="ApiKey" value="…"/>`, `<property name="db.password" value="…"/>`,
 * `<entry key="password">…</entry>`, .NET's `<setting name="ApiKey"><value>…</value></setting>`).
 * Line-oriented and tolerant like the other formats: the layout is kept, a file that does not parse
 * is still redacted.
 */
import { censorWholeLine, type Line } from './config-lines.js';
import { isNameField, isValueField, namesSecret } from './named-values.js';
import type { Redactor } from './redactor.js';

const START_TAG = /<([A-Za-z_][\w.:-]*)((?:\s+[^\s=<>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
const ATTR = /([^\s=<>/]+)(\s*=\s*)(?:"([^"]*)"|'([^']*)')/g;

/** An element's local name (`ns:Password` → `Password`). */
function localName(tag: string): string {
  const c = tag.lastIndexOf(':');
  return c === -1 ? tag : tag.slice(c + 1);
}

/** True if the start tag's attributes name a secret (`key="ApiKey"`, `name="db.password"`). */
function attrsNameSecret(attrs: string, r: Redactor): boolean {
  for (const m of attrs.matchAll(ATTR)) if (isNameField(m[1] as string) && namesSecret(r, m[3] ?? m[4])) return true;
  return false;
}

/** The attributes with the values of sensitive ones (and value attributes, when `named`) censored. */
function censorAttrs(attrs: string, named: boolean, r: Redactor): string {
  return attrs.replace(ATTR, (m, name: string, eq: string, dq?: string) => {
    if (!r.isSensitiveKey(name) && !(named && isValueField(name))) return m;
    const q = dq !== undefined ? '"' : "'";
    return `${name}${eq}${q}${r.censor}${q}`;
  });
}

/** What a line leaves open: an element whose text (to its end tag) is a secret. */
interface Open {
  /** The end tag that closes it. */
  close: string;
}

/** One line: tags' attributes, and the text of secret elements that start on it. */
function redactXmlLine(body: string, r: Redactor, state: { open: Open | undefined; valueNext: boolean }): string {
  let out = '';
  let last = 0;
  START_TAG.lastIndex = 0;
  for (let m = START_TAG.exec(body); m !== null; m = START_TAG.exec(body)) {
    const [whole, tag, attrs, selfClosing] = m as unknown as [string, string, string, string];
    const named = attrsNameSecret(attrs, r);
    out += body.slice(last, m.index) + whole.replace(attrs, censorAttrs(attrs, named, r));
    last = m.index + whole.length;
    const name = localName(tag);
    const secretText = r.isSensitiveKey(name) || named || (state.valueNext && name.toLowerCase() === 'value');
    if (named && selfClosing === '' && !secretText) state.valueNext = true;
    if (!secretText || selfClosing !== '') continue;
    if (name.toLowerCase() === 'value') state.valueNext = false;
    const close = `</${tag}`;
    const end = body.indexOf(close, last);
    if (end === -1) {
      // The text goes on past this line: censored to the end tag.
      out += body.slice(last).trim() === '' ? body.slice(last) : r.censor;
      state.open = { close };
      return out;
    }
    // Nested elements inside a secret one (`<password><![CDATA[…]]></password>`) go with it.
    if (end > last) out += r.censor;
    last = end;
    START_TAG.lastIndex = end;
  }
  return out + body.slice(last);
}

/** XML: see the module comment. */
export function redactXmlLines(lines: Line[], r: Redactor): void {
  const state: { open: Open | undefined; valueNext: boolean } = { open: undefined, valueNext: false };
  for (const line of lines) {
    const body = line.body;
    if (state.open !== undefined) {
      const at = body.indexOf(state.open.close);
      if (at === -1) {
        line.body = censorWholeLine(body, r.censor);
        continue;
      }
      const head = censorWholeLine(body.slice(0, at), r.censor);
      state.open = undefined;
      line.body = head + redactXmlLine(body.slice(at), r, state);
      continue;
    }
    if (body.includes('<')) line.body = redactXmlLine(body, r, state);
  }
}
