/**
 * The compliance part of a pack: `data/compliance_report.json`, `data/compliance_findings.csv` and
 * `data/report.html`, computed in the export's one pass over the day's log (the checks are fed the
 * rule fields the export's scan takes from each line, src/compliance/records.ts), with the
 * policies in force that day.
 */
import type { RedactionOptions } from '../redaction/index.js';
import type { KeyObject } from 'node:crypto';
import {
  buildReport,
  ComplianceEngine,
  findingsCsvRows,
  loadPolicyTimeline,
  PolicyTimeline,
  policyFromText,
  renderReportHtml,
  reportJsonPieces,
  DEFAULT_POLICY_SOURCE,
  type ComplianceReport,
} from '../compliance/index.js';
import { replayDay, recoveryFileOf } from '../compliance/check.js';
import { resolveStartState } from '../compliance/carry-source.js';
import { stateFileChunks } from '../compliance/carry.js';
import { RecordReader } from '../compliance/records.js';
import type { RecordsConsumer } from './scan-day.js';
import { snapshotStoreCheck } from '../compliance/snapshot-recorded.js';
import {
  BUILT_IN_START_NOTE,
  LOST_IN_PERIOD_NOTE,
  LOST_RECORD_NOTE,
  NONE_PARSES_NOTE,
  UNCHECKABLE_NOTE,
} from '../compliance/timeline.js';
import type { ConfigEventIndex } from '../snapshot/config-events.js';
import { PACK_PATH, PAYLOAD_NAME } from '../format/pack.js';
import { fingerprint } from '../signing/index.js';

/** Where the policy comes from for a pack. */
export interface PackComplianceOptions {
  /** Working directory the policy path is relative to (with no snapshot store: the file as it is). */
  cwd: string;
  /** The snapshot store: the policy as recorded by the snapshots of the day. */
  snapshotDir?: string;
  /** An explicit policy file (for the whole day). */
  policyFile?: string;
  /** The audit log directory: only snapshots it records set the policy (compliance/snapshot-recorded.ts). */
  logDir?: string;
}

/** The payload files this module writes, under data/. */
export const COMPLIANCE_FILES = Object.freeze([
  PAYLOAD_NAME.complianceFindings,
  PAYLOAD_NAME.complianceReport,
  PAYLOAD_NAME.complianceState,
  PAYLOAD_NAME.complianceStateStart,
  PAYLOAD_NAME.reportHtml,
] as const);

/** Where the day before's state is looked for: its pack, else its log (compliance/carry-source.ts). */
export interface PackCarryOptions {
  readonly artifactsDir: string;
  readonly logDir: string;
  /** The public key the export signs with: the previous pack must be signed by it to be carried. */
  readonly signedBy?: KeyObject | undefined;
  /** The export's look-up of the chain's ConfigSnapshot events, shared with its config part. */
  readonly configEvents?: ConfigEventIndex | undefined;
  /** The export's redaction rules: a snapshot's stored policy text passes through them again (at41 F3). */
  readonly redaction?: boolean | RedactionOptions | undefined;
}

/** The name a pack's log has in evidence. */
export const PACK_LOG_NAME = PACK_PATH.log;

/** A run of the checks alongside the export's scan. */
export interface PackCompliance {
  /**
   * COMPLIANCE_POLICY_UNKNOWN, for stderr: no snapshot of the policy before the day can be checked
   * (its day file removed or gone with nothing that vouches for it), so the day's report starts
   * under the built-in policy; the report's `policy_notes` say which snapshots and why.
   */
  readonly warnings: readonly string[];
  /** The records of a batch of lines from the export's scan (see RecordsConsumer in scan-day.ts). */
  readonly onRecords: RecordsConsumer;
  /** Ends the day and renders the three files. */
  finish(facts: {
    chainEndHash: string | null;
    firstSeq: number | null;
    lastSeq: number | null;
    signingKey: KeyObject | undefined;
    version: string;
  }): {
    report: ComplianceReport;
    /**
     * Each file's text, rendered when called (the end state in pieces: carriedStateChunks). Write
     * them one after the other: on a day of many findings the report, its CSV and its page are each
     * megabytes, and rendered together they were alive together at the export's peak.
     */
    files: Record<(typeof COMPLIANCE_FILES)[number], () => string | Iterable<string | Uint8Array>>;
  };
}

/** Loads the day's policies (CONFIG_INVALID if one does not parse) and makes the engine. */
export async function startPackCompliance(
  date: string,
  options: PackComplianceOptions | undefined,
  carry?: PackCarryOptions,
): Promise<PackCompliance> {
  const timelineOf = async (day: string): Promise<PolicyTimeline> =>
    options === undefined
      ? new PolicyTimeline([
          policyFromText(DEFAULT_POLICY_SOURCE, {
            from: null,
            source: 'built-in',
            snapshot_id: null,
            path: 'built-in',
          }),
        ])
      : await loadPolicyTimeline({
          ...options,
          artifactsDir: carry?.artifactsDir,
          ...(carry?.configEvents === undefined ? {} : { configEvents: carry.configEvents }),
          ...(carry?.redaction === undefined ? {} : { redaction: carry.redaction }),
          from: day,
          to: day,
        });
  const timeline = await timelineOf(date);
  const start = await resolveStartState({
    date,
    artifactsDir: carry?.artifactsDir,
    logDir: carry?.logDir,
    replay: (path, name, day) => replayDay(path, name, day, () => timelineOf(day)),
    signedBy: carry?.signedBy,
  });
  const engine = new ComplianceEngine(timeline, start.state, snapshotStoreCheck(options?.snapshotDir));
  const reader = new RecordReader();
  // The end state names the day's log file, not the pack's data/audit.jsonl: the next day's
  // findings quote this evidence, and the file name must say which day's log holds the line.
  const dayLog = recoveryFileOf(date);
  return {
    warnings: [
      // Every way the day runs under the built-in policy for want of a record is said: no snapshot
      // before it, the starting policy's record lost (also when a snapshot of the day follows: at43
      // F1), a snapshot of the day lost.
      ...(timeline.notes.some(
        (n) => n.endsWith(BUILT_IN_START_NOTE) || n.endsWith(LOST_RECORD_NOTE) || n.endsWith(LOST_IN_PERIOD_NOTE),
      )
        ? [policyUnknown(date, timeline.notes)]
        : []),
      ...(start.warning === undefined ? [] : [start.warning]),
    ],
    onRecords: (records, lines, firstLine, digests) =>
      reader.feed(engine, records, lines, PACK_LOG_NAME, firstLine, digests),
    finish: (facts) => {
      engine.endDay(date);
      const end = engine.carryOutChunks(date, (f) => (f === PACK_LOG_NAME ? dayLog : f));
      const report = buildReport({
        from: date,
        to: date,
        timeline,
        result: engine.finish(),
        files: [PACK_LOG_NAME],
        carriedIn: start.carried,
      });
      const page = {
        export_date: date,
        chain_end_hash: facts.chainEndHash,
        first_seq: facts.firstSeq,
        last_seq: facts.lastSeq,
        signer: facts.signingKey === undefined ? null : fingerprint(facts.signingKey),
        auditpack_version: facts.version,
      };
      return {
        report,
        files: {
          [PAYLOAD_NAME.complianceReport]: () => reportJsonPieces(report),
          [PAYLOAD_NAME.complianceFindings]: () => findingsCsvRows(report),
          [PAYLOAD_NAME.reportHtml]: () => renderReportHtml(report, page, start.state),
          [PAYLOAD_NAME.complianceState]: () => stateFileChunks(end),
          [PAYLOAD_NAME.complianceStateStart]: start.bytes,
        },
      };
    },
  };
}

/** The COMPLIANCE_POLICY_UNKNOWN warning: the day's report starts under the built-in policy, and why. */
function policyUnknown(date: string, notes: readonly string[]): string {
  const during = notes.find((n) => n.endsWith(LOST_IN_PERIOD_NOTE));
  if (during !== undefined)
    return `COMPLIANCE_POLICY_UNKNOWN: the compliance report of ${date} runs under the built-in policy from a policy snapshot's event on: ${during.replace(/; [^;]*$/s, '')}. Put the record back (a recorded pack naming it holds its bytes in data/config_snapshot.json), or take a fresh snapshot (auditpack snapshot --log-dir): it sets the policy from its event on`;
  const lost = notes.find((n) => n.endsWith(LOST_RECORD_NOTE));
  if (lost !== undefined)
    return `COMPLIANCE_POLICY_UNKNOWN: the compliance report of ${date} starts under the built-in policy: ${lost.replace(/; [^;]*$/s, '')}. Put the record back (a recorded pack naming it holds its bytes in data/config_snapshot.json), or take a fresh snapshot (auditpack snapshot --log-dir): it sets the policy from its event on`;
  if (notes.includes(NONE_PARSES_NOTE))
    return `COMPLIANCE_POLICY_UNKNOWN: the compliance report of ${date} starts under the built-in policy: ${NONE_PARSES_NOTE.replace(/: [^:]*$/s, '')} (the report's policy_notes name each that does not parse). A snapshot of a policy that parses, taken now (auditpack snapshot --log-dir), sets the policy from its event on`;
  const unchecked = notes
    .filter((n) => n.endsWith(UNCHECKABLE_NOTE))
    .map((n) => n.replace(/^snapshot ([^:]*):.*$/s, '$1'));
  return (
    `COMPLIANCE_POLICY_UNKNOWN: the compliance report of ${date} starts under the built-in policy: no snapshot of the policy before it can be checked against the audit log ` +
    `(${unchecked.slice(0, 3).join(', ')}${unchecked.length > 3 ? ', …' : ''}: its day file is gone and no pack holds a copy its LogPruned event vouches for; the report's policy_notes say why). ` +
    'A snapshot taken now (auditpack snapshot --log-dir) is recorded and sets the policy from its event on'
  );
}
