/**
 * The redaction rules' fingerprint a snapshot records (`redaction.rules`): the snapshot compares it
 * with the previous record's to reuse stored copies. (verify compared it with the built-in rules'
 * until at52 F-C: the export's own rules are not in the pack, so it decides nothing there.)
 */
import {
  builtinSecretPatterns,
  DEFAULT_CENSOR,
  normalizeKey,
  PROTECTED_KEYS,
  REDACTION_RULES_VERSION,
  type RedactionOptions,
  SENSITIVE_KEY_FRAGMENTS,
  SENSITIVE_KEY_WORDS,
} from '../redaction/index.js';
import { sha256Hex } from './store.js';

/** Bumped when config-text redaction changes what it replaces (part of the rules fingerprint). */
const CONFIG_TEXT_RULES_VERSION = 5;

/**
 * A fingerprint of the redaction rules: the built-in lists and patterns, the user's additions and
 * this module's version. When it matches the previous snapshot's, an unchanged file's stored copy
 * is reused instead of being redacted again.
 */
export function rulesFingerprint(o: RedactionOptions): string {
  const enabled = o.enabled !== false;
  const censor = o.censor ?? DEFAULT_CENSOR;
  const desc = {
    v: CONFIG_TEXT_RULES_VERSION,
    rules: REDACTION_RULES_VERSION,
    enabled,
    censor,
    fragments: SENSITIVE_KEY_FRAGMENTS,
    words: SENSITIVE_KEY_WORDS,
    protected: PROTECTED_KEYS,
    builtin: builtinSecretPatterns(censor).map((p) => p.regex.source),
    keys: (o.keys ?? []).map(normalizeKey),
    patterns: (o.patterns ?? []).map((p) => (typeof p === 'string' ? p : `/${p.source}/${p.flags}`)),
  };
  return `sha256:${sha256Hex(JSON.stringify(desc)).slice(0, 16)}`;
}
