/**
 * The demo trading day: logins, sixty orders on three symbols (risk checks, fills in one or two
 * parts, cancels, rejects, stops), a config change and exposure alerts, then the afternoon's
 * compliance scenarios (scenarios.ts) and the close. Deterministic: one seeded sequence and an
 * injected clock, so every demo day has the same shape and is dated the day it is for.
 */
import { type AuditLogger, createAuditLogger, logRiskCheck } from '../logger/index.js';
import { supervisionScenarios } from './scenarios.js';

const SYMBOLS = [
  { symbol: 'EURUSD', mid: 1.0843, digits: 5, lot: 100000 },
  { symbol: 'GBPUSD', mid: 1.2712, digits: 5, lot: 100000 },
  { symbol: 'XAUUSD', mid: 2391.4, digits: 2, lot: 10 },
] as const;
const TRADERS = ['alice', 'bob', 'chen'] as const;
type DemoSymbol = (typeof SYMBOLS)[number];

/** A deterministic pseudo-random sequence (mulberry32), so every demo day has the same shape. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The day being written: its logger, its clock (advanced in random steps) and the events counted. */
class DemoDay {
  readonly rand: () => number;
  micros: number;
  count = 0;
  readonly logger: AuditLogger;

  constructor(
    readonly logDir: string,
    readonly day: number,
  ) {
    this.rand = rng(day);
    this.micros = day * 86_400_000_000 + 7 * 3_600_000_000; // 07:00 UTC, London open
    this.logger = createAuditLogger({
      logDir,
      handleExit: false,
      clock: () => this.micros,
      host: 'trader-1',
      pid: 4711,
      actor: 'demo',
    });
  }

  /** Advances the clock by a random time between `minS` and `maxS` seconds. */
  step(minS: number, maxS: number): void {
    this.micros += Math.floor((minS + this.rand() * (maxS - minS)) * 1_000_000);
  }

  /** Counts an event the logger accepted. */
  c(accepted: boolean): void {
    if (accepted) this.count++;
  }

  /** A price near the symbol's mid. */
  price(s: DemoSymbol): string {
    return (s.mid * (1 + (this.rand() - 0.5) / 500)).toFixed(s.digits);
  }
}

/** Writes the demo trading day for UTC day `day` into `logDir`. Returns the number of events. */
export async function generateDemoDay(logDir: string, day: number): Promise<number> {
  const d = new DemoDay(logDir, day);
  const { logger } = d;
  // Morning logins, one mistyped password first.
  d.c(logger.auth('LoginFailed', { user: 'bob', sourceIp: '10.20.0.14', reason: 'bad password' }) as boolean);
  d.step(5, 20);
  for (const user of TRADERS) {
    d.c(
      logger.auth('Login', {
        user,
        sourceIp: `10.20.0.${10 + TRADERS.indexOf(user) * 2}`,
        sessionToken: `tok-${user}-${day}`,
      }) as boolean,
    );
    d.step(10, 60);
  }
  for (let i = 0; i < 60; i++) trade(d, i);
  // The afternoon: one breach of each compliance rule, so the day's report shows them all.
  d.step(300, 600);
  d.count += await supervisionScenarios(
    logger,
    logDir,
    day,
    () => d.micros,
    (us) => (d.micros = us),
    (minS, maxS) => d.step(minS, maxS),
    SYMBOLS[0],
  );
  d.step(120, 600);
  d.c(
    logger.alert({ alertType: 'pnl', message: 'Daily loss at 82% of max_daily_loss', severity: 'CRITICAL' }) as boolean,
  );
  for (const user of TRADERS) {
    d.step(30, 300);
    d.c(logger.auth('Logout', { user }) as boolean);
  }
  await logger.close();
  return d.count;
}

/** What one of the morning's orders is about. */
interface Trade {
  readonly s: DemoSymbol;
  readonly side: 'BUY' | 'SELL';
  readonly orderId: string;
  readonly quantity: number;
  readonly px: string;
  readonly trader: string;
}

/** The morning's order `i`: rejected by risk, or accepted and then cancelled or filled; then what happens around it. */
function trade(d: DemoDay, i: number): void {
  const s = SYMBOLS[i % SYMBOLS.length] as DemoSymbol;
  const side = d.rand() < 0.5 ? 'BUY' : 'SELL';
  const orderId = `ORD-${d.day}-${String(i + 1).padStart(4, '0')}`;
  const quantity = s.lot * (1 + Math.floor(d.rand() * 5));
  const px = d.price(s);
  const trader = TRADERS[i % TRADERS.length] as string;
  const t: Trade = { s, side, orderId, quantity, px, trader };
  d.step(30, 600);
  if (i % 17 === 16) return rejected(d, t);
  accepted(d, t);
  if (i % 11 === 5) {
    d.step(5, 120);
    d.c(
      d.logger.order('Cancelled', {
        orderId,
        symbol: s.symbol,
        side,
        quantity,
        trader,
        reason: 'user cancel',
      }) as boolean,
    );
    return;
  }
  filled(d, t);
  around(d, t, i);
}

/** A risk check that rejects, and the order rejected. */
function rejected(d: DemoDay, t: Trade): void {
  const { s, orderId, side, quantity, px, trader } = t;
  d.c(
    logRiskCheck(d.logger, {
      orderId,
      symbol: s.symbol,
      result: 'reject',
      score: 0.71,
      checks: [{ name: 'max_order_notional', passed: false }],
      referencePrice: s.mid.toFixed(s.digits),
    }) as boolean,
  );
  d.c(
    d.logger.order('Rejected', {
      orderId,
      symbol: s.symbol,
      side,
      quantity,
      price: px,
      trader,
      reason: 'max_order_notional exceeded',
    }) as boolean,
  );
}

/** A passing risk check, then the order accepted. */
function accepted(d: DemoDay, t: Trade): void {
  const { s, orderId, side, quantity, px, trader } = t;
  d.c(
    logRiskCheck(d.logger, {
      orderId,
      symbol: s.symbol,
      result: 'pass',
      score: Number((0.1 + d.rand() * 0.4).toFixed(2)),
      checks: [
        { name: 'max_order_notional', passed: true },
        { name: 'price_collar', passed: true },
      ],
      referencePrice: s.mid.toFixed(s.digits),
    }) as boolean,
  );
  d.step(0.01, 0.2);
  d.c(
    d.logger.order('OrderAccepted', {
      orderId,
      symbol: s.symbol,
      side,
      quantity,
      price: px,
      trader,
      strategy: 'mean-revert-v2',
    }) as boolean,
  );
}

/** Filled in one or two parts. */
function filled(d: DemoDay, t: Trade): void {
  const { s, orderId, side, quantity } = t;
  let left = quantity;
  let deal = 0;
  while (left > 0) {
    d.step(0.05, 3);
    const part = left > s.lot && d.rand() < 0.5 ? s.lot : left;
    left -= part;
    const dealId = `DL-${orderId.slice(4)}-${++deal}`;
    const fillPx = d.price(s);
    const ev = left > 0 ? 'PartiallyFilled' : 'Filled';
    d.c(
      d.logger.fill(
        {
          orderId,
          dealId,
          symbol: s.symbol,
          side,
          quantity: part,
          price: fillPx,
          venue: s.symbol === 'XAUUSD' ? 'EBS' : 'LMAX',
          liquidity: d.rand() < 0.6 ? 'maker' : 'taker',
        },
        ev,
      ) as boolean,
    );
    d.c(
      d.logger.order(ev, {
        orderId,
        symbol: s.symbol,
        side,
        quantity: part,
        price: fillPx,
        leavesQuantity: left,
      }) as boolean,
    );
  }
}

/** After a fill: a moved stop now and then, the midday config change, two exposure alerts. */
function around(d: DemoDay, t: Trade, i: number): void {
  const { s, orderId, side, trader } = t;
  if (i % 9 === 3) {
    d.step(60, 900);
    d.c(d.logger.order('StopUpdated', { orderId, symbol: s.symbol, side, stopPrice: d.price(s), trader }) as boolean);
  }
  if (i === 30) {
    // Midday: risk raises a limit, and says so.
    d.step(60, 300);
    d.c(
      d.logger.config('risk', {
        filePath: 'configs/risk.yaml',
        key: 'max_order_notional',
        oldValue: 1000000,
        newValue: 1500000,
        approvedBy: 'risk-officer',
        ticket: 'RISK-1182',
      }) as boolean,
    );
  }
  if (i === 22 || i === 47) {
    d.step(1, 30);
    d.c(
      d.logger.alert({
        alertType: 'exposure',
        message: `Net exposure on ${s.symbol} at 86% of limit`,
        severity: i === 47 ? 'HIGH' : 'MEDIUM',
        symbol: s.symbol,
      }) as boolean,
    );
  }
}
