/**
 * The order-to-trade counts kept in paged arrays (otr-counts.ts) against the objects they replaced
 * (a Map by fold of `{ name, orders, trades, first }`, the evidence copied as a plain object): the
 * same entries in the same order after any sequence of messages, trades and day ends, with hashes
 * given as bytes (LineEvidence) or as text of any shape, past a page of 4,096 symbols.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keptEvidence, LineEvidence } from '../../src/compliance/line-evidence.js';
import { OtrCounts } from '../../src/compliance/otr-counts.js';
import type { Evidence } from '../../src/compliance/types.js';

type Ref = Map<string, { name: string; orders: number; trades: number; first: Evidence }>;

function refCount(ref: Ref, key: string, name: string, ev: Evidence, trade: boolean): void {
  let c = ref.get(key);
  if (c === undefined) ref.set(key, (c = { name, orders: 0, trades: 0, first: keptEvidence(ev) }));
  if (trade) c.trades++;
  else c.orders++;
}

const digests = Buffer.alloc(64 * 32);
for (let i = 0; i < digests.length; i++) digests[i] = (i * 131 + 7) & 0xff;
const line = new LineEvidence('f', 1, 1, digests, 0);

const evidence = fc.oneof(
  fc
    .tuple(fc.constantFrom('audit-20261128.jsonl', 'h/audit.jsonl'), fc.nat(), fc.nat(), fc.nat(63))
    .map(([file, seq, ln, at]) => line.point(file, seq, ln, digests, at * 32) as Evidence),
  fc.record({
    file: fc.constantFrom('a.jsonl', 'b.jsonl'),
    seq: fc.oneof(fc.nat(), fc.constant(2 ** 32), fc.constant(-1)),
    line: fc.nat(),
    line_sha256: fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
      fc.string({ maxLength: 70 }),
    ),
  }),
);
/** Folds of any shape: short, empty, wide (UTF-16, lone surrogates), longer than order-ids.ts's largest block. */
const KEYS = ['k0', 'k1', 'k2', '', 'eurusd', 'ÉTÉ', '株式', '\ud800x', 'x'.repeat(600), 'k'.repeat(40)];
const op = fc.oneof(
  { weight: 20, arbitrary: fc.tuple(fc.nat(KEYS.length + 20), fc.boolean(), evidence) },
  { weight: 1, arbitrary: fc.constant('end' as const) },
);

describe('OtrCounts', () => {
  it('keeps what the objects kept, in the same order, across day ends (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const ref: Ref = new Map();
        const otr = new OtrCounts();
        for (const o of ops) {
          if (o === 'end') {
            expect([...otr.entries()]).toEqual([...ref.values()]);
            ref.clear();
            otr.clear();
            continue;
          }
          const [k, trade, ev] = o;
          const key = KEYS[k] ?? `k${k}`;
          // The first name logged is the one kept: the fold itself, or another spelling (wide too).
          const name = [key, `Name ${k}`, `${key}\u200b`, `${key}€`][((ev.seq % 4) + 4) % 4] as string;
          refCount(ref, key, name, ev, trade);
          if (trade) otr.countTrade(key, name, ev);
          else otr.countOrder(key, name, ev);
        }
        expect(otr.size).toBe(ref.size);
        expect([...otr.entries()]).toEqual([...ref.values()]);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps its counts when symbols flood one place of its table (a crafted log), and after a day end', async () => {
    const { SlotIndex } = await import('../../src/compliance/slot-index.js');
    const otr = new OtrCounts();
    // Every fold hashing alike: the table turns into a Map (slot-index.ts MAX_PROBE) part-way.
    const hashOf = SlotIndex.prototype as unknown as { hash: (id: string) => number };
    const real = hashOf.hash;
    hashOf.hash = () => 7;
    try {
      for (let day = 0; day < 2; day++) {
        const ref: Ref = new Map();
        for (let i = 0; i < 300; i++) {
          const ev = line.point('audit.jsonl', i, i + 1, digests, (i % 64) * 32);
          for (const k of [i, i >> 1]) {
            refCount(ref, `s${k}`, `S${k}`, ev, k % 2 === 0);
            if (k % 2 === 0) otr.countTrade(`s${k}`, `S${k}`, ev);
            else otr.countOrder(`s${k}`, `S${k}`, ev);
          }
        }
        expect([...otr.entries()]).toEqual([...ref.values()]);
        otr.clear();
      }
    } finally {
      hashOf.hash = real;
    }
  });

  it('starts each day again: more folds than it keeps recent, alternating with few, in another order each day', () => {
    const otr = new OtrCounts();
    const recent = (otr as unknown as { recent: Map<string, number> }).recent;
    // Day 1 names 6,000 folds and one always there; day 2 a part of them backwards, first spelled
    // otherwise, and folds of day 1's names: a count or a first line kept from day 1 shows.
    const days = [6000, 2500, 3];
    for (const [d, n] of days.entries()) {
      const ref: Ref = new Map();
      for (let j = 0; j < n; j++) {
        const i = d === 1 ? n - j : j;
        const ev = line.point(`audit-${d}.jsonl`, j, j + 1, digests, ((i + d) % 64) * 32);
        const ops: [string, string, boolean][] = [
          [`s${i}`, d === 1 ? `S${i}` : `s${i}`, i % 5 === d],
          ['eurusd', d === 1 ? 'EUR/USD' : 'eurusd', false],
          [`s${i}`, `S-${i}`, false],
        ];
        for (const [key, name, trade] of ops) {
          refCount(ref, key, name, ev, trade);
          if (trade) otr.countTrade(key, name, ev);
          else otr.countOrder(key, name, ev);
        }
        expect(recent.size).toBeLessThanOrEqual(4096);
      }
      expect([...otr.entries()]).toEqual([...ref.values()]);
      otr.clear();
    }
  });

  it('holds more symbols than a page, and reuses its pages after a day end', () => {
    const otr = new OtrCounts();
    const ref: Ref = new Map();
    for (let day = 0; day < 2; day++) {
      const n = day === 0 ? 10_000 : 5_000;
      for (let i = 0; i < n; i++) {
        const ev = line.point('audit.jsonl', i, i + 1, digests, (i % 64) * 32);
        for (const trade of [false, false, i % 3 === 0]) {
          refCount(ref, `s${i}`, `S${i}`, ev, trade);
          if (trade) otr.countTrade(`s${i}`, `S${i}`, ev);
          else otr.countOrder(`s${i}`, `S${i}`, ev);
        }
      }
      expect([...otr.entries()]).toEqual([...ref.values()]);
      otr.clear();
      ref.clear();
      expect(otr.size).toBe(0);
      expect([...otr.entries()]).toEqual([]);
    }
  });
});
