/**
 * Retention: plan, then carry out, the removal of packs past the window and, for
 * `auditpack prune`, of log files past AUDIT_RETENTION_DAYS.
 *
 * Safety rules, each guarding a way to destroy evidence:
 * - Only entries named like packs (`YYYY-MM-DD`, `YYYY-MM-DD.vN`, their `.tar.gz`) directly inside
 *   the artifacts dir are candidates; symlinks are never followed or removed; anything else is left.
 * - Each pruned pack's manifest hash is appended (and fsynced) to `pruned.jsonl` before the pack is
 *   removed, so the day-to-day chain of `previous_pack` hashes stays checkable.
 * - A log file is removed only when its day has a pack that verifies and whose `data/audit.jsonl`
 *   is byte-identical to the log (same size and SHA-256): nothing in the log can be lost.
 * - A wrong clock must not destroy data: when the newest pack or log is dated after today (UTC),
 *   or both are more than MAX_EVIDENCE_GAP_DAYS before it (a clock that jumped forward), pruning is
 *   refused with CLOCK_SKEW and nothing is removed. And the newest current pack is always kept.
 * - Evidence that does not verify is never deleted: a pack or archive due for removal is verified
 *   first (src/verify); one with an error stays, and the result says why.
 * - Removal is atomic from the archive's point of view: under the artifacts lock a pack directory
 *   is first renamed to a `.tmp-` name (which verify ignores), then deleted; a prune killed in
 *   between leaves a leftover the next export or prune removes, never a half-deleted pack.
 */
export { carryOutPrune, type CarryOutOptions, type PruneResult, withoutUnverified } from './carry-out.js';
export { checkEvidenceGap, checkExportClock, MAX_EVIDENCE_GAP_DAYS } from './clock.js';
export { checkPackHoldsLog } from './logs.js';
export { type KeptLog, type PlanPruneOptions, type PrunePlan, planPrune } from './plan.js';
export { type PruneOptions, prune } from './prune.js';
