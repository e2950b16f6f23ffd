/**
 * Open orders are held up to the policy's max_open_orders (the oldest dropped first, one
 * open_orders_over_cap warning a day naming how many), and an order id over 200 characters is kept
 * and carried as findings quote it (its start, length and hash): GTC orders never closed, or long
 * names, made the memory and the carried state grow without bound, past what its readers take.
 */
import { describe, expect, it } from 'vitest';
import { ComplianceEngine, parsePolicy, PolicyTimeline, policyFromText } from '../../src/compliance/index.js';
import { type CarriedState, stateFileChunks, stateFileText } from '../../src/compliance/carry.js';
import { DEFAULT_MAX_OPEN_ORDERS } from '../../src/compliance/policy.js';
import { isAuditpackError } from '../../src/errors.js';

const timeline = (extra = '') =>
  new PolicyTimeline([
    policyFromText(`require_risk_check: false\nrequire_login: false\nduplicate_window_ms: 0\n${extra}`, {
      from: null,
      source: 'file',
      snapshot_id: null,
      path: 'p.yaml',
    }),
  ]);

const BASE = Date.parse('2025-09-08T09:00:00Z') * 1000;
let seq = 0;
function push(engine: ComplianceEngine, i: number, fields: Record<string, unknown>): void {
  const tUs = BASE + i * 1_000_000;
  const iso = `${new Date(tUs / 1000).toISOString().slice(0, 19)}.000000Z`;
  const e = { ts: tUs / 1e6, iso_ts: iso, seq: ++seq, host: 'h', pid: 1, ...fields };
  engine.pushLine(e, 'audit-20250908.jsonl', seq, 'a'.repeat(64));
}
const gtc = (id: string) => ({
  category: 'order',
  event: 'OrderAccepted',
  order_id: id,
  symbol: 'EURUSD',
  side: 'BUY',
  quantity: 1,
  price: 1,
  time_in_force: 'GTC',
});
const fill = (id: string) => ({
  category: 'fill',
  event: 'Filled',
  order_id: id,
  symbol: 'EURUSD',
  quantity: 1,
  price: 1,
});

describe('open orders over max_open_orders', () => {
  it('drops the oldest, names how many once, and a later fill of a dropped one is fill_without_order', () => {
    const engine = new ComplianceEngine(timeline('max_open_orders: 3\n'));
    const s0 = seq;
    for (let i = 0; i < 5; i++) push(engine, i, gtc(`G${i}`));
    push(engine, 10, fill('G0'));
    push(engine, 11, fill('G4'));
    push(engine, 12, gtc('G5'));
    engine.endDay('2025-09-08');
    const state = engine.carryOut('2025-09-08');
    expect(state.open_orders.map((o) => o.order_id)).toEqual(['G2', 'G3', 'G5']);
    const f = engine.finish().findings;
    expect(f.map((x) => [x.rule, x.order_ids])).toEqual([
      ['fill_without_order', ['G0']],
      ['open_orders_over_cap', []],
    ]);
    const cap = f[1]!;
    expect(cap.severity).toBe('warning');
    expect(cap.description).toBe(
      '2 open orders dropped on 2025-09-08, the oldest first, over max_open_orders (3): a later fill, cancel or modification of one is of an order never seen',
    );
    // The first and the last dropped order's opening lines (G0 when G3 opened, G1 when G4 did).
    expect(cap.evidence.map((e) => e.seq)).toEqual([s0 + 1, s0 + 2]);
  });

  it('holds a carried state to the cap of the day it starts, and counts the drops for that day', () => {
    const day1 = new ComplianceEngine(timeline());
    for (let i = 0; i < 4; i++) push(day1, i, gtc(`C${i}`));
    day1.endDay('2025-09-08');
    const carried: CarriedState = day1.carryOut('2025-09-08');
    expect(carried.open_orders).toHaveLength(4);
    const day2 = new ComplianceEngine(timeline('max_open_orders: 2\n'), carried);
    push(day2, 86_400, fill('C3'));
    day2.endDay('2025-09-09');
    expect(day2.carryOut('2025-09-09').open_orders.map((o) => o.order_id)).toEqual(['C2']);
    expect(day2.finish().findings.map((x) => [x.rule, x.description.slice(0, 20)])).toEqual([
      ['open_orders_over_cap', '2 open orders droppe'],
    ]);
  });

  it('is a whole number of at least 1 in the policy, 500,000 when not set', () => {
    expect(parsePolicy('', 'p').policy.max_open_orders).toBe(DEFAULT_MAX_OPEN_ORDERS);
    expect(DEFAULT_MAX_OPEN_ORDERS).toBe(500_000);
    expect(parsePolicy('max_open_orders: 7', 'p').policy.max_open_orders).toBe(7);
    for (const bad of ['0', '1.5', '"10"', 'null', '-1'])
      expect(() => parsePolicy(`max_open_orders: ${bad}`, 'p')).toThrow(/max_open_orders must be a whole number ≥ 1/);
  });
});

describe('long order ids', () => {
  it('are kept and carried as findings quote them, two that differ only at the end still two orders', () => {
    const a = `${'x'.repeat(300)}A`;
    const b = `${'x'.repeat(300)}B`;
    const day1 = new ComplianceEngine(timeline());
    push(day1, 0, gtc(a));
    push(day1, 1, gtc(b));
    day1.endDay('2025-09-08');
    const carried = day1.carryOut('2025-09-08');
    const ids = carried.open_orders.map((o) => o.order_id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
    for (const id of ids) expect(id).toMatch(/^x{64}…\(301 characters, sha256 [0-9a-f]{16}…\)$/);
    expect(day1.finish().findings).toEqual([]);
    // The next day, a fill naming the whole id finds its carried order; a third long id is no order.
    const day2 = new ComplianceEngine(timeline(), carried);
    push(day2, 86_400, fill(b));
    push(day2, 86_401, fill(`${'x'.repeat(300)}C`));
    day2.endDay('2025-09-09');
    expect(day2.carryOut('2025-09-09').open_orders.map((o) => o.order_id)).toEqual([ids[0]]);
    const f = day2.finish().findings;
    expect(f.map((x) => x.rule)).toEqual(['fill_without_order']);
    expect(f[0]!.order_ids[0]).toMatch(/^x{64}…\(301 characters/);
    expect(f[0]!.order_ids[0]).not.toBe(ids[0]);
    expect(f[0]!.order_ids[0]).not.toBe(ids[1]);
  });
});

describe('the state file writer', () => {
  it('stops with COMPLIANCE_STATE_TOO_LARGE past the bytes its readers take', () => {
    expect([...stateFileChunks(['{"a":', '"é"}\n'], 11)].join('')).toBe('{"a":"é"}\n');
    let err: unknown;
    try {
      for (const _ of stateFileChunks(['{"a":', '"é"}\n'], 10));
    } catch (e) {
      err = e;
    }
    expect(isAuditpackError(err, 'COMPLIANCE_STATE_TOO_LARGE')).toBe(true);
    expect((err as Error).message).toMatch(/over 10 bytes.*max_open_orders/);
    // The whole-text form (a replayed start state, a roll-up's states) by the same limit.
    expect(stateFileText('{"a":"é"}\n', 11)).toBe('{"a":"é"}\n');
    expect(() => stateFileText('{"a":"é"}\n', 10)).toThrow(/over 10 bytes/);
  });
});
