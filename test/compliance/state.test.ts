/**
 * The chain that keeps the order of last update of the engine's slots (risk checks, overrides,
 * open and closed orders) held to ExpiringMap, the map it replaces on those paths: after any
 * sequence of updates, deletions, expiries and evictions beyond the bound, both hold the same keys
 * with the same values in the same order (the carried state lists them in that order).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Chain, ExpiringMap, type Linked } from '../../src/compliance/state.js';

class Node implements Linked<Node> {
  prev: Node | null = null;
  next: Node | null = null;
  constructor(
    readonly key: string,
    readonly tUs: number,
  ) {}
}

/** The chain with a key lookup beside it, as EngineState keeps slots and riskKeys. */
class Keyed {
  readonly byKey = new Map<string, Node>();
  readonly chain: Chain<Node>;
  constructor(max: number) {
    this.chain = new Chain<Node>(max, (n) => this.byKey.delete(n.key));
  }
  set(k: string, tUs: number): void {
    const old = this.byKey.get(k);
    if (old !== undefined) this.chain.remove(old);
    const n = new Node(k, tUs);
    this.byKey.set(k, n);
    this.chain.push(n);
  }
  delete(k: string): void {
    const old = this.byKey.get(k);
    if (old === undefined) return;
    this.byKey.delete(k);
    this.chain.remove(old);
  }
}

type Op =
  | { readonly op: 'set'; readonly k: string; readonly t: number }
  | { readonly op: 'delete'; readonly k: string }
  | { readonly op: 'expire'; readonly now: number; readonly horizon: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), k: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), t: fc.nat(100) }),
  fc.record({ op: fc.constant('delete' as const), k: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f') }),
  fc.record({ op: fc.constant('expire' as const), now: fc.nat(120), horizon: fc.nat(60) }),
);

describe('Chain', () => {
  it('property: holds the same entries in the same order as ExpiringMap, bound and expiry included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 60 }), (max, ops) => {
        const ref = new ExpiringMap<{ tUs: number }>(max);
        const chain = new Keyed(max);
        for (const o of ops) {
          if (o.op === 'set') {
            ref.set(o.k, { tUs: o.t });
            chain.set(o.k, o.t);
          } else if (o.op === 'delete') {
            ref.delete(o.k);
            chain.delete(o.k);
          } else {
            ref.expire(o.now, o.horizon);
            chain.chain.expire(o.now, o.horizon);
          }
          const want = [...ref.entries()].map(([k, v]) => [k, v.tUs]);
          expect(chain.chain.toArray().map((n) => [n.key, n.tUs])).toEqual(want);
          expect(chain.chain.size).toBe(ref.size);
          expect([...chain.byKey.keys()].sort()).toEqual(want.map(([k]) => k).sort());
        }
      }),
      { numRuns: 300 },
    );
  });
});
