/**
 * Redaction rules: which keys are sensitive, which string shapes are secrets.
 *
 * Compiled once (pino's lesson: build the expensive thing once, keep the hot path a lookup);
 * per event the logger only asks `isSensitiveKey(key)` (a cached map lookup) and
 * `redactString(s)` (one combined regular-expression test, replacement only on a hit).
 * The same compiled rules serve the logger, config snapshots and their diffs (issue 3).
 */

/** What replaces a secret. */
export const DEFAULT_CENSOR = '[REDACTED]';

/**
 * Key fragments that make a key sensitive wherever they appear in it, after lower-casing and
 * removing separators (`_`, `-`, `.`, space). So `api_key`, `X-Api-Key`, `apiKey` and
 * `upstream_api_key` all match `apikey`.
 */
export const SENSITIVE_KEY_FRAGMENTS: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'authorization',
  'cookie',
  'privatekey',
  'credential',
  'accesskey',
  'session',
  'signature',
  'xauth',
]);

/** Keys sensitive only as a whole (too short to match inside other words). */
export const SENSITIVE_KEY_EXACT: readonly string[] = Object.freeze(['pwd', 'pass', 'pin', 'otp', 'auth', 'sid', 'cvv', 'cvc', 'ssn', 'jwt', 'bearer']);

/** Trade and identity fields that redaction never alters (issue 2: "trade fields are never altered"). */
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

/** A named secret shape. `replace` receives the match and returns its redacted form. */
export interface SecretPattern {
  readonly name: string;
  readonly regex: RegExp;
  readonly replace?: (match: string, ...groups: string[]) => string;
}

/**
 * Built-in secret shapes. No leading `\b`: a secret glued to other text ("xAKIA…") is still a secret.
 * Order matters: PEM blocks first (they contain base64 that other patterns would nibble at).
 * Every repetition that can follow a non-literal start is bounded, so a hostile 64 KiB string cannot
 * make the scan quadratic (ReDoS): each start position costs a bounded number of steps.
 */
export function builtinSecretPatterns(censor: string = DEFAULT_CENSOR): SecretPattern[] {
  return [
    // PEM private keys, complete blocks, then a BEGIN with no END (a truncated string).
    { name: 'pem-private-key', regex: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/g },
    { name: 'pem-private-key-unterminated', regex: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\s\S]*/g },
    // JWT / JWS: base64url header starting {" ("eyJ"), payload, optional signature.
    { name: 'jwt', regex: /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.?[A-Za-z0-9_-]*/g },
    // HTTP auth schemes: keep the scheme word, drop the credential.
    {
      name: 'auth-header',
      regex: /(Bearer|Basic|Digest|Token)(\s{1,8}|%20)[A-Za-z0-9\-._~+/=]{6,}/gi,
      replace: (_m, scheme: string, sp: string) => `${scheme}${sp}${censor}`,
    },
    // Cloud and SaaS key ids.
    { name: 'aws-access-key-id', regex: /(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}/g },
    { name: 'github-token', regex: /(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{20,})/g },
    { name: 'slack-token', regex: /xox[abposr]-[A-Za-z0-9-]{10,}/g },
    { name: 'stripe-key', regex: /(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}/g },
    { name: 'google-api-key', regex: /AIza[0-9A-Za-z_-]{35}/g },
    // Credentials in URLs: scheme://user:password@ — the user stays, the password goes. The match
    // starts at the literal "://" (the scheme is not needed to recognise it), so strings without
    // "://" are rejected at once instead of trying a scheme at every letter.
    {
      name: 'url-credentials',
      regex: /(:\/\/)([^\s:@/]{0,256}):([^\s@/]{1,1024})@/g,
      replace: (_m, sep: string, user: string) => `${sep}${user}:${censor}@`,
    },
    // key=value and key: value pairs with a sensitive key, in query strings, headers or free text.
    // Only spaces and tabs around the separator: never across a line end, so `password:` at the end
    // of one line does not swallow the next line's key.
    {
      name: 'secret-assignment',
      regex:
        /((?:api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|id[_-]?token|auth[_-]?token|token|signature|sig|client[_-]?secret|secret|password|passwd|pwd|x-api-key|private[_-]?key|session[_-]?id)["']?[ \t]{0,8}(?:=|:)[ \t]{0,8}["']?)([^&\s#"',;}]+)/gi,
      replace: (_m, key: string) => `${key}${censor}`,
    },
  ];
}

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
}

/** Strings shorter than this cannot hold any built-in secret shape ("token=x" is 7). */
const MIN_SECRET_LENGTH = 7;
/** Bound on the key-decision caches, so hostile key names cannot grow memory without limit. */
const KEY_CACHE_LIMIT = 10_000;
/** Strings up to this length that scanned clean are remembered (see redactString). */
const CLEAN_CACHE_MAX_CHARS = 128;
/** Bound on remembered clean strings (at most about 1 MiB). */
const CLEAN_CACHE_LIMIT = 4096;

/** Lower-cases and strips separators: `X-Api_Key` → `xapikey`. */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

/**
 * Compiles redaction rules once. Throws USAGE-free plain errors only for an invalid user pattern
 * source, at construction time — never per event.
 */
export function compileRedactor(options: RedactionOptions = {}): Redactor {
  const enabled = options.enabled !== false;
  const censor = options.censor ?? DEFAULT_CENSOR;
  const fragments = [...SENSITIVE_KEY_FRAGMENTS, ...(options.keys ?? []).map(normalizeKey).filter((k) => k.length > 0)];
  const exact = new Set(SENSITIVE_KEY_EXACT);
  const protectedSet = new Set(PROTECTED_KEYS);
  const patterns: SecretPattern[] = [...builtinSecretPatterns(censor)];
  for (const p of options.patterns ?? []) {
    const re = typeof p === 'string' ? new RegExp(p, 'g') : new RegExp(p.source, p.flags.includes('g') ? p.flags : `${p.flags}g`);
    patterns.push({ name: `user:${re.source}`, regex: re });
  }
  // One combined, non-global test decides whether a string needs the replacement pass at all.
  const anySecret = new RegExp(patterns.map((p) => `(?:${p.regex.source})`).join('|'), 'i');
  const hasUserPatterns = (options.patterns ?? []).length > 0;

  // One cached decision per key name. Object.create(null): keys come from user input
  // ("__proto__" must be an ordinary key). Bounded, so hostile key names cannot grow memory.
  interface KeyDecision {
    readonly sensitive: boolean;
    readonly protectedKey: boolean;
    readonly safeKey: string;
  }
  let cache: Record<string, KeyDecision> = Object.create(null);
  let cacheSize = 0;

  const decide = (key: string): KeyDecision => {
    let d = cache[key];
    if (d !== undefined) return d;
    if (cacheSize >= KEY_CACHE_LIMIT) {
      cache = Object.create(null);
      cacheSize = 0;
    }
    const n = normalizeKey(key);
    const protectedKey = protectedSet.has(n);
    d = {
      protectedKey,
      sensitive: enabled && !protectedKey && (exact.has(n) || fragments.some((f) => n.includes(f))),
      safeKey: redactString(key),
    };
    cache[key] = d;
    cacheSize++;
    return d;
  };

  // Short strings a scan found clean. Trading events repeat the same values (strategy names,
  // accounts, venues, order types) across millions of events; scanning one costs ~20 ns per
  // character, a lookup a fraction of that. Exact: redactString is a pure function of the string,
  // and only strings it returned unchanged are kept, never one that held a secret. Bounded.
  let clean = new Set<string>();

  function redactString(s: string): string {
    if (!enabled || (s.length < MIN_SECRET_LENGTH && !hasUserPatterns)) return s;
    const cacheable = s.length <= CLEAN_CACHE_MAX_CHARS;
    if (cacheable && clean.has(s)) return s;
    if (!anySecret.test(s)) {
      if (cacheable) {
        if (clean.size >= CLEAN_CACHE_LIMIT) clean = new Set();
        clean.add(s);
      }
      return s;
    }
    let out = s;
    for (const p of patterns) {
      p.regex.lastIndex = 0;
      if (!p.regex.test(out)) continue;
      p.regex.lastIndex = 0;
      const replace = p.replace;
      out = replace ? out.replace(p.regex, replace as (m: string, ...g: string[]) => string) : out.replace(p.regex, censor);
    }
    return out;
  }

  return Object.freeze({
    enabled,
    censor,
    isSensitiveKey: (key: string): boolean => decide(key).sensitive,
    isProtectedKey: (key: string): boolean => decide(key).protectedKey,
    redactKey: (key: string): string => decide(key).safeKey,
    redactString,
  });
}
