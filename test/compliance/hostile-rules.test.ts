/**
 * Shapes a log can take to slip past the rules: limits dodged by a modification, messages that leave
 * their sender's names out, an approval withdrawn or never given, names spelt differently, a kill
 * switch with a scope nobody knows, a market order without a price, a fill on a restricted symbol.
 */
import { describe, expect, it } from 'vitest';
import { checkEvents, cleanOrder, type Ev, LOGIN, orderEv, riskEv } from './helpers.js';

const run = checkEvents;
const risk = riskEv;
/** A good-till-cancelled order: open at the end of the day without a finding. */
const order = (at: string, id: string, f: Record<string, unknown> = {}): Ev =>
  orderEv(at, id, { time_in_force: 'GTC', ...f });
const modify = (at: string, id: string, f: Record<string, unknown>): Ev => [
  at,
  'order',
  'OrderModified',
  { order_id: id, ...f },
];
const decision = (at: string, signal: string, d: string, kind = 'human'): Ev => [
  at,
  'decision',
  'DecisionRecorded',
  { signal_id: signal, reviewer_kind: kind, reviewer: 'carol', decision: d },
];
const rules = async (events: Ev[], policy?: string) =>
  (await run([LOGIN, ...cleanOrder('C-1', '09:00'), ...events], policy)).findings.map((f) => [
    f.rule,
    f.order_ids.join(','),
  ]);

describe('an order as modified', () => {
  it('is held to the size and notional limits', async () => {
    const r = await run([
      LOGIN,
      risk('10:00:00', 'M'),
      order('10:00:01', 'M'),
      modify('10:00:02', 'M', { quantity: 1000000 }),
    ]);
    expect(r.findings.map((f) => f.rule).sort()).toEqual(['order_notional_exceeded', 'order_size_exceeded']);
    expect(r.findings[0]?.description).toMatch(/as modified/);
  });
  it('is held to the price collar of its reference price, even once the risk check has expired', async () => {
    const f = await rules([risk('10:00:00', 'M'), order('10:00:01', 'M'), modify('10:30:00', 'M', { price: '1.2' })]);
    expect(f).toEqual([['price_collar_breached', 'M']]);
  });
  it('is not re-checked by a stop update', async () => {
    const f = await rules([
      risk('10:00:00', 'M'),
      order('10:00:01', 'M'),
      ['10:00:02', 'order', 'StopUpdated', { order_id: 'M', price: '5' }],
    ]);
    expect(f).toEqual([]);
  });
  it('of an order never seen is modify_unknown_order, and its size is held to the limits', async () => {
    const r = await run([
      LOGIN,
      modify('10:00:00', 'A-404', { symbol: 'EURUSD', quantity: 5_000_000, price: '1.1' }),
      ['10:00:01', 'order', 'StopUpdated', { order_id: 'A-405', symbol: 'EURUSD', price: '1.0' }],
      modify('10:00:02', 'A-406', { symbol: 'EURUSD', quantity: 10 }),
    ]);
    expect(r.findings.map((f) => [f.rule, f.order_ids.join(',')])).toEqual([
      ['modify_unknown_order', 'A-404'],
      ['order_notional_exceeded', 'A-404'],
      ['order_size_exceeded', 'A-404'],
      ['modify_unknown_order', 'A-405'],
      ['modify_unknown_order', 'A-406'],
    ]);
    expect(r.findings[0]?.description).toBe('OrderModified of order A-404, which was never seen open');
    expect(r.findings[2]?.description).toMatch(/^order A-404 as modified: quantity 5,?000,?000 above/);
  });
  it('with no order id is held to the limits under a name of its own', async () => {
    const f = await rules([modify('10:00:00', '', { symbol: 'EURUSD', quantity: 5_000_000 })]);
    expect(f).toEqual([
      ['order_id_missing', ''],
      ['order_size_exceeded', '(no order id, seq 7)'],
    ]);
  });
});

describe('message rates', () => {
  it('count modifies and cancels for the order strategy and venue when they do not repeat them', async () => {
    const msgs: Ev[] = [0, 1, 2, 3].map((i) => modify(`10:00:01.${i + 1}00000`, 'R', { quantity: 1000 + i }));
    const f = await rules([
      risk('10:00:00', 'R'),
      order('10:00:01', 'R', { strategy: 'S', venue: 'V' }),
      ...msgs,
      ['10:00:01.600000', 'order', 'Cancelled', { order_id: 'R' }],
    ]);
    // (No trade either: the order-to-trade ratio is over its limit too, which is not what this is about.)
    expect(f.filter(([rule]) => rule === 'message_rate_exceeded')).toEqual([['message_rate_exceeded', '']]);
  });
  it('count orders that name no strategy or venue, under "unknown"', async () => {
    const ids = ['A', 'B', 'C', 'D'];
    const r = await run([
      LOGIN,
      ...ids.map((id, i) => risk(`10:00:0${i}`, id)),
      ...ids.map((id, i) => order(`10:00:10.${i}00000`, id, { symbol: `S${i}` })),
    ]);
    const f = r.findings.filter((x) => x.rule === 'message_rate_exceeded');
    expect(f).toHaveLength(1);
    expect(f[0]?.description).toMatch(/strategy unknown .*; venue unknown/);
  });
});

describe('reviews', () => {
  it('a later rejection withdraws an approval; the latest decision wins', async () => {
    const f = await rules([
      decision('10:00:00', 'S1', 'approve', 'llm'),
      decision('10:00:01', 'S1', 'reject'),
      risk('10:00:02', 'O1'),
      order('10:00:03', 'O1', { signal_id: 'S1' }),
      decision('10:01:00', 'S2', 'reject'),
      decision('10:01:01', 'S2', 'Approved', 'llm'),
      risk('10:01:02', 'O2'),
      order('10:01:03', 'O2', { signal_id: 'S2' }),
    ]);
    expect(f).toEqual([['review_missing', 'O1']]);
  });
  it('only an explicitly approving decision approves', async () => {
    const f = await rules([
      decision('10:00:00', 'S3', 'declined'),
      decision('10:00:00', 'S4', 'hold'),
      risk('10:00:02', 'O3'),
      order('10:00:03', 'O3', { signal_id: 'S3' }),
      risk('10:00:04', 'O4'),
      order('10:00:05', 'O4', { signal_id: 'S4', quantity: 2000 }),
    ]);
    expect(f).toEqual([
      ['review_missing', 'O3'],
      ['review_missing', 'O4'],
    ]);
  });
  it('an approval by a reviewer kind the policy does not accept does not lift a rejection', async () => {
    const f = await rules([
      decision('10:00:00', 'S5', 'reject'),
      decision('10:00:01', 'S5', 'approve', 'intern'),
      risk('10:00:02', 'O5'),
      order('10:00:03', 'O5', { signal_id: 'S5' }),
    ]);
    expect(f).toEqual([['review_missing', 'O5']]);
  });
});

describe('names', () => {
  it('forbidden decisions match whatever their case, separators or invisible characters', async () => {
    const f = await rules(
      ['Override_Limits', 'override-limits', 'OVERRIDE LIMITS', 'override\u200b_limits', 'ｏｖｅｒｒｉｄｅ_limits'].map(
        (d, i) => decision(`10:00:0${i}`, `SX${i}`, d),
      ),
    );
    expect(f).toEqual(Array(5).fill(['forbidden_decision', '']));
  });
  it('restricted symbols match whatever their case, separators or invisible characters', async () => {
    const variants = ['nord', 'N/O-R D', 'NORD\u200b', '\u202eNORD', 'ＮＯＲＤ'];
    const f = await rules(
      variants.flatMap((sym, i) => [
        risk(`10:00:${10 + 2 * i}`, `N${i}`),
        // Quantities apart: one order under several spellings is also a duplicate_order (rules 24).
        order(`10:00:${11 + 2 * i}`, `N${i}`, { symbol: sym, quantity: 1000 + i }),
      ]),
    );
    expect(f).toEqual(variants.map((_s, i) => ['restricted_symbol', `N${i}`]));
  });
  it('a fill on a restricted symbol is flagged when its order was not on it', async () => {
    const f = await rules([
      risk('10:00:00', 'F'),
      order('10:00:01', 'F', { symbol: undefined }),
      ['10:00:02', 'fill', 'Filled', { order_id: 'F', symbol: 'NORD', quantity: 1000, price: '1.1' }],
      risk('10:00:03', 'G'),
      order('10:00:04', 'G', { symbol: 'NORD' }),
      ['10:00:05', 'fill', 'Filled', { order_id: 'G', symbol: 'NORD', quantity: 1000, price: '1.1' }],
    ]);
    expect(f).toEqual([
      ['restricted_symbol', 'F'],
      ['restricted_symbol', 'G'],
    ]);
  });
});

describe('a kill switch with a scope the checks do not know', () => {
  it('is held as the whole switch until it is turned off', async () => {
    const ks = (at: string, on: boolean, scope: string): Ev => [
      at,
      'risk',
      on ? 'KillSwitchOn' : 'KillSwitchOff',
      { user: 'risk', reason: 'x', scope },
    ];
    const f = await rules([
      ks('10:00:00', true, 'ALL'),
      risk('10:00:01', 'K1'),
      order('10:00:02', 'K1'),
      ks('10:00:03', false, 'ALL'),
      ks('10:00:04', true, 'strategy: S'),
      risk('10:00:05', 'K2'),
      order('10:00:06', 'K2', { strategy: 'other' }),
      ks('10:00:07', false, 'strategy: S'),
      risk('10:00:08', 'K3'),
      order('10:00:09', 'K3'),
    ]);
    expect(f).toEqual([
      ['kill_switch_scope_unknown', ''],
      ['kill_switch_violation', 'K1'],
      ['kill_switch_scope_unknown', ''],
      ['kill_switch_violation', 'K2'],
    ]);
  });
});

describe('a market order', () => {
  it('has its notional taken at the risk check reference price', async () => {
    const f = await rules([
      risk('10:00:00', 'MK', { reference_price: 3 }),
      order('10:00:01', 'MK', { quantity: 450000, price: undefined }),
    ]);
    expect(f).toEqual([['order_notional_exceeded', 'MK']]);
  });
});

describe('quantities and prices that are no finite number', () => {
  // Logged through the library as a caller might: the checks cannot hold such a value to a limit,
  // so it is a finding of its own (before, each of these orders had no finding at all).
  it.each([
    ['1e400', 'quantity'],
    [Number.POSITIVE_INFINITY, 'quantity'],
    ['NaN', 'quantity'],
    ['5000000abc', 'quantity'],
    ['5,000,000', 'quantity'],
    [true, 'quantity'],
    ['1e400', 'price'],
  ])('%s as the %s of an order is invalid_quantity, naming the value', async (value, field) => {
    const r = await run([LOGIN, risk('10:00:00', 'NN'), order('10:00:01', 'NN', { [field]: value })]);
    const f = r.findings.filter((x) => x.rule === 'invalid_quantity');
    expect(f.map((x) => [x.severity, x.order_ids])).toEqual([['critical', ['NN']]]);
    expect(f[0]?.description).toMatch(new RegExp(`${field} .*not a finite number`));
  });
  it('on a modification and on a fill too; such a fill is not counted towards the order', async () => {
    const f = await rules([
      risk('10:00:00', 'NM'),
      order('10:00:01', 'NM', { quantity: 100 }),
      modify('10:00:02', 'NM', { quantity: 'lots' }),
      ['10:00:03', 'fill', 'PartiallyFilled', { order_id: 'NM', deal_id: 'D1', symbol: 'EURUSD', quantity: '1e400' }],
      ['10:00:04', 'fill', 'Filled', { order_id: 'NM', deal_id: 'D2', symbol: 'EURUSD', quantity: 100, price: '1.1' }],
    ]);
    expect(f).toEqual([
      ['invalid_quantity', 'NM'],
      ['invalid_quantity', 'NM'],
    ]);
  });
  it('an absent or null quantity is not a finding of this rule', async () => {
    const f = await rules([risk('10:00:00', 'AB'), order('10:00:01', 'AB', { quantity: null })]);
    expect(f.filter(([rule]) => rule === 'invalid_quantity')).toEqual([]);
  });
});

describe('zero and negative quantities and prices', () => {
  const fillOf = (at: string, id: string, quantity: number): Ev => [
    at,
    'fill',
    'PartiallyFilled',
    { order_id: id, deal_id: `D-${at}`, symbol: 'EURUSD', quantity, price: '1.1' },
  ];
  it('a negative fill is a finding and is not netted: the overfill it would hide is found', async () => {
    const f = await rules([
      risk('10:00:00', 'NF'),
      order('10:00:01', 'NF', { quantity: 100 }),
      fillOf('10:00:02', 'NF', -1000),
      fillOf('10:00:03', 'NF', 1000),
      fillOf('10:00:04', 'NF', 100),
    ]);
    expect(f).toEqual([
      ['invalid_quantity', 'NF'],
      ['overfill', 'NF'],
    ]);
  });
  it('a negative order quantity is a finding, and its size still counts against the limits', async () => {
    const f = await rules([
      risk('10:00:00', 'NQ', { reference_price: 100 }),
      order('10:00:01', 'NQ', { quantity: -5000000, price: '100' }),
    ]);
    expect(f.map(([rule]) => rule).sort()).toEqual([
      'invalid_quantity',
      'order_notional_exceeded',
      'order_size_exceeded',
    ]);
  });
  it('a zero price on a modification is a finding', async () => {
    const f = await rules([risk('10:00:00', 'ZP'), order('10:00:01', 'ZP'), modify('10:00:02', 'ZP', { price: '0' })]);
    expect(f.map(([rule]) => rule).sort()).toEqual(['invalid_quantity', 'price_collar_breached']);
  });
  it('a kill switch with an unknown scope is itself a warning', async () => {
    const r = await run([
      LOGIN,
      ['10:00:00', 'risk', 'KillSwitchOn', { user: 'risk', reason: 'x', scope: 'global' }],
      ['10:00:01', 'risk', 'KillSwitchOff', { user: 'risk', reason: 'x', scope: 'global' }],
    ]);
    expect(r.findings.map((x) => [x.rule, x.severity])).toEqual([['kill_switch_scope_unknown', 'warning']]);
  });
});

describe('order and fill events with no usable order id', () => {
  // Logged through the library, which does not refuse them: a client that drops the id (or names the
  // field otherwise) must not take its order out of the report.
  const big = { symbol: 'NORD', quantity: 50000000, price: '100', user: 'nobody' };
  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['an object', { v: 1 }],
  ])('an order whose id is %s is order_id_missing and held to every check on a new order', async (_, id) => {
    const r = await run([LOGIN, orderEv('10:00:00', 'unused', { ...big, order_id: id })]);
    const rules = r.findings.map((f) => f.rule).sort();
    expect(rules).toEqual([
      'missing_risk_check',
      'order_id_missing',
      'order_notional_exceeded',
      'order_size_exceeded',
      'order_without_login',
      'restricted_symbol',
    ]);
    const missing = r.findings.find((f) => f.rule === 'order_id_missing');
    expect(missing?.severity).toBe('critical');
    expect(missing?.order_ids).toEqual([]);
  });
  it('under a kill switch it is a kill_switch_violation; it is never opened (no end-of-day finding)', async () => {
    const r = await run([
      LOGIN,
      ['09:59:00', 'risk', 'KillSwitchOn', { user: 'risk', reason: 'x', scope: 'all' }],
      orderEv('10:00:00', 'unused', { order_id: undefined, time_in_force: 'DAY' }),
    ]);
    expect(r.findings.map((f) => f.rule).sort()).toEqual([
      'kill_switch_violation',
      'missing_risk_check',
      'order_id_missing',
    ]);
  });
  it('a fill, cancel or modification with no id is order_id_missing', async () => {
    const f = await rules([
      ['10:00:00', 'fill', 'Filled', { deal_id: 'D9', symbol: 'EURUSD', quantity: 10, price: '1.1' }],
      ['10:00:01', 'order', 'Cancelled', { order_id: '' }],
      ['10:00:02', 'order', 'OrderModified', { order_id: null, quantity: 5 }],
    ]);
    expect(f).toEqual([
      ['order_id_missing', ''],
      ['order_id_missing', ''],
      ['order_id_missing', ''],
    ]);
  });
  it('an order-category event that is about no order is not a finding', async () => {
    const f = await rules([['10:00:00', 'order', 'VenueConnected', { venue: 'X' }]]);
    expect(f).toEqual([]);
  });
});
