/**
 * The logger's size and time options, checked once when it is created: a value that is not a
 * number, not finite, or below its floor is CONFIG_INVALID then, never a NaN that would silently
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

function option(name: string, value: unknown, fallback: number, floor: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new AuditpackError(
      'CONFIG_INVALID',
      `logger option ${name} must be a finite number of at least 0, got ${typeof value === 'number' ? String(value) : typeof value}`,
    );
  }
  return Math.max(floor, value);
}

/**
 * The bounds in force. The memory bound is the caller's, below flushBytes too: the buffer is then
 * written at that bound (batched-writer.ts, makeRoom), not raised to flushBytes.
 */
export function loggerBounds(options: AuditLoggerOptions): LoggerBounds {
  const maxBufferBytes = option('maxBufferBytes', options.maxBufferBytes, 64 * MiB, 1);
  const flushBytes = Math.min(option('flushBytes', options.flushBytes, MiB, 1), maxBufferBytes);
  const flushIntervalMs = option('flushIntervalMs', options.flushIntervalMs, 0, 0);
  return { maxBufferBytes, flushBytes, flushIntervalMs };
}
