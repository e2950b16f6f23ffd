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
import { isNameField, isValueField, isWeakName, namedValueGoes, namesSecret } from './named-values.js';
import type { Redactor } from './redactor.js';

const START_TAG = /<([A-Za-z_][\w.:-]*)((?:\s+[^\s=<>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
const ATTR = /([^\s=<>/]+)(\s*=\s*)(?:"([^"]*)"|'([^']*)')/g;

/** An element's local name (`ns:Password` → `Password`). */
function localName(tag: string): string {
  const c = tag.lastIndexOf(':');
  return c === -1 ? tag : tag.slice(c + 1);
}

const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Text of an attribute value or an element as an XML parser reads it: character references
 * (`&#119;`, `&#x61;`) and the five predefined entities decoded. Undefined when it holds any other
 * reference (a DTD entity, a malformed one): the caller then judges it sensitive (fails closed).
 */
export function xmlText(s: string): string | undefined {
  if (!s.includes('&')) return s;
  let bad = false;
  const out = s.replace(/&([^;&\s]*);?/g, (m, ref: string) => {
    if (!m.endsWith(';')) {
      bad = true;
      return m;
    }
    const num = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(ref);
    if (num) {
      const cp = num[1] !== undefined ? Number.parseInt(num[1], 16) : Number(num[2]);
      if (cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) return String.fromCodePoint(cp);
    } else if (PREDEFINED[ref] !== undefined) return PREDEFINED[ref] as string;
    bad = true;
    return m;
  });
  return bad ? undefined : out;
}

/** A name given as XML text names a secret: decoded first; a name that cannot be decoded does too. */
function xmlNamesSecret(r: Redactor, raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const name = xmlText(raw);
  return name === undefined ? r.enabled : namesSecret(r, name);
}

/**
 * How the start tag's attributes name a secret (`key="ApiKey"`, `name="db.password"`): `all`, `weak`
 * (a weak name alone, `name="auth"`: see named-values) or undefined; an undecodable name: `all`.
 */
function attrsNaming(attrs: string, r: Redactor): Naming {
  let found: 'weak' | undefined;
  for (const m of attrs.matchAll(ATTR)) {
    if (!isNameField(m[1] as string) || !xmlNamesSecret(r, m[3] ?? m[4])) continue;
    const name = xmlText((m[3] ?? m[4]) as string);
    if (name === undefined || !isWeakName(name)) return 'all';
    found = 'weak';
  }
  return found;
}

/** The attributes with the values of sensitive ones (and value attributes, when `naming` says so) censored. */
function censorAttrs(attrs: string, naming: 'all' | 'weak' | undefined, r: Redactor): string {
  return attrs.replace(ATTR, (m, name: string, eq: string, dq?: string, sq?: string) => {
    const named = naming !== undefined && isValueField(name) && namedValueGoes(naming, xmlText(dq ?? sq ?? '') ?? '!');
    if (!r.isSensitiveKey(name) && !named) return m;
    const q = dq !== undefined ? '"' : "'";
    return `${name}${eq}${q}${r.censor}${q}`;
  });
}

/** `<name>db_password</name>`: an element naming a setting by its text, which names a secret. */
function nameElementNamesSecret(body: string, from: number, tag: string, r: Redactor): boolean {
  if (!isNameField(localName(tag))) return false;
  const end = body.indexOf(`</${tag}`, from);
  return end !== -1 && xmlNamesSecret(r, body.slice(from, end).trim());
}

/** A start tag left open at the end of a line (`<password` … `>` on a later line). */
const OPEN_START_TAG = /<([A-Za-z_][\w.:-]*)((?:\s+[^\s=<>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*$/;

/** What a line leaves open: an element whose text (to its end tag) is a secret. */
interface Open {
  /** The end tag that closes it. */
  close: string;
}

/** What the XML pass carries from line to line. */
interface XmlState {
  open: Open | undefined;
  valueNext: boolean;
  /**
   * A start tag whose `>` is on a later line: its name, what of the attributes read so far a later
   * line can still add to (`attrs`, see openTail), and the naming found in them so far.
   */
  pending: Pending | undefined;
}

type Naming = 'all' | 'weak' | undefined;

interface Pending {
  tag: string;
  attrs: string;
  naming: Naming;
}

/** Longest unclosed attribute text carried from line to line; past it the tag is taken as naming a secret. */
const TAIL_MAX = 4096;

/** The stronger of two namings ('all' over 'weak' over none): a naming once found stays (fail closed). */
function stronger(a: Naming, b: Naming): Naming {
  return a === 'all' || b === 'all' ? 'all' : (a ?? b);
}

/**
 * What of a start tag's attributes read so far a later line can still add to: the text after the
 * last whole attribute; with no quote in it, only a trailing name (and `=`) that a value on a later
 * line would complete. Each line then reads this short tail and itself, not every line before it
 * again (at46 F8). `undefined` when an unclosed value runs past TAIL_MAX.
 */
function openTail(text: string): string | undefined {
  let end = 0;
  for (const m of text.matchAll(ATTR)) end = (m.index as number) + m[0].length;
  const tail = text.slice(end);
  if (tail.includes('"') || tail.includes("'")) return tail.length > TAIL_MAX ? undefined : tail;
  let k = tail.length;
  while (k > 0 && /\s/.test(tail[k - 1] as string)) k--;
  const eq = tail[k - 1] === '=';
  if (eq) k--;
  while (k > 0 && /\s/.test(tail[k - 1] as string)) k--;
  let n = k;
  while (n > k - 256 && n > 0 && /[^\s=<>/]/.test(tail[n - 1] as string)) n--;
  return n < k ? `${tail.slice(n, k)}${eq ? '=' : ''}` : '';
}

/** A line inside a start tag left open: attributes censored; at its `>`, the element as on one line. */
function continueStartTag(body: string, r: Redactor, state: XmlState): string {
  const p = state.pending as Pending;
  const at = body.indexOf('>');
  if (at === -1) {
    const text = `${p.attrs} ${body}`;
    p.naming = stronger(p.naming, attrsNaming(text, r));
    const tail = openTail(text);
    if (tail === undefined) p.naming = 'all';
    p.attrs = tail ?? '';
    return censorAttrs(body, p.naming, r);
  }
  const head = body.slice(0, at);
  const attrs = `${p.attrs} ${head}`;
  state.pending = undefined;
  const naming = stronger(p.naming, attrsNaming(attrs, r));
  const named = naming !== undefined;
  const name = localName(p.tag);
  const open = `${censorAttrs(head, naming, r)}>`;
  const rest = body.slice(at + 1);
  const secret = r.isSensitiveKey(name) || named || (state.valueNext && isValueField(name));
  if (!secret || head.trimEnd().endsWith('/')) return open + redactXmlLine(rest, r, state);
  if (isValueField(name)) state.valueNext = false;
  const close = `</${p.tag}`;
  const end = rest.indexOf(close);
  if (end === -1) {
    state.open = { close };
    return open + (rest.trim() === '' ? rest : r.censor);
  }
  return open + (end > 0 ? r.censor : '') + redactXmlLine(rest.slice(end), r, state);
}

/** One line: tags' attributes, and the text of secret elements that start on it. */
function redactXmlLine(body: string, r: Redactor, state: XmlState): string {
  let out = '';
  let last = 0;
  START_TAG.lastIndex = 0;
  for (let m = START_TAG.exec(body); m !== null; m = START_TAG.exec(body)) {
    const [whole, tag, attrs, selfClosing] = m as unknown as [string, string, string, string];
    const naming = attrsNaming(attrs, r);
    const named = naming !== undefined;
    out += body.slice(last, m.index) + whole.replace(attrs, censorAttrs(attrs, naming, r));
    last = m.index + whole.length;
    const name = localName(tag);
    const secretText = r.isSensitiveKey(name) || named || (state.valueNext && isValueField(name));
    if (
      (named && selfClosing === '' && !secretText) ||
      (selfClosing === '' && nameElementNamesSecret(body, last, tag, r))
    )
      state.valueNext = true;
    if (!secretText || selfClosing !== '') continue;
    if (isValueField(name)) state.valueNext = false;
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
  const state: XmlState = { open: undefined, valueNext: false, pending: undefined };
  for (const line of lines) {
    const body = line.body;
    if (state.pending !== undefined) {
      line.body = continueStartTag(body, r, state);
      continue;
    }
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
    if (!body.includes('<')) continue;
    line.body = redactXmlLine(body, r, state);
    const m = state.open === undefined ? OPEN_START_TAG.exec(body) : null;
    if (m !== null) {
      state.pending = { tag: m[1] as string, attrs: m[2] as string, naming: undefined };
      // The open tag is the line's tail, untouched by the pass above: its attributes are judged here.
      const tail = body.slice(m.index);
      const head = line.body.slice(0, line.body.length - tail.length);
      line.body = head + censorAttrs(tail, attrsNaming(tail, r), r);
    }
  }
}
