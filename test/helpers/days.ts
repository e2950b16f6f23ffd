import { join } from 'node:path';
import { createAuditLogger } from '../../src/logger/index.js';
import { exportPack } from '../../src/pack/index.js';

/** The UTC date (`YYYY-MM-DD`) `offset` days from today: -1 is yesterday. */
export function day(offset: number): string {
  return new Date((Math.floor(Date.now() / 86_400_000) + offset) * 86_400_000).toISOString().slice(0, 10);
}

/** One `OrderAccepted` event (order `O-<date>`, EURUSD) logged at `date` 09:00:01 UTC by host h, pid 42. */
export async function logOrderDay(logDir: string, date: string): Promise<void> {
  let t = Date.parse(`${date}T09:00:00Z`) * 1000;
  const logger = createAuditLogger({ logDir, handleExit: false, clock: () => (t += 1_000_000), host: 'h', pid: 42 });
  logger.log('order', 'OrderAccepted', { order_id: `O-${date}`, symbol: 'EURUSD', side: 'BUY', quantity: 1 });
  await logger.close();
}

/**
 * Exports `date` from `<cwd>/logs` into `<cwd>/art` at 00:05 UTC the next day, as cron does (its
 * PackExported event lands in the next day's file), with a snapshot of `configs/*.yaml` into
 * `<cwd>/audit/snapshots`.
 */
export async function nightlyExport(cwd: string, date: string): Promise<void> {
  const at = Date.parse(`${date}T00:05:00Z`) + 86_400_000;
  await exportPack({
    version: '0.1.0',
    date,
    logDir: join(cwd, 'logs'),
    artifactsDir: join(cwd, 'art'),
    snapshot: {
      cwd,
      snapshotDir: join(cwd, 'audit', 'snapshots'),
      patterns: ['configs/*.yaml'],
      logDir: join(cwd, 'logs'),
    },
    now: () => at,
    loggerClock: () => at * 1000,
  });
}
