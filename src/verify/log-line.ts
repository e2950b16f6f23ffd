/**
 * Reading one log line for verification (docs/FORMAT.md, "A line"). What makes a line an event is
 * defined once, in src/format/event-line.ts, which the export uses too: verify and export cannot
 * count differently. Every line is read in full (UTF-8, exact JSON, no control byte, no repeated
 * key, every envelope rule); there is no partial fast path.
 */
import { type EventLine, EventReader } from '../format/event-line.js';
import type { EntryTable } from '../json/line-scanner.js';
import { SEQ_SALVAGE_RE, TAIL_LENGTH, TAIL_RE } from '../format/log-line.js';

/** What verification needs from a line. */
export interface LineFacts {
  readonly seq: number;
  readonly prev: string;
  readonly category: string;
  /** The event name. */
  readonly event: string;
  /** `YYYY-MM-DD` of `iso_ts`. */
  readonly date: string;
  /** `iso_ts` as written. */
  readonly isoTs: string;
  readonly late: boolean;
  /** `,"host":…,"pid":N` when provOff is -1 (the provenance could not be compared as bytes). */
  readonly clockKey: string | undefined;
  /** Byte offset of the `iso_ts` value (27 bytes) when provOff applies; else -1. */
  readonly isoOff: number;
  /** Byte range of `,"host":…,"pid":N` as the logger writes it; provOff -1 otherwise. */
  readonly provOff: number;
  readonly provEnd: number;
  /** The parsed object, for TornLineRecovered events only (their fields are checked); absent otherwise. */
  readonly record?: Readonly<Record<string, unknown>> | undefined;
  /** How far the line is written as the writer writes it (writerForm in src/format/event-line-bytes.ts). */
  readonly form: number;
}

/** A line that could not be read as an event. */
export interface LineDefect {
  /** Why, for people. */
  readonly reason: string;
  /** seq and prev, when they could still be read (so the chain can be followed past the defect). */
  readonly seq: number | undefined;
  readonly prev: string | undefined;
  /** Nested deeper than the format allows (LOG_LINE_TOO_DEEP rather than LOG_LINE_INVALID). */
  readonly tooDeep: boolean;
}

export type LineReading =
  | { readonly ok: true; readonly facts: LineFacts }
  | { readonly ok: false; readonly defect: LineDefect };

const HEAD_WINDOW = 256;

const reader = new EventReader();

/**
 * The entries of the line readLine last read as an event (offsets into its bytes), valid until
 * the next call: the pack's derivation takes them instead of reading the line again.
 */
export function lastEntries(): EntryTable {
  return reader.table;
}

/**
 * Reads a line as an event. The other parameters are kept for callers of the former fast path
 * (which read only the envelope); every line now takes the full check.
 */
export function readLine(bytes: Buffer, _fileDate?: string, _full?: boolean, _fileDateBytes?: Buffer): LineReading {
  const r = reader.read(bytes, 0, bytes.length);
  if (!r.ok) return defect(r.reason, bytes, r.kind === 'too-deep');
  const ev = r.ev;
  // The common line (its time and provenance comparable as bytes, no recovery): the reading's own
  // fields are the facts, as factsOf would copy them (no second object a line on verify's reading thread).
  if (ev.provOff >= 0 && ev.isoOff >= 0 && !ev.recovery) return { ok: true, facts: ev };
  return { ok: true, facts: factsOf(ev, bytes) };
}

/** @internal The facts of a line read as `ev`, field by field (readLine's reference). */
export function factsOf(ev: EventLine, bytes: Buffer): LineFacts {
  // The byte-level clock check needs both the time and the provenance as bytes.
  const bytesClock = ev.provOff >= 0 && ev.isoOff >= 0;
  let record: Readonly<Record<string, unknown>> | undefined;
  if (ev.recovery) record = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>; // rare: its fields are checked
  return {
    seq: ev.seq,
    prev: ev.prev,
    category: ev.category,
    event: ev.event,
    date: ev.date,
    isoTs: ev.isoTs,
    late: ev.late,
    clockKey: bytesClock ? undefined : ev.provOff >= 0 ? bytes.toString('latin1', ev.provOff, ev.provEnd) : ev.clockKey,
    isoOff: bytesClock ? ev.isoOff : -1,
    provOff: bytesClock ? ev.provOff : -1,
    provEnd: bytesClock ? ev.provEnd : -1,
    record,
    form: ev.form,
  };
}

function defect(reason: string, bytes: Buffer | undefined, tooDeep: boolean): LineReading {
  // Salvage seq and prev by pattern so the chain can be followed past a damaged line.
  let seq: number | undefined;
  let prev: string | undefined;
  if (bytes !== undefined && bytes.length >= TAIL_LENGTH) {
    const t = TAIL_RE.exec(bytes.toString('latin1', bytes.length - TAIL_LENGTH, bytes.length));
    if (t !== null) prev = t[1];
    const s = SEQ_SALVAGE_RE.exec(bytes.toString('latin1', 0, Math.min(bytes.length, HEAD_WINDOW)));
    if (s !== null) seq = Number(s[1]);
  }
  return { ok: false, defect: { reason, seq, prev, tooDeep } };
}
