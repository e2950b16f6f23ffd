/**
 * The main job, as cron runs it: export a day, then prune packs past the retention window.
 */
import { AuditpackError } from '../errors.js';
import { prune, type PlanPruneOptions, type PrunePlan, type PruneResult } from '../retention/index.js';
import { exportPack, type ExportPackOptions, type ExportResult } from './export.js';

export interface DailyExportOptions extends ExportPackOptions {
  /** Prune packs dated before today − retentionDays after a successful export; undefined: no pruning. */
  retentionDays?: number;
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
    const pr = await prune({
      artifactsDir: options.artifactsDir,
      retentionDays: options.retentionDays,
      keepDates: [options.date], // a back-filled old day is not removed by its own export
      clockCheckLogDir: options.logDir, // a log dated after today also means a wrong clock
      ...(options.archived !== undefined ? { archived: options.archived } : {}),
      eventLogDir: options.recordEvent === false ? false : options.logDir,
      ...(options.now ? { now: options.now() } : {}),
      ...(options.loggerClock ? { loggerClock: options.loggerClock } : {}),
    });
    return { export: result, prune: pr, pruneError: null };
  } catch (err) {
    if (err instanceof AuditpackError) return { export: result, prune: null, pruneError: err };
    throw err;
  }
}
