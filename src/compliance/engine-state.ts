/**
 * The state of one compliance run, shared by the rule files (order-rules.ts, event-rules.ts): what
 * is open or recent, the policy in force, the summary, and where findings go. Only bounded maps
 * (state.ts), so memory does not grow with the day.
 */
import type { EventTime } from './event-time.js';
import type { CompliancePolicy } from './policy.js';
import {
  CLOSED,
  NO_ORDER,
  NONE,
  OPEN,
  OrderStore,
  type Override,
  type RiskCheck,
  type Slot,
  SlotChain,
} from './order-store.js';
import { RecentOrders } from './recent-orders.js';
import { OtrCounts } from './otr-counts.js';
import { capQuoted, Chain, ExpiringMap, FindingSink, MAX_QUOTED, type RateWindow } from './state.js';
import type { PolicyInForce, PolicyTimeline } from './timeline.js';
import type { AuditSummary, Evidence, RuleId } from './types.js';
import { writtenCost } from './written-cost.js';
import type { SnapshotStoreCheck, UnstoredSnapshot } from './snapshot-check.js';

/** A parsed log line: the event's fields as JSON.parse returns them. */
export type LogEvent = Readonly<Record<string, unknown>>;

/** Where a line is, for evidence (the seq is the event's). */
export interface LineRef {
  readonly file: string;
  readonly line: number;
  readonly hash: string;
}

export {
  CLOSED,
  NO_ORDER,
  NONE,
  OPEN,
  type OrderStatus,
  type OrderStore,
  Override,
  RiskCheck,
  type Slot,
} from './order-store.js';
export { RecentOrder } from './slot.js';

/** An order as the checks follow it: its slot in EngineState.orders. */
export type Order = Slot;

/** When something happened, its evidence and, for overrides, who and why. */
export interface Stamp {
  readonly tUs: number;
  readonly ev: Evidence;
  readonly text?: string;
}
/** The latest decision on a signal: only an approving one lets its orders through. */
export interface Decision extends Stamp {
  readonly approved: boolean;
  readonly decision: string;
}
/** Config changes held waiting for their snapshot (and carried over midnight, carry.ts). */
export const MAX_PENDING_CONFIGS = 100_000;

/** A config change waiting for its snapshot. */
export interface PendingConfig {
  readonly tUs: number;
  readonly ev: Evidence;
  readonly iso: string;
  readonly hasReason: boolean;
  snapshot: boolean;
  /** Why a ConfigSnapshot in its window did not count (its snapshot is not in the store as logged). */
  unstored?: string;
}

/** A user's recent failed logins. */
export interface FailedLogins {
  tUs: number;
  times: number[];
  flaggedBurstAt: number;
}

/**
 * An order id as the checks keep and carry it: itself, or over MAX_QUOTED (200) characters as
 * findings quote it (capQuoted: its start, its length and the start of its SHA-256), so two long
 * ids that differ only at the end are still two orders. A 4,000-character id was held whole in
 * memory and in the carried state for every open order. Idempotent: a kept id keeps itself.
 */
export function keptId(id: string): string {
  return id.length > MAX_QUOTED ? capQuoted(id) : id;
}

/** At least the bytes an open order's names take in the state file, as `max_open_order_bytes` counts them. */
function nameCost(st: OrderStore, o: Slot): number {
  return (
    st.ids.writtenCost(o) +
    writtenCost(st.symbol.get(o)) +
    writtenCost(st.strategy.get(o)) +
    writtenCost(st.venue.get(o)) +
    writtenCost(st.tif.get(o))
  );
}

/** Open orders dropped in a day (EngineState.overCap). */
export interface OverCap {
  dropped: number;
  byBytes: number;
  bySize: number;
  first: Evidence | null;
  last: Evidence | null;
}

/** One second in microseconds, the engine's time unit. */
export const SECOND = 1_000_000;

/** The maps and counters one run keeps, and `add` for a finding under the policy in force. */
export class EngineState {
  readonly sink = new FindingSink();
  /** The orders' fields by slot, and one slot per order id the checks hold anything about: one lookup per event. */
  readonly orders = new OrderStore();
  /**
   * Open orders, in the order they were opened, at most the policy's `max_open_orders`: beyond, the
   * oldest is dropped (dropOpen), as if never seen.
   */
  readonly open = new SlotChain(this.orders, Number.POSITIVE_INFINITY, (o) => this.dropOpen(o, 'count'));
  /** The sum of the bytes of names each open order holds (nameCost, by slot in `orders.openCost`). */
  openBytes = 0;
  /**
   * Open orders dropped since the day began, over `max_open_orders`, `max_open_order_bytes`
   * (`byBytes` of them) or the state file's limit at the day's end (`bySize`, carry.ts fitOpenOrders),
   * and the first and last of them.
   */
  readonly overCap: OverCap = {
    dropped: 0,
    byBytes: 0,
    bySize: 0,
    first: null,
    last: null,
  };
  /** Closed orders, oldest close first, for the closed-order horizon and at most 200,000. */
  readonly closed = new SlotChain(this.orders, 200_000, (o) => {
    const st = this.orders;
    st.ord.set(o, NO_ORDER);
    // Ghosts only come with a carried state not written by this engine: without any, the expired
    // order's id (kept long before, no longer in the cache) is not read to look it up.
    const id = this.ghosts.size > 0 ? st.ids.get(o) : '';
    if (id !== '' && this.ghosts.get(id) === o) {
      this.ghosts.delete(id);
      st.free(o);
    } else this.release(o);
  });
  /**
   * Closed orders of a carried state whose id the same state also lists open (only a state not
   * written by this engine has them): kept in the closed list, and found by no lookup, as before.
   */
  readonly ghosts = new Map<string, Slot>();
  /** Risk checks by order (in their slot) and by signal (riskKeys), in one order of last update. */
  readonly risk = new Chain<RiskCheck>(1_000_000, (r) => {
    if (r.slot === NONE) this.riskKeys.delete(r.key as string);
    else {
      this.orders.risk.set(r.slot, null);
      this.release(r.slot);
    }
  });
  readonly riskKeys = new Map<string, RiskCheck>();
  /** Overrides by order (in their slot) and by signal (overrideKeys), in one order of last update. */
  readonly overrides = new Chain<Override>(100_000, (v) => {
    if (v.slot === NONE) this.overrideKeys.delete(v.key as string);
    else {
      this.orders.override.set(v.slot, null);
      this.release(v.slot);
    }
  });
  readonly overrideKeys = new Map<string, Override>();
  readonly decisions = new ExpiringMap<Decision>(1_000_000);
  /** New orders' signatures within the duplicate window (recent-orders.ts). */
  readonly recent = new RecentOrders();
  readonly sessions = new Map<string, number>();
  readonly failed = new Map<string, FailedLogins>();
  /**
   * The kill switches on, by scope key (names.ts `scopeKey`; a scope the checks do not know under
   * UNKNOWN_SCOPE and its text): the scope as carried (as logged, or UNKNOWN_SCOPE and the text) and
   * the line that turned it on.
   */
  readonly killSwitch = new Map<string, { readonly scope: string; readonly ev: Evidence }>();
  /** Message-rate windows per strategy and per venue, by the name's fold (name-key.ts). */
  readonly strategyRates = new Map<string, RateWindow>();
  readonly venueRates = new Map<string, RateWindow>();
  /** Order-to-trade counts per symbol, by the name's fold; `name`: the symbol as first logged. */
  readonly otr = new OtrCounts();
  readonly clocks = new Map<string, { last: number }>();
  lastClock: { last: number } | undefined;
  lastHost: unknown;
  lastPid: unknown;
  readonly configs = new ExpiringMap<PendingConfig>(MAX_PENDING_CONFIGS);
  /** The snapshot store check (absent: no store at hand, every ConfigSnapshot counts). */
  snapshotCheck: SnapshotStoreCheck | undefined;
  /** ConfigSnapshots whose snapshot is not in the store as logged, by unstoredKey, at most MAX_UNSTORED. */
  readonly unstored = new Map<string, UnstoredSnapshot>();
  readonly summary: AuditSummary = {
    events: 0,
    malformed_lines: 0,
    by_category: Object.create(null) as Record<string, number>,
    orders_new: 0,
    order_messages: 0,
    fills: 0,
    risk_checks: 0,
    risk_rejects: 0,
    overrides: 0,
    decisions: 0,
    logins: 0,
    failed_logins: 0,
    config_changes: 0,
    by_hour: new Array<number>(24).fill(0),
    first_event: null,
    last_event: null,
  };
  p: CompliancePolicy;
  inForce: PolicyInForce | undefined;
  nowUs = 0;
  count = 0;
  peakOpen = 0;

  constructor(readonly timeline: PolicyTimeline) {
    this.inForce = timeline.entries[0] as PolicyInForce;
    this.p = this.inForce.policy;
  }

  /** The slot of order id `id` (kept as keptId), made when there is none. */
  slot(id: string): Slot {
    const k = keptId(id);
    let o = this.orders.byId.get(k);
    if (o === undefined) this.orders.byId.set(k, (o = this.orders.take(k)));
    return o;
  }

  /** The slot of order id `id`, or NONE. */
  find(id: string): Slot {
    return this.orders.byId.get(keptId(id)) ?? NONE;
  }

  /** A slot for order id `id` that no map holds (a carried state's ghost). */
  newSlot(id: string): Slot {
    return this.orders.take(keptId(id));
  }

  /**
   * Forgets `o` when it holds nothing any more, and frees it for reuse: nothing refers to a slot in
   * no list with no risk check and no override (a replaced RiskCheck or Override naming it is
   * read no more).
   */
  release(o: Slot): void {
    const st = this.orders;
    if (st.ord.get(o) === NO_ORDER && st.risk.get(o) === null && st.override.get(o) === null) {
      st.byId.deleteSlot(o);
      st.free(o);
    }
  }

  /** Opens the order of slot `o` (in no list), at the end of the open orders. */
  openOrder(o: Slot): void {
    this.orders.ord.set(o, OPEN);
    this.open.maxEntries = this.p.max_open_orders;
    this.orders.openCost.set(o, 0);
    this.open.push(o);
    if (this.open.size > this.peakOpen) this.peakOpen = this.open.size;
    this.reweighOpen(o);
  }

  /**
   * Counts open order `o`'s names again (opened, or its id used again while open) and drops the
   * oldest open orders, never `o`, while their names are over `max_open_order_bytes`.
   */
  reweighOpen(o: Slot): void {
    const cost = nameCost(this.orders, o);
    this.openBytes += cost - this.orders.openCost.get(o);
    this.orders.openCost.set(o, cost);
    while (this.openBytes > this.p.max_open_order_bytes && this.open.head !== o) this.shedOpen(this.open.head, 'bytes');
  }

  /** Drops open order `o` (as dropOpen) over `max_open_order_bytes` or the state file's limit. */
  shedOpen(o: Slot, over: 'bytes' | 'size'): void {
    this.open.remove(o);
    this.dropOpen(o, over);
  }

  /**
   * Forgets open order `o`, dropped over `max_open_orders` (the oldest first): a later fill, cancel
   * or modification of it is then of an order never seen (fail-closed), and the day's
   * `open_orders_over_cap` counts it. An unbounded number of GTC orders never closed (a hostile or
   * buggy writer, carried day after day) exhausted the heap and made a state its readers refuse.
   */
  private dropOpen(o: Slot, over: 'count' | 'bytes' | 'size'): void {
    const st = this.orders;
    const ev = st.opened(o);
    this.openBytes -= st.openCost.get(o);
    this.overCap.dropped++;
    if (over === 'bytes') this.overCap.byBytes++;
    else if (over === 'size') this.overCap.bySize++;
    this.overCap.first ??= ev;
    this.overCap.last = ev;
    st.ord.set(o, NO_ORDER);
    this.release(o);
  }

  /** Puts the order of slot `o` (open or in no list) last among the closed orders. */
  closeOrder(o: Slot): void {
    const st = this.orders;
    if (st.ord.get(o) === OPEN) {
      this.open.remove(o);
      this.openBytes -= st.openCost.get(o);
    } else if (st.ord.get(o) === CLOSED) this.closed.remove(o);
    if (this.ghosts.size > 0) this.dropGhost(st.ids.get(o));
    st.ord.set(o, CLOSED);
    this.closed.push(o);
  }

  /** Takes the closed entry a carried state gave an open order's id out of the closed orders. */
  dropGhost(id: string): void {
    const k = keptId(id);
    const g = this.ghosts.get(k);
    if (g === undefined) return;
    this.ghosts.delete(k);
    this.closed.remove(g);
    this.orders.ord.set(g, NO_ORDER);
    this.orders.free(g);
  }

  /** The latest risk check for order `o` is now `r` (last in the order of update). */
  setOrderRisk(o: Slot, r: RiskCheck): void {
    const old = this.orders.risk.get(o);
    if (old !== null) this.risk.remove(old);
    this.orders.risk.set(o, r);
    this.risk.push(r);
  }

  /** The latest risk check under a key other than an order's (`s:<signal>`) is now `r`. */
  setKeyRisk(key: string, r: RiskCheck): void {
    const old = this.riskKeys.get(key);
    if (old !== undefined) this.risk.remove(old);
    this.riskKeys.set(key, r);
    this.risk.push(r);
  }

  /** The latest override for order `o` is now `v`. */
  setOrderOverride(o: Slot, v: Override): void {
    const old = this.orders.override.get(o);
    if (old !== null) this.overrides.remove(old);
    this.orders.override.set(o, v);
    this.overrides.push(v);
  }

  /** The latest override under a key other than an order's is now `v`. */
  setKeyOverride(key: string, v: Override): void {
    const old = this.overrideKeys.get(key);
    if (old !== undefined) this.overrides.remove(old);
    this.overrideKeys.set(key, v);
    this.overrides.push(v);
  }

  /**
   * Records a finding, unless the policy in force disables its rule. `time`: the event's (decoded
   * here, as only a finding needs it) or a string (a day's end, a change held since its event).
   */
  add(
    rule: RuleId,
    time: string | EventTime,
    orderIds: readonly string[],
    symbol: string | null,
    description: string,
    evidence: readonly Evidence[],
  ): void {
    const p = this.p;
    if (p.disabled_rules.includes(rule)) return;
    const iso = typeof time === 'string' ? time : time.text();
    this.sink.add(p.max_findings, rule, p.severities[rule], iso, orderIds, symbol, description, evidence);
  }
}

export { fmt, idOf, num, str, unreadableNumber } from './values.js';
