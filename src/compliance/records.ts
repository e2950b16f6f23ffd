/**
 * The rule fields of a batch of lines as compact records, so that the checks read each line only
 * once: the export's scan (src/pack/day-events.ts), which has already located every top-level
 * value of a line, writes where the fields the rules read (EXTRACTED_FIELDS) lie in the batch's
 * bytes, on whichever thread did the batch; the reading thread, which cut the batch and keeps its
 * bytes until the records are fed, decodes the values from them and feeds the engine in line
 * order. The events the engine sees are exactly extractEvent's (the tests hold the two paths to the
 * same reports): strings and numbers as JSON.parse returns them, last duplicate key wins.
 *
 * Records are 32-bit words, one record per line in the batch's order: a count of fields, or
 * NOT_EVENT (-1) for a line that is no event; then each field, a word `id | kind << 8` (id: index
 * in EXTRACTED_FIELDS) and its value: STR (a string written without escapes) the start and end of
 * its bytes between the quotes, RAW (escaped strings: a lone surrogate does not survive UTF-8;
 * objects and arrays) the start and end of its JSON text, NUM the float64 JSON.parse reads as two
 * words, TRUE, FALSE, NULL nothing. Offsets are into the batch's bytes as the reading thread cut
 * them (both threads' copies have the same layout). Offsets, not the bytes: the writer copied every
 * value's bytes, and the reader found them there, while the reading thread still had them.
 */
import { isAscii } from 'node:buffer';
import { EntryTable, Kind, scanJsonLine } from '../json/line-scanner.js';
import type { LogEvent } from './engine.js';
import { ByteInterner, viewOf } from './byte-interner.js';
import { latin1, utf8 } from '../json/byte-slices.js';
import { EventTime } from './event-time.js';
import { DIGEST_SIZE, hexDigest } from './line-evidence.js';
import { clearFields, EXTRACTED_FIELDS, extractEvent, Fields, fieldIdOf, REPEATING } from './extract.js';

const NOT_EVENT = -1;
const STR = 1;
const NUM = 2;
const RAW = 3;
const TRUE = 5;
const FALSE = 6;
const NULL = 7;

/** A float64 as two words (the host's byte order: records never leave the process). */
const F64 = new Float64Array(1);
const F64_WORDS = new Int32Array(F64.buffer);

/** Writes the records of a batch's lines; reusable (its buffer persists across batches). */
export class RecordWriter {
  private buf = new Int32Array(64 * 1024);
  private pos = 0;
  private readonly table = new EntryTable();

  /** Words written since the last clear (a view: copy it before writing again). */
  view(): Int32Array {
    return this.buf.subarray(0, this.pos);
  }

  /** Empties the writer (keeps its memory). */
  clear(): void {
    this.pos = 0;
  }

  /**
   * A line the export read as an event (`table`: its scan of `line`, the batch's bytes): the rule
   * fields from that scan. Such a line has the envelope the checks need and no duplicate key.
   * `fieldIds`: each entry's fieldIdOf when the caller has already compared the keys (the export's
   * key index).
   */
  event(line: Buffer, table: EntryTable, fieldIds?: Int16Array): void {
    const n = table.count;
    this.room(1 + 3 * n);
    const b = this.buf;
    const head = this.pos;
    let p = head + 1;
    let fields = 0;
    for (let i = 0; i < n; i++) {
      const id = fieldIds === undefined ? fieldIdOf(line, table, i) : (fieldIds[i] as number);
      if (id < 0) continue;
      fields++;
      const kind = table.kind[i];
      const vs = table.valueStart[i] as number;
      const ve = table.valueEnd[i] as number;
      if (kind === Kind.Number) {
        F64[0] = jsonNumber(line, vs, ve);
        b[p] = id | (NUM << 8);
        b[p + 1] = F64_WORDS[0] as number;
        b[p + 2] = F64_WORDS[1] as number;
        p += 3;
      } else if (kind === Kind.True || kind === Kind.False || kind === Kind.Null)
        b[p++] = id | ((kind === Kind.True ? TRUE : kind === Kind.False ? FALSE : NULL) << 8);
      else {
        const plain = kind === Kind.String && table.valueEscaped[i] === 0;
        b[p] = id | ((plain ? STR : RAW) << 8);
        b[p + 1] = plain ? vs + 1 : vs;
        b[p + 2] = plain ? ve - 1 : ve;
        p += 3;
      }
    }
    b[head] = fields;
    this.pos = p;
  }

  /**
   * A complete line the export did not read as an event (never a recovered fragment, which is no
   * event for the checks either: notEvent): the checks read it on their own terms (they accept duplicate keys or a `ts` that disagrees with `iso_ts`, which
   * the export does not). Rare, so it may scan the line again.
   */
  other(line: Buffer, start: number, end: number): void {
    if (extractEvent(line.subarray(start, end)) === undefined) return this.notEvent();
    scanJsonLine(line, end, this.table, start); // an object, as extractEvent found; offsets into line
    this.event(line, this.table);
  }

  /** A line that is not an event for the checks either (unterminated, too long, not one). */
  notEvent(): void {
    this.room(1);
    this.buf[this.pos++] = NOT_EVENT;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const g = new Int32Array(Math.max(this.buf.length * 2, this.pos + n));
    g.set(this.buf.subarray(0, this.pos));
    this.buf = g;
  }
}

/** Exact powers of ten: every one up to 1e22 is a double without rounding. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The double JSON.parse reads from the number `b[s, e)` (already validated by the scanner). Most
 * numbers in a log (prices, quantities, `ts` with its 6 decimals) have at most 16 significant
 * digits and no exponent: their digits as an integer below 2^53 and a power of ten up to 1e22
 * are both exact, so one IEEE division gives the correctly rounded value, the one JSON.parse gives
 * (Clinger's fast path). Anything else (an exponent, more digits) is read by Number() itself.
 * This replaced a string per number, which cost more than the rest of the record.
 */
export function jsonNumber(b: Buffer, s: number, e: number): number {
  let p = s;
  const neg = b[p] === 0x2d;
  if (neg) p++;
  let m = 0;
  let dot = -1;
  for (; p < e; p++) {
    const c = b[p] as number;
    if (c >= 0x30 && c <= 0x39) m = m * 10 + (c - 0x30);
    else if (c === 0x2e && dot < 0) dot = p;
    else return Number(latin1(b, s, e)); // an exponent
  }
  // m grew monotonically: at or below 2^53 - 1 every step was exact.
  const k = dot < 0 ? 0 : e - dot - 1;
  if (m > Number.MAX_SAFE_INTEGER || k > 22) return Number(latin1(b, s, e));
  const v = k === 0 ? m : m / (POW10[k] as number);
  return neg ? -v : v;
}

/** iso_ts's id: given to the sink as bytes (event-time.ts), not decoded per event. */
const ISO_TS_ID = EXTRACTED_FIELDS.indexOf('iso_ts');

/**
 * Fields decoded through a ByteInterner: the repeating ones, and the ids an order's or a signal's
 * few events repeat close together (one string per order instead of one per event, and the map
 * lookups that key by it find its hash already computed).
 */
const INTERNED: ReadonlySet<string> = new Set([...REPEATING, 'order_id', 'signal_id']);

/**
 * Objects and arrays (a risk check's `checks`) parsed once per distinct text: desks log the same
 * few shapes over and over, and JSON.parse costs more than the rest of the record. The values are
 * frozen, as the rules only read them; the cache is emptied when full, so it stays small.
 */
class ParsedCache {
  private readonly map = new Map<string, unknown>();

  value(b: Buffer, s: number, e: number): unknown {
    if (e - s > MAX_CACHED_RAW) return JSON.parse(b.toString('utf8', s, e));
    // Latin-1 maps each byte to one char: a string key that is exactly the bytes.
    const key = latin1(b, s, e);
    let v = this.map.get(key);
    if (v === undefined && !this.map.has(key)) {
      v = deepFreeze(JSON.parse(b.toString('utf8', s, e)));
      if (this.map.size >= MAX_CACHED_VALUES) this.map.clear();
      this.map.set(key, v);
    }
    return v;
  }
}

/** Also bounds deepFreeze's recursion: 512 bytes nest at most 256 levels. */
const MAX_CACHED_RAW = 512;
const MAX_CACHED_VALUES = 1024;

function deepFreeze(v: unknown): unknown {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * Stores field `id` (its index in EXTRACTED_FIELDS) as a named store on the one Fields shape,
 * several times cheaper than `e[name] = v` with a name that changes from store to store. A
 * switch, not a table of setters: a call through a table of 31 closures was a megamorphic call
 * per field, never inlined.
 */
function setField(e: Fields, id: number, v: unknown): void {
  if (id < 16) setLow(e, id, v);
  else setHigh(e, id, v);
}

function setLow(e: Fields, id: number, v: unknown): void {
  switch (id) {
    case 0:
      e.ts = v;
      return;
    case 1:
      e.iso_ts = v;
      return;
    case 2:
      e.seq = v;
      return;
    case 3:
      e.category = v;
      return;
    case 4:
      e.event = v;
      return;
    case 5:
      e.host = v;
      return;
    case 6:
      e.pid = v;
      return;
    case 7:
      e.order_id = v;
      return;
    case 8:
      e.signal_id = v;
      return;
    case 9:
      e.symbol = v;
      return;
    case 10:
      e.side = v;
      return;
    case 11:
      e.quantity = v;
      return;
    case 12:
      e.price = v;
      return;
    case 13:
      e.strategy = v;
      return;
    case 14:
      e.venue = v;
      return;
    case 15:
      e.user = v;
      return;
  }
}

function setHigh(e: Fields, id: number, v: unknown): void {
  switch (id) {
    case 16:
      e.trader = v;
      return;
    case 17:
      e.account = v;
      return;
    case 18:
      e.time_in_force = v;
      return;
    case 19:
      e.reference_price = v;
      return;
    case 20:
      e.result = v;
      return;
    case 21:
      e.score = v;
      return;
    case 22:
      e.checks = v;
      return;
    case 23:
      e.approver = v;
      return;
    case 24:
      e.reason = v;
      return;
    case 25:
      e.ticket = v;
      return;
    case 26:
      e.snapshot_id = v;
      return;
    case 27:
      e.decision = v;
      return;
    case 28:
      e.reviewer_kind = v;
      return;
    case 29:
      e.reviewer = v;
      return;
    case 30:
      e.scope = v;
      return;
    case 31:
      e.record_sha256 = v;
      return;
  }
}

/** Where records go: ComplianceEngine (pushLine or pushDigest, and malformed, in line order). */
export interface EventSink {
  /**
   * One event. `e` is valid only during the call: the reader reuses the object for the next line,
   * so the sink keeps the values it reads from `e`, never `e` itself.
   */
  pushLine(e: LogEvent, file: string, line: number, hash: string): void;
  /**
   * pushLine with the line's SHA-256 as the 32 bytes at `digests[at]` (valid only during the call),
   * for a sink that makes the hex only for the lines it keeps or names in a finding. `time`: the
   * event's iso_ts as bytes, in place of `e.iso_ts` (absent: `e.iso_ts`): the EventTime only
   * during the call, the bytes it points at until `release`.
   */
  pushDigest?(e: LogEvent, file: string, line: number, digests: Buffer, at: number, time?: EventTime): void;
  malformed(): void;
  /** The end of a batch fed by pushDigest with times: their bytes are reused after this call. */
  release?(): void;
}

/** Feeds records to an engine, in order; reusable (its interners persist). */
export class RecordReader {
  private readonly interners: (ByteInterner | undefined)[] = EXTRACTED_FIELDS.map((f) =>
    INTERNED.has(f) ? new ByteInterner() : undefined,
  );
  private readonly parsed = new ParsedCache();
  /** The event being fed, reused: a new 32-field object per line was most of the feed's garbage. */
  private readonly e = new Fields();
  /** The event's iso_ts when written without escapes: its bytes, decoded only if the sink reads it. */
  private readonly time = new EventTime();

  /**
   * Pushes a batch's records to `engine`: `lines` are the batch's bytes the records point into;
   * the record of line `firstLine + k` (1-based line number in `file`) with its SHA-256 as
   * evidence: `hashes[k]` in hex, or the DIGEST_SIZE bytes at `k * DIGEST_SIZE` of a batch's
   * digests (the export's scan has them as bytes; no hex string per line is held while a batch
   * waits, and the engine makes one only for the lines it keeps).
   */
  feed(
    engine: EventSink,
    records: Int32Array,
    lines: Buffer,
    file: string,
    firstLine: number,
    hashes: readonly string[] | Uint8Array,
  ): void {
    try {
      this.push(engine, records, lines, file, firstLine, hashes);
    } finally {
      engine.release?.();
    }
  }

  private push(
    engine: EventSink,
    records: Int32Array,
    lines: Buffer,
    file: string,
    firstLine: number,
    hashes: readonly string[] | Uint8Array,
  ): void {
    const digests =
      hashes instanceof Uint8Array ? Buffer.from(hashes.buffer, hashes.byteOffset, hashes.length) : undefined;
    const r = records;
    // One native pass over the batch (bytes the line scanner read as UTF-8): an ASCII batch's
    // strings are their Latin-1 decoding, cheaper than a UTF-8 one, and this pass brings the batch's
    // bytes back into the cache for the reads below.
    const ascii = isAscii(lines);
    const view = viewOf(lines);
    let p = 0;
    for (let k = 0; p < r.length; k++) {
      const n = r[p++] as number;
      if (n === NOT_EVENT) {
        engine.malformed();
        continue;
      }
      // One Fields object for every event: the sink must not keep it past pushLine (EventSink).
      const e = this.e;
      let timed = false;
      for (let j = 0; j < n; j++) {
        const w = r[p] as number;
        const id = w & 0xff;
        const kind = w >> 8;
        if (kind === NUM) {
          F64_WORDS[0] = r[p + 1] as number;
          F64_WORDS[1] = r[p + 2] as number;
          setField(e, id, F64[0]);
          p += 3;
        } else if (kind === STR || kind === RAW) {
          const s = r[p + 1] as number;
          const end = r[p + 2] as number;
          p += 3;
          if (kind === RAW) {
            setField(e, id, this.parsed.value(lines, s, end));
            if (id === ISO_TS_ID) timed = false; // a duplicate key written with escapes, after one without: the last wins
          } else {
            const interner = this.interners[id];
            if (interner !== undefined) setField(e, id, interner.value(lines, view, s, end, ascii));
            else if (id === ISO_TS_ID) {
              this.time.setBytes(lines, s, end, ascii);
              timed = true;
            } else setField(e, id, ascii ? latin1(lines, s, end) : utf8(lines, s, end));
          }
        } else {
          setField(e, id, kind === TRUE ? true : kind === FALSE ? false : null);
          p++;
        }
      }
      if (digests !== undefined && engine.pushDigest !== undefined)
        engine.pushDigest(
          e as unknown as LogEvent,
          file,
          firstLine + k,
          digests,
          k * DIGEST_SIZE,
          timed ? this.time : undefined,
        );
      else {
        if (timed) e.iso_ts = this.time.text();
        const hash = digests === undefined ? (hashes[k] as string) : hexDigest(digests, k * DIGEST_SIZE);
        engine.pushLine(e as unknown as LogEvent, file, firstLine + k, hash);
      }
      clearFields(e);
    }
  }
}

// setField must follow EXTRACTED_FIELDS exactly (checked once, when the module loads).
EXTRACTED_FIELDS.forEach((name, i) => {
  const f = new Fields();
  setField(f, i, i);
  const set = Object.entries(f).filter(([, v]) => v !== undefined);
  if (set.length !== 1 || set[0]?.[0] !== name) throw new Error(`records: setField ${i} does not set ${name}`);
});
