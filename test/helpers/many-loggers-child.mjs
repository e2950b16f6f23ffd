// Many audit loggers in one process, opened and closed in mixed orders, in the main thread and in
// worker threads, each busy enough (>= 256 events in one turn) to start its writer thread. Uses the
// built library (dist/). usage: node many-loggers-child.mjs <logDir> <rounds>
// Prints "done <events>" after every logger closed; the parent checks the chain and the count.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createAuditLogger } from '../../dist/index.js';

const BUSY = 300;

async function burst(dir, tag, n = BUSY) {
  const log = createAuditLogger({ logDir: dir, handleExit: false });
  for (let i = 0; i < n; i++)
    log.order('OrderAccepted', { orderId: `${tag}-${i}`, symbol: 'EURUSD', side: 'BUY', quantity: i, price: '1.1' });
  await log.close();
  return n;
}

function inWorker(dir, tag, loggers) {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: { dir, tag, loggers } });
    let count = 0;
    w.on('message', (m) => (count = m));
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 ? resolve(count) : reject(new Error(`worker exited ${code}`))));
  });
}

if (!isMainThread) {
  const { dir, tag, loggers } = workerData;
  let n = 0;
  for (let k = 0; k < loggers; k++) n += await burst(dir, `${tag}-${k}`);
  parentPort.postMessage(n);
} else {
  const [dir, roundsRaw = '3'] = process.argv.slice(2);
  const rounds = Number(roundsRaw);
  let total = 0;
  for (let r = 0; r < rounds; r++) {
    // A small direct write first: the main thread takes the lock itself, then writer threads do.
    total += await burst(dir, `small-${r}`, 1);
    total += await burst(dir, `main-${r}`);
    // Two open at once, closed in the other order, a third opened in between.
    const a = createAuditLogger({ logDir: dir, handleExit: false });
    const b = createAuditLogger({ logDir: dir, handleExit: false });
    for (let i = 0; i < BUSY; i++) {
      a.log('order', 'OrderAccepted', { orderId: `a-${r}-${i}` });
      b.log('order', 'OrderAccepted', { orderId: `b-${r}-${i}` });
    }
    await b.close();
    total += await burst(dir, `c-${r}`);
    await a.close();
    total += 2 * BUSY;
    // Loggers inside worker threads, one after another and side by side with the main thread's.
    total += await inWorker(dir, `w-${r}`, 2);
    const both = await Promise.all([inWorker(dir, `x-${r}`, 1), inWorker(dir, `y-${r}`, 1), burst(dir, `m2-${r}`)]);
    total += both.reduce((s, n) => s + n, 0);
  }
  process.stdout.write(`done ${total}\n`);
}
