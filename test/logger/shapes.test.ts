import { describe, expect, it } from 'vitest';
import { prepareBody } from '../../src/logger/serialize.js';
import { type Caches, cachedShape, cachesOf, type Shape } from '../../src/logger/shapes.js';
import { compileRedactor, type Redactor } from '../../src/redaction/index.js';

const PROVENANCE = ',"host":"h","pid":1';

function logFields(redactor: Redactor, fields: Record<string, unknown>): string {
  return prepareBody('"category":"order","event":"OrderAccepted"', undefined, fields, redactor, undefined, PROVENANCE);
}

/** Every top-level shape the caches hold. */
function cachedShapes(caches: Caches): Shape[] {
  return [...caches.top.map.values()].flat();
}

/** Member texts held in the slots of the cached shapes. */
function heldTexts(caches: Caches): number {
  let n = 0;
  for (const shape of cachedShapes(caches)) for (const slot of shape.slots) n += slot.texts?.size ?? 0;
  return n;
}

describe('the shape cache', () => {
  it('keeps every key list of an app whose events share their first key', () => {
    const redactor = compileRedactor({});
    const caches = cachesOf(redactor);
    // Twelve key lists starting with orderId, logged round-robin (an app's orders, cancels, risk checks…).
    const lists = Array.from({ length: 12 }, (_, j) => [
      'orderId',
      'symbol',
      ...Array.from({ length: j }, (_, k) => `extra${k}`),
    ]);
    for (let round = 0; round < 3; round++)
      for (const keys of lists) logFields(redactor, Object.fromEntries(keys.map((k) => [k, `${k}-${round}`])));
    for (const keys of lists) expect(cachedShape(caches.top, keys, keys.length)).toBeDefined();
  });

  it('does not drop every shape because slots of ids gave up caching', () => {
    const redactor = compileRedactor({});
    const caches = cachesOf(redactor);
    // 80 key lists, each with an id field (a new value per event: the slot stops caching after
    // 256) and a field that repeats one value (worth caching). 80 × 256 id texts once counted
    // past the 16,384 bound and emptied the cache.
    const first = ['k0', 'id', 'side'];
    for (let j = 0; j < 80; j++)
      for (let i = 0; i < 300; i++) logFields(redactor, { [`k${j}`]: 'x', id: `ID-${j}-${i}`, side: 'BUY' });
    const shape = cachedShape(caches.top, first, 3);
    expect(shape).toBeDefined();
    expect(shape?.slots[1]?.texts).toBeUndefined(); // the id slot gave up
    expect(shape?.slots[2]?.texts?.get('BUY')).toBe(',"side":"BUY"'); // after its comma
    expect(cachedShapes(caches)).toHaveLength(80);
    // The count is of texts held: 80 × ('k<j>' → 'x', 'side' → 'BUY').
    expect(caches.memberTexts).toBe(heldTexts(caches));
    expect(caches.memberTexts).toBe(160);
  });

  it('still bounds the member texts held', () => {
    const redactor = compileRedactor({});
    const caches = cachesOf(redactor);
    // 200 key lists × 100 distinct values each (under the per-slot 256): 20,000 texts offered.
    for (let j = 0; j < 200; j++) for (let i = 0; i < 100; i++) logFields(redactor, { [`f${j}`]: `v${i}` });
    expect(heldTexts(caches)).toBeLessThanOrEqual(16_384);
    // The count never falls below what is held (the bound rests on it).
    expect(caches.memberTexts).toBeGreaterThanOrEqual(heldTexts(caches));
  });
});
