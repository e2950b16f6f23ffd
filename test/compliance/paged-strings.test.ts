/**
 * The order store's strings by slot as 2-byte codes (src/compliance/paged-strings.ts): every
 * slot reads back what was last set, as the plain array of strings it replaced did, whatever the
 * values (null, long, any UTF-16, more distinct ones than the table takes), and the table stays bounded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PAGE } from '../../src/compliance/paged.js';
import { MAX_CODED, MAX_CODED_LENGTH, PagedStrings } from '../../src/compliance/paged-strings.js';

function store(pages: number): PagedStrings {
  const s = new PagedStrings();
  for (let p = 0; p < pages; p++) s.addPage();
  return s;
}

describe('PagedStrings', () => {
  it('reads back what a plain array would (property)', () => {
    const value = fc.oneof(
      fc.constant(null),
      fc.constantFrom('AAPL', 'MSFT', 'DAY', 'GTC', '', 'data/audit.jsonl'),
      fc.string({ maxLength: 3 }),
      fc.string({ minLength: MAX_CODED_LENGTH, maxLength: MAX_CODED_LENGTH + 2 }),
      // Kept apart as bytes: any UTF-16 (lone surrogates), and past order-ids.ts's largest block.
      fc.string({ unit: 'binary', minLength: MAX_CODED_LENGTH + 1, maxLength: MAX_CODED_LENGTH + 40 }),
      fc.string({ minLength: 600, maxLength: 620 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2 * PAGE - 1), value), { maxLength: 300 }), (sets) => {
        const s = store(2);
        const ref: (string | null)[] = Array.from({ length: 2 * PAGE }, () => null);
        for (const [i, v] of sets) {
          s.set(i, v);
          ref[i] = v;
        }
        for (const [i] of sets) expect(s.get(i)).toBe(ref[i]);
        expect(s.get(2 * PAGE - 1)).toBe(ref[2 * PAGE - 1]);
      }),
    );
  });

  it('keeps values past the table apart, and a slot set again forgets them', () => {
    const s = store(3);
    const n = MAX_CODED + 100;
    for (let i = 0; i < n; i++) s.set(i, `v${i}`);
    for (let i = 0; i < n; i++) expect(s.get(i)).toBe(`v${i}`);
    const long = 'x'.repeat(MAX_CODED_LENGTH + 1);
    s.set(0, long);
    expect(s.get(0)).toBe(long);
    s.set(n - 1, 'v1');
    s.set(0, null);
    expect([s.get(0), s.get(n - 1)]).toEqual([null, 'v1']);
    expect(s.keptApart).toBe(99);
    expect((s as unknown as { table: unknown[] }).table.length).toBe(MAX_CODED + 1);
  });
});
