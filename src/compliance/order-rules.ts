/**
 * The rules fed by order and fill events: the order's lifecycle, the checks on a new order, message
 * rates and order-to-trade counts, fills and overfills.
 */
import {
  type EngineState,
  fmt,
  idOf,
  type LogEvent,
  num,
  type Order,
  type RiskCheck,
  SECOND,
  str,
} from './engine-state.js';
import { RateWindow } from './state.js';
import type { Evidence } from './types.js';

const NEW = new Set(['OrderAccepted']);
const MODIFY = new Set(['OrderModified', 'StopUpdated']);

/** An order event: a new order, a modification or cancel, a rejection, an expiry or the final fill. */
export function orderEvent(s: EngineState, e: LogEvent, event: string, tUs: number, iso: string, ev: Evidence): void {
  const id = idOf(e.order_id);
  if (id === null) return;
  const symbol = str(e.symbol);
  if (NEW.has(event)) return newOrder(s, e, id, symbol, tUs, iso, ev);
  const o = s.open.get(id);
  if (MODIFY.has(event) || event === 'Cancelled') {
    orderMessage(s, e, tUs, iso, ev, symbol ?? o?.symbol ?? null);
    if (o === undefined) {
      const c = s.closed.get(id);
      if (event === 'Cancelled' && c === undefined)
        s.add('cancel_unknown_order', iso, [id], symbol, `cancel of order ${id}, which was never seen open`, [ev]);
      // A stop moved after the fill protects the position, not the order: not a late modification.
      else if (MODIFY.has(event) && c !== undefined && !(event === 'StopUpdated' && c.status === 'filled'))
        s.add(
          'activity_after_close',
          iso,
          [id],
          symbol ?? c.symbol,
          `${event} of order ${id} after it was ${c.status}`,
          [c.newRef, ev],
        );
      return;
    }
    if (event === 'Cancelled') closeOrder(s, o, 'cancelled');
    else {
      const q = num(e.quantity);
      if (q !== null) o.qty = q;
    }
    return;
  }
  if (event === 'Rejected') {
    if (o !== undefined) closeOrder(s, o, 'rejected');
    else if (!s.closed.has(id))
      s.closed.set(id, {
        tUs,
        id,
        symbol,
        newRef: ev,
        tif: 'DAY',
        qty: num(e.quantity) ?? 0,
        filled: 0,
        status: 'rejected',
        overfilled: false,
      });
    return;
  }
  if (event === 'Expired') {
    if (o !== undefined) closeOrder(s, o, 'expired');
    return;
  }
  if (event === 'Filled' && o !== undefined) closeOrder(s, o, 'filled');
}

/** What the checks on a new order read, gathered once. */
interface NewOrder {
  readonly e: LogEvent;
  readonly id: string;
  readonly symbol: string | null;
  readonly tUs: number;
  readonly iso: string;
  readonly ev: Evidence;
  readonly qty: number;
  readonly price: number | null;
  readonly strategy: string | null;
  readonly venue: string | null;
  readonly user: string | null;
  readonly signal: string | null;
}

/** A new order: opened, then every check on it, in a fixed order (findings of one event keep it). */
function newOrder(
  s: EngineState,
  e: LogEvent,
  id: string,
  symbol: string | null,
  tUs: number,
  iso: string,
  ev: Evidence,
): void {
  s.summary.orders_new++;
  const prior = s.open.get(id) ?? s.closed.get(id);
  if (prior !== undefined)
    s.add('order_id_reused', iso, [id], symbol, `order id ${id} used again (first at seq ${prior.newRef.seq})`, [
      prior.newRef,
      ev,
    ]);
  const n: NewOrder = {
    e,
    id,
    symbol,
    tUs,
    iso,
    ev,
    qty: num(e.quantity) ?? 0,
    price: num(e.price),
    strategy: str(e.strategy),
    venue: str(e.venue),
    user: str(e.user) ?? str(e.trader),
    signal: idOf(e.signal_id),
  };
  const o: Order = {
    tUs,
    id,
    symbol,
    newRef: ev,
    tif: (str(e.time_in_force) ?? 'DAY').toUpperCase(),
    qty: n.qty,
    filled: 0,
    status: 'open',
    overfilled: false,
  };
  s.open.set(id, o);
  s.closed.delete(id);
  if (s.open.size > s.peakOpen) s.peakOpen = s.open.size;
  orderMessage(s, e, tUs, iso, ev, symbol);
  haltChecks(s, n);
  const fresh = preTradeRiskChecks(s, n);
  limitChecks(s, n, fresh);
  reviewAndLoginChecks(s, n);
  duplicateCheck(s, n);
}

/** The kill switch (for all, the strategy, the venue or the symbol) and restricted symbols. */
function haltChecks(s: EngineState, n: NewOrder): void {
  const { id, symbol, strategy, venue, iso, ev } = n;
  const ks =
    s.killSwitch.size > 0 &&
    (s.killSwitch.get('all') ??
      (strategy && s.killSwitch.get(`strategy:${strategy}`)) ??
      (venue && s.killSwitch.get(`venue:${venue}`)) ??
      (symbol && s.killSwitch.get(`symbol:${symbol}`)));
  if (ks)
    s.add(
      'kill_switch_violation',
      iso,
      [id],
      symbol,
      `new order ${id} while the kill switch turned on at seq ${ks.seq} was on`,
      [ks, ev],
    );
  if (symbol !== null && s.p.restricted_symbols.includes(symbol))
    s.add('restricted_symbol', iso, [id], symbol, `order ${id} on restricted symbol ${symbol}`, [ev]);
}

/** Pre-trade risk: the latest check for the order, or for the signal it came from. Returns it when fresh. */
function preTradeRiskChecks(s: EngineState, n: NewOrder): RiskCheck | undefined {
  const p = s.p;
  const { id, symbol, signal, tUs, iso, ev } = n;
  const rc = s.risk.get(`o:${id}`) ?? (signal !== null ? s.risk.get(`s:${signal}`) : undefined);
  const fresh = rc !== undefined && rc.tUs >= tUs - p.risk_check_validity_s * SECOND ? rc : undefined;
  if (fresh === undefined) {
    if (p.require_risk_check)
      s.add(
        'missing_risk_check',
        iso,
        [id],
        symbol,
        `order ${id} sent with no passing risk check in the ${p.risk_check_validity_s} s before it`,
        [ev],
      );
  } else if (!fresh.pass) {
    const ov = s.overrides.get(`o:${id}`) ?? (signal !== null ? s.overrides.get(`s:${signal}`) : undefined);
    s.add(
      'risk_override',
      iso,
      [id],
      symbol,
      `order ${id} sent although its risk check rejected it${ov ? ` (override: ${ov.text})` : ' (no override recorded)'}`,
      ov ? [fresh.ev, ov.ev, ev] : [fresh.ev, ev],
    );
  } else if (fresh.failed.length > 0) {
    s.add(
      'risk_check_failed',
      iso,
      [id],
      symbol,
      `order ${id} proceeded although risk checks failed: ${fresh.failed.join(', ')}`,
      [fresh.ev, ev],
    );
  }
  return fresh;
}

/** Notional, size and price collar, with the symbol's own limits before the policy's. */
function limitChecks(s: EngineState, n: NewOrder, fresh: RiskCheck | undefined): void {
  const p = s.p;
  const { e, id, symbol, qty, price, iso, ev } = n;
  const sym = symbol === null ? undefined : p.symbols[symbol];
  const mult = sym?.multiplier ?? 1;
  const maxNotional = sym?.max_order_notional ?? p.max_order_notional;
  if (price !== null && maxNotional !== null && qty * price * mult > maxNotional) {
    s.add(
      'order_notional_exceeded',
      iso,
      [id],
      symbol,
      `order ${id} notional ${fmt(qty * price * mult)} (${qty} × ${price}${mult !== 1 ? ` × ${mult}` : ''}) above the limit ${fmt(maxNotional)}`,
      [ev],
    );
  }
  const maxQty = sym?.max_order_quantity ?? p.max_order_quantity;
  if (maxQty !== null && qty > maxQty)
    s.add(
      'order_size_exceeded',
      iso,
      [id],
      symbol,
      `order ${id} quantity ${fmt(qty)} above the maximum order size ${fmt(maxQty)}`,
      [ev],
    );
  const collar = sym?.price_collar_pct ?? p.price_collar_pct;
  const ref = fresh?.refPrice ?? num(e.reference_price);
  if (collar !== null && price !== null && ref !== null && ref > 0) {
    const dev = (Math.abs(price - ref) / ref) * 100;
    if (dev > collar)
      s.add(
        'price_collar_breached',
        iso,
        [id],
        symbol,
        `order ${id} price ${price} is ${dev.toFixed(2)}% from the reference ${ref} (collar ${collar}%)`,
        fresh ? [fresh.ev, ev] : [ev],
      );
  }
}

/** An earlier review of the order's signal; a valid login of its user; no burst of failed logins just before. */
function reviewAndLoginChecks(s: EngineState, n: NewOrder): void {
  const p = s.p;
  const { id, symbol, signal, user, tUs, iso, ev } = n;
  if (p.require_review && signal !== null) {
    const d = s.decisions.get(signal);
    if (d === undefined || d.tUs < tUs - p.closed_order_memory_s * SECOND) {
      s.add(
        'review_missing',
        iso,
        [id],
        symbol,
        `order ${id} for signal ${signal} with no earlier review${p.review_reviewer_kinds.length ? ` by ${p.review_reviewer_kinds.join(' or ')}` : ''}`,
        [ev],
      );
    }
  }
  if (user === null) return;
  if (p.require_login && !s.sessions.has(user))
    s.add('order_without_login', iso, [id], symbol, `order ${id} by ${user}, who had no valid login`, [ev]);
  const f = s.failed.get(user);
  if (f !== undefined && f.times.length >= p.failed_login_burst.count) {
    const burstAt = f.times[f.times.length - 1] as number;
    if (burstAt >= tUs - p.failed_login_burst.window_s * SECOND && f.flaggedBurstAt !== burstAt) {
      f.flaggedBurstAt = burstAt;
      s.add(
        'order_after_failed_logins',
        iso,
        [id],
        symbol,
        `order ${id} by ${user} within ${p.failed_login_burst.window_s} s of ${f.times.length} failed logins`,
        [ev],
      );
    }
  }
}

/** The same order (symbol, side, quantity, price, strategy, user, account) again within the window. */
function duplicateCheck(s: EngineState, n: NewOrder): void {
  const p = s.p;
  const { e, id, symbol, qty, price, strategy, user, tUs, iso, ev } = n;
  const sig = `${symbol}\u0000${str(e.side)}\u0000${qty}\u0000${price}\u0000${strategy}\u0000${user}\u0000${str(e.account)}`;
  const dup = s.recentNew.get(sig);
  if (dup !== undefined && dup.id !== id && dup.tUs >= tUs - p.duplicate_window_ms * 1000) {
    s.add(
      'duplicate_order',
      iso,
      [dup.id, id],
      symbol,
      `order ${id} duplicates ${dup.id} (same symbol, side, quantity, price) within ${p.duplicate_window_ms} ms`,
      [dup.ev, ev],
    );
  }
  s.recentNew.set(sig, { tUs, ev, id });
}
/** Counts an order message for the order-to-trade ratio and the per-strategy and per-venue rates. */
export function orderMessage(
  s: EngineState,
  e: LogEvent,
  tUs: number,
  iso: string,
  ev: Evidence,
  symbol: string | null,
): void {
  s.summary.order_messages++;
  if (symbol !== null) {
    let c = s.otr.get(symbol);
    if (c === undefined) s.otr.set(symbol, (c = { orders: 0, trades: 0, first: ev }));
    c.orders++;
  }
  const limit = s.p.max_messages_per_second;
  if (limit === null) return;
  const strategy = str(e.strategy);
  if (strategy !== null) messageRate(s, s.strategyRates, 'strategy', strategy, limit, tUs, iso, ev, symbol);
  const venue = str(e.venue);
  if (venue !== null) messageRate(s, s.venueRates, 'venue', venue, limit, tUs, iso, ev, symbol);
}

/** One strategy's or venue's messages within the last second (windows found by name: no key string per message). */
function messageRate(
  s: EngineState,
  windows: Map<string, RateWindow>,
  kind: string,
  name: string,
  limit: number,
  tUs: number,
  iso: string,
  ev: Evidence,
  symbol: string | null,
): void {
  let w = windows.get(name);
  if (w === undefined) windows.set(name, (w = new RateWindow()));
  const n = w.add(tUs);
  if (n > limit && !w.breaching) {
    w.breaching = true;
    s.add(
      'message_rate_exceeded',
      iso,
      [],
      symbol,
      `${kind} ${name}: ${n} order messages within one second (limit ${limit})`,
      [ev],
    );
  } else if (n <= limit) w.breaching = false;
}

/** Moves an open order to the closed ones, with its final status. */
export function closeOrder(s: EngineState, o: Order, status: Order['status']): void {
  o.status = status;
  s.open.delete(o.id);
  s.closed.set(o.id, o);
}

/** A fill: for an order never seen, after its close, or beyond its quantity. */
export function fillEvent(s: EngineState, e: LogEvent, _tUs: number, iso: string, ev: Evidence): void {
  s.summary.fills++;
  const id = idOf(e.order_id);
  const symbol = str(e.symbol);
  if (symbol !== null) {
    let c = s.otr.get(symbol);
    if (c === undefined) s.otr.set(symbol, (c = { orders: 0, trades: 0, first: ev }));
    c.trades++;
  }
  if (id === null) return;
  const q = num(e.quantity) ?? 0;
  const o = s.open.get(id);
  if (o === undefined) {
    const c = s.closed.get(id);
    if (c === undefined)
      s.add('fill_without_order', iso, [id], symbol, `fill for order ${id}, which was never seen`, [ev]);
    else if (c.status !== 'filled')
      s.add('activity_after_close', iso, [id], symbol ?? c.symbol, `fill of order ${id} after it was ${c.status}`, [
        c.newRef,
        ev,
      ]);
    else {
      c.filled += q;
      if (!c.overfilled) {
        c.overfilled = true;
        s.add(
          'overfill',
          iso,
          [id],
          symbol ?? c.symbol,
          `order ${id} filled ${fmt(c.filled)}, more than its quantity ${fmt(c.qty)}`,
          [c.newRef, ev],
        );
      }
    }
    return;
  }
  o.filled += q;
  if (o.filled > o.qty + 1e-9 && !o.overfilled) {
    o.overfilled = true;
    s.add(
      'overfill',
      iso,
      [id],
      symbol ?? o.symbol,
      `order ${id} filled ${fmt(o.filled)}, more than its quantity ${fmt(o.qty)}`,
      [o.newRef, ev],
    );
  }
  if (o.filled >= o.qty - 1e-9) closeOrder(s, o, 'filled');
}
