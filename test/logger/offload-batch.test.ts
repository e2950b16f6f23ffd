/**
 * The message that hands a batch to the writer thread (src/logger/offload.ts, batchMessage): it
 * carries every event as it was prepared, and its arrays are cloned as dense ones (a holey array
 * is cloned as a sparse one: each index looked up as a property, received as a slow array).
 */
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { type DeferredText, unpackDeferred } from '../../src/logger/deferred.js';
import { batchMessage } from '../../src/logger/offload.js';
import type { PreparedEvent } from '../../src/logger/types.js';

/** V8's serialisation tags (v8/src/objects/value-serializer.cc): after the 2-byte header. */
const DENSE_ARRAY = 'A'.charCodeAt(0);
const SPARSE_ARRAY = 'a'.charCodeAt(0);

function cloneTag(a: unknown[]): number {
  const bytes = serialize(a);
  expect(bytes[0]).toBe(0xff); // the version header
  return bytes[2] as number;
}

/** Events as prepare() gives them: most with an instant, some with a text head, some deferred. */
function events(n: number): PreparedEvent[] {
  const out: PreparedEvent[] = [];
  for (let i = 0; i < n; i++) {
    const deferred: DeferredText | undefined =
      i % 7 === 3 ? { texts: [`note ${i} `.repeat(40)], paths: [], at: [0], redacted: undefined, chars: 0 } : undefined;
    const body = `"category":"order","event":"Cancelled","order_id":"ORD-${i}"${deferred ? ',"note":"\u0000"' : ''},"host":"h","pid":1`;
    if (i % 5 === 4) out.push({ day: 20_000, head: `{"ts":${i}`, body, deferred });
    else out.push({ day: 20_000 + (i % 2), head: '', body, deferred, micros: 1_700_000_000_000_000 + i });
  }
  return out;
}

describe('batchMessage', () => {
  it('clones its arrays densely, not as sparse arrays', () => {
    // The check itself tells the two apart: an array filled from its end is holey (no hole left,
    // yet cloned sparse) on every line. `new Array(3).fill('x')` is not: from Node.js 24 on, fill
    // makes it packed.
    const holey: string[] = [];
    for (let i = 2; i >= 0; i--) holey[i] = 'x';
    expect(cloneTag(holey)).toBe(SPARSE_ARRAY);
    expect(cloneTag(['x', 'x', 'x'])).toBe(DENSE_ARRAY);
    const m = batchMessage(events(1000), 1, 1);
    expect(cloneTag(m.bodies)).toBe(DENSE_ARRAY);
    expect(cloneTag(m.heads)).toBe(DENSE_ARRAY);
    for (const k of ['events', 'counts', 'texts', 'paths', 'at', 'redacted'] as const)
      expect(cloneTag(m.deferred[k] as unknown[])).toBe(DENSE_ARRAY);
  });

  it('carries every event as prepared, through a structured clone', () => {
    const evs = events(257);
    const m = structuredClone(batchMessage(evs, 7, 3));
    expect(m.type).toBe('batch');
    expect([m.id, m.epoch]).toEqual([7, 3]);
    expect(m.bodies).toEqual(evs.map((e) => e.body));
    let h = 0;
    for (let i = 0; i < evs.length; i++) {
      const e = evs[i] as PreparedEvent;
      expect(m.days[i]).toBe(e.day);
      if (e.micros === undefined) {
        expect(m.micros[i]).toBeNaN();
        expect(m.heads[h++]).toBe(e.head);
      } else expect(m.micros[i]).toBe(e.micros);
    }
    expect(h).toBe(m.heads.length);
    const withText = evs.flatMap((e, i) => (e.deferred === undefined ? [] : [i]));
    expect(m.deferred.events).toEqual(withText);
    expect(unpackDeferred(m.deferred).map((d) => d.texts)).toEqual(withText.map((i) => evs[i]?.deferred?.texts));
  });
});
