/**
 * Day boundaries and file names. Days are UTC and computed from integer epoch microseconds,
 * never through the local time zone, so TZ cannot move an event to another file.
 */

/** Microseconds in one UTC day. */
export const MICROS_PER_DAY = 86_400_000_000;

import { AuditpackError } from '../errors.js';

const LOG_NAME = /^audit-(\d{4})(\d{2})(\d{2})\.jsonl$/;

/** UTC day number (days since 1970-01-01) of an epoch-microsecond timestamp. */
export function dayNumberOf(micros: number): number {
  return Math.floor(micros / MICROS_PER_DAY);
}

/** `YYYYMMDD` for a UTC day number. */
export function compactDate(day: number): string {
  return isoDate(day).replaceAll('-', '');
}

/** `YYYY-MM-DD` for a UTC day number. */
export function isoDate(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** UTC day number of a `YYYY-MM-DD` string, or undefined if it is not a real date. */
export function dayNumberOfIsoDate(date: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  const ms = new Date(0).setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const day = ms / 86_400_000;
  return Number.isInteger(day) && isoDate(day) === date ? day : undefined;
}

/**
 * The UTC day number of `date` given as a day of the log (a command's `--date`, `--from`, `--to`):
 * a real `YYYY-MM-DD` from 1970-01-01 on. A line's `ts` is unsigned, so no event is dated earlier,
 * and the day before one (whose file a check or an export looks at for the state carried in) has a
 * file name too: year 0000 has no day before it that a name can hold. USAGE (exit 2) otherwise.
 */
export function logDayOfIsoDate(date: string): number {
  const day = dayNumberOfIsoDate(date);
  if (day === undefined)
    throw new AuditpackError('USAGE', `expected a date as YYYY-MM-DD, got ${JSON.stringify(date)}`);
  if (day < 0)
    throw new AuditpackError('USAGE', `${date} is before 1970-01-01: no audit log is dated then`, {
      details: { date },
    });
  return day;
}

/** Log file name for a UTC day number: `audit-YYYYMMDD.jsonl`. */
export function logFileName(day: number): string {
  return `audit-${compactDate(day)}.jsonl`;
}

/** The UTC day number a log file name stands for, or undefined if it is not a log file name. */
export function dayOfLogFileName(name: string): number | undefined {
  const m = LOG_NAME.exec(name);
  if (!m) return undefined;
  return dayNumberOfIsoDate(`${m[1]}-${m[2]}-${m[3]}`);
}

/** ISO date (YYYY-MM-DD) of a log file name, or undefined. */
export function isoDateOfLogFileName(name: string): string | undefined {
  const day = dayOfLogFileName(name);
  return day === undefined ? undefined : isoDate(day);
}
