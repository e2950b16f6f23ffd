/**
 * The counting rules count a name, not its spelling (docs/compliance.md, "Matching names"): the
 * message rates per strategy and per venue, the order-to-trade ratio per symbol and the duplicate
 * order's signature are kept under the name's fold, so a sender writing one strategy, venue or
 * symbol in several spellings (`S1`, `s1`, `S-1`, the name with one, two, three… zero-width spaces)
 * cannot split a counter below its limit. A finding quotes the name as first logged.
 */
import { describe, expect, it } from 'vitest';
import { checkEvents, type Ev, orderEv } from './helpers.js';

const POLICY = `require_risk_check: false
require_login: false
require_review: false
max_messages_per_second: 3
max_order_to_trade_ratio: 4
duplicate_window_ms: 2000
`;
const found = async (events: Ev[]) =>
  (await checkEvents(events, POLICY)).findings
    .filter((f) => f.rule !== 'order_open_at_end_of_day')
    .map((f) => [f.rule, f.symbol, f.description]);

describe('the counting rules under the name fold', () => {
  it('counts the messages of one strategy and one venue under any spelling in one window', async () => {
    const strategies = ['S1', 's1', 'S-1', 'S1\u200b'];
    const venues = ['LMAX', 'lmax', 'L.MAX', 'LMAX\u200b\u200b'];
    const f = await found(
      strategies.map((strategy, i) =>
        orderEv(`10:00:00.${i + 1}`, `R${i}`, { symbol: `X${i}`, strategy, venue: venues[i] }),
      ),
    );
    expect(f).toEqual([
      [
        'message_rate_exceeded',
        'X3',
        'strategy S1: 4 order messages within one second (limit 3); venue LMAX: 4 order messages within one second (limit 3)',
      ],
    ]);
  });

  it('keeps names that differ apart', async () => {
    const f = await found(
      ['S1', 'S2', 'S3', 'S4'].map((strategy, i) =>
        orderEv(`10:00:00.${i + 1}`, `R${i}`, { symbol: `X${i}`, strategy, venue: `V${i}` }),
      ),
    );
    expect(f).toEqual([]);
  });

  it('counts the order messages and trades of one symbol under any spelling', async () => {
    const spellings = [
      'EUR/USD',
      'eurusd',
      'EURUSD\u200b',
      'EUR-USD',
      '\uff25\uff35\uff32\uff35\uff33\uff24',
      'EURUSD',
    ];
    const orders = spellings.map((symbol, i) =>
      orderEv(`10:0${i}:00`, `O${i}`, { symbol, strategy: `s${i}`, venue: `v${i}` }),
    );
    // Six order messages, no trade: ratio 5 over the limit 4 (split by spelling: 0 each).
    expect(await found(orders)).toEqual([
      [
        'order_to_trade_ratio_exceeded',
        'EUR/USD',
        'EUR/USD: 6 order messages for 0 trades on 2025-09-08, ratio 5.00 > 4',
      ],
    ]);
    // Two trades written under yet other spellings bring the ratio to 2.
    const fills: Ev[] = ['eur/usd', 'Eur_Usd'].map((symbol, i) => [
      `11:00:0${i}`,
      'fill',
      'Filled',
      { order_id: `O${i}`, symbol, quantity: 1000, price: '1.1' },
    ]);
    expect(await found([...orders, ...fills])).toEqual([]);
  });

  it('finds the same order sent twice under two spellings of its names', async () => {
    const f = await found([
      orderEv('10:00:00', 'D1', { symbol: 'EUR/USD', strategy: 'mr', account: 'ACC-1' }),
      orderEv('10:00:01', 'D2', {
        symbol: 'EURUSD',
        strategy: 'MR\u200b',
        user: 'Alice',
        account: 'acc1',
        side: 'buy',
      }),
    ]);
    expect(f).toEqual([
      ['duplicate_order', 'EURUSD', 'order D2 duplicates D1 (same symbol, side, quantity, price) within 2000 ms'],
    ]);
  });
});
