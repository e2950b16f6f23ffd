/**
 * maxBufferBytes is the caller's memory bound, honoured below flushBytes too (at47: it was silently
 * raised to flushBytes, 1 MiB by default). While writes work, batched mode writes what is buffered
 * before an event would pass the bound, so nothing is refused; while they fail, events past the
 * bound are refused and counted, as above it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { AuditpackError } from '../../src/errors.js';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { FULL_NOTICE_AGAIN_MS } from '../../src/logger/writer.js';
import { verifyLogDir } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';

const BOUND = 4096;

function parsed(sink: MemorySink): Record<string, unknown>[] {
  return sink.allLines().map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The EventsRefused records: how many, and why. */
const refusals = (sink: MemorySink) =>
  parsed(sink).flatMap((r) => (r.event === 'EventsRefused' ? [{ count: r.count, reason: r.reason }] : []));

const order = (i: number) => ({ orderId: `o${i}`, symbol: 'EURUSD', side: 'BUY' as const, quantity: i });

describe('maxBufferBytes below flushBytes', () => {
  it('writes work: the buffer never holds more than the bound, nothing is refused, every event is written in order', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0, maxBufferBytes: BOUND });
    let most = 0;
    let refused = 0;
    for (let i = 0; i < 500; i++) {
      if (log.order('OrderAccepted', order(i)) === false) refused++;
      most = Math.max(most, log.stats().bufferedBytes);
    }
    expect(refused).toBe(0);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(BOUND);
    await log.close();
    expect(parsed(sink).map((r) => r.order_id)).toEqual(Array.from({ length: 500 }, (_, i) => `o${i}`));
  });

  it('writes fail: past the bound (not flushBytes) events are refused, counted, and the count recorded', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0, maxBufferBytes: BOUND });
    const errors: string[] = [];
    log.on('error', (e) => errors.push(e.code));
    log.order('OrderAccepted', order(0));
    sink.failNext('EIO', 0);
    await expect(log.flush()).rejects.toMatchObject({ code: 'LOG_WRITE_FAILED' });
    let refused = 0;
    for (let i = 1; i < 200; i++) if (log.order('OrderAccepted', order(i)) === false) refused++;
    expect(refused).toBeGreaterThan(100); // an event is ~400 bytes: about ten fit
    expect(log.stats().bufferedBytes).toBeLessThanOrEqual(BOUND);
    expect(errors).toEqual(['LOG_WRITE_FAILED', 'LOG_BUFFER_FULL']);
    await log.close();
    const recs = parsed(sink);
    expect(recs.filter((r) => r.category === 'order')).toHaveLength(200 - refused);
    expect(recs.find((r) => r.event === 'EventsRefused')).toMatchObject({ count: refused });
  });

  it('an event larger than the bound alone is refused, and the error says so', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0, maxBufferBytes: 1024 });
    const errors: AuditpackError[] = [];
    log.on('error', (e) => errors.push(e));
    expect(log.log('test', 'Big', { note: 'x'.repeat(2000) })).toBe(false);
    expect(log.log('test', 'Small', { n: 1 })).toBe(true);
    expect(errors.map((e) => e.code)).toEqual(['LOG_BUFFER_FULL']);
    expect(errors[0]?.message).toMatch(/larger alone than maxBufferBytes \(1024 bytes\)/);
    await log.close();
    expect(parsed(sink).map((r) => r.event)).toEqual(['Small', 'EventsRefused']);
    // The record says why: the log was writable all along.
    expect(refusals(sink)).toEqual([{ count: 1, reason: 'larger alone than maxBufferBytes (1024 bytes)' }]);
  });

  it('refusals are heard at the first, then at most once a minute: a refusal every turn raises no error each', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const sink = new MemorySink();
      const log = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0, maxBufferBytes: 1024 });
      const errors: string[] = [];
      log.on('error', (e) => errors.push(e.code));
      const big = () => log.log('test', 'Big', { note: 'x'.repeat(2000) });
      // An attacker-sized field every turn, between ordinary events (at56: one error per refusal).
      for (let i = 0; i < 200; i++) {
        expect(big()).toBe(false);
        expect(log.log('test', 'Small', { n: i })).toBe(true);
        await log.flush();
      }
      expect(errors).toEqual(['LOG_BUFFER_FULL']);
      vi.setSystemTime(Date.now() + FULL_NOTICE_AGAIN_MS);
      expect(big()).toBe(false); // a minute on: heard again (before: never, unless a write had failed)
      expect(big()).toBe(false);
      expect(errors).toEqual(['LOG_BUFFER_FULL', 'LOG_BUFFER_FULL']);
      await log.close();
      // Every refusal is recorded all the same.
      expect(refusals(sink).reduce((n, r) => n + (r.count as number), 0)).toBe(202);
    } finally {
      vi.useRealTimers();
    }
  });

  it('maxBufferBytes 1, the log writable: every event refused, and the record never blames the log', async () => {
    const dir = join(tempDir(), 'logs');
    const log = createAuditLogger({ logDir: dir, handleExit: false, heartbeatMinutes: 0, maxBufferBytes: 1 });
    log.on('error', () => {});
    expect([log.log('test', 'A', {}), log.log('test', 'B', { n: 1 })]).toEqual([false, false]);
    await log.close();
    const lines = readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((r) => [r.event, r.count, r.reason])).toEqual([
      ['EventsRefused', 2, 'larger alone than maxBufferBytes (1 bytes)'],
    ]);
  });

  it('writes fail: events refused at the full buffer and one larger than the bound are recorded apart, each with its reason', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0, maxBufferBytes: BOUND });
    log.on('error', () => {});
    log.order('OrderAccepted', order(0));
    sink.failNext('EIO', 0);
    await expect(log.flush()).rejects.toMatchObject({ code: 'LOG_WRITE_FAILED' });
    let refused = 0;
    for (let i = 1; i < 50; i++) if (log.order('OrderAccepted', order(i)) === false) refused++;
    expect(refused).toBeGreaterThan(0);
    expect(log.log('test', 'Big', { note: 'x'.repeat(2 * BOUND) })).toBe(false);
    await log.close();
    expect(refusals(sink)).toEqual([
      { count: 1, reason: `larger alone than maxBufferBytes (${BOUND} bytes)` },
      { count: refused, reason: 'buffer full while the audit log could not be written' },
    ]);
  });

  it('durable: calls in one turn past the bound reject (never written); the rest resolve', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({
      sink,
      durability: 'durable',
      handleExit: false,
      heartbeatMinutes: 0,
      maxBufferBytes: BOUND,
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => log.order('OrderAccepted', order(i))),
    );
    const kept = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [`o${i}`] : []));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(50);
    for (const o of outcomes)
      if (o.status === 'rejected') expect((o.reason as AuditpackError).code).toBe('LOG_BUFFER_FULL');
    await log.close();
    expect(parsed(sink).flatMap((r) => (r.category === 'order' ? [r.order_id] : []))).toEqual(kept);
    expect(refusals(sink)).toEqual([
      {
        count: 50 - kept.length,
        reason: `buffer full at maxBufferBytes (${BOUND} bytes) while the audit log was writable`,
      },
    ]);
  });

  it('the file sink, 3,000 events in one turn: none refused, all on disk, the chain verifies', async () => {
    const dir = join(tempDir(), 'logs');
    const log = createAuditLogger({ logDir: dir, handleExit: false, heartbeatMinutes: 0, maxBufferBytes: 16 * 1024 });
    let refused = 0;
    for (let i = 0; i < 3000; i++) if (log.log('test', 'N', { n: i }) === false) refused++;
    expect(refused).toBe(0);
    await log.close();
    const ns = readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
      .map((l) => (JSON.parse(l) as { n: number }).n);
    expect(ns).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect((await verifyLogDir(dir)).ok).toBe(true);
  });
});
