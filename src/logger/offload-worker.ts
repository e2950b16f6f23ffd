/**
 * The writer thread of a batched logger (see offload.ts): takes serialised events from the main
 * thread and does what needs the chain — the lock, `seq`/`prev`, SHA-256, the write — on the other
 * core. Batches are written strictly in the order they arrive. After a failed write, batches of the
 * same epoch are skipped (acknowledged as not written) until the main thread requeues them under a
 * new epoch, so no event can overtake one that failed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compileRedactor } from '../redaction/index.js';
import { dayNumberOf } from '../rotation/index.js';
import { createHeadFormatter, recoveryBody } from '../format/log-line.js';
import { systemClock } from './clock.js';
import { FileSink } from './file-sink.js';
import { prepareFields } from './serialize.js';
import type { PreparedEvent } from './types.js';
import type { OffloadAck, OffloadMessage, OffloadWorkerData } from './offload.js';

const data = workerData as OffloadWorkerData;
const port = parentPort;
if (!port) throw new Error('offload-worker must run as a worker thread');

const clock = systemClock();
const head = createHeadFormatter();
const redactor = compileRedactor();
const done = new Int32Array(data.done);
const written = new BigInt64Array(data.written);

const sink = new FileSink({
  dir: data.dir,
  // A recovery is dated when it happens, by this thread's clock (docs/FORMAT.md, "Torn lines").
  recoveryEvent: (fields) => {
    const t = clock();
    return {
      day: dayNumberOf(t),
      head: head(t),
      body: recoveryBody(prepareFields(fields, redactor).json, data.provenance),
    };
  },
});

let failedEpoch = 0;
// Running: the main thread may now block waiting on this thread (see Offloader.waitUntilRunning).
Atomics.store(done, 1, 1);
Atomics.notify(done, 1);

function finish(id: number, n: number): void {
  Atomics.add(written, 0, BigInt(n));
  Atomics.store(done, 0, id);
  Atomics.notify(done, 0);
}

port.on('message', (m: OffloadMessage) => {
  if (m.type === 'batch') {
    if (m.epoch <= failedEpoch) {
      finish(m.id, 0);
      port.postMessage({ type: 'ack', id: m.id, written: 0, skipped: true } satisfies OffloadAck);
      return;
    }
    const events: PreparedEvent[] = new Array(m.heads.length);
    for (let i = 0; i < events.length; i++)
      events[i] = { day: m.days[i] as number, head: m.heads[i] as string, body: m.bodies[i] as string };
    try {
      const n = sink.append(events);
      finish(m.id, n);
      port.postMessage({ type: 'ack', id: m.id, written: n } satisfies OffloadAck);
    } catch (err) {
      failedEpoch = m.epoch;
      const e = err as Error & { code?: string; details?: Record<string, unknown> };
      const n = typeof e.details?.written === 'number' ? e.details.written : 0;
      finish(m.id, n);
      port.postMessage({
        type: 'ack',
        id: m.id,
        written: n,
        error: {
          code: e.code ?? 'LOG_WRITE_FAILED',
          message: e.message,
          errno: (e.details?.errno as string | undefined) ?? undefined,
        },
      } satisfies OffloadAck);
    }
  } else if (m.type === 'sync') {
    sink.sync().then(
      () => port.postMessage({ type: 'synced', id: m.id } satisfies OffloadAck),
      (err: Error) =>
        port.postMessage({
          type: 'synced',
          id: m.id,
          error: { code: 'LOG_WRITE_FAILED', message: err.message },
        } satisfies OffloadAck),
    );
  } else if (m.type === 'close') {
    sink.close();
    port.postMessage({ type: 'closed', id: m.id } satisfies OffloadAck);
  }
});
