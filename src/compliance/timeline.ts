/**
 * Which policy was in force when: the policy file as recorded by the config snapshots. A snapshot
 * governs the events after its ConfigSnapshot event in the log (log order, not the writer's clock:
 * a snapshot back-dated after the fact re-judges nothing already written). Events before the
 * period's first snapshot event fall under the newest snapshot taken before the period whose event
 * is before the period in the log too (or, when there is none, the built-in defaults, with a note):
 * a snapshot takes effect where its event is filed, whatever its id's day: one dated outside the
 * period whose event is a line of the period's files is one of the period's (timeline-late.ts).
 * Without snapshots of the file, the file as it is now applies; without a file, the built-in
 * defaults.
 */
import { resolve } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import { compileRedactor, type RedactionOptions, type Redactor } from '../redaction/index.js';
import { configFormatOf, redactConfigText } from '../redaction/config-text.js';
import { snapshotFileOf } from '../snapshot/read.js';
import { dayNumberOfIsoDate, logFileName } from '../rotation/index.js';
import {
  listSnapshotIds,
  parseRecord,
  readRecordFile,
  recordAsLogged,
  recordPath,
  sha256Hex,
  timestampOfId,
} from '../snapshot/store.js';
import { ConfigEventIndex } from '../snapshot/config-events.js';
import type { ConfigSnapshot } from '../snapshot/types.js';
import { recordingOf, type SnapshotRecording } from './snapshot-recorded.js';
import { offDaySnapshotsOfPeriod } from './timeline-late.js';
import { byLogOrder, lostPolicySnapshots, periodLogOrder } from './timeline-lost.js';
import { DEFAULT_POLICY_PATH, defaultPolicy } from './policy.js';
import { displayPath, type PolicyInForce, policyFromFile, policyFromText, storeKey } from './timeline-entry.js';
import { readPolicyText, readText } from './policy-text.js';
import {
  BUILT_IN_START_NOTE,
  LOST_IN_PERIOD_NOTE,
  LOST_RECORD_NOTE,
  NONE_PARSES_NOTE,
  UNCHECKABLE_NOTE,
  UNPARSED_NOTE,
  UNRECORDED_NOTE,
  type UnparsedPolicy,
  unparsedNoteId,
} from './policy-notes.js';

export {
  BUILT_IN_START_NOTE,
  LOST_IN_PERIOD_NOTE,
  LOST_RECORD_NOTE,
  NONE_PARSES_NOTE,
  UNCHECKABLE_NOTE,
  UNRECORDED_NOTE,
};
export { isoToMicros, type PolicyInForce, policyFromText } from './timeline-entry.js';

/**
 * The policies of a period, in the order their events take force (log order; at48 F1/F5). The first
 * is in force when the period starts; each later one takes force at its snapshot's `ConfigSnapshot`
 * event in the log (`takesForceAt`), never earlier: a line already written when a snapshot was
 * recorded stays under the policy before it, whatever time the snapshot (the writer's clock) says it
 * was taken. The last is in force at the period's end. Kept as given, those from the start first.
 */
export class PolicyTimeline {
  readonly entries: readonly PolicyInForce[];
  /** What was skipped while loading (a snapshotted policy that does not parse), for the report. */
  readonly notes: readonly string[];
  /** The text of each snapshotted policy a note says does not parse, in the notes' order. */
  readonly unparsed: readonly UnparsedPolicy[];
  /** The period's own snapshots (not the first entry), by snapshot id. */
  private readonly bySnapshot = new Map<string, PolicyInForce>();

  constructor(
    entries: readonly PolicyInForce[],
    notes: readonly string[] = [],
    unparsed: readonly UnparsedPolicy[] = [],
  ) {
    this.notes = notes;
    this.unparsed = unparsed;
    if (entries.length === 0) throw new AuditpackError('INTERNAL', 'a policy timeline needs at least one policy');
    const start = entries.filter((e) => e.from_us === Number.NEGATIVE_INFINITY);
    this.entries = [...start, ...entries.filter((e) => e.from_us !== Number.NEGATIVE_INFINITY)];
    for (const e of this.entries.slice(1)) if (e.snapshot_id !== null) this.bySnapshot.set(e.snapshot_id, e);
  }

  /**
   * The policy the `ConfigSnapshot` event of snapshot `snapshotId` puts in force, for the events
   * after it in the log; undefined when that snapshot sets none of the period's policies.
   */
  takesForceAt(snapshotId: string): PolicyInForce | undefined {
    return this.bySnapshot.get(snapshotId);
  }
}

export interface LoadTimelineOptions {
  cwd: string;
  /** An explicit policy file: used alone, for the whole period (snapshots are not consulted). */
  policyFile?: string;
  /** The snapshot store; without it, the file as it is now. */
  snapshotDir?: string;
  /**
   * The audit log directory: given, a snapshot counts only when the log records it (its
   * ConfigSnapshot event with the record's hash, snapshot-recorded.ts); others are noted and skipped.
   */
  logDir?: string;
  /**
   * Where packs are: a day file retention removed is read from a pack copy its LogPruned event
   * vouches for (ConfigEventIndex).
   */
  artifactsDir?: string;
  /**
   * The look-up to share (the export's, so the config part and the compliance part of a pack ask
   * one index); made from `logDir` and `artifactsDir` when not given.
   */
  configEvents?: ConfigEventIndex;
  /**
   * The rules a snapshot's stored policy text passes through again before it is used and recorded
   * (the export's, as for data/config_snapshot.json): a text stored under older rules must not carry
   * a secret into a report (at41 F3). Default: the built-in rules; `false`: none.
   */
  redaction?: boolean | RedactionOptions;
  /** The period, `YYYY-MM-DD` (inclusive). */
  from: string;
  to: string;
}

/** Loads the policies in force over a period. CONFIG_INVALID when a policy does not parse. */
export async function loadPolicyTimeline(options: LoadTimelineOptions): Promise<PolicyTimeline> {
  if (options.policyFile !== undefined) {
    const path = resolve(options.cwd, options.policyFile);
    const key = await storeKey(options.snapshotDir);
    return new PolicyTimeline([policyFromFile(readText(path), displayPath(options.cwd, path), key)]);
  }
  const rel = DEFAULT_POLICY_PATH;
  const notes: string[] = [];
  // The texts of snapshotted policies that do not parse, by snapshot id: recorded beside their notes.
  const unparsed = new Map<string, UnparsedPolicy>();
  const noted = (): UnparsedPolicy[] =>
    notes.flatMap((n) => {
      const u = unparsed.get(unparsedNoteId(n) ?? '');
      return u === undefined ? [] : [u];
    });
  if (options.snapshotDir !== undefined) {
    const index =
      options.logDir === undefined
        ? undefined
        : (options.configEvents ??
          new ConfigEventIndex({ logDir: options.logDir, artifactsDir: options.artifactsDir }));
    const redactor = compileRedactor(
      options.redaction === false ? { enabled: false } : options.redaction === true ? {} : (options.redaction ?? {}),
    );
    const reads = new Map<string, string | null>();
    const store = { snapshotDir: options.snapshotDir, index, redactor, reads, unparsed };
    const fromSnapshots = await policiesFromSnapshots(store, rel, options.from, options.to, notes);
    if (fromSnapshots.length > 0) return new PolicyTimeline(fromSnapshots, notes, noted());
  }
  const path = resolve(options.cwd, rel);
  let text: string | undefined;
  try {
    text = readPolicyText(path); // a FIFO is refused (ENOTREG), never waited on
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw wrapFsError(err, 'read', path);
  }
  if (text !== undefined)
    return new PolicyTimeline([policyFromFile(text, rel, await storeKey(options.snapshotDir))], notes, noted());
  const d = defaultPolicy();
  return new PolicyTimeline(
    [policyFromText(d.text, { from: null, source: 'built-in', snapshot_id: null, path: 'built-in' })],
    notes,
    noted(),
  );
}

/** Where snapshots are stored, and the log that must record them (when checked). */
interface SnapshotSource {
  snapshotDir: string;
  /** The chain's ConfigSnapshot events (undefined: no log given, every snapshot counts). */
  index: ConfigEventIndex | undefined;
  /** What a stored policy text passes through before it is used (LoadTimelineOptions.redaction). */
  redactor: Redactor;
  /** Id → SHA-256 of the record bytes read for it (null: unreadable): what timeline-lost.ts judges. */
  reads: Map<string, string | null>;
  /** Id → the text of a snapshot's policy that does not parse (the report records those its notes name). */
  unparsed: Map<string, UnparsedPolicy>;
}

async function policiesFromSnapshots(
  src: SnapshotSource,
  rel: string,
  from: string,
  to: string,
  notes: string[],
): Promise<PolicyInForce[]> {
  const ids = await listSnapshotIds(src.snapshotDir);
  const start = from.replaceAll('-', '');
  const end = to.replaceAll('-', '');
  const before = ids.filter((id) => id.slice(0, 8) < start);
  const within = ids.filter((id) => id.slice(0, 8) >= start && id.slice(0, 8) <= end);
  const out: PolicyInForce[] = [];
  const firstDay = dayNumberOfIsoDate(from);
  if (firstDay === undefined)
    throw new AuditpackError('USAGE', `expected a date as YYYY-MM-DD, got ${JSON.stringify(from)}`);
  const firstFile = logFileName(firstDay);
  // A snapshot dated outside the period whose ConfigSnapshot event is a line of the period (one of
  // the day before's last minute logged after midnight, a back-dated one filed as a `late` line, or
  // one whose writer's clock was ahead: at48 F2) came after some of the period's lines in the log:
  // like the period's own, it governs only the lines after its event, whatever its time says.
  const loggedWithin: PolicyInForce[] = [];
  const start0 = await startPolicy(src, before, rel, notes, { from, to }, loggedWithin);
  if (start0 !== undefined && start0 !== null) out.push({ ...start0, from: null, from_us: Number.NEGATIVE_INFINITY });
  // The start policy's snapshot dated in the period (its writer's clock ahead: its event is filed
  // before the period, where the chain's walk found it) is in force from the start, not unrecorded.
  const startId = start0?.snapshot_id ?? null;
  const ofPeriod: (PolicyInForce | string)[] = [...loggedWithin, ...within];
  for (const item of ofPeriod) {
    const ahead = src.index !== undefined && item === startId;
    const got: { policy: PolicyInForce; unknown?: string; loggedWithin?: boolean } | undefined =
      typeof item === 'string' ? await fromSnapshot(src, item, rel, ahead ? [] : notes, firstFile) : { policy: item };
    if (ahead && got?.loggedWithin !== true) continue;
    const e = got?.policy;
    if (e === undefined) continue;
    if (got?.unknown !== undefined) {
      notes.push(`snapshot ${e.snapshot_id}: ${rel} was not used, ${got.unknown}: ${UNCHECKABLE_NOTE}`);
      continue;
    }
    out.push(e);
  }
  await lostInPeriod(src, rel, from, to, out, notes);
  // In the order their events take force: the last is the one in force at the period's end.
  if (src.index === undefined) out.sort((a, b) => a.from_us - b.from_us);
  else byLogOrder(out, await periodLogOrder(src.index, { from, to }));
  collapseUnchanged(out);
  // Snapshots of the file before the period, none of them usable: the period starts under the
  // built-in policy, not the file as it is now (whoever planted a snapshot can edit it first).
  if (out.length === 0 && start0 === null) {
    const d = defaultPolicy();
    out.push(policyFromText(d.text, { from: null, source: 'built-in', snapshot_id: null, path: 'built-in' }));
    // Null without a lost record's note: those before it all hold a policy that does not parse.
    const lost = notes.some((n) => n.endsWith(LOST_RECORD_NOTE));
    notes.push(
      lost ? `no snapshot of ${rel} before the period can be checked: ${BUILT_IN_START_NOTE}` : NONE_PARSES_NOTE,
    );
  }
  // No policy snapshot before the period: its first one was recorded at some point of it, and the
  // lines written before that were under no recorded policy. They are checked under the built-in
  // defaults, which nobody can edit: not under that snapshot (a snapshot taken at 23:59 would
  // re-judge the whole day), nor the file as it is now (which whoever snapshots can edit first).
  const first = out[0];
  if (first !== undefined && first.from !== null) {
    const d = defaultPolicy();
    out.unshift(policyFromText(d.text, { from: null, source: 'built-in', snapshot_id: null, path: 'built-in' }));
    notes.push(
      `no snapshot of ${rel} before snapshot ${first.snapshot_id}: any event logged before its ConfigSnapshot event was checked under the built-in policy`,
    );
  }
  // All built-in (a policy snapshot of the period lost, none in force before it): one, for the period.
  if (out.length > 1 && out.every((e) => e.source === 'built-in')) out.length = 1;
  return out;
}

/**
 * The built-in policy from the event of each policy snapshot of the period that the chain records
 * and the store cannot give (timeline-lost.ts; at42 F2), with a note: never the file or an older
 * record in its place (the caller puts each in its event's place).
 */
async function lostInPeriod(
  src: SnapshotSource,
  rel: string,
  from: string,
  to: string,
  out: PolicyInForce[],
  notes: string[],
): Promise<void> {
  if (src.index === undefined) return;
  const used = new Set(out.flatMap((e) => (e.snapshot_id === null ? [] : [e.snapshot_id])));
  const lost = await lostPolicySnapshots(src.index, src.snapshotDir, rel, { from, to }, src.reads, used);
  if (lost.length === 0) return;
  const d = defaultPolicy();
  for (const l of lost) {
    const at = timestampOfId(l.snapshot_id);
    out.push(policyFromText(d.text, { from: at, source: 'built-in', snapshot_id: l.snapshot_id, path: 'built-in' }));
    notes.push(`snapshot ${l.snapshot_id}: ${rel} was not used: ${l.why}; ${LOST_IN_PERIOD_NOTE}`);
  }
}

/**
 * Leaves only the first policy when the period's snapshots all hold the policy in force when it
 * starts (the usual day: the file unchanged, snapshotted for other files). Otherwise every snapshot
 * stays: which policy governs a line is the one whose event came last before it in the log, and a
 * snapshot's time (its writer's clock) is not its place in the log, so one that repeats an earlier
 * policy may be what puts it back in force (strict, lax at 10:00, strict again at 16:00 by a clock
 * that says 09:30: dropped as "unchanged since the day began", it left the lax policy in force for
 * the rest of the day; before rules 25).
 */
function collapseUnchanged(out: PolicyInForce[]): void {
  const start = out[0];
  if (start === undefined || start.from !== null) return;
  if (out.every((e) => e.sha256 === start.sha256)) out.length = 1;
}

/**
 * The policy in force when the period starts: with the log at hand, the snapshot the chain decides
 * (ConfigEventIndex.holderAt: its ConfigSnapshot events walked back in log order from the day
 * before's file, the first whose record, by id and record hash, holds the policy file); the store
 * is asked only for the records the chain names, and one lost on the way makes the policy unknown
 * (null, with a note), never an older one or the file (at27 F2, at28 F2). Without a log, the newest
 * stored snapshot holding it. A snapshot dated outside the period whose event is a line of the
 * period goes to `loggedWithin`. Undefined when no snapshot held it; null (noted by the caller)
 * when those that held it all hold a policy that does not parse: the policy before the first of
 * them is no snapshot's, and never the file as it is now, which anyone can edit first (at52 H3b).
 */
async function startPolicy(
  src: SnapshotSource,
  before: readonly string[],
  rel: string,
  notes: string[],
  period: { from: string; to: string },
  loggedWithin: PolicyInForce[],
): Promise<PolicyInForce | null | undefined> {
  const firstDay = dayNumberOfIsoDate(period.from) as number;
  const firstFile = logFileName(firstDay);
  if (src.index === undefined) {
    for (let i = before.length - 1; i >= 0; i--) {
      const e = await fromSnapshot(src, before[i] as string, rel, notes, firstFile);
      if (e !== undefined) return e.policy;
    }
    return before.some((id) => src.unparsed.has(id)) ? null : undefined;
  }
  // Any snapshot dated outside the period whose event the chain files among the period's files (a
  // late line of a writer whose clock was behind, at45 F3; an id of a clock ahead, at48 F2), as the
  // config of record takes it.
  const late = new Set<string>();
  for (const l of await offDaySnapshotsOfPeriod(src.index, src.snapshotDir, rel, period)) {
    late.add(l.snapshot_id);
    src.reads.set(l.snapshot_id, l.record_sha256);
    const e = await fromSnapshot(src, l.snapshot_id, rel, notes, firstFile, l.record);
    if (e !== undefined) loggedWithin.push(e.policy);
  }
  // The day before's others: one whose event is nowhere in the chain is noted as not used, unless
  // the chain's walk then makes it the start policy (its writer's clock ahead, its event filed on an
  // earlier day: at50 F3). Its notes are held until the start policy is known, then put in place.
  const dayBefore = logFileName(firstDay - 1).slice(6, 14);
  const at = notes.length;
  const held: { id: string; notes: string[] }[] = [];
  for (let i = before.length - 1; i >= 0; i--) {
    const id = before[i] as string;
    if (id.slice(0, 8) !== dayBefore) break;
    if (late.has(id)) continue;
    const n: string[] = [];
    const e = await fromSnapshot(src, id, rel, n, firstFile);
    held.push({ id, notes: n });
    if (e?.loggedWithin === true && e.unknown === undefined) loggedWithin.unshift(e.policy);
  }
  const start = await chainStart(src, src.index, rel, notes, firstDay, firstFile);
  const startId = start?.snapshot_id;
  notes.splice(at, 0, ...held.flatMap((h) => (h.id === startId ? [] : h.notes)));
  // A snapshot read more than once (the day before's, the chain's newest, its walk) is noted once.
  notes.push(...new Set(notes.splice(at)));
  return start;
}

/** startPolicy's chain walk (a log at hand): the start policy the chain's newest event or its walk names. */
async function chainStart(
  src: SnapshotSource,
  index: ConfigEventIndex,
  rel: string,
  notes: string[],
  firstDay: number,
  firstFile: string,
): Promise<PolicyInForce | null | undefined> {
  let skipped = false;
  const holds = async (c: { snapshot_id: string; record_sha256: string }) => {
    const rec = await recordAsLogged(src.snapshotDir, c.snapshot_id, c.record_sha256);
    if (typeof rec === 'string') return { lost: rec };
    const entry = Object.hasOwn(rec.files, rel) ? rec.files[rel] : undefined;
    if (entry === undefined || !entry.stored) return 'no' as const;
    const e = await fromSnapshot(src, c.snapshot_id, rel, notes, firstFile, rec);
    // Its record holds the file (vouched: no recording to check), so none is a policy that does not
    // parse: skipped, the one before it in the log stays in force, never the file (at52 H3b).
    skipped ||= e === undefined;
    return e === undefined ? ('skip' as const) : e.policy;
  };
  // The usual night: the chain's newest event (a PackExported event's config_of_record, read from the
  // exported day's file and the next) holds the policy, and no older file is read. Else the walk.
  const newest = await index.configOfRecord(firstDay - 1, false);
  if (newest.kind === 'event') {
    const v = await holds(newest.snapshot);
    if (typeof v === 'object' && !('lost' in v)) return v;
  }
  const got = await index.holderAt(firstDay - 1, rel, holds);
  if (got.kind === 'found') return got.value;
  if (got.kind === 'none') return skipped ? null : undefined;
  const id = got.snapshot?.snapshot_id;
  notes.push(
    id === undefined
      ? `${rel} was not taken from an older snapshot or the file: the chain's ConfigSnapshot events before the period cannot be told (${got.why}); ${LOST_RECORD_NOTE}`
      : `snapshot ${id}: ${rel} was not used: ${got.why}; ${LOST_RECORD_NOTE}`,
  );
  return null;
}

/**
 * Snapshot `id`'s stored record, read once (with the SHA-256 of those bytes, which the recording
 * check asks the chain about: at41 F1), or undefined (with a note) when it does not parse or cannot
 * be read and no ConfigSnapshot event records those bytes (at28 F3): the store is anyone's to write,
 * so such a file, named by no event, is no evidence and no candidate, like a record deleted from the
 * store; a garbage file dated long ago must not fail every export and check. One the chain records
 * with its bytes, or read with no log at hand (every record counts), keeps SNAPSHOT_CORRUPT.
 */
async function readRecordOrNote(
  src: SnapshotSource,
  id: string,
  rel: string,
  notes: string[],
): Promise<{ rec: ConfigSnapshot; sha: string } | undefined> {
  let sha: string | undefined;
  try {
    const bytes = await readRecordFile(src.snapshotDir, id);
    sha = sha256Hex(bytes);
    src.reads.set(id, sha);
    return { rec: parseRecord(bytes.toString('utf8'), id, recordPath(src.snapshotDir, id)), sha };
  } catch (err) {
    if (src.index === undefined || !(err instanceof AuditpackError) || err.code === 'SNAPSHOT_NOT_FOUND') throw err;
    if (sha === undefined) src.reads.set(id, null);
    const r: SnapshotRecording =
      sha === undefined
        ? { recorded: false, reason: 'its record cannot be read' }
        : await recordingOf(src.index, id, sha);
    if (r.recorded === true) throw err;
    const why = r.recorded === false ? r.reason : `its recording cannot be checked (${r.reason})`;
    notes.push(
      `snapshot ${id}: ${rel} was not used, its record in the snapshot store cannot be read or does not parse (${err.code}) and ${why}; ${UNRECORDED_NOTE}`,
    );
    return undefined;
  }
}

/**
 * The policy a snapshot recorded. One that does not parse is skipped with a note (the policy before
 * it stays in force): history cannot be fixed, and a broken policy that was snapshotted and then
 * corrected must not stop every later check and export of that day.
 */
async function fromSnapshot(
  src: SnapshotSource,
  id: string,
  rel: string,
  notes: string[],
  periodFile: string,
  vouched?: ConfigSnapshot,
): Promise<{ policy: PolicyInForce; loggedWithin: boolean; unknown?: string } | undefined> {
  const { snapshotDir } = src;
  // One read of the record: its recording is checked on the hash of the bytes whose entry and
  // object are used (a `vouched` record was read and hashed by recordAsLogged), never a second read
  // that a store writer could swap for a record naming another policy text (at41 F1).
  const read = vouched === undefined ? await readRecordOrNote(src, id, rel, notes) : { rec: vouched, sha: undefined };
  if (read === undefined) return undefined;
  const { rec } = read;
  const entry = Object.hasOwn(rec.files, rel) ? rec.files[rel] : undefined;
  if (entry === undefined || !entry.stored) return undefined;
  let loggedWithin = false;
  let unknown: string | undefined;
  if (src.index !== undefined && read.sha !== undefined) {
    const r = await recordingOf(src.index, id, read.sha);
    if (r.recorded === false) {
      notes.push(`snapshot ${id}: ${rel} was not used, ${r.reason}; ${UNRECORDED_NOTE}`);
      return undefined;
    }
    // Its day's log (and pack) gone: the caller decides (startPolicy), and says so.
    if (r.recorded === 'unknown') unknown = r.reason;
    // Its event is a line of the period's own log files (`audit-YYYYMMDD.jsonl`: names sort by day).
    else loggedWithin = r.file >= periodFile;
  }
  // Redacted again, as data/config_snapshot.json is: a text stored under older rules must not carry
  // a secret into the report (at41 F3). Parsed from what is recorded, so verify's re-run agrees;
  // `sha256` stays the record's hash of the file (docs/FORMAT.md, compliance_report.json).
  const stored = (await snapshotFileOf(rec, { snapshotDir, id, file: rel })).toString('utf8');
  const text = redactConfigText(stored, configFormatOf(rel), src.redactor).text;
  const from = timestampOfId(id);
  try {
    const policy = policyFromText(text, { from, source: 'snapshot', snapshot_id: id, path: rel, sha256: entry.hash });
    return { policy, loggedWithin, ...(unknown === undefined ? {} : { unknown }) };
  } catch (err) {
    if (!(err instanceof AuditpackError) || err.code !== 'CONFIG_INVALID') throw err;
    notes.push(`snapshot ${id}: ${rel} was not used, it does not parse (${err.message}); ${UNPARSED_NOTE}`);
    src.unparsed.set(id, { snapshot_id: id, path: rel, sha256: entry.hash, text });
    return undefined;
  }
}
