/**
 * The report's policy at the day's end held to the snapshot `data/config_in_force.json` names as
 * holding `configs/compliance_policy.yaml` then, when that is not `data/config_snapshot.json`'s: a
 * narrow snapshot (`auditpack snapshot --configs configs/risk.yaml`) came after it, so the pack's
 * record of the latest snapshot stores no policy file, and the check held to that record (at51 F2,
 * provenance.ts policyNotInForce) has nothing to hold the report to. A forger of an unsigned pack
 * re-made the report under the built-in policy and it verified with no word at all, while the pack's
 * chained log pinned the holder: its ConfigSnapshot event logs the record hash the entry names, and
 * export writes the entry only for a record it read with that hash and found the file in.
 *
 * The pack does not hold the holder's record, so its policy text is not held here (a report naming
 * the holder, or an earlier snapshot of the same policy, which export lists instead when the day's
 * snapshots repeat the policy in force at its start, stays COMPLIANCE_POLICY_UNBOUND): what is held is
 * that the day ends under a snapshotted policy, not the built-in one nor a policy file, unless a
 * policy note says the holder's policy does not parse (held to its own text: unparsed-notes.ts).
 */
import { DEFAULT_POLICY_PATH } from '../compliance/index.js';
import { saysUnparsed } from '../compliance/policy-notes.js';
import type { ConfigInForce } from '../format/config-in-force.js';
import { parseConfigInForceFile, recordOfEntry } from '../format/config-in-force-file.js';
import { PACK_PATH } from '../format/pack.js';
import { isSnapshotId } from '../snapshot/store.js';
import {
  type PolicyEventPlace,
  type PolicyQuestion,
  type RecordedPolicy,
  type SnapshotFacts,
  usableRecord,
} from './provenance.js';

/**
 * The snapshot data/config_in_force.json's `configs/compliance_policy.yaml` entry names (`bytes`:
 * the file's; undefined when absent, unread or out of its schema, whose own check says so), when it
 * is not `ownId`, data/config_snapshot.json's snapshot (that record's checks hold the report then).
 */
export function policyHolderOf(bytes: Buffer | undefined, ownId: string | undefined): ConfigInForce | undefined {
  if (bytes === undefined) return undefined;
  const v = parseConfigInForceFile(bytes);
  if ('invalid' in v) return undefined;
  const entry = v.files.find((e) => e.path === DEFAULT_POLICY_PATH);
  const r = entry === undefined ? undefined : recordOfEntry(entry);
  // An id of the snapshot shape only: the chain is looked up by the day it names (archive-policy.ts).
  return r === undefined || r.snapshot_id === ownId || !isSnapshotId(r.snapshot_id) ? undefined : r;
}

/**
 * The question the holder asks of the chain when the report's policy at the period's end is not a
 * snapshotted one (the built-in policy, or a policy file the pack cannot compare with the holder's,
 * whose record it does not hold): its ConfigSnapshot event with the entry's record hash, wherever the
 * chain holds it, makes the report COMPLIANCE_REPORT_MISMATCH. Undefined when the report ends under
 * a snapshot's policy, or a policy note says the holder's policy does not parse. `fromLog`: the
 * holder is the pack log's own (logPolicyHolderOf), so the detail names that log, not the file.
 */
export function holderQuestionOf(
  policies: readonly RecordedPolicy[],
  notes: readonly string[],
  holder: ConfigInForce | undefined,
  ownId: string | undefined,
  fromLog = false,
): PolicyQuestion | undefined {
  const last = policies.at(-1);
  if (holder === undefined || last === undefined || last.source === 'snapshot') return undefined;
  if (notes.some((n) => saysUnparsed(n, holder.snapshot_id))) return undefined;
  const claimed =
    last.source === 'built-in'
      ? 'the built-in policy'
      : `the policy file ${JSON.stringify(last.path).slice(0, 120)} (sha256 ${String(last.sha256).slice(0, 80)})`;
  const own =
    ownId === undefined
      ? 'holds no snapshot record'
      : `(snapshot ${ownId}, a later, narrow snapshot) does not record it`;
  return {
    snapshotId: holder.snapshot_id,
    recordSha256: holder.record_sha256,
    detail: (where: PolicyEventPlace) =>
      `${fromLog ? `the ConfigSnapshot events of ${PACK_PATH.log} name` : `${PACK_PATH.configInForce} names`} snapshot ${holder.snapshot_id} as holding ${DEFAULT_POLICY_PATH} at the end of the day (record_sha256 ${holder.record_sha256}, the hash its ConfigSnapshot event ${where === 'day' ? `in ${PACK_PATH.log}` : where === 'log-dir' ? 'in the audit log directory' : "in a current pack's log of its day"} logs), and ${PACK_PATH.configSnapshot} ${own}: that snapshot's policy was in force at the day's end, yet the report ends under ${claimed}. The re-run only proves the report agrees with the policy it recorded, not with the one in force`,
  };
}

/**
 * Why the report's last policy, a snapshot's, names another snapshot than the one holding the policy
 * file at the period's end (a contradiction, COMPLIANCE_REPORT_MISMATCH), or undefined. The holder is
 * data/config_snapshot.json's snapshot when its record stores the file and no note unbinds it, else
 * the one `holder` (policyHolderOf: config_in_force.json after a narrow snapshot) names, unless a
 * note says its policy does not parse. Export lists the policies in the order their events take
 * force, so the last one is the holder's; the one exception is a period whose snapshots all repeat
 * the policy in force at its start (collapseUnchanged in timeline.ts): the start policy alone, `from`
 * null, with the holder's hash where the pack has the holder's record (bindToSnapshot holds that).
 * A forger who keeps the record's sha256 and gives a censored lax text (never hashed: at52 F-C) to a
 * fake id, an earlier snapshot of the day, or a time of his own meets this check (fx54a).
 */
export function lastPolicyNotHolder(
  policies: readonly RecordedPolicy[],
  notes: readonly string[],
  snap: SnapshotFacts | undefined,
  holder: ConfigInForce | undefined,
): string | undefined {
  const last = policies.at(-1);
  if (last === undefined || last.source !== 'snapshot') return undefined;
  if (policies.length === 1 && last.from === null) return undefined;
  const own = snap !== undefined && usableRecord(notes, snap) !== undefined ? snap.id : undefined;
  const id =
    own ??
    (holder !== undefined && !notes.some((n) => saysUnparsed(n, holder.snapshot_id)) ? holder.snapshot_id : undefined);
  if (id === undefined || last.snapshot_id === id) return undefined;
  const where =
    own !== undefined
      ? `${PACK_PATH.configSnapshot}, the record of the latest snapshot at its end, stores it`
      : `the ConfigSnapshot events of ${PACK_PATH.log}, else ${PACK_PATH.configInForce}, name it as holding the file at the day's end`;
  return `the policy in force at the end of the period is snapshot ${id}'s ${DEFAULT_POLICY_PATH} (${where}), yet the report's last policy is of snapshot ${JSON.stringify(last.snapshot_id).slice(0, 80)}: export lists every snapshot of the period in the order its event takes force, the last being that holder (only a period whose snapshots all repeat the policy in force at its start lists that policy alone, from null)`;
}
