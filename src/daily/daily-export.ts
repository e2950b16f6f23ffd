/**
 * The main job, as cron runs it: export a day, then prune packs past the retention window. It
 * stands above both pack building and retention, which know nothing of each other's callers.
 */
import { AuditpackError } from '../errors.js';
import type { RetentionSource } from '../format/pruned-ledger.js';
import { planPrune, prune, type PlanPruneOptions, type PrunePlan, type PruneResult } from '../retention/index.js';
import { exportPack, type ExportPackOptions, type ExportResult } from '../pack/export.js';
import { listPackEntries } from '../pack/layout.js';

export interface DailyExportOptions extends ExportPackOptions {
  /** Prune packs dated before today − retentionDays after a successful export; undefined: no pruning. */
  retentionDays?: number;
  /** Where retentionDays came from, recorded on each pruned.jsonl line (default `caller`). */
  retentionSource?: RetentionSource;
  /** With an off-machine archive: prune only packs whose archived copy is verified (see planPrune). */
  archived?: PlanPruneOptions['archived'];
}

export interface DailyExportResult {
  readonly export: ExportResult;
  /** What retention did (null when not asked for, or refused). */
  readonly prune: { readonly plan: PrunePlan; readonly result: PruneResult | null } | null;
  /** Why retention was refused (e.g. CLOCK_SKEW): the export itself succeeded. */
  readonly pruneError: AuditpackError | null;
}

/** Exports `date`, then prunes packs past the window. A pruning refusal does not undo the export. */
export async function runDailyExport(options: DailyExportOptions): Promise<DailyExportResult> {
  const result = await exportPack(options);
  if (options.retentionDays === undefined) return { export: result, prune: null, pruneError: null };
  try {
    const pruneOptions = {
      artifactsDir: options.artifactsDir,
      retentionDays: options.retentionDays,
      keepDates: [options.date], // a back-filled old day is not removed by its own export
      clockCheckLogDir: options.logDir, // a log dated after today also means a wrong clock
      ...(options.archived !== undefined ? { archived: options.archived } : {}),
      ...(options.now ? { now: options.now() } : {}),
      ...(options.signingKey !== undefined ? { signingKey: options.signingKey } : {}),
    };
    if (result.manifest.events.total === 0) refuseEmptying(options.date, planPrune(pruneOptions), options.artifactsDir);
    const pr = await prune({
      ...pruneOptions,
      eventLogDir: options.recordEvent === false ? false : options.logDir,
      ...(options.loggerClock ? { loggerClock: options.loggerClock } : {}),
      ...(options.retentionSource !== undefined ? { retentionSource: options.retentionSource } : {}),
    });
    return { export: result, prune: pr, pruneError: null };
  } catch (err) {
    if (err instanceof AuditpackError) return { export: result, prune: null, pruneError: err };
    throw err;
  }
}

/**
 * A clock that jumped far ahead makes cron export an empty day "yesterday" and then find every
 * real pack past the window: the new empty pack would be the newest one kept, and all evidence
 * would go. When the day just exported holds no events and the plan would remove every earlier
 * pack, refuse as a clock problem; `auditpack prune` run on purpose still prunes (keeping the newest).
 */
function refuseEmptying(date: string, plan: PrunePlan, artifactsDir: string): void {
  const earlier = listPackEntries(artifactsDir).filter(
    (e) => e.kind === 'pack' && e.version === null && e.type === 'dir' && e.date !== date,
  );
  if (earlier.length === 0 || !earlier.every((e) => plan.packs.some((p) => p.name === e.name))) return;
  const newest = earlier.reduce((m, e) => (e.date > m ? e.date : m), earlier[0]!.date);
  throw new AuditpackError(
    'CLOCK_SKEW',
    `refusing to prune: the day just exported (${date}) holds no events and pruning would remove every earlier pack (the newest dated ${newest}, before ${plan.packCutoff}); the clock may have jumped (today is ${plan.today} by this machine's clock). Nothing was removed; if that is intended, run auditpack prune.`,
    { details: { date, newest, today: plan.today } },
  );
}
