/**
 * A batch's records copied for the reading thread (src/pack/day-events.ts recordsInto): into the
 * buffer given back by an earlier batch when they fit, else into a new one with room for a longer
 * batch; either way a view from the buffer's start holding exactly the records.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordsInto } from '../../src/pack/day-events.js';

describe('recordsInto: records copied into a recycled buffer', () => {
  it('holds exactly the records, in the spare when they fit, else in a larger new buffer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
        fc.option(fc.nat(400)),
        (xs, spareInts) => {
          const v = Int32Array.from(xs);
          const spare = spareInts === null ? undefined : new ArrayBuffer(4 * spareInts);
          const r = recordsInto(v, spare);
          expect([...r]).toEqual(xs);
          expect(r.byteOffset).toBe(0);
          if (spare !== undefined && spare.byteLength > 0 && spare.byteLength >= v.byteLength)
            expect(r.buffer).toBe(spare);
          else expect(r.buffer.byteLength).toBeGreaterThanOrEqual(v.byteLength);
        },
      ),
    );
  });

  it('a spare moved to another thread (detached) is not used', () => {
    const spare = new ArrayBuffer(64);
    structuredClone(spare, { transfer: [spare] });
    const r = recordsInto(Int32Array.of(1, 2, 3), spare);
    expect(r.buffer).not.toBe(spare);
    expect([...r]).toEqual([1, 2, 3]);
    expect(recordsInto(new Int32Array(0), spare).length).toBe(0);
  });
});
