/**
 * Reading one log line for verification (docs/FORMAT.md, "A line").
 *
 * Two paths, one answer. The fast path reads the envelope the logger writes at fixed places —
 * `{"ts":…,"iso_ts":"…","seq":N[,"late":true],"category":"…","event":"…"` at the start and
 * `,"host":…,"pid":N,"prev":"<64 hex>"}` at the end — without JSON.parse (which costs about 3× the
 * line's hash; issue 5's benchmark). Anything that does not match exactly, every `TornLineRecovered`
 * event (its fields are checked), every line whose date differs from the file's day, and every line
 * where the chain does not simply continue goes through JSON.parse and field-by-field validation.
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
  /** The event name; '' on the fast path (which never takes `TornLineRecovered`, the one event whose name matters). */
  readonly event: string;
  /** `YYYY-MM-DD` of `iso_ts`. */
  readonly date: string;
  /** `iso_ts` as written, on the full path; '' on the fast path (see isoOff). */
  readonly isoTs: string;
  readonly late: boolean;
  /** `,"host":…,"pid":N` as written, on the full path; undefined on the fast path (see provOff). */
  readonly clockKey: string | undefined;
  /** Fast path: byte offset of the `iso_ts` value (27 bytes); -1 on the full path. */
  readonly isoOff: number;
  /** Fast path: byte range of `,"host":…,"pid":N` before `prev`; provOff -1 when absent. */
  readonly provOff: number;
  readonly provEnd: number;
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

const TAIL_LEN = 75; // ,"prev":"<64 hex>"}
const TAIL = /^,"prev":"([0-9a-f]{64})"\}$/;
const HEAD_WINDOW = 256;
const ISO_TS = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Offsets of the digits after the date in `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
const ISO_DIGITS = [11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25];

// Buffer#latin1Slice skips toString's argument dispatch; it exists on every Node this supports.
type Latin1 = { latin1Slice(start: number, end: number): string };
const hasLatin1Slice = typeof (Buffer.prototype as unknown as Partial<Latin1>).latin1Slice === 'function';
function latin1(b: Buffer, start: number, end: number): string {
  return hasLatin1Slice ? (b as unknown as Latin1).latin1Slice(start, end) : b.toString('latin1', start, end);
}

/**
 * Reads a line. `fileDate` is the `YYYY-MM-DD` the file stands for (a line dated otherwise takes
 * the full path, to read `late` exactly); `full` forces the full path.
 */
export function readLine(bytes: Buffer, fileDate: string | undefined, full: boolean, fileDateBytes?: Buffer): LineReading {
  if (!full) {
    const fast = readFast(bytes, fileDate, fileDateBytes);
    if (fast !== undefined) return { ok: true, facts: fast };
  }
  return readFull(bytes);
}

/** Matches the ASCII bytes `m` at `off`; returns the offset after them, or -1. */
function lit(b: Buffer, off: number, m: Uint8Array): number {
  const n = m.length;
  if (off < 0 || off + n > b.length) return -1;
  for (let i = 0; i < n; i++) if (b[off + i] !== m[i]) return -1;
  return off + n;
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const K_PREV = ascii(',"prev":"');
const K_TS = ascii('{"ts":');
const K_ISO = ascii(',"iso_ts":"');
const K_SEQ = ascii('","seq":');
const K_LATE = ascii(',"late":true');
const K_CAT = ascii(',"category":"');
const K_EVENT = ascii('","event":"');
const K_PID = ascii('","pid":');
const K_HOST = ascii(',"host":"');
const TORN = ascii('TornLineRecovered"');

/** Category names seen recently, so the common ones are not made into new strings per line. */
const catCache: { bytes: Uint8Array; name: string }[] = [];
function categoryName(b: Buffer, start: number, end: number): string {
  const n = end - start;
  for (let k = 0; k < catCache.length; k++) {
    const e = catCache[k] as { bytes: Uint8Array; name: string };
    if (e.bytes.length !== n) continue;
    let same = true;
    for (let i = 0; i < n; i++) {
      if (e.bytes[i] !== b[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return e.name;
  }
  const name = latin1(b, start, end);
  if (catCache.length < 16) catCache.push({ bytes: Uint8Array.from(b.subarray(start, end)), name });
  return name;
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/**
 * The envelope, byte by byte: `{"ts":S.ffffff,"iso_ts":"YYYY-MM-DDTHH:MM:SS.ffffffZ","seq":N
 * [,"late":true],"category":"c","event":"` … `,"prev":"<64>"}`. Undefined when anything differs.
 */
function readFast(b: Buffer, fileDate: string | undefined, fileDateBytes: Buffer | undefined): LineFacts | undefined {
  const len = b.length;
  if (len < 150 || b[len - 1] !== 0x7d || b[len - 2] !== 0x22) return undefined;
  const t = len - TAIL_LEN;
  if (lit(b, t, K_PREV) === -1) return undefined;
  let o = lit(b, 0, K_TS);
  if (o === -1) return undefined;
  const tsStart = o;
  while (isDigit(b[o])) o++;
  if (o === tsStart || o - tsStart > 11 || b[o] !== 0x2e) return undefined;
  o++;
  for (let i = 0; i < 6; i++, o++) if (!isDigit(b[o])) return undefined;
  o = lit(b, o, K_ISO);
  if (o === -1) return undefined;
  const isoOff = o;
  // YYYY-MM-DDTHH:MM:SS.ffffffZ
  if (b[o + 4] !== 0x2d || b[o + 7] !== 0x2d || b[o + 10] !== 0x54 || b[o + 13] !== 0x3a || b[o + 16] !== 0x3a || b[o + 19] !== 0x2e || b[o + 26] !== 0x5a) return undefined;
  if (fileDate === undefined || fileDateBytes === undefined) return undefined;
  for (let i = 0; i < 10; i++) if (b[o + i] !== fileDateBytes[i]) return undefined; // another day: full path reads `late`
  for (let k = 0; k < ISO_DIGITS.length; k++) if (!isDigit(b[o + (ISO_DIGITS[k] as number)])) return undefined;
  o = lit(b, o + 27, K_SEQ);
  if (o === -1 || b[o] === 0x30) return undefined;
  let seq = 0;
  const seqStart = o;
  while (isDigit(b[o])) seq = seq * 10 + ((b[o++] as number) - 0x30);
  if (o === seqStart || o - seqStart > 15) return undefined;
  let late = false;
  const afterLate = lit(b, o, K_LATE);
  if (afterLate !== -1) {
    late = true;
    o = afterLate;
  }
  o = lit(b, o, K_CAT);
  if (o === -1) return undefined;
  const catStart = o;
  const c0 = b[o];
  if (c0 === undefined || c0 < 0x61 || c0 > 0x7a) return undefined;
  while (o < t) {
    const c = b[o] as number;
    if ((c >= 0x61 && c <= 0x7a) || isDigit(c) || c === 0x5f) o++;
    else break;
  }
  if (o - catStart > 64) return undefined;
  const catEnd = o;
  o = lit(b, o, K_EVENT);
  if (o === -1 || o >= t) return undefined;
  const category = categoryName(b, catStart, catEnd);
  // Recoveries need their fields: the full path.
  if (category === 'system' && lit(b, o, TORN) !== -1) return undefined;
  // Provenance just before the tail: ,"host":"…","pid":N — found by walking back from the tail.
  let provOff = -1;
  let p = t - 1;
  while (p > o && isDigit(b[p])) p--;
  if (p < t - 1 && p - 8 > o && lit(b, p - 7, K_PID) === p + 1) {
    const q = p - 7; // the closing quote of the host string
    const floor = Math.max(o, q - 300);
    for (let j = q - 1; j > floor; j--) {
      if (b[j] === 0x22 && b[j - 1] === 0x3a && lit(b, j - 8, K_HOST) === j + 1) {
        provOff = j - 8;
        break;
      }
    }
  }
  return {
    seq,
    prev: latin1(b, t + 9, len - 2),
    category,
    event: '',
    date: fileDate,
    isoTs: '',
    late,
    clockKey: undefined,
    isoOff,
    provOff,
    provEnd: t,
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
      isoOff: -1,
      provOff: -1,
      provEnd: -1,
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
