/**
 * Recovery first, for the readers that take a few kinds of events from a log's lines (docs/FORMAT.md
 * "Torn lines and recovery", and "Verifying" rule 4, which comes before every other rule): a line
 * that the TornLineRecovered right after it describes is a recovered torn write, never an event,
 * whatever it holds. Both helpers ask the chain check's own test (recoversFragment, recoversLine):
 * no reader hashes or compares a recovery's fields itself.
 */
import { type FragmentFacts, recoversFragment, recoversLine } from './event-line.js';

/** What a line reader knows of a line (chain/lines.ts ScannedLine has it). */
export interface WatchedLine {
  readonly bytes: Buffer | undefined;
  readonly length: number;
  readonly offset: number;
  readonly terminated: boolean;
  /** SHA-256 hex of the line's bytes. */
  readonly hash: string;
}

/**
 * For a reader fed every line of one log in order (a tap): it holds the line it last took an event
 * from, and says whether the next line recovers it, so that the event is taken back. Only the line
 * after a taken one is looked at, so a log costs nothing more where no event was taken.
 */
export class FragmentWatch {
  private held: FragmentFacts | undefined;

  /**
   * `file`: the name a recovery in this log must give (`audit-YYYYMMDD.jsonl` of the log's day, as
   * the chain check asks); undefined when the day is not known (then any name is accepted, as there).
   */
  constructor(public file: string | undefined = undefined) {}

  /** Called with every line first: true when it recovers the line last held (take back its event). */
  recovers(l: WatchedLine): boolean {
    const held = this.held;
    if (held === undefined) return false;
    this.held = undefined;
    return l.terminated && l.bytes !== undefined && recoversFragment(l.bytes, held, this.file);
  }

  /** The reader took an event from `l`, the line just given to recovers(): held until the next line. */
  hold(l: WatchedLine): void {
    this.held = { hash: l.hash, length: l.length, offset: l.offset };
  }
}

/**
 * The `recovers` test of linesContaining (src/fsx/lines-containing.ts) for a log whose recoveries
 * must name `file` (undefined: any name): a found line that the next line recovers is left out.
 */
export function recoveredIn(file: string | undefined): (next: Buffer, line: Buffer, offset: number) => boolean {
  return (next, line, offset) => recoversLine(next, line, offset, file);
}
