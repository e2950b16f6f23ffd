/**
 * The check of one log file, fed line by line (docs/FORMAT.md "The chain", "Torn lines and
 * recovery", "Midnight and late events").
 *
 * It is push-based so the same checker serves a file on disk (via scanLines), a pack's
 * `data/audit.jsonl`, and an entry streamed out of a `.tar.gz`. Memory is bounded: a few recent
 * line hashes, one pending damaged line, a capped map of per-process clocks. Following the chain
 * through breaks is ChainFollower's (log-chain.ts); the clocks are ProcessClocks' (log-clock.ts).
 */
import type { ScannedLine } from '../chain/lines.js';
import { recoveryProblem } from '../format/event-line.js';
import { DISCONTINUITY, isDatedWhenWritten, RECOVERY } from '../format/log-line.js';
import { startsAsLine, type TornWriteLast, tornEventProblem, tornWriteProblem } from '../format/torn-write.js';
import { ChainFollower, type PendingDefect } from './log-chain.js';
import { MAX_CLOCKS, ProcessClocks } from './log-clock.js';
import {
  type LogCheckOptions,
  type LogFacts,
  newSharedLogState,
  type RangeSummary,
  type SharedLogState,
} from './log-facts.js';
import { discontinuityDetail } from './log-discontinuity.js';
import { unchainedPrevious } from './snapshot-chain.js';
import { lastEntries, readLine, type LineFacts } from './log-line.js';
import type { EntryTable } from '../json/line-scanner.js';
import { addSeq, addSeqPrint, emptySeqPrint, removeSeq } from './seq-print.js';
import { recoveryFileFor } from './anchor-lines.js';

/** At most this many categories are counted (a bound on memory for hostile logs). */
const MAX_CATEGORIES = 1_000;

/** Checks one file's lines. Call push() for each line in order, then finish(). */
export class LogChecker extends ChainFollower {
  readonly facts: LogFacts;
  private readonly shared: SharedLogState;
  private readonly clocks: ProcessClocks;
  private pending: PendingDefect | undefined;
  /** The last event's line; its `bytes` may be a scanner's view, stale once push() returns. */
  private lastEventLine: ScannedLine | undefined;
  private categories = 0;
  /** The `file` a recovery here must name: `audit-YYYYMMDD.jsonl` of the file's day. */
  private readonly recoveryFile: string | undefined;
  /** Events per category, each in a box so that counting one is a single map lookup. */
  private readonly counts = new Map<string, { n: number }>();
  /** A line without its terminating newline was pushed (a torn tail). */
  private torn = false;
  /** Continuation: something was not kept (a bound was reached), so the range cannot be joined. */
  private unjoinable = false;
  private readonly alertBits: Uint8Array | undefined;
  private readonly alertBitsSize: number;
  private readonly maxCandidates: number;
  private readonly alertCandidates: string[] = [];
  /** The category of the line last pushed when it was read as an event, else undefined. */
  lastCategory: string | undefined;
  /** The last event's line starts as the writer's lines do (a torn write of it could be recovered). */
  private lastStartsAsLine = true;
  /** The last event's facts, for uncount(). */
  private last: LineFacts = undefined as unknown as LineFacts;
  /**
   * The line number, seq and hash of the last line read as an event (0: none, or it was a recovered
   * fragment), and of the one before it: what a fragment right after one is compared with.
   */
  private lastNo = 0;
  private lastSeqOf = 0;
  private lastHash = '';
  private beforeNo = 0;
  private beforeSeq = 0;
  private beforeHash = '';
  /** The last event was the file's first (facts.firstSeq was null before it). */
  private lastWasFirst = false;
  /** The token of the findings recorded for the last event line (Findings.record). */
  private recording = 0;
  /** The last event was the first read (it set shared.firstIso). */
  private lastSetFirstIso = false;
  /** The snapshot id the last event (a ConfigSnapshot) added to the ids seen, if it added one. */
  private lastSnapshotId: string | undefined;
  /** The line number of the last line found to be a recovered torn fragment (never an event), 0 before any. */
  lastFragment = 0;
  /**
   * The entries of the line last pushed when it was read as an event (offsets into its bytes),
   * else undefined; valid until the next line is read.
   */
  lastEntries: EntryTable | undefined;

  constructor(options: LogCheckOptions) {
    super(options);
    this.shared = options.shared ?? newSharedLogState();
    this.clocks = new ProcessClocks(options.file, options.findings, this.shared, options.continuation === true);
    this.recoveryFile = recoveryFileFor(options.date);
    const filter = options.continuation === true ? options.alertFilter : undefined;
    this.alertBits = filter?.bits;
    this.alertBitsSize = filter === undefined ? 1 : filter.bits.length * 8;
    // True candidates are distinct lines (no finding), so at most `count`; chance ones about 1 in 64.
    this.maxCandidates = filter === undefined ? 0 : filter.count + (filter.count >>> 2) + 4096;
    this.facts = {
      lines: 0,
      events: 0,
      malformed: 0,
      late: 0,
      recovered: 0,
      byCategory: Object.create(null) as Record<string, number>,
      firstSeq: null,
      startPrev: null,
      lastSeq: null,
      endHash: null,
      head: undefined,
      orders: emptySeqPrint(),
      fills: emptySeqPrint(),
      alertsMatched: 0,
    };
  }

  push(line: ScannedLine): void {
    const facts = this.facts;
    facts.lines++;
    this.lastCategory = undefined;
    this.lastEntries = undefined;
    if (!line.terminated) {
      this.torn = true;
      // A torn tail: the writer died mid-line; the next writer will terminate it and record it.
      this.flushPending();
      facts.malformed++;
      const bad = tornWriteProblem(line.bytes, this.eventBefore(line.lineNumber));
      if (bad !== undefined || this.o.tornTailIsError === true) {
        this.f.add(
          'LOG_TAIL_INVALID',
          'error',
          this.o.file,
          `the file ends in ${line.length} bytes with no terminating newline that cannot be a cut-off write: ${bad ?? 'later day files follow this one, and a writer recovers a torn tail before it writes on'}`,
          line.lineNumber,
        );
        return;
      }
      this.f.add(
        'LOG_TORN_TAIL',
        'warning',
        this.o.file,
        `the file ends in ${line.length} bytes with no terminating newline: a write was cut off (the next writer records it as recovered)`,
        line.lineNumber,
      );
      return;
    }
    facts.endHash = line.hash;
    if (line.bytes === undefined) {
      this.flushPending();
      this.pending = {
        line,
        reason: `line of ${line.length} bytes exceeds the bound on a line`,
        seq: undefined,
        tooLong: true,
        tooDeep: false,
        notTorn: 'longer than the bound on a line',
      };
      facts.malformed++;
      return;
    }
    const reading = readLine(line.bytes);
    if (!reading.ok) {
      this.flushPending();
      const { reason, seq, tooDeep } = reading.defect;
      this.pending = {
        line,
        reason,
        seq,
        tooLong: false,
        tooDeep,
        notTorn: tornWriteProblem(line.bytes, this.eventBefore(line.lineNumber)),
      };
      facts.malformed++;
      return;
    }
    this.lastCategory = reading.facts.category;
    this.lastEntries = lastEntries();
    this.event(line, reading.facts);
  }

  /** Ends the file: reports what is still pending and returns the facts. */
  finish(): LogFacts {
    this.flushPending();
    this.clocks.flush();
    if (this.facts.lines === 0 && this.o.emptyOk !== true) {
      this.f.add('LOG_FILE_EMPTY', 'warning', this.o.file, 'the file is empty');
    }
    this.facts.head = this.head;
    for (const [k, v] of this.counts) this.facts.byCategory[k] = v.n;
    return this.facts;
  }

  /** A continuation checker's summary, after finish(). */
  rangeSummary(): RangeSummary {
    if (this.unjoinable || this.clocks.overflow || this.torn) return { clean: false };
    return {
      clean: true,
      facts: this.facts,
      counts: [...this.counts].map(([k, v]) => [k, v.n] as const),
      firstClocks: [...this.clocks.firstClocks],
      clocks: [...this.shared.clocks],
      alertCandidates: this.alertCandidates,
    };
  }

  /**
   * Takes in the lines of a continuation range checked by another checker, before finish(), when
   * the result is exactly what pushing those lines here would have given: the range had no finding,
   * its first line links to this checker's last line, no process's clock in it goes back behind
   * this checker's, and the bounds on processes and categories hold for both together. Returns
   * false (changing nothing) otherwise: then push the range's lines here.
   */
  join(r: RangeSummary): boolean {
    if (!r.clean) return false;
    const w = r.facts;
    if (w.lines === 0) return true;
    const head = this.head;
    if (this.pending !== undefined || this.torn || this.fileLinkPending || head === undefined || head.damaged === true)
      return false;
    if (w.firstSeq !== head.seq + 1 || w.startPrev !== head.hash || w.head === undefined) return false;
    let newCategories = 0;
    for (const [k] of r.counts) if (!this.counts.has(k)) newCategories++;
    if (this.counts.size + newCategories > MAX_CATEGORIES) return false;
    const clocks = this.shared.clocks;
    const held = this.clocks.held();
    let newKeys = 0;
    for (const [k, first] of r.firstClocks) {
      const latest = k === held?.key ? held.iso : clocks.get(k);
      if (latest === undefined) newKeys++;
      else if (first < latest) return false; // a clock going back across the split: a finding
    }
    if (clocks.size + newKeys > MAX_CLOCKS) return false;

    const f = this.facts;
    let matched = f.alertsMatched;
    const alerts = this.o.alertHashes;
    if (alerts !== undefined)
      for (const h of r.alertCandidates) if (matched < alerts.length && alerts.at(matched) === h) matched++;
    f.alertsMatched = matched;
    this.head = { ...w.head, line: w.head.line + f.lines };
    f.lines += w.lines;
    f.events += w.events;
    f.malformed += w.malformed;
    f.late += w.late;
    f.recovered += w.recovered;
    f.lastSeq = w.lastSeq;
    f.endHash = w.endHash;
    addSeqPrint(f.orders, w.orders);
    addSeqPrint(f.fills, w.fills);
    for (const [k, n] of r.counts) {
      const had = this.counts.get(k);
      if (had === undefined) {
        this.categories++;
        this.counts.set(k, { n });
      } else had.n += n;
    }
    this.clocks.flush();
    for (const [k, iso] of r.clocks) clocks.set(k, iso);
    // The range's checker read its last line fully; this checker's last line is not the file's.
    this.lastEventLine = undefined;
    // A clean range ends in an event: its head (a torn tail right after it is compared with it).
    this.lastNo = this.head.line;
    this.lastSeqOf = this.head.seq;
    this.lastHash = this.head.hash;
    this.beforeNo = 0;
    return true;
  }

  private event(line: ScannedLine, ev: LineFacts): void {
    const isRecovery = ev.category === RECOVERY.category && ev.event === RECOVERY.event;
    // A pending damaged line is settled outside the recording: if the next line recovers this one,
    // what stands for the damaged line (its defect, or this line's mismatch with it) must stay.
    let mismatch: string | undefined;
    if (this.pending !== undefined) this.settlePending(line, ev, isRecovery);
    else if (isRecovery) mismatch = this.recoveryOfLastEvent(line, ev);
    // What this line raises is recorded: a recovery right after it takes it all back (rule 4 first),
    // its own mismatch with the event before it too (a hand-made recovery line can be a fragment).
    this.recording = this.f.record();
    if (mismatch !== undefined) this.f.add('LOG_RECOVERY_MISMATCH', 'error', this.o.file, mismatch, line.lineNumber);
    this.lastWasFirst = this.facts.firstSeq === null;
    this.lastSnapshotId = undefined;
    this.count(line, ev);
    this.checkDate(line, ev, isRecovery);
    // Clock: per writing process, time should not go backwards. A recovery is dated when it is
    // written, after the events its writer had queued (and writes behind it): not compared.
    // A LogDiscontinuity too: the writer records that the head it last wrote was gone (a file cut
    // short or removed) when it next writes, before the events it had queued.
    const lost = ev.event === DISCONTINUITY.event && ev.category === DISCONTINUITY.category;
    if (lost) this.f.add('LOG_DISCONTINUITY', 'error', this.o.file, discontinuityDetail(line), line.lineNumber);
    else if (!isDatedWhenWritten(ev.category, ev.event)) this.clocks.check(line, ev);
    if (ev.category === 'config' && ev.event === 'ConfigSnapshot') this.configSnapshot(line);
    this.chain(line, ev);
    this.f.stopRecording();
  }

  /** A ConfigSnapshot counts from a snapshot the chain must hold (snapshot-chain.ts). */
  private configSnapshot(line: ScannedLine): void {
    // A range checked by another thread is checked again here, in order, when it holds one.
    if (this.o.continuation === true) {
      this.unjoinable = true;
      return;
    }
    const why = unchainedPrevious(line, this.shared, (id) => {
      this.lastSnapshotId = id;
    });
    if (why !== undefined) this.f.add('LOG_SNAPSHOT_UNCHAINED', 'warning', this.o.file, why, line.lineNumber);
  }

  /** The damaged line before this event: recovered by it, or a defect of its own. */
  private settlePending(line: ScannedLine, ev: LineFacts, isRecovery: boolean): void {
    const p = this.pending as PendingDefect;
    this.pending = undefined;
    const why = isRecovery ? recoveryProblem(ev.record, p.line, this.recoveryFile) : undefined;
    if (isRecovery && why === undefined) {
      this.recovered(p.line, p.notTorn);
    } else if (isRecovery) {
      this.f.add(
        'LOG_RECOVERY_MISMATCH',
        'error',
        this.o.file,
        `TornLineRecovered does not describe line ${p.line.lineNumber} (${p.line.length} bytes, sha256 ${p.line.hash.slice(0, 16)}…): ${why}`,
        line.lineNumber,
      );
    } else {
      this.reportDefect(p);
    }
  }

  /**
   * A recovery after a line read as an event: the fragment may have been a whole JSON line whose
   * "\n" was cut off. Undo it and let the recovery link to what came before it. Else why it does
   * not describe that line, for the caller to report as this line's own finding.
   */
  private recoveryOfLastEvent(line: ScannedLine, ev: LineFacts): string | undefined {
    const prevLine = this.lastEventLine;
    const adjacent = prevLine !== undefined && prevLine.lineNumber === line.lineNumber - 1;
    if (adjacent && recoveryProblem(ev.record, prevLine, this.recoveryFile) === undefined) {
      // Rule 4 comes before every other rule (docs/FORMAT.md, "Verifying"): the fragment was never
      // an event, so what reading it as one raised (a duplicate, a break, a date) is taken back and
      // the chain goes on from the line before it, as the Python checker and export read it.
      this.f.undo(this.recording);
      this.unchain();
      this.uncount(prevLine);
      // An event line is within the bound, UTF-8 and free of control bytes: its head and its link
      // to the event before it can tell (the bytes may be gone: the facts kept from reading it).
      const l = this.last;
      const before =
        this.beforeNo === prevLine.lineNumber - 1 ? { seq: this.beforeSeq, hash: this.beforeHash } : undefined;
      this.recovered(prevLine, tornEventProblem(l.form, l.seq, l.prev, this.lastStartsAsLine, before));
      this.lastNo = 0; // never an event: not the line a later fragment is compared with
      return undefined;
    }
    const why = adjacent ? recoveryProblem(ev.record, prevLine, this.recoveryFile) : undefined;
    return `TornLineRecovered is not preceded by the fragment it describes${why === undefined ? '' : ` (${why})`}`;
  }

  /** Everything the fragment (the head) was counted in, as an event, is taken back (export never counts it). */
  private uncount(fragment: ScannedLine): void {
    const facts = this.facts;
    const last = this.last;
    const cat = last.category;
    const box = this.counts.get(cat);
    if (box !== undefined) box.n--;
    facts.events--;
    facts.malformed++;
    if (last.late) facts.late--;
    if (cat === 'order') removeSeq(facts.orders, last.seq);
    else if (cat === 'fill') removeSeq(facts.fills, last.seq);
    if (this.lastWasFirst) {
      facts.firstSeq = null;
      facts.startPrev = null;
    }
    if (this.lastSetFirstIso) this.shared.firstIso = undefined;
    const id = this.lastSnapshotId;
    if (id !== undefined) {
      this.shared.snapshots.delete(id);
      if (this.shared.firstSnapshot === id) this.shared.firstSnapshot = undefined;
    }
    const alerts = this.o.alertHashes;
    if (alerts !== undefined && facts.alertsMatched > 0 && alerts.at(facts.alertsMatched - 1) === fragment.hash)
      facts.alertsMatched--;
  }

  /** Counts an event: per category, late, orders and fills, alerts matched and alert candidates. */
  private count(line: ScannedLine, ev: LineFacts): void {
    const facts = this.facts;
    facts.events++;
    this.lastSetFirstIso = this.shared.firstIso === undefined && this.o.continuation !== true;
    if (this.lastSetFirstIso) this.shared.firstIso = ev.isoTs;
    const seen = this.counts.get(ev.category);
    if (seen !== undefined) seen.n++;
    else if (this.categories < MAX_CATEGORIES) {
      this.counts.set(ev.category, { n: 1 });
      this.categories++;
    } else this.unjoinable = true;
    if (ev.late) facts.late++;
    if (ev.category === 'order') addSeq(facts.orders, ev.seq);
    else if (ev.category === 'fill') addSeq(facts.fills, ev.seq);
    const alerts = this.o.alertHashes;
    if (alerts !== undefined && facts.alertsMatched < alerts.length && alerts.at(facts.alertsMatched) === line.hash)
      facts.alertsMatched++;
    const bits = this.alertBits;
    if (bits !== undefined) {
      const k = ev.seq % this.alertBitsSize;
      if (((bits[k >>> 3] as number) & (1 << (k & 7))) !== 0) {
        if (this.alertCandidates.length < this.maxCandidates) this.alertCandidates.push(line.hash);
        else this.unjoinable = true;
      }
    }
    if (facts.firstSeq === null) {
      facts.firstSeq = ev.seq;
      facts.startPrev = ev.prev;
    }
    facts.lastSeq = ev.seq;
    this.lastEventLine = line;
    this.lastStartsAsLine = startsAsLine(line.bytes as Buffer);
    this.last = ev;
    this.beforeNo = this.lastNo;
    this.beforeSeq = this.lastSeqOf;
    this.beforeHash = this.lastHash;
    this.lastNo = line.lineNumber;
    this.lastSeqOf = ev.seq;
    this.lastHash = line.hash;
  }

  /**
   * Date: an event belongs to its own UTC day's file, or a later one when marked late. A recovery
   * is dated when it happened, which may be after the day of the file it repairs, but not after
   * the next day file (that file's lines are chained after it).
   */
  private checkDate(line: ScannedLine, ev: LineFacts, isRecovery: boolean): void {
    const day = this.o.date;
    const next = this.o.nextDate;
    const dateOk =
      day === undefined ||
      (ev.late
        ? ev.date < day
        : ev.date === day || (isRecovery && ev.date > day && (next === undefined || ev.date <= next)));
    if (dateOk) return;
    this.f.add(
      'LOG_DATE_MISMATCH',
      'error',
      this.o.file,
      ev.late
        ? ev.date >= day
          ? `event dated ${ev.date} is marked "late" in the file of ${day}: only an event dated before the file's day is late`
          : `late event dated ${ev.date} is in the file of an earlier day, ${day}`
        : isRecovery && ev.date > day
          ? `TornLineRecovered dated ${ev.date} is in the file of ${day}, but the next day file is ${next}: a recovery is written before any later day's file`
          : `event dated ${ev.date} is in the file of ${day} without "late": lines from another day were spliced in, or the file was renamed`,
      line.lineNumber,
    );
  }

  /**
   * A line the next line recovers. One that cannot be a torn write by the test of an unterminated
   * tail (`notTorn` says why) was no crash: bytes appended by hand that a writer recovered. It stays
   * out of the chain as every recovered line does, and is an error (docs/FORMAT.md, "Torn lines").
   */
  private recovered(frag: ScannedLine, notTorn: string | undefined): void {
    this.lastFragment = frag.lineNumber;
    this.facts.recovered++;
    if (notTorn !== undefined) {
      this.f.add(
        'LOG_TAIL_INVALID',
        'error',
        this.o.file,
        `line ${frag.lineNumber} (${frag.length} bytes) was recovered as a torn write by the TornLineRecovered after it, but cannot be one: ${notTorn}`,
        frag.lineNumber,
      );
      return;
    }
    this.f.add(
      'LOG_TORN_LINE_RECOVERED',
      'warning',
      this.o.file,
      `line ${frag.lineNumber} is a torn write (${frag.length} bytes) that a later writer recovered and recorded; it is kept as evidence, not part of the chain`,
      frag.lineNumber,
    );
  }

  /**
   * The line right before line `n` when it was read as an event (rule 2 of a torn write compares a
   * fragment with it); undefined when there is none: the fragment is the file's first line, or the
   * line before it is damaged or itself a recovered fragment.
   */
  private eventBefore(n: number): TornWriteLast | undefined {
    return this.lastNo !== 0 && this.lastNo === n - 1 ? { seq: this.lastSeqOf, hash: this.lastHash } : undefined;
  }

  private flushPending(): void {
    const p = this.pending;
    if (p === undefined) return;
    this.pending = undefined;
    this.reportDefect(p);
  }
}
