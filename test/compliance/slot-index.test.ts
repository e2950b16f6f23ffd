/**
 * The order ids' table (src/compliance/slot-index.ts) against a Map: any sequence of keeping,
 * finding and forgetting ids gives the same answers, through its growth, the shifts of deletion
 * and, with a short probe limit, its fall back to a Map on a collision flood.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotIndex } from '../../src/compliance/slot-index.js';

type Op = { readonly kind: 'keep' | 'forget' | 'find'; readonly id: string };

/** Runs `ops` on a SlotIndex and a Map, with slots handed out and reused as OrderStore does. */
function same(ops: readonly Op[], maxProbe?: number): void {
  const ids: string[] = [];
  const freed: number[] = [];
  const index = new SlotIndex(ids, maxProbe);
  const ref = new Map<string, number>();
  for (const op of ops) {
    if (op.kind === 'keep' && !ref.has(op.id)) {
      const s = freed.pop() ?? ids.length;
      ids[s] = op.id;
      index.set(op.id, s);
      ref.set(op.id, s);
    } else if (op.kind === 'forget') {
      const s = ref.get(op.id);
      expect(index.delete(op.id)).toBe(s !== undefined);
      if (s !== undefined) {
        ref.delete(op.id);
        ids[s] = '';
        freed.push(s);
      }
    }
    expect(index.get(op.id)).toBe(ref.get(op.id));
    expect(index.size).toBe(ref.size);
  }
  for (const [id, s] of ref) expect(index.get(id)).toBe(s);
}

const ops = (ids: fc.Arbitrary<string>) =>
  fc.array(fc.record({ kind: fc.constantFrom('keep', 'keep', 'forget', 'find'), id: ids }) as fc.Arbitrary<Op>, {
    minLength: 1000,
    maxLength: 3000,
  });

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
    const forget = keep.map((o): Op => ({ kind: 'forget', id: o.id }));
    same([...keep, ...forget.filter((_, i) => i % 2 === 0), ...keep, ...forget]);
  });
});
