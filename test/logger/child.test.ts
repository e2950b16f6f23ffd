/**
 * `audit.child(bindings)` and typed custom events. The `@ts-expect-error` lines are the compile-time
 * half: `npm run typecheck` (tsc over test/) fails if any of them stops being an error.
 */
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/index.js';
import { hashLine } from '../../src/chain/index.js';

/** Lines whose prev is not the hash of the line before: one chain means none. */
function chainBreaks(lines: readonly string[]): number[] {
  return lines.flatMap((l, i) => (i > 0 && JSON.parse(l).prev !== hashLine(lines[i - 1] as string) ? [i] : []));
}

declare module '../../src/index.js' {
  interface CustomEvents {
    desk_risk: {
      LimitBreached: { limit: number; symbol: string; exposure: number };
      LimitRestored: { symbol: string };
    };
  }
}

function parsed(sink: MemorySink): Record<string, unknown>[] {
  return sink.allLines().map((l) => JSON.parse(l));
}

describe('audit.child', () => {
  it("binds fields and actor; one chain, one sequence, the parent's writer", async () => {
    const sink = new MemorySink();
    const audit = createAuditLogger({ sink, actor: 'svc', handleExit: false });
    const mm = audit.child({ strategy: 'mm-eurusd', account: 'ACC7' });
    const desk = mm.child({ actor: 'desk7', account: 'ACC8' });
    audit.log('system', 'Started', {});
    mm.order('OrderAccepted', { order_id: 'A-1', symbol: 'EURUSD', side: 'BUY', quantity: 100, price: '1.1' });
    desk.log('desk_risk', 'LimitRestored', { symbol: 'EURUSD' });
    mm.log('system', 'Override', { strategy: 'from-call' });
    await audit.close();
    const ev = parsed(sink);
    expect(ev.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(ev[0]).not.toHaveProperty('strategy');
    expect(ev[1]).toMatchObject({ strategy: 'mm-eurusd', account: 'ACC7', order_id: 'A-1', actor: 'svc' });
    expect(ev[2]).toMatchObject({ strategy: 'mm-eurusd', account: 'ACC8', symbol: 'EURUSD', actor: 'desk7' });
    expect(ev[3]).toMatchObject({ strategy: 'from-call', actor: 'svc' });
    // The parent's configured actor is back for its own events after a child's.
    expect(Object.keys(ev[2] as object)).not.toContain('field_actor');
    expect(chainBreaks(sink.allLines())).toEqual([]);
    expect(mm.stats()).toEqual(audit.stats());
  });

  it('durable: a child returns the parent promise; close through a child closes the parent', async () => {
    const sink = new MemorySink();
    const audit = createAuditLogger({ sink, durability: 'durable', handleExit: false });
    const c = audit.child({ desk: 'fx' });
    await expect(c.log('system', 'A', { n: 1 })).resolves.toBeUndefined();
    await c.close();
    await expect(audit.log('system', 'B')).rejects.toMatchObject({ code: 'LOG_CLOSED' });
    expect(parsed(sink)).toEqual([expect.objectContaining({ desk: 'fx', n: 1 })]);
  });

  it('hostile input: a non-string actor is not bound (noted); a throwing getter is recorded as unserialisable', async () => {
    const sink = new MemorySink();
    const audit = createAuditLogger({ sink, handleExit: false });
    // The logger never throws into its caller: the child logs, and says what was wrong with it.
    audit.child({ actor: 7 as unknown as string }).log('app', 'BadActor');
    const c = audit.child({ k: 1 });
    const hostile = Object.defineProperty({}, 'x', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(c.log('system', 'Hostile', hostile)).toBe(true);
    await audit.close();
    expect(parsed(sink)).toHaveLength(2);
    expect(parsed(sink)[0]).toMatchObject({ event: 'BadActor', bindings_error: 'actor is not a string; not bound' });
    expect(parsed(sink)[0]?.actor).toBeUndefined();
    expect(chainBreaks(sink.allLines())).toEqual([]);
  });
});

describe('typed custom events (compile time)', () => {
  it('a declared category takes only its declared events with their fields', async () => {
    const sink = new MemorySink();
    const audit = createAuditLogger({ sink, handleExit: false });
    audit.log('desk_risk', 'LimitBreached', { limit: 2e6, symbol: 'EURUSD', exposure: 2.1e6 });
    // @ts-expect-error: an event the category does not declare
    audit.log('desk_risk', 'LimitBreachd', { symbol: 'EURUSD' });
    // @ts-expect-error: a field of the wrong type
    audit.log('desk_risk', 'LimitRestored', { symbol: 42 });
    // @ts-expect-error: a required field missing
    audit.log('desk_risk', 'LimitBreached', { limit: 1, symbol: 'EURUSD' });
    // @ts-expect-error: the fields of a declared event are required
    audit.log('desk_risk', 'LimitRestored');
    // Undeclared categories stay open, as before.
    audit.log('strategy', 'Rebalanced', { anything: true });
    audit.log('strategy', 'Tick');
    // A child is typed the same way.
    // @ts-expect-error: through a child too
    audit.child({ a: 1 }).log('desk_risk', 'LimitRestored', { symbol: false });
    await audit.close();
    // Types only: at run time every call was written (the wrong ones too, as the types were bypassed).
    expect(sink.allLines()).toHaveLength(8);
  });
});
