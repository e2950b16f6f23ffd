/**
 * The roll-up's clock-skew tracker (src/rollup/skew.ts) keeps, of the fills seen before their
 * order's acceptance, the earliest and a count per (order, host): a hostile stream repeating one
 * order's fills within the window held one entry per fill (its 200,000 bound counted orders, not
 * fills). The evidence is what keeping every fill gives (the reference below, the former code).
 */
import { describe, expect, it } from 'vitest';
import { type HostSkew, SkewTracker } from '../../src/rollup/skew.js';

/** Every early fill kept, as the tracker did before: the reference (no window, no bound). */
function reference(stream: readonly Obs[]): Map<string, HostSkew> {
  const accepted = new Map<string, true>();
  const early = new Map<string, { host: string; us: number }[]>();
  const worst = new Map<string, HostSkew>();
  for (const [kind, id, host, us] of stream) {
    if (kind === 'orders') {
      accepted.set(id, true);
      for (const f of early.get(id) ?? []) {
        if (f.host === host) continue;
        const w = worst.get(f.host);
        const evidence = (w?.evidence ?? 0) + 1;
        const d = us - f.us;
        if (w === undefined || d > w.behind_us)
          worst.set(f.host, { behind_us: d, behind_of: host, order_id: id, evidence });
        else worst.set(f.host, { ...w, evidence });
      }
      early.delete(id);
    } else if (!accepted.has(id)) early.set(id, [...(early.get(id) ?? []), { host, us }]);
  }
  return worst;
}

type Obs = readonly ['orders' | 'fills', string, string, number];
const T0 = Date.parse('2026-11-20T10:00:00Z') * 1000;
const iso = (us: number): string =>
  `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19)}.${String(us % 1_000_000).padStart(6, '0')}Z`;

function run(stream: readonly Obs[]): SkewTracker {
  const t = new SkewTracker();
  for (const [kind, id, host, us] of stream)
    t.observe(kind, kind === 'orders' ? 'OrderAccepted' : 'Filled', id, host, iso(us));
  return t;
}

describe('SkewTracker early fills', () => {
  it('the evidence equals every fill kept, over seeded streams with repeats and ties', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const stream: Obs[] = [];
      let us = T0;
      for (let i = 0; i < 60; i++) {
        us += rnd(3) * 1000; // ties too
        stream.push([rnd(3) === 0 ? 'orders' : 'fills', `o${rnd(5)}`, `h${rnd(3)}`, us]);
      }
      expect(new Map(run(stream).result())).toEqual(reference(stream));
    }
  });

  it("one order's 100,000 early fills from two hosts: one entry per host, every fill counted", () => {
    const stream: Obs[] = [];
    for (let i = 0; i < 100_000; i++) stream.push(['fills', 'X', i % 2 === 0 ? 'a' : 'b', T0 + i]);
    const t = run(stream);
    const held = (t as unknown as { earlyFills: Map<string, { byHost: Map<string, unknown> }> }).earlyFills;
    expect(held.get('X')?.byHost.size).toBe(2);
    t.observe('orders', 'OrderAccepted', 'X', 'c', iso(T0 + 200_000));
    expect(t.result().get('a')).toEqual({ behind_us: 200_000, behind_of: 'c', order_id: 'X', evidence: 50_000 });
    expect(t.result().get('b')?.evidence).toBe(50_000);
  });
});
