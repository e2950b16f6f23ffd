/**
 * The rules fed by order and fill events: the order's lifecycle, the checks on a new order, message
 * rates and order-to-trade counts, fills and overfills.
 */
import type { EventTime } from './event-time.js';
import {
  CLOSED,
  type EngineState,
  idOf,
  keptId,
  type LogEvent,
  NO_ORDER,
  NONE,
  num,
  OPEN,
  type Order,
  type OrderStatus,
  type RiskCheck,
  SECOND,
  type Slot,
  str,
} from './engine-state.js';
import { invalidValues, limitChecks, modifyUnknown } from './limit-rules.js';
import { cachedFold, cachedNameKey, type FoldedName } from './name-key.js';
import { isRestricted, scopeKeyOf, UNKNOWN_SCOPE } from './names.js';
import { hashedRecentHash } from './signature.js';
import { RateWindow } from './state.js';
import { failedBurst, heldRestricted, heldReviewAndLogin, heldSwitch } from './text-fields.js';
import type { Evidence } from './types.js';

const NEW = new Set(['OrderAccepted']);
const MODIFY = new Set(['OrderModified', 'StopUpdated']);
/** The order events that must name their order (other events of the category may not be about one). */
const ORDER_EVENTS = new Set([...NEW, ...MODIFY, 'Cancelled', 'Rejected', 'Expired', 'Filled']);
/** The rate key of messages whose order names no strategy (or no venue). */
const UNKNOWN = 'unknown';

/** An order event: a new order, a modification or cancel, a rejection, an expiry or the final fill. */
export function orderEvent(
  s: EngineState,
  e: LogEvent,
  event: string,
  tUs: number,
  iso: EventTime,
  ev: Evidence,
): void {
  const id = idOf(e.order_id);
  const symbol = str(e.symbol);
  if (id === null && ORDER_EVENTS.has(event)) idMissing(s, e, event, symbol, iso, ev);
  if (NEW.has(event)) return newOrder(s, e, id, symbol, tUs, iso, ev);
  // Not a new order and no id: it still counts as a message, but no order can be found for it.
  if (id === null) {
    if (!MODIFY.has(event) && event !== 'Cancelled') return;
    orderMessage(s, e, tUs, iso, ev, symbol);
    // Its new size is still held to the limits, under a name of its own (as a new order with no id).
    if (event === 'OrderModified') modifyUnknown(s, e, `(no order id, seq ${ev.seq})`, symbol, iso, ev);
    return;
  }
  // The order's one lookup: open, closed (remembered) or neither.
  const st = s.orders;
  const slot = s.find(id);
  const o = slot !== NONE && st.ord.get(slot) === OPEN ? slot : NONE;
  const c = slot !== NONE && st.ord.get(slot) === CLOSED ? slot : NONE;
  if (MODIFY.has(event) || event === 'Cancelled') {
    orderMessage(s, e, tUs, iso, ev, symbol ?? (o === NONE ? null : (st.symbol.get(o) ?? null)), o);
    if (o === NONE) {
      if (event === 'Cancelled' && c === NONE)
        s.add('cancel_unknown_order', iso, [id], symbol, `cancel of order ${id}, which was never seen open`, [ev]);
      else if (c === NONE) {
        // An amended order the log never showed accepted (a lost OrderAccepted, a second gateway):
        // named, and its size held to the limits all the same.
        s.add('modify_unknown_order', iso, [id], symbol, `${event} of order ${id}, which was never seen open`, [ev]);
        if (event === 'OrderModified')
          modifyUnknown(s, e, id, symbol, iso, ev, slot === NONE ? undefined : (st.risk.get(slot) ?? undefined));
      }
      // A stop moved after the fill protects the position, not the order: not a late modification.
      else if (MODIFY.has(event) && c !== NONE && !(event === 'StopUpdated' && st.status(c) === 'filled'))
        s.add(
          'activity_after_close',
          iso,
          [id],
          symbol ?? st.symbol.get(c) ?? null,
          `${event} of order ${id} after it was ${st.status(c)}`,
          [st.opened(c), ev],
        );
      return;
    }
    if (event === 'Cancelled') closeOrder(s, o, 'cancelled');
    else modifyOrder(s, e, o, id, event, iso, ev);
    return;
  }
  if (event === 'Rejected') {
    if (o !== NONE) closeOrder(s, o, 'rejected');
    else if (c === NONE) {
      const r = slot !== NONE ? slot : s.slot(id);
      st.setOrder(
        r,
        tUs,
        symbol,
        ev,
        'DAY',
        num(e.quantity) ?? 0,
        num(e.price),
        str(e.strategy),
        str(e.venue),
        'rejected',
      );
      s.closeOrder(r);
    }
    return;
  }
  if (event === 'Expired') {
    if (o !== NONE) closeOrder(s, o, 'expired');
    return;
  }
  if (event === 'Filled' && o !== NONE) closeOrder(s, o, 'filled');
}

/** A modification: the order's new quantity and price, held to the limits as the order now stands. */
function modifyOrder(
  s: EngineState,
  e: LogEvent,
  o: Order,
  id: string,
  event: string,
  iso: EventTime,
  ev: Evidence,
): void {
  const st = s.orders;
  const q = num(e.quantity);
  if (q !== null) st.qty.set(o, q);
  // A stop's price is not the order's limit price: only an amendment of the order is re-checked.
  if (event !== 'OrderModified') return;
  const price = num(e.price);
  if (price !== null) st.setPrice(o, price);
  const symbol = st.symbol.get(o) ?? null;
  invalidValues(s, `order ${id} as modified`, id, symbol, q, price, iso, ev, e);
  if (q === null && price === null) return;
  limitChecks(s, {
    id,
    symbol,
    qty: st.qty.get(o),
    price: st.price(o),
    eventRef: num(e.reference_price) ?? st.ref(o),
    fresh: st.risk.get(o) ?? undefined,
    modified: true,
    iso,
    ev,
  });
}

/** What the checks on a new order read, gathered once. */
interface NewOrder {
  readonly e: LogEvent;
  readonly id: string;
  readonly symbol: string | null;
  readonly tUs: number;
  readonly iso: EventTime;
  readonly ev: Evidence;
  readonly qty: number;
  readonly price: number | null;
  readonly strategy: string | null;
  readonly venue: string | null;
  readonly user: string | null;
  readonly signal: string | null;
}

/**
 * An order or fill event with no order id the checks can key (absent, "", an object, a non-finite
 * number): named, as it cannot be followed through the order's life.
 */
export function idMissing(
  s: EngineState,
  e: LogEvent,
  event: string,
  symbol: string | null,
  iso: EventTime,
  ev: Evidence,
): void {
  const what = e.order_id === undefined ? 'no order_id' : `order_id ${JSON.stringify(e.order_id) ?? 'unreadable'}`;
  s.add('order_id_missing', iso, [], symbol, `${event} with ${what}: its order cannot be followed`, [ev]);
}

/**
 * A new order: opened, then every check on it, in a fixed order (findings of one event keep it).
 * One with no id is held to the same checks under a name of its own, but not opened: no later
 * event can find it.
 */
function newOrder(
  s: EngineState,
  e: LogEvent,
  orderId: string | null,
  symbol: string | null,
  tUs: number,
  iso: EventTime,
  ev: Evidence,
): void {
  s.summary.orders_new++;
  const id = orderId ?? `(no order id, seq ${ev.seq})`;
  // The order's one lookup; no slot is made for an order with no id (no later event can find it).
  const st = s.orders;
  const slot = orderId === null ? NONE : s.slot(id);
  if (slot !== NONE && st.ord.get(slot) !== NO_ORDER) {
    const first = st.opened(slot);
    s.add('order_id_reused', iso, [id], symbol, `order id ${id} used again (first at seq ${first.seq})`, [first, ev]);
  }
  const qty = num(e.quantity);
  const n: NewOrder = {
    e,
    id,
    symbol,
    tUs,
    iso,
    ev,
    qty: qty ?? 0,
    price: num(e.price),
    strategy: str(e.strategy),
    venue: str(e.venue),
    user: str(e.user) ?? str(e.trader),
    signal: idOf(e.signal_id),
  };
  const tif = str(e.time_in_force) ?? 'DAY';
  if (slot !== NONE) {
    st.setOrder(
      slot,
      tUs,
      symbol,
      ev,
      tif === 'DAY' ? tif : tif.toUpperCase(),
      n.qty,
      n.price,
      n.strategy,
      n.venue,
      'open',
    );
    // An open order's id used again keeps its place among the open orders (its slot is updated);
    // a closed one's is opened again, and a closed entry a carried state gave it is forgotten.
    if (st.ord.get(slot) === CLOSED) s.closed.remove(slot);
    if (st.ord.get(slot) === OPEN) {
      s.dropGhost(id);
      s.reweighOpen(slot);
    } else s.openOrder(slot);
  }
  // The message counts under the event's own strategy and venue, which are the new order's.
  orderMessage(s, e, tUs, iso, ev, symbol);
  haltChecks(s, n);
  // An order with no id is named "(no order id, seq N)": a risk check naming that id still counts.
  const fresh = preTradeRiskChecks(s, n, slot !== NONE ? slot : s.find(id));
  const eventRef = num(e.reference_price);
  if (slot !== NONE) st.setRef(slot, fresh?.refPrice ?? eventRef);
  invalidValues(s, `order ${id}`, id, symbol, qty, n.price, iso, ev, e);
  limitChecks(s, { id, symbol, qty: n.qty, price: n.price, eventRef, fresh, modified: false, iso, ev });
  reviewAndLoginChecks(s, n);
  duplicateCheck(s, n);
}

/** The kill switch (for all, the strategy, the venue or the symbol) and restricted symbols. */
function haltChecks(s: EngineState, n: NewOrder): void {
  const { e, id, symbol, strategy, venue, iso, ev } = n;
  const on =
    s.killSwitch.size > 0 &&
    (s.killSwitch.get('all')?.ev ??
      (strategy && s.killSwitch.get(scopeKeyOf('strategy', strategy))?.ev) ??
      (venue && s.killSwitch.get(scopeKeyOf('venue', venue))?.ev) ??
      (symbol && s.killSwitch.get(scopeKeyOf('symbol', symbol))?.ev) ??
      unknownScopeSwitch(s));
  // A strategy, venue or symbol given but no text is held as the one switched off (text-fields.ts).
  const held = on || s.killSwitch.size === 0 ? undefined : heldSwitch(s, e);
  const ks = on || held?.ev;
  if (ks)
    s.add(
      'kill_switch_violation',
      iso,
      [id],
      symbol,
      `new order ${id} while the kill switch turned on at seq ${ks.seq} was on${held?.why ?? ''}`,
      [ks, ev],
    );
  if (isRestricted(s.p, symbol))
    s.add('restricted_symbol', iso, [id], symbol, `order ${id} on restricted symbol ${symbol}`, [ev]);
  else if (symbol === null) heldRestricted(s, e, id, `order ${id}`, null, iso, ev);
}

/** A kill switch turned on with a scope the checks do not know: held as `all`. */
function unknownScopeSwitch(s: EngineState): Evidence | undefined {
  for (const [key, k] of s.killSwitch) if (key.startsWith(UNKNOWN_SCOPE)) return k.ev;
  return undefined;
}

/** Pre-trade risk: the latest check for the order, or for the signal it came from. Returns it when fresh. */
function preTradeRiskChecks(s: EngineState, n: NewOrder, slot: Slot): RiskCheck | undefined {
  const p = s.p;
  const { id, symbol, signal, tUs, iso, ev } = n;
  const rc =
    (slot === NONE ? null : s.orders.risk.get(slot)) ?? (signal !== null ? s.riskKeys.get(`s:${signal}`) : undefined);
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
    const ov =
      (slot === NONE ? null : s.orders.override.get(slot)) ??
      (signal !== null ? s.overrideKeys.get(`s:${signal}`) : undefined);
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

/** An earlier review of the order's signal; a valid login of its user; no burst of failed logins just before. */
function reviewAndLoginChecks(s: EngineState, n: NewOrder): void {
  const p = s.p;
  const { id, symbol, signal, user, tUs, iso, ev } = n;
  if (signal === null || user === null) heldReviewAndLogin(s, n.e, id, symbol, signal, user, iso, ev);
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
    } else if (!d.approved) {
      s.add(
        'review_missing',
        iso,
        [id],
        symbol,
        `order ${id} for signal ${signal}, whose latest review (decision ${JSON.stringify(d.decision)}) did not approve it`,
        [d.ev, ev],
      );
    }
  }
  if (user === null) return;
  if (p.require_login && !s.sessions.has(user))
    s.add('order_without_login', iso, [id], symbol, `order ${id} by ${user}, who had no valid login`, [ev]);
  const b = failedBurst(s, user);
  if (b !== undefined && b.times.length >= p.failed_login_burst.count) {
    const burstAt = b.times[b.times.length - 1] as number;
    const f = b.entry ?? { tUs: burstAt, times: [], flaggedBurstAt: -1 };
    if (burstAt >= tUs - p.failed_login_burst.window_s * SECOND && f.flaggedBurstAt !== burstAt) {
      f.flaggedBurstAt = burstAt;
      if (b.entry === undefined) s.failed.set(user, f);
      const held = b.held > 0 ? ` (${b.held} of a user that is no text, held as ${user})` : '';
      s.add(
        'order_after_failed_logins',
        iso,
        [id],
        symbol,
        `order ${id} by ${user} within ${p.failed_login_burst.window_s} s of ${b.times.length} failed logins${held}`,
        [ev],
      );
    }
  }
}

const fold = (name: string | null): FoldedName | null => (name === null ? null : cachedFold(name));

/** The same order (symbol, side, quantity, price, strategy, user, account) again within the window. */
function duplicateCheck(s: EngineState, n: NewOrder): void {
  const p = s.p;
  const { e, id, symbol, tUs, iso, ev } = n;
  // The signature's parts, in one holder reused for every new order (signature.ts: no text per order).
  // Its names under the fold (name-key.ts): the same order sent as `EUR/USD` then as `EURUSD`, or
  // with an invisible character added to its strategy or user, is the same order. Each fold comes
  // with its text's hash, so the signature's hash reads no name's characters.
  const sig = s.recent.parts;
  const fSymbol = fold(symbol);
  const fSide = fold(str(e.side));
  const fStrategy = fold(n.strategy);
  const fUser = fold(n.user);
  const fAccount = fold(str(e.account));
  sig.symbol = fSymbol?.key ?? null;
  sig.side = fSide?.key ?? null;
  sig.qty = n.qty;
  sig.price = n.price;
  sig.strategy = fStrategy?.key ?? null;
  sig.user = fUser?.key ?? null;
  sig.account = fAccount?.key ?? null;
  const hash = hashedRecentHash(sig, fSymbol, fSide, fStrategy, fUser, fAccount);
  const dup = s.recent.find(sig, hash);
  if (dup !== undefined && dup.id !== keptId(id) && dup.tUs >= tUs - p.duplicate_window_ms * 1000) {
    s.add(
      'duplicate_order',
      iso,
      [dup.id, id],
      symbol,
      `order ${id} duplicates ${dup.id} (same symbol, side, quantity, price) within ${p.duplicate_window_ms} ms`,
      [dup.ev, ev],
    );
  }
  s.recent.set(sig, hash, tUs, keptId(id), ev, dup);
}
/**
 * Counts an order message (`trade` false) or a trade of `symbol` for the order-to-trade ratio (its
 * entry made at the first, `ev`): one per name under the fold, so spellings of one symbol (`EUR/USD`,
 * `eurusd`, `EURUSD` with an invisible character) cannot split a day's messages below the ratio limit.
 */
export function countOtr(s: EngineState, symbol: string, ev: Evidence, trade: boolean): void {
  if (trade) s.otr.countTrade(cachedNameKey(symbol), symbol, ev);
  else s.otr.countOrder(cachedNameKey(symbol), symbol, ev);
}

/** Counts an order message for the order-to-trade ratio and the per-strategy and per-venue rates. */
export function orderMessage(
  s: EngineState,
  e: LogEvent,
  tUs: number,
  iso: EventTime,
  ev: Evidence,
  symbol: string | null,
  o: Order = NONE,
): void {
  s.summary.order_messages++;
  if (symbol !== null) countOtr(s, symbol, ev, false);
  const limit = s.p.max_messages_per_second;
  if (limit === null) return;
  // A modify or cancel counts for the order's own strategy and venue; messages naming none are
  // counted together, so a sender cannot leave the rate check by leaving the names out.
  const strategy = str(e.strategy) ?? (o === NONE ? null : s.orders.strategy.get(o)) ?? UNKNOWN;
  const byStrategy = messageRate(s.strategyRates, 'strategy', strategy, limit, tUs);
  const venue = str(e.venue) ?? (o === NONE ? null : s.orders.venue.get(o)) ?? UNKNOWN;
  const byVenue = messageRate(s.venueRates, 'venue', venue, limit, tUs);
  // One burst of one sender fills its strategy's and its venue's window at once: one finding for both.
  if (byStrategy !== null || byVenue !== null)
    s.add('message_rate_exceeded', iso, [], symbol, [byStrategy, byVenue].filter(Boolean).join('; '), [ev]);
}

/**
 * Counts a message in one strategy's or venue's window of the last second (found by the name's
 * fold, remembered per name: no key string per message); the finding's text when this message starts a breach, else null.
 */
function messageRate(
  windows: Map<string, RateWindow>,
  kind: string,
  name: string,
  limit: number,
  tUs: number,
): string | null {
  // Under the name's fold: spellings of one strategy or venue (S1, s1, S-1, S1 with an invisible
  // character: without limit) must not split a burst below the limit.
  const key = cachedNameKey(name);
  let w = windows.get(key);
  if (w === undefined) windows.set(key, (w = new RateWindow(name)));
  const n = w.add(tUs);
  if (n <= limit) w.breaching = false;
  else if (!w.breaching) {
    w.breaching = true;
    const first = w.name;
    return `${kind} ${first}${first === UNKNOWN ? ' (messages naming none)' : ''}: ${n} order messages within one second (limit ${limit})`;
  }
  return null;
}

/** Moves an open order to the closed ones, with its final status. */
export function closeOrder(s: EngineState, o: Order, status: OrderStatus): void {
  s.orders.setStatus(o, status);
  s.closeOrder(o);
}
