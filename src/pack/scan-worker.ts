/**
 * Worker thread of an export: takes batches of complete lines from the reading thread and runs
 * the per-line work (src/pack/day-events.ts) on the second core. Protocol (internal):
 * - workerData: `{ dataDir, alertFilter, state, bufs, metas }`: a ring of shared slots (`bufs[i]`
 *   the line bytes, `metas[i]` five numbers per line: start, end, line number, file offset, kind
 *   (0 complete, 1 too long, 2 unterminated)); `state[i]` is 1 while this worker owns slot i, and
 *   `state[slots]` is set to 1 when this worker failed;
 * - `{ type: 'batch', slot, used, count }`: process a slot, then hand it back;
 * - `{ type: 'line', bytes, lineNumber, offset }`: one line longer than a slot;
 * - `{ type: 'end' }`: answered with `{ type: 'done', facts }` or `{ type: 'error', … }`.
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
  bufs: SharedArrayBuffer[];
  metas: SharedArrayBuffer[];
}

type Message =
  | { type: 'batch'; slot: number; used: number; count: number }
  | { type: 'line'; bytes: Uint8Array; lineNumber: number; offset: number }
  | { type: 'end' };

const init = workerData as Init;
const state = init.state;
const failedIndex = init.bufs.length;
const bufs = init.bufs.map((b) => Buffer.from(b));
const metas = init.metas.map((m) => new Float64Array(m));
let failed = false;
let processor: DayEventProcessor | undefined;

function fail(err: unknown): void {
  failed = true;
  processor?.abandon();
  Atomics.store(state, failedIndex, 1);
  for (let i = 0; i < failedIndex; i++) Atomics.notify(state, i);
  const code = err instanceof AuditpackError ? err.code : 'INTERNAL';
  parentPort?.postMessage({ type: 'error', code, message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
}

try {
  processor = new DayEventProcessor(init.dataDir, init.alertFilter);
} catch (err) {
  fail(err);
}

parentPort?.on('message', (msg: Message) => {
  if (failed || processor === undefined) return;
  try {
    if (msg.type === 'batch') {
      const buf = bufs[msg.slot] as Buffer;
      const meta = metas[msg.slot] as Float64Array;
      // Valid UTF-8 split at "\n" stays valid, so one check covers every line of a clean batch.
      const allUtf8 = isUtf8(buf.subarray(0, msg.used));
      for (let i = 0; i < msg.count; i++) {
        const o = i * 5;
        const start = meta[o] as number;
        const end = meta[o + 1] as number;
        const kind = meta[o + 4];
        if (kind === 0) processor.line(buf, start, end, meta[o + 2] as number, meta[o + 3] as number, allUtf8);
        else processor.bad(meta[o + 2] as number, meta[o + 3] as number, end - start, kind === 1 ? 'too-long' : 'unterminated');
      }
      Atomics.store(state, msg.slot, 0);
      Atomics.notify(state, msg.slot);
    } else if (msg.type === 'line') {
      const b = Buffer.from(msg.bytes.buffer, msg.bytes.byteOffset, msg.bytes.byteLength);
      processor.line(b, 0, b.length, msg.lineNumber, msg.offset);
    } else {
      const facts = processor.finish();
      parentPort?.postMessage({ type: 'done', facts });
    }
  } catch (err) {
    fail(err);
  }
});
