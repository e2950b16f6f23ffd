/**
 * Where a logs directory's chain starts (docs/FORMAT.md, "A log file, or the logs directory"). The
 * first line ever has seq 1 and prev = 64 zeros; when the oldest kept file starts later, the files
 * before it were removed. Retention records each log file it removes as a `system`/`LogPruned`
 * event in the live log, so a start no such event accounts for is a day file removed by hand.
 */
import type { ScannedLine } from '../chain/lines.js';
import { GENESIS_HASH } from '../chain/index.js';
import { isHashHex } from '../chain/hash.js';
import { seqOf } from '../format/event-line-bytes.js';
import { LOG_PRUNED_EVENT, WRITER_EVENT_CATEGORY } from '../format/writer-events.js';
import { EntryTable, LineShape, scanJsonLine } from '../json/line-scanner.js';
import type { LogFacts } from './log-facts.js';
import type { Findings } from './report.js';

const MARK = Buffer.from(JSON.stringify(LOG_PRUNED_EVENT), 'latin1');
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

type PrunedDay = { date: string; file: string; line: number; end: { last_seq: number; end_hash: string } | null };

/**
 * The LogPruned event that accounts for the directory's start: of those dated before the start's
 * day, the one of the greatest day (the last recorded wins: a prune killed after recording and
 * re-run records the same day again). Retention records them before it removes the files, so an
 * event may name a file that is still there: only events dated before the oldest kept file's day
 * account for its start (`newestBefore`). Only that one event is held, not one per day (a hostile
 * log of LogPruned events of every valid date would hold millions): the files are read in day order
 * and the start is the first with events, so the start's day is the day of the file being read
 * until `startsAt` fixes it (a file without events keeps no LogPruned: its fragments are dropped).
 */
export class LogPrunedTap {
  /** The kept event: the greatest day before `limit`, the last recorded of that day. */
  private best: PrunedDay | undefined;
  /** The start's day: the day of the file being read until `startsAt` fixes it. */
  private limit = '';
  private fixed = false;
  private file = '';
  /**
   * The last line's event, held until the next line shows it is not a recovered torn fragment
   * (a fragment is never an event, docs/FORMAT.md: the check learns it from the line after it).
   */
  private pending: PrunedDay | undefined;

  /** The file whose lines are pushed next, and its day (YYYY-MM-DD). */
  reading(file: string, day: string): void {
    this.settle(0);
    this.file = file;
    if (!this.fixed) this.limit = day;
  }

  /** The directory's chain starts in the file of `day` (the first with events): later files do not move it. */
  startsAt(day: string): void {
    this.settle(0);
    this.limit = day;
    this.fixed = true;
  }

  /** Events held: at most one, whatever the log holds. */
  get held(): number {
    return this.best === undefined ? 0 : 1;
  }

  /**
   * `category`: the line's category when the log check read it as an event (else not looked into);
   * `lastFragment`: the log check's line number of the last recovered fragment in this file.
   */
  push(l: ScannedLine, category: string | undefined, lastFragment = 0): void {
    this.settle(lastFragment);
    if (category !== WRITER_EVENT_CATEGORY) return;
    const b = l.bytes;
    if (b === undefined || b.indexOf(MARK) === -1) return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(b.toString('utf8')) as Record<string, unknown>;
    } catch {
      return;
    }
    if (o.event !== LOG_PRUNED_EVENT || typeof o.date !== 'string' || !DATE_RE.test(o.date)) return;
    // Where the removed file's chain ended, when the event records it (the fields come as a pair).
    const lastSeq = isHashHex(o.end_hash) ? writtenSeq(b, 'last_seq') : -1;
    const end = lastSeq >= 1 ? { last_seq: lastSeq, end_hash: o.end_hash as string } : null;
    this.pending = { date: o.date, file: this.file, line: l.lineNumber, end };
  }

  /** Keeps the held event unless its line turned out to be a recovered fragment. */
  private settle(lastFragment: number): void {
    const h = this.pending;
    this.pending = undefined;
    if (h === undefined || h.line === lastFragment || h.date >= this.limit) return;
    if (this.best === undefined || h.date >= this.best.date) this.best = h;
  }

  /** The event of the greatest removed day before `date` (the start's day, as given to `startsAt`), if any. */
  newestBefore(date: string): PrunedDay | undefined {
    this.settle(0);
    const b = this.best;
    return b !== undefined && b.date < date ? b : undefined;
  }
}

/**
 * A top-level integer field read by its spelling, as `seq` is (docs/FORMAT.md): digits only, no
 * leading zero, at most 2^53 - 1; -1 otherwise. `10.0` and `1e1` are 10 to JSON.parse but not
 * integers as written, and tools/auditpack_check.py (which reads the spelling) does not take them:
 * read by value here, the two checkers would judge a rewritten LogPruned differently.
 */
function writtenSeq(b: Buffer, key: string): number {
  const table = new EntryTable();
  if (scanJsonLine(b, b.length, table, 0) !== LineShape.Object) return -1;
  let v = -1;
  for (let i = 0; i < table.count; i++) {
    const name = JSON.parse(b.toString('utf8', table.keyStart[i] as number, table.keyEnd[i] as number)) as string;
    if (name === key) v = seqOf(b, table, i); // a duplicate key: the last, as JSON.parse reads it
  }
  return v;
}

/**
 * The finding for the directory's start: none at the genesis; an info when a LogPruned event
 * records a log file removed before the oldest file's day; an error otherwise (events were lost
 * with no record: the same loss a removed middle day is, LOG_FILE_LINK_BROKEN).
 */
export function judgeLogStart(
  first: { facts: LogFacts; file: string; date: string } | undefined,
  tap: LogPrunedTap,
  findings: Findings,
): void {
  if (first === undefined) return;
  const { firstSeq, startPrev } = first.facts;
  if (firstSeq === null || startPrev === null || startPrev === GENESIS_HASH || firstSeq === 1) return;
  const pruned = tap.newestBefore(first.date);
  const from = `the chain starts at seq ${firstSeq}, whose prev ${startPrev.slice(0, 16)}… is the hash of a line before the oldest file`;
  if (pruned?.end != null) {
    const { last_seq, end_hash } = pruned.end;
    if (startPrev !== end_hash || firstSeq !== last_seq + 1) {
      findings.add(
        'LOG_FILE_REMOVAL_UNRECORDED',
        'error',
        first.file,
        `${from}, but the newest LogPruned (${pruned.date}, ${pruned.file} line ${pruned.line}) records a removed file that ended at seq ${last_seq} with hash ${end_hash.slice(0, 16)}…, and the oldest file does not start right after it: lines between are gone without a record (a day file removed by hand after the prune)`,
        1,
      );
      return;
    }
  }
  if (pruned !== undefined) {
    findings.add(
      'LOG_CHAIN_START',
      'info',
      first.file,
      `${from}; the files before it were removed by retention (LogPruned of ${pruned.date}, ${pruned.file} line ${pruned.line}): their packs hold those lines`,
      1,
    );
    return;
  }
  findings.add(
    'LOG_FILE_REMOVAL_UNRECORDED',
    'error',
    first.file,
    `${from}, and no LogPruned event in these logs records a log file removed before ${first.date}: seq 1..${firstSeq - 1} are gone without a record (a day file removed by hand)`,
    1,
  );
}
