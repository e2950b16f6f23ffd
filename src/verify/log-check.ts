/**
 * The chain check of one log file, fed line by line (docs/FORMAT.md "The chain", "Torn lines and
 * recovery", "Midnight and late events").
 *
 * It is push-based so the same checker serves a file on disk (via scanLines), a pack's
 * `data/audit.jsonl`, and an entry streamed out of a `.tar.gz`. Memory is bounded: a few recent
 * line hashes, one pending damaged line, a capped map of per-process clocks.
 *
 * After a break the checker keeps two candidate heads (the line that broke, and the line before
 * it) and lets the next line decide which one the chain continues from. That turns one edit into
 * one finding that says what happened — a line deleted (a seq gap), inserted or moved (out of
 * place), duplicated, or altered (a broken link) — instead of a cascade.
 */
import { isUtf8 } from 'node:buffer';
import { GENESIS_HASH } from '../chain/index.js';
import type { ScannedLine } from '../chain/lines.js';
import { recoveryProblem } from '../format/event-line.js';
import { LINE_HEAD, RECOVERY } from '../format/log-line.js';
import { readLine, type LineFacts } from './log-line.js';
import type { Findings, Problem } from './report.js';
import { addSeq, addSeqPrint, emptySeqPrint, removeSeq, type SeqPrint } from './seq-print.js';

/** A point in the chain: a line's seq and hash. */
export interface ChainPoint {
  readonly seq: number;
  readonly hash: string;
  /** Where the line is, for messages. */
  readonly file: string;
  readonly line: number;
}

/** State shared across the files of one log (per-process clocks continue across days). */
export interface SharedLogState {
  readonly clocks: Map<string, string>;
}

export function newSharedLogState(): SharedLogState {
  return { clocks: new Map() };
}

/** What a file's check found besides problems. */
export interface LogFacts {
  lines: number;
  /** Lines read as events (recovered fragments and damaged lines excluded). */
  events: number;
  /** Lines that could not be read as events, including recovered fragments and a torn tail. */
  malformed: number;
  late: number;
  recovered: number;
  byCategory: Record<string, number>;
  /** seq and prev of the first event; seq of the last event. */
  firstSeq: number | null;
  startPrev: string | null;
  lastSeq: number | null;
  /** SHA-256 of the last complete ("\n"-terminated) line: the hash that ends the day's chain. */
  endHash: string | null;
  /** Where the chain stands after this file (what the next file's first line must link to). */
  head: ChainPoint | undefined;
  orders: SeqPrint;
  fills: SeqPrint;
  /** How many of the given alert lines were found, in order, among the events. */
  alertsMatched: number;
}

export interface LogCheckOptions {
  /** The file's name as reported in findings. */
  readonly file: string;
  readonly findings: Findings;
  /** `YYYY-MM-DD` the file stands for; undefined skips the date check. */
  readonly date?: string | undefined;
  /** A torn tail here is an error: later day files follow (verifying a directory). */
  readonly tornTailIsError?: boolean;
  /** The next existing day file's `YYYY-MM-DD` (verifying a directory): bounds a recovery's date. */
  readonly nextDate?: string | undefined;
  /** The end of the previous file's chain (verifying a directory). */
  readonly start?: ChainPoint | undefined;
  /** Report where the chain starts (info) when it is not the genesis: for a single file. */
  readonly reportStart?: boolean;
  /** SHA-256 of each line of a pack's alerts.jsonl, in order, to find among the events. */
  readonly alertHashes?: readonly string[] | undefined;
  /** An empty file is normal here (a pack of a day without events): no LOG_FILE_EMPTY. */
  readonly emptyOk?: boolean;
  /** Accepted for compatibility: every line is read in full (src/format/event-line.ts). */
  readonly full?: boolean;
  readonly shared?: SharedLogState;
  /**
   * These lines continue a file whose earlier part another checker reads (two threads checking one
   * log): the first line is read as if it linked to the line before it, and what the other
   * checker needs to carry on is kept for rangeSummary(). Only a range with no finding at all is
   * joined (LogChecker.join); anything else is checked again in sequence, so findings never depend
   * on the split.
   */
  readonly continuation?: boolean;
  /**
   * Continuation only: alertFilterOf(the seq of each alert line). Events whose seq passes it are
   * kept for join(), which matches their hashes against the alerts in order (an event that only
   * passes by chance never matches). The alert hashes need not be sent to the other thread.
   */
  readonly alertFilter?: AlertFilter | undefined;
}

/**
 * A bit per seq (modulo the size), set for each alert line's seq: a line byte for byte equal to an
 * alert line has its seq, so no alert is missed; a line passes by chance about once in 64. Seqs
 * of consecutive lines are consecutive bits, so the test stays in cache.
 */
export interface AlertFilter {
  readonly bits: Uint8Array;
  /** The number of alert lines. */
  readonly count: number;
  /** False when some alert line's seq could not be read: then every line passes (never joined). */
  readonly complete: boolean;
}

/** The filter for alert lines with these seqs (undefined: a line whose seq could not be read). */
export function alertFilterOf(seqs: readonly (number | undefined)[]): AlertFilter {
  let size = 1 << 16;
  while (size < seqs.length * 64 && size < 1 << 27) size *= 2;
  const bits = new Uint8Array(size / 8);
  const complete = seqs.every((x) => x !== undefined);
  if (!complete) bits.fill(0xff);
  else
    for (const seq of seqs as number[]) {
      const k = seq % size;
      bits[k >>> 3] = (bits[k >>> 3] as number) | (1 << (k & 7));
    }
  return { bits, count: seqs.length, complete };
}

/**
 * What a continuation checker found, for LogChecker.join. `clean` is false when the range had any
 * finding or anything its checker could not keep within its bounds; the range must then be checked
 * again in sequence. Line numbers in `facts` count from the range's first line.
 */
export type RangeSummary =
  | { readonly clean: false }
  | {
      readonly clean: true;
      readonly facts: LogFacts;
      readonly counts: readonly (readonly [string, number])[];
      /** Each writing process's first and latest `iso_ts` in the range. */
      readonly firstClocks: readonly (readonly [string, string])[];
      readonly clocks: readonly (readonly [string, string])[];
      /** Hashes of the range's events whose seq passes the alert filter, in order. */
      readonly alertCandidates: readonly string[];
    };

const RECENT = 256;
const MAX_CLOCKS = 10_000;
const MAX_CATEGORIES = 1_000;

interface Head extends ChainPoint {
  readonly category?: string;
  readonly late?: boolean;
  /** A damaged line standing in as head (its seq is assumed). */
  readonly damaged?: boolean;
}

interface PendingDefect {
  readonly line: ScannedLine;
  readonly reason: string;
  readonly seq: number | undefined;
  readonly tooLong: boolean;
}

/** Checks one file's lines. Call push() for each line in order, then finish(). */
export class LogChecker {
  readonly facts: LogFacts;
  private readonly o: LogCheckOptions;
  private readonly f: Findings;
  private readonly shared: SharedLogState;
  private head: Head | undefined;
  private beforeHead: Head | undefined;
  /** The head before the last break: the chain may continue from here if the break was a bogus line. */
  private alt: Head | undefined;
  /** A line found out of place, which a later line may still link to (a swap). */
  private displaced: Head | undefined;
  private lastBreak: Problem | undefined;
  private pending: PendingDefect | undefined;
  private seenEvent = false;
  private fileLinkPending: boolean;
  private readonly recent: string[] = new Array<string>(RECENT);
  private recentN = 0;
  /** The last event's line; its `bytes` may be a scanner's view, stale once push() returns. */
  private lastEventLine: ScannedLine | undefined;
  private categories = 0;
  /** After a damaged line, the next line's link is not judged (the damage is already reported). */
  private softNext = false;
  /** The `file` a recovery here must name: `audit-YYYYMMDD.jsonl` of the file's day. */
  private readonly recoveryFile: string | undefined;
  /** Events per category, each in a box so that counting one is a single map lookup. */
  private readonly counts = new Map<string, { n: number }>();
  /**
   * The per-process clock check without making strings: the last event's `iso_ts` (27
   * bytes) and provenance (`,"host":…,"pid":N`) copied into a reused buffer, since lines may be
   * views valid only during push(). clockProvLen -1: nothing remembered.
   */
  private clockBuf: Buffer = Buffer.allocUnsafe(256);
  private clockProvLen = -1;
  /** A line without its terminating newline was pushed (a torn tail). */
  private torn = false;
  /** Continuation: something was not kept (a bound was reached), so the range cannot be joined. */
  private unjoinable = false;
  private readonly alertBits: Uint8Array | undefined;
  private readonly alertBitsSize: number;
  private readonly maxCandidates: number;
  private readonly alertCandidates: string[] = [];
  private readonly firstClocks = new Map<string, string>();

  constructor(options: LogCheckOptions) {
    this.o = options;
    this.f = options.findings;
    this.shared = options.shared ?? newSharedLogState();
    this.head = options.start === undefined ? undefined : { ...options.start };
    this.fileLinkPending = options.start !== undefined;
    this.recoveryFile = options.date === undefined ? undefined : `audit-${options.date.replaceAll('-', '')}.jsonl`;
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
    if (!line.terminated) {
      this.torn = true;
      // A torn tail: the writer died mid-line; the next writer will terminate it and record it.
      this.flushPending();
      facts.malformed++;
      const bad = tornTailProblem(line);
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
      };
      facts.malformed++;
      return;
    }
    const reading = readLine(line.bytes);
    if (!reading.ok) {
      this.flushPending();
      this.pending = { line, reason: reading.defect.reason, seq: reading.defect.seq, tooLong: false };
      facts.malformed++;
      return;
    }
    this.event(line, reading.facts);
  }

  /** Ends the file: reports what is still pending and returns the facts. */
  finish(): LogFacts {
    this.flushPending();
    this.flushClockLine();
    if (this.facts.lines === 0 && this.o.emptyOk !== true) {
      this.f.add('LOG_FILE_EMPTY', 'warning', this.o.file, 'the file is empty');
    }
    this.facts.head = this.head;
    for (const [k, v] of this.counts) this.facts.byCategory[k] = v.n;
    return this.facts;
  }

  /** A continuation checker's summary, after finish(). */
  rangeSummary(): RangeSummary {
    if (this.unjoinable || this.torn) return { clean: false };
    return {
      clean: true,
      facts: this.facts,
      counts: [...this.counts].map(([k, v]) => [k, v.n] as const),
      firstClocks: [...this.firstClocks],
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
    const heldKey = this.clockProvLen >= 0 ? this.clockBuf.toString('latin1', 27, 27 + this.clockProvLen) : undefined;
    const heldIso = heldKey === undefined ? undefined : this.clockBuf.toString('latin1', 0, 27);
    let newKeys = 0;
    for (const [k, first] of r.firstClocks) {
      const latest = k === heldKey ? heldIso : clocks.get(k);
      if (latest === undefined) newKeys++;
      else if (first < latest) return false; // a clock going back across the split: a finding
    }
    if (clocks.size + newKeys > MAX_CLOCKS) return false;

    const f = this.facts;
    let matched = f.alertsMatched;
    const alerts = this.o.alertHashes;
    if (alerts !== undefined)
      for (const h of r.alertCandidates) if (matched < alerts.length && alerts[matched] === h) matched++;
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
    this.flushClockLine();
    for (const [k, iso] of r.clocks) clocks.set(k, iso);
    // The range's checker read its last line fully; this checker's last line is not the file's.
    this.lastEventLine = undefined;
    return true;
  }

  private event(line: ScannedLine, ev: LineFacts): void {
    const facts = this.facts;
    const isRecovery = ev.category === RECOVERY.category && ev.event === RECOVERY.event;
    if (this.pending !== undefined) {
      const p = this.pending;
      this.pending = undefined;
      const why = isRecovery ? recoveryProblem(ev.record, p.line, this.recoveryFile) : undefined;
      if (isRecovery && why === undefined) {
        this.recovered(p.line);
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
    } else if (isRecovery) {
      // The fragment may have been a whole JSON line whose "\n" was cut off: it then read as an
      // event. Undo it and let the recovery link to what came before it.
      const prevLine = this.lastEventLine;
      if (
        prevLine !== undefined &&
        this.head !== undefined &&
        this.head.line === prevLine.lineNumber &&
        prevLine.lineNumber === line.lineNumber - 1 &&
        recoveryProblem(ev.record, prevLine, this.recoveryFile) === undefined
      ) {
        // Everything the fragment was counted in, as an event, is taken back (export never counts it).
        const cat = this.head.category;
        const box = cat === undefined ? undefined : this.counts.get(cat);
        if (box !== undefined) box.n--;
        facts.events--;
        facts.malformed++;
        if (this.head.late === true) facts.late--;
        if (cat === 'order') removeSeq(facts.orders, this.head.seq);
        else if (cat === 'fill') removeSeq(facts.fills, this.head.seq);
        const alerts = this.o.alertHashes;
        if (alerts !== undefined && facts.alertsMatched > 0 && alerts[facts.alertsMatched - 1] === prevLine.hash)
          facts.alertsMatched--;
        this.head = this.beforeHead;
        this.recovered(prevLine);
      } else {
        const prevLine2 = this.lastEventLine;
        const why =
          prevLine2 !== undefined && prevLine2.lineNumber === line.lineNumber - 1
            ? recoveryProblem(ev.record, prevLine2, this.recoveryFile)
            : undefined;
        this.f.add(
          'LOG_RECOVERY_MISMATCH',
          'error',
          this.o.file,
          `TornLineRecovered is not preceded by the fragment it describes${why === undefined ? '' : ` (${why})`}`,
          line.lineNumber,
        );
      }
    }

    // Counts.
    facts.events++;
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
    if (alerts !== undefined && facts.alertsMatched < alerts.length && alerts[facts.alertsMatched] === line.hash)
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

    // Date: an event belongs to its own UTC day's file, or a later one when marked late. A
    // recovery is dated when it happened, which may be after the day of the file it repairs.
    // A recovery is dated when it happened, which may be after the day of the file it repairs, but
    // not after the next day file (that file's lines are chained after it).
    const day = this.o.date;
    const next = this.o.nextDate;
    const dateOk =
      day === undefined ||
      (ev.late
        ? ev.date < day
        : ev.date === day || (isRecovery && ev.date > day && (next === undefined || ev.date <= next)));
    if (!dateOk) {
      this.f.add(
        'LOG_DATE_MISMATCH',
        'error',
        this.o.file,
        ev.late
          ? ev.date >= (day as string)
            ? `event dated ${ev.date} is marked "late" in the file of ${day}: only an event dated before the file's day is late`
            : `late event dated ${ev.date} is in the file of an earlier day, ${day}`
          : isRecovery && ev.date > (day as string)
            ? `TornLineRecovered dated ${ev.date} is in the file of ${day}, but the next day file is ${next}: a recovery is written before any later day's file`
            : `event dated ${ev.date} is in the file of ${day} without "late": lines from another day were spliced in, or the file was renamed`,
        line.lineNumber,
      );
    }

    // Clock: per writing process, time should not go backwards. A recovery is dated when it is
    // written, after the events its writer had queued (and writes behind it): not compared.
    if (!isRecovery) this.clock(line, ev);

    this.chain(line, ev);
    this.recent[this.recentN++ % RECENT] = line.hash;
  }

  /**
   * The per-process clock check. Consecutive lines of one process (the common case) are compared
   * byte for byte with the line before; a map of each process's latest time is consulted only when
   * the writing process changes.
   */
  private clock(line: ScannedLine, ev: LineFacts): void {
    const b = line.bytes as Buffer;
    const last = this.clockBuf;
    if (ev.provOff >= 0 && this.clockProvLen >= 0) {
      const n = ev.provEnd - ev.provOff;
      if (n === this.clockProvLen && sameBytes(b, ev.provOff, last, 27, n)) {
        // Same process: compare the times, and where this one is not earlier keep it — only the
        // bytes from the first difference on need copying (usually the seconds and fraction).
        const io = ev.isoOff;
        let i = 0;
        while (i < 27 && b[io + i] === last[i]) i++;
        if (i < 27 && (b[io + i] as number) < (last[i] as number)) {
          this.clockWarning(
            line,
            b.toString('latin1', ev.provOff, ev.provEnd),
            last.toString('latin1', 0, 27),
            b.toString('latin1', io, io + 27),
          );
        } else copyBytes(b, io + i, last, i, 27 - i);
        return;
      }
    }
    // Another process (or a line read fully): go through the map.
    this.flushClockLine();
    const key = ev.provOff >= 0 ? b.toString('latin1', ev.provOff, ev.provEnd) : ev.clockKey;
    if (key === undefined) return;
    const iso = ev.isoOff >= 0 ? b.toString('latin1', ev.isoOff, ev.isoOff + 27) : ev.isoTs;
    const clocks = this.shared.clocks;
    const prevIso = clocks.get(key);
    if (prevIso !== undefined && iso < prevIso) this.clockWarning(line, key, prevIso, iso);
    else if (prevIso !== undefined || clocks.size < MAX_CLOCKS) {
      clocks.set(key, iso);
      if (prevIso === undefined && this.o.continuation === true) this.firstClocks.set(key, iso);
    } else this.unjoinable = true;
    if (ev.provOff >= 0 && (prevIso === undefined || iso >= prevIso)) this.setClockLine(b, ev);
  }

  private setClockLine(b: Buffer, ev: LineFacts): void {
    const n = ev.provEnd - ev.provOff;
    if (this.clockBuf.length < 27 + n) this.clockBuf = Buffer.allocUnsafe(27 + n);
    copyBytes(b, ev.isoOff, this.clockBuf, 0, 27);
    copyBytes(b, ev.provOff, this.clockBuf, 27, n);
    this.clockProvLen = n;
  }

  /** Records the remembered line's time in the map before the process changes. */
  private flushClockLine(): void {
    const n = this.clockProvLen;
    if (n < 0) return;
    this.clockProvLen = -1;
    const last = this.clockBuf;
    const key = last.toString('latin1', 27, 27 + n);
    const clocks = this.shared.clocks;
    if (clocks.has(key) || clocks.size < MAX_CLOCKS) clocks.set(key, last.toString('latin1', 0, 27));
  }

  private clockWarning(line: ScannedLine, key: string, from: string, to: string): void {
    this.f.add(
      'LOG_CLOCK_BACKWARDS',
      'warning',
      this.o.file,
      `the clock of ${key.slice(1).replace(/"/g, '')} went back from ${from} to ${to}`,
      line.lineNumber,
    );
  }

  private chain(line: ScannedLine, ev: LineFacts): void {
    const me: Head = {
      seq: ev.seq,
      hash: line.hash,
      file: this.o.file,
      line: line.lineNumber,
      category: ev.category,
      late: ev.late,
    };
    const head = this.head;
    const firstEvent = !this.seenEvent;
    this.seenEvent = true;
    const soft = this.softNext;
    this.softNext = false;
    if (head === undefined) {
      // A continuation's first line: whether it links is for join() to decide.
      if (!(firstEvent && this.o.continuation === true)) this.chainStart(line, ev);
      this.accept(me);
      return;
    }
    if (links(ev, head)) {
      this.fileLinkPending = false;
      this.accept(me);
      this.alt = undefined;
      return;
    }
    if (this.fileLinkPending && firstEvent) {
      this.fileLinkPending = false;
      this.f.add('LOG_FILE_LINK_BROKEN', 'error', this.o.file, fileLinkDetail(ev, head), line.lineNumber);
      this.lastBreak = undefined;
      this.alt = undefined;
      this.accept(me);
      return;
    }
    if (this.displaced !== undefined && links(ev, this.displaced)) {
      this.displaced = undefined;
      this.accept(me);
      return;
    }
    if (this.alt !== undefined && links(ev, this.alt)) {
      // The line that broke the chain (the current head) did not belong: the chain goes on from before it.
      const bogus = head;
      const lb = this.lastBreak;
      const out: Problem = {
        code: 'LOG_LINE_OUT_OF_PLACE',
        severity: 'error',
        file: this.o.file,
        line: bogus.line,
        detail: `line ${bogus.line} (seq ${bogus.seq}) does not belong here: the lines around it link past it, so it was inserted, or moved from elsewhere`,
      };
      // A damaged head was reported already; otherwise turn the break into what it really was.
      if (bogus.damaged !== true && lb !== undefined && lb.code !== 'LOG_LINE_OUT_OF_PLACE') this.f.replace(lb, out);
      this.lastBreak = undefined;
      this.displaced = bogus;
      this.head = me;
      this.beforeHead = this.alt;
      this.alt = undefined;
      return;
    }
    if (
      soft &&
      (ev.seq === head.seq + 1 || (this.alt !== undefined && ev.seq > this.alt.seq && ev.seq <= head.seq + 1))
    ) {
      // Right after a damaged line (already reported): resynchronise without a second finding.
      this.accept(me);
      this.alt = undefined;
      return;
    }
    // A new break at this line.
    if (this.isRecent(line.hash)) {
      this.lastBreak = this.f.add(
        'LOG_LINE_DUPLICATE',
        'error',
        this.o.file,
        `line ${line.lineNumber} (seq ${ev.seq}) repeats an earlier line byte for byte`,
        line.lineNumber,
      );
      return; // the chain goes on from the head, as if the copy were not there
    }
    let problem: Problem | undefined;
    if (ev.seq === head.seq + 1) {
      problem = this.f.add(
        'LOG_CHAIN_BROKEN',
        'error',
        this.o.file,
        `prev of line ${line.lineNumber} (seq ${ev.seq}) is not the SHA-256 of the line before it (line ${head.line}, seq ${head.seq}): one of the two lines was altered`,
        line.lineNumber,
      );
    } else if (ev.seq > head.seq + 1) {
      const missing = ev.seq - head.seq - 1;
      problem = this.f.add(
        'LOG_SEQ_GAP',
        'error',
        this.o.file,
        `seq jumps from ${head.seq} (line ${head.line}) to ${ev.seq}: ${missing} line${missing === 1 ? ' is' : 's are'} missing here (deleted, or moved)`,
        line.lineNumber,
      );
    } else if (this.beforeHead !== undefined && links(ev, this.beforeHead)) {
      // Two lines claim the same place; this one links past the previous line, so that one is the
      // intruder (unless the next line links to it: then `alt` turns the finding around).
      problem = this.f.add(
        'LOG_LINE_OUT_OF_PLACE',
        'error',
        this.o.file,
        `line ${head.line} (seq ${head.seq}) does not belong here: line ${line.lineNumber} links past it, so it was inserted`,
        head.line,
      );
    } else {
      problem = this.f.add(
        'LOG_LINE_OUT_OF_PLACE',
        'error',
        this.o.file,
        `seq goes back from ${head.seq} (line ${head.line}) to ${ev.seq}: lines were reordered, or this one was inserted`,
        line.lineNumber,
      );
    }
    this.lastBreak = problem;
    this.alt = head;
    this.displaced = undefined;
    this.head = me;
    this.beforeHead = head;
  }

  private chainStart(line: ScannedLine, ev: LineFacts): void {
    const genesisPrev = ev.prev === GENESIS_HASH;
    if (genesisPrev !== (ev.seq === 1)) {
      this.f.add(
        'LOG_GENESIS_INVALID',
        'error',
        this.o.file,
        genesisPrev
          ? `line ${line.lineNumber} has the genesis prev (64 zeros) but seq ${ev.seq}; only seq 1 may`
          : `line ${line.lineNumber} has seq 1 but prev ${ev.prev.slice(0, 16)}…; the first line ever must have prev = 64 zeros`,
        line.lineNumber,
      );
    } else if (!genesisPrev && this.o.reportStart === true) {
      this.f.add(
        'LOG_CHAIN_START',
        'info',
        this.o.file,
        `the chain is checked from seq ${ev.seq}, whose prev ${ev.prev} is the hash of a line before this file (verify the logs directory to check that link)`,
        line.lineNumber,
      );
    }
  }

  private accept(me: Head): void {
    this.beforeHead = this.head;
    this.head = me;
  }

  private isRecent(hash: string): boolean {
    const n = Math.min(this.recentN, RECENT);
    for (let i = 0; i < n; i++) if (this.recent[i] === hash) return true;
    return false;
  }

  private recovered(frag: ScannedLine): void {
    this.facts.recovered++;
    this.f.add(
      'LOG_TORN_LINE_RECOVERED',
      'warning',
      this.o.file,
      `line ${frag.lineNumber} is a torn write (${frag.length} bytes) that a later writer recovered and recorded; it is kept as evidence, not part of the chain`,
      frag.lineNumber,
    );
  }

  private flushPending(): void {
    const p = this.pending;
    if (p === undefined) return;
    this.pending = undefined;
    this.reportDefect(p);
  }

  /** A damaged line: report it, and let the chain continue either through it or past it. */
  private reportDefect(p: PendingDefect): void {
    this.f.add(
      p.tooLong ? 'LOG_LINE_TOO_LONG' : 'LOG_LINE_INVALID',
      'error',
      this.o.file,
      p.tooLong ? p.reason : `line ${p.line.lineNumber} is not a valid log event: ${p.reason}`,
      p.line.lineNumber,
    );
    // Suppress the break the next line would otherwise report: it links either to the damaged line
    // (edited in place) or to the line before it (inserted garbage).
    const head = this.head;
    // Several damaged lines in a row: keep the last good line as the alternative.
    const good = head?.damaged === true ? this.alt : head;
    const assumedSeq = p.seq ?? (head === undefined ? 0 : head.seq + 1);
    this.alt = good;
    this.beforeHead = good;
    this.head = { seq: assumedSeq, hash: p.line.hash, file: this.o.file, line: p.line.lineNumber, damaged: true };
    this.lastBreak = undefined;
    this.seenEvent = true;
    this.fileLinkPending = false;
    this.softNext = true;
  }
}

/** Byte ranges equal (short ranges: a JS loop beats a native call here). */
function sameBytes(a: Buffer, ao: number, b: Buffer, bo: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

/** Copies n bytes (short ranges: a JS loop beats a native call here). */
function copyBytes(from: Buffer, fo: number, to: Buffer, to0: number, n: number): void {
  for (let i = 0; i < n; i++) to[to0 + i] = from[fo + i] as number;
}

function links(ev: LineFacts, h: ChainPoint): boolean {
  return ev.prev === h.hash && ev.seq === h.seq + 1;
}

const TORN_HEAD = Buffer.from(LINE_HEAD, 'latin1');

/**
 * Why an unterminated last line cannot be a write cut off by a crash (docs/FORMAT.md, "Torn
 * lines"), or undefined when it can: within the bound on a line, starting as every line starts
 * (`{"ts":`, or a prefix of it), no control byte, UTF-8 except for a character cut at the end.
 * Garbage appended to a log, or a huge tail, is not a crash.
 */
function tornTailProblem(line: ScannedLine): string | undefined {
  const b = line.bytes;
  if (b === undefined) return 'longer than the bound on a line';
  for (let i = 0; i < Math.min(b.length, TORN_HEAD.length); i++)
    if (b[i] !== TORN_HEAD[i]) return `it does not start as a log line (${LINE_HEAD})`;
  for (let i = 0; i < b.length; i++) if ((b[i] as number) < 0x20) return 'it holds a control byte';
  for (let k = 0; k <= 3 && k <= b.length; k++) {
    let cut = true;
    for (let i = b.length - k; i < b.length; i++) if ((b[i] as number) < 0x80) cut = false;
    if (cut && isUtf8(b.subarray(0, b.length - k))) return undefined;
  }
  return 'it is not UTF-8';
}

function fileLinkDetail(ev: LineFacts, h: ChainPoint): string {
  const where = `the first line (seq ${ev.seq}) does not link to the last line of ${h.file} (seq ${h.seq})`;
  if (ev.prev === GENESIS_HASH) return `${where}: it starts a new chain (prev = 64 zeros)`;
  if (ev.seq > h.seq + 1)
    return `${where}: seq ${h.seq + 1}–${ev.seq - 1} are missing, so ${h.file}'s tail was truncated or a day file was removed`;
  if (ev.seq <= h.seq) return `${where}: seq goes back, so files were spliced, replaced or renamed`;
  return `${where}: ${h.file}'s last line was altered, or the files were spliced`;
}
