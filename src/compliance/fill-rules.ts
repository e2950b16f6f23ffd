/**
 * The rules fed by fill events: a fill for an order never seen, after its close, beyond its
 * quantity, or on a restricted symbol.
 */
import type { EventTime } from './event-time.js';
import {
  CLOSED,
  type EngineState,
  fmt,
  idOf,
  type LogEvent,
  NONE,
  num,
  OPEN,
  type Order,
  str,
} from './engine-state.js';
import { invalidValues } from './limit-rules.js';
import { isRestricted, nameKey } from './names.js';
import { closeOrder, countOtr, idMissing } from './order-rules.js';
import { heldRestricted } from './text-fields.js';
import type { Evidence } from './types.js';

/** A fill: for an order never seen, after its close, or beyond its quantity. */
export function fillEvent(s: EngineState, e: LogEvent, _tUs: number, iso: EventTime, ev: Evidence): void {
  s.summary.fills++;
  const id = idOf(e.order_id);
  const symbol = str(e.symbol);
  if (symbol !== null) countOtr(s, symbol, ev, true);
  const fq = num(e.quantity);
  const usable = invalidValues(
    s,
    `fill${id === null ? '' : ` of order ${id}`}`,
    id,
    symbol,
    fq,
    num(e.price),
    iso,
    ev,
    e,
  );
  if (id === null) {
    idMissing(s, e, 'fill', symbol, iso, ev);
    if (symbol === null) heldRestricted(s, e, null, 'fill', null, iso, ev);
    return restrictedFill(s, null, symbol, null, iso, ev);
  }
  const st = s.orders;
  const slot = s.find(id);
  const o = slot !== NONE && st.ord.get(slot) === OPEN ? slot : NONE;
  const c = slot !== NONE && st.ord.get(slot) === CLOSED ? slot : NONE;
  const orderSymbol = o !== NONE ? (st.symbol.get(o) ?? null) : c !== NONE ? (st.symbol.get(c) ?? null) : null;
  restrictedFill(s, id, symbol, orderSymbol, iso, ev);
  if (symbol === null) heldRestricted(s, e, id, `fill of order ${id}`, orderSymbol, iso, ev);
  // A zero or negative fill is its own finding and is not counted: netted, it would hide an overfill.
  if (!usable) return;
  const q = fq ?? 0;
  if (o === NONE) {
    if (c === NONE) s.add('fill_without_order', iso, [id], symbol, `fill for order ${id}, which was never seen`, [ev]);
    else if (st.status(c) !== 'filled')
      s.add(
        'activity_after_close',
        iso,
        [id],
        symbol ?? st.symbol.get(c) ?? null,
        `fill of order ${id} after it was ${st.status(c)}`,
        [st.opened(c), ev],
      );
    else {
      st.filled.set(c, st.filled.get(c) + q);
      if (!st.overfilled(c)) overfill(s, c, id, symbol, iso, ev);
    }
    return;
  }
  st.filled.set(o, st.filled.get(o) + q);
  if (st.filled.get(o) > st.qty.get(o) + 1e-9 && !st.overfilled(o)) overfill(s, o, id, symbol, iso, ev);
  if (st.filled.get(o) >= st.qty.get(o) - 1e-9) closeOrder(s, o, 'filled');
}

/** The first fill of order `o` beyond its quantity. */
function overfill(s: EngineState, o: Order, id: string, symbol: string | null, iso: EventTime, ev: Evidence): void {
  const st = s.orders;
  st.setOverfilled(o, true);
  s.add(
    'overfill',
    iso,
    [id],
    symbol ?? st.symbol.get(o) ?? null,
    `order ${id} filled ${fmt(st.filled.get(o))}, more than its quantity ${fmt(st.qty.get(o))}`,
    [st.opened(o), ev],
  );
}

/** A fill on a restricted symbol, unless its order was on that symbol (flagged when it was accepted). */
function restrictedFill(
  s: EngineState,
  id: string | null,
  symbol: string | null,
  orderSymbol: string | null,
  iso: EventTime,
  ev: Evidence,
): void {
  if (symbol === null || !isRestricted(s.p, symbol)) return;
  if (orderSymbol !== null && nameKey(orderSymbol) === nameKey(symbol)) return;
  s.add(
    'restricted_symbol',
    iso,
    id === null ? [] : [id],
    symbol,
    `fill${id === null ? '' : ` of order ${id}`} on restricted symbol ${symbol}${orderSymbol === null ? '' : ` (the order was on ${orderSymbol})`}`,
    [ev],
  );
}
