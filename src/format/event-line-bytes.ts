/**
 * The byte-level readers of src/format/event-line.ts: an event's fields checked on their bytes as
 * the JSON scanner located them (no string and no pattern per line on the common path), and the
 * calendar arithmetic the ts/iso_ts check needs.
 */
import { type EntryTable, Kind } from '../json/line-scanner.js';
import { latin1 } from '../json/byte-slices.js';
import { stringValue } from '../json/strings.js';

/** Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** 1 for the bytes 0-9 a-f. */
const IS_LOWER_HEX = new Uint8Array(256);
for (const c of Buffer.from('0123456789abcdef', 'latin1')) IS_LOWER_HEX[c] = 1;

/** Entry i as a string when it is 64 lowercase hex digits written without escapes; else undefined. */
export function plainHex64(b: Buffer, table: EntryTable, i: number): string | undefined {
  if (table.kind[i] !== Kind.String || table.valueEscaped[i] !== 0) return undefined;
  const s = (table.valueStart[i] as number) + 1;
  if ((table.valueEnd[i] as number) - 1 - s !== 64) return undefined;
  let ok = 1;
  for (let j = s; j < s + 64; j++) ok &= IS_LOWER_HEX[b[j] as number] as number;
  return ok === 1 ? latin1(b, s, s + 64) : undefined;
}

let lastDayKey = -1;
let lastDays = 0;

const digit = (b: Buffer, i: number): number => {
  const c = (b[i] as number) - 0x30;
  return c >= 0 && c <= 9 ? c : Number.NaN; // NaN fails every comparison below
};

/**
 * isoTsProblem(iso, ts) === undefined, computed on the bytes: `iso` (27 bytes from isoStart, after
 * its quote) and the number `ts` in [tsStart, tsEnd). False means "look again with isoTsProblem".
 */
export function isoTsAgree(b: Buffer, o: number, tsStart: number, tsEnd: number): boolean {
  if (
    b[o + 27] !== 0x22 ||
    b[o + 4] !== 0x2d ||
    b[o + 7] !== 0x2d ||
    b[o + 10] !== 0x54 ||
    b[o + 13] !== 0x3a ||
    b[o + 16] !== 0x3a ||
    b[o + 19] !== 0x2e ||
    b[o + 26] !== 0x5a
  )
    return false;
  const y = digit(b, o) * 1000 + digit(b, o + 1) * 100 + digit(b, o + 2) * 10 + digit(b, o + 3);
  const mo = digit(b, o + 5) * 10 + digit(b, o + 6);
  const d = digit(b, o + 8) * 10 + digit(b, o + 9);
  const h = digit(b, o + 11) * 10 + digit(b, o + 12);
  const mi = digit(b, o + 14) * 10 + digit(b, o + 15);
  const sec = digit(b, o + 17) * 10 + digit(b, o + 18);
  if (!(y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && sec >= 0 && sec <= 59))
    return false;
  const dayKey = y * 10000 + mo * 100 + d;
  if (dayKey !== lastDayKey) {
    if (d > daysInMonth(y, mo)) return false;
    lastDays = daysFromCivil(y, mo, d);
    lastDayKey = dayKey;
  }
  // ts: (0|[1-9][0-9]{0,15}) "." 6 digits, equal to the instant.
  const dot = tsEnd - 7;
  if (dot <= tsStart || dot - tsStart > 16 || b[dot] !== 0x2e || (b[tsStart] === 0x30 && dot - tsStart > 1))
    return false;
  let whole = 0;
  for (let i = tsStart; i < dot; i++) {
    const c = digit(b, i);
    if (!(c >= 0)) return false;
    whole = whole * 10 + c;
  }
  if (whole !== lastDays * 86400 + h * 3600 + mi * 60 + sec) return false;
  for (let k = 0; k < 6; k++) if (!(digit(b, dot + 1 + k) >= 0) || b[dot + 1 + k] !== b[o + 20 + k]) return false;
  return true;
}

export function hasControl(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((b[i] as number) < 0x20) return true;
  return false;
}

export function str(b: Buffer, table: EntryTable, i: number): string | undefined {
  if (table.kind[i] !== Kind.String) return undefined;
  if (table.valueEscaped[i] === 1) return stringValue(b, table, i);
  return latin1(b, (table.valueStart[i] as number) + 1, (table.valueEnd[i] as number) - 1);
}

/**
 * `seq` read from its bytes: ^[1-9][0-9]{0,15}$ and a safe integer, else -1.
 * No string per line.
 */
export function seqOf(b: Buffer, table: EntryTable, i: number): number {
  if (table.kind[i] !== Kind.Number) return -1;
  const s = table.valueStart[i] as number;
  const e = table.valueEnd[i] as number;
  if (e - s < 1 || e - s > 16 || b[s] === 0x30) return -1;
  let v = 0;
  for (let k = s; k < e; k++) {
    const c = (b[k] as number) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return Number.isSafeInteger(v) ? v : -1;
}

/** `pid` on its bytes: ^(0|[1-9][0-9]{0,15})$ */
export function pidOk(b: Buffer, table: EntryTable, i: number): boolean {
  if (table.kind[i] !== Kind.Number) return false;
  const s = table.valueStart[i] as number;
  const e = table.valueEnd[i] as number;
  if (e - s < 1 || e - s > 16 || (b[s] === 0x30 && e - s > 1)) return false;
  for (let k = s; k < e; k++) if ((b[k] as number) < 0x30 || (b[k] as number) > 0x39) return false;
  return true;
}

export function numText(b: Buffer, table: EntryTable, i: number): string | undefined {
  if (table.kind[i] !== Kind.Number) return undefined;
  return b.toString('latin1', table.valueStart[i] as number, table.valueEnd[i] as number);
}

export function isStringArray(b: Buffer, table: EntryTable, i: number): boolean {
  if (table.kind[i] !== Kind.Array) return false;
  const v: unknown = JSON.parse(b.toString('utf8', table.valueStart[i] as number, table.valueEnd[i] as number));
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/**
 * How far a valid event line (entries of its ts, iso_ts, seq and prev; `b[start, end)`) is written
 * as the writer writes it, for judging it as a torn write (docs/FORMAT.md, "Torn lines"): bit 1,
 * it starts `{"ts":S.ffffff,"iso_ts":"…","seq":N,`; bit 2, it ends `,"prev":"<hex>"}`. The values
 * were checked already, so the offsets alone tell: no room is left for white space, escapes or
 * other keys. A few integer compares per line.
 */
export function writerForm(
  b: Buffer,
  table: EntryTable,
  start: number,
  end: number,
  tsAt: number,
  isoAt: number,
  seqAt: number,
  prevAt: number,
): number {
  const vs = table.valueStart;
  const ve = table.valueEnd;
  const iso = vs[isoAt] as number;
  const seqEnd = ve[seqAt] as number;
  const head =
    vs[tsAt] === start + 6 && // {"ts":
    iso === (ve[tsAt] as number) + 10 && // ,"iso_ts":
    table.valueEscaped[isoAt] === 0 &&
    vs[seqAt] === iso + 29 + 7 && // "<27>" then ,"seq":
    b[seqEnd] === 0x2c
      ? 1
      : 0;
  const p = vs[prevAt] as number;
  const tail =
    table.valueEscaped[prevAt] === 0 && ve[prevAt] === end - 1 && table.keyStart[prevAt] === p - 7 && b[p - 8] === 0x2c
      ? 2
      : 0;
  return head | tail;
}
