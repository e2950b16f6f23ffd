/**
 * A wrong clock must not destroy data: the checks that refuse pruning (and the default day's export)
 * with CLOCK_SKEW when the newest evidence is dated after today, or long before it.
 */
import { AuditpackError } from '../errors.js';
import { listPackEntries } from '../pack/layout.js';
import { isoDate } from '../rotation/index.js';
import { listLogsIfAny } from './logs.js';

/**
 * When the newest log and the newest pack are both more than this many days before today, the
 * clock is taken to have jumped forward (CLOCK_SKEW): a live system logs or exports every day. Not
 * the retention window: a jump shorter than the window would still prune packs before their time.
 */
export const MAX_EVIDENCE_GAP_DAYS = 31;

/** The UTC day number of an epoch-ms instant. */
export function todayOf(nowMs: number): number {
  return Math.floor(nowMs / 86_400_000);
}

/** The latest of some `YYYY-MM-DD` dates (undefined when there are none). */
export function newestDate(items: readonly { readonly date: string }[]): string | undefined {
  return items.reduce<string | undefined>((m, e) => (m === undefined || e.date > m ? e.date : m), undefined);
}

/** CLOCK_SKEW when the newest pack or log is dated after today. */
export function checkNothingAfterToday(
  newestPack: string | undefined,
  newestLog: string | undefined,
  todayIso: string,
): void {
  for (const [what, d] of [
    ['pack', newestPack],
    ['log', newestLog],
  ] as const) {
    if (d !== undefined && d > todayIso) {
      throw new AuditpackError(
        'CLOCK_SKEW',
        `refusing to prune: the newest ${what} is dated ${d}, after today (${todayIso}) by this machine's clock; fix the clock. Nothing was removed.`,
        {
          details: { newest: d, today: todayIso },
        },
      );
    }
  }
}

/**
 * CLOCK_SKEW when the newest pack and the newest log (each when there is one) are both more than
 * MAX_EVIDENCE_GAP_DAYS before `today`: the clock jumped forward, or nothing was logged or exported
 * for that long. Writing any log line (`auditpack log system ClockConfirmed`) confirms the clock.
 */
export function checkEvidenceGap(
  newestPack: string | undefined,
  newestLog: string | undefined,
  today: number,
  doing: string,
  after: string,
): void {
  const newest = [newestPack, newestLog]
    .filter((d): d is string => d !== undefined)
    .sort()
    .pop();
  if (newest === undefined) return;
  const newestDay = Math.floor(Date.parse(`${newest}T00:00:00Z`) / 86_400_000);
  const gap = today - newestDay;
  if (gap <= MAX_EVIDENCE_GAP_DAYS) return;
  throw new AuditpackError(
    'CLOCK_SKEW',
    `${doing}: the newest log or pack is dated ${newest}, ${gap} days before today (${isoDate(today)}) by this machine's clock: the clock looks wrong (jumped forward). ${after} If the clock is right and nothing was logged or exported for ${gap} days, confirm it by logging an event (auditpack log system ClockConfirmed) and run again.`,
    { details: { newest, today: isoDate(today), gapDays: gap } },
  );
}

/**
 * The clock check of an export of the default day: CLOCK_SKEW when today is far past the newest log
 * and pack (see checkEvidenceGap), before anything is written.
 */
export function checkExportClock(options: { artifactsDir: string; logDir: string; now?: number }): void {
  const today = todayOf(options.now ?? Date.now());
  const newestPack = newestDate(listPackEntries(options.artifactsDir));
  const newestLog = newestDate(listLogsIfAny(options.logDir));
  checkEvidenceGap(newestPack, newestLog, today, 'refusing to export', 'Nothing was written.');
}
