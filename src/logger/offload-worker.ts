/**
 * The writer thread of a batched logger (see offload.ts): takes serialised events from the main
 * thread and does what needs the chain — the lock, `seq`/`prev`, SHA-256, the write — on the other
 * core. Batches are written strictly in the order they arrive. After a failed write, batches of the
 * same epoch are skipped (acknowledged as not written) until the main thread requeues them under a
 * new epoch, so no event can overtake one that failed.
 */
import { compileRedactor } from '../redaction/index.js';
import { dayNumberOf } from '../rotation/index.js';
import { serveJobs } from '../worker/index.js';
import { createHeadFormatter, recoveryBody } from '../format/log-line.js';
import { systemClock } from './clock.js';
import { FileSink, type WriteProgress } from './file-sink.js';
import { intentRecorder } from './write-intent.js';
import { WriteBehind } from './write-behind.js';
import { claimUpTo } from './batch-claim.js';
import type { OffloadAck, OffloadMessage, OffloadWorkerData } from './offload.js';
import { prepareFields } from './serialize.js';
import type { PreparedEvent } from './types.js';
import { type DeferredText, finishBody, unpackDeferred } from './deferred.js';

/** The writer's handler: a FileSink of its own, fed batches in order. */
function setupWriter(data: OffloadWorkerData) {
  const clock = systemClock();
  const head = createHeadFormatter();
  // The logger's own rules: they also scan the long free text the caller left (deferred.ts).
  const redactor = compileRedactor(data.redaction);
  const done = new Int32Array(data.done);
  const written = new BigInt64Array(data.written);
  const claimed = new Int32Array(data.claimed);
  const lockWait = new Int32Array(data.lockWait);
  const sink = new FileSink({
    dir: data.dir,
    // Published so the main thread's backpressure does not wait on a wait for another process;
    // the notify on `done` wakes a main thread already waiting (offload.ts, waitForRoom).
    onLockWait: (waiting) => {
      Atomics.store(lockWait, 0, waiting ? 1 : 0);
      Atomics.notify(done, 0);
    },
    // A recovery is dated when it happens, by this thread's clock (docs/FORMAT.md, "Torn lines").
    recoveryEvent: (fields, event) => {
      const t = clock();
      return {
        day: dayNumberOf(t),
        head: head(t),
        body: recoveryBody(prepareFields(fields, redactor).json, data.provenance, event),
      };
    },
  });
  let failedEpoch = 0;
  // Events of the current batch already counted in `written`, right after the write(2) that put
  // them on disk, and each write recorded before it is made (write-intent.ts): if this thread dies
  // before its append returns, the main thread learns what is in the file and writes only the rest
  // (offload.ts, onWorkerGone).
  let counted = 0;
  const record = intentRecorder(data.intent);
  // The day's data goes to disk while the thread writes, not all at close (write-behind.ts).
  const behind = new WriteBehind(data.dir);
  let day = 0;
  let bytes = 0;
  const progress: WriteProgress = {
    willWrite: (w) => {
      record({ ...w, base: Number(Atomics.load(written, 0)) });
      day = w.day;
      bytes = w.end - w.start;
    },
    wrote: (n) => {
      counted += n;
      Atomics.add(written, 0, BigInt(n));
      behind.wrote(day, bytes);
    },
  };
  // The main thread may block on these counters (exit, backpressure) instead of waiting for answers.
  const finish = (id: number, n: number): void => {
    if (n > counted) Atomics.add(written, 0, BigInt(n - counted));
    counted = 0;
    Atomics.store(done, 0, id);
    Atomics.notify(done, 0);
  };
  const batch = (m: Extract<OffloadMessage, { type: 'batch' }>): OffloadAck => {
    if (m.epoch <= failedEpoch) {
      finish(m.id, 0);
      return { type: 'ack', written: 0, skipped: true };
    }
    const bodies = m.bodies;
    // Redaction before anything is hashed or written: the long free text is scanned first.
    const at = m.deferred.events;
    if (at.length > 0) {
      const deferred = unpackDeferred(m.deferred);
      for (let j = 0; j < at.length; j++) {
        const i = at[j] as number;
        bodies[i] = finishBody(bodies[i] as string, deferred[j] as DeferredText, redactor);
      }
    }
    const events: PreparedEvent[] = new Array(bodies.length);
    // The head is a function of the instant alone: formatted here, the same text the caller's had.
    let h = 0;
    for (let i = 0; i < events.length; i++) {
      const us = m.micros[i] as number;
      const text = Number.isNaN(us) ? (m.heads[h++] as string) : head(us);
      events[i] = { day: m.days[i] as number, head: text, body: bodies[i] as string };
    }
    // Claim the batch before taking the lock: the exit path took back (and writes) every batch
    // it claimed first, so writing one of those here would put its events in the log twice.
    if (claimUpTo(claimed, m.id) >= m.id) {
      finish(m.id, 0);
      return { type: 'ack', written: 0, skipped: true };
    }
    try {
      const n = sink.append(events, progress);
      finish(m.id, n);
      return { type: 'ack', written: n };
    } catch (err) {
      failedEpoch = m.epoch;
      const e = err as Error & { code?: string; details?: Record<string, unknown> };
      const n = typeof e.details?.written === 'number' ? e.details.written : 0;
      finish(m.id, n);
      const errno = (e.details?.errno as string | undefined) ?? undefined;
      return { type: 'ack', written: n, error: { code: e.code ?? 'LOG_WRITE_FAILED', message: e.message, errno } };
    }
  };
  return {
    run(m: OffloadMessage): OffloadAck | Promise<OffloadAck> {
      if (m.type === 'batch') return batch(m);
      if (m.type === 'sync')
        return sink.sync().then(
          (): OffloadAck => ({ type: 'synced' }),
          (err: Error): OffloadAck => ({ type: 'synced', error: { code: 'LOG_WRITE_FAILED', message: err.message } }),
        );
      // A write-behind flush still running holds a descriptor of its own: let it finish first.
      return behind.settled().then((): OffloadAck => {
        sink.close();
        return { type: 'closed' };
      });
    },
  };
}

serveJobs(setupWriter);
