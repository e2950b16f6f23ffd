/**
 * The policy in force on a pack's day, held to the chain: a pack's report whose policy is not the
 * one its data/config_snapshot.json stores (the built-in one, or a file of another hash) while that
 * snapshot's own ConfigSnapshot event is not in the pack's log (a snapshot of an earlier day) is
 * COMPLIANCE_REPORT_MISMATCH when the chain records that event with the record's hash: that
 * snapshot, recorded, was in force all day (at51 F2: COMPLIANCE_POLICY_NOT_IN_FORCE, a warning,
 * before; a report re-made under the built-in policy is what a forger of an unsigned pack writes). The chain is the log directory (`--log-dir`, looked up
 * as the snapshot store does: chainedIn, where 'unknown', a day's log pruned, is never taken as
 * recorded) and the current packs' own logs of the snapshot's day and the day after (the archive's
 * chain, as the other archive checks read it). A record no chained event records (planted in the
 * store, or the pack's file forged) decides nothing.
 */
import { join } from 'node:path';
import { linesContaining, parseObjectLine } from '../fsx/lines-containing.js';
import { recoveredIn } from '../format/recovered-line.js';
import { recoveryFileFor } from './anchor-lines.js';
import { PACK_PATH } from '../format/pack.js';
import { dayNumberOfIsoDate, isoDate } from '../rotation/index.js';
import { chainedIn } from '../snapshot/record-chained.js';
import { timestampOfId } from '../snapshot/store.js';
import type { PackInfo } from './archive-ledger.js';
import { type PolicyQuestion, policyQuestions } from './provenance.js';
import type { Findings, Problem } from './report.js';

/** Adds COMPLIANCE_REPORT_MISMATCH for every pack whose PolicyQuestion the chain answers with the record's event. */
export async function checkPoliciesInForce(
  artifactsDir: string,
  packs: readonly PackInfo[],
  logDir: string | undefined,
  f: Findings,
): Promise<void> {
  const current = new Set(packs.filter((p) => p.version === undefined).map((p) => p.name));
  for (const p of packs) {
    const q = policyQuestions.get(p.report);
    if (q === undefined) continue;
    const inLogDir =
      logDir !== undefined && (await chainedIn(logDir, q.snapshotId, q.recordSha256).catch(() => false)) === true;
    if (!inLogDir && !(await inPackLogs(artifactsDir, current, q))) continue;
    const where = inLogDir ? 'log-dir' : 'pack-log';
    const file = `${p.name}/${PACK_PATH.complianceReport}`;
    f.add('COMPLIANCE_REPORT_MISMATCH', 'error', file, q.detail(where));
  }
}

/**
 * Whether a current pack's log of the snapshot's day or the day after holds its ConfigSnapshot event with the record's hash.
 * @internal exported for its tests
 */
export async function inPackLogs(
  artifactsDir: string,
  current: ReadonlySet<string>,
  q: PolicyQuestion,
): Promise<boolean> {
  const day = dayNumberOfIsoDate(timestampOfId(q.snapshotId).slice(0, 10));
  if (day === undefined) return false;
  const needle = Buffer.from(`"snapshot_id":${JSON.stringify(q.snapshotId)}`);
  for (const name of [isoDate(day), isoDate(day + 1)]) {
    if (!current.has(name)) continue;
    // A line the next line recovers is no event (docs/FORMAT.md "Torn lines and recovery").
    const recovers = recoveredIn(recoveryFileFor(name));
    const lines =
      (await linesContaining(join(artifactsDir, name, PACK_PATH.log), needle, { recovers }).catch(() => undefined)) ??
      [];
    for (const line of lines) {
      const ev = parseObjectLine(line);
      if (
        ev?.category === 'config' &&
        ev.event === 'ConfigSnapshot' &&
        ev.snapshot_id === q.snapshotId &&
        ev.record_sha256 === q.recordSha256 &&
        ev.recovered !== true
      )
        return true;
    }
  }
  return false;
}

/**
 * A pack verified alone with `--log-dir`: a policy note calling its snapshot's record missing (at45
 * F1), or a report ending under another policy than that record's (at51 F2), while the log directory
 * holds that snapshot's event with the record's hash is COMPLIANCE_REPORT_MISMATCH; undefined otherwise (a day pruned from the log is unknown, never taken as recorded).
 */
export async function lostNoteOnChain(report: object, logDir: string): Promise<Problem | undefined> {
  const q = policyQuestions.get(report);
  if (q === undefined) return undefined;
  if ((await chainedIn(logDir, q.snapshotId, q.recordSha256).catch(() => false)) !== true) return undefined;
  return {
    code: 'COMPLIANCE_REPORT_MISMATCH',
    severity: 'error',
    file: PACK_PATH.complianceReport,
    detail: q.detail('log-dir'),
  };
}
