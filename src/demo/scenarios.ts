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

interface Sym {
  readonly symbol: string;
  readonly mid: number;
  readonly digits: number;
  readonly lot: number;
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
  let n = 0;
  const w = (accepted: boolean | Promise<void>): void => {
    if (accepted === true) n++;
  };
  const pause = (s: number): void => setNow(now() + Math.round(s * 1_000_000));
  let k = 0;
  const id = (tag: string): string => `ORD-${day}-${tag}-${++k}`;
  const ref = eur.mid.toFixed(eur.digits);
  const check = (orderId: string, extra: Record<string, unknown> = {}): void => {
    w(
      logRiskCheck(logger, {
        orderId,
        symbol: eur.symbol,
        result: 'pass',
        score: 0.3,
        checks: [{ name: 'max_order_notional', passed: true }],
        referencePrice: ref,
        ...extra,
      }),
    );
    pause(0.05);
  };
  const send = (orderId: string, f: Record<string, unknown> = {}): void => {
    w(
      logger.order('OrderAccepted', {
        orderId,
        symbol: eur.symbol,
        side: 'BUY',
        quantity: eur.lot,
        price: ref,
        trader: 'alice',
        strategy: 'mean-revert-v2',
        ...f,
      }),
    );
    pause(0.4);
  };
  const fill = (orderId: string, f: Record<string, unknown> = {}): void => {
    w(
      logger.fill(
        {
          orderId,
          dealId: `DL-${orderId.slice(4)}`,
          symbol: eur.symbol,
          side: 'BUY',
          quantity: eur.lot,
          price: ref,
          venue: 'LMAX',
          ...f,
        },
        'Filled',
      ),
    );
    w(
      logger.order('Filled', {
        orderId,
        symbol: (f.symbol as string | undefined) ?? eur.symbol,
        quantity: (f.quantity as number | undefined) ?? eur.lot,
        leavesQuantity: 0,
      }),
    );
  };
  const flow = (tag: string, checkExtra: Record<string, unknown>, orderExtra: Record<string, unknown> = {}): string => {
    const o = id(tag);
    check(o, checkExtra);
    send(o, orderExtra);
    fill(o, orderExtra);
    step(20, 90);
    return o;
  };

  // missing_risk_check: sent with no check at all.
  let o = id('NOCHECK');
  send(o);
  fill(o);
  step(20, 90);
  // risk_override: rejected, overridden (approved, with a reason), sent anyway.
  o = id('OVR');
  w(
    logRiskCheck(logger, {
      orderId: o,
      symbol: eur.symbol,
      result: 'reject',
      score: 0.62,
      checks: [{ name: 'max_position', passed: false }],
      referencePrice: ref,
    }),
  );
  pause(30);
  w(
    logRiskOverride(logger, {
      orderId: o,
      user: 'bob',
      approver: 'risk-officer',
      reason: 'client hedge, position limit raised by phone',
      limit: 'max_position',
    }),
  );
  pause(5);
  send(o, { trader: 'bob' });
  fill(o);
  step(20, 90);
  // override_unapproved: an override nobody approved.
  o = id('NOAPPR');
  check(o);
  w(logRiskOverride(logger, { orderId: o, user: 'chen', reason: 'urgent', limit: 'price_collar' }));
  pause(1);
  send(o, { trader: 'chen' });
  fill(o);
  step(20, 90);
  flow('SCORE', { score: 0.93 }); // risk_score_exceeded
  flow('FAILCHK', {
    checks: [
      { name: 'fat_finger', passed: false, value: 5, limit: 3 },
      { name: 'max_order_notional', passed: true },
    ],
  }); // risk_check_failed
  flow('NOTIONAL', {}, { quantity: 1_000_000 }); // order_notional_exceeded: 1,000,000 × 1.0843
  flow(
    'SIZE',
    { referencePrice: '2391.40', symbol: 'XAUUSD' },
    { symbol: 'XAUUSD', quantity: 150, price: '2391.40', venue: 'EBS' },
  ); // order_size_exceeded
  flow('COLLAR', {}, { price: (eur.mid * 1.033).toFixed(eur.digits) }); // price_collar_breached

  // message_rate_exceeded: the momentum strategy amends six times within a second.
  o = id('BURST');
  check(o);
  send(o, { strategy: 'momo-burst' });
  for (let i = 0; i < 6; i++) {
    w(
      logger.order('OrderModified', {
        orderId: o,
        symbol: eur.symbol,
        price: (eur.mid + 0.0001 * (i + 1)).toFixed(eur.digits),
        strategy: 'momo-burst',
      }),
    );
    pause(0.05);
  }
  fill(o);
  step(20, 90);

  // order_to_trade_ratio_exceeded: USDJPY quoted and re-quoted, never traded.
  o = id('QUOTE');
  check(o, { symbol: 'USDJPY', referencePrice: '151.20' });
  send(o, { symbol: 'USDJPY', price: '151.20', quantity: 5000 });
  for (let i = 0; i < 12; i++) {
    pause(10);
    w(logger.order('OrderModified', { orderId: o, symbol: 'USDJPY', price: (151.2 + 0.01 * (i + 1)).toFixed(2) }));
  }
  pause(10);
  w(logger.order('Cancelled', { orderId: o, symbol: 'USDJPY', reason: 'quote withdrawn' }));
  step(20, 90);

  // fill_without_order
  w(
    logger.fill(
      {
        orderId: 'ORD-EXT-77',
        dealId: 'DL-EXT-77',
        symbol: eur.symbol,
        side: 'SELL',
        quantity: eur.lot,
        price: ref,
        venue: 'LMAX',
      },
      'Filled',
    ),
  );
  step(20, 90);
  // overfill: a second execution after the order was complete.
  o = flow('OVERFILL', {});
  w(
    logger.fill(
      {
        orderId: o,
        dealId: `DL-${o.slice(4)}-x`,
        symbol: eur.symbol,
        side: 'BUY',
        quantity: 20_000,
        price: ref,
        venue: 'LMAX',
      },
      'PartiallyFilled',
    ),
  );
  step(20, 90);
  // activity_after_close: filled after it was cancelled.
  o = id('LATEFILL');
  check(o);
  send(o);
  w(logger.order('Cancelled', { orderId: o, symbol: eur.symbol, reason: 'user cancel' }));
  pause(0.3);
  w(
    logger.fill(
      {
        orderId: o,
        dealId: `DL-${o.slice(4)}`,
        symbol: eur.symbol,
        side: 'BUY',
        quantity: eur.lot,
        price: ref,
        venue: 'LMAX',
      },
      'Filled',
    ),
  );
  step(20, 90);
  // cancel_unknown_order
  w(logger.order('Cancelled', { orderId: 'ORD-UNKNOWN-1', symbol: eur.symbol, reason: 'user cancel' }));
  step(20, 90);
  // duplicate_order: the same order twice, 300 ms apart.
  const d1 = id('DUP');
  const d2 = id('DUP');
  check(d1);
  check(d2);
  send(d1, { quantity: 300_000 });
  pause(0.3);
  send(d2, { quantity: 300_000 });
  fill(d1, { quantity: 300_000 });
  fill(d2, { quantity: 300_000 });
  step(20, 90);
  // order_id_reused: the first scenario's id again.
  o = `ORD-${day}-NOCHECK-1`;
  check(o);
  send(o, { quantity: 2 * eur.lot });
  fill(o, { quantity: 2 * eur.lot });
  step(20, 90);
  // kill_switch_violation
  w(logKillSwitch(logger, true, { user: 'risk-officer', reason: 'drawdown 80% of limit', scope: 'all' }));
  pause(20);
  flow('KILL', {});
  w(logKillSwitch(logger, false, { user: 'risk-officer', reason: 'drawdown reviewed' }));
  step(20, 90);
  flow(
    'RESTRICTED',
    { symbol: 'USDRUB', referencePrice: '92.50' },
    { symbol: 'USDRUB', price: '92.50', quantity: 10_000 },
  ); // restricted_symbol
  flow('NOLOGIN', {}, { trader: 'dave' }); // order_without_login
  // order_after_failed_logins: three wrong passwords, then in, then an order.
  for (let i = 0; i < 3; i++) {
    w(logger.auth('LoginFailed', { user: 'erin', sourceIp: '10.20.0.99', reason: 'bad password' }));
    pause(4);
  }
  w(logger.auth('Login', { user: 'erin', sourceIp: '10.20.0.99' }));
  pause(20);
  flow('AFTERFAIL', {}, { trader: 'erin' });
  // review_missing, after a reviewed signal that is fine.
  w(
    logDecision(logger, {
      signalId: `SIG-${day}-1`,
      reviewerKind: 'llm',
      reviewer: 'review-model',
      decision: 'approve',
      reason: 'within mandate',
    }),
  );
  pause(2);
  flow('SIGNAL', { signalId: `SIG-${day}-1` }, { signalId: `SIG-${day}-1` });
  flow('NOREVIEW', { signalId: `SIG-${day}-2` }, { signalId: `SIG-${day}-2` });
  // forbidden_decision
  w(
    logDecision(logger, {
      signalId: `SIG-${day}-3`,
      reviewerKind: 'llm',
      reviewer: 'review-model',
      decision: 'proceed_despite_reject',
      reason: 'model judged the reject stale',
    }),
  );
  step(20, 90);
  // order_open_at_end_of_day: a day order nobody filled or cancelled.
  o = id('OPEN');
  check(o);
  send(o, { price: (eur.mid * 0.995).toFixed(eur.digits) });
  step(20, 90);

  // clock_backwards: another process on another host, whose clock steps back 3 s.
  await logger.flush();
  let t2 = now();
  const other = createAuditLogger({
    logDir,
    handleExit: false,
    clock: () => t2,
    host: 'trader-2',
    pid: 5120,
    actor: 'demo',
  });
  w(other.log('system', 'Heartbeat', { component: 'pricer' }));
  await other.flush();
  t2 -= 3_000_000;
  w(other.log('system', 'Heartbeat', { component: 'pricer', note: 'NTP stepped the clock back' }));
  await other.close();
  pause(1);
  return n;
}
