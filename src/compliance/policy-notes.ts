/**
 * The report's policy notes that say a snapshot's policy was not used, in their documented shapes
 * (docs/FORMAT.md, compliance_report.json `policy_notes`): the timeline writes them, verify and the
 * Python checker read them. A note unbinds a snapshot from the policy in force only in one of these
 * shapes, naming it first (`snapshot <id>: configs/compliance_policy.yaml was not used…`), never
 * because the id appears somewhere in its text (at43 F4).
 */
import { DEFAULT_POLICY_PATH } from './policy.js';

/** Ends the note of a period whose starting policy's record the store lost (deleted or changed). */
export const LOST_RECORD_NOTE =
  'an older snapshot is never taken in its place: the period starts under the built-in policy (put the record back from a recorded pack naming it, or take a fresh snapshot)';

/** Ends the note of a policy snapshot of the period whose record the store lost (deleted or changed). */
export const LOST_IN_PERIOD_NOTE =
  'the file on disk or an older snapshot is never taken in its place: the built-in policy is in force from its event on (put the record back from a recorded pack naming it, or take a fresh snapshot)';

/** Marks the note of an unchecked snapshot with no recorded one before it. */
export const UNCHECKABLE_NOTE =
  "a snapshot whose recording cannot be checked does not set the policy (a pack copy of its day's log that a LogPruned event vouches for, in the artifacts directory, lets it be checked)";

/** Ends the note of a period that starts under the built-in policy because no snapshot before it can be checked. */
export const BUILT_IN_START_NOTE = 'the period starts under the built-in policy';

/**
 * The note of a period whose snapshots before it all hold a policy that does not parse (each noted
 * with UNPARSED_NOTE): the policy before the first of them is no snapshot's (at52 H3b).
 */
export const NONE_PARSES_NOTE = `no snapshot of ${DEFAULT_POLICY_PATH} before the period holds a policy that parses: ${BUILT_IN_START_NOTE}`;

/** Marks an unrecorded snapshot's note (the report's policy_notes; the page shows them). */
export const UNRECORDED_NOTE = 'a snapshot the audit log does not record cannot set the policy';

/** Ends the note of a snapshot whose policy does not parse. */
export const UNPARSED_NOTE = 'the policy before it stayed in force';

/**
 * The endings of a note saying snapshot S's policy was not used because S's record, or its
 * recording, is missing: the record lost by the store (at the period's start or during it), its
 * bytes recorded by no ConfigSnapshot event, or its recording not to be checked. Each contradicts a
 * pack that holds S's record with the record_sha256 its own log's ConfigSnapshot event of S gives.
 */
const RECORD_MISSING_ENDINGS = [LOST_RECORD_NOTE, LOST_IN_PERIOD_NOTE, UNRECORDED_NOTE, UNCHECKABLE_NOTE] as const;

/** The head of a note naming a snapshot: the id is a run of characters other than space and `:`. */
const NOTE_HEAD = /^snapshot ([^ :]+): /;

function namesAsNotUsed(note: string, id: string): boolean {
  return note.startsWith(`snapshot ${id}: ${DEFAULT_POLICY_PATH} was not used`);
}

/**
 * A snapshotted policy skipped because it does not parse, as the report records it beside its note
 * (`unparsed_policies`): its text (redacted as a recorded policy's is) and the file's hash as the
 * snapshot recorded it, so that verify can hold the note to the pack's own record of that snapshot
 * (a note alone would let a forger drop a policy that parses: at51 F1).
 */
export interface UnparsedPolicy {
  readonly snapshot_id: string;
  readonly path: string;
  readonly sha256: string;
  readonly text: string;
}

/** Whether `note` says snapshot `id`'s policy was not used because it does not parse. */
export function saysUnparsed(note: string, id: string): boolean {
  return namesAsNotUsed(note, id) && note.endsWith(UNPARSED_NOTE);
}

/** The snapshot a "does not parse" note names, or undefined for any other note. */
export function unparsedNoteId(note: string): string | undefined {
  const id = NOTE_HEAD.exec(note)?.[1];
  return id !== undefined && saysUnparsed(note, id) ? id : undefined;
}

/** Whether `note` says snapshot `id`'s policy was not used (any documented reason): it unbinds `id`. */
export function saysNotUsed(note: string, id: string): boolean {
  return saysRecordMissing(note, id) || saysUnparsed(note, id);
}

/**
 * Whether `note` says snapshot `id`'s policy was not used because its record or its recording is
 * missing (RECORD_MISSING_ENDINGS), which a pack holding that record as logged contradicts.
 */
export function saysRecordMissing(note: string, id: string): boolean {
  return namesAsNotUsed(note, id) && RECORD_MISSING_ENDINGS.some((end) => note.endsWith(end));
}

/** What each record-missing ending says happened to the snapshot (verify's COMPLIANCE_POLICY_UNKNOWN, at45 F2). */
const RECORD_MISSING_SAYS: readonly (readonly [string, string])[] = [
  [LOST_RECORD_NOTE, 'the snapshot store lost its record: the period starts under the built-in policy'],
  [LOST_IN_PERIOD_NOTE, 'the snapshot store lost its record: the built-in policy is in force from its event on'],
  [UNRECORDED_NOTE, 'the audit log does not record it: it set no policy'],
  [UNCHECKABLE_NOTE, 'its recording cannot be checked: it set no policy'],
];

/**
 * The snapshot a record-missing note names and what the note says happened to it, or undefined for
 * any other note: verify warns COMPLIANCE_POLICY_UNKNOWN for each (docs/FORMAT.md, policy_notes).
 */
export function recordMissingNote(note: string): { readonly id: string; readonly says: string } | undefined {
  const id = NOTE_HEAD.exec(note)?.[1];
  if (id === undefined || !saysRecordMissing(note, id)) return undefined;
  const says = RECORD_MISSING_SAYS.find(([end]) => note.endsWith(end))?.[1] as string;
  return { id, says };
}
