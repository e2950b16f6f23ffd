/**
 * Following the hash chain through one log file (docs/FORMAT.md, "The chain"). After a break the
 * follower keeps two candidate heads (the line that broke, and the line before it) and lets the
 * next line decide which one the chain continues from. That turns one edit into one finding that
 * says what happened — a line deleted (a seq gap), inserted or moved (out of place), duplicated,
 * or altered (a broken link) — instead of a cascade.
 */
import { GENESIS_HASH } from '../chain/index.js';
import type { ScannedLine } from '../chain/lines.js';
import type { ChainPoint, LogCheckOptions } from './log-facts.js';
import type { LineFacts } from './log-line.js';
import type { Findings, Problem } from './report.js';

/** How many recent line hashes are kept to recognise a duplicated line. */
const RECENT = 256;

/** A chain head, with what undoing its event needs. */
export interface Head extends ChainPoint {
  readonly category?: string;
  readonly late?: boolean;
  /** A damaged line standing in as head (its seq is assumed). */
  readonly damaged?: boolean;
}

/** A line that could not be read as an event, waiting to see whether a recovery follows it. */
export interface PendingDefect {
  readonly line: ScannedLine;
  readonly reason: string;
  readonly seq: number | undefined;
  readonly tooLong: boolean;
  /** Nested deeper than the format's bound (docs/FORMAT.md): LOG_LINE_TOO_DEEP. */
  readonly tooDeep: boolean;
  /** Why the line cannot be a torn write (docs/FORMAT.md, "Torn lines"), if it cannot; judged when a recovery follows it. */
  readonly notTorn?: string | undefined;
}

/** The chain-following state of one file's check; LogChecker adds everything else. */
export class ChainFollower {
  protected readonly o: LogCheckOptions;
  protected readonly f: Findings;
  protected head: Head | undefined;
  protected beforeHead: Head | undefined;
  /** The head before the last break: the chain may continue from here if the break was a bogus line. */
  private alt: Head | undefined;
  /** A line found out of place, which a later line may still link to (a swap). */
  private displaced: Head | undefined;
  private lastBreak: Problem | undefined;
  private seenEvent = false;
  protected fileLinkPending: boolean;
  private readonly recent: string[] = new Array<string>(RECENT);
  private recentN = 0;
  /** After a damaged line, the next line's link is not judged (the damage is already reported). */
  private softNext = false;
  // The state before the last event was chained, so that a recovery right after it can undo it
  // (unchain): rule 4 comes before every other rule, so a recovered fragment leaves no trace.
  private uHead: Head | undefined;
  private uBeforeHead: Head | undefined;
  private uAlt: Head | undefined;
  private uDisplaced: Head | undefined;
  private uLastBreak: Problem | undefined;
  private uSeenEvent = false;
  private uFileLinkPending = false;
  private uSoftNext = false;
  private uRecentN = 0;
  private uRecentSlot: string | undefined;

  constructor(options: LogCheckOptions) {
    this.o = options;
    this.f = options.findings;
    this.head = options.start === undefined ? undefined : { ...options.start };
    this.fileLinkPending = options.start !== undefined;
  }

  /** Places an event in the chain, reporting a break at most once per edit. */
  protected chain(line: ScannedLine, ev: LineFacts): void {
    const me: Head = {
      seq: ev.seq,
      hash: line.hash,
      file: this.o.file,
      line: line.lineNumber,
      category: ev.category,
      late: ev.late,
    };
    const head = this.head;
    this.uHead = head;
    this.uBeforeHead = this.beforeHead;
    this.uAlt = this.alt;
    this.uDisplaced = this.displaced;
    this.uLastBreak = this.lastBreak;
    this.uSeenEvent = this.seenEvent;
    this.uFileLinkPending = this.fileLinkPending;
    this.uSoftNext = this.softNext;
    this.uRecentN = this.recentN;
    this.uRecentSlot = this.recent[this.recentN % RECENT];
    const firstEvent = !this.seenEvent;
    this.seenEvent = true;
    const soft = this.softNext;
    this.softNext = false;
    if (head === undefined) {
      // A continuation's first line: whether it links is for join() to decide.
      if (!(firstEvent && this.o.continuation === true)) this.chainStart(line, ev);
      this.accept(me);
    } else if (!this.continues(line, ev, me, head, firstEvent, soft)) this.breakAt(line, ev, me, head);
    this.recent[this.recentN++ % RECENT] = line.hash;
  }

  /** True when the line continues the chain (or a known break resolves); false for a new break. */
  private continues(
    line: ScannedLine,
    ev: LineFacts,
    me: Head,
    head: Head,
    firstEvent: boolean,
    soft: boolean,
  ): boolean {
    if (links(ev, head)) {
      this.fileLinkPending = false;
      this.accept(me);
      this.alt = undefined;
      return true;
    }
    if (this.fileLinkPending && firstEvent) {
      this.fileLinkPending = false;
      this.f.add('LOG_FILE_LINK_BROKEN', 'error', this.o.file, fileLinkDetail(ev, head), line.lineNumber);
      this.lastBreak = undefined;
      this.alt = undefined;
      this.accept(me);
      return true;
    }
    if (this.displaced !== undefined && links(ev, this.displaced)) {
      this.displaced = undefined;
      this.accept(me);
      return true;
    }
    if (this.alt !== undefined && links(ev, this.alt)) {
      this.skipBogus(head, me);
      return true;
    }
    if (
      soft &&
      (ev.seq === head.seq + 1 || (this.alt !== undefined && ev.seq > this.alt.seq && ev.seq <= head.seq + 1))
    ) {
      // Right after a damaged line (already reported): resynchronise without a second finding.
      this.accept(me);
      this.alt = undefined;
      return true;
    }
    return false;
  }

  /**
   * Undoes the last chain() (call before any other line is chained): the line was a recovered
   * fragment, never part of the chain, and not one of the recent lines a duplicate repeats.
   */
  protected unchain(): void {
    this.head = this.uHead;
    this.beforeHead = this.uBeforeHead;
    this.alt = this.uAlt;
    this.displaced = this.uDisplaced;
    this.lastBreak = this.uLastBreak;
    this.seenEvent = this.uSeenEvent;
    this.fileLinkPending = this.uFileLinkPending;
    this.softNext = this.uSoftNext;
    this.recent[this.uRecentN % RECENT] = this.uRecentSlot as string;
    this.recentN = this.uRecentN;
  }

  /** The line that broke the chain (the current head) did not belong: the chain goes on from before it. */
  private skipBogus(bogus: Head, me: Head): void {
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
  }

  /** A new break at this line. */
  private breakAt(line: ScannedLine, ev: LineFacts, me: Head, head: Head): void {
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
    this.lastBreak = this.breakProblem(line, ev, head);
    this.alt = head;
    this.displaced = undefined;
    this.head = me;
    this.beforeHead = head;
  }

  /** What a break most likely is, from the seqs and links around it. */
  private breakProblem(line: ScannedLine, ev: LineFacts, head: Head): Problem | undefined {
    if (ev.seq === head.seq + 1) {
      return this.f.add(
        'LOG_CHAIN_BROKEN',
        'error',
        this.o.file,
        `prev of line ${line.lineNumber} (seq ${ev.seq}) is not the SHA-256 of the line before it (line ${head.line}, seq ${head.seq}): one of the two lines was altered`,
        line.lineNumber,
      );
    }
    if (ev.seq > head.seq + 1) {
      const missing = ev.seq - head.seq - 1;
      return this.f.add(
        'LOG_SEQ_GAP',
        'error',
        this.o.file,
        `seq jumps from ${head.seq} (line ${head.line}) to ${ev.seq}: ${missing} line${missing === 1 ? ' is' : 's are'} missing here (deleted, or moved)`,
        line.lineNumber,
      );
    }
    if (this.beforeHead !== undefined && links(ev, this.beforeHead)) {
      // Two lines claim the same place; this one links past the previous line, so that one is the
      // intruder (unless the next line links to it: then `alt` turns the finding around). Both with
      // the same seq after the same line: the chain forks (docs/FORMAT.md, "Concurrency").
      const fork =
        head.seq === ev.seq
          ? `: the chain forks, both follow line ${this.beforeHead.line} (seq ${this.beforeHead.seq}): two writers appended at once without excluding each other, or it was inserted`
          : ', so it was inserted';
      return this.f.add(
        'LOG_LINE_OUT_OF_PLACE',
        'error',
        this.o.file,
        `line ${head.line} (seq ${head.seq}) does not belong here: line ${line.lineNumber} links past it${fork}`,
        head.line,
      );
    }
    return this.f.add(
      'LOG_LINE_OUT_OF_PLACE',
      'error',
      this.o.file,
      `seq goes back from ${head.seq} (line ${head.line}) to ${ev.seq}: lines were reordered, or this one was inserted`,
      line.lineNumber,
    );
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

  /** A damaged line: report it, and let the chain continue either through it or past it. */
  protected reportDefect(p: PendingDefect): void {
    this.f.add(
      p.tooLong ? 'LOG_LINE_TOO_LONG' : p.tooDeep ? 'LOG_LINE_TOO_DEEP' : 'LOG_LINE_INVALID',
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

function links(ev: LineFacts, h: ChainPoint): boolean {
  return ev.prev === h.hash && ev.seq === h.seq + 1;
}

function fileLinkDetail(ev: LineFacts, h: ChainPoint): string {
  const where = `the first line (seq ${ev.seq}) does not link to the last line of ${h.file} (seq ${h.seq})`;
  if (ev.prev === GENESIS_HASH) return `${where}: it starts a new chain (prev = 64 zeros)`;
  if (ev.seq > h.seq + 1)
    return `${where}: seq ${h.seq + 1}–${ev.seq - 1} are missing, so ${h.file}'s tail was truncated or a day file was removed`;
  if (ev.seq <= h.seq) return `${where}: seq goes back, so files were spliced, replaced or renamed`;
  return `${where}: ${h.file}'s last line was altered, or the files were spliced`;
}
