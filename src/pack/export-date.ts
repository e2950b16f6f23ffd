/** Which days may be exported by a clock: an ended day, today only as a partial pack, never a future day. */
import { AuditpackError } from '../errors.js';
import { isoDate, logDayOfIsoDate } from '../rotation/index.js';

/** Refuses a date that is malformed, before 1970, or has not ended yet by `nowMs` (today only as a partial pack). */
export function checkExportDate(date: string, nowMs: number, partial: boolean): number {
  const day = logDayOfIsoDate(date);
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
