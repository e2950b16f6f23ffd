/**
 * Secrets set by code in config files (Python settings, and the same idiom in Ruby, JavaScript,
 * shell-like DSLs): a call whose first argument names a secret and whose second is a string
 * literal (`os.environ.setdefault("DB_PASS", "…")`, `os.getenv("API_KEY", "…")`,
 * `config.set("password", "…")`), and an assignment through a subscript
 * (`os.environ["API_KEY"] = "…"`, `ENV['DB_PASSWORD'] = '…'`). The name is judged by the key rules;
 * the literal's quotes stay.
 */
import type { Redactor } from './redactor.js';

/** String-literal prefixes (Python r/b/u/f) allowed before the value's quote. */
const PREFIX = '[rRbBuUfF]{0,2}';
/** A quoted literal's body up to its closing quote (group 5 is the quote), on one line. */
const BODY = '((?:\\\\.|(?!\\5)[^\\\\\\n]){0,4096})\\5';
const NAME = `(["'])([A-Za-z_][\\w.-]{0,127})\\2`;

const CALL_PAIR = new RegExp(`([(,]\\s*)${NAME}(\\s*,\\s*${PREFIX})(["'])${BODY}`, 'g');
const SUBSCRIPT = new RegExp(`(\\[\\s*)${NAME}(\\s*\\]\\s*=\\s*${PREFIX})(["'])${BODY}`, 'g');

/** The line with the value of every call pair and subscript assignment that names a secret replaced. */
export function redactCodePairs(body: string, r: Redactor): string {
  if (body.indexOf('"') === -1 && body.indexOf("'") === -1) return body;
  const replace = (m: string, lead: string, q: string, name: string, mid: string, q2: string): string =>
    r.isSensitiveKey(name) ? `${lead}${q}${name}${q}${mid}${q2}${r.censor}${q2}` : m;
  let out = body;
  if (out.indexOf('(') !== -1) out = out.replace(CALL_PAIR, replace);
  if (out.indexOf('[') !== -1) out = out.replace(SUBSCRIPT, replace);
  return out;
}
