/**
 * Redaction of config file text: values under sensitive keys in YAML, JSON, TOML, INI,
 * `.env`, `.properties`, `.conf`, Python and XML files, then secret-shaped strings anywhere.
 *
 * It uses the logger's compiled rules (`Redactor.isSensitiveKey`, `Redactor.redactString`): one
 * rule set, so a key the logger redacts is a key a snapshot redacts. What this module adds is only
 * the knowledge of where keys and values sit in each text format.
 *
 * The output keeps the file's layout (indentation, comments, line endings, line count), so stored
 * content and diffs stay readable; a value is replaced by the censor, quoted when it was quoted.
 * The parsers are deliberately line-oriented and tolerant: config files are hostile input, and a
 * file that does not parse is still redacted, never rejected. When in doubt they redact more
 * (a multi-line value under a sensitive key is censored line by line to its end), never less.
 */
import { redactJwk } from './jwk.js';
import type { Redactor } from './redactor.js';
import { redactCodePairs } from './config-code.js';
import { redactCommandLine } from './config-commands.js';
import { decimalListKeySpans, hasDecimalListCue } from './der-bytes.js';
import { hasLiteralListCue, literalListKeySpans } from './der-literals.js';
import { lineParts, separatedHexKeyLineSpans } from './der-hex.js';
import { hasXxdCue, PLAIN_CUE, plainDumpKeySpans, xxdDumpKeySpans } from './der-xxd.js';
import { derKeyLineSpans } from './der-key.js';
import { opensslTextKeySpans } from './openssl-text.js';
import { applySpans } from './protocol-auth.js';
import { puttyKeySpans } from './putty-key.js';
import { redactPythonLines } from './config-python.js';
import { withInterpolatedNames } from './config-interpolation.js';
import { redactJson } from './config-json.js';
import { redactJsonNamed, redactYamlNamed } from './config-named.js';
import { redactInlinePairs, redactKeyValueLines, redactTomlLines } from './config-kv.js';
import { joinLines, splitLines, type ConfigTextFormat, type Line } from './config-lines.js';
import { redactPropertiesLines } from './config-properties.js';
import { redactXmlLines } from './config-xml.js';
import { redactYamlLines } from './config-yaml.js';
import { redactYamlAnchors, redactYamlTree } from './config-yaml-tree.js';

export type { ConfigTextFormat } from './config-lines.js';

/** Result of redacting one file's text. */
export interface ConfigRedaction {
  /** The redacted text (the same string when nothing was redacted). */
  readonly text: string;
  /** True if anything was replaced. */
  readonly redacted: boolean;
}

const KUBERNETES_SECRET = /(?:^|[{,\s])["']?kind["']?[ \t]{0,8}:[ \t]{0,8}["']?Secret["']?(?=[ \t]{0,8}(?:[,}#\r]|$))/m;

/** Picks the format from a file name (extension, or `.env` / `.env.*`). */
export function configFormatOf(path: string): ConfigTextFormat {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1).toLowerCase();
  if (base === '.env' || base.startsWith('.env.') || base.endsWith('.env')) return 'env';
  const dot = base.lastIndexOf('.');
  const ext = dot === -1 ? '' : base.slice(dot + 1);
  switch (ext) {
    case 'yaml':
    case 'yml':
      return 'yaml';
    case 'json':
    case 'jsonc':
    case 'json5':
      return 'json';
    case 'toml':
      return 'toml';
    case 'ini':
    case 'cfg':
      return 'ini';
    case 'conf':
      return 'conf';
    case 'properties':
      return 'properties';
    case 'py':
      return 'python';
    case 'xml':
    case 'config':
      return 'xml';
    default:
      return 'generic';
  }
}

/**
 * Redacts a config file's text: structural pass for its format, then an inline `key: value` /
 * `key=value` pass on every line (flow mappings, inline tables, dicts, query strings), then the
 * secret-shape patterns over the whole text (so multi-line PEM blocks are caught).
 * With redaction disabled the text is returned unchanged.
 */
export function redactConfigText(text: string, format: ConfigTextFormat, redactor: Redactor): ConfigRedaction {
  if (!redactor.enabled) return { text, redacted: false };
  // A Kubernetes Secret (gitleaks kubernetes-secret-yaml) keeps its secrets under `data` and
  // `stringData`, whose entries have ordinary names: in such a file those two keys are sensitive.
  if ((format === 'yaml' || format === 'json' || format === 'generic') && KUBERNETES_SECRET.test(text)) {
    const base = redactor;
    redactor = {
      ...base,
      isSensitiveKey: (key: string) => key === 'data' || key === 'stringData' || base.isSensitiveKey(key),
    };
  }
  let out: string;
  if (format === 'json') {
    out = redactJsonNamed(redactJson(text, redactor) ?? redactLines(text, 'generic', redactor), redactor);
  } else if (format === 'yaml') {
    out = redactYamlTree(redactLines(redactYamlAnchors(text, redactor), format, redactor), redactor);
  } else {
    // `password = %(raw)s`: the names a secret value interpolates are secrets too.
    const r =
      format === 'python' ? redactor : withInterpolatedNames(text, redactor, (x) => redactLines(text, format, x));
    out = redactLines(text, format, r);
  }
  // A JWK set pretty-printed over lines: its private members are judged with the whole text.
  out = redactJwk(redactShapes(out, redactor), redactor.censor);
  return { text: out, redacted: out !== text };
}

/**
 * The logger's secret-shape patterns, line by line (its `key: value` pattern allows whitespace
 * after the colon, and across a line end it would swallow the next line's key), except that a
 * PEM block, which spans lines, is given to the patterns whole, from its BEGIN line to its END
 * line (or, with no END, the line before the next BEGIN line or the end of the text).
 */
function redactShapes(input: string, r: Redactor): string {
  // A DER private key wrapped over lines (a YAML block scalar) loses each line's base64 first: a
  // line alone holds only the key's start (rules 17).
  const der = input.includes('\n') && input.includes('M') ? applySpans(input, derKeyLineSpans(input), r.censor) : input;
  // Likewise a key as separated hex wrapped over lines (openssl's dumps, 15 bytes a line: rules 19).
  const hex = der.includes('\n') ? applySpans(der, separatedHexKeyLineSpans(der), r.censor) : der;
  // openssl's `-text` private components and decimal byte lists over lines likewise (rules 20).
  const dumps = hex.includes('\n') ? applySpans(hex, keyDumpLineSpans(hex), r.censor) : hex;
  // A PuTTY key's private lines likewise (rules 18: a line alone is no key).
  const text = dumps.includes('Private-') ? applySpans(dumps, puttyKeySpans(dumps), r.censor) : dumps;
  const lines = splitLines(text);
  const hasPem = text.includes('-----BEGIN ');
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as Line;
    if (hasPem && line.body.includes('-----BEGIN ')) {
      let j = i;
      // Up to its END line, or to the line before the next BEGIN line: a BEGIN without an END
      // reaches no further than the next block, so N of them cost one pass, not N (at46 F5).
      while (
        j < lines.length - 1 &&
        !(lines[j] as Line).body.includes('-----END ') &&
        !opensBlock(lines[j + 1] as Line)
      )
        j++;
      const segment = joinLines(lines.slice(i, j + 1));
      const redacted = r.redactString(segment);
      if (redacted !== segment) {
        changed = true;
        const parts = splitLines(redacted);
        lines.splice(i, j - i + 1, ...parts);
        i += parts.length - 1;
        continue;
      }
    }
    const b = r.redactString(line.body);
    if (b !== line.body) {
      line.body = b;
      changed = true;
    }
  }
  return changed ? joinLines(lines) : text;
}

/** A line with a BEGIN and no END: a PEM block starts on it. */
function opensBlock(line: Line): boolean {
  return line.body.includes('-----BEGIN ') && !line.body.includes('-----END ');
}

/** Line-oriented formats: YAML, TOML or the `key = value` family, then pairs inside any line. */
function redactLines(text: string, format: ConfigTextFormat, r: Redactor): string {
  const lines = splitLines(text);
  switch (format) {
    case 'yaml':
      redactYamlLines(lines, r);
      redactYamlNamed(lines, r);
      break;
    case 'toml':
      redactTomlLines(lines, r);
      break;
    case 'xml':
      redactXmlLines(lines, r);
      break;
    case 'properties':
      redactPropertiesLines(lines, r);
      break;
    default:
      if (format === 'python') redactPythonLines(lines, r);
      redactKeyValueLines(lines, format, r);
  }
  for (const l of lines) l.body = redactCommandLine(redactCodePairs(redactInlinePairs(l.body, r), r), format, r.censor);
  return joinLines(lines);
}

/**
 * Each line's part of an openssl `-text` private component (on one line too: the line alone
 * lacks its label), of a decimal byte list and of an `xxd` dump of a DER key over lines (rules 20).
 */
function keyDumpLineSpans(s: string): number[] {
  const spans: number[] = [];
  const openssl = s.includes(':\n') || s.includes(':\r\n') ? opensslTextKeySpans(s) : [];
  for (let k = 0; k < openssl.length; k += 2) {
    const at = openssl[k] as number;
    const end = openssl[k + 1] as number;
    const before = spans.length;
    lineParts(s, at, end, spans);
    if (spans.length === before) spans.push(at, end);
  }
  if (hasDecimalListCue(s)) {
    const list = decimalListKeySpans(s);
    for (let k = 0; k < list.length; k += 2) lineParts(s, list[k] as number, list[k + 1] as number, spans);
  }
  if (hasLiteralListCue(s)) {
    const list = literalListKeySpans(s);
    for (let k = 0; k < list.length; k += 2) lineParts(s, list[k] as number, list[k + 1] as number, spans);
  }
  if (hasXxdCue(s)) {
    const dumps = xxdDumpKeySpans(s);
    for (let k = 0; k < dumps.length; k += 2) lineParts(s, dumps[k] as number, dumps[k + 1] as number, spans);
  }
  if (s.includes(PLAIN_CUE) || s.includes('\n')) {
    const dumps = plainDumpKeySpans(s);
    for (let k = 0; k < dumps.length; k += 2) lineParts(s, dumps[k] as number, dumps[k + 1] as number, spans);
  }
  return spans;
}
