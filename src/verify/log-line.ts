/**
 * Reading one log line for verification (docs/FORMAT.md, "A line").
 *
 * Two paths, one answer. The fast path reads the envelope the logger writes at fixed places —
 * `{"ts":…,"iso_ts":"…","seq":N[,"late":true],"category":"…","event":"…"` at the start and
 * `,"host":…,"pid":N,"prev":"<64 hex>"}` at the end — without JSON.parse (which costs about 3× the
 * line's hash; issue 5's benchmark). Anything that does not match exactly, every `system` event
 * (recoveries need their fields) and every line whose date differs from the file's day goes
 * through JSON.parse and field-by-field validation.
 *
 * What the fast path does not do: prove that the bytes between head and tail are valid JSON, or
 * that no key is repeated. Neither weakens tamper evidence: any change to a line's bytes changes
 * its hash, which the next line's `prev` (or a pack's `chain.end_hash`) pins; and a writer able to
 * forge lines can forge well-formed ones. The last line of every file, which nothing after it
 * pins inside the file, always takes the full path.
 */
import { isUtf8 } from 'node:buffer';
import { isHashHex } from '../chain/index.js';

/** What verification needs from a line. */
export interface LineFacts {
  readonly seq: number;
  readonly prev: string;
  readonly category: string;
  readonly event: string;
  /** `YYYY-MM-DD` of `iso_ts`. */
  readonly date: string;
  /** `iso_ts` as written (fixed width, so it orders as text). */
  readonly isoTs: string;
  readonly late: boolean;
  /** `host`/`pid` as written, for the per-process clock check; undefined when absent. */
  readonly clockKey: string | undefined;
  /** The parsed object, on the full path only. */
  readonly record: Readonly<Record<string, unknown>> | undefined;
}

/** A line that could not be read as an event. */
export interface LineDefect {
  /** Why, for people. */
  readonly reason: string;
  /** seq and prev, when they could still be read (so the chain can be followed past the defect). */
  readonly seq: number | undefined;
  readonly prev: string | undefined;
}

export type LineReading = { readonly ok: true; readonly facts: LineFacts } | { readonly ok: false; readonly defect: LineDefect };

// ASCII-only envelope patterns, applied to a latin1 view of the bytes (one char per byte).
const HEAD =
  /^\{"ts":\d{1,11}\.\d{6},"iso_ts":"((\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}\.\d{6}Z)","seq":([1-9]\d{0,14})(,"late":true)?,"category":"([a-z][a-z0-9_]{0,63})","event":"([A-Za-z][A-Za-z0-9_]{0,127})"[,}]/;
const TAIL_LEN = 75; // ,"prev":"<64 hex>"}
const TAIL = /^,"prev":"([0-9a-f]{64})"\}$/;
const PROVENANCE = /,"host":"(?:[^"\\]|\\.){0,256}","pid":\d{1,10}$/;
const HEAD_WINDOW = 256;
const PROV_WINDOW = 300;

const ISO_TS = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * Reads a line. `fileDate` is the `YYYY-MM-DD` the file stands for (a line dated otherwise takes
 * the full path, to read `late` exactly); `full` forces the full path.
 */
export function readLine(bytes: Buffer, fileDate: string | undefined, full: boolean): LineReading {
  if (!full) {
    const fast = readFast(bytes);
    if (fast !== undefined && (fileDate === undefined || fast.date === fileDate)) return { ok: true, facts: fast };
  }
  return readFull(bytes);
}

function readFast(bytes: Buffer): LineFacts | undefined {
  const len = bytes.length;
  if (len < 120 || bytes[0] !== 0x7b || bytes[len - 1] !== 0x7d) return undefined;
  const tail = TAIL.exec(bytes.toString('latin1', len - TAIL_LEN, len));
  if (tail === null) return undefined;
  const head = HEAD.exec(bytes.toString('latin1', 0, Math.min(len - TAIL_LEN, HEAD_WINDOW)));
  if (head === null) return undefined;
  const category = head[5] as string;
  if (category === 'system') return undefined;
  const seq = Number(head[3]);
  if (!Number.isSafeInteger(seq)) return undefined;
  const provStart = Math.max(head[0].length, len - TAIL_LEN - PROV_WINDOW);
  const prov = bytes.toString('latin1', provStart, len - TAIL_LEN);
  const pm = PROVENANCE.exec(prov);
  return {
    seq,
    prev: tail[1] as string,
    category,
    event: head[6] as string,
    date: head[2] as string,
    isoTs: head[1] as string,
    late: head[4] !== undefined,
    clockKey: pm === null ? undefined : pm[0],
    record: undefined,
  };
}

function readFull(bytes: Buffer): LineReading {
  if (bytes.length === 0) return defect('empty line');
  if (!isUtf8(bytes)) return defect('not valid UTF-8', bytes);
  let value: unknown;
  try {
    // V8's JSON.parse is iterative: deep nesting costs memory proportional to the (bounded) line,
    // never the stack. Lines above the scanner's bound never get here.
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return defect(`not valid JSON (${err instanceof Error ? err.message.slice(0, 120) : 'parse error'})`, bytes);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return defect('not a JSON object', bytes);
  const rec = value as Record<string, unknown>;
  const seq = rec.seq;
  const prev = rec.prev;
  const seqOk = typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1;
  const prevOk = isHashHex(prev);
  const keep = { seq: seqOk ? (seq as number) : undefined, prev: prevOk ? (prev as string) : undefined };
  if (!seqOk) return { ok: false, defect: { reason: '`seq` is missing or not a positive integer', ...keep } };
  if (!prevOk) return { ok: false, defect: { reason: '`prev` is missing or not 64 lowercase hex digits', ...keep } };
  const isoTs = rec.iso_ts;
  const m = typeof isoTs === 'string' ? ISO_TS.exec(isoTs) : null;
  if (m === null) return { ok: false, defect: { reason: '`iso_ts` is missing or not YYYY-MM-DDTHH:MM:SS.ffffffZ', ...keep } };
  if (typeof rec.ts !== 'number' || !Number.isFinite(rec.ts)) return { ok: false, defect: { reason: '`ts` is missing or not a number', ...keep } };
  if (typeof rec.category !== 'string' || rec.category === '') return { ok: false, defect: { reason: '`category` is missing or not a string', ...keep } };
  if (typeof rec.event !== 'string' || rec.event === '') return { ok: false, defect: { reason: '`event` is missing or not a string', ...keep } };
  if (rec.late !== undefined && rec.late !== true) return { ok: false, defect: { reason: '`late` is present but not true', ...keep } };
  const host = rec.host;
  const pid = rec.pid;
  // Same text as the fast path reads (the logger writes host with JSON.stringify).
  const clockKey = typeof host === 'string' && typeof pid === 'number' ? `,"host":${JSON.stringify(host)},"pid":${pid}` : undefined;
  return {
    ok: true,
    facts: {
      seq: seq as number,
      prev: prev as string,
      category: rec.category,
      event: rec.event,
      date: m[1] as string,
      isoTs: isoTs as string,
      late: rec.late === true,
      clockKey,
      record: rec,
    },
  };
}

function defect(reason: string, bytes?: Buffer): LineReading {
  // Salvage seq and prev by pattern so the chain can be followed past a damaged line.
  let seq: number | undefined;
  let prev: string | undefined;
  if (bytes !== undefined && bytes.length >= TAIL_LEN) {
    const t = TAIL.exec(bytes.toString('latin1', bytes.length - TAIL_LEN, bytes.length));
    if (t !== null) prev = t[1];
    const s = /"seq":([1-9]\d{0,14})[,}]/.exec(bytes.toString('latin1', 0, Math.min(bytes.length, HEAD_WINDOW)));
    if (s !== null) seq = Number(s[1]);
  }
  return { ok: false, defect: { reason, seq, prev } };
}
