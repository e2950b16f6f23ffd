/** `auditpack prune`: plan, drop what does not verify, then carry out (unless a dry run). */
import type { RetentionSource } from '../format/pruned-ledger.js';
import { carryOutPrune, type PruneResult, withoutUnverified } from './carry-out.js';
import { type PlanPruneOptions, type PrunePlan, planPrune } from './plan.js';

/** Options of prune: plan + carry out, or only plan with dryRun. */
export interface PruneOptions extends PlanPruneOptions {
  dryRun?: boolean;
  /** Where to record system events (default: logs.logDir; false: none). */
  eventLogDir?: string | false;
  loggerClock?: () => number;
  /** Where retentionDays came from, recorded on each pruned.jsonl line (default `caller`). */
  retentionSource?: RetentionSource;
}

/** Plans and (unless dryRun) carries out pruning. */
export async function prune(options: PruneOptions): Promise<{ plan: PrunePlan; result: PruneResult | null }> {
  const plan = await withoutUnverified(planPrune(options), options.artifactsDir);
  if (options.dryRun === true) return { plan, result: null };
  const result = await carryOutPrune(plan, {
    verified: true,
    artifactsDir: options.artifactsDir,
    ...(options.logs ? { logDir: options.logs.logDir } : {}),
    ...(options.eventLogDir !== undefined ? { eventLogDir: options.eventLogDir } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
    ...(options.loggerClock ? { loggerClock: options.loggerClock } : {}),
    ...(options.signingKey !== undefined ? { signingKey: options.signingKey } : {}),
    ...(options.retentionSource !== undefined ? { retentionSource: options.retentionSource } : {}),
  });
  return { plan, result };
}
