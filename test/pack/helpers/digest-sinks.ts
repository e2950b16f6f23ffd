/** Derived-file sinks for DayScanner tests that keep only each file's SHA-256. */
import { createHash, type Hash } from 'node:crypto';
import type { DerivedSinks } from '../../../src/pack/scan-day.js';

/** Sinks for the orders, fills and alerts a scan derives, and the SHA-256 of each at the end. */
export function digestSinks(): DerivedSinks & { digest(): Record<string, string> } {
  const hs = { orders: createHash('sha256'), fills: createHash('sha256'), alerts: createHash('sha256') };
  const sink = (h: Hash) => ({
    write: (s: string) => void h.update(s),
    writeBytes: (b: Uint8Array) => void h.update(b),
  });
  return {
    orders: sink(hs.orders),
    fills: sink(hs.fills),
    alerts: sink(hs.alerts),
    digest: () => ({ orders: hs.orders.digest('hex'), fills: hs.fills.digest('hex'), alerts: hs.alerts.digest('hex') }),
  };
}
