// A durable logger on a full disk with nothing else keeping the event loop alive: every awaited
// call must settle (resolve or reject). Built library (dist/).
// usage: node durable-full-child.mjs <logDir> <count>; prints "settled <ok> <rejected> <codes>",
// then "closed ok" or "closed <code> <refusals the log does not record>".
import { createAuditLogger } from '../../dist/index.js';

const [dir, countRaw = '300'] = process.argv.slice(2);
const log = createAuditLogger({ logDir: dir, durability: 'durable', handleExit: false });
let ok = 0;
let rejected = 0;
const codes = new Set();
for (let i = 0; i < Number(countRaw); i++) {
  try {
    await log.order('OrderAccepted', { orderId: `o-${i}`, note: 'x'.repeat(200) });
    ok++;
  } catch (e) {
    rejected++;
    codes.add(e.code);
  }
}
process.stdout.write(`settled ${ok} ${rejected} ${[...codes].join(',')}\n`);
// close() on the still full disk: it tries for a bounded time, then says what the log lacks.
const closed = await log.close().then(
  () => 'ok',
  (e) => `${e.code} ${e.details?.unrecordedRefusals ?? 0}`,
);
process.stdout.write(`closed ${closed}\n`);
