import { describe, expect, it } from 'vitest';
import { ComplianceEngine, PolicyTimeline, policyFromText } from '../../src/compliance/index.js';
import type { EngineState } from '../../src/compliance/engine-state.js';
import { CLOCK_IDLE_S, MAX_CLOCKS } from '../../src/compliance/event-rules.js';

const timeline = () =>
  new PolicyTimeline([
    policyFromText('max_messages_per_second: 5\nrequire_risk_check: false\nrequire_login: false\n', {
      from: null,
      source: 'file',
      snapshot_id: null,
      path: 'p.yaml',
    }),
  ]);

const BASE = Date.parse('2025-09-08T00:00:00Z') * 1000;
let seq = 0;
function push(engine: ComplianceEngine, tUs: number, fields: Record<string, unknown>, host: string, pid: number): void {
  const iso = `${new Date(Math.floor(tUs / 1000)).toISOString().slice(0, 19)}.${String(tUs % 1_000_000).padStart(6, '0')}Z`;
  const e = { ts: tUs / 1e6, iso_ts: iso, seq: ++seq, host, pid, category: 'order', ...fields };
  engine.pushLine(e, 'audit-20250908.jsonl', seq, 'h'.repeat(64));
}

describe('memory of one-off names', () => {
  it('forgets idle rate windows and, beyond the bound, silent processes; nothing open stays', () => {
    const engine = new ComplianceEngine(timeline());
    const state = (engine as unknown as { s: EngineState }).s;
    const n = 3 * MAX_CLOCKS;
    for (let i = 0; i < n; i++) {
      const t = BASE + i * 100_000; // 10 messages a second, each with new names and a new process
      const id = `O${i}`;
      const names = { strategy: `S${i}`, venue: `V${i}`, symbol: 'EURUSD' };
      push(engine, t, { event: 'OrderAccepted', order_id: id, quantity: 1, price: 1, ...names }, `h${i}`, i);
      push(engine, t + 1, { event: 'Cancelled', order_id: id, ...names }, `h${i}`, i);
    }
    // Only windows of the last second or so (and the last sweep's) remain, not one per name.
    expect(state.strategyRates.size).toBeLessThan(5000);
    expect(state.venueRates.size).toBeLessThan(5000);
    // Processes silent for CLOCK_IDLE_S are forgotten once more than MAX_CLOCKS were seen.
    expect(state.clocks.size).toBeLessThanOrEqual(MAX_CLOCKS + CLOCK_IDLE_S * 10 + 5000);
    expect(state.clocks.size).toBeLessThan(n);
    expect(state.open.size).toBe(0);
  });

  it('still finds a rate breach and time going backwards within the bounds', () => {
    const engine = new ComplianceEngine(timeline());
    for (let i = 0; i < 7; i++)
      push(
        engine,
        BASE + i * 1000,
        { event: 'OrderAccepted', order_id: `R${i}`, strategy: 'FAST', venue: 'X' },
        'a',
        1,
      );
    push(engine, BASE, { event: 'Cancelled', order_id: 'R0' }, 'a', 1);
    engine.endDay('2025-09-08');
    const rules = engine.finish().findings.map((f) => f.rule);
    expect(rules).toContain('message_rate_exceeded');
    expect(rules).toContain('clock_backwards');
  });
});
