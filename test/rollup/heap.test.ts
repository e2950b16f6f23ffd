/**
 * The merge's reorder window pops exactly what a min-heap over the same pushes would (unique keys),
 * for any interleaving of pushes and pops, in order or not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHeap, ReorderWindow } from '../../src/rollup/heap.js';

describe('ReorderWindow', () => {
  it('pops what a min-heap pops, whatever the arrival order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 100_000 }), { maxLength: 9000 }),
        fc.array(fc.boolean(), { maxLength: 9000 }),
        fc.boolean(),
        (keys, pops, nearlySorted) => {
          const input = nearlySorted ? [...keys].sort((a, b) => a - b) : keys;
          if (nearlySorted)
            for (let i = 0; i + 1 < input.length; i += 13)
              [input[i], input[i + 1]] = [input[i + 1] as number, input[i] as number];
          const less = (a: number, b: number) => a < b;
          const w = new ReorderWindow<number>(less);
          const h = new MinHeap<number>(less);
          const got: (number | undefined)[] = [];
          const want: (number | undefined)[] = [];
          input.forEach((k, i) => {
            w.push(k);
            h.push(k);
            if (pops[i % Math.max(pops.length, 1)] === true) {
              got.push(w.pop());
              want.push(h.pop());
            }
            expect(w.size).toBe(h.size);
          });
          while (h.size > 0) {
            got.push(w.pop());
            want.push(h.pop());
          }
          expect(w.pop()).toBeUndefined();
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 200 },
    );
  });
});
