/**
 * The pre-trade limits on an order as accepted and as every modification leaves it: notional, size
 * and price collar, with the symbol's own limits before the policy's.
 */
import { type EngineState, fmt, type RiskCheck } from './engine-state.js';
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
  readonly iso: string;
  readonly ev: Evidence;
}

/**
 * A quantity or price that is zero or negative (only values the event gives). Such a value is never
 * netted: a negative fill would hide an overfill, a negative order size its limits. Returns whether
 * the quantity is usable (positive or absent).
 */
export function invalidValues(
  s: EngineState,
  what: string,
  id: string | null,
  symbol: string | null,
  qty: number | null,
  price: number | null,
  iso: string,
  ev: Evidence,
): boolean {
  const badQty = qty !== null && qty <= 0;
  if (badQty || (price !== null && price <= 0)) {
    const parts = [badQty ? `quantity ${qty}` : '', price !== null && price <= 0 ? `price ${price}` : ''];
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

/** Notional, size and price collar. A market order's notional is taken at the reference price. */
export function limitChecks(s: EngineState, n: LimitSubject): void {
  const p = s.p;
  const { id, symbol, price, fresh, iso, ev } = n;
  const what = n.modified ? `order ${id} as modified:` : `order ${id}`;
  // A negative quantity is its own finding; its size still counts against the limits.
  const qty = Math.abs(n.qty);
  const sym = symbol === null ? undefined : p.symbols[symbol];
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
