/**
 * Worker thread of an export: receives batches of complete lines from the reading thread and runs
 * the per-line work (src/pack/day-events.ts) on the second core. Protocol (internal):
 * - workerData: `{ dataDir, alertFilter, state }`; `state` is a shared Int32Array:
 *   [0] batches in flight (the reader waits when too many), [1] set to 1 when this worker failed;
 * - message `{ type: 'batch', buf, used, meta, count }`: meta holds 5 numbers per line:
 *   start, end, line number, file offset, kind (0 complete, 1 too long, 2 unterminated);
 * - message `{ type: 'end' }`: answered with `{ type: 'done', facts }` or `{ type: 'error', … }`.
 */
import { isUtf8 } from 'node:buffer';
import { parentPort, workerData } from 'node:worker_threads';
import type { AlertFilterConfig } from '../config.js';
import { AuditpackError } from '../errors.js';
import { DayEventProcessor } from './day-events.js';

interface Init {
  dataDir: string;
  alertFilter: AlertFilterConfig;
  state: Int32Array;
}

const init = workerData as Init;
const state = init.state;
let failed = false;
let processor: DayEventProcessor | undefined;

function fail(err: unknown): void {
  failed = true;
  processor?.abandon();
  Atomics.store(state, 1, 1);
  Atomics.notify(state, 0);
  const code = err instanceof AuditpackError ? err.code : 'INTERNAL';
  parentPort?.postMessage({ type: 'error', code, message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
}

try {
  processor = new DayEventProcessor(init.dataDir, init.alertFilter);
} catch (err) {
  fail(err);
}

parentPort?.on('message', (msg: { type: 'batch'; buf: ArrayBuffer; used: number; meta: ArrayBuffer; count: number } | { type: 'end' }) => {
  if (failed || processor === undefined) return;
  try {
    if (msg.type === 'batch') {
      const buf = Buffer.from(msg.buf, 0, msg.used);
      const meta = new Float64Array(msg.meta);
      // Valid UTF-8 split at "\n" stays valid, so one check covers every line of a clean batch.
      const allUtf8 = isUtf8(buf);
      for (let i = 0; i < msg.count; i++) {
        const o = i * 5;
        const start = meta[o] as number;
        const end = meta[o + 1] as number;
        const kind = meta[o + 4];
        if (kind === 0) processor.line(buf, start, end, meta[o + 2] as number, meta[o + 3] as number, allUtf8);
        else processor.bad(meta[o + 2] as number, meta[o + 3] as number, end - start, kind === 1 ? 'too-long' : 'unterminated');
      }
      Atomics.sub(state, 0, 1);
      Atomics.notify(state, 0);
    } else {
      const facts = processor.finish();
      parentPort?.postMessage({ type: 'done', facts });
    }
  } catch (err) {
    fail(err);
  }
});
