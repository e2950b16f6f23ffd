/**
 * How long each pruned pack was kept (docs/FORMAT.md "What a prune leaves behind"). Retention is a
 * setting, and a setting read from a file a forger may write (`export.retentionDays`): set to 0, the
 * key-holding daily job signs away every pack but the newest, and every signature and event checks.
 * The age at pruning — `pruned_at` minus the start of `export_date`, both fields of the (signed) line —
 * is what tells a prune by a lawful schedule from one that destroyed records early (SEC Rule 17a-4(a)
 * and (b), FINRA Rule 4511: years, not days). The floor is the auditor's, never the config file's.
 */
import { PRUNED_LEDGER } from '../format/pack.js';
import type { LedgerEntry } from './archive-ledger.js';
import type { Findings } from './report.js';

/** The floor when the auditor gives none: the documented default retention (`export.retentionDays`). */
export const DEFAULT_MIN_RETENTION_DAYS = 90;

const DAY_MS = 86_400_000;

/**
 * Each ledger entry pruned less than `minDays` days after its day began (UTC) is ARCHIVE_PRUNED_EARLY:
 * an error when the auditor gave the floor, a warning at the default (the tool does not know the
 * firm's schedule). A floor of 0 checks nothing; an entry without an ISO `pruned_at` is left to the
 * other checks.
 */
export function checkPruneAges(pruned: readonly LedgerEntry[], minDays: number | undefined, f: Findings): void {
  const floor = minDays ?? DEFAULT_MIN_RETENTION_DAYS;
  if (floor <= 0) return;
  for (const e of pruned) {
    // An instant that names no real time (month 13, 24:00, a leap second) is left to the other checks.
    if (e.prunedAt === undefined || !realInstant(e.prunedAt, e.fields.pruned_at)) continue;
    const age = (e.prunedAt - Date.parse(`${e.exportDate}T00:00:00Z`)) / DAY_MS;
    if (!(age < floor)) continue;
    f.add(
      'ARCHIVE_PRUNED_EARLY',
      minDays === undefined ? 'warning' : 'error',
      PRUNED_LEDGER,
      `line ${e.line} (${e.path ?? e.exportDate}) was pruned ${age.toFixed(1)} days after its day, under the floor of ${floor} days${minDays === undefined ? ' (the default; give --min-retention-days to set the one your records need, which makes this an error)' : ' (--min-retention-days)'}: records destroyed before their retention ended, or a retention setting changed`,
      e.line,
    );
  }
}

/** True when `iso` (already ISO_UTC-shaped) is the instant `ms` as written, to the second. */
function realInstant(ms: number, iso: string | undefined): boolean {
  return Number.isFinite(ms) && iso !== undefined && new Date(ms).toISOString().slice(0, 19) === iso.slice(0, 19);
}
