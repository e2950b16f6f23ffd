/**
 * The one place that reads environment variables and the config file (with its helpers in src/config/).
 *
 * Precedence: flag > environment > config file > default, resolved once into a frozen object.
 * Library functions never call this implicitly, except the process-wide default logger, which is
 * by definition "configured from the environment". Everything else takes explicit options.
 */
import { resolve } from 'node:path';
import { AuditpackError } from './errors.js';
import { DEFAULT_HEARTBEAT_MINUTES } from './format/heartbeat.js';
import { resolveArchive, type ArchiveSettings } from './config/archive.js';
import { resolveReview, type ReviewSettings } from './config/review.js';
import { checkFileRetention, type RetentionSetting, retentionSourceOf } from './config/retention.js';
import type { RetentionSource } from './format/pruned-ledger.js';
import {
  commaList,
  nonEmpty,
  readConfigFile,
  settingReader,
  shownSetting,
  stringAt,
  stringList,
  type Env,
  type FileConfig,
  type SettingReader,
  valueAt,
} from './config/values.js';

export {
  type ArchiveCredentials,
  type ArchiveSettings,
  DEFAULT_ARCHIVE_RETENTION_YEARS,
} from './config/archive.js';
export type { ReviewSettings } from './config/review.js';
export { CONFIG_FILE_NAME } from './config/values.js';
export { MIN_FILE_RETENTION_DAYS, type RetentionSetting } from './config/retention.js';
export type { RetentionSource } from './format/pruned-ledger.js';

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
  /** Where exportRetentionDays came from (`command_line`, `environment`, `config_file`, `default`): prune records it in pruned.jsonl. */
  readonly exportRetentionSource: RetentionSource;
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
  'configs/**/*.{yaml,yml,json,toml,ini,conf,env,properties,py,xml}',
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
  /**
   * Retention settings that will remove evidence (prune, export): one of them taken from the config
   * file alone and under MIN_FILE_RETENTION_DAYS is CONFIG_INVALID (a flag or the environment must say it).
   */
  pinRetention?: readonly RetentionSetting[];
}

/**
 * Resolves every setting once: flag > environment > config file > default.
 * Throws CONFIG_INVALID for malformed values, naming the variable or key.
 */
export function resolveConfig(options: ResolveConfigOptions = {}): AuditpackConfig {
  const cwd = resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const flags = options.flags ?? {};
  const file = readConfigFile(cwd, options.configFile ?? env.AUDITPACK_CONFIG);
  const r = settingReader(cwd, env, file);
  const { dir, int, bool } = r;
  // Durability and time-stamping are checked first: with several bad settings, one of theirs is named.
  const durability = resolveDurability(flags, env, file);
  const timestamps = resolveTimestamps(r, flags, env, file);
  const logRetentionDays = int(flags.logRetentionDays, 'AUDIT_RETENTION_DAYS', 'logRetentionDays', 90);
  const exportRetentionDays = int(flags.exportRetentionDays, 'EXPORT_RETENTION_DAYS', 'export.retentionDays', 90);
  checkFileRetention(
    options.pinRetention ?? [],
    {
      'export.retentionDays': { flag: flags.exportRetentionDays, value: exportRetentionDays },
      logRetentionDays: { flag: flags.logRetentionDays, value: logRetentionDays },
    },
    env,
    file,
  );
  return Object.freeze({
    cwd,
    logDir: dir(flags.logDir, 'AUDIT_LOG_DIR', 'logDir', 'logs'),
    logRetentionDays,
    redactionEnabled: bool(undefined, 'AUDIT_REDACTION_ENABLED', 'redaction.enabled', true),
    redactKeys: Object.freeze([...(stringList(file, 'redaction.keys') ?? []), ...commaList(env.AUDIT_REDACT_KEYS)]),
    redactPatterns: Object.freeze(stringList(file, 'redaction.patterns') ?? []),
    durability,
    heartbeatMinutes: int(undefined, 'AUDIT_HEARTBEAT_MINUTES', 'logger.heartbeatMinutes', DEFAULT_HEARTBEAT_MINUTES),
    exportBaseDir: dir(flags.exportBaseDir, 'EXPORT_BASE_DIR', 'export.baseDir', 'artifacts'),
    exportRetentionDays,
    exportRetentionSource: retentionSourceOf('export.retentionDays', flags.exportRetentionDays, env, file),
    exportIncludeConfigDiffs: bool(
      flags.exportIncludeConfigDiffs,
      'EXPORT_INCLUDE_CONFIG_DIFFS',
      'export.includeConfigDiffs',
      true,
    ),
    exportCompress: bool(flags.exportCompress, 'EXPORT_COMPRESS_PACKAGES', 'export.compress', false),
    signingKey: r.path(flags.signingKey ?? nonEmpty(env.AUDITPACK_SIGNING_KEY) ?? stringAt(file, 'export.signingKey')),
    snapshotDir: dir(flags.snapshotDir, 'SNAPSHOT_DIR', 'snapshot.dir', 'audit/snapshots'),
    snapshotAutoStartup: bool(undefined, 'SNAPSHOT_AUTO_STARTUP', 'snapshot.autoStartup', true),
    snapshotPatterns: Object.freeze([
      ...(flags.snapshotPatterns ?? stringList(file, 'snapshot.patterns') ?? DEFAULT_SNAPSHOT_PATTERNS),
    ]),
    snapshotMaxFileBytes: int(undefined, 'SNAPSHOT_MAX_FILE_BYTES', 'snapshot.maxFileBytes', 5 * 1024 * 1024),
    alertFilter: resolveAlertFilter(file),
    ...timestamps,
    archive: resolveArchive(env, file, flags.archiveRetentionYears),
    review: resolveReview(env, file, flags, cwd),
  });
}

function resolveDurability(flags: ConfigFlags, env: Env, file: FileConfig): DurabilityMode {
  const raw = flags.durability ?? nonEmpty(env.AUDIT_DURABILITY) ?? stringAt(file, 'logger.durability') ?? 'batched';
  if (raw !== 'batched' && raw !== 'durable')
    throw new AuditpackError(
      'CONFIG_INVALID',
      `AUDIT_DURABILITY must be "batched" or "durable", got ${shownSetting(raw, ['batched', 'durable'])}`,
    );
  return raw;
}

/** The alert filter of the config file's `export.alerts`, each list defaulting on its own. */
function resolveAlertFilter(file: FileConfig): AlertFilterConfig {
  const alerts = valueAt(file, 'export.alerts');
  if (alerts === undefined) return DEFAULT_ALERT_FILTER;
  return Object.freeze({
    categories: Object.freeze(stringList(alerts, 'categories') ?? [...DEFAULT_ALERT_FILTER.categories]),
    events: Object.freeze(stringList(alerts, 'events') ?? [...DEFAULT_ALERT_FILTER.events]),
    severities: Object.freeze(stringList(alerts, 'severities') ?? [...DEFAULT_ALERT_FILTER.severities]),
  });
}

/** The time-stamping settings: the TSA, and what verify requires of tokens and anchors. */
function resolveTimestamps(
  r: SettingReader,
  flags: ConfigFlags,
  env: Env,
  file: FileConfig,
): Pick<
  AuditpackConfig,
  'tsaUrl' | 'tsaTimeoutMs' | 'tsaCa' | 'requireTimestamp' | 'anchorIntervalMinutes' | 'anchorsSince'
> {
  const anchorIntervalSet =
    flags.anchorIntervalMinutes !== undefined ||
    nonEmpty(env.VERIFY_ANCHOR_INTERVAL_MINUTES) !== undefined ||
    valueAt(file, 'verify.anchorIntervalMinutes') !== undefined;
  const anchorInterval = anchorIntervalSet
    ? r.int(flags.anchorIntervalMinutes, 'VERIFY_ANCHOR_INTERVAL_MINUTES', 'verify.anchorIntervalMinutes', 0)
    : undefined;
  if (anchorInterval === 0)
    throw new AuditpackError('CONFIG_INVALID', 'VERIFY_ANCHOR_INTERVAL_MINUTES must be at least 1');
  const anchorsSince =
    flags.anchorsSince ?? nonEmpty(env.VERIFY_ANCHORS_SINCE) ?? stringAt(file, 'verify.anchorsSince');
  if (anchorsSince !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(anchorsSince)) {
    throw new AuditpackError(
      'CONFIG_INVALID',
      `VERIFY_ANCHORS_SINCE must be a date as YYYY-MM-DD, got ${shownSetting(anchorsSince)}`,
    );
  }
  return {
    tsaUrl: flags.tsaUrl ?? nonEmpty(env.EXPORT_TSA_URL) ?? stringAt(file, 'tsa.url'),
    tsaTimeoutMs: r.int(flags.tsaTimeoutMs, 'EXPORT_TSA_TIMEOUT_MS', 'tsa.timeoutMs', 10_000),
    tsaCa: r.path(flags.tsaCa ?? nonEmpty(env.AUDITPACK_TSA_CA) ?? stringAt(file, 'tsa.ca')),
    requireTimestamp: r.bool(flags.requireTimestamp, 'VERIFY_REQUIRE_TIMESTAMP', 'verify.requireTimestamp', false),
    anchorIntervalMinutes: anchorInterval,
    anchorsSince,
  };
}

/** The CLI's wait for the log lock when AUDITPACK_LOCK_TIMEOUT is not set: 30 s (docs/decisions.md). */
export const DEFAULT_CLI_LOCK_WAIT_MS = 30_000;

/**
 * AUDITPACK_LOCK_TIMEOUT: how long a CLI command waits for the logs directory's lock, in ms
 * (the variable is in seconds, a decimal allowed; default 30 s; 0: without limit, returned as 0).
 * Throws CONFIG_INVALID for anything but a non-negative number.
 */
export function cliLockWaitMs(env: Readonly<Record<string, string | undefined>>): number {
  const raw = nonEmpty(env.AUDITPACK_LOCK_TIMEOUT?.trim());
  if (raw === undefined) return DEFAULT_CLI_LOCK_WAIT_MS;
  const s = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(s) || s > 2_000_000)
    throw new AuditpackError(
      'CONFIG_INVALID',
      `AUDITPACK_LOCK_TIMEOUT must be a number of seconds from 0 (wait without limit) to 2000000, not ${JSON.stringify(raw)}`,
    );
  return Math.ceil(s * 1000);
}
