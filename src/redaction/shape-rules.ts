/**
 * The fixed-prefix secret shapes, as a table: the rules of gitleaks, detect-secrets and GitHub
 * secret scanning that start with a literal (or carry one), compiled once into sticky regexps.
 * shapes.ts finds candidates by their first character and tries only these rules there.
 */
import { derHexKeyEnd } from './der-hex.js';
import { DER_KEY_MIN, derPrivateKeyEnd } from './der-key.js';
import { jwtMatchEnd } from './shape-runs.js';
import { isWifPrivateKey } from './wif.js';

/**
 * A fixed-prefix shape: tried only where a token starts (after white space, a quote or a bracket)
 * or after `= : / @ | & ? #` inside one, and only when the text there starts with one of its
 * prefixes, so a string costs one pass over its characters plus a few `startsWith` checks per
 * long token, whatever the number of rules. (One regular expression of ~100 alternatives was
 * measured at 6-40 times the cost of the old scan.) A secret glued to the end of a word
 * (`xAKIA…`) is therefore not found by these rules.
 */
export interface ShapeRule {
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
  /** A further test of the match (a checksum): false leaves it. */
  readonly check?: (match: string) => boolean;
  /**
   * Finds the regex's match at a position without the regex engine (its end, or -1), for a pattern
   * that is not linear there (shape-runs.ts); `regex` then stays for the fingerprint and the docs.
   */
  readonly find?: (s: string, at: number) => number;
  /** The match may run past the token (wrapped base64 across line breaks, hex across xxd -p's lines): the DER key rules. */
  readonly pastToken: boolean;
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
  // Wallets (rules 12): BIP32 extended private keys (mainnet, testnet, BIP49/84 variants), and WIF
  // private keys (uncompressed 5H/5J/5K + 49, compressed K/L + 51, base58) whose base58check
  // checksum holds (wif.ts: an id of the same length and alphabet is not taken). Rules 13: SLIP-132's
  // multisig variants `Yprv`/`Zprv` (mainnet P2WSH-in-P2SH, P2WSH) and `Uprv`/`Vprv` (testnet), as
  // Electrum, Sparrow and Specter export them; testnet WIF keys (`9` + 50, `c` + 51, checksum-verified).
  [
    'bip32-extended-private-key',
    'xprv tprv yprv zprv uprv vprv Yprv Zprv Uprv Vprv',
    String.raw`[xtyzuvYZUV]prv[1-9A-HJ-NP-Za-km-z]{107}${E}`,
    111,
  ],
  [
    'wif-private-key',
    '5H 5J 5K K L 9 c',
    String.raw`(?:5[HJK][1-9A-HJ-NP-Za-km-z]{49}|[KL][1-9A-HJ-NP-Za-km-z]{51}|9[1-9A-HJ-NP-Za-km-z]{50}|c[1-9A-HJ-NP-Za-km-z]{51})${E}`,
    51,
  ],
  // JWTs (JWS/JWE compact form, and a JWT base64-encoded once more). Rules 14: no segment is bounded
  // (a payload or signature past 8,192 characters kept its tail), a detached payload `h..sig` and a
  // JWE's five segments (`h.key.iv.ciphertext.tag`, the key empty with `alg: dir`) go whole. Found by
  // jwtMatchEnd (shape-runs.ts), linear; this pattern is its description.
  [
    'jwt',
    'eyJ',
    String.raw`eyJ[A-Za-z0-9_-]{4,}\.(?:[A-Za-z0-9_-]{4,}\.?|\.(?=[A-Za-z0-9_-]{4}))[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+)?`,
    12,
  ],
  ['jwt-base64', 'ZXlK', String.raw`ZXlK[A-Za-z0-9+/]{30,8192}={0,2}`, 34],
  // Rules 16: a private key as bare base64 of its DER (PKCS#8, PKCS#1, SEC1), no PEM armor. Found
  // by derPrivateKeyEnd (der-key.ts: the structure's fixed start decoded, then its declared length,
  // across wrapped lines); this pattern describes the starts it accepts.
  [
    'der-private-key',
    'M',
    String.raw`M(?:[A-H][A-Za-z0-9+/]C|IG[A-Za-z0-9+/]Ag|II[A-Za-z0-9+/]{3}I)[A-Za-z0-9+/_-]{34,}={0,2}`,
    DER_KEY_MIN,
  ],
  // Rules 18: the same keys as hex of their DER, plain, `0x`-prefixed or percent-encoded byte by
  // byte (`%30%82…`). Found by derHexKeyEnd (the private-key structure's start decoded from 24 hex
  // digits, then its declared length); a hash or any other long hex run has no such start.
  [
    'der-private-key-hex',
    '30 %30 0x30 0X30',
    String.raw`(?:0[xX])?30(?:8[12][0-9a-fA-F]{2,4}|[0-7][0-9a-fA-F])020[01][0-9a-fA-F]{50,}`,
    60,
  ],
];

export const SHAPES: readonly ShapeRule[] = RULES.map(([name, prefixes, source, min, hook]) => ({
  name,
  prefixes: prefixes === '' ? [''] : prefixes.split(' '),
  regex: new RegExp(source, 'y'),
  min,
  ...(hook !== undefined ? { hook } : {}),
  ...(name === 'azure-connection-string-key' || name === 'gitlab-session-cookie' ? { keepName: true } : {}),
  ...(name === 'wif-private-key' ? { check: isWifPrivateKey } : {}),
  // On every rule (undefined but on jwt): one object shape more would make the scan's loads polymorphic.
  find:
    name === 'jwt'
      ? jwtMatchEnd
      : name === 'der-private-key'
        ? derPrivateKeyEnd
        : name === 'der-private-key-hex'
          ? derHexKeyEnd
          : undefined,
  // A key may run past its token: base64 wrapped at blanks (rules 18), hex wrapped at lines (`xxd -p`, rules 20).
  pastToken: name === 'der-private-key' || name === 'der-private-key-hex',
}));
