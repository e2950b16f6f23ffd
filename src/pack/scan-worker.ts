/**
 * Worker thread of an export: processes batches of lines (src/pack/day-events.ts) on the second
 * core while the reading thread reads, hashes, copies and processes batches of its own.
 * Protocol (internal):
 * - workerData `{ alertFilter, state, bufs, metas }`: a ring of shared slots (`bufs[i]` line
 *   bytes, `metas[i]` META numbers per line); `state[i]` is 1 while this worker owns slot i;
 * - `{ type: 'batch', id, slot, used, count }` → `{ type: 'result', result }` (output bytes
 *   transferred), and slot i is handed back (state[i] = 0) as soon as its bytes are read;
 * - on a failure, `{ type: 'error', code, message, stack }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AlertFilterConfig } from '../config.js';
import { AuditpackError } from '../errors.js';
import { BatchProcessor } from './day-events.js';

interface Init {
  alertFilter: AlertFilterConfig;
  state: Int32Array;
  bufs: SharedArrayBuffer[];
  metas: SharedArrayBuffer[];
}

const init = workerData as Init;
const bufs = init.bufs.map((b) => Buffer.from(b));
const metas = init.metas.map((m) => new Float64Array(m));
const processor = new BatchProcessor(init.alertFilter);
let failed = false;

parentPort?.on('message', (msg: { type: 'batch'; id: number; slot: number; used: number; count: number }) => {
  if (failed) return;
  try {
    const r = processor.process(
      msg.id,
      bufs[msg.slot] as Buffer,
      msg.used,
      metas[msg.slot] as Float64Array,
      msg.count,
      true,
    );
    Atomics.store(init.state, msg.slot, 0);
    parentPort?.postMessage({ type: 'result', result: r }, [
      r.orders.buffer as ArrayBuffer,
      r.fills.buffer as ArrayBuffer,
      r.alerts.buffer as ArrayBuffer,
    ]);
  } catch (err) {
    failed = true;
    const code = err instanceof AuditpackError ? err.code : 'INTERNAL';
    parentPort?.postMessage({
      type: 'error',
      code,
      message: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
  }
});
