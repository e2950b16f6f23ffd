/**
 * The pre-trade limits on an order as accepted and as every modification leaves it: notional, size
 * and price collar, with the symbol's own limits before the policy's.
 */
import type { EventTime } from './event-time.js';
import { type EngineState, fmt, type LogEvent, num, type RiskCheck, unreadableNumber } from './engine-state.js';
import { symbolPolicy } from './names.js';
import { jsonShown, textOf } from './shown.js';
import type { Evidence } from './types.js';

/** What the limit checks read: an order's quantity and price as accepted, or as a modification leaves them. */
export interface LimitSubject {
  readonly id: string;
  readonly symbol: string | null;
  readonly qty: number;
  readonly price: number | null;
  /** The reference price the event itself carries, if any. */
  readonly eventRef: number | null;
  readonly fresh: RiskCheck | undefined;
  readonly modified: boolean;
  readonly iso: EventTime;
  readonly ev: Evidence;
}

/**
 * A quantity or price that is zero or negative, or given but no finite number (only values the event
 * gives). Such a value is never netted: a negative fill would hide an overfill, a negative order size
 * its limits; a quantity that is not a number cannot be held to any limit at all. Returns whether the
 * quantity is usable (positive or absent). `raw` is the event, for the values as given.
 */
export function invalidValues(
  s: EngineState,
  what: string,
  id: string | null,
  symbol: string | null,
  qty: number | null,
  price: number | null,
  iso: EventTime,
  ev: Evidence,
  raw: { readonly quantity?: unknown; readonly price?: unknown },
): boolean {
  const nanQty = qty === null && unreadableNumber(raw.quantity);
  const nanPrice = price === null && unreadableNumber(raw.price);
  const lowQty = qty !== null && qty <= 0;
  const lowPrice = price !== null && price <= 0;
  const badQty = nanQty || lowQty;
  if (nanQty || nanPrice) {
    const parts = [nanQty ? `quantity ${shown(raw.quantity)}` : '', nanPrice ? `price ${shown(raw.price)}` : ''];
    const also = lowQty || lowPrice ? `; ${lowQty ? `quantity ${qty}` : `price ${price}`} (zero or negative)` : '';
    s.add(
      'invalid_quantity',
      iso,
      id === null ? [] : [id],
      symbol,
      `${what} with ${parts.filter(Boolean).join(' and ')} (not a finite number: the size and notional limits cannot be checked)${also}`,
      [ev],
    );
  } else if (lowQty || lowPrice) {
    const parts = [lowQty ? `quantity ${qty}` : '', lowPrice ? `price ${price}` : ''];
    s.add(
      'invalid_quantity',
      iso,
      id === null ? [] : [id],
      symbol,
      `${what} with ${parts.filter(Boolean).join(' and ')} (zero or negative)`,
      [ev],
    );
  }
  return !badQty;
}

/**
 * A value as the event gave it, for a description: strings quoted, at most 40 characters. Anything
 * else as String writes it, computed without calling into the value (shown.ts: `{"toString":1}`
 * made String throw), and as JSON where String cannot write it.
 */
export function shown(v: unknown): string {
  if (typeof v === 'string') return jsonShown(v, 40);
  const t = textOf(v, 41);
  return t.length > 40 ? `${t.slice(0, 40)}…` : t;
}

/** Notional, size and price collar. A market order's notional is taken at the reference price. */
export function limitChecks(s: EngineState, n: LimitSubject): void {
  const p = s.p;
  const { id, symbol, price, fresh, iso, ev } = n;
  const what = n.modified ? `order ${id} as modified:` : `order ${id}`;
  // A negative quantity is its own finding; its size still counts against the limits.
  const qty = Math.abs(n.qty);
  const sym = symbolPolicy(p, symbol);
  const mult = sym?.multiplier ?? 1;
  const ref = fresh?.refPrice ?? n.eventRef;
  const maxNotional = sym?.max_order_notional ?? p.max_order_notional;
  const px = price ?? ref;
  if (px !== null && maxNotional !== null && qty * Math.abs(px) * mult > maxNotional) {
    const at = price === null ? `reference price ${px}` : `${px}`;
    s.add(
      'order_notional_exceeded',
      iso,
      [id],
      symbol,
      `${what} notional ${fmt(qty * Math.abs(px) * mult)} (${qty} × ${at}${mult !== 1 ? ` × ${mult}` : ''}) above the limit ${fmt(maxNotional)}`,
      price === null && fresh ? [fresh.ev, ev] : [ev],
    );
  }
  const maxQty = sym?.max_order_quantity ?? p.max_order_quantity;
  if (maxQty !== null && qty > maxQty)
    s.add(
      'order_size_exceeded',
      iso,
      [id],
      symbol,
      `${what} quantity ${fmt(qty)} above the maximum order size ${fmt(maxQty)}`,
      [ev],
    );
  const collar = sym?.price_collar_pct ?? p.price_collar_pct;
  if (collar !== null && price !== null && ref !== null && ref > 0) {
    const dev = (Math.abs(price - ref) / ref) * 100;
    if (dev > collar)
      s.add(
        'price_collar_breached',
        iso,
        [id],
        symbol,
        `${what} price ${price} is ${dev.toFixed(2)}% from the reference ${ref} (collar ${collar}%)`,
        fresh ? [fresh.ev, ev] : [ev],
      );
  }
}

/**
 * An `OrderModified` of an order the checks cannot find (never seen, or no id): its quantity and
 * price as the event gives them, held to the limits. Nothing is opened: no later event can be
 * matched to an order whose terms the log never showed.
 */
export function modifyUnknown(
  s: EngineState,
  e: LogEvent,
  id: string,
  symbol: string | null,
  iso: EventTime,
  ev: Evidence,
  fresh?: RiskCheck,
): void {
  const q = num(e.quantity);
  const price = num(e.price);
  invalidValues(s, `order ${id} as modified`, id, symbol, q, price, iso, ev, e);
  if (q === null && price === null) return;
  const eventRef = num(e.reference_price);
  limitChecks(s, { id, symbol, qty: q ?? 0, price, eventRef, fresh, modified: true, iso, ev });
}
