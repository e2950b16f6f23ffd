/**
 * Which review events verify holds the records to, when some were not kept: the live files' events
 * past their budget (liveReviewEvents), and the packs' logs' events past their room (one pack's, or
 * an archive's packs together). What was not kept is said, and a record line without its event,
 * written from the day before the first log that lost events on (a line is written after its event;
 * the day covers a clock behind), awaits evidence: its event may be among those not kept.
 */
import { type EvidenceScope, liveReviewEvents, MAX_PACK_REVIEW_EVENTS, type ReviewEvent } from '../review/index.js';
import { dayNumberOfIsoDate, dayOfLogFileName, isoDate } from '../rotation/index.js';
import type { Findings } from './report.js';

/** From when, and why, record lines without an event await evidence instead of being errors. */
export interface Cut {
  readonly after: string;
  readonly why: string;
}

/** The live files' review events, and the cut their budget made, if any. */
export interface LiveEvidence {
  readonly events: readonly ReviewEvent[];
  readonly cut: Cut | undefined;
}

const count = (x: number): string => x.toLocaleString('en-US');
const NOT_KEPT =
  '(a record line whose event may be among them awaits evidence; an action a record lacks may be missed)';

/** The review events of the live files dated `from` or later; past their budget, said (REVIEW_LIVE_LOG_UNCHECKED). */
export async function readLive(logDir: string, from: string | undefined, f: Findings): Promise<LiveEvidence> {
  const live = await liveReviewEvents(logDir, from);
  const u = live.unchecked;
  if (u === undefined) return { events: live.events, cut: undefined };
  f.add(
    'REVIEW_LIVE_LOG_UNCHECKED',
    'warning',
    u.from,
    `the live log holds more review events than the ${count(u.budget)} verify keeps for all the live files together (an honest log has a few a day): ${count(u.events)} more, from this file on, were not held to the review records ${NOT_KEPT}. \`auditpack verify\` the logs directory checks every line`,
  );
  const day = dayOfLogFileName(u.from) ?? 0;
  return {
    events: live.events,
    cut: {
      after: isoDate(day - 1),
      why: `the live log holds more review events than verify keeps, from ${u.from} on (REVIEW_LIVE_LOG_UNCHECKED): its event may be among those not checked`,
    },
  };
}

/** A pack's log held more review events than the room left: said, in the pack's report. */
export function checkReviewEventsKept(tap: { readonly dropped: number }, file: string, f: Findings): void {
  if (tap.dropped === 0) return;
  f.add(
    'REVIEW_PACK_LOG_UNCHECKED',
    'warning',
    file,
    `the log holds more review events than verify keeps (${count(MAX_PACK_REVIEW_EVENTS)} for a pack, or for all the packs of an artifacts directory together): ${count(tap.dropped)} were not held to the review records ${NOT_KEPT}`,
  );
}

/** The cut of the packs whose logs lost review events: from the earliest of their days. */
export function packsCut(
  packs: readonly { readonly name: string; readonly date: string; readonly reviewEventsDropped?: number | undefined }[],
): Cut | undefined {
  const lost = packs.filter((p) => (p.reviewEventsDropped ?? 0) > 0);
  const first = lost.reduce<(typeof lost)[number] | undefined>(
    (a, p) => (a === undefined || p.date < a.date ? p : a),
    undefined,
  );
  if (first === undefined) return undefined;
  return {
    after: isoDate((dayNumberOfIsoDate(first.date) ?? 0) - 1),
    why: `the packs' logs hold more review events than verify keeps, from ${first.name} on (REVIEW_PACK_LOG_UNCHECKED): its event may be among those not checked`,
  };
}

/**
 * The evidence scope of checkReviews: with the live files read, what their cut and the packs' say;
 * without (`unread`: the instant after which the live log holds the events), also that.
 */
export function scopeOf(
  live: LiveEvidence | undefined,
  packs: Cut | undefined,
  unread: string | undefined,
): Pick<EvidenceScope, 'awaitingAfter' | 'awaitingWhy'> {
  const cuts = [live?.cut, packs].filter((c): c is Cut => c !== undefined);
  const after = [...cuts.map((c) => c.after), ...(live === undefined && unread !== undefined ? [unread] : [])];
  if (after.length === 0) return { awaitingAfter: undefined };
  const why = cuts.map((c) => c.why);
  if (live === undefined && unread !== undefined && why.length > 0) why.push('or it is in the live log, not read');
  return {
    awaitingAfter: after.reduce((a, b) => (b < a ? b : a)),
    ...(why.length === 0 ? {} : { awaitingWhy: why.join('; ') }),
  };
}
