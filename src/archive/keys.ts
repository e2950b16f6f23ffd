/**
 * Object keys and retention dates. One object per pack day: `<prefix>YYYY-MM-DD.tar.gz`; a later
 * pack for the same day (a re-export) is a new version of that key, never a replacement.
 */
import { AuditpackError } from '../errors.js';
import { archiveFileName, parseArchiveName } from '../format/pack.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';

/** The object key of a day's pack. */
export function objectKey(prefix: string, date: string): string {
  return `${prefix}${archiveFileName(date)}`;
}

/** The day of an object key under `prefix`, or undefined when the key is not a pack's. */
export function dateOfKey(prefix: string, key: string): string | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const name = parseArchiveName(key.slice(prefix.length));
  return name !== undefined && name.version === null ? name.date : undefined;
}

/**
 * The retain-until date of a pack: the end of its day (00:00 UTC the next day) plus `years`
 * calendar years, so every record of the day is kept at least that long. 29 February plus a
 * number of years that lands on a common year becomes 1 March.
 */
export function retainUntilOf(date: string, years: number): Date {
  const day = dayNumberOfIsoDate(date);
  if (day === undefined) throw new AuditpackError('USAGE', `not a date: ${JSON.stringify(date)}`);
  const end = new Date((day + 1) * 86_400_000);
  const d = new Date(0);
  d.setUTCFullYear(end.getUTCFullYear() + years, end.getUTCMonth(), end.getUTCDate());
  return d;
}
