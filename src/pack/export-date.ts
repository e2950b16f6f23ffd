/** Which days may be exported by a clock: an ended day, today only as a partial pack, never a future day. */
import { AuditpackError } from '../errors.js';
import { dayNumberOfIsoDate, isoDate } from '../rotation/index.js';

/** Refuses a date that is malformed, before 1970, or has not ended yet by `nowMs` (today only as a partial pack). */
export function checkExportDate(date: string, nowMs: number, partial: boolean): number {
  const day = dayNumberOfIsoDate(date);
  if (day === undefined)
    throw new AuditpackError('USAGE', `expected a date as YYYY-MM-DD, got ${JSON.stringify(date)}`);
  if (day < 0)
    throw new AuditpackError('USAGE', `${date} is before 1970-01-01: no audit log is dated then`, {
      details: { date },
    });
  const today = Math.floor(nowMs / 86_400_000);
  if (day > today) {
    throw new AuditpackError(
      'DATE_NOT_ENDED',
      `${date} is in the future (today is ${isoDate(today)} UTC by this machine's clock); nothing was written`,
      { details: { date, today: isoDate(today) } },
    );
  }
  if (day === today && !partial) {
    throw new AuditpackError(
      'DATE_NOT_ENDED',
      `${date} is today (UTC) and has not ended; export it tomorrow, or pass --partial for a pack marked partial; nothing was written`,
      {
        details: { date, today: isoDate(today) },
      },
    );
  }
  if (partial && day !== today)
    throw new AuditpackError('USAGE', `--partial is only for today (${isoDate(today)}); ${date} has ended`, {
      details: { date },
    });
  return day;
}
