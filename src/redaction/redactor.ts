/**
 * The compiled redactor: which keys are sensitive, which string shapes are secrets.
 *
 * Compiled once (pino's lesson: build the expensive thing once, keep the hot path a lookup);
 * per event the logger only asks `isSensitiveKey(key)` (a cached map lookup) and
 * `redactString(s)` (one combined regular-expression test, replacement only on a hit, then the
 * pair scan when the string has a `:` or `=`). The same compiled rules serve the logger, config
 * snapshots and their diffs, and the CLI's echoes of what a user typed.
 *
 * - redactor.ts (here): compiling the rules and the per-string pass;
 * - keys.ts, key-word-sets.ts, key-foreign.ts: the key vocabulary (field names, pair keys, config
 *   keys: one list; key-foreign.ts its words in the languages of EU desks);
 * - chars.ts: what the text scanners call a blank (Unicode space separators too) and a key letter;
 * - shapes.ts, shape-rules.ts, pem.ts: secret shapes (the scanners' fixed-prefix rules, URL passwords,
 *   auth schemes, PEM blocks);
 * - pairs.ts, pairs-encoded.ts: `key: value` / `key=value` / `--key value` inside free text (and URL-encoded);
 * - pairs-spaced.ts, key-stems.ts: `key value` (a space or tab) inside free text;
 * - command-flags.ts: passwords given to common tools by short options (`sshpass -p X`);
 * - der-key.ts, der-hex.ts: private keys as bare base64 DER (a shape rule's finder), and as hex
 *   (unbroken, with separators, dumps, hex lists);
 * - protocol-auth.ts: Redis ACL and AUTH passwords, SMTP AUTH PLAIN / LOGIN credentials, IMAP LOGIN,
 *   POP3 PASS, Bybit's websocket auth;
 * - putty-key.ts: a PuTTY `.ppk` key's private lines and MAC.
 */
import { AuditpackError } from '../errors.js';
import { redactCommandFlags } from './command-flags.js';
import {
  decimalListKeySpans,
  ESCAPED_REPR_CUE,
  escapedReprKeySpans,
  hasDecimalListCue,
  pythonReprKeySpans,
} from './der-bytes.js';
import { hasLiteralListCue, literalListKeySpans } from './der-literals.js';
import { redactSeparatedHexKeys, SEPARATED_HEX_KEY_MIN } from './der-hex.js';
import { escapedViewKeySpans, mayHoldEscapedDump } from './escaped-view.js';
import { hasXxdCue, PLAIN_CUE, plainDumpKeySpans, xxdDumpKeySpans } from './der-xxd.js';
import { isBuiltinSensitiveKey, normalizeKey } from './keys.js';
import { redactJwk } from './jwk.js';
import { redactPairs } from './pairs.js';
import { redactSpacedPairs } from './pairs-spaced.js';
import { redactMarkupPairs } from './pairs-markup.js';
import {
  hasOpensslTextCue,
  hasOpensslInlineCue,
  OPENSSL_TEXT_MIN,
  opensslInlineKeySpans,
  opensslTextKeySpans,
} from './openssl-text.js';
import { redactPem } from './pem.js';
import { flattenedDumpKeySpans, mayHoldFlattenedDump } from './flattened-view.js';
import { HEX_RUNS_MIN, hexRunsKeySpans, mayHoldHexRun } from './hex-runs.js';
import { PREFIXED_DUMP_MIN, prefixedDumpKeySpans } from './prefixed-view.js';
import { applySpans, mayHoldProtocolAuth, redactProtocolAuth } from './protocol-auth.js';
import { asn1parseKeySpans, hasAsn1parseCue } from './asn1parse-dump.js';
import { puttyKeySpans } from './putty-key.js';
import { redactShapes, scanFacts, type SecretPattern } from './shapes.js';
import { partialPatterns, redactPartial } from './shapes-partial.js';

/** What replaces a secret. */
export const DEFAULT_CENSOR = '[REDACTED]';

/**
 * Bumped whenever the built-in rules change what they replace (the key vocabulary, the shapes,
 * the pair scanner); part of the snapshot store's rules fingerprint.
 */
export const REDACTION_RULES_VERSION = 20;

/** Trade and identity fields that redaction never alters. */
export const PROTECTED_KEYS: readonly string[] = Object.freeze([
  'symbol',
  'side',
  'quantity',
  'qty',
  'price',
  'orderid',
  'dealid',
  'clientorderid',
  'execid',
  'tradeid',
]);

/** Settings of the redactor. */
export interface RedactionOptions {
  /** false turns redaction off entirely (only ever explicitly). Default true. */
  enabled?: boolean;
  /** Extra sensitive key names; matched like the built-ins (case and separators ignored, as fragments). */
  keys?: readonly string[];
  /** Extra secret shapes: RegExp (a global flag is added) or a regular-expression source string. */
  patterns?: readonly (RegExp | string)[];
  /** Replacement text (default `[REDACTED]`). */
  censor?: string;
}

/** Compiled redaction rules. */
export interface Redactor {
  readonly enabled: boolean;
  readonly censor: string;
  /** True if values under this key must be replaced whole. */
  isSensitiveKey(key: string): boolean;
  /** True if values under this key are trade fields, never altered. */
  isProtectedKey(key: string): boolean;
  /** A key name with any secret-shaped part replaced (cached per key); the same string if clean. */
  redactKey(key: string): string;
  /** The string with every secret-shaped part replaced; the same string object if nothing matched. */
  redactString(s: string): string;
  /**
   * True when the last `redactString` call returned its argument unchanged and its scan looked at
   * every character and found none that a JSON string must escape: the caller may quote it as
   * `"…"` without testing it again (long free text then costs one pass, not two). False whenever
   * that is not known (a cached or short string, redaction off, a replacement).
   */
  readonly lastJsonPlain?: boolean;
}

/** Strings shorter than this cannot hold any built-in secret ("pin=1234" is 8, "pwd=abc" 7). */
const MIN_SECRET_LENGTH = 5;
/** Bound on the key-decision caches, so hostile key names cannot grow memory without limit. */
const KEY_CACHE_LIMIT = 10_000;
/** Strings up to this length that scanned clean are remembered (see redactString). */
const CLEAN_CACHE_MAX_CHARS = 128;
/** Bound on remembered clean strings (at most about 1 MiB). */
const CLEAN_CACHE_LIMIT = 4096;

/** The user's extra patterns, each global, with a non-global copy that tests whether a string needs it. */
function compileUserPatterns(patterns: readonly (RegExp | string)[]): { apply: SecretPattern[]; tests: RegExp[] } {
  const apply: SecretPattern[] = [];
  for (const [i, p] of patterns.entries()) {
    const re =
      typeof p === 'string' ? userRegExp(p, i) : new RegExp(p.source, p.flags.includes('g') ? p.flags : `${p.flags}g`);
    apply.push({ name: `user:${re.source}`, regex: re });
  }
  return { apply, tests: apply.map((p) => new RegExp(p.regex.source, p.regex.flags.replace('g', ''))) };
}

/**
 * A pattern given as text (the config file's `redaction.patterns`). It is often a literal secret to
 * scrub, so an invalid one is refused by its position and length and the engine's reason, never
 * quoted: the SyntaxError's own message holds the pattern, and is not kept as the cause.
 */
function userRegExp(source: string, index: number): RegExp {
  try {
    return new RegExp(source, 'g');
  } catch (err) {
    const text = err instanceof Error ? err.message : '';
    const head = `Invalid regular expression: /${source}/g: `;
    const reason = text.startsWith(head) ? `: ${text.slice(head.length)}` : '';
    throw new AuditpackError(
      'CONFIG_INVALID',
      `redaction pattern ${index + 1} (${source.length} characters) is not a valid regular expression${reason}`,
    );
  }
}

/** What the redactor decided about one key name. */
interface KeyDecision {
  readonly sensitive: boolean;
  readonly protectedKey: boolean;
  readonly safeKey: string;
}

/**
 * One cached decision per key name. Object.create(null): keys come from user input ("__proto__"
 * must be an ordinary key). Bounded, so hostile key names cannot grow memory.
 */
function keyDecisions(
  enabled: boolean,
  userFragments: readonly string[],
  redactString: (s: string) => string,
): (key: string) => KeyDecision {
  const protectedSet = new Set(PROTECTED_KEYS);
  let cache: Record<string, KeyDecision> = Object.create(null);
  let cacheSize = 0;
  const sensitiveName = (key: string): boolean => {
    const n = normalizeKey(key);
    if (protectedSet.has(n)) return false;
    return isBuiltinSensitiveKey(key, n) || userFragments.some((f) => n.includes(f));
  };
  return (key: string): KeyDecision => {
    let d = cache[key];
    if (d !== undefined) return d;
    if (cacheSize >= KEY_CACHE_LIMIT) {
      cache = Object.create(null);
      cacheSize = 0;
    }
    const protectedKey = protectedSet.has(normalizeKey(key));
    d = {
      protectedKey,
      sensitive: enabled && !protectedKey && sensitiveName(key),
      safeKey: redactString(key),
    };
    cache[key] = d;
    cacheSize++;
    return d;
  };
}

/** The shortest text a DER private key as a Python repr or decimal list fits in (Ed25519's 48 bytes: `b'…'`). */
const KEY_BYTES_MIN = 51;

/**
 * `spans` (a line reader's keys in `s`) and, when it found one, the flattened reader's in the same
 * text (rules 20, part 10): a flattened dump's first line read alone as a line to the text's end
 * holds a key's header and part of its secret; censored before the flattened pass, the rest of the
 * secret on the next lines lost the structure that pass would read it by.
 */
function withFlattened(s: string, spans: number[]): number[] {
  if (spans.length > 0 && mayHoldFlattenedDump(s)) for (const x of flattenedDumpKeySpans(s)) spans.push(x);
  return spans;
}

/**
 * DER private keys as a Python bytes repr, a list of decimal bytes or in an `xxd` dump's other
 * layouts (rules 20): one search each.
 */
function redactKeyBytes(s: string, censor: string): string {
  let out = s;
  if (out.includes('\\x02\\x01\\x0')) out = applySpans(out, pythonReprKeySpans(out), censor);
  // The same repr inside a JSON string (rules 20, part 4): one more search, its escaped cue.
  if (out.includes(ESCAPED_REPR_CUE)) out = applySpans(out, escapedReprKeySpans(out), censor);
  if (hasDecimalListCue(out)) out = applySpans(out, decimalListKeySpans(out), censor);
  if (hasLiteralListCue(out)) out = applySpans(out, literalListKeySpans(out), censor);
  // `xxd` dumps in other layouts (`-g1`, a key inside a line): one search, an offset's `0: `.
  if (out.length >= SEPARATED_HEX_KEY_MIN && hasXxdCue(out))
    out = applySpans(out, withFlattened(out, xxdDumpKeySpans(out)), censor);
  // od's and plain hexdump's (offsets with no `:`): one search, the first offset's `000000 ` (rules 20, part 3).
  // In a text of more than one line, a fragment's offset at any line's start too (rules 20, part 4).
  const lines = out.length >= PREFIXED_DUMP_MIN && out.includes('\n');
  if (out.length >= SEPARATED_HEX_KEY_MIN && (lines || out.includes(PLAIN_CUE)))
    out = applySpans(out, withFlattened(out, plainDumpKeySpans(out)), censor);
  // The same dumps and `xxd -p` with a prefix of any width on every line (rules 20, part 8): a line scan of multi-line text.
  if (lines) out = applySpans(out, prefixedDumpKeySpans(out), censor);
  // The same dumps with their lines joined by single spaces (rules 20, part 9): one search, `0000` or asn1parse's `hl=`.
  if (out.length >= SEPARATED_HEX_KEY_MIN && mayHoldFlattenedDump(out))
    out = applySpans(out, flattenedDumpKeySpans(out), censor);
  // The same dumps inside a JSON string, escaped once or more (rules 20, part 7): two searches, `\n` and `\\x02`.
  if (mayHoldEscapedDump(out)) out = applySpans(out, escapedViewKeySpans(out), censor);
  return out;
}

/**
 * Compiles redaction rules once. Throws (CONFIG_INVALID, the pattern not quoted) only for an invalid
 * user pattern source, at construction time — never per event.
 */
export function compileRedactor(options: RedactionOptions = {}): Redactor {
  const enabled = options.enabled !== false;
  const censor = options.censor ?? DEFAULT_CENSOR;
  const userFragments = (options.keys ?? []).map(normalizeKey).filter((k) => k.length > 0);
  const partial = partialPatterns(censor);
  const user = compileUserPatterns(options.patterns ?? []);
  const userPatterns = user.apply;
  const userTests = user.tests;
  const hasUserPatterns = userPatterns.length > 0;
  const decide = keyDecisions(enabled, userFragments, (key) => redactString(key));
  const isSensitiveKey = (key: string): boolean => decide(key).sensitive;

  // Short strings a scan found clean. Trading events repeat the same values (strategy names,
  // accounts, venues, order types) across millions of events; scanning one costs ~20 ns per
  // character, a lookup a fraction of that. Exact: redactString is a pure function of the string,
  // and only strings it returned unchanged are kept, never one that held a secret. Bounded.
  let clean = new Set<string>();

  function applyUserPatterns(s: string): string {
    let out = s;
    for (const p of userPatterns) {
      p.regex.lastIndex = 0;
      out = out.replace(p.regex, censor);
    }
    return out;
  }

  // See Redactor.lastJsonPlain: set by every call, true only on the path that proves it.
  let lastJsonPlain = false;

  function redactString(s: string): string {
    lastJsonPlain = false;
    if (!enabled || (s.length < MIN_SECRET_LENGTH && !hasUserPatterns)) return s;
    const cacheable = s.length <= CLEAN_CACHE_MAX_CHARS;
    if (cacheable && clean.has(s)) return s;
    // PEM blocks first (their base64 would feed the other rules), then the fixed-prefix shapes
    // and auth schemes (one pass that also notes which characters the text holds), the secrets
    // with a name or user that stays, the user's patterns, and last the key/value pairs (which
    // skip values already replaced).
    let out = redactPem(s, censor);
    // Hex DER keys with separators (rules 19): the smallest (Ed25519, 48 bytes) is 144 characters.
    if (out.length >= SEPARATED_HEX_KEY_MIN) out = redactSeparatedHexKeys(out, censor);
    // A repr or a decimal list of the smallest key (Ed25519, 48 bytes) fits in 51 characters.
    if (out.length >= KEY_BYTES_MIN) out = redactKeyBytes(out, censor);
    // openssl's `-text` dumps of a key's private components (rules 20): `:` at a line's end (or a line ending in blanks: part 6).
    if (out.length >= OPENSSL_TEXT_MIN && hasOpensslTextCue(out))
      out = applySpans(out, opensslTextKeySpans(out), censor);
    // `openssl asn1parse` of a key (rules 20, part 5): one search, a label's `hl=`.
    if (out.length >= OPENSSL_TEXT_MIN && hasAsn1parseCue(out)) out = applySpans(out, asn1parseKeySpans(out), censor);
    // The same dumps flattened to one line or inside a JSON string (rules 20, part 3): one search, `priv`.
    if (out.length >= OPENSSL_TEXT_MIN && hasOpensslInlineCue(out))
      out = applySpans(out, opensslInlineKeySpans(out), censor);
    // The shapes pass saw `s` itself only when the PEM pass left it as it was.
    const scannedWhole = out === s;
    const shapesIn = out;
    out = redactShapes(out, censor);
    // What the shapes pass saw of the text (read before anything else runs a pass).
    const plain = scannedWhole && scanFacts.jsonPlain;
    const pairs =
      scanFacts.colon || scanFacts.equals || out.includes('--') || out.includes('%3') || out.includes('%25');
    // The spaced-pair places, copied (a key decision below may run a pass of its own).
    const spacedAt = scanFacts.spacedAt.length > 0 && !scanFacts.spacedMore ? scanFacts.spacedAt.slice() : undefined;
    const spacedScan = scanFacts.spacedMore;
    const dashOption = scanFacts.dashOption;
    const protocol = scanFacts.protocol;
    // Plain hex runs (`xxd -p -s N`, `xxd -p` flattened: rules 20, part 9): only a text with a token of 32 characters.
    if (out.length >= HEX_RUNS_MIN && mayHoldHexRun(scanFacts.longest, out))
      out = applySpans(out, hexRunsKeySpans(out), censor);
    // A PuTTY key's private lines and MAC (rules 18): only a text with `:` can hold `Private-Lines:`.
    if (scanFacts.colon && out.includes('Private-')) out = applySpans(out, puttyKeySpans(out), censor);
    const shaped = out;
    out = redactPartial(out, partial, censor);
    if (protocol && mayHoldProtocolAuth(out)) out = redactProtocolAuth(out, censor);
    if (hasUserPatterns && userTests.some((t) => t.test(out))) out = applyUserPatterns(out);
    if (pairs) out = redactJwk(redactPairs(out, isSensitiveKey, censor), censor);
    // The places hold for the text the shapes pass read; when a pass changed it since, a scan.
    if (spacedAt !== undefined || spacedScan) {
      const same = out === shaped && shaped === shapesIn;
      out = redactSpacedPairs(out, isSensitiveKey, censor, same ? spacedAt : undefined);
    }
    if (dashOption) out = redactCommandFlags(out, censor);
    if (out.includes('</') || out.includes(']')) out = redactMarkupPairs(out, isSensitiveKey, censor);
    if (out === s && cacheable) {
      if (clean.size >= CLEAN_CACHE_LIMIT) clean = new Set();
      clean.add(s);
    }
    // Last: the pair pass may have called redactString on a key meanwhile.
    lastJsonPlain = plain && out === s;
    return out;
  }

  return Object.freeze({
    enabled,
    censor,
    isSensitiveKey,
    isProtectedKey: (key: string): boolean => decide(key).protectedKey,
    redactKey: (key: string): string => decide(key).safeKey,
    redactString,
    get lastJsonPlain(): boolean {
      return lastJsonPlain;
    },
  });
}
