/**
 * The store's compact fields read back exactly what was written (src/compliance/paged.ts): a seq,
 * line number or name-byte count in 4 bytes where it is whole and below 2^32 - 1, any other number
 * (past it, negative, fractional, -0, NaN: a hostile log may give any) apart and exact; a reference
 * by slot paged as first set, null until then. Compared with a Map of what was written.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderStore } from '../../src/compliance/order-store.js';
import { PAGE, PagedU32Exact, SparsePagedRefs } from '../../src/compliance/paged.js';
import type { Evidence } from '../../src/compliance/types.js';

const EDGES = [0, -0, 1, 2 ** 32 - 2, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, -1, -(2 ** 31), 0.5, NaN];
const value = fc.oneof(
  fc.constantFrom(...EDGES, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_VALUE, Number.MIN_VALUE),
  fc.nat(),
  fc.integer({ min: 2 ** 32 - 3, max: 2 ** 32 + 3 }),
  fc.maxSafeInteger(),
  fc.double(),
);
const slot = fc.nat(3 * PAGE - 1);

describe('PagedU32Exact', () => {
  it('reads back every number written, by slot, as Object.is (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(slot, value), { maxLength: 200 }), (writes) => {
        const a = new PagedU32Exact();
        for (let k = 0; k < 3; k++) a.addPage();
        const model = new Map<number, number>();
        for (const [i, v] of writes) {
          a.set(i, v);
          model.set(i, v);
          expect(Object.is(a.get(i), v)).toBe(true);
        }
        for (const [i, v] of model) expect(Object.is(a.get(i), v)).toBe(true);
        // a slot never written reads 0
        for (let i = 0; i < 3 * PAGE; i += 397) if (!model.has(i)) expect(Object.is(a.get(i), 0)).toBe(true);
      }),
    );
  });

  it('a value kept apart, overwritten by one that fits, is gone (and the other way round)', () => {
    const a = new PagedU32Exact();
    a.addPage();
    a.set(5, 2 ** 32 - 1);
    a.set(5, 7);
    expect(a.get(5)).toBe(7);
    a.set(5, -0);
    expect(Object.is(a.get(5), -0)).toBe(true);
    a.set(5, 0);
    expect(Object.is(a.get(5), 0)).toBe(true);
  });
});

describe('SparsePagedRefs', () => {
  it('reads back every reference written, null where none was (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(slot, fc.option(fc.nat(5))), { maxLength: 200 }), (writes) => {
        const objs = [0, 1, 2, 3, 4, 5].map((n) => ({ n }));
        const a = new SparsePagedRefs<{ n: number }>();
        for (let k = 0; k < 3; k++) a.addPage();
        const model = new Map<number, { n: number } | null>();
        for (const [i, n] of writes) {
          const v = n === null ? null : (objs[n] as { n: number });
          a.set(i, v);
          model.set(i, v);
        }
        for (let i = 0; i < 3 * PAGE; i++) expect(a.get(i)).toBe(model.get(i) ?? null);
      }),
      { numRuns: 40 },
    );
  });
});

describe('OrderStore, the opening line', () => {
  it('gives back the seq and line number of every range, in and past 4 bytes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 40 }), (pairs) => {
        const st = new OrderStore();
        const slots = pairs.map(([seq, line], k) => {
          const i = st.take(`O-${k}`);
          const ev: Evidence = { file: 'a.jsonl', seq, line, line_sha256: 'ab'.repeat(32) };
          st.setOrder(i, k, 'EURUSD', ev, 'DAY', 1, null, null, null, 'open');
          return i;
        });
        pairs.forEach(([seq, line], k) => {
          const got = st.opened(slots[k] as number);
          expect(Object.is(got.seq, seq) && Object.is(got.line, line)).toBe(true);
        });
      }),
    );
  });
});
