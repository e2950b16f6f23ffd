/**
 * The logger's size and time options, checked once when it is created: a value that is not a
 * number, not finite, or out of its range is CONFIG_INVALID then, never a NaN that would silently
 * turn a bound off (`buffered >= NaN` is never true: no size-triggered write, no memory bound).
 */
import { AuditpackError } from '../errors.js';
import type { AuditLoggerOptions } from './types.js';

export interface LoggerBounds {
  readonly maxBufferBytes: number;
  readonly flushBytes: number;
  readonly flushIntervalMs: number;
}

const MiB = 1024 * 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;

function option(name: string, value: unknown, fallback: number, least: number, most: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < least || value > most) {
    throw new AuditpackError(
      'CONFIG_INVALID',
      `logger option ${name} must be a number from ${least} to ${most}, got ${typeof value === 'number' ? String(value) : typeof value}`,
    );
  }
  return value;
}

/**
 * The bounds in force. The memory bound is the caller's, below flushBytes too: the buffer is then
 * written at that bound (batched-writer.ts, makeRoom), not raised to flushBytes.
 */
export function loggerBounds(options: AuditLoggerOptions): LoggerBounds {
  // 0 bytes would refuse every event; a timer's delay above 2^31 - 1 ms is cut to 1 ms by Node.js.
  const maxBufferBytes = option('maxBufferBytes', options.maxBufferBytes, 64 * MiB, 1, Number.MAX_SAFE_INTEGER);
  const flushBytes = Math.min(
    Math.max(1, option('flushBytes', options.flushBytes, MiB, 0, Number.MAX_SAFE_INTEGER)),
    maxBufferBytes,
  );
  const flushIntervalMs = option('flushIntervalMs', options.flushIntervalMs, 0, 0, MAX_TIMER_MS);
  return { maxBufferBytes, flushBytes, flushIntervalMs };
}
