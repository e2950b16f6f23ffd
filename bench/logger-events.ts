/**
 * Deterministic, realistic trading events for bench/logger.ts: orders and fills with 8-12 fields,
 * decimal-string prices, ids, symbols, and an `api_key` (a secret every event carries, as apps
 * that pass their request context along do). `makeEvent(i)` always returns the same event for the
 * same i, so every logger in a run writes exactly the same events, built on the fly (the app's own
 * cost of building a fields object is paid equally by every contender, and 1M pre-built events
 * would dominate the memory being measured).
 */

/** One event as the trading app hands it over. */
export interface BenchEvent {
  /** `order`/`fill` for the helpers; anything else is a custom event, logged with `log()`. */
  readonly category: string;
  readonly event: string;
  readonly fields: Record<string, unknown>;
  /** Logged through child logger number `child` (bound actor and desk), when set. */
  readonly child?: number;
}

/** 32-bit integer mix (lowbias32): a cheap, well-spread hash of the event index. */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

interface Instrument {
  readonly symbol: string;
  readonly prices: readonly string[];
  /** FX in units (numbers), crypto in decimal strings, equities/futures in small integers. */
  readonly quantities: readonly (number | string)[];
}

function instrument(
  symbol: string,
  mid: number,
  decimals: number,
  quantities: readonly (number | string)[],
): Instrument {
  const prices: string[] = [];
  for (let k = 0; k < 256; k++) prices.push((mid * (1 + (k - 128) / 20_000)).toFixed(decimals));
  return { symbol, prices, quantities };
}

const FX_QTY = [1_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000];
const INSTRUMENTS: readonly Instrument[] = [
  instrument('EURUSD', 1.1005, 5, FX_QTY),
  instrument('GBPUSD', 1.2712, 5, FX_QTY),
  instrument('USDJPY', 147.253, 3, FX_QTY),
  instrument('AUDUSD', 0.65821, 5, FX_QTY),
  instrument('USDCHF', 0.88134, 5, FX_QTY),
  instrument('XAUUSD', 2035.42, 2, [1, 5, 10, 25, 50]),
  instrument('BTCUSD', 43250.5, 1, ['0.0100', '0.2500', '0.5000', '1.0000', '2.7500']),
  instrument('ETHUSD', 2280.15, 2, ['0.100', '0.500', '1.250', '5.000', '12.000']),
  instrument('AAPL', 189.35, 2, [10, 50, 100, 250, 1_000]),
  instrument('ESZ5', 4785.25, 2, [1, 2, 5, 10]),
];

const SIDES = ['BUY', 'SELL'] as const;
const ORDER_TYPES = ['LIMIT', 'MARKET', 'STOP', 'STOP_LIMIT'] as const;
const TIFS = ['GTC', 'IOC', 'DAY', 'FOK'] as const;
const VENUES = ['LMAX', 'CME', 'NASDAQ', 'BINANCE', 'EBS'] as const;
const STRATEGIES = ['mean-revert-v3', 'momentum-5m', 'market-maker-2', 'twap-exec', 'manual'] as const;
const LIQUIDITY = ['MAKER', 'TAKER'] as const;
const REASONS = [
  'insufficient margin: required 2450.00 USD, available 1210.55 USD',
  'price outside collar (max deviation 2.5%)',
  'instrument halted',
  'max order size exceeded',
] as const;
/** A handful of keys of the kind an exchange or broker issues. */
const API_KEYS: readonly string[] = Array.from(
  { length: 8 },
  (_, k) => `ak_${mix(k + 1).toString(36)}${mix(k + 101).toString(36)}${mix(k + 201).toString(36)}`,
);

/** Every api key a bench event can carry: none of them may reach an audit file. */
export const BENCH_API_KEYS: readonly string[] = API_KEYS;

function pick<T>(list: readonly T[], h: number): T {
  return list[h % list.length] as T;
}

/** The i-th event of the bench (deterministic). */
export function makeEvent(i: number): BenchEvent {
  const h = mix(i);
  const h2 = mix(h ^ 0x9e3779b9);
  const inst = pick(INSTRUMENTS, h & 0xffff);
  const price = inst.prices[(h2 >>> 8) & 0xff] as string;
  const quantity = pick(inst.quantities, h2 >>> 20);
  const orderId = `ORD-${100_000_000 + (i >>> 1)}`;
  const roll = h2 % 100;
  if (roll < 30) {
    // 30% fills (a quarter of them partial).
    return {
      category: 'fill',
      event: roll < 8 ? 'PartiallyFilled' : 'Filled',
      fields: {
        dealId: `D-${200_000_000 + i}`,
        orderId,
        symbol: inst.symbol,
        side: pick(SIDES, h >>> 17),
        quantity,
        price,
        fee: pick(['0.35', '1.20', '0.00', '2.75'], h >>> 19),
        feeCurrency: 'USD',
        liquidity: pick(LIQUIDITY, h >>> 21),
        venue: pick(VENUES, h >>> 22),
        account: `ACC-${1_000 + (h % 97)}`,
        api_key: pick(API_KEYS, h >>> 25),
      },
    };
  }
  const event =
    roll < 75
      ? 'OrderAccepted'
      : roll < 85
        ? 'Cancelled'
        : roll < 92
          ? 'StopUpdated'
          : roll < 97
            ? 'PartiallyFilled'
            : 'Rejected';
  const fields: Record<string, unknown> = {
    orderId,
    clientOrderId: `c-${(h >>> 4).toString(36)}`,
    symbol: inst.symbol,
    side: pick(SIDES, h >>> 17),
    quantity,
    price,
    orderType: pick(ORDER_TYPES, h >>> 18),
    timeInForce: pick(TIFS, h >>> 20),
    account: `ACC-${1_000 + (h % 97)}`,
    strategy: pick(STRATEGIES, h >>> 23),
    api_key: pick(API_KEYS, h >>> 25),
  };
  if (event === 'StopUpdated') fields.stopPrice = inst.prices[(h2 >>> 16) & 0xff];
  else if (event === 'Rejected') fields.reason = pick(REASONS, h >>> 26);
  else if ((h2 & 7) === 0) fields.route = { venue: pick(VENUES, h >>> 22), gateway: `fix-gw-${h % 4}` };
  return { category: 'order', event, fields };
}

/** How many child loggers the varied mix logs through (one per desk). */
export const BENCH_CHILDREN = 8;

/** What logFunction needs of a logger (any build's createAuditLogger result has it). */
interface BenchLogger {
  child(bindings: { actor: string; desk: string }): BenchLogger;
  log(category: string, event: string, fields: Record<string, unknown>): unknown;
  order(event: 'OrderAccepted', fields: Record<string, unknown>): unknown;
  fill(fields: Record<string, unknown>, event: 'Filled'): unknown;
}

/**
 * Logs one bench event through `logger` as an app would: orders and fills through their helpers,
 * custom events through log(), the varied mix's child events through BENCH_CHILDREN child loggers.
 */
export function logFunction(logger: BenchLogger): (e: BenchEvent) => unknown {
  const children = Array.from({ length: BENCH_CHILDREN }, (_, k) => logger.child(childBindings(k)));
  return (e) => {
    if (e.child !== undefined) return (children[e.child] as BenchLogger).log(e.category, e.event, e.fields);
    if (e.category === 'order') return logger.order(e.event as 'OrderAccepted', e.fields);
    if (e.category === 'fill') return logger.fill(e.fields, e.event as 'Filled');
    return logger.log(e.category, e.event, e.fields);
  };
}

/** Child logger `k`'s bindings: an actor (provenance) and a desk field. */
export function childBindings(k: number): { actor: string; desk: string } {
  return { actor: `desk-${k}`, desk: `D${k}` };
}

const WORDS = [
  'client',
  'requested',
  'amend',
  'after',
  'partial',
  'fill',
  'venue',
  'latency',
  'spread',
  'widened',
  'hedge',
  'ratio',
  'rebalanced',
  'per',
  'mandate',
  'limit',
] as const;

/** About `n` characters of varied words (no secret in them). */
function words(h: number, n: number): string {
  let out = '';
  for (let k = 0; out.length < n; k++) out += `${out ? ' ' : ''}${WORDS[mix(h + k) & 15]}`;
  return out;
}

/**
 * The i-th event of the varied mix (deterministic): a day of a real app rather than one shape.
 * 40% the standard order/fill events above (api key included), 20% short events (three fields,
 * nothing to redact), 10% long ones (a free-text note of 0.5-2 KB and an array of legs), 15%
 * through child loggers (bound actor and desk), 10% custom categories via `log()` (risk checks,
 * with a password on some), 5% with a secret-shaped token inside free text, which only a
 * content-scanning redactor catches (pino's `redact` works on paths, so it is given the field's path
 * and the token stays in the field's text: the leak check skips that field for pino).
 */
export function makeVariedEvent(i: number): BenchEvent {
  const h = mix(i ^ 0x5bd1e995);
  const roll = h % 100;
  if (roll < 40) return makeEvent(i);
  const inst = pick(INSTRUMENTS, h >>> 8);
  const orderId = `ORD-${100_000_000 + (i >>> 1)}`;
  if (roll < 60)
    return {
      category: 'order',
      event: 'Cancelled',
      fields: { orderId, symbol: inst.symbol, side: pick(SIDES, h >>> 12) },
    };
  if (roll < 70) {
    const legs = Array.from({ length: 1 + (h & 3) }, (_, k) => ({
      symbol: pick(INSTRUMENTS, h >>> k).symbol,
      ratio: k + 1,
    }));
    return {
      category: 'order',
      event: 'OrderAccepted',
      fields: { orderId, symbol: inst.symbol, side: pick(SIDES, h >>> 12), legs, note: words(h, 500 + (h % 1500)) },
    };
  }
  if (roll < 85) return { ...makeEvent(i), child: h % BENCH_CHILDREN };
  if (roll < 95) {
    const fields: Record<string, unknown> = {
      orderId,
      check: 'max_notional',
      limit: '5000000.00',
      used: inst.prices[h & 0xff],
    };
    if ((h & 1) === 0) fields.password = `pw-${(h >>> 3).toString(36)}`;
    return { category: 'risk', event: 'LimitChecked', fields };
  }
  return {
    category: 'order',
    event: 'Rejected',
    fields: { orderId, symbol: inst.symbol, reason: `upstream said: token=${pick(API_KEYS, h >>> 4)} invalid` },
  };
}
