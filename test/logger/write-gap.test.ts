/**
 * Batched mode's end-of-turn write, for an app that logs one event a turn thousands of times a second:
 * at most one automatic write a millisecond (MIN_WRITE_GAP_MS in src/logger/batched-writer.ts), every
 * event still written once and in order, and a quiet logger still writing at the end of the turn.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import type { PreparedEvent } from '../../src/logger/types.js';
import { verifyLogDir } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';

/** A MemorySink that keeps when each append happened. */
class TimedSink extends MemorySink {
  readonly appendsAt: number[] = [];
  override append(batch: readonly PreparedEvent[]): number {
    this.appendsAt.push(performance.now());
    return super.append(batch);
  }
}

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('one event a turn', () => {
  it('is written in groups: about one automatic write a millisecond at most, every event once and in order', async () => {
    const sink = new TimedSink();
    const log = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    const n = 3000;
    for (let i = 0; i < n; i++) {
      log.order('OrderAccepted', { orderId: `O-${i}`, symbol: 'EURUSD', side: 'BUY', quantity: 1, price: '1.1' });
      await nextTurn();
    }
    const automatic = [...sink.appendsAt];
    await log.close();
    // Before, every turn's event was its own write (3,000 writes), however close together. Now about one
    // a millisecond at most (timers fire on the event loop's millisecond ticks, so two may fall closer).
    expect(automatic.length).toBeLessThan(n);
    const spanMs = (automatic.at(-1) as number) - (automatic[0] as number);
    expect(automatic.length, `${automatic.length} writes in ${spanMs.toFixed(1)} ms`).toBeLessThanOrEqual(spanMs + 2);
    const ids = sink.allLines().map((l) => (JSON.parse(l) as { order_id: string }).order_id);
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => `O-${i}`));
  });

  it('a logger quiet for longer than the gap still writes at the end of the turn', async () => {
    const sink = new TimedSink();
    const log = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    log.order('OrderAccepted', { orderId: 'A', symbol: 'EURUSD', side: 'BUY', quantity: 1, price: '1.1' });
    await nextTurn();
    expect(sink.allLines()).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 5));
    log.order('OrderAccepted', { orderId: 'B', symbol: 'EURUSD', side: 'BUY', quantity: 1, price: '1.1' });
    await nextTurn();
    expect(sink.allLines()).toHaveLength(2);
    await log.close();
  });

  it('with the file sink: every event of a fast one-a-turn run on disk, the chain intact', async () => {
    const dir = tempDir();
    const log = createAuditLogger({ logDir: dir, handleExit: false, heartbeatMinutes: 0 });
    const n = 5000;
    for (let i = 0; i < n; i++) {
      log.fill({ orderId: `O-${i}`, dealId: `D-${i}`, symbol: 'EURUSD', side: 'SELL', quantity: 1, price: '1.2' });
      await nextTurn();
    }
    await log.close();
    const report = await verifyLogDir(dir);
    expect(report.problems).toEqual([]);
    // Every day file (a run across midnight writes two).
    const fills = readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
      .filter((l) => l.includes('"category":"fill"'))
      .map((l) => (JSON.parse(l) as { deal_id: string }).deal_id);
    expect(fills).toEqual(Array.from({ length: n }, (_, i) => `D-${i}`));
  });
});
