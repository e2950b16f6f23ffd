/**
 * The compliance checks as one streaming pass: `push` each event in log order, `endDay` at the end
 * of each UTC day, `finish` at the end. State is only what is open or recent (open orders, closed
 * orders for a horizon, pending risk checks and reviews, per-second windows, per-symbol counters),
 * so memory does not grow with the day. Every rule is in RULES (types.ts); the policy in force at
 * each event's time comes from the timeline.
 */
import { ExpiringMap, FindingSink, RateWindow } from './state.js';
import type { PolicyInForce, PolicyTimeline } from './timeline.js';
import type { CompliancePolicy } from './policy.js';
import type { AuditSummary, Evidence, Finding, RuleId, SeverityTotals } from './types.js';

/** A parsed log line: the event's fields as JSON.parse returns them. */
export type LogEvent = Readonly<Record<string, unknown>>;

/** Where a line is, for evidence (the seq is the event's). */
export interface LineRef {
  readonly file: string;
  readonly line: number;
  readonly hash: string;
}

interface Order {
  readonly tUs: number;
  readonly id: string;
  readonly symbol: string | null;
  readonly newRef: Evidence;
  readonly tif: string;
  qty: number;
  filled: number;
  status: 'open' | 'filled' | 'cancelled' | 'rejected' | 'expired';
  overfilled: boolean;
}
interface RiskCheck {
  readonly tUs: number;
  readonly pass: boolean;
  readonly failed: readonly string[];
  readonly refPrice: number | null;
  readonly ev: Evidence;
}
interface Stamp {
  readonly tUs: number;
  readonly ev: Evidence;
  readonly text?: string;
}
interface PendingConfig {
  readonly tUs: number;
  readonly ev: Evidence;
  readonly iso: string;
  readonly hasReason: boolean;
  snapshot: boolean;
}
interface FailedLogins {
  tUs: number;
  times: number[];
  flaggedBurstAt: number;
}

const NEW = new Set(['OrderAccepted']);
const MODIFY = new Set(['OrderModified', 'StopUpdated']);
const SECOND = 1_000_000;
const SWEEP_EVERY = 4096;

/** The result of a run, before it becomes a report. */
export interface EngineResult {
  readonly findings: readonly Finding[];
  readonly omitted: number;
  readonly totals: SeverityTotals;
  readonly by_rule: Readonly<Record<string, number>>;
  readonly summary: AuditSummary;
  /** Largest number of open orders held at once (for the memory claim). */
  readonly peak_open_orders: number;
}

/** One streaming run of every rule. */
export class ComplianceEngine {
  private readonly sink = new FindingSink();
  private readonly open = new Map<string, Order>();
  private readonly closed = new ExpiringMap<Order>(200_000);
  private readonly risk = new ExpiringMap<RiskCheck>(1_000_000);
  private readonly overrides = new ExpiringMap<Stamp>(100_000);
  private readonly decisions = new ExpiringMap<Stamp>(1_000_000);
  private readonly recentNew = new ExpiringMap<Stamp & { id: string }>(1_000_000);
  private readonly sessions = new Map<string, number>();
  private readonly failed = new Map<string, FailedLogins>();
  private readonly killSwitch = new Map<string, Evidence>();
  private readonly rates = new Map<string, RateWindow>();
  private readonly otr = new Map<string, { orders: number; trades: number; first: Evidence }>();
  private readonly clocks = new Map<string, { last: number }>();
  private lastClock: { last: number } | undefined;
  private lastHost: unknown;
  private lastPid: unknown;
  private readonly configs = new ExpiringMap<PendingConfig>(100_000);
  private readonly summary: AuditSummary = {
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
  private p: CompliancePolicy;
  private inForce: PolicyInForce | undefined;
  private nowUs = 0;
  private count = 0;
  private peakOpen = 0;

  constructor(private readonly timeline: PolicyTimeline) {
    this.inForce = timeline.entries[0] as PolicyInForce;
    this.p = this.inForce.policy;
  }

  /** Counts a line that is not an event (it cannot be checked). */
  malformed(): void {
    this.summary.malformed_lines++;
  }

  /** Checks one event. `e` must have the envelope of docs/FORMAT.md (the reader makes sure). */
  push(e: LogEvent, ref: LineRef): void {
    const ts = e.ts as number;
    const tUs = Math.round(ts * 1e6);
    const iso = e.iso_ts as string;
    const category = e.category as string;
    const event = e.event as string;
    const ev: Evidence = { file: ref.file, seq: e.seq as number, line: ref.line, line_sha256: ref.hash };
    const s = this.summary;
    s.events++;
    s.by_category[category] = (s.by_category[category] ?? 0) + 1;
    const hour = Number(iso.slice(11, 13));
    if (hour < 24) s.by_hour[hour] = (s.by_hour[hour] as number) + 1; // "T99:…" has the shape of a time but is none
    s.first_event ??= iso;
    s.last_event = iso;
    const pol = this.timeline.at(tUs);
    if (pol !== this.inForce) {
      this.inForce = pol;
      this.p = pol.policy;
    }
    this.clock(e, tUs, iso, ev);
    if (tUs > this.nowUs) this.nowUs = tUs;
    if (++this.count % SWEEP_EVERY === 0) this.sweep();
    if (category === 'order') this.order(e, event, tUs, iso, ev);
    else if (category === 'fill') this.fill(e, tUs, iso, ev);
    else if (category === 'risk') this.riskEvent(e, event, tUs, iso, ev);
    else if (category === 'decision') this.decision(e, event, tUs, iso, ev);
    else if (category === 'auth') this.auth(e, event, tUs);
    else if (category === 'config') this.config(e, event, tUs, iso, ev);
  }

  /** End of a UTC day (`YYYY-MM-DD`): open day orders, order-to-trade ratios, then a fresh day. */
  endDay(date: string): void {
    const iso = `${date}T23:59:59.999999Z`;
    this.sweep(true);
    for (const o of [...this.open.values()]) {
      if (o.tif !== 'DAY') continue;
      this.add(
        'order_open_at_end_of_day',
        iso,
        [o.id],
        o.symbol,
        `day order ${o.id} still open at the end of ${date} (${o.filled} of ${o.qty} filled)`,
        [o.newRef],
      );
      o.status = 'expired';
      this.open.delete(o.id);
      this.closed.set(o.id, o);
    }
    const limit = this.p.max_order_to_trade_ratio;
    if (limit !== null) {
      for (const [symbol, c] of this.otr) {
        // RTS 9 Art. 3: number ratio = orders (new, modify, cancel messages) / transactions − 1.
        const ratio = c.orders / Math.max(c.trades, 1) - 1;
        if (ratio > limit)
          this.add(
            'order_to_trade_ratio_exceeded',
            iso,
            [],
            symbol,
            `${symbol}: ${c.orders} order messages for ${c.trades} trades on ${date}, ratio ${ratio.toFixed(2)} > ${limit}`,
            [c.first],
          );
      }
    }
    this.otr.clear();
    for (const [k, c] of [...this.configs.entries()]) {
      this.configs.delete(k);
      this.configFinding(c);
    }
  }

  /** The findings, totals and summary. Call endDay for the last day first. */
  finish(): EngineResult {
    const sorted = [...this.sink.findings].sort((a, b) =>
      a.time < b.time ? -1 : a.time > b.time ? 1 : (a.evidence[0]?.seq ?? 0) - (b.evidence[0]?.seq ?? 0),
    );
    return {
      findings: sorted,
      omitted: this.sink.omitted,
      totals: { ...this.sink.totals },
      by_rule: { ...this.sink.byRule },
      summary: this.summary,
      peak_open_orders: this.peakOpen,
    };
  }

  // ----- rules ------------------------------------------------------------------------------

  private add(
    rule: RuleId,
    time: string,
    orderIds: readonly string[],
    symbol: string | null,
    description: string,
    evidence: readonly Evidence[],
  ): void {
    const p = this.p;
    if (p.disabled_rules.includes(rule)) return;
    this.sink.add(p.max_findings, rule, p.severities[rule], time, orderIds, symbol, description, evidence);
  }

  private clock(e: LogEvent, tUs: number, iso: string, ev: Evidence): void {
    // Most lines come from the process of the line before: no key string for them.
    let c = this.lastClock;
    if (c === undefined || e.host !== this.lastHost || e.pid !== this.lastPid) {
      const key = `${String(e.host)}\u0000${String(e.pid)}`;
      c = this.clocks.get(key);
      if (c === undefined) this.clocks.set(key, (c = { last: Number.NEGATIVE_INFINITY }));
      this.lastClock = c;
      this.lastHost = e.host;
      this.lastPid = e.pid;
    }
    if (tUs < c.last)
      this.add(
        'clock_backwards',
        iso,
        [],
        null,
        `time went back ${((c.last - tUs) / 1000).toFixed(3)} ms on host ${String(e.host)} pid ${String(e.pid)}`,
        [ev],
      );
    else c.last = tUs;
  }

  private order(e: LogEvent, event: string, tUs: number, iso: string, ev: Evidence): void {
    const id = idOf(e.order_id);
    if (id === null) return;
    const symbol = str(e.symbol);
    if (NEW.has(event)) return this.newOrder(e, id, symbol, tUs, iso, ev);
    const o = this.open.get(id);
    if (MODIFY.has(event) || event === 'Cancelled') {
      this.message(e, tUs, iso, ev, symbol ?? o?.symbol ?? null);
      if (o === undefined) {
        const c = this.closed.get(id);
        if (event === 'Cancelled' && c === undefined)
          this.add('cancel_unknown_order', iso, [id], symbol, `cancel of order ${id}, which was never seen open`, [ev]);
        // A stop moved after the fill protects the position, not the order: not a late modification.
        else if (MODIFY.has(event) && c !== undefined && !(event === 'StopUpdated' && c.status === 'filled'))
          this.add(
            'activity_after_close',
            iso,
            [id],
            symbol ?? c.symbol,
            `${event} of order ${id} after it was ${c.status}`,
            [c.newRef, ev],
          );
        return;
      }
      if (event === 'Cancelled') this.close(o, 'cancelled');
      else {
        const q = num(e.quantity);
        if (q !== null) o.qty = q;
      }
      return;
    }
    if (event === 'Rejected') {
      if (o !== undefined) this.close(o, 'rejected');
      else if (!this.closed.has(id))
        this.closed.set(id, {
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
      if (o !== undefined) this.close(o, 'expired');
      return;
    }
    if (event === 'Filled' && o !== undefined) this.close(o, 'filled');
  }

  private newOrder(e: LogEvent, id: string, symbol: string | null, tUs: number, iso: string, ev: Evidence): void {
    const p = this.p;
    this.summary.orders_new++;
    const prior = this.open.get(id) ?? this.closed.get(id);
    if (prior !== undefined)
      this.add('order_id_reused', iso, [id], symbol, `order id ${id} used again (first at seq ${prior.newRef.seq})`, [
        prior.newRef,
        ev,
      ]);
    const qty = num(e.quantity) ?? 0;
    const price = num(e.price);
    const sym = symbol === null ? undefined : p.symbols[symbol];
    const strategy = str(e.strategy);
    const venue = str(e.venue);
    const user = str(e.user) ?? str(e.trader);
    const signal = idOf(e.signal_id);
    const o: Order = {
      tUs,
      id,
      symbol,
      newRef: ev,
      tif: (str(e.time_in_force) ?? 'DAY').toUpperCase(),
      qty,
      filled: 0,
      status: 'open',
      overfilled: false,
    };
    this.open.set(id, o);
    this.closed.delete(id);
    if (this.open.size > this.peakOpen) this.peakOpen = this.open.size;
    this.message(e, tUs, iso, ev, symbol);

    const ks =
      this.killSwitch.size > 0 &&
      (this.killSwitch.get('all') ??
        (strategy && this.killSwitch.get(`strategy:${strategy}`)) ??
        (venue && this.killSwitch.get(`venue:${venue}`)) ??
        (symbol && this.killSwitch.get(`symbol:${symbol}`)));
    if (ks)
      this.add(
        'kill_switch_violation',
        iso,
        [id],
        symbol,
        `new order ${id} while the kill switch turned on at seq ${ks.seq} was on`,
        [ks, ev],
      );
    if (symbol !== null && p.restricted_symbols.includes(symbol))
      this.add('restricted_symbol', iso, [id], symbol, `order ${id} on restricted symbol ${symbol}`, [ev]);

    // Pre-trade risk: the latest check for the order, or for the signal it came from.
    const rc = this.risk.get(`o:${id}`) ?? (signal !== null ? this.risk.get(`s:${signal}`) : undefined);
    const fresh = rc !== undefined && rc.tUs >= tUs - p.risk_check_validity_s * SECOND ? rc : undefined;
    if (fresh === undefined) {
      if (p.require_risk_check)
        this.add(
          'missing_risk_check',
          iso,
          [id],
          symbol,
          `order ${id} sent with no passing risk check in the ${p.risk_check_validity_s} s before it`,
          [ev],
        );
    } else if (!fresh.pass) {
      const ov = this.overrides.get(`o:${id}`) ?? (signal !== null ? this.overrides.get(`s:${signal}`) : undefined);
      this.add(
        'risk_override',
        iso,
        [id],
        symbol,
        `order ${id} sent although its risk check rejected it${ov ? ` (override: ${ov.text})` : ' (no override recorded)'}`,
        ov ? [fresh.ev, ov.ev, ev] : [fresh.ev, ev],
      );
    } else if (fresh.failed.length > 0) {
      this.add(
        'risk_check_failed',
        iso,
        [id],
        symbol,
        `order ${id} proceeded although risk checks failed: ${fresh.failed.join(', ')}`,
        [fresh.ev, ev],
      );
    }

    const mult = sym?.multiplier ?? 1;
    const maxNotional = sym?.max_order_notional ?? p.max_order_notional;
    if (price !== null && maxNotional !== null && qty * price * mult > maxNotional) {
      this.add(
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
      this.add(
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
        this.add(
          'price_collar_breached',
          iso,
          [id],
          symbol,
          `order ${id} price ${price} is ${dev.toFixed(2)}% from the reference ${ref} (collar ${collar}%)`,
          fresh ? [fresh.ev, ev] : [ev],
        );
    }

    if (p.require_review && signal !== null) {
      const d = this.decisions.get(signal);
      if (d === undefined || d.tUs < tUs - p.closed_order_memory_s * SECOND) {
        this.add(
          'review_missing',
          iso,
          [id],
          symbol,
          `order ${id} for signal ${signal} with no earlier review${p.review_reviewer_kinds.length ? ` by ${p.review_reviewer_kinds.join(' or ')}` : ''}`,
          [ev],
        );
      }
    }

    if (user !== null) {
      if (p.require_login && !this.sessions.has(user))
        this.add('order_without_login', iso, [id], symbol, `order ${id} by ${user}, who had no valid login`, [ev]);
      const f = this.failed.get(user);
      if (f !== undefined && f.times.length >= p.failed_login_burst.count) {
        const burstAt = f.times[f.times.length - 1] as number;
        if (burstAt >= tUs - p.failed_login_burst.window_s * SECOND && f.flaggedBurstAt !== burstAt) {
          f.flaggedBurstAt = burstAt;
          this.add(
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

    const sig = `${symbol}\u0000${str(e.side)}\u0000${qty}\u0000${price}\u0000${strategy}\u0000${user}\u0000${str(e.account)}`;
    const dup = this.recentNew.get(sig);
    if (dup !== undefined && dup.id !== id && dup.tUs >= tUs - p.duplicate_window_ms * 1000) {
      this.add(
        'duplicate_order',
        iso,
        [dup.id, id],
        symbol,
        `order ${id} duplicates ${dup.id} (same symbol, side, quantity, price) within ${p.duplicate_window_ms} ms`,
        [dup.ev, ev],
      );
    }
    this.recentNew.set(sig, { tUs, ev, id });
  }

  private message(e: LogEvent, tUs: number, iso: string, ev: Evidence, symbol: string | null): void {
    this.summary.order_messages++;
    if (symbol !== null) {
      let c = this.otr.get(symbol);
      if (c === undefined) this.otr.set(symbol, (c = { orders: 0, trades: 0, first: ev }));
      c.orders++;
    }
    const limit = this.p.max_messages_per_second;
    if (limit === null) return;
    for (const key of [str(e.strategy) && `strategy ${str(e.strategy)}`, str(e.venue) && `venue ${str(e.venue)}`]) {
      if (!key) continue;
      let w = this.rates.get(key);
      if (w === undefined) this.rates.set(key, (w = new RateWindow()));
      const n = w.add(tUs);
      if (n > limit && !w.breaching) {
        w.breaching = true;
        this.add(
          'message_rate_exceeded',
          iso,
          [],
          symbol,
          `${key}: ${n} order messages within one second (limit ${limit})`,
          [ev],
        );
      } else if (n <= limit) w.breaching = false;
    }
  }

  private close(o: Order, status: Order['status']): void {
    o.status = status;
    this.open.delete(o.id);
    this.closed.set(o.id, o);
  }

  private fill(e: LogEvent, _tUs: number, iso: string, ev: Evidence): void {
    this.summary.fills++;
    const id = idOf(e.order_id);
    const symbol = str(e.symbol);
    if (symbol !== null) {
      let c = this.otr.get(symbol);
      if (c === undefined) this.otr.set(symbol, (c = { orders: 0, trades: 0, first: ev }));
      c.trades++;
    }
    if (id === null) return;
    const q = num(e.quantity) ?? 0;
    const o = this.open.get(id);
    if (o === undefined) {
      const c = this.closed.get(id);
      if (c === undefined)
        this.add('fill_without_order', iso, [id], symbol, `fill for order ${id}, which was never seen`, [ev]);
      else if (c.status !== 'filled')
        this.add(
          'activity_after_close',
          iso,
          [id],
          symbol ?? c.symbol,
          `fill of order ${id} after it was ${c.status}`,
          [c.newRef, ev],
        );
      else {
        c.filled += q;
        if (!c.overfilled) {
          c.overfilled = true;
          this.add(
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
      this.add(
        'overfill',
        iso,
        [id],
        symbol ?? o.symbol,
        `order ${id} filled ${fmt(o.filled)}, more than its quantity ${fmt(o.qty)}`,
        [o.newRef, ev],
      );
    }
    if (o.filled >= o.qty - 1e-9) this.close(o, 'filled');
  }

  private riskEvent(e: LogEvent, event: string, tUs: number, iso: string, ev: Evidence): void {
    const p = this.p;
    const oid = idOf(e.order_id);
    const sid = idOf(e.signal_id);
    const ids = oid !== null ? [oid] : [];
    if (event === 'RiskCheck') {
      this.summary.risk_checks++;
      const pass = e.result === 'pass';
      if (!pass) this.summary.risk_rejects++;
      const failed = Array.isArray(e.checks)
        ? e.checks
            .filter((c) => typeof c === 'object' && c !== null && (c as { passed?: unknown }).passed === false)
            .map((c) => String((c as { name?: unknown }).name))
        : [];
      const rc: RiskCheck = { tUs, pass, failed, refPrice: num(e.reference_price), ev };
      if (oid !== null) this.risk.set(`o:${oid}`, rc);
      if (sid !== null) this.risk.set(`s:${sid}`, rc);
      const score = num(e.score);
      if (score !== null && p.max_risk_score !== null && score > p.max_risk_score) {
        this.add(
          'risk_score_exceeded',
          iso,
          ids,
          str(e.symbol),
          `risk score ${score} for ${oid ?? `signal ${sid}`} above the maximum ${p.max_risk_score}`,
          [ev],
        );
      }
    } else if (event === 'RiskOverride') {
      this.summary.overrides++;
      const approver = str(e.approver);
      const reason = str(e.reason);
      const text = `${str(e.user) ?? 'someone'}${approver ? `, approved by ${approver}` : ''}${reason ? `: ${reason}` : ''}`;
      if (oid !== null) this.overrides.set(`o:${oid}`, { tUs, ev, text });
      if (sid !== null) this.overrides.set(`s:${sid}`, { tUs, ev, text });
      if (approver === null || reason === null) {
        const missing = [approver === null ? 'approver' : '', reason === null ? 'reason' : '']
          .filter(Boolean)
          .join(' and ');
        this.add(
          'override_unapproved',
          iso,
          ids,
          str(e.symbol),
          `risk override by ${str(e.user) ?? 'unknown'} for ${oid ?? `signal ${sid}`} without ${missing}`,
          [ev],
        );
      }
    } else if (event === 'KillSwitchOn' || event === 'KillSwitchOff') {
      const scope = str(e.scope) ?? 'all';
      if (event === 'KillSwitchOn') this.killSwitch.set(scope, ev);
      else if (scope === 'all') this.killSwitch.clear();
      else this.killSwitch.delete(scope);
    }
  }

  private decision(e: LogEvent, event: string, tUs: number, iso: string, ev: Evidence): void {
    if (event !== 'DecisionRecorded') return;
    this.summary.decisions++;
    const p = this.p;
    const decision = str(e.decision) ?? '';
    const kind = str(e.reviewer_kind) ?? '';
    const oid = idOf(e.order_id);
    const sid = idOf(e.signal_id);
    if (p.forbidden_decisions.includes(decision)) {
      this.add(
        'forbidden_decision',
        iso,
        oid !== null ? [oid] : [],
        str(e.symbol),
        `forbidden decision ${JSON.stringify(decision)} by ${kind || 'unknown'} reviewer ${str(e.reviewer) ?? ''} on ${sid !== null ? `signal ${sid}` : `order ${oid}`}`.replace(
          / {2}/g,
          ' ',
        ),
        [ev],
      );
      return;
    }
    const acceptable =
      (p.review_reviewer_kinds.length === 0 || p.review_reviewer_kinds.includes(kind)) &&
      !/^(reject|deny|block)/i.test(decision);
    if (sid !== null && acceptable) this.decisions.set(sid, { tUs, ev });
  }

  private auth(e: LogEvent, event: string, tUs: number): void {
    const user = str(e.user);
    if (user === null) return;
    if (event === 'Login') {
      this.summary.logins++;
      this.sessions.set(user, tUs);
    } else if (event === 'Logout') this.sessions.delete(user);
    else if (event === 'LoginFailed') {
      this.summary.failed_logins++;
      let f = this.failed.get(user);
      if (f === undefined) this.failed.set(user, (f = { tUs, times: [], flaggedBurstAt: -1 }));
      const w = this.p.failed_login_burst.window_s * SECOND;
      f.times = f.times.filter((t) => t >= tUs - w);
      f.times.push(tUs);
      f.tUs = tUs;
    }
  }

  private config(e: LogEvent, event: string, tUs: number, iso: string, ev: Evidence): void {
    if (event === 'ConfigChanged') {
      this.summary.config_changes++;
      const hasReason = str(e.reason) !== null || str(e.ticket) !== null;
      this.configs.set(`${ev.seq}`, { tUs, ev, iso, hasReason, snapshot: str(e.snapshot_id) !== null });
    } else if (event === 'ConfigSnapshot') {
      // Only changes within the window before it: an older change stays unrecorded.
      const since = tUs - this.p.config_snapshot_window_s * SECOND;
      for (const c of this.configs.values()) if (c.tUs >= since) c.snapshot = true;
    }
  }

  private configFinding(c: PendingConfig): void {
    if (c.hasReason && c.snapshot) return;
    const missing = [
      c.snapshot ? '' : `no config snapshot within ${this.p.config_snapshot_window_s} s`,
      c.hasReason ? '' : 'no reason or ticket',
    ]
      .filter(Boolean)
      .join(' and ');
    this.add('config_change_unrecorded', c.iso, [], null, `config change at seq ${c.ev.seq} with ${missing}`, [c.ev]);
  }

  /** Forgets what is past every horizon; pending config changes past their window are judged. */
  private sweep(endOfDay = false): void {
    const p = this.p;
    const now = this.nowUs;
    this.closed.expire(now, p.closed_order_memory_s * SECOND);
    this.risk.expire(now, p.risk_check_validity_s * SECOND);
    this.overrides.expire(now, p.risk_check_validity_s * SECOND);
    this.decisions.expire(now, p.closed_order_memory_s * SECOND);
    this.recentNew.expire(now, p.duplicate_window_ms * 1000);
    if (!endOfDay) this.configs.expire(now, p.config_snapshot_window_s * SECOND, (_k, c) => this.configFinding(c));
    for (const [u, f] of this.failed) if (f.tUs < now - p.failed_login_burst.window_s * SECOND) this.failed.delete(u);
  }
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}
function idOf(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
}
function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}
function fmt(n: number): string {
  // Thousands separators by hand: toLocaleString costs microseconds, and a day may have many findings.
  const [int, frac] = String(n).split('.');
  const grouped = (int as string).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}
