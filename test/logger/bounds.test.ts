/**
 * The logger's size and time options (src/logger/bounds.ts): a value that is not a finite number
 * of at least 0 is CONFIG_INVALID when the logger is created, never a NaN bound that turns the
 * size-triggered write or the memory bound off without a word.
 */
import { describe, expect, it } from 'vitest';
import { AuditpackError } from '../../src/errors.js';
import { loggerBounds } from '../../src/logger/bounds.js';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';

const BAD: unknown[] = [Number.NaN, Number.POSITIVE_INFINITY, -1, '1024', null];

function creationError(options: Record<string, unknown>): unknown {
  try {
    const log = createAuditLogger({ sink: new MemorySink(), handleExit: false, heartbeatMinutes: 0, ...options });
    void log.close();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('logger bounds', () => {
  it.each(['flushBytes', 'maxBufferBytes', 'flushIntervalMs'])('%s: a bad value is CONFIG_INVALID', (name) => {
    for (const bad of BAD) {
      const err = creationError({ [name]: bad });
      expect(err, `${name}=${String(bad)}`).toBeInstanceOf(AuditpackError);
      expect((err as AuditpackError).code).toBe('CONFIG_INVALID');
      expect((err as AuditpackError).message).toContain(name);
    }
  });

  it('out of range: maxBufferBytes 0 (every event refused), a flush interval past what a timer holds', () => {
    for (const [name, bad] of [
      ['maxBufferBytes', 0],
      ['flushIntervalMs', 2 ** 31],
    ] as const) {
      const err = creationError({ [name]: bad });
      expect((err as AuditpackError).code, `${name}=${bad}`).toBe('CONFIG_INVALID');
    }
    expect(loggerBounds({ flushIntervalMs: 2 ** 31 - 1 }).flushIntervalMs).toBe(2 ** 31 - 1);
  });

  it('defaults, floors, and the memory bound below flushBytes', () => {
    expect(loggerBounds({})).toEqual({ maxBufferBytes: 64 * 1024 * 1024, flushBytes: 1024 * 1024, flushIntervalMs: 0 });
    expect(loggerBounds({ flushBytes: 0, maxBufferBytes: 1 })).toEqual({
      maxBufferBytes: 1,
      flushBytes: 1,
      flushIntervalMs: 0,
    });
    expect(loggerBounds({ flushBytes: 4096, maxBufferBytes: 1000, flushIntervalMs: 100 })).toEqual({
      maxBufferBytes: 1000,
      flushBytes: 1000,
      flushIntervalMs: 100,
    });
  });

  it('a valid logger with them writes every event', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({
      sink,
      handleExit: false,
      heartbeatMinutes: 0,
      flushBytes: 200,
      maxBufferBytes: 100_000,
    });
    for (let i = 0; i < 50; i++) log.log('order', 'Cancelled', { order_id: `ORD-${i}` });
    await log.close();
    expect(sink.allLines().filter((l) => l.includes('"Cancelled"'))).toHaveLength(50);
  });
});
