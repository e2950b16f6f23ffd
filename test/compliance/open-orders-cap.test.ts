/**
 * Open orders are held up to the policy's max_open_orders (the oldest dropped first, one
 * open_orders_over_cap warning a day naming how many), and an order id over 200 characters is kept
 * and carried as findings quote it (its start, length and hash): GTC orders never closed, or long
 * names, made the memory and the carried state grow without bound, past what its readers take.
 */
import { describe, expect, it } from 'vitest';
import { ComplianceEngine, parsePolicy, PolicyTimeline, policyFromText } from '../../src/compliance/index.js';
import fc from 'fast-check';
import {
  type CarriedState,
  carriedOrderBytesAtMost,
  carriedStateJson,
  stateFileChunks,
  stateFileText,
} from '../../src/compliance/carry.js';
import type { EngineState } from '../../src/compliance/engine-state.js';
import { jsonBytesAtMost, writtenCost } from '../../src/compliance/written-cost.js';
import { DEFAULT_MAX_OPEN_ORDER_BYTES, DEFAULT_MAX_OPEN_ORDERS } from '../../src/compliance/policy.js';
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

describe('open orders over max_open_order_bytes', () => {
  const named = (id: string, name: string) => ({ ...gtc(id), symbol: name, strategy: name, venue: name });
  it('drops the oldest while the names held are over it, never the newest, and says which cap hit', () => {
    // Each order holds 2 + 3 * 100 + 3 ('GTC') = 305 bytes of names: 1,000 hold three.
    const engine = new ComplianceEngine(timeline('max_open_order_bytes: 1000\n'));
    const s0 = seq;
    for (let i = 0; i < 5; i++) push(engine, i, named(`B${i}`, String(i).repeat(100)));
    // One order over the whole budget is still held (alone).
    push(engine, 5, named('B5', 'z'.repeat(2000)));
    engine.endDay('2025-09-08');
    expect(engine.carryOut('2025-09-08').open_orders.map((o) => o.order_id)).toEqual(['B5']);
    const f = engine.finish().findings;
    expect(f.map((x) => x.rule)).toEqual(['open_orders_over_cap']);
    expect(f[0]!.description).toBe(
      '5 open orders dropped on 2025-09-08, the oldest first, over max_open_order_bytes (1,000 bytes of names): a later fill, cancel or modification of one is of an order never seen',
    );
    expect(f[0]!.evidence.map((e) => e.seq)).toEqual([s0 + 1, s0 + 5]);
  });

  it('counts the names again when an open order is accepted again, and forgets a closed one', () => {
    const engine = new ComplianceEngine(timeline('max_open_order_bytes: 1000\nmax_open_orders: 2\n'));
    push(engine, 0, named('R0', 'a'.repeat(100)));
    push(engine, 1, named('R1', 'b'.repeat(100)));
    push(engine, 2, fill('R1')); // closed: its 305 bytes no longer count
    push(engine, 3, named('R0', 'c'.repeat(300))); // R0 again, open: 905 bytes now
    push(engine, 4, named('R2', 'd'.repeat(10))); // 905 + 35 within 1,000: nothing dropped
    push(engine, 5, named('R3', 'e'.repeat(10))); // a third open order: over max_open_orders
    push(engine, 6, named('R4', 'f'.repeat(100))); // 35 + 35 + 305 within the bytes
    engine.endDay('2025-09-08');
    expect(engine.carryOut('2025-09-08').open_orders.map((o) => o.order_id)).toEqual(['R3', 'R4']);
    const cap = engine.finish().findings.filter((x) => x.rule === 'open_orders_over_cap');
    expect(cap.map((x) => x.description.slice(0, 80))).toEqual([
      '2 open orders dropped on 2025-09-08, the oldest first, over max_open_orders (2):',
    ]);
  });

  it('holds a carried state to it, both caps named when both hit', () => {
    const day1 = new ComplianceEngine(timeline());
    // 305, 35, 35 and 365 bytes of names.
    for (const [i, n] of [100, 10, 10, 120].entries()) push(day1, i, named(`K${i}`, 'k'.repeat(n)));
    day1.endDay('2025-09-08');
    const carried = day1.carryOut('2025-09-08');
    const day2 = new ComplianceEngine(timeline('max_open_order_bytes: 350\nmax_open_orders: 2\n'), carried);
    // K2 drops K0 (the count), K3 drops K1 (the count), then K2 (35 + 365 over 350).
    day2.endDay('2025-09-09');
    expect(day2.carryOut('2025-09-09').open_orders.map((o) => o.order_id)).toEqual(['K3']);
    expect(day2.finish().findings[0]!.description).toMatch(
      /^3 open orders dropped on 2025-09-09, the oldest first, over max_open_orders \(2\) and max_open_order_bytes \(350 bytes of names\):/,
    );
  });

  it('is a whole number of at least 1 in the policy, 96 MiB when not set', () => {
    expect(parsePolicy('', 'p').policy.max_open_order_bytes).toBe(DEFAULT_MAX_OPEN_ORDER_BYTES);
    expect(DEFAULT_MAX_OPEN_ORDER_BYTES).toBe(96 * 1024 * 1024);
    expect(parsePolicy('max_open_order_bytes: 7', 'p').policy.max_open_order_bytes).toBe(7);
    for (const bad of ['0', '1.5', '"10"', 'null'])
      expect(() => parsePolicy(`max_open_order_bytes: ${bad}`, 'p')).toThrow(/max_open_order_bytes must be a whole/);
  });
});

describe('names JSON escapes or UTF-8 widens', () => {
  const named = (id: string, name: string) => ({ ...gtc(id), symbol: name, strategy: name, venue: name });
  const written = (v: string | null) => (v === null ? 0 : Buffer.byteLength(JSON.stringify(v), 'utf8') - 2);
  const namesWritten = (c: CarriedState) =>
    c.open_orders.reduce(
      (n, o) =>
        n + written(o.order_id) + written(o.symbol) + written(o.strategy) + written(o.venue) + written(o.time_in_force),
      0,
    );
  // Control characters, quotes and backslashes, non-ASCII, a lone surrogate: 6, 2, 2-3, 3 bytes a character.
  const odd = ['\u0001'.repeat(50), '"\\'.repeat(25), 'é€'.repeat(25), '\ud800'.repeat(50)];

  it('count at no less than they take in the state file (writtenCost)', () => {
    for (const v of [...odd, 'EURUSD', '']) expect(writtenCost(v)).toBeGreaterThanOrEqual(written(v));
    expect(writtenCost('EURUSD')).toBe(6);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (v) => writtenCost(v) >= written(v)),
      { numRuns: 500 },
    );
    // fitOpenOrders measures each open order by jsonBytesAtMost: never under its JSON, keys sorted or not.
    fc.assert(
      fc.property(fc.jsonValue(), (v) => jsonBytesAtMost(v) >= Buffer.byteLength(JSON.stringify(v), 'utf8')),
      { numRuns: 500 },
    );
    const plain = { a: 'EURUSD', b: [1, 2.5, null, true], c: { d: -3 } };
    expect(jsonBytesAtMost(plain)).toBe(JSON.stringify(plain).length + 1); // exact but for `true` (5)
  });

  it('count an order at no less than its item in the state file (carriedOrderBytesAtMost)', () => {
    const engine = new ComplianceEngine(timeline());
    for (let i = 0; i < 12; i++)
      push(engine, i, { ...named(`Q${i}`, odd[i % odd.length] as string), price: i % 3 ? 1.25 : null });
    push(engine, 12, fill('Q3')); // a closed order too, filled
    push(engine, 13, named('Q-plain', 'EURUSD'));
    engine.endDay('2025-09-08');
    const s = (engine as unknown as { s: EngineState }).s;
    const c = engine.carryOut('2025-09-08', (f) => `${f}12345678`);
    const slots = [...s.open.toArray(), ...s.closed.toArray()];
    const items = [...c.open_orders, ...c.closed_orders];
    expect(items).toHaveLength(13);
    items.forEach((item, i) => {
      const exact = Buffer.byteLength(JSON.stringify(item), 'utf8');
      const bound = carriedOrderBytesAtMost(s, slots[i] as number, 8);
      expect(bound).toBeGreaterThanOrEqual(exact);
      // Plain names (and `overfilled` false): exact.
      if (item.order_id === 'Q-plain') expect(bound).toBe(exact);
    });
  });

  it('are held to max_open_order_bytes as written, not as characters', () => {
    const engine = new ComplianceEngine(timeline('max_open_order_bytes: 2000\n'));
    for (let i = 0; i < 20; i++) push(engine, i, named(`C${i}`, odd[i % odd.length] as string));
    engine.endDay('2025-09-08');
    const c = engine.carryOut('2025-09-08');
    // 50 characters a name, 3 names: counted as 150 characters, 20 orders (3,340) were all kept.
    expect(c.open_orders.length).toBeLessThan(20);
    expect(namesWritten(c)).toBeLessThanOrEqual(2000);
    expect(c.open_orders.at(-1)?.order_id).toBe('C19');
  });

  it('never make the state over its limit: the oldest open orders are dropped at the end of the day', () => {
    const engine = new ComplianceEngine(timeline('max_open_orders: 150\n'), undefined, undefined, 40_000);
    for (let i = 0; i < 200; i++) push(engine, i, named(`S${i}`, odd[i % odd.length] as string));
    engine.endDay('2025-09-08');
    const c = engine.carryOut('2025-09-08', (f) => f.replace('audit-20250908.jsonl', 'audit-20250908.jsonl.renamed'));
    const text = carriedStateJson(c);
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(40_000);
    expect(stateFileText(text, 40_000)).toBe(text);
    const ids = c.open_orders.map((o) => o.order_id);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.at(-1)).toBe('S199');
    // The newest kept, in order; 50 dropped over max_open_orders, the next oldest over the size.
    const first = Number(ids[0]?.slice(1));
    expect(first).toBeGreaterThan(50);
    expect(ids).toEqual(Array.from({ length: 200 - first }, (_, i) => `S${first + i}`));
    const f = engine.finish().findings.filter((x) => x.rule === 'open_orders_over_cap');
    expect(f.map((x) => x.description)).toEqual([
      `${first} open orders dropped on 2025-09-08, the oldest first, over max_open_orders (150) and the 40,000 bytes the carried state is held to: a later fill, cancel or modification of one is of an order never seen`,
    ]);
  });

  it('carried in over the limit are dropped at the end of the day they start', () => {
    const day1 = new ComplianceEngine(timeline());
    for (let i = 0; i < 100; i++) push(day1, i, named(`T${i}`, odd[i % odd.length] as string));
    day1.endDay('2025-09-08');
    const carried = day1.carryOut('2025-09-08');
    expect(carried.open_orders).toHaveLength(100);
    const day2 = new ComplianceEngine(timeline(), carried, undefined, 30_000);
    day2.endDay('2025-09-09');
    const c = day2.carryOut('2025-09-09');
    expect(Buffer.byteLength(carriedStateJson(c), 'utf8')).toBeLessThanOrEqual(30_000);
    expect(c.open_orders.at(-1)?.order_id).toBe('T99');
    expect(day2.finish().findings[0]?.description).toMatch(
      /^\d+ open orders dropped on 2025-09-09, the oldest first, over the 30,000 bytes the carried state is held to:/,
    );
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
    expect((err as Error).message).toMatch(/over 10 bytes.*open orders already dropped.*closed_order_memory_s/);
    // The whole-text form (a replayed start state, a roll-up's states) by the same limit.
    expect(stateFileText('{"a":"é"}\n', 11)).toBe('{"a":"é"}\n');
    expect(() => stateFileText('{"a":"é"}\n', 10)).toThrow(/over 10 bytes/);
  });
});
