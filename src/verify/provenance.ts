/**
 * What the pack's own checks ran under, held to what the pack proves otherwise: the compliance
 * policies its report records and the `alert_filter` its manifest records. A report re-run with
 * the policy it records, or alerts derived with the filter the manifest records, only prove that the
 * pack agrees with itself; a writer who swaps the policy (or narrows the filter) and re-makes every
 * file agrees with himself too. So each policy is held to `data/config_snapshot.json` (the record
 * of the latest config snapshot at the end of the day: every config file's SHA-256 and the SHA-256
 * of its stored, redacted copy): a contradiction is an error; what nothing in the pack can vouch for
 * is said plainly ("unbound"), for the caller to report where nothing outside the pack pins it.
 *
 * Every byte is hostile: the snapshot record is read bounded and shape-checked; a record that
 * cannot be read binds nothing.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_POLICY_PATH, DEFAULT_POLICY_SOURCE, LOST_IN_PERIOD_NOTE } from '../compliance/index.js';
import { recordMissingNote, saysNotUsed, saysRecordMissing } from '../compliance/policy-notes.js';
import type { ComplianceReport } from '../compliance/report.js';
import { DEFAULT_ALERT_FILTER } from '../config.js';
import { PACK_PATH, type RecordedAlertFilter } from '../format/pack.js';
import { DEFAULT_CENSOR } from '../redaction/index.js';
import { isKeyedHash, isSnapshotId, timestampOfId } from '../snapshot/store.js';
import type { Findings } from './report.js';

/** A config file as a snapshot record lists it. */
interface SnapshotFile {
  readonly hash: string;
  readonly stored: boolean;
  /** SHA-256 of the stored (possibly redacted) copy. */
  readonly object: string | undefined;
  readonly binary: boolean;
}

/** The facts of data/config_snapshot.json that bind: its id and its files. */
export interface SnapshotFacts {
  readonly id: string;
  readonly files: ReadonlyMap<string, SnapshotFile>;
}

/** A recorded policy, as compliance_report.json lists it (shape-checked by the caller). */
export interface RecordedPolicy {
  readonly from: string | null;
  readonly source: string;
  readonly snapshot_id: string | null;
  readonly path: string;
  readonly sha256: string;
  readonly text: string;
}

/** What holding the policies gave: errors (`contradictions`) and what nothing in the pack vouches for. */
export interface PolicyProvenance {
  readonly contradictions: string[];
  readonly unbound: string[];
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const HEX64 = /^[0-9a-f]{64}$/;

/** The binding facts of config_snapshot.json's bytes; undefined when it records no snapshot or is unreadable. */
export function snapshotFactsOf(buf: Buffer | undefined): SnapshotFacts | undefined {
  if (buf === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
  const r = v as { snapshot_id?: unknown; files?: unknown } | null;
  if (typeof r !== 'object' || r === null || !isSnapshotId(r.snapshot_id)) return undefined;
  if (typeof r.files !== 'object' || r.files === null || Array.isArray(r.files)) return undefined;
  const files = new Map<string, SnapshotFile>();
  for (const [path, e] of Object.entries(r.files as Record<string, unknown>)) {
    const f = e as Record<string, unknown> | null;
    // A keyed hash (`hmac-sha256:…`) names a redacted or withheld file; a plain one any other, or
    // any file of a record made before keyed hashes. Both are compared as strings.
    if (typeof f !== 'object' || f === null || !(HEX64.test(String(f.hash)) || isKeyedHash(f.hash))) continue;
    files.set(path, {
      hash: f.hash as string,
      stored: f.stored === true,
      object: typeof f.object === 'string' && HEX64.test(f.object) ? f.object : undefined,
      binary: f.binary === true,
    });
  }
  return { id: r.snapshot_id, files };
}

/**
 * Holds the recorded policies to the pack's config snapshot. `notes`: the report's policy_notes
 * (a snapshot whose policy did not parse left the one before in force). A snapshot's id (its
 * writer's clock) does not bind: one dated after the period whose event the chain files in it or
 * before it took force there (at48 F2), so a policy from it is held like any other.
 */
export function policyProvenance(
  policies: readonly RecordedPolicy[],
  notes: readonly string[],
  snap: SnapshotFacts | undefined,
): PolicyProvenance {
  const out: PolicyProvenance = { contradictions: [], unbound: [] };
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i] as RecordedPolicy;
    const name = `recorded policy ${JSON.stringify(p.path).slice(0, 120)} (source ${p.source})`;
    // An unredacted text is the file's bytes: it hashes to the recorded sha256, whatever the source.
    // The built-in policy is never redacted (export records the library's own text, which holds no
    // secret), so its entry is held to its text whatever that text holds: a `[REDACTED]` lax text
    // carrying a snapshot record's hash of the policy file is a contradiction, not "unbound" (fx54a).
    if ((p.source === 'built-in' || !p.text.includes(DEFAULT_CENSOR)) && sha256(p.text) !== p.sha256)
      out.contradictions.push(
        `${name}: its text does not hash to its recorded sha256 ${p.sha256.slice(0, 80)}${p.source === 'built-in' ? " (a built-in policy is never redacted: its sha256 is its own text's)" : ''}`,
      );
    const shape = shapeProblem(p, notes);
    if (shape !== undefined) {
      out.contradictions.push(`${name}: ${shape}`);
      continue;
    }
    const r = bindToSnapshot(p, i === policies.length - 1, notes, snap);
    if (r.contradiction !== undefined) out.contradictions.push(`${name}: ${r.contradiction}`);
    else if (r.unbound !== undefined) out.unbound.push(`${name}: ${r.unbound}`);
  }
  return out;
}

/** What a policy of its source must look like (export writes nothing else). */
function shapeProblem(p: RecordedPolicy, notes: readonly string[]): string | undefined {
  if (p.source === 'built-in')
    return p.path === 'built-in' && (p.snapshot_id === null || lostInPeriod(p.snapshot_id, notes))
      ? undefined
      : 'a built-in policy has no path or snapshot';
  if (p.source === 'file') return p.snapshot_id === null ? undefined : 'a policy read from a file has no snapshot';
  if (p.path !== DEFAULT_POLICY_PATH) return `a snapshotted policy is always ${DEFAULT_POLICY_PATH}`;
  if (!isSnapshotId(p.snapshot_id)) return 'a snapshotted policy names no valid snapshot id';
  if (p.from !== null && p.from !== timestampOfId(p.snapshot_id))
    return `it applies from ${p.from}, not from its snapshot's time ${timestampOfId(p.snapshot_id)}`;
  return undefined;
}

/**
 * Whether the notes say snapshot `id` of the period was lost by the store: the built-in policy then
 * takes force at its event (the export records it with that snapshot's id; timeline-lost.ts).
 */
function lostInPeriod(id: string, notes: readonly string[]): boolean {
  return notes.some((n) => n.startsWith(`snapshot ${id}: `) && n.endsWith(LOST_IN_PERIOD_NOTE));
}

/** One policy against config_snapshot.json: a contradiction, unbound (why), or bound (both undefined). Also for unparsed-notes.ts. */
export function bindToSnapshot(
  p: RecordedPolicy,
  last: boolean,
  notes: readonly string[],
  snap: SnapshotFacts | undefined,
): { contradiction?: string; unbound?: string } {
  const snapName = snap === undefined ? '' : `data/config_snapshot.json (snapshot ${snap.id})`;
  if (p.source === 'built-in') return builtInBinding(p, last, notes, snap, snapName);
  if (snap !== undefined && p.source === 'snapshot' && p.snapshot_id === snap.id) {
    const e = snap.files.get(p.path);
    if (e === undefined || !e.stored) return { contradiction: `${snapName} does not store ${p.path}` };
    if (e.hash !== p.sha256) return { contradiction: `${snapName} records ${p.path} with sha256 ${e.hash}` };
    if (sha256(p.text) === (e.object ?? e.hash)) return {};
    // Redacted again by the export (a copy stored under other rules than the export's: older ones,
    // redaction off, or the built-in ones while the export adds the user's patterns or keys; at41 F3,
    // at52 F-C): not the stored copy's bytes, so not held to them (the pack does not hold the copy,
    // nor the export's rules), as at the period's end below. The record's own `redaction.rules`
    // cannot tell: the export's rules are not in the pack.
    if (p.text.includes(DEFAULT_CENSOR) && e.object !== undefined)
      return {
        unbound: `its text was redacted again (it holds ${DEFAULT_CENSOR}) and is not the stored copy ${snapName} records (sha256 ${e.object}), so it is not held to it`,
      };
    return { contradiction: `its text is not the stored copy ${snapName} records (sha256 ${e.object ?? e.hash})` };
  }
  const e = usableRecord(notes, snap);
  if (!last || e === undefined) {
    const why = last
      ? `${snapName || 'data/config_snapshot.json'} holds no usable record of ${DEFAULT_POLICY_PATH}`
      : 'a later policy replaced it during the period, and the pack holds the record of the latest snapshot only';
    return { unbound: `nothing in the pack records this policy's file (${why})` };
  }
  // The latest snapshot at the end of the day holds the policy file: the policy in force then is it.
  if (p.source === 'snapshot' && e.hash !== p.sha256)
    return {
      contradiction: `the policy in force at the end of the period must be the one ${snapName}, the latest at its end, records (sha256 ${e.hash})`,
    };
  if (p.source === 'file' && (p.path !== DEFAULT_POLICY_PATH || e.hash !== p.sha256))
    return { unbound: `an explicit policy file, not the ${DEFAULT_POLICY_PATH} that ${snapName} records` };
  if (sha256(p.text) !== e.object)
    return { unbound: `its redacted text is not the stored copy ${snapName} records, so it is not held to the file` };
  return {};
}

/**
 * Why the report's policy at the period's end is not the one the log put in force (a text, given
 * where the event is), or undefined. Said only when `snap`'s own ConfigSnapshot event (with this
 * record's hash) is a line of the pack's log, or of the log directory (an earlier day's snapshot,
 * in force all day): its policy governs every line after its event (timeline.ts), so a report ending under the built-in policy or under a file of another hash
 * was re-run under a policy the log's snapshots did not put in force. A `snapshot` policy of another
 * hash is already a contradiction (bindToSnapshot); an explicit file of the same hash is that policy.
 */
export function policyNotInForce(
  policies: readonly RecordedPolicy[],
  notes: readonly string[],
  snap: SnapshotFacts | undefined,
): ((where: PolicyEventPlace) => string) | undefined {
  const last = policies.at(-1);
  if (last === undefined || last.source === 'snapshot' || snap === undefined) return undefined;
  const e = usableRecord(notes, snap);
  if (e === undefined || e.hash === last.sha256) return undefined;
  const claimed =
    last.source === 'built-in'
      ? 'the built-in policy'
      : `the policy file ${JSON.stringify(last.path).slice(0, 120)} (sha256 ${String(last.sha256).slice(0, 80)})`;
  return (where) =>
    `snapshot ${snap.id} (data/config_snapshot.json), whose ConfigSnapshot event is ${where === 'day' ? "a line of the day's log" : where === 'log-dir' ? 'in the audit log directory (an earlier day: in force all day)' : "in a current pack's log of its day (an earlier day: in force all day)"}, stores ${DEFAULT_POLICY_PATH} with sha256 ${e.hash}: that policy was in force from its event to the end of the day, yet the report ends under ${claimed}. The re-run only proves the report agrees with the policy it recorded, not with the one in force`;
}

/** Where the ConfigSnapshot event of the pack's snapshot was found: the pack's own log, the log directory verified with it, or another current pack's log. */
export type PolicyEventPlace = 'day' | 'log-dir' | 'pack-log';

/**
 * A snapshot record whose ConfigSnapshot event, when the chain holds it with the record's hash,
 * contradicts the report (COMPLIANCE_REPORT_MISMATCH): its policy is not the one the report ends
 * under (at51 F2: a warning before), or a policy note calls the record missing (at45 F1).
 */
export interface PolicyQuestion {
  readonly snapshotId: string;
  /** SHA-256 of data/config_snapshot.json's bytes: the event's record_sha256 must be it. */
  readonly recordSha256: string;
  /** The finding's detail, given where the event is. */
  readonly detail: (where: PolicyEventPlace) => string;
}

/**
 * The question a note calling the pack's own snapshot record missing asks of the chain, when that
 * snapshot's event is not in the pack's own log (a snapshot of an earlier day; recordCalledLost
 * judges one of the day itself): an event of it with the record's hash, wherever the chain holds
 * it, means the export that copied the record had it (at45 F1).
 */
export function lostNoteQuestionOf(
  notes: readonly string[],
  record: { readonly id: string; readonly sha256: string } | undefined,
): PolicyQuestion | undefined {
  const note = record === undefined ? undefined : notes.find((n) => saysRecordMissing(n, record.id));
  if (record === undefined || note === undefined) return undefined;
  return {
    snapshotId: record.id,
    recordSha256: record.sha256,
    detail: (where) =>
      `a policy note says snapshot ${record.id}'s record or its recording is missing (${JSON.stringify(note.slice(0, 160))}…), yet ${PACK_PATH.configSnapshot} is that record and the ConfigSnapshot event of it in ${where === 'log-dir' ? 'the log directory' : 'the log of the current pack of its day or the day after'} logs its record_sha256 ${record.sha256}: the note is false, and it would unbind that snapshot's policy`,
  };
}

/** The question a pack's snapshot record asks of the chain, when the report's policy is not the one it stores. */
export function policyQuestionOf(
  notInForce: ((where: PolicyEventPlace) => string) | undefined,
  record: { readonly id: string; readonly sha256: string } | undefined,
): PolicyQuestion | undefined {
  return notInForce === undefined || record === undefined
    ? undefined
    : { snapshotId: record.id, recordSha256: record.sha256, detail: notInForce };
}

/**
 * A pack directory's report and its PolicyQuestion (pack-dir.ts sets it, archive-policy.ts reads
 * it): beside the report, not in it, so the JSON report (schemas/verify.json) stays as it is.
 */
export const policyQuestions = new WeakMap<object, PolicyQuestion>();

/**
 * The snapshot's record of the policy file when the policy in force at the period's end must be it:
 * not when a policy note says that snapshot's policy was not used, in a documented shape naming it
 * (policy-notes.ts; a note merely holding its id unbinds nothing, at43 F4).
 */
export function usableRecord(notes: readonly string[], snap: SnapshotFacts | undefined): SnapshotFile | undefined {
  const e = snap?.files.get(DEFAULT_POLICY_PATH);
  const usable = snap !== undefined && e?.stored === true && !e.binary && !notes.some((n) => saysNotUsed(n, snap.id));
  return usable ? e : undefined;
}

/**
 * A built-in policy is bound when it is this version's text, alone for the period (first, before
 * the period's first snapshot, the pack cannot show that no snapshot came before), and no snapshot the pack holds records a policy file that would have been in
 * force instead: calling a day (or its morning) built-in must not be a quiet way around the snapshot.
 */
function builtInBinding(
  p: RecordedPolicy,
  last: boolean,
  notes: readonly string[],
  snap: SnapshotFacts | undefined,
  snapName: string,
): { unbound?: string } {
  if (p.text !== DEFAULT_POLICY_SOURCE)
    return { unbound: "its text is not this version's built-in policy (made by another version, or rewritten)" };
  if (!last)
    return {
      unbound:
        'a later policy replaced it during the period: the export records the built-in policy alone, or first (before the first snapshot of a period with none before it), and nothing in the pack records that no snapshot was in force before',
    };
  const e = usableRecord(notes, snap);
  if (e === undefined) return {};
  return {
    unbound: `${snapName}, the latest snapshot at the period's end, records ${DEFAULT_POLICY_PATH} (sha256 ${e.hash}), yet the report claims the built-in policy: nothing in the pack vouches that it was in force`,
  };
}

/** Why the recorded alert filter is not vouched for, or undefined when it is the documented default. */
export function alertFilterUnbound(filter: RecordedAlertFilter): string | undefined {
  const diff: string[] = [];
  for (const k of ['categories', 'events', 'severities'] as const) {
    const have = new Set(filter[k]);
    const dflt = new Set<string>(DEFAULT_ALERT_FILTER[k]);
    const missing = [...dflt].filter((x) => !have.has(x));
    const added = [...have].filter((x) => !dflt.has(x));
    if (missing.length > 0) diff.push(`${k} lacks ${missing.map((x) => JSON.stringify(x).slice(0, 80)).join(', ')}`);
    if (added.length > 0) diff.push(`${k} adds ${added.length}`);
  }
  if (diff.length === 0) return undefined;
  return `${PACK_PATH.alerts} is derived with manifest.json's alert_filter, which is not the default (${diff.join('; ')}) and which nothing in the pack vouches for: a narrowed filter hides alerts`;
}

/** What the standalone notes need of compliance_report.json: its policies, their notes, its period's end. */
export interface ReportPolicies {
  readonly list: RecordedPolicy[];
  readonly notes: string[];
  readonly to: string;
  /** The report's `unparsed_policies`, as read (unparsed-notes.ts shape-checks it). */
  readonly unparsed: unknown;
}

/** The recorded policies of a parsed report when it has the shape the re-check requires; else undefined. */
export function reportPoliciesOf(parsed: unknown): ReportPolicies | undefined {
  const v = parsed as Record<string, unknown> | null | undefined;
  const period = v?.period as { to?: unknown } | undefined;
  if (v === null || v === undefined || typeof period?.to !== 'string' || !Array.isArray(v.policies)) return undefined;
  const ok = (p: Record<string, unknown> | null): boolean =>
    typeof p === 'object' &&
    p !== null &&
    typeof p.text === 'string' &&
    typeof p.path === 'string' &&
    typeof p.sha256 === 'string' &&
    typeof p.source === 'string' &&
    (p.snapshot_id === null || typeof p.snapshot_id === 'string') &&
    (p.from === null || typeof p.from === 'string');
  if (!v.policies.every((p) => ok(p as Record<string, unknown> | null))) return undefined;
  const n: unknown = v.policy_notes;
  return {
    list: v.policies as RecordedPolicy[],
    notes: Array.isArray(n) ? n.filter((x): x is string => typeof x === 'string') : [],
    to: period.to,
    unparsed: v.unparsed_policies,
  };
}

/** The report's policy_notes, as strings (a hostile report's are shape-checked by the comparison). */
export function notesOf(r: Pick<ComplianceReport, 'policy_notes'>): string[] {
  const n: unknown = r.policy_notes;
  return Array.isArray(n) ? n.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * A policy note calling the pack's own snapshot record missing (the store lost it, no event records
 * its bytes, or its recording cannot be checked: saysRecordMissing) while the pack holds that record,
 * `record` (data/config_snapshot.json's snapshot id and record SHA-256), and a ConfigSnapshot event
 * of that snapshot in the pack's own log logs that SHA-256 (`logged`): the export that copied the
 * record had it, so the note, which unbinds the snapshot's policy, is false (at43 F4: a forged note
 * in an unsigned pack dropped a stricter policy). COMPLIANCE_REPORT_MISMATCH; true when said.
 */
export function recordCalledLost(
  f: Findings,
  notes: readonly string[],
  record: { readonly id: string; readonly sha256: string } | undefined,
  logged: readonly (string | null)[],
): boolean {
  if (record === undefined || !logged.includes(record.sha256)) return false;
  const note = notes.find((n) => saysRecordMissing(n, record.id));
  if (note === undefined) return false;
  f.add(
    'COMPLIANCE_REPORT_MISMATCH',
    'error',
    PACK_PATH.complianceReport,
    `a policy note says snapshot ${record.id}'s record or its recording is missing (${JSON.stringify(note.slice(0, 160))}…), yet ${PACK_PATH.configSnapshot} is that record and the ConfigSnapshot event of it in ${PACK_PATH.log} logs its record_sha256 ${record.sha256}: the note is false, and it would unbind that snapshot's policy`,
  );
  return true;
}

/**
 * COMPLIANCE_POLICY_UNKNOWN (a warning, at45 F2) for each policy note of the report that says a
 * snapshot's record or its recording is missing (recordMissingNote): part of the period ran under
 * the built-in policy (or the one before the snapshot), which export warned of on stderr and no
 * finding of verify said. A forger who drops a stricter snapshot's record writes exactly such a note,
 * so such a pack never verifies without a word; only a signature or the PackExported event pins it.
 */
export function warnLostPolicies(f: Findings, report: Pick<ComplianceReport, 'policy_notes' | 'period'>): void {
  const period =
    report.period.from === report.period.to ? report.period.from : `${report.period.from} to ${report.period.to}`;
  for (const note of notesOf(report)) {
    const lost = recordMissingNote(note);
    if (lost === undefined) continue;
    f.add(
      'COMPLIANCE_POLICY_UNKNOWN',
      'warning',
      PACK_PATH.complianceReport,
      `the compliance report of ${period} says snapshot ${lost.id}'s ${DEFAULT_POLICY_PATH} was not used: ${lost.says} (a policy note; export warned COMPLIANCE_POLICY_UNKNOWN)`,
    );
  }
}
