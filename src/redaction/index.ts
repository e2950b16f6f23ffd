/**
 * Redaction: compile once, apply per event (redactor.ts); the key vocabulary (keys.ts), secret
 * shapes (shapes.ts), pairs in free text (pairs.ts) and config file text (config-text.ts).
 */
export { SENSITIVE_KEY_FRAGMENTS, SENSITIVE_KEY_WORDS, keyWords, normalizeKey } from './keys.js';
export {
  compileRedactor,
  DEFAULT_CENSOR,
  PROTECTED_KEYS,
  REDACTION_RULES_VERSION,
  type RedactionOptions,
  type Redactor,
} from './redactor.js';
export { isDerKeyByteArray, KEY_ARRAY_MIN } from './der-bytes.js';
export { isCredentialShaped, type SecretPattern } from './shapes.js';
export { builtinSecretPatterns } from './shapes-partial.js';
export {
  flagNamesSecret,
  genericMembers,
  isNameField,
  isPairList,
  isWeakName,
  isValueField,
  keyObjectNamesSecret,
  type NamedPlan,
  namedHide,
  namedPlan,
  namesSecret,
  planNamesSecret,
  weakNameHides,
  withGeneric,
} from './named-values.js';
