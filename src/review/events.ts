/**
 * The review record against the audit chain: every record line is also a `review` event in the
 * chain, naming the line's seq and SHA-256. A record edited, cut or forged after the fact no longer
 * agrees with events that cannot be changed without rewriting the chained log.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type ScannedLine, scanLines } from '../chain/lines.js';
import { categoryText } from '../format/log-line.js';
import { FragmentWatch } from '../format/recovered-line.js';
import { DISPOSITION_EVENT, REVIEW_CATEGORY, TRANSITIONS } from '../format/review.js';
import { REVIEW_WRITER_EVENTS } from '../format/writer-events.js';
import { dayOfLogFileName, isoDate } from '../rotation/index.js';
import type { ReviewProblem } from './problems.js';
import type { ReviewRecord } from './record.js';

/** A `review` event of the chain. */
export interface ReviewEvent {
  readonly event: string;
  readonly date: string;
  readonly manifestSha256: string;
  readonly recordSeq: number;
  readonly recordSha256: string;
  readonly actor: string | undefined;
  /** Which log, and the event's own seq. */
  readonly where: string;
  readonly seq: number;
}

const MARK = Buffer.from(categoryText(REVIEW_CATEGORY), 'latin1');
/**
 * Review events kept of the packs' logs, at most: of one pack, or of all the packs of an archive
 * together (verifyArchive shares one EventRoom among them; a bound per pack would bound nothing).
 * What is kept is held in memory, held against the records (an event a record lacks is a finding
 * each) and listed in `--json` (`review_events`): about 1 KB of memory an event, all told. An
 * honest pack has a few events, or one a disposition (an import of 100,000 findings' dispositions
 * fills it); past it the events are counted and said (REVIEW_PACK_LOG_UNCHECKED).
 */
export const MAX_PACK_REVIEW_EVENTS = 100_000;
/**
 * Review events kept from all the live files together, at most (an honest log has a few a day):
 * every file from the newest pack's day on is read, future days included, so a bound per file
 * would bound nothing.
 */
export const MAX_LIVE_REVIEW_EVENTS = 100_000;

/** How many more events the taps sharing it may keep. */
export interface EventRoom {
  left: number;
}

/**
 * An event tap's room, and where its last event went (a list, or counted as dropped), so that a
 * recovery on the next line can take that event back (its room too).
 */
export class KeptLast<T> {
  private last: T[] | 'dropped' | undefined;
  constructor(
    private readonly room: EventRoom,
    private readonly counts: { dropped: number },
  ) {}

  /** Keeps `e` in `list` while the room has any, else counts it dropped. */
  add(list: T[], e: T): void {
    if (this.room.left <= 0) {
      this.counts.dropped++;
      this.last = 'dropped';
    } else {
      this.room.left--;
      list.push(e);
      this.last = list;
    }
  }

  /** Takes back the event last added (a recovery on the next line: it was never one). */
  takeBack(): void {
    const last = this.last;
    this.last = undefined;
    if (last === undefined) return;
    if (last === 'dropped') this.counts.dropped--;
    else {
      last.pop();
      this.room.left++;
    }
  }
}

/**
 * Collects the review events of the lines pushed to it (a byte search first: other lines cost one
 * scan) into `events`, while `room` has any: the events past that are counted (`dropped`), not
 * kept. Taps of several files may share `events` and `room`.
 */
export class ReviewEventTap {
  dropped = 0;
  /**
   * Recovery first (docs/FORMAT.md "Torn lines and recovery"): an event taken from a line that the
   * next line recovers is taken back. Set `watch.file` to the log's recovery file name first.
   */
  readonly watch = new FragmentWatch();
  private readonly kept: KeptLast<ReviewEvent>;
  constructor(
    private readonly where: string,
    readonly events: ReviewEvent[] = [],
    room: EventRoom = { left: MAX_PACK_REVIEW_EVENTS },
  ) {
    this.kept = new KeptLast(room, this);
  }

  /**
   * `category`: the line's category when the log check read it as an event (no repeated key, so
   * JSON.parse reads the same): a line of another category is not looked into.
   */
  push(l: ScannedLine, category?: string): void {
    if (this.watch.recovers(l)) this.kept.takeBack();
    if (category !== undefined && category !== REVIEW_CATEGORY) return;
    const b = l.bytes;
    if (b === undefined || !l.terminated || b.indexOf(MARK) === -1) return;
    let o: Record<string, unknown> | null;
    try {
      o = JSON.parse(b.toString('utf8')) as Record<string, unknown> | null;
    } catch {
      return; // not an event: the log check reports the line
    }
    if (o === null || typeof o !== 'object' || o.category !== REVIEW_CATEGORY) return;
    if (typeof o.event !== 'string' || typeof o.date !== 'string' || typeof o.manifest_sha256 !== 'string') return;
    // Only the workflow's own events: a caller's of a reserved name is written as Caller<Name>
    // (docs/FORMAT.md "Events reserved for the writer") and holds no record to anything.
    if (!REVIEW_WRITER_EVENTS.has(o.event)) return;
    if (typeof o.record_seq !== 'number' || typeof o.record_sha256 !== 'string' || typeof o.seq !== 'number') return;
    this.watch.hold(l);
    this.kept.add(this.events, {
      event: o.event,
      date: o.date,
      manifestSha256: o.manifest_sha256,
      recordSeq: o.record_seq,
      recordSha256: o.record_sha256,
      actor: typeof o.actor === 'string' ? o.actor : undefined,
      where: this.where,
      seq: o.seq,
    });
  }
}

/** The chained event name of a record line. */
export function eventNameOf(line: ReviewRecord['lines'][number]): string {
  return line.kind === 'disposition' ? DISPOSITION_EVENT : TRANSITIONS[line.action].event;
}

/** How to judge a record line that has no event. */
export interface EvidenceScope {
  /**
   * Lines written after this ISO instant may have their events only in the live log, which was not
   * read: they are awaiting evidence (a warning). Undefined: every line must have its event.
   */
  readonly awaitingAfter: string | undefined;
  /** Why their events were not read, when not because the live log was not given. */
  readonly awaitingWhy?: string | undefined;
}

/**
 * Holds a record against the review events chained for its pack version. Every record line needs
 * its event (same seq, same line hash, same event and actor); every event needs its line. An event
 * whose seq a later event of another line took is an action whose record write failed after its
 * event (the writer chains first, then appends): a warning.
 */
export function compareWithEvents(
  record: ReviewRecord,
  events: readonly ReviewEvent[],
  scope: EvidenceScope,
): ReviewProblem[] {
  const mine = events.filter((e) => e.date === record.packDate && e.manifestSha256 === record.manifestSha256);
  const out: ReviewProblem[] = [];
  const matched = new Set<ReviewEvent>();
  const awaiting: number[] = [];
  record.lines.forEach((l, i) => {
    const h = record.lineHashes[i];
    const e = mine.find((x) => x.recordSeq === l.seq && x.recordSha256 === h);
    if (e !== undefined && e.event === eventNameOf(l) && e.actor === l.actor) {
      matched.add(e);
      return;
    }
    if (e === undefined && scope.awaitingAfter !== undefined && l.at > scope.awaitingAfter) {
      awaiting.push(l.seq);
      return;
    }
    const what =
      e === undefined
        ? 'has no review event in the chain with its seq and SHA-256: written without the workflow (forged), or edited'
        : `its chained event (${e.where} seq ${e.seq}) is a ${e.event} by ${e.actor ?? 'nobody'}, not a ${eventNameOf(l)} by ${l.actor}`;
    out.push(problem('REVIEW_EVENT_MISMATCH', 'error', record.file, l.seq, `record line ${l.seq} ${what}`));
  });
  // One warning per record file, not one per line: a long review's newest lines all await the
  // same export, and a line each buried the report's other findings.
  if (awaiting.length > 0)
    out.push(problem('REVIEW_AWAITING_EVIDENCE', 'warning', record.file, awaiting[0], awaitingDetail(awaiting, scope)));
  for (const e of mine) {
    if (matched.has(e)) continue;
    if (record.lines.some((l, i) => l.seq === e.recordSeq && record.lineHashes[i] === e.recordSha256)) continue;
    // A retry is the same action by the same person taking the seq of a write that failed. Another
    // action in that place (a rejection followed, in the record, by an approval) is what deleting a
    // record and running the workflow again leaves: the record was rewritten.
    const retried = [...matched].some((m) => m.recordSeq === e.recordSeq && m.event === e.event && m.actor === e.actor);
    out.push(
      problem(
        'REVIEW_EVENT_MISMATCH',
        retried ? 'warning' : 'error',
        record.file,
        undefined,
        retried
          ? `${e.where} seq ${e.seq}: a ${e.event} whose record line was never written (the action was run again)`
          : `${e.where} seq ${e.seq}: the chain holds a ${e.event} (record line ${e.recordSeq}) that the record lacks: the record was cut or edited`,
      ),
    );
  }
  return out;
}

/** The awaiting lines, as "record line 7" or "record lines 7-12 (6 lines)" (seq order, as the record holds them). */
function awaitingDetail(seqs: readonly number[], scope: EvidenceScope): string {
  const first = seqs[0] as number;
  const last = seqs[seqs.length - 1] as number;
  const one = seqs.length === 1;
  const which = one ? `record line ${first}` : `record lines ${first}-${last} (${seqs.length} lines)`;
  if (scope.awaitingWhy !== undefined)
    return `${which} ${one ? 'has' : 'have'} no review event among those read: ${scope.awaitingWhy}`;
  return `${which} ${one ? 'is' : 'are'} newer than the newest pack: ${one ? 'its event is' : 'their events are'} in the live log until the next export (give --log-dir to check it now)`;
}

function problem(
  code: ReviewProblem['code'],
  severity: ReviewProblem['severity'],
  file: string,
  line: number | undefined,
  detail: string,
): ReviewProblem {
  return line === undefined ? { code, severity, file, detail } : { code, severity, file, line, detail };
}

/** The review events of the live log files, and those read past the budget: counted, not kept. */
export interface LiveReviewEvents {
  readonly events: readonly ReviewEvent[];
  /** How many were not kept, from which file on (the first of them), out of which budget. */
  readonly unchecked?: { readonly events: number; readonly from: string; readonly budget: number };
}

/**
 * The review events of the live log files dated `from` or later (the actions after the newest pack
 * was made are there until the next export), within one `budget` for all the files: whatever they
 * hold, what is kept is bounded, and what is not is counted. Unreadable files are skipped:
 * `verify logs` checks them.
 */
export async function liveReviewEvents(
  logDir: string,
  from: string | undefined,
  budget = MAX_LIVE_REVIEW_EVENTS,
): Promise<LiveReviewEvents> {
  let names: string[];
  try {
    names = await readdir(logDir);
  } catch {
    return { events: [] };
  }
  const events: ReviewEvent[] = [];
  const room = { left: budget };
  let unchecked: LiveReviewEvents['unchecked'];
  for (const name of names.sort()) {
    const day = dayOfLogFileName(name);
    if (day === undefined || (from !== undefined && isoDate(day) < from)) continue;
    const tap = new ReviewEventTap(name, events, room);
    tap.watch.file = name;
    await scanLines(join(logDir, name), (l) => tap.push(l), { noFollow: true }).catch(() => undefined);
    if (tap.dropped > 0)
      unchecked = { events: (unchecked?.events ?? 0) + tap.dropped, from: unchecked?.from ?? name, budget };
  }
  return unchecked === undefined ? { events } : { events, unchecked };
}
