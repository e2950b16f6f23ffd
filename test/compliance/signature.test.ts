/**
 * The duplicate check finds a new order's signature by a hash of its parts instead of its text
 * (src/compliance/signature.ts). The text is the definition (it is what carried states hold and
 * what the check keyed by before): two signatures are the same exactly when their texts are equal.
 * These hold the part-by-part lookup to that, on parts chosen to collide as text (null and "null",
 * 0 and -0, NULs that shift the parts), and through the engine with a carried state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ComplianceEngine, PolicyTimeline, policyFromText } from '../../src/compliance/index.js';
import type { LogEvent } from '../../src/compliance/engine.js';
import { EngineState } from '../../src/compliance/engine-state.js';
import {
  hasNul,
  type SignatureParts,
  sameSignature,
  signatureHash,
  signatureText,
  recentHash,
  hashedRecentHash,
} from '../../src/compliance/signature.js';
import { cachedFold, nameKey } from '../../src/compliance/name-key.js';

const text = fc.oneof(
  fc.constantFrom<string | null>(null, 'null', 'A', 'B', 'A\u0000B', '\u0000', 'B\u0000', '0', '1'),
  fc.string({ maxLength: 4 }),
);
const number = fc.constantFrom(0, -0, 1, 1.5, 10, 1e21, -1, 0.1 + 0.2, 0.3);
const parts: fc.Arbitrary<SignatureParts> = fc.record({
  symbol: text,
  side: text,
  qty: number,
  price: fc.oneof(fc.constant(null), number),
  strategy: text,
  user: text,
  account: text,
});

describe('duplicate signature', () => {
  it('NUL-free parts are the same exactly when their texts are equal, and then hash alike', () => {
    fc.assert(
      fc.property(parts, parts, (a, b) => {
        if (hasNul(a) || hasNul(b)) return;
        const same = signatureText(a) === signatureText(b);
        expect(sameSignature(a, b)).toBe(same);
        if (same) expect(signatureHash(a)).toBe(signatureHash(b));
      }),
      { numRuns: 5000 },
    );
  });

  it('the hash from folds kept with their hashes is recentHash of the folded parts', () => {
    const name = fc.oneof(
      fc.constantFrom<string | null>(null, 'null', 'NULL', 'EUR/USD', 'eurusd', 'A', '', '\u0000', 'a\u0000b'),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(
        fc.tuple(name, name, name, name, name),
        number,
        fc.oneof(fc.constant(null), number),
        ([symbol, side, strategy, user, account], qty, price) => {
          const f = (v: string | null) => (v === null ? null : cachedFold(v));
          const q: SignatureParts = {
            symbol: f(symbol)?.key ?? null,
            side: f(side)?.key ?? null,
            qty,
            price,
            strategy: f(strategy)?.key ?? null,
            user: f(user)?.key ?? null,
            account: f(account)?.key ?? null,
          };
          if (symbol !== null) expect(q.symbol).toBe(nameKey(symbol));
          expect(hashedRecentHash(q, f(symbol), f(side), f(strategy), f(user), f(account))).toBe(recentHash(q));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('a NUL-free signature never has the text of one with a NUL in a part', () => {
    fc.assert(
      fc.property(parts, parts, (a, b) => {
        if (hasNul(a) !== hasNul(b)) expect(signatureText(a)).not.toBe(signatureText(b));
      }),
      { numRuns: 5000 },
    );
  });

  it('the engine state finds a signature as its text would, whatever the kind of key', () => {
    const policy = policyFromText('require_login: false\n', {
      from: null,
      source: 'file',
      snapshot_id: null,
      path: 'p.yaml',
    });
    fc.assert(
      fc.property(fc.array(parts, { maxLength: 30 }), fc.array(parts, { maxLength: 10 }), (seen, carried) => {
        const s = new EngineState(new PolicyTimeline([policy]));
        const ev = { file: 'f', seq: 1, line: 1, line_sha256: '0'.repeat(64) };
        const byText = new Map<string, string>();
        // A carried state's entries come keyed by text; their parts must never hide a NUL-free twin.
        for (const [i, q] of carried.entries()) {
          s.recent.setText(signatureText(q), 0, `c${i}`, ev);
          byText.set(signatureText(q), `c${i}`);
        }
        for (const [i, q] of seen.entries()) {
          const held = s.recent.find(q, recentHash(q));
          expect(held?.id).toBe(byText.get(signatureText(q)));
          expect(held === undefined || held.key === signatureText(q)).toBe(true);
          s.recent.set(q, recentHash(q), i, `o${i}`, ev, held);
          byText.set(signatureText(q), `o${i}`);
        }
        expect(s.recent.list.size).toBe(byText.size);
        // Dropping every node leaves both lookups empty (the hash chains unlinked).
        s.recent.list.expire(Number.MAX_SAFE_INTEGER, 0);
        expect(s.recent.byHash.size + s.recent.byText.size).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('finds a duplicate order whose parts collide as text (null and "null", 0 and -0), not one a NUL makes one text', () => {
    const policy = policyFromText('require_login: false\nrequire_risk_check: false\nduplicate_window_ms: 5000\n', {
      from: null,
      source: 'file',
      snapshot_id: null,
      path: 'p.yaml',
    });
    const engine = new ComplianceEngine(new PolicyTimeline([policy]));
    const base = Date.parse('2025-09-08T00:00:00Z') / 1000;
    const order = (seq: number, fields: Record<string, unknown>): void => {
      const e: LogEvent = {
        ts: base + seq,
        iso_ts: new Date((base + seq) * 1000).toISOString().replace('.000Z', '.000000Z'),
        seq,
        category: 'order',
        event: 'OrderAccepted',
        host: 'h',
        pid: 1,
        quantity: 10,
        ...fields,
      };
      engine.pushLine(e, 'f', seq, '0'.repeat(64));
    };
    // "null" as a side is the text of no side: the same signature as before (kept as it was keyed).
    order(1, { order_id: 'O-1', symbol: 'X', side: 'null', price: 0 });
    order(2, { order_id: 'O-2', symbol: 'X', price: -0 });
    // A NUL inside one part: the same text as another split of the parts, but not the same order
    // (symbol YB side S, symbol Y side BS): the parts are compared under the name fold, which
    // removes a NUL (rules 24; before, their joined texts were one signature).
    order(3, { order_id: 'O-3', symbol: 'Y\u0000B', side: 'S' });
    order(4, { order_id: 'O-4', symbol: 'Y', side: 'B\u0000S' });
    // Not duplicates: a different price, or a different user.
    order(5, { order_id: 'O-5', symbol: 'X', price: 1 });
    order(6, { order_id: 'O-6', symbol: 'X', price: 1, user: 'u' });
    engine.endDay('2025-09-08');
    const dups = engine.finish().findings.filter((f) => f.rule === 'duplicate_order');
    expect(dups.map((f) => f.order_ids)).toEqual([['O-1', 'O-2']]);
  });
});
