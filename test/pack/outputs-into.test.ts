/**
 * A batch's outputs copied for the reading thread (src/pack/day-events.ts outputsInto): the records,
 * then the orders', fills' and alerts' bytes, one after another in one buffer: the buffer given back
 * by an earlier batch when they fit, else a new one with room for a longer batch. Each output is a
 * view holding exactly its bytes; the records start at the buffer's start (4-byte aligned).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { outputsInto } from '../../src/pack/day-events.js';

const bytes = fc.uint8Array({ maxLength: 300 });

describe("outputsInto: a batch's outputs copied into a recycled buffer", () => {
  it('holds exactly each output, in the spare when all fit, else in a larger new buffer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 200 }),
        bytes,
        bytes,
        bytes,
        fc.option(fc.nat(2000)),
        (xs, orders, fills, alerts, spareBytes) => {
          const records = Int32Array.from(xs);
          const spare = spareBytes === null ? undefined : new ArrayBuffer(spareBytes);
          const r = outputsInto(records, orders, fills, alerts, spare);
          expect([...r.records]).toEqual(xs);
          expect([...r.orders]).toEqual([...orders]);
          expect([...r.fills]).toEqual([...fills]);
          expect([...r.alerts]).toEqual([...alerts]);
          expect(r.records.byteOffset).toBe(0);
          const buf = r.records.buffer;
          for (const v of [r.orders, r.fills, r.alerts]) expect(v.buffer).toBe(buf);
          // One after another, none overlapping: each later output starts where the one before ends.
          expect(r.orders.byteOffset).toBe(records.byteLength);
          expect(r.fills.byteOffset).toBe(r.orders.byteOffset + orders.length);
          expect(r.alerts.byteOffset).toBe(r.fills.byteOffset + fills.length);
          const needed = records.byteLength + orders.length + fills.length + alerts.length;
          if (spare !== undefined && spare.byteLength > 0 && spare.byteLength >= needed) expect(buf).toBe(spare);
          else {
            expect(buf).not.toBe(spare);
            expect(buf.byteLength).toBeGreaterThanOrEqual(needed);
          }
        },
      ),
    );
  });

  it('a spare moved to another thread (detached) is not used', () => {
    const spare = new ArrayBuffer(64);
    structuredClone(spare, { transfer: [spare] });
    const none = new Uint8Array(0);
    const r = outputsInto(Int32Array.of(1, 2, 3), Uint8Array.of(9), none, none, spare);
    expect(r.records.buffer).not.toBe(spare);
    expect([...r.records]).toEqual([1, 2, 3]);
    expect([...r.orders]).toEqual([9]);
    const empty = outputsInto(new Int32Array(0), none, none, none, spare);
    expect(empty.records.length + empty.orders.length + empty.fills.length + empty.alerts.length).toBe(0);
  });
});
