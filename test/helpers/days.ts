import { createAuditLogger } from '../../src/logger/index.js';

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
