/**
 * What the log check takes and gives: its options, the facts it finds besides problems, the state
 * shared across a log's day files, and what a checker of one range of a file hands to the checker
 * of the range before it (two threads checking one log).
 */
import type { Findings } from './report.js';
import type { SeqPrint } from './seq-print.js';

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
  /** The snapshot ids of the ConfigSnapshot events met so far (bounded: snapshot-chain.ts). */
  readonly snapshots: Set<string>;
  /** `iso_ts` of the first event met: a snapshot taken before it may be chained in a file not read. */
  firstIso: string | undefined;
  /** The first ConfigSnapshot's snapshot id met: a snapshot taken after it is chained after it. */
  firstSnapshot: string | undefined;
}

export function newSharedLogState(): SharedLogState {
  return { clocks: new Map(), snapshots: new Set(), firstIso: undefined, firstSnapshot: undefined };
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
  readonly alertHashes?: AlertHashes | undefined;
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
 * The SHA-256 (hex) of each alert line, by 0-based index: a list, or a file read alongside the log
 * (alert-stream.ts). The log check asks for the line it is looking for next and the one before it,
 * never further back.
 */
export interface AlertHashes {
  readonly length: number;
  at(i: number): string | undefined;
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
