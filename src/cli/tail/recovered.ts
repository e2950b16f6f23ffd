/**
 * Recovery first for `auditpack tail` (docs/FORMAT.md "Torn lines and recovery", "Verifying" rule
 * 4): a line that the TornLineRecovered right after it describes is a recovered torn write, never
 * an event, even when its bytes are a whole event (a write cut just before its "\n"). A follower
 * reads a growing file, so a line is known recovered only once the next line is read: each complete
 * line waits for the next, and the last line a look read is let go at the end of the look, except
 * one that was already there unterminated at an earlier look and ended just now: that is a torn
 * fragment whose "\n" the recovering writer appends in the same write as the recovery, and a reader
 * can see a write in part; it waits one look more. The chain check's own test decides
 * (recoversLine): no reader here hashes or compares a recovery's fields itself.
 */
import { recoversLine } from '../../format/event-line.js';

/**
 * A line that is never an event, whatever its bytes: `recovered`, a torn write the next line's
 * TornLineRecovered describes; `unterminated`, a fragment left at the end of a day file that a later
 * day's file follows (no writer recovers it there: FORMAT.md "Torn lines and recovery").
 */
export type NotEvent = 'recovered' | 'unterminated';

/** Where a complete line goes, once it is known whether the next line recovers it. */
export type GatedLine = (line: Buffer, notEvent?: NotEvent) => void;

/** Holds the last complete line of one day file until the line after it, or the look's end, says what it is. */
export class RecoveryGate {
  private held: { line: Buffer; offset: number; file: string } | undefined;
  private waited = false;

  constructor(private readonly emit: GatedLine) {}

  /** A complete line (without its "\n") at byte `offset` of day file `file`. */
  push(line: Buffer, offset: number, file: string): void {
    const h = this.held;
    this.held = { line, offset, file };
    this.waited = false;
    if (h === undefined) return;
    // A recovery names the day file it stands in (audit-YYYYMMDD.jsonl), which is what tail reads.
    this.emit(h.line, h.file === file && recoversLine(line, h.line, h.offset, file) ? 'recovered' : undefined);
  }

  /**
   * A look at the file ended; it began at byte `lookStart`. The held line goes out unless it began
   * before this look (seen unterminated then) and has not waited a look yet.
   */
  endLook(lookStart: number): void {
    const h = this.held;
    if (h === undefined) return;
    if (h.offset < lookStart && !this.waited) {
      this.waited = true;
      return;
    }
    this.flush();
  }

  /** No line follows in this file (midnight, a file replaced, the end of a read that does not follow). */
  flush(): void {
    const h = this.held;
    this.held = undefined;
    this.waited = false;
    if (h !== undefined) this.emit(h.line);
  }
}
