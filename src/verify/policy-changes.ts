/**
 * A report that keeps the policy in force at its period's start for the whole period (one entry,
 * `from: null`), held to the ConfigSnapshot events of the pack's own log. Export writes that shape
 * when every policy snapshot of the period repeats the start policy (collapseUnchanged in
 * src/compliance/timeline.ts), and the pack cannot compare hashes when a narrow snapshot came last
 * (it holds no record of the policy's holder). A forger of an unsigned pack cut a report down to
 * the day before's lax policy alone, dropping the strict one the day's snapshot put in force, and
 * every checker passed it (at53). The log's events say more than their ids: `changed_files` is
 * counted from the whole config in force before the snapshot, `paths` names the files it recorded.
 *
 * The walk, in log order, with the policy "as at the start" until something else may have set it:
 * an event listing the policy file in `changed_files` whose `paths` hold the file, and of which no
 * policy note says it was not used, put a policy in force that differs from the one before it. From
 * "as at the start", that is a policy other than the start's, which export lists: the single entry
 * is then a contradiction. The policy is no longer "as at the start" (and a later change may be a
 * change back, which export collapses honestly) after an event that removed the file, one a note
 * says was not used (its text did not parse, its record lost), one without the lists (too long to
 * log, or of an earlier version), and from the start when a note says a snapshot outside the log
 * was not used (the day before's newest snapshot did not parse: the day's first change is counted
 * from it, not from the start policy), unless a repeat before any change shows the version in force
 * at the start parses (fx57a: a forged such note switched the walk off). A change from "no longer as
 * at the start" brings it back. The start policy of a report with several policies is held to those
 * repeats too (startPolicyNotRepeated).
 */
import { DEFAULT_POLICY_PATH } from '../compliance/index.js';
import { recordMissingNote, saysNotUsed, unparsedNoteId } from '../compliance/policy-notes.js';
import { type ConfigInForce, configSnapshotOf, parsePaths, SNAPSHOT_FULL_FIELD } from '../format/config-in-force.js';
import { PACK_PATH } from '../format/pack.js';
import { linesContaining, parseObjectLine } from '../fsx/lines-containing.js';
import { recoveredIn } from '../format/recovered-line.js';
import { CONFIG_MARK } from '../snapshot/config-event-lines.js';
import { isSnapshotId, KEYED_HASH_PREFIX } from '../snapshot/store.js';
import { recoveryFileFor } from './anchor-lines.js';
import { censoredCopiesAgree } from './censored-lines.js';
import type { RecordedPolicy } from './provenance.js';
import { join } from 'node:path';

/** What a ConfigSnapshot event of the pack's log says of the policy file. */
export interface PolicyEvent {
  readonly snapshot_id: string;
  /** Whether `changed_files` lists the file; undefined when the event carries no list. */
  readonly changed: boolean | undefined;
  /** Whether `paths` lists the file (the snapshot recorded it); undefined when the event carries no list. */
  readonly recorded: boolean | undefined;
  /** The event's `full` (a snapshot of every config file); events of earlier versions lack it (read as full). */
  readonly full: boolean;
  readonly record_sha256: string;
}

/**
 * The ConfigSnapshot events of the pack's log, in log order: lines the snapshot itself wrote (not
 * `recovered`), never a torn write the next line recovers (docs/FORMAT.md "Torn lines and recovery",
 * rule 4). `date`: the pack's day (the recovery's file name), when known.
 */
export async function policyEventsOf(dir: string, date: string | undefined): Promise<PolicyEvent[]> {
  const recovers = recoveredIn(recoveryFileFor(date));
  const lines =
    (await linesContaining(join(dir, PACK_PATH.log), CONFIG_MARK, { recovers, terminatedOnly: true }).catch(
      () => undefined,
    )) ?? [];
  const out: PolicyEvent[] = [];
  for (const line of lines) {
    const ev = parseObjectLine(line);
    const c = configSnapshotOf(ev);
    if (ev === undefined || c === undefined) continue;
    const changed = parsePaths(ev.changed_files);
    const paths = parsePaths(ev.paths);
    out.push({
      snapshot_id: c.snapshot_id,
      changed: changed?.includes(DEFAULT_POLICY_PATH),
      recorded: paths?.includes(DEFAULT_POLICY_PATH),
      full: ev[SNAPSHOT_FULL_FIELD] !== false,
      record_sha256: c.record_sha256,
    });
  }
  return out;
}

/** The snapshot a note says was not used (any documented reason), or undefined. */
function notUsedId(note: string): string | undefined {
  return unparsedNoteId(note) ?? recordMissingNote(note)?.id;
}

/** Whether the report's first policy is a snapshot's in force at the period's start (`from: null`). */
export function startsFromSnapshot(policies: readonly RecordedPolicy[]): boolean {
  const first = policies[0];
  return first !== undefined && first.source === 'snapshot' && first.from === null;
}

/** Whether the report keeps one policy, a snapshot's in force at the period's start (`from: null`), for the whole period. */
export function keepsStartPolicy(policies: readonly RecordedPolicy[]): boolean {
  return policies.length === 1 && startsFromSnapshot(policies);
}

/**
 * Why a report keeping its start policy alone (`from: null`, a snapshot's) contradicts the pack's
 * log (see the file's comment), or undefined.
 */
export function startPolicyOutlived(
  policies: readonly RecordedPolicy[],
  notes: readonly string[],
  events: readonly PolicyEvent[],
): string | undefined {
  const only = policies[0];
  if (only === undefined || !keepsStartPolicy(policies)) return undefined;
  const unused = new Set(notes.flatMap((n) => notUsedId(n) ?? []));
  const logged = new Set(events.map((e) => e.snapshot_id));
  let asAtStart = ![...unused].some((id) => !logged.has(id));
  let unchangedSoFar = true;
  for (const e of events) {
    if (e.changed === false) {
      // A repeat before any change, its policy used: the version in force at the start parses and
      // is the start policy, whatever a note says of a snapshot outside the log (fx57a).
      if (unchangedSoFar && repeatsStart(e, unused)) asAtStart = true;
      continue;
    }
    unchangedSoFar = false;
    const putInForce = e.changed === true && e.recorded === true && !unused.has(e.snapshot_id);
    if (putInForce && asAtStart)
      return `the ConfigSnapshot event of snapshot ${e.snapshot_id} in ${PACK_PATH.log} lists ${DEFAULT_POLICY_PATH} in its changed_files and records the file (paths), and no policy note says its policy was not used: it put a policy other than the one in force before it in force, yet the report keeps snapshot ${JSON.stringify(only.snapshot_id).slice(0, 80)}'s, in force at the period's start, for the whole period (export lists that policy alone only when every snapshot of the period repeats it)`;
    asAtStart = putInForce;
  }
  return undefined;
}

/**
 * Whether a recorded file hash is keyed (a file with redacted values). A record of an earlier version
 * holds such a file's plain hash, and a snapshot compares it with the plain hash of the file too
 * (compareEntries), so an unchanged file can carry both shapes: only hashes of one shape compare; of
 * two shapes, the texts are held to each other (censoredCopiesAgree, fx58a).
 */
const keyed = (hash: string): boolean => String(hash).startsWith(KEYED_HASH_PREFIX);

/** An entry's text; '' when it holds none (a report is hostile input). */
const textOf = (p: RecordedPolicy): string => (typeof p.text === 'string' ? p.text : '');

/** Whether `e` records the policy file without listing it as changed, and no note says its policy was not used. */
function repeatsStart(e: PolicyEvent, unused: ReadonlySet<string>): boolean {
  return e.changed === false && e.recorded === true && !unused.has(e.snapshot_id);
}

/**
 * Why the start policy of a report with several policies (the first a snapshot's, `from: null`)
 * contradicts the pack's log (fx57a), or undefined. Every ConfigSnapshot event before the log's
 * first that may have changed the policy file (one listing it in `changed_files`, or without the
 * lists) left the version in force at the start as it was; one of them that records the file, of
 * which no note says its policy was not used, put that same version in force again: the report's
 * entry of its snapshot has the start policy's sha256 (the record's hash of the file, which
 * `changed_files` is counted by); beside a keyed hash a plain one (a record of an earlier version)
 * is not compared, the two texts are: they agree line by line but where redaction replaced a span (fx58a). A forger who swaps the start entry for an earlier, laxer snapshot
 * and keeps the day's entries meets it; one whose day changes the policy file before any repeat
 * does not (the pack holds the record of neither side of that change).
 */
export function startPolicyNotRepeated(
  policies: readonly RecordedPolicy[],
  notes: readonly string[],
  events: readonly PolicyEvent[],
): string | undefined {
  const start = policies[0];
  if (policies.length < 2 || start === undefined || !startsFromSnapshot(policies)) return undefined;
  const unused = new Set(notes.flatMap((n) => notUsedId(n) ?? []));
  for (const e of events) {
    if (e.changed !== false) return undefined;
    if (!repeatsStart(e, unused)) continue;
    const entry = policies.slice(1).find((p) => p.source === 'snapshot' && p.snapshot_id === e.snapshot_id);
    if (entry === undefined || entry.sha256 === start.sha256) continue;
    const sameShape = keyed(entry.sha256) === keyed(start.sha256);
    // Hashes of two shapes: the texts, copies of one file redacted under two rule sets (fx58a).
    if (sameShape || !censoredCopiesAgree(textOf(start), textOf(entry)))
      return `the ConfigSnapshot event of snapshot ${e.snapshot_id} in ${PACK_PATH.log} records ${DEFAULT_POLICY_PATH} without listing it in its changed_files, and no event before it changed the file: it put the policy in force at the period's start in force again, yet the report's entry of that snapshot has sha256 ${String(entry.sha256).slice(0, 80)} and its start policy (snapshot ${JSON.stringify(start.snapshot_id).slice(0, 80)}, from null) sha256 ${String(start.sha256).slice(0, 80)}${sameShape ? '' : ', and their texts differ outside the spans redaction replaced'}`;
  }
  return undefined;
}

/**
 * The snapshot holding the policy file at the end of the pack's log by its own events, when one of
 * them says (fx54a's open case, at53): the newest event whose `paths` lists the file, walking back
 * over narrow snapshots (`full` false) that leave it out; undefined when a full one left it out (the
 * file removed), an event carries no `paths`, none is found (an earlier day's holder), it is
 * data/config_snapshot.json's own (`ownId`, whose record the checks hold), its id is not of the
 * snapshot shape, or a policy note says its policy was not used (export reads and names it then as
 * data/config_in_force.json does). A chained line, where data/config_in_force.json is the forger's
 * to edit (its entry set to null, or to an id the log does not hold): the log's holder comes first.
 */
export function logPolicyHolderOf(
  events: readonly PolicyEvent[],
  notes: readonly string[],
  ownId: string | undefined,
): ConfigInForce | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as PolicyEvent;
    if (e.recorded === false && !e.full) continue;
    if (e.recorded !== true || e.snapshot_id === ownId || !isSnapshotId(e.snapshot_id)) return undefined;
    if (notes.some((n) => saysNotUsed(n, e.snapshot_id))) return undefined;
    return { snapshot_id: e.snapshot_id, record_sha256: e.record_sha256 };
  }
  return undefined;
}
