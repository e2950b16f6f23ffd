/**
 * The policy in force on a pack's day, held to the log directory: a pack's report whose policy is
 * not the one its data/config_snapshot.json stores (the built-in one, or a file of another hash)
 * while that snapshot's own ConfigSnapshot event is not in the pack's log (a snapshot of an earlier
 * day) is COMPLIANCE_POLICY_NOT_IN_FORCE when the log directory records that event with the
 * record's hash: that snapshot, recorded, was in force all day. The look-up is the snapshot
 * store's own (chainedIn): 'unknown' (its day's log pruned) is never taken as recorded, and a
 * record nothing records (planted in the store, or the pack's file forged) decides nothing.
 */
import { PACK_PATH } from '../format/pack.js';
import { chainedIn } from '../snapshot/record-chained.js';
import type { PackInfo } from './archive-ledger.js';
import { policyQuestions } from './provenance.js';
import type { Findings } from './report.js';

/** Adds COMPLIANCE_POLICY_NOT_IN_FORCE for every pack whose question the log directory answers yes. */
export async function checkPoliciesInForce(packs: readonly PackInfo[], logDir: string, f: Findings): Promise<void> {
  for (const p of packs) {
    const q = policyQuestions.get(p.report);
    if (q === undefined) continue;
    const recorded = await chainedIn(logDir, q.snapshotId, q.recordSha256).catch(() => 'unknown' as const);
    if (recorded === true)
      f.add(
        'COMPLIANCE_POLICY_NOT_IN_FORCE',
        'warning',
        `${p.name}/${PACK_PATH.complianceReport}`,
        q.detail('log-dir'),
      );
  }
}
