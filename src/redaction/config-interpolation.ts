/**
 * Interpolation in `key = value` config files: Python configparser's `%(name)s`
 * (BasicInterpolation) and `${name}` / `${section:name}` (ExtendedInterpolation), and the shell
 * and dotenv `${NAME}` / `$NAME`. `password = %(pw_raw)s` with `pw_raw = hunter2` stores the
 * secret under an ordinary name: what the application reads as its password is the referenced
 * value. The names a sensitive value refers to are judged sensitive too, transitively (a chain
 * `a = %(b)s`, `b = hunter2`), in every section (configparser looks in the option's own section
 * and DEFAULT, ExtendedInterpolation in any: sections are not told apart, which fails closed).
 */
import type { Redactor } from './redactor.js';
import { splitLines, type Line } from './config-lines.js';

/** `%(name)s`, `${name}`, `${section:name}`, `$name` (the name is the last `:`-separated part). */
const REFERENCE = /%\(([^)\r\n]*)\)|\$\{([^}\r\n]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** The option names (lower-cased, as configparser's optionxform stores them) a text refers to. */
function referencesIn(text: string, into: Set<string>): boolean {
  let added = false;
  for (const m of text.matchAll(REFERENCE)) {
    const raw = (m[1] ?? m[2] ?? m[3] ?? '') as string;
    // `${section:option}` names its last part, a shell `${NAME:-default}` its first: both count.
    const lead = /^\s*([^\s:?+=}-]*)/.exec(raw)?.[1] ?? '';
    for (const candidate of [raw.slice(raw.lastIndexOf(':') + 1), lead]) {
      const name = candidate.trim().toLowerCase();
      if (name === '' || into.has(name)) continue;
      into.add(name);
      added = true;
    }
  }
  return added;
}

/**
 * A redactor for `text` whose key rules also judge sensitive every name a sensitive value
 * refers to. `pass` redacts the text with a given redactor, keeping its lines: the lines it
 * changes are the ones whose references count; it is repeated until no new name appears (at most
 * once per distinct name). Text without `%(` or `$` gets the redactor back unchanged.
 */
export function withInterpolatedNames(text: string, r: Redactor, pass: (r: Redactor) => string): Redactor {
  if (!text.includes('%(') && !text.includes('$')) return r;
  const names = new Set<string>();
  const original = splitLines(text);
  let current = r;
  for (;;) {
    const lines = splitLines(pass(current));
    // A pass that changed the line count (it never should) counts every line: fails closed.
    const same = lines.length === original.length;
    let added = false;
    for (let i = 0; i < original.length; i++) {
      const before = (original[i] as Line).body;
      if ((!same || (lines[i] as Line).body !== before) && referencesIn(before, names)) added = true;
    }
    if (!added) return current;
    current = { ...r, isSensitiveKey: (key: string) => names.has(key.trim().toLowerCase()) || r.isSensitiveKey(key) };
  }
}
