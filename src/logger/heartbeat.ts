/**
 * The logger's heartbeat: a `system/Heartbeat` event every interval (docs/FORMAT.md, "Heartbeats").
 * The timer is unref'd: a heartbeat must never keep a process alive that has nothing else to do.
 */
import { AuditpackError } from '../errors.js';
import {
  DEFAULT_HEARTBEAT_MINUTES,
  HEARTBEAT_CATEGORY,
  HEARTBEAT_EVENT,
  HEARTBEAT_INTERVAL_FIELD,
} from '../format/heartbeat.js';

/** Longest interval accepted: one day (a longer one could never show a gap within a day). */
const MAX_MINUTES = 24 * 60;

/** The interval in ms for the `heartbeatMinutes` option: undefined = default, 0 = off. */
export function heartbeatIntervalMs(minutes: number | undefined): number {
  const m = minutes ?? DEFAULT_HEARTBEAT_MINUTES;
  if (typeof m !== 'number' || !Number.isFinite(m) || m < 0 || m > MAX_MINUTES) {
    throw new AuditpackError(
      'CONFIG_INVALID',
      `heartbeat interval must be 0 (off) to ${MAX_MINUTES} minutes, got ${String(minutes)}`,
    );
  }
  return Math.round(m * 60_000);
}

/**
 * Starts the heartbeat; returns the function that stops it. `log` records one event; its result
 * (a durable promise) is observed so a failed heartbeat never becomes an unhandled rejection: the
 * logger reports write failures through its own `error` listeners.
 */
export function startHeartbeat(
  intervalMs: number,
  log: (category: string, event: string, fields: Record<string, unknown>) => unknown,
): () => void {
  if (intervalMs <= 0) return () => {};
  const fields = { [HEARTBEAT_INTERVAL_FIELD]: intervalMs / 1000 };
  const timer = setInterval(() => {
    const r = log(HEARTBEAT_CATEGORY, HEARTBEAT_EVENT, fields);
    if (r instanceof Promise) r.catch(() => {});
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
