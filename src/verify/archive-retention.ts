/**
 * How long each pruned pack was kept (docs/FORMAT.md "What a prune leaves behind"). Retention is a
 * setting, and a setting read from a file a forger may write (`export.retentionDays`): set to 0, the
 * key-holding daily job signs away every pack but the newest, and every signature and event checks.
 * The age at pruning — `pruned_at` minus the start of `export_date`, both fields of the (signed) line —
 * is what tells a prune by a lawful schedule from one that destroyed records early (SEC Rule 17a-4(a)
 * and (b), FINRA Rule 4511: years, not days). The floor is the auditor's, never the config file's.
 */
import { PRUNED_LEDGER } from '../format/pack.js';
import type { RetentionSource } from '../format/pruned-ledger.js';
import type { LedgerEntry } from './archive-ledger.js';
import type { Findings } from './report.js';

/** The floor when the auditor gives none: the documented default retention (`export.retentionDays`). */
export const DEFAULT_MIN_RETENTION_DAYS = 90;

const DAY_MS = 86_400_000;

/**
 * Each ledger entry whose recorded retention would not have removed its pack is
 * ARCHIVE_PRUNE_RETENTION_MISMATCH, an error. Each ledger entry pruned less than `minDays` days
 * after its day began (UTC) is ARCHIVE_PRUNED_EARLY:
 * an error when the auditor gave the floor, a warning at the default (the tool does not know the
 * firm's schedule); a floor of 0 turns that check off. An entry without an ISO `pruned_at` is left
 * to the other checks.
 */
export function checkPruneAges(pruned: readonly LedgerEntry[], minDays: number | undefined, f: Findings): void {
  const floor = minDays ?? DEFAULT_MIN_RETENTION_DAYS;
  for (const e of pruned) {
    // An instant that names no real time (month 13, 24:00, a leap second: no prunedAt, archive-ledger.ts
    // instantOf) is left to the other checks.
    if (e.prunedAt === undefined) continue;
    checkRetentionClaim(e, e.prunedAt, f);
    const age = (e.prunedAt - Date.parse(`${e.exportDate}T00:00:00Z`)) / DAY_MS;
    if (floor <= 0 || !(age < floor)) continue;
    f.add(
      'ARCHIVE_PRUNED_EARLY',
      minDays === undefined ? 'warning' : 'error',
      PRUNED_LEDGER,
      `line ${e.line} (${e.path ?? e.exportDate}) was pruned ${age.toFixed(1)} days after its day${retentionText(e)}, under the floor of ${floor} days${minDays === undefined ? ' (the default; give --min-retention-days to set the one your records need, which makes this an error)' : ' (--min-retention-days)'}: records destroyed before their retention ended, or a retention setting changed`,
      e.line,
    );
  }
}

/** Where each source is set, as an auditor would look for it. */
const SOURCE_TEXT: Readonly<Record<RetentionSource, string>> = {
  command_line: "the job's command line (--retention-days)",
  environment: "the job's environment (EXPORT_RETENTION_DAYS)",
  config_file: 'the config file (export.retentionDays)',
  default: 'the default',
  caller: 'a program calling the library',
};

/** `, by a retention of N days from <source>` when the line records it (lines before rules had none). */
function retentionText(e: LedgerEntry): string {
  const { retention_days: days, retention_source: source } = e.fields;
  return days === undefined || source === undefined
    ? ''
    : `, by a retention of ${days} days from ${SOURCE_TEXT[source]}`;
}

/**
 * A line's retention must be one that removes its pack: prune removes the packs dated before its
 * day (UTC, of `pruned_at`) minus `retention_days`. A line whose pack was newer says a retention
 * that did not prune it: an edit (a longer retention written over the real one) or a forgery.
 */
function checkRetentionClaim(e: LedgerEntry, prunedAt: number, f: Findings): void {
  const days = e.fields.retention_days;
  if (days === undefined) return;
  // Whole days since 1970 (UTC): the pack's day plus the retention must come before the prune's day.
  if (Date.parse(`${e.exportDate}T00:00:00Z`) / DAY_MS + days < Math.floor(prunedAt / DAY_MS)) return;
  f.add(
    'ARCHIVE_PRUNE_RETENTION_MISMATCH',
    'error',
    PRUNED_LEDGER,
    `line ${e.line} (${e.path ?? e.exportDate}) says it was pruned by a retention of ${days} days, but a prune at ${e.fields.pruned_at} with that retention removes only packs dated more than ${days} days before that day: the retention on the line is not the one that removed the pack (edited or forged)`,
    e.line,
  );
}
