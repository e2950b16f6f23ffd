/**
 * The compliance state that crosses midnight (docs/FORMAT.md, "Compliance state"): what the checks
 * hold at the end of a day that can still decide a finding on the next one. A kill switch turned on
 * at 23:00 and never turned off must stop the orders of 01:00; a login before midnight is a valid
 * session after it; a GTC order accepted yesterday may be filled today. `carryOut` turns an engine's
 * state into plain data, `seedState` (carry-seed.ts) starts an engine from it, `carriedStateJson` writes it
 * canonically (sorted keys) and `parseCarriedState` reads it back as hostile input.
 *
 * Only what is open or inside a window is carried (open orders; closed orders, risk checks,
 * overrides, reviews and duplicates within their policy horizons; failed logins within the burst
 * window; one second of message rates; each process's last time), so its size is bounded like the
 * engine's. Per-day counters (order-to-trade, the summary, findings) are not carried.
 */
import { type EngineState, NONE, type Order, type OrderStatus } from './engine-state.js';
import { AuditpackError } from '../errors.js';
import type { RateWindow } from './state.js';
import { frameBytes, jsonBytesAtMost, numberBytes, writtenCost } from './written-cost.js';
import type { Evidence } from './types.js';

/** `format` of a carried state. */
export const COMPLIANCE_STATE_FORMAT = 'auditpack.compliance-state/1';
/** Most sessions carried (the latest logins): beyond, an order may be flagged without login, never missed. */
export const MAX_CARRIED_SESSIONS = 100_000;
/** Largest state file read (bytes): a bigger one is refused rather than held in memory. */
export const MAX_STATE_BYTES = 256 * 1024 * 1024;

/** An order as carried. */
export interface CarriedOrder {
  readonly order_id: string;
  readonly t_us: number;
  readonly symbol: string | null;
  readonly evidence: Evidence;
  readonly time_in_force: string;
  readonly quantity: number;
  readonly price: number | null;
  readonly reference_price: number | null;
  readonly strategy: string | null;
  readonly venue: string | null;
  readonly filled: number;
  readonly status: OrderStatus;
  readonly overfilled: boolean;
}

/**
 * A list of carried orders: an array, or one read from a state file (carry-file.ts FileOrders),
 * which holds its length and first orders and reads every order again when iterated.
 */
export interface CarriedOrders extends Iterable<CarriedOrder> {
  readonly length: number;
  /** Orders `start` to `end`; a list read from a file holds only its first few (a RangeError past them). */
  slice(start?: number, end?: number): CarriedOrder[];
}

/** The end-of-day state of the checks. Lists keep the engine's order (oldest update first). */
export interface CarriedState {
  readonly format: typeof COMPLIANCE_STATE_FORMAT;
  /** The day whose end this is (`YYYY-MM-DD`). */
  readonly date: string;
  /** The latest event time seen (µs since the epoch): the horizons are measured from it. */
  readonly end_us: number;
  readonly kill_switch: readonly { readonly scope: string; readonly evidence: Evidence }[];
  readonly sessions: readonly { readonly user: string; readonly login_us: number }[];
  readonly failed_logins: readonly {
    readonly user: string;
    readonly last_us: number;
    readonly times_us: readonly number[];
    readonly flagged_burst_us: number;
  }[];
  readonly open_orders: readonly CarriedOrder[];
  readonly closed_orders: readonly CarriedOrder[];
  readonly risk_checks: readonly {
    readonly key: string;
    readonly t_us: number;
    readonly pass: boolean;
    readonly failed: readonly string[];
    readonly reference_price: number | null;
    readonly evidence: Evidence;
  }[];
  readonly overrides: readonly {
    readonly key: string;
    readonly t_us: number;
    readonly text: string | null;
    readonly evidence: Evidence;
  }[];
  readonly decisions: readonly {
    readonly signal_id: string;
    readonly t_us: number;
    readonly approved: boolean;
    readonly decision: string;
    readonly evidence: Evidence;
  }[];
  readonly recent_orders: readonly {
    readonly key: string;
    readonly t_us: number;
    readonly order_id: string;
    readonly evidence: Evidence;
  }[];
  readonly strategy_rates: readonly CarriedRate[];
  readonly venue_rates: readonly CarriedRate[];
  readonly clocks: readonly { readonly process: string; readonly last_us: number }[];
  /**
   * Config changes whose snapshot window runs past midnight, still waiting for their snapshot (from
   * rules 29). Written only when there are some: a state without them has the bytes it had before.
   */
  readonly config_changes?: readonly CarriedConfigChange[];
}

/**
 * A state a day starts from: a CarriedState, or one read from its file whose order lists are
 * read again from the file when used (carry-file.ts).
 */
export type StartingState = Omit<CarriedState, 'open_orders' | 'closed_orders'> & {
  readonly open_orders: CarriedOrders;
  readonly closed_orders: CarriedOrders;
};

/** A config change waiting for its snapshot, as carried. */
export interface CarriedConfigChange {
  readonly t_us: number;
  /** The change's `iso_ts`: the time of its finding. */
  readonly iso: string;
  readonly has_reason: boolean;
  /** Why a ConfigSnapshot in its window did not count, or null. */
  readonly unstored: string | null;
  readonly evidence: Evidence;
}

/** A message-rate window as carried. */
export interface CarriedRate {
  readonly name: string;
  readonly times_us: readonly number[];
  readonly breaching: boolean;
}

/** The carried form of an engine's state after `endDay(date)`. `rename` maps evidence file names. */
export function carryOut(s: EngineState, date: string, rename?: (file: string) => string): CarriedState {
  return carriedOf(s, date, rename, (src, fn) => itemsOf(src).map(fn));
}

/**
 * The bytes of `carriedStateJson(carryOut(s, date, rename))`, in pieces ({@link carriedStateChunks}),
 * each listed item made from the engine's state only when its piece is: a busy day's state (an hour
 * of closed orders and risk checks, tens of megabytes of JSON) is not copied whole into plain data
 * beside the state it comes from, at the end of export and verify, where their memory peaks.
 */
export function carryOutChunks(
  s: EngineState,
  date: string,
  rename?: (file: string) => string,
  pieceChars?: number,
): Generator<string> {
  const lazily: ListOf = (src, fn) => new LazyList(src, fn) as unknown as ReturnType<typeof fn>[];
  return carriedStateChunks(carriedOf(s, date, rename, lazily), pieceChars);
}

/**
 * A list of the carried state made from the engine's items: at once (carryOut) or item by item. The
 * items, or a function making them when the list is reached (the order lists: arrays of every open
 * and closed slot, which a sizing that leaves them out (fitOpenOrders) never needs).
 */
type ListOf = <T, U>(src: ItemsOf<T>, fn: (t: T) => U) => U[];
type ItemsOf<T> = readonly T[] | (() => readonly T[]);

function itemsOf<T>(src: ItemsOf<T>): readonly T[] {
  return typeof src === 'function' ? src() : src;
}

/** A listed section made item by item as carriedStateChunks reaches it. */
class LazyList<T, U> {
  constructor(
    private readonly src: ItemsOf<T>,
    readonly fn: (t: T) => U,
  ) {}
  /** The items (made now, if a function gives them). */
  items(): readonly T[] {
    return itemsOf(this.src);
  }
}

/** Order `o` as carried, its evidence as `ev` gives it. */
function carriedOrder(s: EngineState, o: Order, ev: (e: Evidence) => Evidence): CarriedOrder {
  const st = s.orders;
  return {
    // In the state file's key order (sortKeys then copies nothing).
    evidence: ev(st.opened(o)),
    filled: st.filled.get(o),
    order_id: st.ids.get(o),
    overfilled: st.overfilled(o),
    price: st.price(o),
    quantity: st.qty.get(o),
    reference_price: st.ref(o),
    status: st.status(o),
    strategy: st.strategy.get(o) ?? null,
    symbol: st.symbol.get(o) ?? null,
    t_us: st.tUs.get(o),
    time_in_force: st.tif.get(o) as string,
    venue: st.venue.get(o) ?? null,
  };
}

/**
 * Kept free below MAX_STATE_BYTES at each day's end (fitOpenOrders): its count leaves out nothing
 * the writers write, so this is room to spare, not room for an estimate.
 */
export const STATE_MARGIN_BYTES = 1024 * 1024;

/**
 * Evidence file names are measured this much longer than the engine holds them: the state's
 * writers rename the day's log (`data/audit.jsonl` to `audit-YYYYMMDD.jsonl`, 4 characters
 * longer, in a roll-up under its host), never by more.
 */
const RENAME_ROOM = 'x'.repeat(8);

/**
 * At the end of day `date`, drops the oldest open orders (`open_orders_over_cap`) until the state
 * file, as its writers write it, fits in `budget` bytes (MAX_STATE_BYTES less STATE_MARGIN_BYTES):
 * over MAX_STATE_BYTES every reader refuses the state and the export fails
 * (COMPLIANCE_STATE_TOO_LARGE, no pack). Open orders are the one part no horizon ends and the only
 * part dropped. Done in endDay, not by the writer, so verify's re-run drops the same orders and the
 * day's report names them.
 *
 * Measured by {@link jsonBytesAtMost}, never under what is written (exact for plain names), item
 * by item and never serialised: serialising a 120 MB state to measure it took as long as writing it.
 */
export function fitOpenOrders(s: EngineState, date: string, budget: number): void {
  if (s.open.size === 0) return;
  const lazily: ListOf = (src, fn) => new LazyList(src, fn) as unknown as ReturnType<typeof fn>[];
  const c = carriedOf(s, date, (f) => `${f}${RENAME_ROOM}`, lazily);
  let bytes = stateBytesAtMost({ ...c, open_orders: [], closed_orders: [] });
  // Each order with a comma (one too many a list: a byte over).
  for (let o = s.closed.head; o !== NONE; o = s.orders.next.get(o))
    bytes += carriedOrderBytesAtMost(s, o, RENAME_ROOM.length) + 1;
  for (let o = s.open.head; o !== NONE; o = s.orders.next.get(o))
    bytes += carriedOrderBytesAtMost(s, o, RENAME_ROOM.length) + 1;
  // The oldest shed first, each order's size counted again (no array of 500,000 sizes held for it).
  while (bytes > budget && s.open.size > 0) {
    bytes -= carriedOrderBytesAtMost(s, s.open.head, RENAME_ROOM.length) + 1;
    s.shedOpen(s.open.head, 'size');
  }
}

/** The keys and punctuation of a carried order as written, its evidence's aside (carriedOrder). */
const ORDER_FRAME = frameBytes([
  'order_id',
  't_us',
  'symbol',
  'evidence',
  'time_in_force',
  'quantity',
  'price',
  'reference_price',
  'strategy',
  'venue',
  'filled',
  'status',
  'overfilled',
]);

/**
 * At least the bytes of order `o`'s item in the state file (`carriedOrder`, evidence file names
 * `room` characters longer), without making the item or its evidence's hex: jsonBytesAtMost of it.
 */
export function carriedOrderBytesAtMost(s: EngineState, o: Order, room: number): number {
  const st = s.orders;
  return (
    ORDER_FRAME +
    st.openedBytesAtMost(o, room) +
    st.ids.writtenCost(o) +
    2 +
    numberBytes(st.tUs.get(o)) +
    jsonBytesAtMost(st.symbol.get(o) ?? null) +
    jsonBytesAtMost(st.tif.get(o)) +
    numberBytes(st.qty.get(o)) +
    jsonBytesAtMost(st.price(o)) +
    jsonBytesAtMost(st.ref(o)) +
    jsonBytesAtMost(st.strategy.get(o) ?? null) +
    jsonBytesAtMost(st.venue.get(o) ?? null) +
    numberBytes(st.filled.get(o)) +
    jsonBytesAtMost(st.status(o)) +
    5
  );
}

/** jsonBytesAtMost of a carried state whose lists are made item by item (carryOutChunks' LazyList). */
function stateBytesAtMost(c: CarriedState): number {
  let n = 1;
  for (const [k, v] of Object.entries(c)) {
    n += writtenCost(k) + 4;
    if (!(v instanceof LazyList)) n += jsonBytesAtMost(v);
    else {
      let m = 1;
      for (const x of (v as LazyList<unknown, unknown>).items())
        m += jsonBytesAtMost((v as LazyList<unknown, unknown>).fn(x)) + 1;
      n += m < 2 ? 2 : m;
    }
  }
  return n;
}

function carriedOf(
  s: EngineState,
  date: string,
  rename: ((file: string) => string) | undefined,
  list: ListOf,
): CarriedState {
  // Evidence, orders, risk checks and recent orders are made in the state file's key order: its
  // writer's sortKeys then copies none of them.
  const ev = (e: Evidence): Evidence => ({
    file: rename === undefined ? e.file : rename(e.file),
    line: e.line,
    line_sha256: e.line_sha256,
    seq: e.seq,
  });
  const st = s.orders;
  const order = (o: Order): CarriedOrder => carriedOrder(s, o, ev);
  const rates = (m: Map<string, RateWindow>): CarriedRate[] =>
    list([...m.values()], (w) => ({ name: w.name, times_us: w.held(), breaching: w.breaching }));
  return {
    format: COMPLIANCE_STATE_FORMAT,
    date,
    end_us: s.nowUs,
    kill_switch: list([...s.killSwitch.values()], (k) => ({ scope: k.scope, evidence: ev(k.ev) })),
    sessions: list([...s.sessions].slice(-MAX_CARRIED_SESSIONS), ([user, login_us]) => ({ user, login_us })),
    failed_logins: list([...s.failed], ([user, f]) => ({
      user,
      last_us: f.tUs,
      times_us: [...f.times],
      flagged_burst_us: f.flaggedBurstAt,
    })),
    open_orders: list(() => s.open.toArray(), order),
    closed_orders: list(() => s.closed.toArray(), order),
    // An order's risk check and override are in its slot, in one order of update with the others.
    risk_checks: list(s.risk.toArray(), (r) => ({
      evidence: ev(r.ev),
      failed: [...r.failed],
      key: r.key ?? `o:${st.ids.get(r.slot)}`,
      pass: r.pass,
      reference_price: r.refPrice,
      t_us: r.tUs,
    })),
    overrides: list(s.overrides.toArray(), (o) => ({
      key: o.key ?? `o:${st.ids.get(o.slot)}`,
      t_us: o.tUs,
      text: o.text ?? null,
      evidence: ev(o.ev),
    })),
    decisions: list([...s.decisions.entries()], ([signal_id, d]) => ({
      signal_id,
      t_us: d.tUs,
      approved: d.approved,
      decision: d.decision,
      evidence: ev(d.ev),
    })),
    recent_orders: list(s.recent.list.toArray(), (r) => ({
      evidence: ev(r.ev),
      key: r.key,
      order_id: r.id,
      t_us: r.tUs,
    })),
    strategy_rates: rates(s.strategyRates),
    venue_rates: rates(s.venueRates),
    clocks: list([...s.clocks], ([process, c]) => ({ process, last_us: c.last })),
    ...(s.configs.size === 0
      ? {}
      : {
          config_changes: list([...s.configs.values()], (c) => ({
            t_us: c.tUs,
            iso: c.iso,
            has_reason: c.hasReason,
            unstored: c.unstored ?? null,
            evidence: ev(c.ev),
          })),
        }),
  };
}

/**
 * The pieces of a state file as its writer writes them, held to MAX_STATE_BYTES: every reader (verify,
 * the next day's export, a rollup) refuses a larger state, so a pack holding one would fail its own
 * verify and break the carry. Over it, COMPLIANCE_STATE_TOO_LARGE is thrown while the file is written,
 * before anything is signed (the export then leaves no pack). `max`: for tests.
 */
export function* stateFileChunks(pieces: Iterable<string>, max = MAX_STATE_BYTES): Generator<string> {
  let bytes = 0;
  for (const piece of pieces) {
    bytes += Buffer.byteLength(piece, 'utf8');
    if (bytes > max) throw stateTooLarge(max);
    yield piece;
  }
}

/** `text`, a state file's whole text, held to MAX_STATE_BYTES as {@link stateFileChunks} holds pieces. */
export function stateFileText(text: string, max = MAX_STATE_BYTES): string {
  if (Buffer.byteLength(text, 'utf8') > max) throw stateTooLarge(max);
  return text;
}

function stateTooLarge(max: number): AuditpackError {
  return new AuditpackError(
    'COMPLIANCE_STATE_TOO_LARGE',
    `the compliance state to carry is over ${max} bytes, more than its readers take, its open orders already dropped to fit: what is kept within the policy's horizons (closed orders, risk checks, duplicates) is that large; shorten closed_order_memory_s or duplicate_window_ms in the compliance policy and export again`,
    { details: { max } },
  );
}

/** The state file's text: JSON with every object's keys sorted, one line, final newline. */
export function carriedStateJson(c: CarriedState): string {
  return `${JSON.stringify(sortKeys(c))}\n`;
}

/**
 * `v` with every object's keys sorted: `v` itself where that is already so (most of a state's items are
 * made in key order by carriedOf: no copy of each), else a sorted copy.
 */
function sortKeys(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = sortKeys(v[i]);
      if (x !== v[i]) (out ??= v.slice())[i] = x;
    }
    return out ?? v;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  let same = true;
  for (let i = 1; i < keys.length && same; i++) same = (keys[i - 1] as string) < (keys[i] as string);
  for (let i = 0; i < keys.length && same; i++) same = sortKeys(o[keys[i] as string]) === o[keys[i] as string];
  if (same) return v;
  const out: Record<string, unknown> = {};
  for (const k of keys.sort()) out[k] = sortKeys(o[k]);
  return out;
}

/**
 * The bytes of {@link carriedStateJson}, in pieces of about `pieceChars` characters: the same text
 * (the tests hold the joined pieces equal to it), without a sorted copy of the whole state and the
 * whole text at once. A busy day's state holds an hour of closed orders (tens of megabytes of
 * JSON at millions of events), and export and verify write or hash it at their peak.
 */
export function* carriedStateChunks(c: CarriedState, pieceChars = 64 * 1024): Generator<string> {
  let piece = '{';
  let first = true;
  const o = c as unknown as Record<string, unknown>;
  for (const k of Object.keys(o).sort()) {
    const v = o[k];
    const head = `${first ? '' : ','}${JSON.stringify(k)}:`;
    const lazy = v instanceof LazyList ? (v as LazyList<unknown, unknown>) : undefined;
    if (!Array.isArray(v) && lazy === undefined) {
      const json = JSON.stringify(sortKeys(v));
      if (json === undefined) continue; // JSON.stringify leaves out a key whose value is undefined
      piece += head + json;
      first = false;
      continue;
    }
    piece += `${head}[`;
    first = false;
    const items: readonly unknown[] = lazy === undefined ? (v as unknown[]) : lazy.items();
    for (let i = 0; i < items.length; i++) {
      const item = lazy === undefined ? items[i] : lazy.fn(items[i]);
      piece += `${i === 0 ? '' : ','}${JSON.stringify(sortKeys(item)) ?? 'null'}`;
      if (piece.length >= pieceChars) {
        yield piece;
        piece = '';
      }
    }
    piece += ']';
  }
  yield `${piece}}\n`;
}
