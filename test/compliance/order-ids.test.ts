/**
 * The order ids by slot as bytes (src/compliance/order-ids.ts) against a plain array of the
 * strings they replaced: any sequence of setting and clearing slots reads back every id unit for
 * unit (any UTF-16: lone surrogates, Latin-1 past ASCII, astral characters, ids too long for a
 * block), compares equal to exactly that string and counts writtenCost as the string would, as
 * blocks are given back and taken again by ids of other lengths.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type EngineState, keptId } from '../../src/compliance/engine-state.js';
import { ComplianceEngine, PolicyTimeline, policyFromText } from '../../src/compliance/index.js';
import { OrderIds } from '../../src/compliance/order-ids.js';
import { PAGE } from '../../src/compliance/paged.js';
import { writtenCost } from '../../src/compliance/written-cost.js';
import { diskTempDir } from '../helpers/tmp.js';

const savedTmp = process.env.TMPDIR;
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

/** Ids of every kind: short ASCII, Latin-1, any UTF-16 unit (lone surrogates), long ones past the largest block. */
const anyId = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)),
    minLength: 500,
    maxLength: 520,
  }),
);

/** `id` with unit `k` (mod its length) replaced by `u`: a near miss, or the same id. */
function changed(id: string, k: number, u: number): string {
  if (id === '') return String.fromCharCode(u);
  const at = k % id.length;
  return id.slice(0, at) + String.fromCharCode(u) + id.slice(at + 1);
}

function check(ids: OrderIds, i: number, want: string, near: string): void {
  expect(ids.get(i)).toBe(want);
  expect(ids.equals(i, want)).toBe(true);
  expect(ids.equals(i, near)).toBe(near === want);
  expect(ids.equals(i, `${want}x`)).toBe(false);
  expect(ids.writtenCost(i)).toBe(writtenCost(want));
}

/** One op of the properties: set or clear `slot` in both, then check it. */
function step(
  ids: OrderIds,
  ref: Map<number, string>,
  o: { slot: number; id: string; clear: boolean; k: number; u: number },
): void {
  if (o.clear) {
    ids.clear(o.slot);
    ref.delete(o.slot);
  } else {
    ids.set(o.slot, o.id);
    ref.set(o.slot, o.id);
  }
  const want = ref.get(o.slot) ?? '';
  check(ids, o.slot, want, changed(want, o.k, o.u));
}

describe('OrderIds', () => {
  it('reads back, compares and costs every id as the string it was (property)', () => {
    const op = fc.record({
      slot: fc.nat(2 * PAGE + 10),
      id: anyId,
      clear: fc.boolean(),
      k: fc.nat(600),
      u: fc.constantFrom(0, 0x41, 0xe9, 0xff, 0x100, 0xd800, 0xdc00, 0xffff),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 200 }), (ops) => {
        const ids = new OrderIds();
        const ref = new Map<number, string>();
        for (const o of ops) step(ids, ref, o);
        for (const [slot, id] of ref) check(ids, slot, id, changed(id, 0, 0xe9));
      }),
      { numRuns: 300 },
    );
  });

  it('a Latin-1 id and a UTF-16 one of the same units are told apart, and lone surrogates come back', () => {
    const ids = new OrderIds();
    ids.set(0, 'caf\u00e9');
    ids.set(1, 'caf\u0100');
    ids.set(2, '\ud800');
    ids.set(3, 'a\udc00\ud800b');
    expect([ids.equals(0, 'caf\u0100'), ids.equals(1, 'caf\u00e9'), ids.equals(1, 'caf\u0100')]).toEqual([
      false,
      false,
      true,
    ]);
    expect([ids.get(2), ids.get(3)]).toEqual(['\ud800', 'a\udc00\ud800b']);
    expect([ids.equals(2, '\ufffd'), ids.equals(3, 'a\ufffd\ufffdb')]).toEqual([false, false]);
    expect([ids.writtenCost(0), ids.writtenCost(2)]).toEqual([24, 6]);
  });

  it('every length of every class, Latin-1 and UTF-16, in slots that change class', () => {
    const ids = new OrderIds();
    const ref: string[] = [];
    for (let n = 0; n <= 520; n++) {
      // Latin-1 past ASCII and plain; UTF-16 of half the units (the same bytes); slots taken over by the next length.
      const latin = String.fromCharCode(...Array.from({ length: n }, (_, k) => (n % 2 === 0 ? 0x41 : 0xa0) + (k % 90)));
      const wide = String.fromCharCode(...Array.from({ length: n >> 1 }, (_, k) => 0x100 + k * 131));
      for (const [slot, id] of [latin, wide].entries()) {
        ids.set((n % 7) * 2 + slot, id);
        ref[(n % 7) * 2 + slot] = id;
        check(ids, (n % 7) * 2 + slot, id, changed(id, n, 0x41));
      }
    }
    ref.forEach((id, slot) => {
      check(ids, slot, id, `${id}`);
    });
  });

  it('with most of its pieces in a temporary file, reads back and compares every id (property)', () => {
    process.env.TMPDIR = diskTempDir();
    const op = fc.record({
      slot: fc.nat(30_000),
      id: anyId,
      clear: fc.boolean(),
      k: fc.nat(600),
      u: fc.constantFrom(0, 0x41, 0xe9, 0x100, 0xd800),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 400 }), (ops) => {
        // 20,000 ids of 40 units first (235 pieces of 48-byte blocks, 32 kept in memory), then the ops.
        const ids = new OrderIds(1);
        const ref = new Map<number, string>();
        for (let i = 0; i < 20_000; i++) {
          const id = `GTC-${String(i * 7919).padStart(36, '0')}`;
          ids.set(i, id);
          ref.set(i, id);
        }
        for (const { slot, k, u, ...o } of ops) {
          step(ids, ref, { slot, k, u, ...o });
          const old = (slot * 31) % 20_000; // an early slot: its piece most likely in the file
          check(ids, old, ref.get(old) ?? '', changed(ref.get(old) ?? '', k, u));
        }
        for (const [slot, id] of ref) expect(ids.equals(slot, id)).toBe(true);
        expect(ids.pool.spills).toBeGreaterThan(0);
        expect(ids.pool.loads).toBeGreaterThan(0);
        expect(ids.pool.resident).toBe(32);
      }),
      { numRuns: 15 },
    );
  });

  it('forget: every slot reads as a free one, and the next ids reuse the blocks and pieces it had', () => {
    process.env.TMPDIR = diskTempDir();
    const ids = new OrderIds(1);
    const n = 20_000;
    const idAt = (i: number, day: number) => `D${day}-${String(i).padStart(30, '0')}${i % 3 ? '' : '\u0416\ud800'}`;
    for (let i = 0; i < n; i++) ids.set(i, idAt(i, 1));
    ids.set(n, 'x'.repeat(600)); // kept apart
    const pieces = (ids.pool as unknown as { pieces: number }).pieces;
    ids.forget();
    for (const i of [0, 1, n - 1, n])
      expect([ids.get(i), ids.equals(i, ''), ids.equals(i, idAt(i, 1))]).toEqual(['', true, false]);
    for (let i = 0; i < n; i += 2) ids.set(i, idAt(i, 2));
    for (let i = 0; i < n; i++) expect(ids.get(i)).toBe(i % 2 ? '' : idAt(i, 2));
    expect(ids.get(n)).toBe('');
    expect((ids.pool as unknown as { pieces: number }).pieces).toBe(pieces);
  });

  it('a slot never set reads as a free one', () => {
    const ids = new OrderIds();
    expect([
      ids.get(5 * PAGE),
      ids.equals(5 * PAGE, ''),
      ids.equals(5 * PAGE, 'O-1'),
      ids.writtenCost(5 * PAGE),
    ]).toEqual(['', true, false, 0]);
    ids.set(3, 'O-1');
    ids.clear(3);
    expect([ids.get(3), ids.equals(3, 'O-1'), ids.equals(3, '')]).toEqual(['', false, true]);
  });
});

describe('the checks on orders of any id', () => {
  const timeline = () =>
    new PolicyTimeline([
      policyFromText('require_risk_check: false\nrequire_login: false\nduplicate_window_ms: 0\n', {
        from: null,
        source: 'file',
        snapshot_id: null,
        path: 'p.yaml',
      }),
    ]);
  const BASE = Date.parse('2025-09-08T09:00:00Z') * 1000;

  it('find each open order by its id, tell others apart, and carry each id as it came (property)', () => {
    const ids = fc.uniqueArray(fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), anyId), {
      minLength: 1,
      maxLength: 30,
      selector: keptId,
    });
    fc.assert(
      fc.property(ids, fc.nat(), (all, cut) => {
        const known = all.filter((id) => id !== '');
        const at = cut % (known.length + 1);
        const opened = known.slice(0, at);
        const never = known.slice(at);
        const engine = new ComplianceEngine(timeline());
        let seq = 0;
        const push = (fields: Record<string, unknown>): void => {
          const tUs = BASE + ++seq * 1_000_000;
          const iso = `${new Date(tUs / 1000).toISOString().slice(0, 19)}.000000Z`;
          engine.pushLine(
            { ts: tUs / 1e6, iso_ts: iso, seq, host: 'h', pid: 1, ...fields },
            'a.jsonl',
            seq,
            'a'.repeat(64),
          );
        };
        const order = { category: 'order', event: 'OrderAccepted', symbol: 'EURUSD', side: 'BUY', price: 1 };
        for (const id of opened) push({ ...order, order_id: id, quantity: 2, time_in_force: 'GTC' });
        // One fill of each order opened (partly filled, still open), one of each id never seen.
        for (const id of [...opened, ...never])
          push({ category: 'fill', event: 'Filled', order_id: id, symbol: 'EURUSD', quantity: 1, price: 1 });
        engine.endDay('2025-09-08');
        const s = (engine as unknown as { s: EngineState }).s;
        const unknown = s.sink.findings.filter((f) => f.rule === 'fill_without_order');
        expect(unknown.map((f) => f.order_ids[0])).toEqual(never.map((id) => keptId(id)));
        const c = engine.carryOut('2025-09-08');
        expect(c.open_orders.map((o) => [o.order_id, o.filled])).toEqual(opened.map((id) => [keptId(id), 1]));
      }),
      { numRuns: 60 },
    );
  });
});
