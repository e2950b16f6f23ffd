/**
 * The engine reuses what it kept about a forgotten order (its slot, the recent-order node) for the
 * next order id, and keeps line hashes that came as bytes as bytes (src/compliance/slot.ts). A
 * reused slot must carry nothing of its previous order: each order here is forgotten (a one-second
 * closed-order memory, and a sweep every 4,096 events) before the next one takes its slot, and every
 * order differs from the one before in the fields a stale slot would leak (price or none, reference
 * price, failed risk checks, the lines' hashes).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ComplianceEngine, PolicyTimeline, policyFromText } from '../../src/compliance/index.js';
import type { LogEvent } from '../../src/compliance/engine.js';

const DAY_US = Date.parse('2025-09-08T00:00:00Z') * 1000;
const POLICY = `require_login: false
require_review: false
closed_order_memory_s: 1
risk_check_validity_s: 1
max_order_notional: null
max_order_quantity: null
price_collar_pct: null
max_messages_per_second: null
max_order_to_trade_ratio: null
`;

interface Feed {
  push(fields: Record<string, unknown>): string;
  engine: ComplianceEngine;
}

/** An engine fed through pushDigest (hashes as bytes) or pushLine (hex), one event a 10 ms step. */
function feed(bytes: boolean): Feed {
  const policy = policyFromText(POLICY, { from: null, source: 'file', snapshot_id: null, path: 'p.yaml' });
  const engine = new ComplianceEngine(new PolicyTimeline([policy]));
  let seq = 0;
  // One digest buffer, overwritten by every event, as the export's scan reuses its batch buffer.
  const digests = Buffer.alloc(64);
  return {
    engine,
    push(fields) {
      seq++;
      const us = DAY_US + seq * 10_000;
      const e: LogEvent = {
        ts: us / 1e6,
        iso_ts: new Date(us / 1000).toISOString().replace('Z', `${String(us % 1000).padStart(3, '0')}Z`),
        seq,
        host: 'h1',
        pid: 1,
        ...fields,
      };
      const digest = createHash('sha256').update(JSON.stringify(e)).digest();
      if (bytes) {
        digest.copy(digests, 32);
        engine.pushDigest(e, 'data/audit.jsonl', seq, digests, 32);
        digests.fill(0);
      } else engine.pushLine(e, 'data/audit.jsonl', seq, digest.toString('hex'));
      return digest.toString('hex');
    },
  };
}

/** Heartbeats enough for a sweep, which forgets the closed orders past the memory. */
function pass(f: Feed): void {
  for (let i = 0; i < 4096; i++) f.push({ category: 'system', event: 'Heartbeat' });
}

/**
 * Order `n`: a risk check, the order, then a fill (every third order a cancel); odd orders are market
 * orders whose risk check passed with a failed individual check.
 */
function order(f: Feed, n: number): { risk: string; accepted: string } {
  const id = `O-${n}`;
  const market = n % 2 === 1;
  const risk = f.push({
    category: 'risk',
    event: 'RiskCheck',
    order_id: id,
    result: 'pass',
    checks: [{ name: market ? 'max_notional' : 'price_collar', passed: !market }],
    ...(market ? {} : { reference_price: 100 + n }),
  });
  const accepted = f.push({
    category: 'order',
    event: 'OrderAccepted',
    order_id: id,
    symbol: `S${n}`,
    side: 'BUY',
    quantity: 10 + n,
    ...(market ? {} : { price: 100 + n }),
  });
  if (n % 3 === 2) f.push({ category: 'order', event: 'Cancelled', order_id: id, symbol: `S${n}` });
  else f.push({ category: 'fill', event: 'Filled', order_id: id, symbol: `S${n}`, quantity: 10 + n });
  return { risk, accepted };
}

describe('slots reused for later orders', () => {
  for (const bytes of [true, false])
    it(`carry nothing of the order before (hashes as ${bytes ? 'bytes' : 'hex'})`, () => {
      const f = feed(bytes);
      const lines: { risk: string; accepted: string }[] = [];
      for (let n = 0; n < 6; n++) {
        lines.push(order(f, n));
        if (n < 5) pass(f); // forgets order n before order n+1 comes
      }
      f.engine.endDay('2025-09-08');
      const state = f.engine.carryOut('2025-09-08');
      const result = f.engine.finish();
      // The last order alone is remembered, with its own fields and its own lines' hashes.
      const last = lines[5] as { risk: string; accepted: string };
      expect(state.closed_orders.map((o) => o.order_id)).toEqual(['O-5']);
      expect(state.open_orders).toEqual([]);
      const o5 = state.closed_orders[0];
      expect(o5?.price).toBeNull();
      expect(o5?.reference_price).toBeNull();
      expect(o5?.quantity).toBe(15);
      expect(o5?.filled).toBe(0);
      expect(o5?.status).toBe('cancelled');
      expect(o5?.evidence.line_sha256).toBe(last.accepted);
      expect(state.risk_checks.map((r) => [r.key, r.evidence.line_sha256, r.failed])).toEqual([
        ['o:O-5', last.risk, ['max_notional']],
      ]);
      // Each market order's failed check is named with its own risk line; nothing else is found.
      const failed = result.findings.filter((x) => x.rule === 'risk_check_failed');
      expect(failed.map((x) => [x.order_ids, x.evidence.map((e) => e.line_sha256)])).toEqual(
        [1, 3, 5].map((n) => [[`O-${n}`], [lines[n]?.risk, lines[n]?.accepted]]),
      );
      expect(result.findings.filter((x) => x.rule !== 'risk_check_failed')).toEqual([]);
    });
});
