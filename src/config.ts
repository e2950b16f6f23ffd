/**
 * The one place that reads environment variables and the config file.
 *
 * Precedence: flag > environment > config file > default, resolved once into a frozen object.
 * Library functions never call this implicitly, except the process-wide default logger, which is
 * by definition "configured from the environment". Everything else takes explicit options.
 */
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { AuditpackError } from './errors.js';
import { DEFAULT_HEARTBEAT_MINUTES } from './format/heartbeat.js';

/** How the logger makes events durable. */
export type DurabilityMode = 'batched' | 'durable';

/** Every setting auditpack knows, fully resolved. Directories are absolute. */
export interface AuditpackConfig {
  /** Working directory everything relative is resolved against. */
  readonly cwd: string;
  /** Where daily audit logs live (AUDIT_LOG_DIR, default `logs`). */
  readonly logDir: string;
  /** Log files older than this many days may be pruned, if their day has a verified pack (AUDIT_RETENTION_DAYS, default 90). */
  readonly logRetentionDays: number;
  /** Redaction on (AUDIT_REDACTION_ENABLED, default true; only an explicit false turns it off). */
  readonly redactionEnabled: boolean;
  /** Extra sensitive key names (config file `redaction.keys`, env AUDIT_REDACT_KEYS comma-separated). */
  readonly redactKeys: readonly string[];
  /** Extra secret patterns as regular-expression sources (config file `redaction.patterns`). */
  readonly redactPatterns: readonly string[];
  /** Logger durability (AUDIT_DURABILITY, default batched). */
  readonly durability: DurabilityMode;
  /** Logger heartbeat interval, whole minutes (AUDIT_HEARTBEAT_MINUTES, config `logger.heartbeatMinutes`, default 15; 0 = off). */
  readonly heartbeatMinutes: number;
  /** Where packs are written (EXPORT_BASE_DIR, default `artifacts`). */
  readonly exportBaseDir: string;
  /** Packs older than this many days are pruned after an export (EXPORT_RETENTION_DAYS, default 90). */
  readonly exportRetentionDays: number;
  /** Include config diffs in packs (EXPORT_INCLUDE_CONFIG_DIFFS, default true). */
  readonly exportIncludeConfigDiffs: boolean;
  /** Also write a .tar.gz of each pack (EXPORT_COMPRESS_PACKAGES, default false). */
  readonly exportCompress: boolean;
  /** Ed25519 private key (OpenSSH or PKCS#8 PEM) used to sign packs (AUDITPACK_SIGNING_KEY; unset = unsigned). */
  readonly signingKey: string | undefined;
  /** Where snapshots are stored (SNAPSHOT_DIR, default `audit/snapshots`). */
  readonly snapshotDir: string;
  /** Take a snapshot when the trading app calls startupSnapshot() (SNAPSHOT_AUTO_STARTUP, default true). */
  readonly snapshotAutoStartup: boolean;
  /** Glob patterns for config discovery, relative to cwd (config file `snapshot.patterns`). */
  readonly snapshotPatterns: readonly string[];
  /** Files larger than this are hashed but not stored (SNAPSHOT_MAX_FILE_BYTES, default 5 MB). */
  readonly snapshotMaxFileBytes: number;
  /** Which events go to alerts.jsonl (config file `export.alerts`). */
  readonly alertFilter: AlertFilterConfig;
  /** RFC 3161 time-stamping authority URL for packs and `auditpack anchor` (EXPORT_TSA_URL, config `tsa.url`; unset = no tokens). */
  readonly tsaUrl: string | undefined;
  /** Deadline for one TSA exchange, ms (EXPORT_TSA_TIMEOUT_MS, config `tsa.timeoutMs`, default 10000). */
  readonly tsaTimeoutMs: number;
  /** PEM file of trust anchors for time-stamp tokens (AUDITPACK_TSA_CA, config `tsa.ca`). */
  readonly tsaCa: string | undefined;
  /** verify: a pack without a token is a finding (VERIFY_REQUIRE_TIMESTAMP, config `verify.requireTimestamp`, default false). */
  readonly requireTimestamp: boolean;
  /** verify: chain anchors are expected at least this often, minutes (VERIFY_ANCHOR_INTERVAL_MINUTES, config `verify.anchorIntervalMinutes`; unset = no rhythm checked). */
  readonly anchorIntervalMinutes: number | undefined;
  /** verify: the first day anchors are expected on (VERIFY_ANCHORS_SINCE, config `verify.anchorsSince`, YYYY-MM-DD; unset = every day). */
  readonly anchorsSince: string | undefined;
  /** The off-machine archive (config file `archive.*` plus the AWS_* variables); undefined when `archive.bucket` is not set. */
  readonly archive: ArchiveSettings | undefined;
  /** Pack review: who acts, who may approve, the approvers' keys, what blocks (see ReviewSettings). */
  readonly review: ReviewSettings;
}

/** Pack review settings (`auditpack review`; docs/FORMAT.md, "Review records"). */
export interface ReviewSettings {
  /** Who acts (--actor, AUDITPACK_ACTOR; default `<user>@<host>`). */
  readonly actor: string;
  /** Who may approve (AUDITPACK_REVIEW_APPROVERS comma-separated, config `review.approvers`); undefined: anyone but the submitter. */
  readonly approvers: readonly string[] | undefined;
  /** allowed_signers file of the approvers' keys (AUDITPACK_REVIEW_SIGNERS, config `review.allowedSigners`). */
  readonly signers: string | undefined;
  /** The approver's private key for the countersignature (--key, AUDITPACK_REVIEW_KEY). */
  readonly key: string | undefined;
  /** Findings at or above this severity need a disposition (REVIEW_BLOCKING_SEVERITY, config `review.blockingSeverity`, default `warning`). */
  readonly blockingSeverity: 'info' | 'warning' | 'critical';
}

/** Access keys for the object store. Held behind a function so that printing or serialising a config never shows them. */
export interface ArchiveCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Where and how packs are archived (S3 Object Lock, COMPLIANCE mode). */
export interface ArchiveSettings {
  /** Bucket name (config file `archive.bucket`). */
  readonly bucket: string;
  /** Key prefix, empty or ending in `/` (config file `archive.prefix`, default `auditpack/`). */
  readonly prefix: string;
  /** Each pack is locked until its day's end plus this many years (flag, config file `archive.retentionYears`, default 6). */
  readonly retentionYears: number;
  /** Endpoint URL (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else config file `archive.endpoint`); undefined: AWS. */
  readonly endpoint: string | undefined;
  /** Region (AWS_REGION, else AWS_DEFAULT_REGION, else config file `archive.region`, default us-east-1). */
  readonly region: string;
  /** Path-style URLs (config file `archive.forcePathStyle`; default: on for a non-AWS endpoint). */
  readonly forcePathStyle: boolean;
  /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN; undefined: the SDK's default chain (profiles, instance roles). */
  readonly credentials: (() => ArchiveCredentials) | undefined;
}

/** The significant-events filter for `data/alerts.jsonl`. An event matches if any rule matches. */
export interface AlertFilterConfig {
  /** Whole categories (default: alert). */
  readonly categories: readonly string[];
  /** `category.event` pairs (default: auth.LoginFailed, order.Rejected, config.ConfigChanged, config.ConfigSnapshot, system.TornLineRecovered). */
  readonly events: readonly string[];
  /** Severities (case-insensitive; default HIGH, CRITICAL). */
  readonly severities: readonly string[];
}

/** Default config-discovery patterns. */
export const DEFAULT_SNAPSHOT_PATTERNS: readonly string[] = Object.freeze([
  'configs/**/*.{yaml,yml,json,toml,ini,conf,env,properties,py}',
  'configs/**/.env',
  'configs/**/.env.*',
]);

/** Default alert filter. */
export const DEFAULT_ALERT_FILTER: AlertFilterConfig = Object.freeze({
  categories: Object.freeze(['alert']),
  events: Object.freeze([
    'auth.LoginFailed',
    'order.Rejected',
    'config.ConfigChanged',
    'config.ConfigSnapshot',
    'system.TornLineRecovered',
  ]),
  severities: Object.freeze(['HIGH', 'CRITICAL']),
});

/** Values given on the command line; undefined means "not given". */
export interface ConfigFlags {
  logDir?: string | undefined;
  exportBaseDir?: string | undefined;
  exportRetentionDays?: number | undefined;
  logRetentionDays?: number | undefined;
  exportCompress?: boolean | undefined;
  exportIncludeConfigDiffs?: boolean | undefined;
  signingKey?: string | undefined;
  snapshotDir?: string | undefined;
  snapshotPatterns?: readonly string[] | undefined;
  durability?: DurabilityMode | undefined;
  tsaUrl?: string | undefined;
  tsaTimeoutMs?: number | undefined;
  tsaCa?: string | undefined;
  requireTimestamp?: boolean | undefined;
  anchorIntervalMinutes?: number | undefined;
  anchorsSince?: string | undefined;
  archiveRetentionYears?: number | undefined;
  actor?: string | undefined;
  reviewKey?: string | undefined;
  reviewSigners?: string | undefined;
}

export interface ResolveConfigOptions {
  /** Directory relative paths resolve against (default process.cwd()). */
  cwd?: string;
  /** Environment to read (default process.env). Pass `{}` to ignore the environment. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Command-line values, highest precedence. */
  flags?: ConfigFlags;
  /** Config file path; default AUDITPACK_CONFIG, else `auditpack.config.json` in cwd if it exists. */
  configFile?: string;
}

/** Name of the optional config file looked up in the working directory. */
export const CONFIG_FILE_NAME = 'auditpack.config.json';

type FileConfig = Record<string, unknown>;

/**
 * Resolves every setting once: flag > environment > config file > default.
 * Throws CONFIG_INVALID for malformed values, naming the variable or key.
 */
export function resolveConfig(options: ResolveConfigOptions = {}): AuditpackConfig {
  const cwd = resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const flags = options.flags ?? {};
  const file = readConfigFile(cwd, options.configFile ?? env.AUDITPACK_CONFIG);

  const dir = (flag: string | undefined, envName: string, fileKey: string, def: string): string => {
    const raw = flag ?? nonEmpty(env[envName]) ?? stringAt(file, fileKey) ?? def;
    return isAbsolute(raw) ? raw : resolve(cwd, raw);
  };
  const int = (flag: number | undefined, envName: string, fileKey: string, def: number): number => {
    if (flag !== undefined) return checkInt(flag, `option for ${envName}`);
    const e = nonEmpty(env[envName]);
    if (e !== undefined) return checkInt(Number(e), envName, e);
    const f = valueAt(file, fileKey);
    if (f !== undefined) return checkInt(Number(f), `${CONFIG_FILE_NAME} ${fileKey}`, f);
    return def;
  };
  const bool = (flag: boolean | undefined, envName: string, fileKey: string, def: boolean): boolean => {
    if (flag !== undefined) return flag;
    const e = nonEmpty(env[envName]);
    if (e !== undefined) return parseBool(e, envName);
    const f = valueAt(file, fileKey);
    if (f !== undefined) return parseBool(f, `${CONFIG_FILE_NAME} ${fileKey}`);
    return def;
  };

  const durabilityRaw =
    flags.durability ?? nonEmpty(env.AUDIT_DURABILITY) ?? stringAt(file, 'logger.durability') ?? 'batched';
  if (durabilityRaw !== 'batched' && durabilityRaw !== 'durable') {
    throw new AuditpackError(
      'CONFIG_INVALID',
      `AUDIT_DURABILITY must be "batched" or "durable", got ${JSON.stringify(durabilityRaw)}`,
    );
  }

  const envKeys = nonEmpty(env.AUDIT_REDACT_KEYS);
  const signingKeyRaw = flags.signingKey ?? nonEmpty(env.AUDITPACK_SIGNING_KEY) ?? stringAt(file, 'export.signingKey');

  const tsaCaRaw = flags.tsaCa ?? nonEmpty(env.AUDITPACK_TSA_CA) ?? stringAt(file, 'tsa.ca');
  const anchorIntervalSet =
    flags.anchorIntervalMinutes !== undefined ||
    nonEmpty(env.VERIFY_ANCHOR_INTERVAL_MINUTES) !== undefined ||
    valueAt(file, 'verify.anchorIntervalMinutes') !== undefined;
  const anchorInterval = anchorIntervalSet
    ? int(flags.anchorIntervalMinutes, 'VERIFY_ANCHOR_INTERVAL_MINUTES', 'verify.anchorIntervalMinutes', 0)
    : undefined;
  if (anchorInterval === 0)
    throw new AuditpackError('CONFIG_INVALID', 'VERIFY_ANCHOR_INTERVAL_MINUTES must be at least 1');
  const anchorsSince =
    flags.anchorsSince ?? nonEmpty(env.VERIFY_ANCHORS_SINCE) ?? stringAt(file, 'verify.anchorsSince');
  if (anchorsSince !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(anchorsSince)) {
    throw new AuditpackError(
      'CONFIG_INVALID',
      `VERIFY_ANCHORS_SINCE must be a date as YYYY-MM-DD, got ${JSON.stringify(anchorsSince)}`,
    );
  }
  const alerts = valueAt(file, 'export.alerts');
  const alertFilter: AlertFilterConfig =
    alerts === undefined
      ? DEFAULT_ALERT_FILTER
      : Object.freeze({
          categories: Object.freeze(stringList(alerts, 'categories') ?? [...DEFAULT_ALERT_FILTER.categories]),
          events: Object.freeze(stringList(alerts, 'events') ?? [...DEFAULT_ALERT_FILTER.events]),
          severities: Object.freeze(stringList(alerts, 'severities') ?? [...DEFAULT_ALERT_FILTER.severities]),
        });

  return Object.freeze({
    cwd,
    logDir: dir(flags.logDir, 'AUDIT_LOG_DIR', 'logDir', 'logs'),
    logRetentionDays: int(flags.logRetentionDays, 'AUDIT_RETENTION_DAYS', 'logRetentionDays', 90),
    redactionEnabled: bool(undefined, 'AUDIT_REDACTION_ENABLED', 'redaction.enabled', true),
    redactKeys: Object.freeze([
      ...(stringList(file, 'redaction.keys') ?? []),
      ...(envKeys
        ? envKeys
            .split(',')
            .map((k) => k.trim())
            .filter(Boolean)
        : []),
    ]),
    redactPatterns: Object.freeze(stringList(file, 'redaction.patterns') ?? []),
    durability: durabilityRaw,
    heartbeatMinutes: int(undefined, 'AUDIT_HEARTBEAT_MINUTES', 'logger.heartbeatMinutes', DEFAULT_HEARTBEAT_MINUTES),
    exportBaseDir: dir(flags.exportBaseDir, 'EXPORT_BASE_DIR', 'export.baseDir', 'artifacts'),
    exportRetentionDays: int(flags.exportRetentionDays, 'EXPORT_RETENTION_DAYS', 'export.retentionDays', 90),
    exportIncludeConfigDiffs: bool(
      flags.exportIncludeConfigDiffs,
      'EXPORT_INCLUDE_CONFIG_DIFFS',
      'export.includeConfigDiffs',
      true,
    ),
    exportCompress: bool(flags.exportCompress, 'EXPORT_COMPRESS_PACKAGES', 'export.compress', false),
    signingKey:
      signingKeyRaw === undefined ? undefined : isAbsolute(signingKeyRaw) ? signingKeyRaw : resolve(cwd, signingKeyRaw),
    snapshotDir: dir(flags.snapshotDir, 'SNAPSHOT_DIR', 'snapshot.dir', 'audit/snapshots'),
    snapshotAutoStartup: bool(undefined, 'SNAPSHOT_AUTO_STARTUP', 'snapshot.autoStartup', true),
    snapshotPatterns: Object.freeze([
      ...(flags.snapshotPatterns ?? stringList(file, 'snapshot.patterns') ?? DEFAULT_SNAPSHOT_PATTERNS),
    ]),
    snapshotMaxFileBytes: int(undefined, 'SNAPSHOT_MAX_FILE_BYTES', 'snapshot.maxFileBytes', 5 * 1024 * 1024),
    alertFilter,
    tsaUrl: flags.tsaUrl ?? nonEmpty(env.EXPORT_TSA_URL) ?? stringAt(file, 'tsa.url'),
    tsaTimeoutMs: int(flags.tsaTimeoutMs, 'EXPORT_TSA_TIMEOUT_MS', 'tsa.timeoutMs', 10_000),
    tsaCa: tsaCaRaw === undefined ? undefined : isAbsolute(tsaCaRaw) ? tsaCaRaw : resolve(cwd, tsaCaRaw),
    requireTimestamp: bool(flags.requireTimestamp, 'VERIFY_REQUIRE_TIMESTAMP', 'verify.requireTimestamp', false),
    anchorIntervalMinutes: anchorInterval,
    anchorsSince,
    archive: resolveArchive(env, file, flags.archiveRetentionYears),
    review: resolveReview(env, file, flags, cwd),
  });
}

function resolveReview(
  env: Readonly<Record<string, string | undefined>>,
  file: FileConfig,
  flags: ConfigFlags,
  cwd: string,
): ReviewSettings {
  const path = (raw: string | undefined): string | undefined =>
    raw === undefined ? undefined : isAbsolute(raw) ? raw : resolve(cwd, raw);
  const envApprovers = nonEmpty(env.AUDITPACK_REVIEW_APPROVERS);
  const approvers =
    envApprovers !== undefined
      ? envApprovers
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean)
      : stringList(file, 'review.approvers');
  const severity = nonEmpty(env.REVIEW_BLOCKING_SEVERITY) ?? stringAt(file, 'review.blockingSeverity') ?? 'warning';
  if (severity !== 'info' && severity !== 'warning' && severity !== 'critical')
    throw new AuditpackError(
      'CONFIG_INVALID',
      `REVIEW_BLOCKING_SEVERITY must be info, warning or critical, got ${JSON.stringify(severity)}`,
    );
  return Object.freeze({
    actor: flags.actor ?? nonEmpty(env.AUDITPACK_ACTOR) ?? defaultActor(),
    approvers: approvers === undefined ? undefined : Object.freeze(approvers),
    signers: path(
      flags.reviewSigners ?? nonEmpty(env.AUDITPACK_REVIEW_SIGNERS) ?? stringAt(file, 'review.allowedSigners'),
    ),
    key: path(flags.reviewKey ?? nonEmpty(env.AUDITPACK_REVIEW_KEY)),
    blockingSeverity: severity,
  });
}

/** `<user>@<host>`, with characters an identity cannot hold replaced by `_`. */
function defaultActor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container's arbitrary uid)
  }
  return `${user}@${hostname()}`.replace(/[^A-Za-z0-9._@+-]/g, '_').slice(0, 128);
}

/** Default archive retention: SEC 17a-4(a) and FINRA 4511(b) keep most records six years. */
export const DEFAULT_ARCHIVE_RETENTION_YEARS = 6;

function resolveArchive(
  env: Readonly<Record<string, string | undefined>>,
  file: FileConfig,
  retentionFlag: number | undefined,
): ArchiveSettings | undefined {
  const bucket = stringAt(file, 'archive.bucket');
  if (bucket === undefined) return undefined;
  // S3 bucket naming rules: 3-63 characters, lower-case letters, digits, dots and hyphens.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new AuditpackError(
      'CONFIG_INVALID',
      `${CONFIG_FILE_NAME}: archive.bucket ${JSON.stringify(bucket)} is not a valid bucket name (3-63 characters: a-z 0-9 . -)`,
    );
  }
  const prefixRaw = valueAt(file, 'archive.prefix');
  if (prefixRaw !== undefined && typeof prefixRaw !== 'string')
    throw new AuditpackError('CONFIG_INVALID', `${CONFIG_FILE_NAME}: archive.prefix must be a string`);
  let prefix = prefixRaw ?? 'auditpack/';
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  if (
    prefix.startsWith('/') ||
    !/^[A-Za-z0-9!_.*'()/-]*$/.test(prefix) ||
    prefix.split('/').some((p, i, a) => (p === '' && i < a.length - 1) || p === '.' || p === '..')
  ) {
    throw new AuditpackError(
      'CONFIG_INVALID',
      `${CONFIG_FILE_NAME}: archive.prefix ${JSON.stringify(prefixRaw)} must be a relative key prefix of A-Z a-z 0-9 and !_.*'()/- without empty, . or .. parts`,
    );
  }
  let retentionYears = DEFAULT_ARCHIVE_RETENTION_YEARS;
  const fileYears = valueAt(file, 'archive.retentionYears');
  if (retentionFlag !== undefined) retentionYears = retentionFlag;
  else if (fileYears !== undefined)
    retentionYears = checkInt(Number(fileYears), `${CONFIG_FILE_NAME} archive.retentionYears`, fileYears);
  if (!Number.isInteger(retentionYears) || retentionYears < 1 || retentionYears > 100) {
    throw new AuditpackError(
      'CONFIG_INVALID',
      `archive retention must be 1 to 100 years, got ${JSON.stringify(retentionYears)}`,
    );
  }
  const endpointRaw =
    nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL) ?? stringAt(file, 'archive.endpoint');
  let endpoint: string | undefined;
  let awsHost = true;
  if (endpointRaw !== undefined) {
    let u: URL;
    try {
      u = new URL(endpointRaw);
    } catch {
      throw new AuditpackError(
        'CONFIG_INVALID',
        `the S3 endpoint (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / archive.endpoint) is not a URL`,
      );
    }
    // A URL with user:password@ would put a secret into every message that names the endpoint.
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username !== '' || u.password !== '') {
      throw new AuditpackError(
        'CONFIG_INVALID',
        `the S3 endpoint must be an http(s) URL without user information, got protocol ${u.protocol}`,
      );
    }
    endpoint = u.origin + (u.pathname === '/' ? '' : u.pathname);
    awsHost = u.hostname.endsWith('.amazonaws.com');
  }
  const pathStyleRaw = valueAt(file, 'archive.forcePathStyle');
  const forcePathStyle =
    pathStyleRaw === undefined ? !awsHost : parseBool(pathStyleRaw, `${CONFIG_FILE_NAME} archive.forcePathStyle`);
  const region =
    nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? stringAt(file, 'archive.region') ?? 'us-east-1';
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new AuditpackError(
      'CONFIG_INVALID',
      `set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (then the AWS SDK's default chain is used)`,
    );
  }
  const creds: ArchiveCredentials | undefined =
    accessKeyId === undefined || secretAccessKey === undefined
      ? undefined
      : Object.freeze({ accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) });
  return Object.freeze({
    bucket,
    prefix,
    retentionYears,
    endpoint,
    region,
    forcePathStyle,
    credentials: creds === undefined ? undefined : () => creds,
  });
}

function readConfigFile(cwd: string, path: string | undefined): FileConfig {
  const explicit = nonEmpty(path);
  const full = resolve(cwd, explicit ?? CONFIG_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && explicit === undefined) return {};
    throw new AuditpackError('CONFIG_INVALID', `cannot read config file ${full}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AuditpackError('CONFIG_INVALID', `config file ${full} is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AuditpackError('CONFIG_INVALID', `config file ${full} must hold a JSON object`);
  }
  return parsed as FileConfig;
}

function valueAt(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function stringAt(obj: unknown, dotted: string): string | undefined {
  const v = valueAt(obj, dotted);
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') {
    throw new AuditpackError('CONFIG_INVALID', `${CONFIG_FILE_NAME}: ${dotted} must be a non-empty string`);
  }
  return v;
}

function stringList(obj: unknown, dotted: string): string[] | undefined {
  const v = valueAt(obj, dotted);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw new AuditpackError('CONFIG_INVALID', `${CONFIG_FILE_NAME}: ${dotted} must be an array of strings`);
  }
  return [...v];
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

function checkInt(n: number, what: string, raw: unknown = n): number {
  if (!Number.isInteger(n) || n < 0) {
    throw new AuditpackError('CONFIG_INVALID', `${what} must be a whole number ≥ 0, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** Parses the usual spellings of a boolean setting; anything else is a config error. */
export function parseBool(v: unknown, what: string): boolean {
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  throw new AuditpackError('CONFIG_INVALID', `${what} must be true or false, got ${JSON.stringify(v)}`);
}
