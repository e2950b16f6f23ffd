/**
 * Retention read from the config file. A retention setting decides which signed evidence the
 * key-holding daily job removes, and the config file sits in a directory that whoever can write the
 * working tree may edit, recorded by no snapshot: `{"export":{"retentionDays":0}}` there would make
 * the next export or prune sign away every pack but the newest. So a retention shorter than the
 * default is taken from the command line or the environment (set by whoever runs the job), never from
 * the file alone (SEC Rule 17a-4(a)/(b) and FINRA Rule 4511 keep most records for years).
 */
import { AuditpackError } from '../errors.js';
import type { RetentionSource } from '../format/pruned-ledger.js';
import { CONFIG_FILE_NAME, type Env, type FileConfig, nonEmpty, valueAt } from './values.js';

/** The shortest retention, in days, the config file alone may set: the documented default. */
export const MIN_FILE_RETENTION_DAYS = 90;

/** A retention setting by its config-file key. */
export type RetentionSetting = 'export.retentionDays' | 'logRetentionDays';

const SOURCES: Readonly<Record<RetentionSetting, { env: string; flag: string }>> = {
  'export.retentionDays': { env: 'EXPORT_RETENTION_DAYS', flag: '--retention-days' },
  logRetentionDays: { env: 'AUDIT_RETENTION_DAYS', flag: '--log-retention-days' },
};

/**
 * Throws CONFIG_INVALID when one of `settings` came from the config file (no flag, no environment
 * value) and is under MIN_FILE_RETENTION_DAYS days.
 */
export function checkFileRetention(
  settings: readonly RetentionSetting[],
  given: Readonly<Record<RetentionSetting, { flag: number | undefined; value: number }>>,
  env: Env,
  file: FileConfig,
): void {
  for (const s of settings) {
    const { flag, value } = given[s];
    const src = SOURCES[s];
    if (flag !== undefined || nonEmpty(env[src.env]) !== undefined || valueAt(file, s) === undefined) continue;
    if (value >= MIN_FILE_RETENTION_DAYS) continue;
    throw new AuditpackError(
      'CONFIG_INVALID',
      `${CONFIG_FILE_NAME} ${s} is ${value} days, under ${MIN_FILE_RETENTION_DAYS}: a retention that short removes signed evidence, and the config file is one anyone who can write the working directory can edit. Give it as ${src.flag} ${value} or ${src.env}=${value} where the job is run`,
      { details: { key: s, value } },
    );
  }
}

/**
 * Where a retention setting's value came from, by the precedence resolveConfig applies (flag >
 * environment > config file > default): prune records it on each pruned.jsonl line.
 */
export function retentionSourceOf(
  setting: RetentionSetting,
  flag: number | undefined,
  env: Env,
  file: FileConfig,
): RetentionSource {
  if (flag !== undefined) return 'command_line';
  if (nonEmpty(env[SOURCES[setting].env]) !== undefined) return 'environment';
  return valueAt(file, setting) !== undefined ? 'config_file' : 'default';
}
