/**
 * The orders kept as a struct of arrays (src/compliance/order-store.ts): a slot's chain behaves as
 * state.ts's Chain of nodes does (the carried state lists the orders in its order, and the closed
 * orders expire and overflow through it), and a slot given back and taken again carries nothing of
 * its previous order, whichever way each order's hashes came (bytes or text).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineEvidence } from '../../src/compliance/line-evidence.js';
import { NONE, OrderStore, SlotChain } from '../../src/compliance/order-store.js';
import { Chain, type Linked } from '../../src/compliance/state.js';
import type { Evidence } from '../../src/compliance/types.js';

class Node implements Linked<Node> {
  prev: Node | null = null;
  next: Node | null = null;
  constructor(
    readonly n: number,
    public tUs: number,
  ) {}
}

type Op = { k: 'push'; t: number } | { k: 'remove'; at: number } | { k: 'expire'; now: number; horizon: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('push' as const), t: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ k: fc.constant('remove' as const), at: fc.nat(20) }),
  fc.record({ k: fc.constant('expire' as const), now: fc.integer({ min: 0, max: 60 }), horizon: fc.nat(20) }),
);

describe('SlotChain', () => {
  it('keeps, drops and expires slots as Chain does its nodes (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: 1, max: 8 }), (ops, max) => {
        const dropsRef: number[] = [];
        const dropsNew: number[] = [];
        const st = new OrderStore();
        const ref = new Chain<Node>(max, (x) => dropsRef.push(x.n));
        const chain = new SlotChain(st, max, (i) => {
          dropsNew.push(i);
          st.free(i);
        });
        // The slot of each reference node still in the chain, by node number.
        const slotOf = new Map<number, number>();
        const nodes = new Map<number, Node>();
        let made = 0;
        for (const o of ops) {
          if (o.k === 'push') {
            const n = new Node(made++, o.t);
            const i = st.take(`id-${n.n}`);
            st.tUs.set(i, o.t);
            nodes.set(n.n, n);
            slotOf.set(n.n, i);
            ref.push(n);
            chain.push(i);
          } else if (o.k === 'remove') {
            const held = ref.toArray();
            const n = held[o.at % Math.max(held.length, 1)];
            if (n === undefined) continue;
            ref.remove(n);
            chain.remove(slotOf.get(n.n) as number);
          } else {
            ref.expire(o.now, o.horizon);
            chain.expire(o.now, o.horizon);
          }
          for (const d of dropsRef.splice(0)) {
            expect(dropsNew.shift()).toBe(slotOf.get(d));
            slotOf.delete(d);
          }
          expect(dropsNew).toEqual([]);
          expect(chain.toArray()).toEqual(ref.toArray().map((n) => slotOf.get(n.n)));
          expect(chain.size).toBe(ref.size);
          expect(chain.head === NONE).toBe(ref.head === null);
        }
      }),
      { numRuns: 300 },
    );
  });
});

function evidence(n: number, bytes: boolean): Evidence {
  const digest = createHash('sha256').update(`line ${n}`).digest();
  if (!bytes) return { file: `f${n}`, seq: n + 0.5, line: 2 ** 40 + n, line_sha256: digest.toString('hex') };
  const buf = Buffer.alloc(96, 0xee);
  digest.copy(buf, 32);
  return new LineEvidence(`f${n}`, n + 0.5, 2 ** 40 + n, buf, 32);
}

const plain = (e: Evidence): Evidence => ({ file: e.file, seq: e.seq, line: e.line, line_sha256: e.line_sha256 });

describe('OrderStore', () => {
  it('gives a freed slot back with nothing of its previous order (hashes as bytes or text, any mix)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 30 }),
        (runs) => {
          const st = new OrderStore();
          let n = 0;
          for (const [openedBytes, riskBytes, priced] of runs) {
            const i = st.take(`O-${n}`);
            expect(st.ids.get(i)).toBe(`O-${n}`);
            expect([st.risk.get(i), st.override.get(i), st.prev.get(i), st.next.get(i)]).toEqual([
              null,
              null,
              NONE,
              NONE,
            ]);
            const opened = evidence(n, openedBytes);
            const price = priced ? n * 1.25 : null;
            st.setOrder(i, n * 1e6 + 0.5, `S${n}`, opened, 'GTC', n + 0.1, price, null, `V${n}`, 'rejected');
            const risk = evidence(1000 + n, riskBytes);
            if (n % 2 === 0) st.setRiskLine(i, risk);
            expect(st.opened(i)).toEqual(plain(opened));
            if (n % 2 === 0) expect(st.riskLine(i)).toEqual(plain(risk));
            expect([st.price(i), st.ref(i), st.overfilled(i), st.status(i), st.filled.get(i)]).toEqual([
              price,
              null,
              false,
              'rejected',
              0,
            ]);
            st.setRef(i, 7);
            st.setOverfilled(i, true);
            st.filled.set(i, 3);
            expect([st.ref(i), st.overfilled(i)]).toEqual([7, true]);
            // Every other order is given back before the next one comes, so slots are reused.
            if (n % 2 === 1 || n === runs.length - 1) st.free(i);
            n++;
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps every slot apart while it grows past its first capacity', () => {
    const st = new OrderStore();
    const held: number[] = [];
    for (let n = 0; n < 9000; n++) {
      const i = st.take(`O-${n}`);
      st.setOrder(i, n, null, evidence(n, n % 3 !== 0), 'DAY', n, n, null, null, 'open');
      held.push(i);
    }
    for (let n = 0; n < 9000; n += 997) {
      const i = held[n] as number;
      expect([st.ids.get(i), st.tUs.get(i), st.price(i), st.opened(i).line_sha256]).toEqual([
        `O-${n}`,
        n,
        n,
        evidence(n, false).line_sha256,
      ]);
    }
  });
});
