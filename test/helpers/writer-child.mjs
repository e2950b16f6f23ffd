// A real writer process for crash and concurrency tests, using the built library (dist/).
// usage: node writer-child.mjs <logDir> <name> <count> <mode: batched|durable> [flushBytes] [noteChars]
// In durable mode it prints "ack <i>" after each event is fsynced, so the parent knows what was acknowledged.
import { existsSync } from 'node:fs';
import { createAuditLogger } from '../../dist/index.js';

const [dir, name, countRaw, mode = 'batched', flushBytesRaw = '4096', noteRaw = '0'] = process.argv.slice(2);
const noteChars = Number(noteRaw);
const count = Number(countRaw);
const log = createAuditLogger({ logDir: dir, durability: mode, flushBytes: Number(flushBytesRaw), handleExit: true });
process.stdout.write('ready\n');
// WRITER_GO: wait for that file, so that writers started one after another begin together.
if (process.env.WRITER_GO) while (!existsSync(process.env.WRITER_GO)) await new Promise((r) => setTimeout(r, 2));
if (mode === 'durable') {
  const inflight = new Set();
  for (let i = 0; i < count; i++) {
    const p = log
      .order('OrderAccepted', {
        orderId: `${name}-${i}`,
        symbol: 'EURUSD',
        side: 'BUY',
        quantity: i,
        price: '1.10050',
        apiKey: 'k-secret',
      })
      .then(() => process.stdout.write(`ack ${i}\n`));
    inflight.add(p);
    p.finally(() => inflight.delete(p));
    if (inflight.size >= 32) await Promise.race(inflight);
  }
  await Promise.all(inflight);
} else {
  for (let i = 0; i < count; i++) {
    log.fill({
      orderId: `${name}-${i}`,
      dealId: `${name}-d${i}`,
      symbol: 'EURUSD',
      side: 'SELL',
      quantity: i,
      price: '1.10050',
      note: 'x'.repeat(noteChars || i % 300),
    });
    if (i % 500 === 0) await new Promise((r) => setImmediate(r));
  }
}
await log.close();
process.stdout.write('done\n');
