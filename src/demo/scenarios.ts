/**
 * The demo day's afternoon: one breach of each compliance rule (src/compliance/types.ts, RULES),
 * each in an otherwise clean flow (a risk check, a logged-in trader, a fill), so the day's report
 * lists every rule exactly once under the sample policy (configs/compliance_policy.yaml).
 */
import {
  createAuditLogger,
  logDecision,
  logKillSwitch,
  logRiskCheck,
  logRiskOverride,
  type AuditLogger,
} from '../logger/index.js';
import { recordWriterEvent } from '../logger/child.js';
import { snapshotIdOf } from '../snapshot/store.js';

interface Sym {
  readonly symbol: string;
  readonly mid: number;
  readonly digits: number;
  readonly lot: number;
}

/** The afternoon's writer: the logger, the demo clock, and the clean flow each scenario breaks once. */
class Scenario {
  /** Events written (accepted by the logger). */
  n = 0;
  private k = 0;
  readonly ref: string;

  constructor(
    readonly logger: AuditLogger,
    readonly logDir: string,
    readonly day: number,
    readonly now: () => number,
    private readonly setNow: (us: number) => void,
    readonly step: (minS: number, maxS: number) => void,
    readonly eur: Sym,
  ) {
    this.ref = eur.mid.toFixed(eur.digits);
  }

  w(accepted: boolean | Promise<void>): void {
    if (accepted === true) this.n++;
  }

  pause(s: number): void {
    this.setNow(this.now() + Math.round(s * 1_000_000));
  }

  id(tag: string): string {
    return `ORD-${this.day}-${tag}-${++this.k}`;
  }

  check(orderId: string, extra: Record<string, unknown> = {}): void {
    this.w(
      logRiskCheck(this.logger, {
        orderId,
        symbol: this.eur.symbol,
        result: 'pass',
        score: 0.3,
        checks: [{ name: 'max_order_notional', passed: true }],
        referencePrice: this.ref,
        ...extra,
      }),
    );
    this.pause(0.05);
  }

  send(orderId: string, f: Record<string, unknown> = {}): void {
    this.w(
      this.logger.order('OrderAccepted', {
        orderId,
        symbol: this.eur.symbol,
        side: 'BUY',
        quantity: this.eur.lot,
        price: this.ref,
        trader: 'alice',
        strategy: 'mean-revert-v2',
        ...f,
      }),
    );
    this.pause(0.4);
  }

  fill(orderId: string, f: Record<string, unknown> = {}): void {
    this.w(
      this.logger.fill(
        {
          orderId,
          dealId: `DL-${orderId.slice(4)}`,
          symbol: this.eur.symbol,
          side: 'BUY',
          quantity: this.eur.lot,
          price: this.ref,
          venue: 'LMAX',
          ...f,
        },
        'Filled',
      ),
    );
    this.w(
      this.logger.order('Filled', {
        orderId,
        symbol: (f.symbol as string | undefined) ?? this.eur.symbol,
        quantity: (f.quantity as number | undefined) ?? this.eur.lot,
        leavesQuantity: 0,
      }),
    );
  }

  /** A clean flow (check, send, fill) whose extras break one rule. */
  flow(tag: string, checkExtra: Record<string, unknown>, orderExtra: Record<string, unknown> = {}): string {
    const o = this.id(tag);
    this.check(o, checkExtra);
    this.send(o, orderExtra);
    this.fill(o, orderExtra);
    this.step(20, 90);
    return o;
  }
}

/** Writes the scenarios with `logger` from the current demo time; returns the number of events written. */
export async function supervisionScenarios(
  logger: AuditLogger,
  logDir: string,
  day: number,
  now: () => number,
  setNow: (us: number) => void,
  step: (minS: number, maxS: number) => void,
  eur: Sym,
): Promise<number> {
  const x = new Scenario(logger, logDir, day, now, setNow, step, eur);
  riskScenarios(x);
  limitScenarios(x);
  rateScenarios(x);
  lifecycleScenarios(x);
  accessScenarios(x);
  reviewScenarios(x);
  validityScenarios(x);
  await clockScenario(x);
  await backdatedSnapshotScenario(x);
  return x.n;
}

/** Pre-trade risk: no check, an approved and an unapproved override, a high score, a failed check. */
function riskScenarios(x: Scenario): void {
  // missing_risk_check: sent with no check at all.
  let o = x.id('NOCHECK');
  x.send(o);
  x.fill(o);
  x.step(20, 90);
  // risk_override: rejected, overridden (approved, with a reason), sent anyway.
  o = x.id('OVR');
  x.w(
    logRiskCheck(x.logger, {
      orderId: o,
      symbol: x.eur.symbol,
      result: 'reject',
      score: 0.62,
      checks: [{ name: 'max_position', passed: false }],
      referencePrice: x.ref,
    }),
  );
  x.pause(30);
  x.w(
    logRiskOverride(x.logger, {
      orderId: o,
      user: 'bob',
      approver: 'risk-officer',
      reason: 'client hedge, position limit raised by phone',
      limit: 'max_position',
    }),
  );
  x.pause(5);
  x.send(o, { trader: 'bob' });
  x.fill(o);
  x.step(20, 90);
  // override_unapproved: an override nobody approved.
  o = x.id('NOAPPR');
  x.check(o);
  x.w(logRiskOverride(x.logger, { orderId: o, user: 'chen', reason: 'urgent', limit: 'price_collar' }));
  x.pause(1);
  x.send(o, { trader: 'chen' });
  x.fill(o);
  x.step(20, 90);
  x.flow('SCORE', { score: 0.93 }); // risk_score_exceeded
  x.flow('FAILCHK', {
    checks: [
      { name: 'fat_finger', passed: false, value: 5, limit: 3 },
      { name: 'max_order_notional', passed: true },
    ],
  }); // risk_check_failed
}

/** Order limits: notional, size and the price collar. */
function limitScenarios(x: Scenario): void {
  x.flow('NOTIONAL', {}, { quantity: 1_000_000 }); // order_notional_exceeded: 1,000,000 × 1.0843
  x.flow(
    'SIZE',
    { referencePrice: '2391.40', symbol: 'XAUUSD' },
    { symbol: 'XAUUSD', quantity: 150, price: '2391.40', venue: 'EBS' },
  ); // order_size_exceeded
  x.flow('COLLAR', {}, { price: (x.eur.mid * 1.033).toFixed(x.eur.digits) }); // price_collar_breached
}

/** Message rates: a burst of amendments, and quotes that never trade. */
function rateScenarios(x: Scenario): void {
  let o: string;
  // message_rate_exceeded: the momentum strategy amends six times within a second.
  o = x.id('BURST');
  x.check(o);
  x.send(o, { strategy: 'momo-burst' });
  for (let i = 0; i < 6; i++) {
    x.w(
      x.logger.order('OrderModified', {
        orderId: o,
        symbol: x.eur.symbol,
        price: (x.eur.mid + 0.0001 * (i + 1)).toFixed(x.eur.digits),
        strategy: 'momo-burst',
      }),
    );
    x.pause(0.05);
  }
  x.fill(o);
  x.step(20, 90);

  // order_to_trade_ratio_exceeded: USDJPY quoted and re-quoted, never traded.
  o = x.id('QUOTE');
  x.check(o, { symbol: 'USDJPY', referencePrice: '151.20' });
  x.send(o, { symbol: 'USDJPY', price: '151.20', quantity: 5000 });
  for (let i = 0; i < 12; i++) {
    x.pause(10);
    x.w(x.logger.order('OrderModified', { orderId: o, symbol: 'USDJPY', price: (151.2 + 0.01 * (i + 1)).toFixed(2) }));
  }
  x.pause(10);
  x.w(x.logger.order('Cancelled', { orderId: o, symbol: 'USDJPY', reason: 'quote withdrawn' }));
  x.step(20, 90);
}

/** The order's lifecycle: fills without an order or past it, activity after close, unknown cancels, duplicates, a reused id. */
function lifecycleScenarios(x: Scenario): void {
  let o: string;
  // fill_without_order
  x.w(
    x.logger.fill(
      {
        orderId: 'ORD-EXT-77',
        dealId: 'DL-EXT-77',
        symbol: x.eur.symbol,
        side: 'SELL',
        quantity: x.eur.lot,
        price: x.ref,
        venue: 'LMAX',
      },
      'Filled',
    ),
  );
  x.step(20, 90);
  // overfill: a second execution after the order was complete.
  o = x.flow('OVERFILL', {});
  x.w(
    x.logger.fill(
      {
        orderId: o,
        dealId: `DL-${o.slice(4)}-x`,
        symbol: x.eur.symbol,
        side: 'BUY',
        quantity: 20_000,
        price: x.ref,
        venue: 'LMAX',
      },
      'PartiallyFilled',
    ),
  );
  x.step(20, 90);
  // activity_after_close: filled after it was cancelled.
  o = x.id('LATEFILL');
  x.check(o);
  x.send(o);
  x.w(x.logger.order('Cancelled', { orderId: o, symbol: x.eur.symbol, reason: 'user cancel' }));
  x.pause(0.3);
  x.w(
    x.logger.fill(
      {
        orderId: o,
        dealId: `DL-${o.slice(4)}`,
        symbol: x.eur.symbol,
        side: 'BUY',
        quantity: x.eur.lot,
        price: x.ref,
        venue: 'LMAX',
      },
      'Filled',
    ),
  );
  x.step(20, 90);
  // cancel_unknown_order
  x.w(x.logger.order('Cancelled', { orderId: 'ORD-UNKNOWN-1', symbol: x.eur.symbol, reason: 'user cancel' }));
  x.step(20, 90);
  // duplicate_order: the same order twice, 300 ms apart.
  const d1 = x.id('DUP');
  const d2 = x.id('DUP');
  x.check(d1);
  x.check(d2);
  x.send(d1, { quantity: 300_000 });
  x.pause(0.3);
  x.send(d2, { quantity: 300_000 });
  x.fill(d1, { quantity: 300_000 });
  x.fill(d2, { quantity: 300_000 });
  x.step(20, 90);
  // order_id_reused: the first scenario's id again.
  o = `ORD-${x.day}-NOCHECK-1`;
  x.check(o);
  x.send(o, { quantity: 2 * x.eur.lot });
  x.fill(o, { quantity: 2 * x.eur.lot });
  x.step(20, 90);
}

/** The kill switch, restricted symbols, logins and failed logins. */
function accessScenarios(x: Scenario): void {
  // kill_switch_violation
  x.w(logKillSwitch(x.logger, true, { user: 'risk-officer', reason: 'drawdown 80% of limit', scope: 'all' }));
  x.pause(20);
  x.flow('KILL', {});
  x.w(logKillSwitch(x.logger, false, { user: 'risk-officer', reason: 'drawdown reviewed' }));
  x.step(20, 90);
  x.flow(
    'RESTRICTED',
    { symbol: 'USDRUB', referencePrice: '92.50' },
    { symbol: 'USDRUB', price: '92.50', quantity: 10_000 },
  ); // restricted_symbol
  x.flow('NOLOGIN', {}, { trader: 'dave' }); // order_without_login
  // order_after_failed_logins: three wrong passwords, then in, then an order.
  for (let i = 0; i < 3; i++) {
    x.w(x.logger.auth('LoginFailed', { user: 'erin', sourceIp: '10.20.0.99', reason: 'bad password' }));
    x.pause(4);
  }
  x.w(x.logger.auth('Login', { user: 'erin', sourceIp: '10.20.0.99' }));
  x.pause(20);
  x.flow('AFTERFAIL', {}, { trader: 'erin' });
}

/** Reviews of signals, a forbidden decision, and a day order left open. */
function reviewScenarios(x: Scenario): void {
  // review_missing, after a reviewed signal that is fine.
  x.w(
    logDecision(x.logger, {
      signalId: `SIG-${x.day}-1`,
      reviewerKind: 'llm',
      reviewer: 'review-model',
      decision: 'approve',
      reason: 'within mandate',
    }),
  );
  x.pause(2);
  x.flow('SIGNAL', { signalId: `SIG-${x.day}-1` }, { signalId: `SIG-${x.day}-1` });
  x.flow('NOREVIEW', { signalId: `SIG-${x.day}-2` }, { signalId: `SIG-${x.day}-2` });
  // forbidden_decision
  x.w(
    logDecision(x.logger, {
      signalId: `SIG-${x.day}-3`,
      reviewerKind: 'llm',
      reviewer: 'review-model',
      decision: 'proceed_despite_reject',
      reason: 'model judged the reject stale',
    }),
  );
  x.step(20, 90);
  // order_open_at_end_of_day: a day order nobody filled or cancelled.
  const o = x.id('OPEN');
  x.check(o);
  x.send(o, { price: (x.eur.mid * 0.995).toFixed(x.eur.digits) });
  x.step(20, 90);
}

/** Values that make no sense: a negative execution, a kill switch with a scope nobody knows. */
function validityScenarios(x: Scenario): void {
  // invalid_quantity: a correction sent as a fill of a negative quantity, before the real fill.
  const o = x.id('NEGFILL');
  x.check(o);
  x.send(o);
  const neg = {
    orderId: o,
    dealId: `DL-${o.slice(4)}-neg`,
    symbol: x.eur.symbol,
    side: 'BUY',
    price: x.ref,
    venue: 'LMAX',
  };
  x.w(x.logger.fill({ ...neg, quantity: -x.eur.lot }, 'PartiallyFilled'));
  x.fill(o);
  x.step(20, 90);
  // kill_switch_scope_unknown: "ALL" is not `all`; held as all until turned off, with no order meanwhile.
  x.w(logKillSwitch(x.logger, true, { user: 'risk-officer', reason: 'venue outage', scope: 'ALL' }));
  x.pause(30);
  x.w(logKillSwitch(x.logger, false, { user: 'risk-officer', reason: 'venue back', scope: 'ALL' }));
  x.step(20, 90);
  // order_id_missing: a client that lost the id sends a cancel the checks cannot match to any order.
  x.w(x.logger.order('Cancelled', { reason: 'user cancel' }));
  x.step(20, 90);
  // modify_unknown_order: a second gateway, not wired to the audit log, amends an order it accepted.
  x.w(
    x.logger.order('OrderModified', { orderId: 'ORD-GW2-5', symbol: x.eur.symbol, quantity: x.eur.lot, price: x.ref }),
  );
  x.step(20, 90);
}

/** Another process on another host whose clock steps back 3 s. */
async function clockScenario(x: Scenario): Promise<void> {
  // clock_backwards: another process on another host, whose clock steps back 3 s.
  await x.logger.flush();
  let t2 = x.now();
  const other = createAuditLogger({
    logDir: x.logDir,
    handleExit: false,
    clock: () => t2,
    host: 'trader-2',
    pid: 5120,
    actor: 'demo',
  });
  x.w(other.log('system', 'PricerAlive', { component: 'pricer' }));
  await other.flush();
  t2 -= 3_000_000;
  x.w(other.log('system', 'PricerAlive', { component: 'pricer', note: 'NTP stepped the clock back' }));
  await other.close();
  x.pause(1);
}

/** The snapshot command run on an operations host whose clock is two minutes behind. */
async function backdatedSnapshotScenario(x: Scenario): Promise<void> {
  // config_snapshot_backdated: its ConfigSnapshot lands after lines dated two minutes later. (No
  // config change in the five minutes before it: it records none, and governs no demo policy.)
  await x.logger.flush();
  const t = x.now() - 120_000_000;
  const ops = createAuditLogger({
    logDir: x.logDir,
    handleExit: false,
    clock: () => t,
    host: 'ops-1',
    pid: 7301,
    actor: 'demo',
  });
  const accepted = await recordWriterEvent(ops, 'config', 'ConfigSnapshot', {
    snapshot_id: snapshotIdOf(t, 0),
    reason: 'demo: snapshot from a host with a slow clock',
    file_count: 0,
  });
  x.w(accepted !== false);
  await ops.close();
  x.pause(1);
}
