/**
 * The two redaction corpora, generated here (deterministic: a seeded generator, so a failure
 * names the same value every run):
 *
 * - SECRET_SHAPES: one sample per rule of the public scanners' rule sets that has a fixed prefix or
 *   structure (gitleaks `config/gitleaks.toml`, detect-secrets' fixed-shape plugins, GitHub secret
 *   scanning's non-provider patterns), plus auditpack's own (FIX logon passwords, URL passwords,
 *   auth headers, PEM keys). `text` is what is placed, `core` what must never come out.
 * - SECRET_KEYS: key names whose value is a secret whatever it looks like (the vocabulary).
 * - BENIGN_TEXT / BENIGN_KEYS: ordinary trading text and field names that must come out unaltered.
 */

/** A seeded generator (mulberry32), so the corpus is the same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20261201);

const UP = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LO = 'abcdefghijklmnopqrstuvwxyz';
const DI = '0123456789';
const HEX = '0123456789abcdef';
const AN = UP + LO + DI;

/** `n` characters from `alphabet`, with at least one digit and one letter when the alphabet has both (so a sample is never a plain word). */
function g(alphabet: string, n: number): string {
  for (;;) {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
    const hasDigit = /[0-9]/.test(alphabet);
    const hasLetter = /[A-Za-z]/.test(alphabet);
    if ((!hasDigit || /[0-9]/.test(s)) && (!hasLetter || /[A-Za-z]/.test(s))) return s;
  }
}
const uuid = (): string => `${g(HEX, 8)}-${g(HEX, 4)}-${g(HEX, 4)}-${g(HEX, 4)}-${g(HEX, 12)}`;

export interface SecretSample {
  readonly name: string;
  /** The text placed (a token, or a token in its context: a URL, a header, a FIX message). */
  readonly text: string;
  /** The part that must never appear in any output. */
  readonly core: string;
  /** The text holds line breaks (PEM): placed only where a multi-line value can go. */
  readonly multiline?: boolean;
}

const t = (name: string, text: string): SecretSample => ({ name, text, core: text });
const c = (name: string, text: string, core: string): SecretSample => ({ name, text, core });

function der(name: string, head: string, body: string): SecretSample {
  return { name, text: head + body, core: body.slice(0, 40) };
}

function pem(kind: string): SecretSample {
  const body = [g(`${AN}+/`, 64), g(`${AN}+/`, 64), g(`${AN}+/`, 40)];
  const text = `-----BEGIN ${kind}-----\n${body.join('\n')}\n-----END ${kind}-----`;
  return { name: `pem ${kind.toLowerCase()}`, text, core: body[1] as string, multiline: true };
}

export const SECRET_SHAPES: readonly SecretSample[] = [
  // Cloud providers
  t('aws-access-key-id AKIA', `AKIA${g(`${UP}234567`, 16)}`),
  t('aws-access-key-id ASIA', `ASIA${g(`${UP}234567`, 16)}`),
  t('aws-access-key-id A3T', `A3TX${g(UP + DI, 16)}`),
  t('aws-bedrock-api-key', `ABSK${g(`${AN}+/`, 130)}`),
  c('aws-secret-access-key next to its name', '', ''),
  t('gcp-api-key', `AIza${g(`${AN}_-`, 35)}`),
  t('google-oauth-client-secret', `GOCSPX-${g(`${AN}_-`, 28)}`),
  t('google-oauth-access-token', `ya29.${g(`${AN}_-`, 60)}`),
  t('google-oauth-refresh-token', `1//0${g(`${AN}_-`, 60)}`),
  t('azure-ad-client-secret', `${g(AN, 3)}8Q~${g(`${AN}_~.-`, 34)}`),
  c('azure-storage-account-key', '', ''),
  t('alibaba-access-key-id', `LTAI${g(AN, 20)}`),
  t('digitalocean-pat', `dop_v1_${g(HEX, 64)}`),
  t('digitalocean-access-token', `doo_v1_${g(HEX, 64)}`),
  t('digitalocean-refresh-token', `dor_v1_${g(HEX, 64)}`),
  t('yandex-api-key', `AQVN${g(`${AN}_-`, 36)}`),
  t('yandex-access-token', `t1.${g(AN, 20)}.${g(`${AN}_-`, 86)}`),
  t('cloudflare-origin-ca-key', `v1.0-${g(HEX, 24)}-${g(HEX, 146)}`),
  t('flyio-access-token', `fo1_${g(`${AN}_-`, 43)}`),
  t('hashicorp-tf-api-token', `${g(AN, 14)}.atlasv1.${g(`${AN}_-`, 64)}`),
  t('vault-service-token', `hvs.${g(`${AN}_-`, 95)}`),
  t('vault-batch-token', `hvb.${g(`${AN}_-`, 140)}`),
  t('vault-legacy-token', `s.${g(AN, 24)}`),
  t('tailscale-key', `tskey-auth-${g(AN, 12)}-${g(AN, 30)}`),
  t('scalingo-api-token', `tk-us-${g(`${AN}_-`, 48)}`),
  t('openshift-user-token', `sha256~${g(`${AN}_-`, 43)}`),
  t('pulumi-api-token', `pul-${g(HEX, 40)}`),
  t('doppler-api-token', `dp.pt.${g(AN, 43)}`),
  t('planetscale-api-token', `pscale_tkn_${g(`${AN}_`, 40)}`),
  t('planetscale-password', `pscale_pw_${g(`${AN}_`, 40)}`),
  t('supabase-token', `sbp_${g(HEX, 40)}`),
  // Source hosting and registries
  t('github-pat', `ghp_${g(AN, 36)}`),
  t('github-oauth', `gho_${g(AN, 36)}`),
  t('github-app-token', `ghs_${g(AN, 36)}`),
  t('github-refresh-token', `ghr_${g(AN, 36)}`),
  t('github-fine-grained-pat', `github_pat_${g(`${AN}_`, 82)}`),
  t('gitlab-pat', `glpat-${g(`${AN}_-`, 20)}`),
  t('gitlab-deploy-token', `gldt-${g(`${AN}_-`, 20)}`),
  t('gitlab-runner-token', `glrt-${g(`${AN}_-`, 20)}`),
  t('gitlab-cicd-job-token', `glcbt-${g(AN, 3)}_${g(`${AN}_-`, 20)}`),
  t('gitlab-rrt', `GR1348941${g(`${AN}_-`, 20)}`),
  c('gitlab-session-cookie', '', ''),
  t('npm-access-token', `npm_${g(AN, 36)}`),
  t('pypi-upload-token', `pypi-AgEIcHlwaS5vcmc${g(`${AN}_-`, 70)}`),
  t('rubygems-api-token', `rubygems_${g(HEX, 48)}`),
  t('clojars-api-token', `CLOJARS_${g(LO + DI, 60)}`),
  t('artifactory-api-key', `AKCp${g(AN, 69)}`),
  t('artifactory-reference-token', `cmVmd${g(AN, 59)}`),
  t('dockerhub-pat', `dckr_pat_${g(`${AN}_-`, 27)}`),
  t('sourcegraph-access-token', `sgp_${g(HEX, 16)}_${g(HEX, 40)}`),
  t('atlassian-api-token', `ATATT3${g(`${AN}_-`, 180)}`),
  t('linear-api-key', `lin_api_${g(AN, 40)}`),
  t('readme-api-token', `rdme_${g(LO + DI, 70)}`),
  t('infracost-api-token', `ico-${g(AN, 32)}`),
  t('prefect-api-token', `pnu_${g(AN, 36)}`),
  t('postman-api-token', `PMAK-${g(HEX, 24)}-${g(HEX, 34)}`),
  t('harness-api-key', `pat.${g(`${AN}_-`, 22)}.${g(AN, 24)}.${g(AN, 20)}`),
  t('octopus-deploy-api-key', `API-${g(UP + DI, 26)}`),
  t('databricks-api-token', `dapi${g(HEX, 32)}`),
  t('dynatrace-api-token', `dt0c01.${g(AN, 24)}.${g(AN, 64)}`),
  t('grafana-api-key', `eyJrIjoi${g(AN, 80)}`),
  t('grafana-cloud-api-token', `glc_${g(`${AN}+/`, 40)}`),
  t('grafana-service-account-token', `glsa_${g(AN, 32)}_${g(HEX, 8)}`),
  t('new-relic-user-api-key', `NRAK-${g(UP + DI, 27)}`),
  t('new-relic-insert-key', `NRII-${g(`${AN}-`, 32)}`),
  t('new-relic-browser-api-token', `NRJS-${g(HEX, 19)}`),
  t('sentry-user-token', `sntryu_${g(HEX, 64)}`),
  t('frameio-api-token', `fio-u-${g(`${AN}_-`, 64)}`),
  t('typeform-api-token', `tfp_${g(`${AN}_-`, 59)}`),
  t('clickhouse-cloud-api-secret-key', `4b1d${g(AN, 38)}`),
  t('1password-secret-key', `A3-${g(UP + DI, 6)}-${g(UP + DI, 11)}-${g(UP + DI, 5)}-${g(UP + DI, 5)}-${g(UP + DI, 5)}`),
  t('1password-service-account-token', `ops_eyJ${g(`${AN}+/`, 260)}`),
  t('age-secret-key', `AGE-SECRET-KEY-1${g('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58)}`),
  t('settlemint-personal-access-token', `sm_pat_${g(AN, 16)}`),
  t('intra42-client-secret', `s-s4t2ud-${g(HEX, 64)}`),
  t('adobe-client-secret', `p8e-${g(AN, 32)}`),
  t('airtable-personal-access-token', `pat${g(AN, 14)}.${g(HEX, 64)}`),
  t('maxmind-license-key', `${g(AN, 6)}_${g(AN, 29)}_mmk`),
  t(
    'authress-service-client-access-key',
    `sc_${g(LO + DI, 10)}.${g(LO + DI, 5)}.acc_${g(LO + DI, 20)}.${g(`${AN}+/`, 60)}`,
  ),
  // AI providers
  t('anthropic-api-key', `sk-ant-api03-${g(`${AN}_-`, 93)}AA`),
  t('anthropic-admin-api-key', `sk-ant-admin01-${g(`${AN}_-`, 93)}AA`),
  t('openai-project-key', `sk-proj-${g(`${AN}_-`, 74)}T3BlbkFJ${g(`${AN}_-`, 74)}`),
  t('openai-legacy-key', `sk-${g(AN, 20)}T3BlbkFJ${g(AN, 20)}`),
  t('openai-key-48', `sk-${g(AN, 48)}`),
  t('huggingface-access-token', `hf_${g(UP + LO, 34)}`),
  t('huggingface-org-token', `api_org_${g(UP + LO, 34)}`),
  t('perplexity-api-key', `pplx-${g(AN, 48)}`),
  t('groq-api-key', `gsk_${g(AN, 52)}`),
  t('xai-api-key', `xai-${g(AN, 80)}`),
  // Payments and commerce
  t('stripe-secret-live', `sk_live_${g(AN, 24)}`),
  t('stripe-restricted', `rk_test_${g(AN, 24)}`),
  t('stripe-webhook-secret', `whsec_${g(AN, 32)}`),
  t('square-access-token', `EAAA${g(`${AN}_-`, 60)}`),
  t('square-oauth-secret', `sq0csp-${g(`${AN}_-`, 43)}`),
  t('shopify-access-token', `shpat_${g(HEX, 32)}`),
  t('shopify-shared-secret', `shpss_${g(HEX, 32)}`),
  t('shippo-api-token', `shippo_live_${g(HEX, 40)}`),
  t('duffel-api-token', `duffel_live_${g(`${AN}_-`, 43)}`),
  t('easypost-api-token', `EZAK${g(AN, 54)}`),
  t('flutterwave-secret-key', `FLWSECK_TEST-${g(HEX, 32)}-X`),
  t('plaid-access-token', `access-production-${uuid()}`),
  t('coinbase-cdp-key-name', `organizations/${uuid()}/apiKeys/${uuid()}`),
  // Messaging, mail, social
  t('slack-bot-token', `xoxb-${g(DI, 12)}-${g(DI, 13)}-${g(AN, 24)}`),
  t('slack-user-token', `xoxp-${g(DI, 12)}-${g(DI, 12)}-${g(DI, 12)}-${g(AN, 32)}`),
  t('slack-app-token', `xapp-1-${g(UP + DI, 11)}-${g(DI, 13)}-${g(LO + DI, 64)}`),
  t('slack-config-refresh-token', `xoxe-1-${g(UP + DI, 146)}`),
  c('slack-webhook-url', '', ''),
  c('discord-webhook-url', '', ''),
  t('discord-bot-token', `M${g(`${AN}_-`, 23)}.${g(`${AN}_-`, 6)}.${g(`${AN}_-`, 27)}`),
  c('microsoft-teams-webhook', '', ''),
  t('telegram-bot-token', `${g(DI, 10)}:A${g(`${AN}_-`, 34)}`),
  t('twilio-api-key', `SK${g(HEX, 32)}`),
  t('sendgrid-api-token', `SG.${g(`${AN}_-`, 22)}.${g(`${AN}_-`, 43)}`),
  t('sendinblue-api-token', `xkeysib-${g(HEX, 64)}-${g(AN, 16)}`),
  t('mailchimp-api-key', `${g(HEX, 32)}-us${g(DI, 2)}`),
  t('mailgun-private-api-token', `key-${g(HEX, 32)}`),
  t('mapbox-secret-token', `sk.eyJ${g(`${AN}_-`, 60)}.${g(`${AN}_-`, 22)}`),
  t('facebook-page-access-token', `EAAM${g(AN, 120)}`),
  t('facebook-app-token', `${g(DI, 15)}|${g(`${AN}_-`, 32)}`),
  t('twitter-bearer-token', `${'A'.repeat(22)}${g(`${AN}%`, 90)}`),
  t('notion-api-token', `ntn_${g(DI, 11)}${g(AN, 35)}`),
  t('heroku-api-key-v2', `HRKU-AA${g(`${AN}_-`, 58)}`),
  t('jwt', `eyJhbGciOiJIUzI1NiJ9.eyJ${g(`${AN}_-`, 40)}.${g(`${AN}_-`, 43)}`),
  t('jwt-base64', `ZXlKaGJHY2lPaUpJVXpJMU5pSjku${g(`${AN}+/`, 60)}`),
  // Structured: a password in a URL, a header, a connection string, a FIX logon, curl
  c('postgres-connection-string', '', ''),
  c('mongodb-connection-string', '', ''),
  c('amqp-url-password', '', ''),
  c('http-bearer-header', '', ''),
  c('http-basic-header', '', ''),
  c('http-token-header', '', ''),
  c('digest-header', '', ''),
  c('cookie-header', '', ''),
  c('set-cookie-header', '', ''),
  c('fix-logon-password', '', ''),
  c('fix-new-password', '', ''),
  c('curl-user', '', ''),
  c('mysql-password-option', '', ''),
  c('curl-user after date -u', '', ''),
  c('mysql -u root -p', '', ''),
  c('sidekiq-secret', '', ''),
  c('nuget-config-password', '', ''),
  c('query-string-api-key', '', ''),
  c('azure-sas-signature', '', ''),
  c('json-escaped-password', '', ''),
  c('url-encoded-api-key', '', ''),
  pem('RSA PRIVATE KEY'),
  // A private key as bare base64 DER, no armor (rules 16): Ed25519 PKCS#8 whole, RSA PKCS#8 cut off.
  der('der ed25519 pkcs8', 'MC4CAQAwBQYDK2VwBCIEI', g(AN, 43)),
  der('der rsa pkcs8', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', g(`${AN}+/`, 600)),
  pem('OPENSSH PRIVATE KEY'),
  pem('EC PRIVATE KEY'),
  pem('PRIVATE KEY'),
  pem('ENCRYPTED PRIVATE KEY'),
  pem('PGP PRIVATE KEY BLOCK'),
].map((s) => (s.text === '' ? contextual(s.name) : s));

/** The shapes that need context around the secret: the context is built here. */
function contextual(name: string): SecretSample {
  const pw = `Pw${g(AN, 14)}`;
  const tok = g(AN, 32);
  switch (name) {
    case 'aws-secret-access-key next to its name':
      break;
    case 'azure-storage-account-key': {
      const k = `${g(`${AN}+/`, 86)}==`;
      return c(
        name,
        `DefaultEndpointsProtocol=https;AccountName=desk;AccountKey=${k};EndpointSuffix=core.windows.net`,
        k,
      );
    }
    case 'gitlab-session-cookie': {
      const k = g(LO + DI, 32);
      return c(name, `_gitlab_session=${k}`, k);
    }
    case 'slack-webhook-url': {
      const k = `T${g(UP + DI, 10)}/B${g(UP + DI, 10)}/${g(AN, 24)}`;
      return c(name, `https://hooks.slack.com/services/${k}`, k);
    }
    case 'discord-webhook-url': {
      const k = g(`${AN}_-`, 68);
      return c(name, `https://discord.com/api/webhooks/${g(DI, 18)}/${k}`, k);
    }
    case 'microsoft-teams-webhook': {
      const k = `${uuid()}@${uuid()}/IncomingWebhook/${g(HEX, 32)}/${uuid()}`;
      return c(name, `https://desk.webhook.office.com/webhookb2/${k}`, k);
    }
    case 'postgres-connection-string':
      return c(name, `postgres://trader:${pw}@db.internal:5432/oms`, pw);
    case 'mongodb-connection-string':
      return c(name, `mongodb+srv://risk:${pw}@cluster0.example.net/positions?retryWrites=true`, pw);
    case 'amqp-url-password':
      return c(name, `amqps://fixgw:${pw}@mq.internal:5671/orders`, pw);
    case 'http-bearer-header':
      return c(name, `Authorization: Bearer ${tok}`, tok);
    case 'http-basic-header': {
      const b = Buffer.from(`ops:${pw}`).toString('base64');
      return c(name, `Authorization: Basic ${b}`, b);
    }
    case 'http-token-header':
      return c(name, `Authorization: Token ${tok}`, tok);
    case 'digest-header': {
      const r = g(HEX, 32);
      return c(name, `Authorization: Digest username="ops", realm="oms", nonce="${g(HEX, 16)}", response="${r}"`, r);
    }
    case 'cookie-header': {
      const k = g(AN, 40);
      return c(name, `Cookie: theme=dark; session=${k}; lang=en`, k);
    }
    case 'set-cookie-header': {
      const k = g(AN, 40);
      return c(name, `Set-Cookie: sid=${k}; Path=/; HttpOnly; Secure`, k);
    }
    case 'fix-logon-password':
      return c(name, `8=FIX.4.4|9=120|35=A|49=DESK1|56=LMAX|34=1|98=0|108=30|553=desk1|554=${pw}|10=071|`, pw);
    case 'fix-new-password':
      return c(
        name,
        `8=FIX.4.4\x019=140\x0135=A\x0149=DESK1\x0156=LMAX\x01553=desk1\x01554=${pw}\x01925=${pw}x\x0110=200\x01`,
        pw,
      );
    case 'curl-user':
      return c(name, `curl -u ops:${pw} https://oms.internal/api/positions`, pw);
    case 'curl-user after date -u':
      return c(name, `date -u +%H:%M; curl -u ops:${pw} https://oms.internal/api/positions`, pw);
    case 'mysql -u root -p':
      return c(name, `mysql -u root -p${pw} orders`, pw);
    case 'mysql-password-option':
      return c(name, `mysqldump -u backup -p${pw} --single-transaction orders`, pw);
    case 'sidekiq-secret': {
      const k = `${g(HEX, 8)}:${g(HEX, 8)}`;
      return c(name, `BUNDLE_ENTERPRISE__CONTRIBSYS__COM=${k}`, k);
    }
    case 'nuget-config-password':
      return c(name, `<add key="ClearTextPassword" value="${pw}" />`, pw);
    case 'query-string-api-key':
      return c(name, `https://api.broker.example/v2/orders?symbol=EURUSD&api_key=${tok}&side=BUY`, tok);
    case 'azure-sas-signature': {
      const k = `${g(AN, 40)}%3D`;
      return c(
        name,
        `https://desk.blob.core.windows.net/reports?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-31&sig=${k}`,
        k,
      );
    }
    case 'json-escaped-password':
      return c(name, `request body {\\"user\\":\\"ops\\",\\"password\\":\\"${pw}\\"}`, pw);
    case 'url-encoded-api-key':
      return c(
        name,
        `https://sso.example/login?next=https%3A%2F%2Fapi.broker.example%2Fv2%3Fapi_key%3D${tok}%26symbol%3DEURUSD`,
        tok,
      );
    default:
      throw new Error(`no context for ${name}`);
  }
  const key = g(`${AN}/+`, 40);
  return c(name, `aws_secret_access_key = ${key}`, key);
}

/** Key names whose values are secrets whatever they look like; value samples are generated per key. */
export const SECRET_KEYS: readonly string[] = [
  'password',
  'DB_PASS',
  'dbPass',
  'db_password',
  'mysql_pwd',
  'PGPASSWORD',
  'passwd',
  'passphrase',
  'signing_key',
  'encryption_key',
  'secret_key',
  'aws_secret_access_key',
  'credentials',
  'private_key_id',
  'private_key',
  'cookie',
  'set-cookie',
  'session',
  'sessionId',
  'JSESSIONID',
  'pin',
  'otp',
  'totp_seed',
  'api_key',
  'X-Api-Key',
  'apiKey',
  'access_token',
  'refreshToken',
  'client_secret',
  'authorization',
  'auth_token',
  'bearer_token',
  'webhook_secret',
  'smtp_pass',
  'ldap_bind_password',
  'keystore_password',
  'master_key',
  'hmac_key',
  'account_key',
  'api_secret',
  'x-amz-security-token',
  'csrf_token',
  'id_token',
  'license_key',
  'wallet_key',
  'seed_phrase',
  'card_pin',
  'cvv',
  'BINANCE_KEY',
  'ADAFRUIT_IO_KEY',
  'stripeKey',
  'kraken_api_secret',
  'OANDA_KEY',
  'auth_code',
  'mfa_code',
];

/** A value for a secret key: credential-looking but with no known shape, so only the key can catch it. */
export function secretValueFor(i: number): string {
  return `v${i}${g(AN, 14)}`;
}

/** Ordinary trading text: never altered. */
export const BENIGN_TEXT: readonly string[] = [
  // false positives an earlier redactor produced on real trading text
  'Switching to basic hedging mode',
  'Bearer market sentiment',
  'Token bucket throttle',
  'sig: 0.95',
  'digest summary: 14 orders',
  'base_token: ETH',
  'token_symbol=WETH',
  'session_count: 4',
  'trading_session: LONDON',
  // desk jargon
  'Basic strategy rebalanced at the close',
  'bearer bonds matured; coupon 4.25',
  'Token listing review: SOL, AVAX, ARB',
  'token: bucket refill every 250ms',
  'session: London open',
  'session: Tokyo close, liquidity thin',
  'sig: 0.87 (momentum), sig: -0.12 (carry)',
  'signal strength 0.93 on EURUSD 5m',
  'digest: 3 fills, 2 cancels, 1 reject',
  'Key levels: 1.0850 support, 1.0920 resistance',
  'key: EURUSD',
  'auth: passed (4-eyes)',
  'secret sauce is the skew model',
  'otp hedge rolled to Dec',
  'passed pre-trade risk checks',
  'password policy reviewed by compliance on 2025-09-08',
  'credentials rotated per runbook RB-12',
  'api latency p99 1.8 ms',
  'cookie-cutter spread template applied',
  'private placement allocation pending',
  'fix session logged on: 8=FIX.4.4|9=65|35=A|49=DESK1|56=LMAX|34=1|98=0|108=30|10=061|',
  '8=FIX.4.4|9=153|35=D|49=DESK1|56=LMAX|11=ORD-2025-000123|55=EURUSD|54=1|38=1000000|40=2|44=1.10050|59=0|10=128|',
  'max_tokens: 4096',
  'next_token: 2',
  'sort_key: ts',
  'routing_key: orders.eu.fills',
  // command lines with `-u` that is no user (rules 15): a date format, another option, nothing
  'cron: date -u +%H:%M',
  'ran `date -u +%Y-%m-%dT%H:%M:%SZ` on host fx1',
  "TZ=UTC date -u '+%H:%M:%S' > /tmp/stamp",
  'date -u "+%H:%M" && sort -u -t: -k1 fills.csv',
  'sort -u -t: -k2 fills.csv',
  'uniq -u',
  // AUTH, > and ACL words in prose (rules 16)
  'AUTH failed for user bob',
  '250-AUTH PLAIN LOGIN XOAUTH2',
  'fill if price > 100 and qty >5',
  'ACL SETUSER is how users are made',
  // symbols, ids, codes
  'EURUSD',
  'GBPUSD',
  'USDJPY',
  'XAUUSD',
  'BTC-USDT',
  'WETH/USDC',
  'ES=F',
  'CL=F',
  'AAPL US Equity',
  'VOD LN Equity',
  'AAPL  250117C00150000',
  'SPX 4500P 2025-12-19',
  'ESZ5',
  '6EH6',
  'NQ=F',
  'US0378331005',
  'GB0002634946',
  'DE000BAY0017',
  'IE00B4L5Y983',
  'CUSIP 037833100',
  'SEDOL 0263494',
  'LEI 5493001KJTIIGC8Y1R12',
  'XLON',
  'XNAS',
  'BATS',
  'LMAX',
  'MIC XETR',
  'ORD-2025-000123',
  'D-9',
  'A-1',
  'CL-20250908-0001',
  'EXEC-77f2a1',
  'TRD_2025_09_08_000042',
  'a3f5c2e9-1b2d-4c5e-8f9a-0b1c2d3e4f5a',
  '123e4567-e89b-12d3-a456-426614174000',
  '0b1c2d3e-4f5a-4a3f-9c2e-1b2d4c5e8f9a',
  '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  'sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
  'd41d8cd98f00b204e9800998ecf8427e',
  'commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904',
  '0x742d35Cc6634C0532925a3b844Bc454e4438f44e',
  '0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060',
  // prices, sizes, times
  '1.10050',
  '-0.00012',
  '1e-7',
  '100000',
  '1,000,000.00',
  '99.875',
  '4.25%',
  '12bp',
  '+3.2σ',
  '2025-09-08T07:52:50.590693Z',
  '07:52:50.590',
  '20250908-07:52:50.590',
  '1757317970.590693',
  // sentences
  'order ORD-2025-000123 filled 500000 @ 1.10050 on LMAX',
  'Partial fill: 250k of 1M EURUSD at 1.1004, remaining 750k working',
  'Rejected: price outside collar (limit 1.0950-1.1050)',
  'Risk: gross 12.5M, net -2.1M, VaR(99) 340k',
  'Kill switch armed; max drawdown 2.5% intraday',
  'Hedge ratio 0.87 vs ES; beta 1.12',
  'NFP at 13:30 UTC: spreads widened to 3.2 pips',
  'Algo TWAP slice 7/20 sent, participation 8%',
  'Desk note: roll CLZ5 into CLF6 before expiry',
  'Compliance hold on account ACC-7781 released by J. Smith',
  'Venue LMAX latency 420us p50, 1.9ms p99',
  'Market maker quote 1.1004/1.1006 size 5M/5M',
  'Strategy momentum-eu v2.3.1 deployed from commit 4b825dc6',
  'Config risk.yaml changed: max_position 100 -> 80',
  'Login from 10.1.2.3 by ops (2FA ok)',
  'user=ops action=approve order=ORD-2025-000124',
  'host=trader-1 pid=4711 venue=LMAX qty=100 px=1.10050',
  'GET /api/v2/positions?account=ACC-7781&symbol=EURUSD 200 3ms',
  'https://docs.example.com/runbooks/kill-switch#restart',
  's3://trade-archive/2025/09/08/orders.csv',
  'C:\\Trading\\logs\\audit-20250908.jsonl',
  '/srv/trading/configs/risk.yaml',
  'ip 10.1.2.3 port 443',
  'MiFID II RTS 25: clocks within 100us of UTC',
  'SEC 17a-4(f) WORM retention 6 years',
  'Stop-loss at 1.0900, take-profit at 1.1200',
  'sl=1.0900 tp=1.1200',
  'Spread: 0.2 pips; skew: -0.1',
  'Notional: USD 12,500,000',
  'Theta -1250/day, vega 8.4k, gamma 0.03',
  'Basis swap 3s6s at 4.5bp',
  'The bearer of this note is entitled to redeem at par',
  'Bearer: the holder',
  'Digest of overnight news: ECB unchanged',
  'token bucket: 100 req/s, burst 20',
  'session_id_count: 12',
  'JSON {"symbol":"EURUSD","side":"BUY","qty":100000,"price":"1.10050"}',
  'key=value pairs parsed: 12',
  'auth_method: oauth2',
  'auth_url: https://login.broker.example/oauth2/token',
  'token_address: 0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48',
  'pass_through: true',
  'quote_token: USDC',
  'SessionCount=4',
];

/** Field names that are trading vocabulary, not secrets. */
export const BENIGN_KEYS: readonly string[] = [
  'base_token',
  'token_symbol',
  'session_count',
  'trading_session',
  'quote_token',
  'token_address',
  'token_decimals',
  'max_tokens',
  'prompt_tokens',
  'next_token',
  'sort_key',
  'routing_key',
  'partition_key',
  'idempotency_key',
  'key_id',
  'session_start',
  'session_end',
  'trading_session_id',
  'market_session',
  'auth_method',
  'auth_url',
  'pass_through',
  'signal',
  'significance',
  'symbol',
  'order_id',
  'deal_id',
  'venue',
  'strategy',
  'account',
  'author',
  'passenger_count',
  'bearer_bond',
  'digest',
  'tokenId',
  'token_bucket',
  'key_levels',
  'pinned',
  'spin',
  'opinion',
  'session_type',
  'cache_key',
  'instrument_key',
  'hash_key',
  'range_key',
  's3_key',
  'message_key',
  'dedupe_key',
  'keyword',
  'monkey',
];
