/**
 * Shared option parsers for commander: each turns bad input into a USAGE error (exit 2).
 */
import { InvalidArgumentError, Option } from 'commander';
import { AuditpackError } from '../errors.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';

/** Parses a whole number ≥ 0. */
export function parseWholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number ≥ 0.');
  return Number(value);
}

/** Parses a real calendar date YYYY-MM-DD. */
export function parseIsoDate(value: string): string {
  if (dayNumberOfIsoDate(value) === undefined) throw new InvalidArgumentError('expected a date as YYYY-MM-DD.');
  return value;
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * `--logs-dir`, the old spelling of `--log-dir` on some commands, still accepted but not shown:
 * scripts written against it keep working, and help shows one name everywhere.
 */
export function hiddenLogsDirAlias(): Option {
  return new Option('--logs-dir <dir>', 'old name of --log-dir').hideHelp();
}

/** The log directory flag, by either name; both at once must agree. */
export function logDirOf(opts: { logDir?: string; logsDir?: string }): string | undefined {
  if (opts.logDir !== undefined && opts.logsDir !== undefined && opts.logDir !== opts.logsDir)
    throw new AuditpackError('USAGE', 'give the log directory once: --log-dir (--logs-dir is its old name)');
  return opts.logDir ?? opts.logsDir;
}
