// A real writer that pauses between two runs of events, so a test can cut its day file under it.
// usage: node lost-head-child.mjs <logDir> <name> <before> <after> [dayOffset]
// Logs <before> events, flushes; if <after> > 0 prints "flushed" and waits for a line on stdin, then
// logs <after> more. Closes and prints "done". dayOffset shifts the clock by whole days (-1: yesterday).
import { createInterface } from 'node:readline';
import { createAuditLogger } from '../../dist/index.js';

const [dir, name, beforeRaw, afterRaw, offsetRaw = '0'] = process.argv.slice(2);
const before = Number(beforeRaw);
const after = Number(afterRaw);
const offsetUs = Number(offsetRaw) * 86_400_000_000;
const clock = offsetUs === 0 ? undefined : () => Date.now() * 1000 + offsetUs;
const log = createAuditLogger({ logDir: dir, heartbeatMinutes: 0, clock });
const order = (i) =>
  log.order('OrderAccepted', { orderId: `${name}-${i}`, symbol: 'EURUSD', side: 'BUY', quantity: i, price: '1.1' });
for (let i = 0; i < before; i++) order(i);
await log.flush();
if (after > 0) {
  process.stdout.write('flushed\n');
  const rl = createInterface({ input: process.stdin });
  for await (const _ of rl) break;
  rl.close();
  for (let i = before; i < before + after; i++) order(i);
}
await log.close();
process.stdout.write('done\n');
