/**
 * Reading an event for the checks without JSON.parse: the line is validated exactly as JSON.parse
 * would (src/json/line-scanner.ts, property-tested against it), then only the top-level fields the
 * rules read are decoded. `toString` + `JSON.parse` cost about 2.2 µs a line, most of the checks'
 * budget on a 1,000,000-event day; this is the export's own scanner, without building the object.
 * The result equals JSON.parse's for those fields (last duplicate key wins, escapes decoded);
 * `parseEventLine` in check.ts is the reference the tests compare it with.
 */
import { isUtf8 } from 'node:buffer';
import { EntryTable, Kind, LineShape, scanJsonLine } from '../json/line-scanner.js';
import { StringInterner } from '../json/strings.js';
import type { LogEvent } from './engine.js';

/** The top-level fields the rules (and `check --order`'s summary) read. */
export const EXTRACTED_FIELDS = Object.freeze([
  'ts',
  'iso_ts',
  'seq',
  'category',
  'event',
  'host',
  'pid',
  'order_id',
  'signal_id',
  'symbol',
  'side',
  'quantity',
  'price',
  'strategy',
  'venue',
  'user',
  'trader',
  'account',
  'time_in_force',
  'reference_price',
  'result',
  'score',
  'checks',
  'approver',
  'reason',
  'ticket',
  'snapshot_id',
  'decision',
  'reviewer_kind',
  'reviewer',
  'scope',
  // A ConfigSnapshot's hash of its stored record, held to the snapshot store (event-rules.ts).
  'record_sha256',
] as const);

/**
 * Every extracted field declared up front: all events share one object shape, so the rules' field
 * reads stay monomorphic (an object built key by key in each line's order would not).
 */
export class Fields {
  ts: unknown = undefined;
  iso_ts: unknown = undefined;
  seq: unknown = undefined;
  category: unknown = undefined;
  event: unknown = undefined;
  host: unknown = undefined;
  pid: unknown = undefined;
  order_id: unknown = undefined;
  signal_id: unknown = undefined;
  symbol: unknown = undefined;
  side: unknown = undefined;
  quantity: unknown = undefined;
  price: unknown = undefined;
  strategy: unknown = undefined;
  venue: unknown = undefined;
  user: unknown = undefined;
  trader: unknown = undefined;
  account: unknown = undefined;
  time_in_force: unknown = undefined;
  reference_price: unknown = undefined;
  result: unknown = undefined;
  score: unknown = undefined;
  checks: unknown = undefined;
  approver: unknown = undefined;
  reason: unknown = undefined;
  ticket: unknown = undefined;
  snapshot_id: unknown = undefined;
  decision: unknown = undefined;
  reviewer_kind: unknown = undefined;
  reviewer: unknown = undefined;
  scope: unknown = undefined;
  record_sha256: unknown = undefined;
}

/**
 * Sets every field of `e` back to undefined, as a new Fields has them: a reader that reuses one
 * object for every event (records.ts) allocates nothing per line. Named stores, one per field.
 */
export function clearFields(e: Fields): void {
  e.ts = undefined;
  e.iso_ts = undefined;
  e.seq = undefined;
  e.category = undefined;
  e.event = undefined;
  e.host = undefined;
  e.pid = undefined;
  e.order_id = undefined;
  e.signal_id = undefined;
  e.symbol = undefined;
  e.side = undefined;
  e.quantity = undefined;
  e.price = undefined;
  e.strategy = undefined;
  e.venue = undefined;
  e.user = undefined;
  e.trader = undefined;
  e.account = undefined;
  e.time_in_force = undefined;
  e.reference_price = undefined;
  e.result = undefined;
  e.score = undefined;
  e.checks = undefined;
  e.approver = undefined;
  e.reason = undefined;
  e.ticket = undefined;
  e.snapshot_id = undefined;
  e.decision = undefined;
  e.reviewer_kind = undefined;
  e.reviewer = undefined;
  e.scope = undefined;
  e.record_sha256 = undefined;
}

/** A field's name in EXTRACTED_FIELDS. */
export type FieldName = (typeof EXTRACTED_FIELDS)[number];
const BY_LENGTH: { bytes: Buffer; id: number }[][] = [];
EXTRACTED_FIELDS.forEach((name, id) => {
  (BY_LENGTH[name.length] ??= []).push({ bytes: Buffer.from(name, 'latin1'), id });
});
const ID_OF = new Map<string, number>(EXTRACTED_FIELDS.map((n, i) => [n, i]));
const ISO_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const table = new EntryTable();
/** Fields whose values repeat from line to line: decoded once, then found by their bytes (no string per line). */
export const REPEATING: ReadonlySet<string> = new Set([
  'category',
  'event',
  'host',
  'symbol',
  'side',
  'strategy',
  'venue',
  'user',
  'trader',
  'account',
  'time_in_force',
  'result',
  'scope',
  'reviewer_kind',
  'decision',
]);
const interners = new Map<string, StringInterner>([...REPEATING].map((k) => [k, new StringInterner(256)]));

/** The index in EXTRACTED_FIELDS of entry `i`'s key (as JSON.parse reads it), else -1. */
export function fieldIdOf(line: Buffer, t: EntryTable, i: number): number {
  const ks = (t.keyStart[i] as number) + 1;
  const ke = (t.keyEnd[i] as number) - 1;
  if (t.keyEscaped[i] === 1) return ID_OF.get(JSON.parse(line.toString('utf8', ks - 1, ke + 1)) as string) ?? -1;
  const bucket = BY_LENGTH[ke - ks];
  if (bucket === undefined) return -1;
  for (const cand of bucket) {
    const b = cand.bytes;
    let j = 0;
    while (j < b.length && line[ks + j] === b[j]) j++;
    if (j === b.length) return cand.id;
  }
  return -1;
}

function fieldValue(line: Buffer, i: number): unknown {
  const vs = table.valueStart[i] as number;
  const ve = table.valueEnd[i] as number;
  switch (table.kind[i]) {
    case Kind.String:
      return table.valueEscaped[i] === 1
        ? JSON.parse(line.toString('utf8', vs, ve))
        : line.toString('utf8', vs + 1, ve - 1);
    case Kind.Number:
      return Number(line.toString('latin1', vs, ve));
    case Kind.True:
      return true;
    case Kind.False:
      return false;
    case Kind.Null:
      return null;
    default:
      return JSON.parse(line.toString('utf8', vs, ve));
  }
}

/**
 * The event on `line` (bytes without "\n", valid UTF-8 or not): its rule fields, or undefined when
 * the line is not an event (not JSON, not an object, or without the envelope: numeric `ts`,
 * `iso_ts` as written by the logger, integer `seq`, string `category` and `event`).
 */
export function extractEvent(line: Buffer): LogEvent | undefined {
  if (!isUtf8(line)) return undefined;
  if (scanJsonLine(line, line.length, table, 0) !== LineShape.Object) return undefined;
  const e = new Fields() as unknown as Record<string, unknown>;
  for (let i = 0; i < table.count; i++) {
    const id = fieldIdOf(line, table, i);
    if (id < 0) continue;
    const k = EXTRACTED_FIELDS[id] as FieldName;
    const interner = table.kind[i] === Kind.String ? interners.get(k) : undefined;
    e[k] = interner !== undefined ? interner.value(line, table, i) : fieldValue(line, i);
  }
  return hasEnvelope(e) ? e : undefined;
}

/** The envelope the checks rely on: numeric `ts`, `iso_ts` as the logger writes it, integer `seq`, string `category` and `event`. */
export function hasEnvelope(e: LogEvent): boolean {
  if (typeof e.ts !== 'number' || !Number.isFinite(e.ts) || typeof e.iso_ts !== 'string' || !ISO_TS.test(e.iso_ts))
    return false;
  return (
    typeof e.seq === 'number' &&
    Number.isSafeInteger(e.seq) &&
    typeof e.category === 'string' &&
    typeof e.event === 'string'
  );
}

// clearFields must clear every field of Fields (checked once, when the module loads).
{
  const f = new Fields() as unknown as Record<string, unknown>;
  for (const k of Object.keys(f)) f[k] = 0;
  clearFields(f as unknown as Fields);
  const left = Object.entries(f).filter(([, v]) => v !== undefined);
  if (left.length > 0) throw new Error(`extract: clearFields leaves ${left.map(([k]) => k).join(', ')}`);
}
