/**
 * Secrets set by code in config files (Python settings, and the same idiom in Ruby, JavaScript,
 * shell-like DSLs): a call whose first argument names a secret and whose second is a string
 * literal (`os.environ.setdefault("DB_PASS", "…")`, `os.getenv("API_KEY", "…")`,
 * `config.set("password", "…")`), an assignment through a subscript
 * (`os.environ["API_KEY"] = "…"`, `ENV['DB_PASSWORD'] = '…'`), and a setter whose own name names
 * the secret (`client.set_password("…")`, Python keyring's `keyring.set_password(service, user,
 * "…")`, urllib's `add_password(realm, uri, user, "…")`, `setApiKey("…")`): its last string
 * literal argument. The name is judged by the key rules; the literal's quotes stay.
 */
import type { Redactor } from './redactor.js';

/** String-literal prefixes (Python r/b/u/f) allowed before the value's quote. */
const PREFIX = '[rRbBuUfF]{0,2}';
/** A quoted literal's body up to its closing quote (group 5 is the quote), on one line. */
const BODY = '((?:\\\\.|(?!\\5)[^\\\\\\n]){0,4096})\\5';
const NAME = `(["'])([A-Za-z_][\\w.-]{0,127})\\2`;

const CALL_PAIR = new RegExp(`([(,]\\s*)${NAME}(\\s*,\\s*${PREFIX})(["'])${BODY}`, 'g');
/** `set_password(…)`, `setApiKey(…)`: a setter verb, then the setting's name; arguments on one line. */
const SETTER_CALL = /(?<![\w$])((?:set|store|save|put|add|update)_?[A-Za-z]\w{0,63})[ \t]{0,8}\(([^()\n]{0,1024})\)/g;
/** A string literal (group 2 its body), with a Python prefix. */
const LITERAL = /[rRbBuUfF]{0,2}(["'])((?:\\.|(?!\1)[^\\\n]){0,4096})\1/g;
const SUBSCRIPT = new RegExp(`(\\[\\s*)${NAME}(\\s*\\]\\s*=\\s*${PREFIX})(["'])${BODY}`, 'g');

/** The line with the value of every call pair and subscript assignment that names a secret replaced. */
export function redactCodePairs(body: string, r: Redactor): string {
  if (body.indexOf('"') === -1 && body.indexOf("'") === -1) return body;
  const replace = (m: string, lead: string, q: string, name: string, mid: string, q2: string): string =>
    r.isSensitiveKey(name) ? `${lead}${q}${name}${q}${mid}${q2}${r.censor}${q2}` : m;
  let out = body;
  if (out.indexOf('(') !== -1) out = out.replace(CALL_PAIR, replace);
  if (out.indexOf('[') !== -1) out = out.replace(SUBSCRIPT, replace);
  if (out.indexOf('(') !== -1) out = out.replace(SETTER_CALL, (m, name: string) => setterCall(m, name, r));
  return out;
}

/** A setter call with the body of its last string literal argument censored, when its name names a secret. */
function setterCall(call: string, name: string, r: Redactor): string {
  if (!r.isSensitiveKey(name)) return call;
  let last: RegExpExecArray | undefined;
  LITERAL.lastIndex = 0;
  for (let m = LITERAL.exec(call); m !== null; m = LITERAL.exec(call)) last = m;
  if (last === undefined || last[2] === '' || (last[2] as string).startsWith(r.censor)) return call;
  const bodyStart = last.index + last[0].length - 1 - (last[2] as string).length;
  return `${call.slice(0, bodyStart)}${r.censor}${call.slice(last.index + last[0].length - 1)}`;
}
