/**
 * Secret shapes: strings that are credentials by their form, wherever they appear.
 *
 * Anchored on the public rule sets of the well-kept scanners: every gitleaks default rule
 * (`config/gitleaks.toml`) that has a fixed prefix or structure, the fixed-shape plugins of Yelp's
 * detect-secrets (AWS, Azure storage, Discord, GitHub, GitLab, JWT, Mailchimp, npm, OpenAI, PyPI,
 * SendGrid, Slack, Square, Stripe, Telegram, Twilio, Artifactory, basic-auth URLs, private keys),
 * and GitHub secret scanning's non-provider patterns (HTTP basic and bearer headers, database
 * connection strings, private keys). Rules of theirs that are only "a provider's name near 32
 * characters" are covered by the key vocabulary (`keys.ts`) instead: `adafruit_api_key = …` is a
 * sensitive key wherever it appears.
 *
 * Every pattern starts with a literal or a short bounded class, and every repetition is bounded,
 * so a hostile 64 KiB string costs a bounded number of steps per position (no ReDoS). Patterns are
 * case-sensitive (the combined test must not widen them); case variants are spelled out.
 * PEM private keys are found by `redactPem` (index search, linear), not by a pattern.
 */

/** A named secret shape. `replace` receives the match and its groups and returns the redacted form. */
export interface SecretPattern {
  readonly name: string;
  readonly regex: RegExp;
  readonly replace?: (match: string, ...groups: string[]) => string;
}

/**
 * A fixed-prefix shape: tried only where a token starts (after white space, a quote or a bracket)
 * or after `= : / @ | & ? #` inside one, and only when the text there starts with one of its
 * prefixes, so a string costs one pass over its characters plus a few `startsWith` checks per
 * long token, whatever the number of rules. (One regular expression of ~100 alternatives was
 * measured at 6-40 times the cost of the old scan.) A secret glued to the end of a word
 * (`xAKIA…`) is therefore not found by these rules.
 */
interface ShapeRule {
  readonly name: string;
  /** Literal starts; the empty string means "any character" (then `hook` must be in the token). */
  readonly prefixes: readonly string[];
  /** Matched at the candidate position (sticky). */
  readonly regex: RegExp;
  /** Shortest possible match: tokens shorter than this are not tried. */
  readonly min: number;
  /** A literal the token must contain (for shapes without a literal start). */
  readonly hook?: string;
  /** Keep the match up to and including its first `=` (a name: `AccountKey=`, `554=`). */
  readonly keepName?: boolean;
}

/** [name, prefixes, regex source (matched at the prefix), minimum length, hook?] */
type RuleRow = readonly [string, string, string, number, string?];

const E = '(?![A-Za-z0-9])';

const RULES: readonly RuleRow[] = [
  // Cloud providers
  [
    'aws-access-key-id',
    'A3T AKIA ASIA ABIA ACCA AGPA AIDA AROA ANPA ANVA AIPA',
    String.raw`(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}`,
    20,
  ],
  [
    'aws-bedrock-api-key',
    'ABSK bedrock-api-key-',
    String.raw`ABSK[A-Za-z0-9+/]{100,300}={0,2}|bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=_%-]{0,2048}`,
    44,
  ],
  ['gcp-api-key', 'AIza', String.raw`AIza[A-Za-z0-9_-]{35}`, 39],
  ['google-oauth-client-secret', 'GOCSPX-', String.raw`GOCSPX-[A-Za-z0-9_-]{28}`, 35],
  ['google-oauth-access-token', 'ya29.', String.raw`ya29\.[A-Za-z0-9_-]{20,2048}`, 25],
  ['google-oauth-refresh-token', '1//0', String.raw`1//0[A-Za-z0-9_-]{40,512}`, 44],
  ['azure-ad-client-secret', '', String.raw`[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}`, 37, 'Q~'],
  [
    'azure-connection-string-key',
    'AccountKey= SharedAccessKey= SharedAccessSignature=',
    String.raw`(?:AccountKey|SharedAccessKey|SharedAccessSignature)=[A-Za-z0-9+/=%]{20,512}`,
    31,
  ],
  ['alibaba-access-key-id', 'LTAI', String.raw`LTAI[A-Za-z0-9]{20}${E}`, 24],
  ['digitalocean-token', 'doo_v1_ dop_v1_ dor_v1_', String.raw`do[opr]_v1_[a-f0-9]{64}`, 71],
  ['yandex-api-key', 'AQVN', String.raw`AQVN[A-Za-z0-9_-]{35,38}${E}`, 39],
  ['yandex-access-token', 't1.', String.raw`t1\.[A-Za-z0-9_-]{8,256}={0,2}\.[A-Za-z0-9_-]{86}={0,2}`, 98],
  ['cloudflare-origin-ca-key', 'v1.0-', String.raw`v1\.0-[a-f0-9]{24}-[a-f0-9]{146}`, 176],
  [
    'flyio-access-token',
    'fo1_ fm1a_ fm1r_ fm2_',
    String.raw`fo1_[A-Za-z0-9_-]{43}|fm1[ar]_[A-Za-z0-9+/]{40,2048}={0,3}|fm2_[A-Za-z0-9+/]{40,2048}={0,3}`,
    44,
  ],
  ['hashicorp-tf-api-token', '', String.raw`[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}`, 83, '.atlasv1.'],
  ['vault-token', 'hvs. hvb. hvr. s.', String.raw`hv[sbr]\.[A-Za-z0-9_-]{24,300}|s\.[A-Za-z0-9]{24}${E}`, 26],
  ['tailscale-key', 'tskey-', String.raw`tskey-[a-z]{3,10}-[A-Za-z0-9]{6,}-[A-Za-z0-9]{10,64}`, 26],
  ['scalingo-api-token', 'tk-us-', String.raw`tk-us-[A-Za-z0-9_-]{48}`, 54],
  ['openshift-user-token', 'sha256~', String.raw`sha256~[A-Za-z0-9_-]{43}`, 50],
  ['pulumi-api-token', 'pul-', String.raw`pul-[a-f0-9]{40}`, 44],
  ['doppler-api-token', 'dp.', String.raw`dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}`, 46],
  ['planetscale-token', 'pscale_', String.raw`pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_=.-]{32,64}`, 42],
  ['supabase-token', 'sbp_', String.raw`sbp_[a-f0-9]{40}`, 44],
  // Source hosting and package registries
  [
    'github-token',
    'ghp_ gho_ ghu_ ghs_ ghr_ github_pat_',
    String.raw`gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{20,255}`,
    31,
  ],
  [
    'gitlab-token',
    'glpat- gldt- glft- glsoat- glrt- glptt- glcbt- glimt- glagent- gloas- glffct- GR1348941',
    String.raw`gl(?:pat|dt|ft|soat|rt|ptt|cbt|imt|agent|oas|ffct)-[A-Za-z0-9_.-]{20,300}|GR1348941[A-Za-z0-9_-]{20,50}`,
    25,
  ],
  ['gitlab-session-cookie', '_gitlab_session=', String.raw`_gitlab_session=[0-9a-z]{32}`, 48],
  ['npm-access-token', 'npm_', String.raw`npm_[A-Za-z0-9]{36}${E}`, 40],
  ['pypi-upload-token', 'pypi-AgE', String.raw`pypi-AgE[A-Za-z0-9_-]{50,2048}`, 58],
  ['rubygems-api-token', 'rubygems_', String.raw`rubygems_[a-f0-9]{48}`, 57],
  ['clojars-api-token', 'CLOJARS_ clojars_', String.raw`(?:CLOJARS|clojars)_[a-z0-9]{60}`, 68],
  ['artifactory-token', 'AKCp cmVmd', String.raw`(?:AKCp[A-Za-z0-9]{10,128}|cmVmd[A-Za-z0-9]{59})${E}`, 14],
  ['dockerhub-pat', 'dckr_pat_', String.raw`dckr_pat_[A-Za-z0-9_-]{20,64}`, 29],
  ['sourcegraph-access-token', 'sgp_', String.raw`sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}`, 44],
  ['atlassian-api-token', 'ATATT3 ATCTT3', String.raw`AT[AC]TT3[A-Za-z0-9_=-]{20,512}`, 26],
  ['linear-api-key', 'lin_api_', String.raw`lin_api_[A-Za-z0-9]{40}`, 48],
  ['readme-api-token', 'rdme_', String.raw`rdme_[a-z0-9]{70}`, 75],
  ['infracost-api-token', 'ico-', String.raw`ico-[A-Za-z0-9]{32}`, 36],
  ['prefect-api-token', 'pnu_', String.raw`pnu_[A-Za-z0-9]{36}`, 40],
  ['postman-api-token', 'PMAK-', String.raw`PMAK-[A-Fa-f0-9]{24}-[A-Fa-f0-9]{34}`, 64],
  ['harness-api-key', 'pat. sat.', String.raw`(?:pat|sat)\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}`, 72],
  ['octopus-deploy-api-key', 'API-', String.raw`API-[A-Z0-9]{26}${E}`, 30],
  ['databricks-api-token', 'dapi', String.raw`dapi[a-f0-9]{32}(?:-[0-9])?`, 36],
  ['dynatrace-api-token', 'dt0c01.', String.raw`dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}`, 96],
  [
    'grafana-token',
    'eyJrIjoi glc_ glsa_',
    String.raw`eyJrIjoi[A-Za-z0-9]{70,400}={0,3}|glc_[A-Za-z0-9+/]{32,400}={0,3}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}`,
    36,
  ],
  ['new-relic-key', 'NRJS- NRII- NRAK-', String.raw`NR(?:JS|II|AK)-[A-Za-z0-9-]{19,32}`, 24],
  ['sentry-token', 'sntrys_ sntryu_', String.raw`sntrys_eyJ[A-Za-z0-9+/=_]{50,1024}|sntryu_[a-f0-9]{64}`, 60],
  ['frameio-api-token', 'fio-u-', String.raw`fio-u-[A-Za-z0-9_=-]{64}`, 70],
  ['typeform-api-token', 'tfp_', String.raw`tfp_[A-Za-z0-9_.=-]{59}`, 63],
  ['clickhouse-cloud-api-secret-key', '4b1d', String.raw`4b1d[A-Za-z0-9]{38}${E}`, 42],
  [
    'authress-service-client-access-key',
    'sc_ ext_ scauth_ authress_',
    String.raw`(?:sc|ext|scauth|authress)_[A-Za-z0-9]{5,30}\.[A-Za-z0-9]{4,6}\.acc[_-][A-Za-z0-9-]{10,32}\.[A-Za-z0-9+/_=-]{30,120}`,
    58,
  ],
  [
    '1password-secret-key',
    'A3-',
    String.raw`A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}`,
    39,
  ],
  ['1password-service-account-token', 'ops_eyJ', String.raw`ops_eyJ[A-Za-z0-9+/]{40,4096}={0,3}`, 47],
  ['age-secret-key', 'AGE-SECRET-KEY-1', String.raw`AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}`, 74],
  ['settlemint-token', 'sm_aat_ sm_pat_ sm_sat_', String.raw`sm_(?:aat|pat|sat)_[A-Za-z0-9]{16}`, 23],
  ['intra42-client-secret', 's-s4t2', String.raw`s-s4t2(?:ud|af)-[a-f0-9]{64}`, 73],
  ['adobe-client-secret', 'p8e-', String.raw`p8e-[A-Za-z0-9]{32}`, 36],
  ['airtable-personal-access-token', 'pat', String.raw`pat[A-Za-z0-9]{14}\.[a-f0-9]{64}`, 82],
  ['maxmind-license-key', '', String.raw`[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk`, 40, '_mmk'],
  // AI providers
  ['anthropic-api-key', 'sk-ant-', String.raw`sk-ant-[a-z0-9]{2,12}-[A-Za-z0-9_-]{20,255}`, 30],
  [
    'openai-api-key',
    'sk-',
    String.raw`sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,255}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|sk-[A-Za-z0-9]{32,128}${E}`,
    25,
  ],
  ['huggingface-token', 'hf_ api_org_', String.raw`(?:hf_|api_org_)[A-Za-z]{34}${E}`, 37],
  ['perplexity-api-key', 'pplx-', String.raw`pplx-[A-Za-z0-9]{48}`, 53],
  ['groq-api-key', 'gsk_', String.raw`gsk_[A-Za-z0-9]{40,64}`, 44],
  ['xai-api-key', 'xai-', String.raw`xai-[A-Za-z0-9]{40,100}`, 44],
  // Payments and commerce
  [
    'stripe-key',
    'sk_live_ sk_test_ sk_prod_ rk_live_ rk_test_ rk_prod_ pk_live_ pk_test_ pk_prod_ whsec_',
    String.raw`(?:sk|rk|pk)_(?:live|test|prod)_[A-Za-z0-9]{10,255}|whsec_[A-Za-z0-9+/=]{24,128}`,
    18,
  ],
  [
    'square-token',
    'EAAA sq0atp- sq0csp-',
    String.raw`(?:EAAA|sq0atp-)[A-Za-z0-9_-]{22,60}|sq0csp-[A-Za-z0-9_-]{43}`,
    26,
  ],
  ['shopify-token', 'shpat_ shpca_ shppa_ shpss_', String.raw`shp(?:at|ca|pa|ss)_[A-Fa-f0-9]{32}`, 38],
  ['shippo-api-token', 'shippo_', String.raw`shippo_(?:live|test)_[A-Fa-f0-9]{40}`, 52],
  ['duffel-api-token', 'duffel_', String.raw`duffel_(?:test|live)_[A-Za-z0-9_=-]{43}`, 55],
  ['easypost-api-token', 'EZAK EZTK', String.raw`EZ[AT]K[A-Za-z0-9]{54}`, 58],
  ['flutterwave-key', 'FLWSECK FLWPUBK', String.raw`FLW(?:SECK|PUBK)(?:_TEST)?-[A-Za-z0-9]{12,32}(?:-X)?`, 20],
  [
    'plaid-access-token',
    'access-',
    String.raw`access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`,
    51,
  ],
  ['coinbase-cdp-key-name', 'organizations/', String.raw`organizations/[0-9a-f-]{36}/apiKeys/[0-9a-f-]{36}`, 95],
  // Messaging, mail, social
  [
    'slack-token',
    'xoxa- xoxb- xoxp- xoxo- xoxs- xoxr- xoxe- xoxe. xapp-',
    String.raw`xox[abposre]-[A-Za-z0-9-]{10,255}|xoxe\.xox[bp]-[0-9]-[A-Za-z0-9]{100,200}|xapp-[0-9]-[A-Za-z0-9-]{10,255}`,
    15,
  ],
  [
    'slack-webhook-url',
    'hooks.slack.com/',
    String.raw`hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,255}`,
    45,
  ],
  [
    'discord-webhook-url',
    'discord.com/api/webhooks/ discordapp.com/api/webhooks/',
    String.raw`discord(?:app)?\.com/api/webhooks/[0-9]{5,25}/[A-Za-z0-9_-]{20,255}`,
    50,
  ],
  ['discord-bot-token', 'M N O', String.raw`[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}`, 59],
  [
    'microsoft-teams-webhook',
    '',
    String.raw`[a-z0-9]{1,64}\.webhook\.office\.com/webhookb2/[^\s"'<>()[\]{},;\\]{20,512}`,
    48,
    '.webhook.office.com/',
  ],
  ['telegram-bot-token', '0 1 2 3 4 5 6 7 8 9', String.raw`[0-9]{5,16}:A[A-Za-z0-9_-]{34}`, 41],
  ['twilio-api-key', 'SK', String.raw`SK[0-9a-fA-F]{32}${E}`, 34],
  ['sendgrid-api-token', 'SG.', String.raw`SG\.[A-Za-z0-9_=-]{16,32}\.[A-Za-z0-9_=-]{16,64}`, 36],
  ['sendinblue-api-token', 'xkeysib-', String.raw`xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}`, 89],
  ['mailchimp-api-key', '', String.raw`[0-9a-f]{32}-us[0-9]{1,2}${E}`, 36, '-us'],
  ['mailgun-key', 'key- pubkey-', String.raw`(?:pub)?key-[a-f0-9]{32}${E}`, 36],
  [
    'mapbox-token',
    'pk. sk.',
    String.raw`[ps]k\.eyJ[A-Za-z0-9_-]{20,1024}\.[A-Za-z0-9_-]{10,128}|pk\.[A-Za-z0-9]{60}\.[A-Za-z0-9]{22}`,
    36,
  ],
  [
    'facebook-access-token',
    'EAAM EAAC 0 1 2 3 4 5 6 7 8 9',
    String.raw`EAA[MC][A-Za-z0-9]{40,1024}|[0-9]{15,16}(?:\||%7C)[0-9A-Za-z_-]{27,40}`,
    43,
  ],
  ['twitter-bearer-token', 'AAAAAAAAAAAAAAAAAAAAA', String.raw`A{22}[A-Za-z0-9%]{40,255}`, 62],
  ['notion-api-token', 'ntn_ secret_', String.raw`ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43}${E}`, 49],
  ['heroku-api-key', 'HRKU-AA', String.raw`HRKU-AA[0-9A-Za-z_-]{58}`, 65],
  // JWTs (JWS/JWE compact form, and a JWT base64-encoded once more)
  ['jwt', 'eyJ', String.raw`eyJ[A-Za-z0-9_-]{4,8192}\.[A-Za-z0-9_-]{4,8192}\.?[A-Za-z0-9_-]{0,8192}`, 12],
  ['jwt-base64', 'ZXlK', String.raw`ZXlK[A-Za-z0-9+/]{30,8192}={0,2}`, 34],
];

const SHAPES: readonly ShapeRule[] = RULES.map(([name, prefixes, source, min, hook]) => ({
  name,
  prefixes: prefixes === '' ? [''] : prefixes.split(' '),
  regex: new RegExp(source, 'y'),
  min,
  ...(hook !== undefined ? { hook } : {}),
  ...(name === 'azure-connection-string-key' || name === 'gitlab-session-cookie' ? { keepName: true } : {}),
}));

/** Rules by the first character of a prefix (ASCII), and those without a literal start. */
const BY_FIRST: ShapeRule[][] = Array.from({ length: 128 }, () => []);
const ANY_START: ShapeRule[] = [];
for (const rule of SHAPES) {
  if (rule.prefixes[0] === '') {
    ANY_START.push(rule);
    continue;
  }
  for (const p of rule.prefixes) {
    const list = BY_FIRST[p.charCodeAt(0)] as ShapeRule[];
    if (!list.includes(rule)) list.push(rule);
  }
}
/** No rule matches fewer characters (the shortest, a JWT, is 12). */
const MIN_TOKEN = 12;

/**
 * 1 for characters that end a token: white space and controls, quotes, brackets, `,` `;` `\`;
 * 2 for `:` and `=`, which the later passes look for (inside tokens).
 */
const DELIMITER = new Uint8Array(128);
for (let c = 0; c <= 32; c++) DELIMITER[c] = 1;
for (const ch of '"\'`,;()[]{}<>\\') DELIMITER[ch.charCodeAt(0)] = 1;
DELIMITER[58] = 2;
DELIMITER[61] = 2;
/** Characters after which a token may hold a secret of its own (`key=ghp_…`, `https://hooks…`). */
const INNER_START = new Uint8Array(128);
for (const ch of '=:/@|&?#') INNER_START[ch.charCodeAt(0)] = 1;

/** Scheme words of HTTP authorisation headers (GitHub's http_basic/bearer_authentication_header). */
export const AUTH_SCHEME_WORDS: readonly string[] = [
  'Bearer',
  'bearer',
  'BEARER',
  'Basic',
  'basic',
  'BASIC',
  'Token',
  'token',
  'TOKEN',
  'Negotiate',
  'negotiate',
  'NTLM',
  'ApiKey',
  'Api-Key',
  'apikey',
  'Apikey',
  'API-Key',
  'SSWS',
  'OAuth',
  'GoogleLogin',
  'Splunk',
  'JWT',
];
/** Words that make the next token special, by first character: [word, kind] (1 scheme, 2 Digest, 3 curl's user flag). */
const SPECIAL_WORDS: (readonly (readonly [string, 1 | 2 | 3])[])[] = Array.from({ length: 128 }, () => []);
for (const [w, kind] of [
  ...AUTH_SCHEME_WORDS.map((x) => [x, 1] as const),
  ['Digest', 2] as const,
  ['digest', 2] as const,
  ['DIGEST', 2] as const,
]) {
  (SPECIAL_WORDS[w.charCodeAt(0)] as (readonly [string, 1 | 2 | 3])[]).push([w, kind]);
}

/** The kind of the token [start, start+len) if it is a scheme word, Digest or -u/--user; else 0. */
function wordKind(s: string, start: number, len: number): 0 | 1 | 2 | 3 {
  const code = s.charCodeAt(start);
  if (code >= 128) return 0;
  for (const [w, kind] of SPECIAL_WORDS[code] as (readonly [string, 1 | 2 | 3])[]) {
    if (w.length === len && s.startsWith(w, start)) return kind;
  }
  return 0;
}

/**
 * True for a value that looks like a credential rather than a word: at least 8 characters, and
 * digits with letters, or lower- and upper-case letters past the first, or 32 characters or more.
 * "hedging", "Hedging" and "EURUSD/GBPUSD" are not; "dXNlcjpwYXNz" and "abc.DEF-123_xyz" are.
 */
export function isCredentialShaped(v: string): boolean {
  if (v.length < 8) return false;
  if (v.length >= 32) return true;
  let lower = false;
  let upperInner = false;
  let upper = false;
  let digit = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = true;
    else if (c >= 65 && c <= 90) {
      upper = true;
      if (i > 0) upperInner = true;
    } else if (c >= 48 && c <= 57) digit = true;
  }
  return (digit && (lower || upper)) || (lower && upperInner);
}

/** Spans to replace, collected in order (reused: a scan is synchronous and never nested). */
class Spans {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  /** End of the last span (spans never overlap). */
  last = 0;
  reset(): void {
    if (this.starts.length > 0) {
      this.starts.length = 0;
      this.ends.length = 0;
    }
    this.last = 0;
  }
  add(start: number, end: number): void {
    if (start < this.last || end <= start) return;
    this.starts.push(start);
    this.ends.push(end);
    this.last = end;
  }
  apply(s: string, censor: string): string {
    if (this.starts.length === 0) return s;
    let out = '';
    let at = 0;
    for (let i = 0; i < this.starts.length; i++) {
      out += s.slice(at, this.starts[i]) + censor;
      at = this.ends[i] as number;
    }
    return out + s.slice(at);
  }
}
const SPANS = new Spans();

/**
 * What the last redactShapes pass saw in its input, so the later passes can skip a string
 * cheaply: whether it holds `:`, `=` or `<`, and its longest token. (Module state: a pass is
 * synchronous, and the caller reads these right after it.)
 */
export const scanFacts = { colon: false, equals: false, lt: false, longest: 0 };

/** Tries the fixed-prefix rules at `c` (a token start or after an inner start) within [c, end). */
function tryRules(s: string, c: number, end: number, spans: Spans): number {
  const code = s.charCodeAt(c);
  if (code >= 128) return -1;
  const rules = BY_FIRST[code] as ShapeRule[];
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r] as ShapeRule;
    if (end - c < rule.min) continue;
    let ok = false;
    for (const p of rule.prefixes) {
      if (s.startsWith(p, c)) {
        ok = true;
        break;
      }
    }
    if (!ok) continue;
    rule.regex.lastIndex = c;
    const m = rule.regex.exec(s);
    if (m === null || c + m[0].length > end) continue;
    const keep = rule.keepName ? m[0].indexOf('=') + 1 : 0;
    spans.add(c + keep, c + m[0].length);
    return c + m[0].length;
  }
  return -1;
}

/** Rules without a literal start, in a token that holds their hook. */
function tryAnyStart(s: string, start: number, end: number, spans: Spans): void {
  for (const rule of ANY_START) {
    if (end - start < rule.min) continue;
    const h = s.indexOf(rule.hook as string, start);
    if (h === -1 || h >= end) continue;
    // The match starts within a bounded distance before the hook.
    for (let c = Math.max(start, spans.last, h - rule.min); c <= h; c++) {
      rule.regex.lastIndex = c;
      const m = rule.regex.exec(s);
      if (m !== null && c + m[0].length <= end) {
        spans.add(c, c + m[0].length);
        break;
      }
    }
  }
}

/**
 * The fixed-prefix shapes and the auth-scheme rule, in one pass over `s`: tokens are runs of
 * characters between delimiters; a token of at least MIN_TOKEN characters is tried at its start
 * and after each inner start; a scheme word (`Bearer`, `Basic`, `Token`…) followed by spaces and
 * a credential-shaped token loses the token; `Digest` followed by `name=` loses the rest of its
 * line.
 */
export function redactShapes(s: string, censor: string): string {
  const spans = SPANS;
  spans.reset();
  const n = s.length;
  let start = 0;
  let colon = false;
  let equals = false;
  let lt = false;
  let longest = 0;
  // The previous token, when it was a scheme word or a curl user flag: [kind, its end].
  let pending: 0 | 1 | 2 | 3 = 0; // 0 none, 1 scheme, 2 digest, 3 curl user
  let pendingEnd = -1;
  for (let i = 0; i <= n; i++) {
    const code = i < n ? s.charCodeAt(i) : 32;
    if (code >= 128) continue;
    const kind = DELIMITER[code] as number;
    if (kind !== 1) {
      if (kind === 2) {
        if (code === 58) colon = true;
        else equals = true;
      }
      continue;
    }
    if (code === 60) lt = true;
    const len = i - start;
    if (len > longest) longest = len;
    if (len > 0) {
      // A credential after a scheme word: only spaces or tabs between them.
      if (pending !== 0 && gapIsBlank(s, pendingEnd, start)) {
        if (pending === 1) {
          if (isCredentialShaped(s.slice(start, i))) spans.add(start, i);
        } else if (pending === 2) {
          if (/^[A-Za-z]{1,32}=/.test(s.slice(start, Math.min(i, start + 34)))) {
            const eol = lineEnd(s, start);
            spans.add(start, eol);
            i = eol;
          }
        }
      }
      pending = trailingWordKind(s, start, i);
      pendingEnd = i;
      if (len >= MIN_TOKEN) scanToken(s, start, Math.min(i, n), spans);
    }
    start = i + 1;
  }
  scanFacts.colon = colon;
  scanFacts.equals = equals;
  scanFacts.lt = lt;
  scanFacts.longest = longest;
  return spans.apply(s, censor);
}

function scanToken(s: string, start: number, end: number, spans: Spans): void {
  // Candidates: the token's start and every position after a character that is not a letter or
  // digit (`key=ghp_…`, `~eyJ…`, `https://hooks…`, `$|sk-…`).
  let afterWord = false;
  for (let c = start; c < end; c++) {
    const code = s.charCodeAt(c);
    const alnum = (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
    if (!afterWord && c >= spans.last && end - c >= MIN_TOKEN) {
      const matched = tryRules(s, c, end, spans);
      if (matched !== -1) {
        c = matched - 1;
        afterWord = true;
        continue;
      }
    }
    afterWord = alnum;
  }
  if (ANY_START.length > 0 && end - start >= 36) tryAnyStart(s, start, end, spans);
}

/** Last characters of the special words: a token ending otherwise is not one (most are not). */
const LAST_CHAR = new Uint8Array(128);
for (const list of SPECIAL_WORDS) for (const [w] of list) LAST_CHAR[w.charCodeAt(w.length - 1)] = 1;

/** The kind of the word that ends a token at `end` (its trailing run of letters and `-`). */
function trailingWordKind(s: string, start: number, end: number): 0 | 1 | 2 | 3 {
  const lastCode = s.charCodeAt(end - 1);
  if (lastCode >= 128 || LAST_CHAR[lastCode] !== 1) return 0;
  let w = end;
  while (w > start && end - w < 12) {
    const code = s.charCodeAt(w - 1);
    if (!((code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 45)) break;
    w--;
  }
  if (end - w < 2 || end - w > 11) return 0;
  if (w > start) {
    const before = s.charCodeAt(w - 1);
    if ((before >= 48 && before <= 57) || before === 95) return 0;
  }
  return wordKind(s, w, end - w);
}

function gapIsBlank(s: string, from: number, to: number): boolean {
  if (to - from > 8 || to <= from) return false;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

function lineEnd(s: string, from: number): number {
  const nl = s.indexOf('\n', from);
  const end = nl === -1 ? s.length : nl;
  return end > from && s.charCodeAt(end - 1) === 13 ? end - 1 : end;
}

/** A curl credential with its secret part replaced: after the first `:`, or before it when nothing follows. */
function curlCredential(cred: string, censor: string): string {
  const colon = cred.indexOf(':');
  if (colon === -1) return cred;
  const after = cred.slice(colon + 1);
  const lead = /^["'{]*/.exec(after)?.[0] ?? '';
  const trail = /["'}]*$/.exec(after)?.[0] ?? '';
  if (after.length > lead.length + trail.length) return `${cred.slice(0, colon + 1)}${lead}${censor}${trail}`;
  const before = cred.slice(0, colon);
  const bl = /^["'{]*/.exec(before)?.[0] ?? '';
  const bt = /["'}]*$/.exec(before)?.[0] ?? '';
  if (before.length <= bl.length + bt.length) return cred;
  return `${bl}${censor}${bt}:${after}`;
}

/** Patterns that keep part of the match (a name, a user name) and replace the rest. */
function partial(censor: string): SecretPattern[] {
  return [
    // Credentials in URLs (GitHub's *_connection_string, detect-secrets basic_auth):
    // scheme://user:password@ — the user stays, the password goes.
    {
      name: 'url-credentials',
      regex: /(:\/\/)([^\s:@/]{0,256}):([^\s@/]{1,1024})@/g,
      replace: (_m, sep: string, user: string) => `${sep}${user}:${censor}@`,
    },
    // An AWS secret access key next to its name (detect-secrets' aws plugin, gitleaks' generic rule):
    // `aws … secret … <40 base64 chars>` within a few characters.
    {
      name: 'aws-secret-access-key',
      regex:
        /((?:aws|AWS|Aws)[\w.-]{0,24}?(?:secret|Secret|SECRET|key|Key|KEY)[\w .'"=:>-]{0,24}?)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/g,
      replace: (_m, head: string) => `${head}${censor}`,
    },
    // Sidekiq Enterprise gem credentials (gitleaks sidekiq-secret): the name stays.
    {
      name: 'sidekiq-secret',
      regex: /(BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM[ \t]{0,8}[=:][ \t]{0,8}["']?)([a-f0-9]{8}:[a-f0-9]{8})/gi,
      replace: (_m, head: string) => `${head}${censor}`,
    },
    // curl -u / --user credentials, quoted or not (gitleaks curl-auth-user): the password goes,
    // or, with none (`-u "sk_test_…:"`, an API key as the user), the user.
    {
      name: 'curl-user',
      regex: /((?:^|\s)(?:-u|--user)(?:[ \t]{1,8}|=))((?:"[^"\n]{0,512}"|'[^'\n]{0,512}'|[^\s"']{1,512}){1,4})/g,
      replace: (_m, head: string, cred: string) => head + curlCredential(cred, censor),
    },
    // Trading: FIX logon passwords, Password(554), NewPassword(925), EncryptedPassword(1402),
    // EncryptedNewPassword(1404), as a field of a FIX message (SOH, or | as logs print it).
    {
      name: 'fix-password',
      regex: /((?:^|[\x01|^\s]|\\u0001|\\x01)(?:554|925|1402|1404)=)([^\x01|^\r\n\\]{1,1024})/g,
      replace: (_m, head: string) => `${head}${censor}`,
    },
    // NuGet config passwords (gitleaks nuget-config-password).
    {
      name: 'nuget-config-password',
      regex: /(<add\s{1,8}key=\\?"(?:ClearText)?Password\\?"\s{0,8}value=\\?")([^"\\]{1,1024})(\\?")/gi,
      replace: (_m, head: string, _v: string, tail: string) => `${head}${censor}${tail}`,
    },
  ];
}

const FIX_TAG = /(?:554|925|1402|1404)=/;

/**
 * The partial patterns, each only on a string that can hold it, judged from the facts of the
 * redactShapes pass over the same text (a URL needs `:`, an AWS secret a 40-character token, …).
 */
export function redactPartial(s: string, patterns: readonly SecretPattern[]): string {
  const f = scanFacts;
  let out = s;
  if (f.colon && out.includes('://')) out = runPartial(out, patterns[0]);
  if (f.longest >= 40 && (out.includes('aws') || out.includes('AWS') || out.includes('Aws')))
    out = runPartial(out, patterns[1]);
  if (f.longest >= 17 && (out.includes('CONTRIBSYS') || out.includes('contribsys'))) out = runPartial(out, patterns[2]);
  if (out.includes('-u') || out.includes('--user')) out = runPartial(out, patterns[3]);
  if (f.equals && FIX_TAG.test(out)) out = runPartial(out, patterns[4]);
  if (f.lt && (out.includes('<add') || out.includes('<ADD') || out.includes('<Add')))
    out = runPartial(out, patterns[5]);
  return out;
}

function runPartial(s: string, p: SecretPattern | undefined): string {
  if (p === undefined) return s;
  p.regex.lastIndex = 0;
  return s.replace(p.regex, p.replace as (m: string, ...g: string[]) => string);
}

/** The partial patterns, compiled for a censor (once per redactor). */
export function partialPatterns(censor: string): SecretPattern[] {
  return partial(censor);
}

/**
 * Every built-in shape as a pattern (name and source): for the rules fingerprint of the snapshot
 * store and for documentation. Redaction itself goes through redactShapes/redactPartial.
 */
export function builtinSecretPatterns(censor: string): SecretPattern[] {
  return [...partial(censor), ...SHAPES.map((r) => ({ name: r.name, regex: new RegExp(r.regex.source, 'g') }))];
}

// ---------------------------------------------------------------------------------------------
// PEM private keys

const PRIVATE_KEY = 'PRIVATE KEY';

/**
 * Replaces PEM (and SSH2-style `---- BEGIN … PRIVATE KEY ----`) private key blocks, from the
 * BEGIN marker to the end of the END marker, or to the end of the text when the block is cut
 * off. Index searches only: linear in the text, whatever it holds.
 */
export function redactPem(s: string, censor: string): string {
  if (!s.includes(PRIVATE_KEY)) return s;
  let out = '';
  let last = 0;
  let from = 0;
  for (;;) {
    const at = s.indexOf(PRIVATE_KEY, from);
    if (at === -1) break;
    // The BEGIN marker: "BEGIN" on the same line, at most 100 characters before.
    const lineStart = Math.max(s.lastIndexOf('\n', at) + 1, at - 100, last);
    const begin = s.lastIndexOf('BEGIN', at);
    if (begin === -1 || begin < lineStart) {
      from = at + PRIVATE_KEY.length;
      continue;
    }
    let start = begin;
    while (start > lineStart && (s[start - 1] === '-' || s[start - 1] === ' ')) start--;
    // The END marker that names a private key, and the dashes that close it.
    let end = s.length;
    let search = at + PRIVATE_KEY.length;
    for (;;) {
      const e = s.indexOf('END', search);
      if (e === -1) break;
      const k = s.indexOf(PRIVATE_KEY, e);
      const nl = s.indexOf('\n', e);
      if (k !== -1 && (nl === -1 || k < nl) && k - e <= 100) {
        end = k + PRIVATE_KEY.length;
        if (s.startsWith(' BLOCK', end)) end += 6;
        while (end < s.length && (s[end] === '-' || s[end] === ' ')) end++;
        break;
      }
      search = e + 3;
    }
    out += s.slice(last, start) + censor;
    last = end;
    from = end;
    if (end >= s.length) break;
  }
  return last === 0 ? s : out + s.slice(last);
}
