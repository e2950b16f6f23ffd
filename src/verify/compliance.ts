/**
 * A pack's compliance files, checked by re-running the checks: the findings of
 * `data/compliance_report.json` must be exactly those the checks find over `data/audit.jsonl` with
 * the policies the report recorded, and `data/compliance_findings.csv` must be that report's CSV.
 * So the report cannot disagree with the pack's own log and recorded policies. It does not stop a
 * writer of an unsigned pack who records another policy (a snapshot's is not hashed here) or alert
 * filter and re-makes every file and hash: only the signature with a trusted key, the next pack's
 * link, or the live log's PackExported manifest hash protect the report. Every byte is hostile: the
 * report is read bounded and shape-checked, and a defect is a finding, never a crash.
 */
import { join } from 'node:path';
import type { ScannedLine } from '../chain/lines.js';
import {
  buildReport,
  checkLogFile,
  ComplianceEngine,
  compareReports,
  COMPLIANCE_REPORT_FORMAT,
  LineFeeder,
  recoveryFileOf,
  type PolicyTimeline,
  timelineOfReport,
  type ComplianceReport,
  type PackFacts as PageFacts,
} from '../compliance/index.js';
import { RecordReader } from '../compliance/records.js';
import type { RecordsConsumer } from '../pack/scan-day.js';
import { recordedStoreCheck } from '../compliance/snapshot-recorded.js';
import { AuditpackError } from '../errors.js';
import { dayNumberOfIsoDate } from '../rotation/days.js';
import { PACK_PATH } from '../format/pack.js';
import { lineDepthExceeds, MAX_LINE_DEPTH } from '../json/line-scanner.js';
import {
  digestOf,
  isFile,
  MAX_LOGGED_RECORDS,
  readBoundedBuffer,
  readBoundedBytes,
  snapshotRecordLogged,
} from './compliance-bytes.js';
import { type HeldRecord, MAX_CONFIG_IN_FORCE_BYTES, recordHeldToLog } from './config-in-force.js';
import { holderQuestionOf, lastPolicyNotHolder, policyHolderOf } from './policy-holder.js';
import {
  keepsStartPolicy,
  logPolicyHolderOf,
  policyEventsOf,
  startPolicyNotRepeated,
  startPolicyOutlived,
  startsFromSnapshot,
} from './policy-changes.js';
import { endStateDigest, judgeEndState, type RecheckState, readRecheckState } from './compliance-state.js';
import {
  type PolicyEventPlace,
  type PolicyQuestion,
  lostNoteQuestionOf,
  notesOf,
  policyQuestionOf,
  policyNotInForce,
  policyProvenance,
  recordCalledLost,
  warnLostPolicies,
  type ReportPolicies,
  reportPoliciesOf,
  snapshotFactsOf,
  usableRecord,
} from './provenance.js';
import { type FindingsDigest, findingsDigest, sameFindings, withoutFindings } from './compliance-findings.js';
import type { Findings } from './report.js';
import { unparsedProvenance } from './unparsed-notes.js';
import { differenceReporter, judgeCsv, judgeHtml, MAX_REPORT_BYTES } from './compliance-derived.js';

const REPORT = PACK_PATH.complianceReport;
const CSV = PACK_PATH.complianceFindings;
const HTML = PACK_PATH.reportHtml;
const LOG = PACK_PATH.log;
const MAX_POLICIES = 1000;
/** Far above a snapshot record (a file's entry is a few hundred bytes). */
const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;

/** What the re-run compared, for the report's `checked` counts. */
export interface ComplianceRecheck {
  readonly findings: number;
  readonly differences: number;
  /** The report's policy is not its snapshot's, whose event is not in the pack's log: for the chain to answer. */
  readonly policyQuestion?: PolicyQuestion;
}

/** A finding to add when the re-check is judged (so findings keep their order in the report). */
type Note = (f: Findings) => void;

/** The recorded report read before the log pass, and what the pass must feed. */
export interface ComplianceRecheckStart {
  /**
   * Called with every line of data/audit.jsonl, in order, by the pass that reads the log: the
   * checks re-run in that pass instead of reading the log again. Undefined when nothing is to re-run.
   */
  readonly feed: ((l: ScannedLine) => void) | undefined;
  /**
   * Instead of `feed` (never both): the compliance records of every line, batch by batch, in line
   * order, from a scan that has already read each line (the payload derivation's, as the export's
   * scan feeds its own checks): the line is not read a second time for the checks.
   */
  readonly records: RecordsConsumer | undefined;
  /**
   * Judges the re-run (undefined when the pack has no compliance files). `logScanned`: every line
   * of the log was fed; otherwise the log is read here.
   */
  finish(f: Findings, page: PageFacts | undefined, logScanned: boolean): Promise<ComplianceRecheck | undefined>;
  /** The report's policies as the standalone notes read them (reportPoliciesOf), from this one read. */
  readonly policies: ReportPolicies | undefined;
}

/**
 * What reading the recorded report gave: a result without a re-run, or the report and its policies.
 * `policies`: what the standalone notes need of it (reportPoliciesOf; undefined: none).
 */
type Recorded =
  | { readonly stop: ComplianceRecheck | undefined; readonly notes: Note[]; readonly policies?: ReportPolicies }
  | {
      readonly stop?: undefined;
      readonly notes: Note[];
      readonly policies?: ReportPolicies;
      readonly present: readonly boolean[];
      /** The report without its findings (withoutFindings): they are `findings`' digest. */
      readonly report: ComplianceReport;
      readonly findings: FindingsDigest;
      /** SHA-256 of compliance_report.json as read: a second read must find the same bytes. */
      readonly reportSha256: string;
      /** The report's members, in their order: the re-run's must be the same (at58 F4). */
      readonly fields: readonly string[];
      readonly timeline: PolicyTimeline;
      readonly carry: RecheckState;
      /** data/config_snapshot.json's snapshot id and the SHA-256 of its bytes, when it has the record's shape. */
      readonly snapshotRecord: HeldRecord | undefined;
      /** Why the report's policy at the day's end is not the one that record stores (policyNotInForce). */
      readonly notInForce: ((where: PolicyEventPlace) => string) | undefined;
      /** The same of the snapshot config_in_force.json names as holding the policy file, when not that record (policy-holder.ts). */
      readonly holderQuestion: PolicyQuestion | undefined;
    };

/**
 * Reads a pack directory's compliance report before its log is read, so that the log pass can feed
 * the re-run (one read of the log for every check). Findings are added by `finish`.
 */
export async function startComplianceRecheck(
  dir: string,
  exportDate: string | undefined,
): Promise<ComplianceRecheckStart> {
  const r = await readRecorded(dir, exportDate);
  if (r.stop !== undefined || !('report' in r))
    return { feed: undefined, records: undefined, finish: async (f) => replay(r, f), policies: r.policies };
  const date = r.report.period.from;
  const start = r.carry.start;
  // The snapshot store is not in the pack: the re-run holds ConfigSnapshots to the report's record of it.
  // and every ConfigSnapshot of the pack's own snapshot is held to data/config_snapshot.json's bytes
  // (the record the pack vouches for the policy with; its hash is in the chain: snapshotRecordLogged).
  const storeCheck = recordedStoreCheck(r.report.snapshots_not_stored);
  const logged: (string | null)[] = [];
  const snapId = r.snapshotRecord?.id;
  // The record hashes the log gives the snapshot config_in_force.json names as the policy's holder.
  const holderLogged: (string | null)[] = [];
  const engine = new ComplianceEngine(r.timeline, start?.state, (id, sha) => {
    if (id === snapId && logged.length < MAX_LOGGED_RECORDS) logged.push(sha);
    if (id === r.holderQuestion?.snapshotId && holderLogged.length < MAX_LOGGED_RECORDS) holderLogged.push(sha);
    return storeCheck?.(id, sha);
  });
  // The end state names the day's log file, as export writes it (pack/compliance-files.ts).
  const dayLog = recoveryFileOf(date);
  const rename = (file: string): string => (file === LOG ? dayLog : file);
  // The re-run's end state, as the digest of its file: the state itself is not kept (see endStateDigest).
  let end: string | undefined;
  const feeder = new LineFeeder(engine, LOG, recoveryFileOf(date));
  const reader = new RecordReader();
  let failed: unknown;
  const feed = (l: ScannedLine): void => {
    if (failed !== undefined) return;
    try {
      feeder.push(l);
    } catch (err) {
      failed = err; // judged as the separate re-run judged it (finish)
    }
  };
  const records = (b: Int32Array, lines: Buffer, firstLine: number, digests: Uint8Array): void => {
    if (failed !== undefined) return;
    try {
      reader.feed(engine, b, lines, LOG, firstLine, digests);
    } catch (err) {
      failed = err;
    }
  };
  const finish = async (f: Findings, page: PageFacts | undefined, logScanned: boolean) => {
    for (const n of r.notes) n(f);
    const rerun = async (): Promise<ComplianceReport> => {
      if (!logScanned)
        return checkLogFile({
          path: join(dir, LOG),
          name: LOG,
          date,
          timeline: r.timeline,
          ...(start ? { start } : {}),
          onEnd: (e) => {
            end = endStateDigest(e.carryOutChunks(date, rename));
          },
        });
      if (failed !== undefined) throw failed;
      feeder.end();
      engine.endDay(date);
      end = endStateDigest(engine.carryOutChunks(date, rename));
      return buildReport({
        from: date,
        to: date,
        timeline: r.timeline,
        result: engine.finish(),
        files: [LOG],
        carriedIn: start?.carried,
      });
    };
    const judged = await judgeRerun(dir, f, r, rerun, page);
    warnLostPolicies(f, r.report);
    // A record not the one logged, or one logged that a policy note calls missing (at43 F4).
    const recordDiffers =
      snapshotRecordLogged(f, r.snapshotRecord, logged) ||
      recordCalledLost(f, notesOf(r.report), r.snapshotRecord, logged);
    // Only a record the chain records says which policy was in force: the day's own log here, an
    // earlier day's by whoever reads the chain beside the pack (archive-policy.ts).
    // A note calling a record of an earlier day missing: asked of the chain beside the pack (at45 F1).
    const lostQ =
      recordDiffers || logged.length > 0 ? undefined : lostNoteQuestionOf(notesOf(r.report), r.snapshotRecord);
    const q = recordDiffers ? undefined : (lostQ ?? policyQuestionOf(r.notInForce, r.snapshotRecord));
    // The pack's own chained log pins the record whose policy the report does not end under: the
    // report contradicts the pack, whoever wrote it (at51 F2; a warning before, which a forger of an
    // unsigned pack met by re-making the report under the built-in policy).
    const notInForce = q !== undefined && logged.length > 0;
    if (notInForce) f.add('COMPLIANCE_REPORT_MISMATCH', 'error', REPORT, q.detail('day'));
    // The same of the policy file's holder after a narrow snapshot (policy-holder.ts): the pack's log
    // pins it when its event logs the entry's hash (another hash is CONFIG_IN_FORCE_MISMATCH); an
    // earlier day's is the chain's to answer beside the pack.
    const hq = recordDiffers || q !== undefined ? undefined : r.holderQuestion;
    const holderNotInForce = hq !== undefined && holderLogged.includes(hq.recordSha256);
    if (holderNotInForce) f.add('COMPLIANCE_REPORT_MISMATCH', 'error', REPORT, hq.detail('day'));
    const endDiffers = start !== undefined && judgeEndState(f, r.carry, end, r.report.rules ?? 1);
    const more = (recordDiffers ? 1 : 0) + (endDiffers ? 1 : 0) + (notInForce || holderNotInForce ? 1 : 0);
    const out = more === 0 ? judged : { ...judged, differences: judged.differences + more };
    const asked = q !== undefined ? (logged.length > 0 ? undefined : q) : holderLogged.length > 0 ? undefined : hq;
    return asked === undefined ? out : { ...out, policyQuestion: asked };
  };
  // The derivation names recoveries after the export date; a report of another day (already a
  // finding) is re-run line by line, naming them after its own period as the separate re-run does.
  return { feed, records: exportDate === date ? records : undefined, finish, policies: r.policies };
}

function replay(r: Recorded, f: Findings): ComplianceRecheck | undefined {
  for (const n of r.notes) n(f);
  return r.stop;
}

/** Re-runs the checks of a pack directory; undefined when the pack has no compliance files (made before they existed). */
/**
 * `page`: the pack facts report.html shows (from manifest.json and the signature), when they could
 * be read: the page must then be exactly what export renders from the report and those facts, so
 * an unsigned pack's page cannot be edited (a finding hidden, a script added) with the manifests
 * recomputed.
 */
export async function recheckPackCompliance(
  dir: string,
  f: Findings,
  exportDate: string | undefined,
  page?: PageFacts,
): Promise<ComplianceRecheck | undefined> {
  return (await startComplianceRecheck(dir, exportDate)).finish(f, page, false);
}

/** The recorded report, its period and its policies judged; the timeline to re-run with. */
async function readRecorded(dir: string, exportDate: string | undefined): Promise<Recorded> {
  const notes: Note[] = [];
  const note = (code: 'COMPLIANCE_REPORT_INVALID' | 'COMPLIANCE_REPORT_MISMATCH', file: string, detail: string) =>
    notes.push((f) => f.add(code, 'error', file, detail));
  let policies: ReportPolicies | undefined;
  const failed = (detail: string): Recorded => {
    note('COMPLIANCE_REPORT_INVALID', REPORT, detail);
    return { stop: { findings: 0, differences: 1 }, notes, ...(policies ? { policies } : {}) };
  };
  const present = await Promise.all([REPORT, CSV, HTML].map((p) => isFile(join(dir, p))));
  if (!present.some(Boolean)) return { stop: undefined, notes };
  if (!present[0]) return failed('the pack has compliance files but no compliance_report.json');
  const bytes = await readBoundedBytes(join(dir, REPORT), MAX_REPORT_BYTES);
  if (bytes === undefined) return failed(`larger than ${MAX_REPORT_BYTES} bytes`);
  const reportSha256 = digestOf(bytes) as string;
  // Nested no deeper than a log line may be, checked before parsing: the comparison's JSON.stringify
  // overflowed the stack on a report thousands of levels deep (at58 F3: verify crashed, exit 70).
  if (lineDepthExceeds(bytes, 0, bytes.length))
    return failed(`nests objects and arrays more than ${MAX_LINE_DEPTH} levels deep`);
  const parsed = parseJson(bytes.toString('utf8'));
  policies = reportPoliciesOf(parsed);
  const recorded = parseRecorded(parsed);
  if (typeof recorded === 'string') return failed(recorded);
  // Export writes JSON.stringify(…, null, 2) and a newline: other bytes (re-spaced, CRLF) are no export's (at58 F4).
  if (`${JSON.stringify(parsed, null, 2)}\n` !== bytes.toString('utf8'))
    note(
      'COMPLIANCE_REPORT_INVALID',
      REPORT,
      'not in canonical form (JSON.stringify(…, null, 2) and a final newline, as export writes it)',
    );
  if (exportDate !== undefined && (recorded.period.from !== exportDate || recorded.period.to !== exportDate)) {
    note(
      'COMPLIANCE_REPORT_MISMATCH',
      REPORT,
      `period ${recorded.period.from} to ${recorded.period.to}, but the pack is of ${exportDate}`,
    );
  }
  // The policies are held to the pack's config snapshot: a contradiction is an error (what the
  // pack cannot vouch for is said by a standalone verify: pack-standalone.ts).
  const snapBytes = await readBoundedBuffer(join(dir, PACK_PATH.configSnapshot), MAX_SNAPSHOT_BYTES);
  const snap = snapshotFactsOf(snapBytes);
  const snapshotRecord = await recordHeldToLog(
    dir,
    snap === undefined || snapBytes === undefined ? undefined : { id: snap.id, sha256: digestOf(snapBytes) as string },
  );
  const held = policyProvenance(recorded.policies, notesOf(recorded), snap);
  const cif = await readBoundedBuffer(join(dir, PACK_PATH.configInForce), MAX_CONFIG_IN_FORCE_BYTES);
  // The pack's log is read again only when its events hold what the pack's records cannot: a start
  // policy (kept alone, or first of several), or the holder of the policy file when
  // data/config_snapshot.json stores none.
  const keeps = keepsStartPolicy(recorded.policies);
  const ownUsable = snap !== undefined && usableRecord(notesOf(recorded), snap) !== undefined;
  const events = startsFromSnapshot(recorded.policies) || !ownUsable ? await policyEventsOf(dir, exportDate) : [];
  const logHolder = logPolicyHolderOf(events, notesOf(recorded), snap?.id);
  const holder = logHolder ?? policyHolderOf(cif, snap?.id);
  const notHolder = lastPolicyNotHolder(recorded.policies, notesOf(recorded), snap, holder);
  const outlived = keeps ? startPolicyOutlived(recorded.policies, notesOf(recorded), events) : undefined;
  const notRepeated = startPolicyNotRepeated(recorded.policies, notesOf(recorded), events);
  for (const c of [
    ...held.contradictions,
    ...(notHolder === undefined ? [] : [`recorded policy of snapshot at the period's end: ${notHolder}`]),
    ...(outlived === undefined ? [] : [`recorded policy kept from the period's start: ${outlived}`]),
    ...(notRepeated === undefined ? [] : [`recorded policy in force from the period's start: ${notRepeated}`]),
    ...unparsedProvenance(notesOf(recorded), recorded.unparsed_policies, snap).contradictions,
  ])
    note('COMPLIANCE_REPORT_MISMATCH', REPORT, c);
  const carry = await readRecheckState(dir, recorded, notes);
  try {
    const timeline = timelineOfReport(recorded);
    const findings = findingsDigest(recorded.findings);
    const report = withoutFindings(recorded);
    return {
      notes,
      present,
      report,
      findings,
      reportSha256,
      fields: Object.keys(recorded),
      timeline,
      carry,
      snapshotRecord,
      notInForce: policyNotInForce(recorded.policies, notesOf(recorded), snap),
      holderQuestion: holderQuestionOf(recorded.policies, notesOf(recorded), holder, snap?.id, logHolder !== undefined),
      ...(policies ? { policies } : {}),
    };
  } catch (err) {
    return failed(`a recorded policy does not parse: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The re-run against the recorded report, its CSV and its page. */
async function judgeRerun(
  dir: string,
  f: Findings,
  r: Extract<Recorded, { report: ComplianceReport }>,
  run: () => Promise<ComplianceReport>,
  page: PageFacts | undefined,
): Promise<ComplianceRecheck> {
  let rerun: ComplianceReport;
  try {
    rerun = await run();
  } catch (err) {
    if (err instanceof AuditpackError && err.code !== 'INTERNAL') {
      f.add('COMPLIANCE_REPORT_MISMATCH', 'error', LOG, `the checks could not re-run: ${err.message}`);
      return { findings: 0, differences: 1 };
    }
    throw err;
  }
  const recorded = await recordedReport(dir, r, rerun);
  if (recorded === undefined) {
    f.add('COMPLIANCE_REPORT_MISMATCH', 'error', REPORT, 'compliance_report.json changed while verify read it');
    return { findings: rerun.totals.total, differences: 1 };
  }
  const diffs = compareReports(recorded, rerun);
  const differs = differenceReporter(f, recorded);
  for (const d of diffs) differs(REPORT, `${d.kind.replace('_', ' ')}: ${d.detail}`);
  // Members the re-run does not write (a note added), or in another order, are bytes no export made.
  // The re-run, which has no store, writes no unparsed_policies: the recorded one is held to the
  // notes (unparsedProvenance) and stands where the writer puts it, after policy_notes.
  const expected = Object.keys(rerun);
  if (r.fields.includes(UNPARSED) && !expected.includes(UNPARSED))
    expected.splice(expected.indexOf('policy_notes') + 1, 0, UNPARSED);
  const fields = expected.join(', ');
  const fieldsDiffer = r.fields.join(', ') !== fields;
  if (fieldsDiffer) differs(REPORT, `fields: recorded ${r.fields.join(', ').slice(0, 300)}; re-run ${fields}`);
  const csvDiffers = await judgeCsv(dir, f, recorded, r.present[1] === true, differs);
  const htmlDiffers = await judgeHtml(dir, f, recorded, r.present[2] === true, page, differs, r.carry.start?.state);
  const more = (fieldsDiffer ? 1 : 0) + (csvDiffers ? 1 : 0) + (htmlDiffers ? 1 : 0);
  return { findings: rerun.totals.total, differences: diffs.length + more };
}

/**
 * The recorded report with its findings: the re-run's when they are the recorded ones (by digest),
 * else read again (the findings' differences are then reported in full). Undefined when the file
 * no longer holds the bytes read before the pass.
 */
async function recordedReport(
  dir: string,
  r: Extract<Recorded, { report: ComplianceReport }>,
  rerun: ComplianceReport,
): Promise<ComplianceReport | undefined> {
  if (sameFindings(r.findings, rerun.findings)) return { ...r.report, findings: rerun.findings };
  const bytes = await readBoundedBuffer(join(dir, REPORT), MAX_REPORT_BYTES);
  if (bytes === undefined || digestOf(bytes) !== r.reportSha256) return undefined;
  const again = parseRecorded(parseJson(bytes.toString('utf8')));
  return typeof again === 'string' ? undefined : again;
}

/** The report's member the re-run does not make (the stored texts that did not parse). */
const UNPARSED = 'unparsed_policies';

/** Stands for a text that is not JSON (parseJson). */
const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

/** The recorded report (parsed, parseJson), shape-checked enough to compare it; a string says what is wrong. */
function parseRecorded(v: unknown): ComplianceReport | string {
  if (v === NOT_JSON) return 'not JSON';
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const r = v as Record<string, unknown>;
  if (r.format !== COMPLIANCE_REPORT_FORMAT)
    return `format is ${JSON.stringify(r.format)?.slice(0, 80)}, expected ${COMPLIANCE_REPORT_FORMAT}`;
  if (r.rules !== undefined && !(Number.isSafeInteger(r.rules) && (r.rules as number) >= 1))
    return `rules is ${JSON.stringify(r.rules)?.slice(0, 80)}, not a version number`;
  const period = r.period as Record<string, unknown> | null;
  if (typeof period !== 'object' || period === null || typeof period.from !== 'string' || typeof period.to !== 'string')
    return 'period is not {from, to}';
  // Real calendar days, in order: the start state is the day before `from` (at11 #09: "x" crashed verify).
  const from = dayNumberOfIsoDate(period.from);
  const to = dayNumberOfIsoDate(period.to);
  if (from === undefined || to === undefined || from > to)
    return `period ${JSON.stringify(period.from).slice(0, 40)} to ${JSON.stringify(period.to).slice(0, 40)} is not two days in order (YYYY-MM-DD)`;
  if (!Array.isArray(r.findings)) return 'findings is not an array';
  if (!Array.isArray(r.policies) || r.policies.length === 0) return 'policies is not a non-empty array';
  // A day has a handful; each is parsed, so a hostile report must not hold a million.
  if (r.policies.length > MAX_POLICIES) return `more than ${MAX_POLICIES} recorded policies`;
  for (const p of r.policies as unknown[]) {
    const q = p as Record<string, unknown> | null;
    if (
      typeof q !== 'object' ||
      q === null ||
      typeof q.text !== 'string' ||
      typeof q.path !== 'string' ||
      typeof q.sha256 !== 'string'
    )
      return 'a recorded policy lacks text, path or sha256';
    if (!(q.from === null || (typeof q.from === 'string' && !Number.isNaN(Date.parse(q.from)))))
      return 'a recorded policy has a bad from';
    if (!['snapshot', 'file', 'built-in'].includes(q.source as string)) return 'a recorded policy has a bad source';
    if (!(q.snapshot_id === null || typeof q.snapshot_id === 'string'))
      return 'a recorded policy has a bad snapshot_id';
  }
  return v as ComplianceReport;
}

export { readBoundedBuffer } from './compliance-bytes.js';
