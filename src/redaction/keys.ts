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
  'recoveryphrase',
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
]);

/**
 * Words sensitive only as the key's last word: `db_pass`, `smtp_pass` and `pass` are passwords,
 * `pass_through` is not.
 */
const LAST_WORDS: ReadonlySet<string> = new Set(['pass', 'pw', 'auth', 'sig', 'bearer']);

/** `<word>_key` and `<word>_keys` are secrets after these words (`signing_key`, `api_keys`); `sort_key`, `routing_key` are not. */
const KEY_PREFIXES: ReadonlySet<string> = new Set([
  'secret',
  'signing',
  'sign',
  'encryption',
  'enc',
  'decryption',
  'dec',
  'private',
  'priv',
  'api',
  'access',
  'master',
  'client',
  'auth',
  'session',
  'app',
  'application',
  'license',
  'licence',
  'hmac',
  'mac',
  'aes',
  'crypto',
  'cipher',
  'account',
  'storage',
  'shared',
  'subscription',
  'consumer',
  'server',
  'ssh',
  'gpg',
  'pgp',
  'deploy',
  'jwt',
  'wrapping',
  'root',
  'admin',
  'service',
  'db',
  'database',
  'wallet',
  'webhook',
  'bot',
  'partner',
  'merchant',
  'ingest',
  'write',
  'management',
  'primary',
  'secondary',
]);

/**
 * Issuers of API keys: `<issuer>_key` and `<issuer>_io_key` are secrets (`BINANCE_KEY`,
 * `ADAFRUIT_IO_KEY`). The providers of gitleaks' keyword rules (whose values have no fixed shape,
 * so only the name gives them away), the venues and brokers a trading desk holds keys for, and
 * the common cloud and AI APIs.
 */
const KEY_ISSUERS: ReadonlySet<string> = new Set([
  // gitleaks keyword rules
  'adafruit',
  'adobe',
  'airtable',
  'algolia',
  'alibaba',
  'asana',
  'atlassian',
  'confluence',
  'jira',
  'beamer',
  'bitbucket',
  'bittrex',
  'meraki',
  'cloudflare',
  'codecov',
  'cohere',
  'coinbase',
  'confluent',
  'contentful',
  'datadog',
  'discord',
  'droneci',
  'dropbox',
  'etsy',
  'facebook',
  'fastly',
  'finicity',
  'finnhub',
  'flickr',
  'freshbooks',
  'gitter',
  'gocardless',
  'heroku',
  'hubspot',
  'intercom',
  'jfrog',
  'artifactory',
  'bintray',
  'kraken',
  'kucoin',
  'launchdarkly',
  'linear',
  'linkedin',
  'lob',
  'looker',
  'mailchimp',
  'mailgun',
  'mapbox',
  'mattermost',
  'messagebird',
  'netlify',
  'newrelic',
  'nytimes',
  'okta',
  'plaid',
  'rapidapi',
  'sendbird',
  'sentry',
  'snyk',
  'sonar',
  'squarespace',
  'sumo',
  'sumologic',
  'telegram',
  'travis',
  'twitch',
  'twitter',
  'typeform',
  'yandex',
  'zendesk',
  // venues, brokers, market data
  'binance',
  'bybit',
  'okx',
  'bitmex',
  'bitfinex',
  'bitstamp',
  'gemini',
  'deribit',
  'huobi',
  'gateio',
  'alpaca',
  'oanda',
  'polygon',
  'tradier',
  'tastytrade',
  'iex',
  'alphavantage',
  'quandl',
  'refinitiv',
  'bloomberg',
  'saxo',
  'lmax',
  'fxcm',
  'ibkr',
  'tradestation',
  'schwab',
  'etrade',
  'robinhood',
  'databento',
  'twelvedata',
  'tiingo',
  // cloud, SaaS, AI
  'stripe',
  'twilio',
  'sendgrid',
  'openai',
  'anthropic',
  'github',
  'gitlab',
  'slack',
  'aws',
  'gcp',
  'google',
  'azure',
  'firebase',
  'pagerduty',
  'pusher',
  'segment',
  'mixpanel',
  'amplitude',
  'vercel',
  'supabase',
  'pinecone',
  'huggingface',
  'mistral',
  'groq',
  'deepseek',
  'perplexity',
  'replicate',
  'elevenlabs',
  'npm',
  'pypi',
  'docker',
  'dockerhub',
]);

/**
 * `<word>_token` is a credential unless the word makes it trading vocabulary: a crypto token
 * (`base_token`, `quote_token`), a pagination cursor (`next_token`), an LLM token count.
 */
const BENIGN_TOKEN_PREFIXES: ReadonlySet<string> = new Set([
  'base',
  'quote',
  'native',
  'wrapped',
  'underlying',
  'reward',
  'rewards',
  'fee',
  'gas',
  'governance',
  'gov',
  'stable',
  'collateral',
  'debt',
  'lp',
  'pool',
  'pair',
  'erc20',
  'erc721',
  'spl',
  'input',
  'output',
  'src',
  'source',
  'dst',
  'dest',
  'destination',
  'target',
  'from',
  'to',
  'in',
  'out',
  'settlement',
  'margin',
  'deposit',
  'withdrawal',
  'staking',
  'staked',
  'utility',
  'nft',
  'listed',
  'traded',
  'trading',
  'max',
  'min',
  'num',
  'total',
  'prompt',
  'completion',
  'next',
  'page',
  'continuation',
  'pagination',
  'cursor',
  'sync',
  'cancellation',
  'cancel',
  'first',
  'last',
  'sell',
  'buy',
  'bid',
  'ask',
  'new',
  'old',
]);

/** `<word>_token` followed by these is still the token (`token_value`); other tails (`token_symbol`) are not. */
const TOKEN_TAILS: ReadonlySet<string> = new Set([
  'value',
  'string',
  'key',
  'header',
  'cookie',
  'raw',
  'plain',
  'plaintext',
]);

/** `<word>_tokens` is credentials only after these (`access_tokens`); `max_tokens`, `prompt_tokens` are counts. */
const CREDENTIAL_TOKEN_PREFIXES: ReadonlySet<string> = new Set([
  'access',
  'refresh',
  'auth',
  'api',
  'bearer',
  'id',
  'session',
  'oauth',
  'csrf',
  'xsrf',
  'personal',
  'bot',
  'app',
  'deploy',
  'security',
  'user',
  'device',
  'push',
  'github',
  'gitlab',
  'slack',
  'npm',
  'pypi',
]);

/** Web session cookies: `laravel_session`, `rack.session`, `user_session_id`. `trading_session` is not one. */
const SESSION_PREFIXES: ReadonlySet<string> = new Set([
  'user',
  'web',
  'http',
  'https',
  'browser',
  'login',
  'auth',
  'app',
  'client',
  'laravel',
  'rack',
  'ci',
  'express',
  'flask',
  'django',
  'connect',
  'php',
  'asp',
  'oauth',
  'sso',
  'cookie',
  'secure',
  'host',
  'gitlab',
]);
const SESSION_TAILS: ReadonlySet<string> = new Set(['token', 'key', 'secret', 'cookie', 'data', 'value', 'hash']);

/** `<word>_code` is a secret after these (`auth_code`, `mfa_code`, `verification_code`). */
const CODE_PREFIXES: ReadonlySet<string> = new Set([
  'auth',
  'mfa',
  '2fa',
  'twofa',
  'otp',
  'verification',
  'verify',
  'security',
  'recovery',
  'backup',
  'reset',
  'activation',
  'authorization',
  'oauth',
  'pairing',
  'login',
  'sms',
  'pin',
]);

/** `auth_<word>` is a credential for these tails; `auth_method`, `auth_url` are not. */
const AUTH_TAILS: ReadonlySet<string> = new Set([
  'header',
  'string',
  'code',
  'data',
  'info',
  'value',
  'pass',
  'cookie',
]);

/** `sid` is a session cookie alone or after these (`connect.sid`); `account_sid` is an id. */
const SID_PREFIXES: ReadonlySet<string> = new Set(['connect', 'express', 'session', 'web', 'user', 'login']);

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
 * True if a key (already known not to be a protected trade field) names a secret by the built-in
 * vocabulary. `normalized` is `normalizeKey(key)`.
 */
export function isBuiltinSensitiveKey(key: string, normalized: string): boolean {
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
  return false;
}
