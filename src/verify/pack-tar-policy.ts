/**
 * A `.tar.gz` pack's "record lost" note, as a question to the chain (at45 F1 for a pack directory;
 * note29/30 for the `.tar.gz`): when compliance_report.json has a policy note calling the snapshot
 * of data/config_snapshot.json missing, the pack holds that record, and the pack's own log holds no
 * ConfigSnapshot event of it (a snapshot of an earlier day), `verify PACK.tar.gz --log-dir` asks the
 * log directory as `verify PACK --log-dir` does (archive-policy.ts, lostNoteOnChain). Built from what
 * the one pass over the archive kept (the provenance files and the log's ConfigSnapshot events): no
 * second read. The compliance re-run itself is still not made for a `.tar.gz` (docs/FORMAT.md).
 */
import { parseConfigInForceFile } from '../format/config-in-force-file.js';
import { PACK_PATH } from '../format/pack.js';
import { digestOf } from './compliance-bytes.js';
import type { ConfigSnapshotTap } from './config-in-force.js';
import { lostNoteQuestionOf, notesOf, type PolicyQuestion, snapshotFactsOf } from './provenance.js';

/**
 * The question, or undefined. `kept`: the provenance files the pass kept; `configInForce`:
 * data/config_in_force.json's bytes (its `config_snapshot_redacted_again` gives the hash logged);
 * `tap`: the pack log's ConfigSnapshot events (undefined: no log read).
 */
export function tarLostNoteQuestion(
  kept: ReadonlyMap<string, Buffer>,
  configInForce: Buffer | 'too-large' | undefined,
  tap: ConfigSnapshotTap | undefined,
): PolicyQuestion | undefined {
  const reportBytes = kept.get(PACK_PATH.complianceReport);
  const snapBytes = kept.get(PACK_PATH.configSnapshot);
  if (reportBytes === undefined || snapBytes === undefined || tap === undefined || tap.full) return undefined;
  const snap = snapshotFactsOf(snapBytes);
  if (snap === undefined || tap.logged.has(snap.id)) return undefined;
  let report: unknown;
  try {
    report = JSON.parse(reportBytes.toString('utf8'));
  } catch {
    return undefined; // the pack's own check reports it
  }
  if (typeof report !== 'object' || report === null || Array.isArray(report)) return undefined;
  const notes = notesOf(report as { policy_notes?: unknown } as Parameters<typeof notesOf>[0]);
  return lostNoteQuestionOf(notes, {
    id: snap.id,
    sha256: heldSha256(snap.id, digestOf(snapBytes) as string, configInForce),
  });
}

/** The record hash the log holds for the file: config_in_force.json's re-redacted record's, when it gives one (recordHeldToLog). */
function heldSha256(id: string, own: string, configInForce: Buffer | 'too-large' | undefined): string {
  if (configInForce === undefined || configInForce === 'too-large') return own;
  const v = parseConfigInForceFile(configInForce);
  const again = v === undefined || 'invalid' in v ? undefined : v.config_snapshot_redacted_again;
  return again === undefined || again.snapshot_id !== id ? own : again.record_sha256;
}
