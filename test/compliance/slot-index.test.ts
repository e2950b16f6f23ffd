/**
 * The order ids' table (src/compliance/slot-index.ts) against a Map: any sequence of keeping,
 * finding and forgetting ids gives the same answers, through its growth, the shifts of deletion
 * and, with a short probe limit, its fall back to a Map on a collision flood.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { OrderIds } from '../../src/compliance/order-ids.js';
import { hashOf, SlotIndex } from '../../src/compliance/slot-index.js';

type Op = { readonly kind: 'keep' | 'forget' | 'forgetSlot' | 'find' | 'clear'; readonly id: string };

/** Runs `ops` on a SlotIndex and a Map, with slots handed out and reused as OrderStore does. */
function same(ops: readonly Op[], maxProbe?: number): void {
  const ids = new OrderIds();
  let slots = 0;
  const freed: number[] = [];
  const index = new SlotIndex(ids, maxProbe);
  const ref = new Map<string, number>();
  for (const op of ops) {
    if (op.kind === 'clear') {
      // A day end of the order-to-trade counts (otr-counts.ts): every id forgotten, slots from 0 again.
      index.clear();
      for (const s of ref.values()) ids.clear(s);
      ref.clear();
      slots = 0;
      freed.length = 0;
    } else if (op.kind === 'keep' && !ref.has(op.id)) {
      const s = freed.pop() ?? slots++;
      ids.set(s, op.id);
      index.set(op.id, s);
      ref.set(op.id, s);
    } else if (op.kind === 'forget' || op.kind === 'forgetSlot') {
      const s = ref.get(op.id);
      // deleteSlot finds the place by the slot's kept hash and number (EngineState.release).
      if (op.kind === 'forget' || s === undefined) expect(index.delete(op.id)).toBe(s !== undefined);
      else expect(index.deleteSlot(s)).toBe(true);
      if (s !== undefined) {
        ref.delete(op.id);
        ids.clear(s);
        freed.push(s);
      }
    }
    expect(index.get(op.id)).toBe(ref.get(op.id));
    expect(index.size).toBe(ref.size);
  }
  for (const [id, s] of ref) expect(index.get(id)).toBe(s);
}

const ops = (ids: fc.Arbitrary<string>) =>
  fc.array(
    fc.record({ kind: fc.constantFrom('keep', 'keep', 'forget', 'forgetSlot', 'find'), id: ids }) as fc.Arbitrary<Op>,
    {
      minLength: 1000,
      maxLength: 3000,
    },
  );

describe('SlotIndex: the slot of each order id, as a Map would give it', () => {
  it('any sequence of ids kept, found and forgotten', () => {
    const few = fc.integer({ min: 0, max: 2500 }).map((n) => `O-0-${n}`);
    fc.assert(
      fc.property(ops(few), (o) => same(o)),
      { numRuns: 8 },
    );
  });

  it('any ids (empty, non-ASCII, lone surrogates)', () => {
    fc.assert(
      fc.property(ops(fc.string({ unit: 'binary', maxLength: 6 })), (o) => same(o)),
      { numRuns: 4 },
    );
  });

  it('a table that becomes a Map midway (a probe past its limit) keeps every id', () => {
    const few = fc.integer({ min: 0, max: 800 }).map((n) => `id${n}`);
    fc.assert(
      fc.property(ops(few), (o) => same(o, 2)),
      { numRuns: 8 },
    );
  });

  it('grows past many thousands of ids and forgets them all', () => {
    const keep = Array.from({ length: 6_000 }, (_, i): Op => ({ kind: 'keep', id: `O-${i}` }));
    const forget = keep.map((o, i): Op => ({ kind: i % 3 === 0 ? 'forgetSlot' : 'forget', id: o.id }));
    same([...keep, ...forget.filter((_, i) => i % 2 === 0), ...keep, ...forget]);
  });

  it('a table that becomes a Map while it grows keeps every id', () => {
    // The seed fixed, and ids placed so that only grow's order of putting them back (by place: the
    // id that wrapped round to place 0 first) displaces one by 2: P and Q at home 1022, R at home
    // 1023 in both the 1024- and the 2048-place table, every other id alone at its home. The set
    // that grows the table then falls back to a Map inside grow().
    const seed = (0.25 * 0x100000000) >>> 0;
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.25);
    const ids = new OrderIds();
    const index = new SlotIndex(ids, 1);
    random.mockRestore();
    const homed = (home: number, n: number): string[] => {
      const out: string[] = [];
      for (let i = 0; out.length < n; i++) if ((hashOf(`O-${i}`, seed) & 2047) === home) out.push(`O-${i}`);
      return out;
    };
    const [p, q] = homed(1022, 2) as [string, string];
    const ops: Op[] = [p, q, ...homed(1023, 1)].map((id) => ({ kind: 'keep', id }));
    const homes = new Set<number>();
    for (let i = 0; ops.length < 513; i++) {
      const h = hashOf(`F-${i}`, seed) & 1023;
      if (h < 1019 && h > 4 && !homes.has(h)) {
        homes.add(h);
        ops.push({ kind: 'keep', id: `F-${i}` });
      }
    }
    const ref = new Map<string, number>();
    for (const [s, op] of ops.entries()) {
      ids.set(s, op.id);
      index.set(op.id, s);
      ref.set(op.id, s);
    }
    expect(index.size).toBe(513);
    for (const [id, s] of ref) expect(index.get(id), id).toBe(s);
    for (const [id, s] of ref) expect(index.delete(id), `${id} ${s}`).toBe(true);
    expect(index.size).toBe(0);
  });

  it('forgets every id at clear, a table or a Map, and takes the slots again from 0', () => {
    // A day of `n` ids, some of them other days' too.
    const day = (n: number, from: number) =>
      Array.from({ length: n }, (_, i): Op => ({ kind: 'keep', id: `O-${(i * 7 + from) % 5000}` }));
    const find = (o: Op[]) => o.map((x): Op => ({ kind: 'find', id: x.id }));
    const clear: Op = { kind: 'clear', id: '' };
    const some = fc.integer({ min: 0, max: 1200 }).map((n) => `O-${n}`);
    const withClear = fc.array(
      fc.oneof(
        { weight: 60, arbitrary: fc.record({ kind: fc.constantFrom('keep', 'keep', 'forget', 'find'), id: some }) },
        { weight: 1, arbitrary: fc.constant(clear) },
      ) as fc.Arbitrary<Op>,
      { minLength: 500, maxLength: 3000 },
    );
    fc.assert(
      fc.property(withClear, fc.constantFrom(undefined, 1, 2), (o, probe) => same(o, probe)),
      { numRuns: 12 },
    );
    // Days of 3,000, 700 and 40 ids, a table (grown to 8,192 places, kept at clear) or a Map: none of
    // a day's ids is found after its end, and each is kept again from slot 0.
    const [d1, d2, d3] = [day(3000, 0), day(700, 11), day(40, 3)];
    for (const probe of [undefined, 1, 2])
      same([...d1, clear, ...find(d1), ...d2, clear, ...find(d2), ...d3, ...find(d1)], probe);
  });

  it('deleteSlot of a slot the table does not hold forgets its id as delete would', () => {
    const ids = new OrderIds();
    for (const [s, id] of ['a', 'b', 'a'].entries()) ids.set(s, id);
    const index = new SlotIndex(ids);
    index.set('a', 0);
    index.set('b', 1);
    // Slot 2 names `a` but was never kept: the id's own slot goes, as delete('a') would take it.
    expect(index.deleteSlot(2)).toBe(true);
    expect(index.get('a')).toBe(undefined);
    expect(index.get('b')).toBe(1);
    expect(index.deleteSlot(0)).toBe(false);
    expect(index.size).toBe(1);
  });
});
