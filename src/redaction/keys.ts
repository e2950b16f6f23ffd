/**
 * Which key names hold secrets. One vocabulary for every place a key appears: an event's field
 * names (at any depth, in Maps), `key: value` / `key=value` pairs inside free text and Error
 * messages, and the keys of config files in every format.
 *
 * A key is judged by its words (`dbPass`, `DB_PASS`, `db-pass` and `db.pass` are all `db pass`),
 * not by substrings alone: "token" inside `token_symbol` or `base_token` and "session" inside
 * `trading_session` or `session_count` are trading vocabulary, while `access_token`, `session_id`
 * and a bare `session` cookie are credentials. Words that are credentials wherever they appear
 * (password, secret, passphrase, credential…) still match as substrings, so `PGPASSWORD` and
 * `clientsecret` are caught without separators.
 *
 * Sources: the keyword list of Yelp's detect-secrets (`plugins/keyword.py`: api_key, auth_key,
 * service_key, account_key, db_key, database_key, priv_key, private_key, client_key, db_pass,
 * database_pass, key_pass, password, passwd, pwd, secret, contraseña) and the key words of
 * gitleaks' generic rule (access, auth, api, credential, creds, key, password, secret, token),
 * narrowed by word position so trading field names stay readable.
 */
import {
  AUTH_TAILS,
  BENIGN_TOKEN_PREFIXES,
  CODE_PREFIXES,
  CREDENTIAL_TOKEN_PREFIXES,
  KEY_ISSUERS,
  KEY_PREFIXES,
  LAST_WORDS,
  SESSION_PREFIXES,
  SESSION_TAILS,
  SID_PREFIXES,
  TOKEN_TAILS,
} from './key-word-sets.js';
import { FOREIGN_KEY_FRAGMENTS, FOREIGN_KEY_WORDS, isForeignKeyName } from './key-foreign.js';

/**
 * Substrings that make a key sensitive wherever they appear, after lower-casing and removing
 * `_`, `-`, `.` and spaces (so `client_secret`, `clientSecret` and `CLIENTSECRET` all contain
 * `secret`).
 */
export const SENSITIVE_KEY_FRAGMENTS: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'passphrase',
  'passcode',
  'contrasena',
  'contraseña',
  'secret',
  'credential',
  'cookie',
  'authorization',
  'apikey',
  'privatekey',
  'accesskey',
  'keypass',
  'dbpass',
  'databasepass',
  'sessid',
  'signature',
  'xauth',
  'seedphrase',
  // Binance's user-data-stream key (rules 18): `?listenKey=…` in a websocket URL or a REST path.
  'listenkey',
  // A wallet's seed words (BIP 39 calls them the mnemonic); a card's or phone's PIN code.
  'mnemonic',
  'pincode',
  'recoveryphrase',
  // (rules 13) The same seed words by other wallets' names: "seed words", Trezor's "recovery seed".
  'seedwords',
  'recoveryseed',
  // Server config directives written as one word: redis `requirepass`/`masterauth`, OpenLDAP
  // `rootpw`, LDAP clients' `bindpw`.
  'requirepass',
  'masterauth',
  // Java keytool's `-storepass`, `-srcstorepass`, `-deststorepass` (the key store's password).
  'storepass',
  'rootpw',
  'bindpw',
  // The same words in the languages of EU desks (key-foreign.ts).
  ...FOREIGN_KEY_FRAGMENTS,
]);

/** Words that make a key sensitive wherever they stand as a whole word (`mysql_pwd`, `card_pin`, `otp`). */
export const SENSITIVE_KEY_WORDS: readonly string[] = Object.freeze([
  'pwd',
  'pin',
  'otp',
  'totp',
  'hotp',
  'cvv',
  'cvv2',
  'cvc',
  'ssn',
  'jwt',
  'creds',
  'psk',
  ...FOREIGN_KEY_WORDS,
]);

/** Lower-cases and strips separators: `X-Api_Key` → `xapikey`. */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

/** The key's words, lower-cased: `dbPass` → [db, pass]; `X-Api-Key` → [x, api, key]; `APIKey` → [api, key]. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9ñ]+/)
    .filter((w) => w.length > 0);
}

const WORDS: ReadonlySet<string> = new Set(SENSITIVE_KEY_WORDS);

/**
 * A word written without separators that is a credential: `accesstoken`, `AUTHTOKEN`, `apikeys`,
 * `signingkey`, `JSESSIONID`. Only the credential prefixes count here (`basetoken` is not one).
 */
function isCompound(w: string): boolean {
  if (w.length < 6) return false;
  if (w.endsWith('sessionid')) return true;
  const t = w.endsWith('token') ? 5 : w.endsWith('tokens') ? 6 : 0;
  if (t > 0) {
    const head = w.slice(0, -t);
    return CREDENTIAL_TOKEN_PREFIXES.has(head) || SESSION_PREFIXES.has(head) || head === 'session';
  }
  const k = w.endsWith('key') ? 3 : w.endsWith('keys') ? 4 : 0;
  if (k > 0) return KEY_PREFIXES.has(w.slice(0, -k));
  if (w.startsWith('session') && SESSION_TAILS.has(w.slice(7))) return true;
  return false;
}

/**
 * FIX logon passwords' tag numbers, Password(554), NewPassword(925), EncryptedPassword(1402),
 * EncryptedNewPassword(1404) (rules 12): a parsed FIX message logged as an object keyed by tag
 * (`{553: 'trader1', 554: pw}`) loses them. Such a number as a key elsewhere is rare; it goes too.
 */
export const FIX_PASSWORD_TAGS: ReadonlySet<string> = new Set(['554', '925', '1402', '1404']);

/**
 * True if a key (already known not to be a protected trade field) names a secret by the built-in
 * vocabulary. `normalized` is `normalizeKey(key)`.
 */
export function isBuiltinSensitiveKey(key: string, normalized: string): boolean {
  if (FIX_PASSWORD_TAGS.has(key)) return true;
  // An algorithm's name (`Signature Algorithm: sha256WithRSAEncryption` in openssl's dumps,
  // `signatureAlgorithm` in JWS and X.509 tooling) is no secret (rules 20).
  if (normalized.endsWith('algorithm')) return false;
  for (const f of SENSITIVE_KEY_FRAGMENTS) if (normalized.includes(f)) return true;
  const words = keyWords(key);
  const last = words.length - 1;
  for (let i = 0; i <= last; i++) {
    const w = words[i] as string;
    const prev = i > 0 ? (words[i - 1] as string) : undefined;
    const next = i < last ? (words[i + 1] as string) : undefined;
    if (WORDS.has(w)) return true;
    if (i === last && LAST_WORDS.has(w)) return true;
    if (isCompound(w)) return true;
    switch (w) {
      case 'key':
      case 'keys':
        if (prev !== undefined && KEY_PREFIXES.has(prev)) return true;
        for (let k = 0; k < i; k++) if (KEY_ISSUERS.has(words[k] as string)) return true;
        break;
      case 'token':
        if (next === undefined ? prev === undefined || !BENIGN_TOKEN_PREFIXES.has(prev) : TOKEN_TAILS.has(next))
          return true;
        break;
      case 'tokens':
        if (prev !== undefined && CREDENTIAL_TOKEN_PREFIXES.has(prev)) return true;
        break;
      case 'session':
        if (words.length === 1) return true;
        if (next !== undefined && i + 1 === last && SESSION_TAILS.has(next)) return true;
        if (next === 'id' && i + 1 === last && (prev === undefined || SESSION_PREFIXES.has(prev))) return true;
        if (next === undefined && prev !== undefined && SESSION_PREFIXES.has(prev)) return true;
        break;
      case 'code':
      case 'codes':
        if (prev !== undefined && CODE_PREFIXES.has(prev)) return true;
        break;
      case 'auth':
        if (words.length === 1 || (next !== undefined && AUTH_TAILS.has(next))) return true;
        break;
      case 'sid':
        if (words.length === 1 || (prev !== undefined && SID_PREFIXES.has(prev))) return true;
        break;
      default:
        break;
    }
  }
  return isForeignKeyName(key);
}
