/**
 * Pairs written in markup rather than as `key: value` / `key=value` inside free text (a request
 * body, a SOAP envelope, a form post logged as a string):
 * - an XML element whose name is sensitive, any namespace prefix
 *   (`<wsse:Password Type="…">S</wsse:Password>`, WS-Security UsernameToken; `<Password>S</Password>`):
 *   its text goes;
 * - a bracketed form key (`user[password]=S`, Rails/PHP nested parameters): the value goes, as
 *   `password=S` would.
 * Bounded: names of at most 64 characters, element text of at most 4096.
 */
import type { KeyTest } from './pairs.js';

const ELEMENT = /<((?:[A-Za-z_][\w.-]{0,63}:)?)([A-Za-z_][\w.-]{0,63})((?:\s[^<>]{0,512})?)>([^<]{1,4096})<\/\1\2\s*>/g;
const BRACKET_KEY = /\[([A-Za-z_$@][\w.$@-]{0,63})\][ \t]{0,8}=[ \t]{0,8}/g;

/** `s` with sensitive element text and bracketed form values replaced; the same string if none. */
export function redactMarkupPairs(s: string, isSensitive: KeyTest, censor: string): string {
  let out = s;
  if (out.includes('</')) {
    out = out.replace(ELEMENT, (m: string, ns: string, name: string, attrs: string, text: string) =>
      isSensitive(name) && !text.startsWith(censor) && text.trim() !== ''
        ? `<${ns}${name}${attrs}>${censor}</${ns}${name}>`
        : m,
    );
  }
  if (out.includes(']')) out = redactBracketKeys(out, isSensitive, censor);
  return out;
}

/** `user[password]=S&…`: the value up to white space, `&`, `;`, `,` or a quote. */
function redactBracketKeys(s: string, isSensitive: KeyTest, censor: string): string {
  let res = '';
  let last = 0;
  BRACKET_KEY.lastIndex = 0;
  for (let m = BRACKET_KEY.exec(s); m !== null; m = BRACKET_KEY.exec(s)) {
    if (!isSensitive(m[1] as string)) continue;
    const v = m.index + m[0].length;
    let end = v;
    while (end < s.length && !/[\s&;,"'<>]/.test(s[end] as string)) end++;
    if (end === v || s.startsWith(censor, v)) continue;
    res += s.slice(last, v) + censor;
    last = end;
    BRACKET_KEY.lastIndex = end;
  }
  return last === 0 ? s : res + s.slice(last);
}
