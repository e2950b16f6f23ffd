/**
 * Batched mode's writer thread, main-thread side.
 *
 * The call-time work (redaction, serialisation) stays on the caller's thread, where it must be;
 * the chain and the write (lock, seq/prev, SHA-256, write(2)) move to a worker thread on the other
 * core, which roughly halves the main thread's cost per event. pino does the same with its
 * transports. It starts only once a logger is busy (the first large flush), so a process that
 * logs a handful of events never pays for a thread.
 *
 * Promises kept: order (batches are written in order; after a failure nothing overtakes the failed
 * events), nothing dropped (events stay counted in the logger's buffer until the worker
 * acknowledges them; unwritten ones are handed back), and a synchronous exit path: on exit or a
 * signal the main thread waits on shared memory for the worker to finish what it was given, learns
 * how many events it wrote, and writes the rest itself under the same lock.
 *
 * Who writes a batch is decided once, on shared memory (`claimed`): the worker claims a batch just
 * before it takes the lock for it, and the exit path claims every batch the worker has not, so a
 * batch is written by one thread only. Before, a timed-out exit took back every batch the worker had
 * not finished while the worker, waiting for the lock, still held one and wrote it too: each of its
 * events was in the log twice, and the log verified.
 */
import { AuditpackError, type AuditpackErrorCode } from '../errors.js';
import { type JobThread, movableBuffers, startThread } from '../worker/index.js';
import type { RedactionOptions } from '../redaction/index.js';
import { claimUpTo } from './batch-claim.js';
import { intentOnDisk, readIntent, WRITE_INTENT_BYTES } from './write-intent.js';
import { addDeferred, type DeferredBatch, deferredBatch } from './deferred.js';
import type { PreparedEvent, WriterThreadState } from './types.js';

/** Name of the writer thread (stats, workerActivity, NODE_DEBUG=auditpack). */
export const WRITER_THREAD = 'audit writer';

/** The longest the app's thread sleeps in backpressure before it looks again at the thread's lock flag. */
const ROOM_WAIT_SLICE_MS = 20;

/** Data the worker starts with. */
export interface OffloadWorkerData {
  dir: string;
  provenance: string;
  /** The logger's redaction rules: the thread scans the long free text the caller left (deferred.ts). */
  redaction: RedactionOptions;
  /** Int32 ×1: id of the last batch the worker finished (written, failed or skipped). */
  done: SharedArrayBuffer;
  /** BigInt64: events the worker has written in total. */
  written: SharedArrayBuffer;
  /**
   * Int32 ×1: id of the last batch whose writer is decided. The worker raises it to a batch's id
   * before it writes the batch, the exit path to the last id handed over; a batch at or below it
   * that the worker did not claim itself is not the worker's to write.
   */
  claimed: SharedArrayBuffer;
  /** WRITE_INTENT_BYTES: the worker's last write, recorded before it is made (write-intent.ts). */
  intent: SharedArrayBuffer;
  /** Int32 ×1: 1 while the worker waits for a log lock another process holds. */
  lockWait: SharedArrayBuffer;
}

/** A job of the writer thread (the worker primitive numbers jobs; `id` here numbers batches). */
export type OffloadMessage =
  | {
      type: 'batch';
      id: number;
      epoch: number;
      days: Float64Array;
      /** Each event's instant (PreparedEvent.micros): the thread formats its head; NaN: see `heads`. */
      micros: Float64Array;
      /** The heads of the events without an instant (none from prepare()), in order, as text. */
      heads: string[];
      bodies: string[];
      /** The events whose body still needs its long free text scanned, and that text (flat: see DeferredBatch). */
      deferred: DeferredBatch;
    }
  | { type: 'sync' }
  | { type: 'close' };

/** Its answer: a failed write is a value (it says how many events did get written), not a throw. */
export type OffloadAck =
  | {
      type: 'ack';
      written: number;
      skipped?: boolean;
      error?: { code: string; message: string; errno?: string | undefined };
    }
  | { type: 'synced'; error?: { code: string; message: string } }
  | { type: 'closed' };

interface InFlight {
  id: number;
  events: PreparedEvent[];
}

export interface OffloadCallbacks {
  /** `n` events of the oldest batch were written. */
  written(events: readonly PreparedEvent[]): void;
  /** A write failed: `unwritten` (in order) go back to the front of the buffer. */
  failed(err: AuditpackError, unwritten: PreparedEvent[]): void;
  /** The thread is gone (it crashed): `unwritten` go back, and writing continues without it. */
  lost(err: AuditpackError, unwritten: PreparedEvent[]): void;
}

/**
 * The message that hands `events` to the writer thread as batch `id`. Arrays of strings clone
 * fastest (measured: ~0.2 µs an event, against ~0.9 for one joined string and ~0.45 for UTF-8 in a
 * transferred buffer); the heads go as numbers. Every array is filled by push, never made as
 * `new Array(n)`: the clone writes a holey array as a sparse one (each index looked up as a
 * property, the indices collected first) and the thread receives a slow array; for the bodies that
 * cost the caller ~0.1-0.3 µs an event more (docs/PERFORMANCE.md, pl24).
 */
export function batchMessage(
  events: readonly PreparedEvent[],
  id: number,
  epoch: number,
): Extract<OffloadMessage, { type: 'batch' }> {
  const n = events.length;
  const days = new Float64Array(n);
  const micros = new Float64Array(n);
  const heads: string[] = [];
  const bodies: string[] = [];
  const deferred = deferredBatch();
  for (let i = 0; i < n; i++) {
    const ev = events[i] as PreparedEvent;
    days[i] = ev.day;
    bodies.push(ev.body);
    if (ev.micros !== undefined) micros[i] = ev.micros;
    else {
      micros[i] = Number.NaN;
      heads.push(ev.head);
    }
    if (ev.deferred !== undefined) addDeferred(deferred, i, ev.deferred);
  }
  return { type: 'batch', id, epoch, days, micros, heads, bodies, deferred };
}

export class Offloader {
  private thread: JobThread<OffloadWorkerData, OffloadMessage, OffloadAck> | undefined;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private readonly claimed = new Int32Array(new SharedArrayBuffer(4));
  private readonly lockWait = new Int32Array(new SharedArrayBuffer(4));
  private readonly intent = new SharedArrayBuffer(WRITE_INTENT_BYTES);
  /** The last batch id an exit drain claimed for this thread (the worker's claims lie above it). */
  private takenBack = 0;
  /** Set after a wait for the thread timed out without progress: stop blocking on it. */
  private stalled = false;
  private readonly writtenTotal = new BigInt64Array(new SharedArrayBuffer(8));
  /** Events the worker wrote as of the acknowledgements handled so far. */
  private ackedWritten = 0n;
  private inflight: InFlight[] = [];
  private nextId = 1;
  private epoch = 1;
  /** Waiters of drain(), each with the last batch handed over when it was called. */
  private drains: { upTo: number; resolve(): void; reject(e: AuditpackError): void }[] = [];
  private broken: AuditpackError | undefined;
  private started = false;

  constructor(
    private readonly dir: string,
    private readonly provenance: string,
    private readonly redaction: RedactionOptions,
    private readonly callbacks: OffloadCallbacks,
  ) {}

  /** True once the thread is made and usable (it may still be starting: see `running`). */
  get usable(): boolean {
    return this.thread?.mode === 'thread' && this.broken === undefined;
  }

  /**
   * True once the thread runs its handler (never blocks). Starting a thread takes tens of
   * milliseconds, seconds under load; until then the logger writes on its own thread.
   */
  get running(): boolean {
    if (!this.started) this.started = this.waitUntilRunning(0);
    return this.started && this.usable;
  }

  /** Where the writing happens (AuditLoggerStats.writerThread). */
  state(): WriterThreadState {
    if (this.usable) return { state: 'running', reason: undefined };
    if (this.thread === undefined && this.broken === undefined) return { state: 'idle', reason: undefined };
    return { state: 'stopped', reason: this.broken?.message ?? this.thread?.stats().reason };
  }

  /** Events handed to the worker and not yet acknowledged. */
  get inflightEvents(): number {
    let n = 0;
    for (const b of this.inflight) n += b.events.length;
    return n;
  }

  /** Starts the thread. Returns false (and stays off) if it cannot start. */
  start(): boolean {
    if (this.thread || this.broken) return this.usable;
    // No inline handler: without the thread the logger writes on its own thread, as it always can.
    this.thread = startThread({
      name: WRITER_THREAD,
      script: new URL('./offload-worker.js', import.meta.url),
      init: {
        dir: this.dir,
        provenance: this.provenance,
        redaction: this.redaction,
        done: this.done.buffer as SharedArrayBuffer,
        written: this.writtenTotal.buffer as SharedArrayBuffer,
        claimed: this.claimed.buffer as SharedArrayBuffer,
        intent: this.intent,
        lockWait: this.lockWait.buffer as SharedArrayBuffer,
      },
      onCrash: 'reject',
    });
    if (this.thread.mode !== 'thread') {
      const why = this.thread.stats().reason ?? 'unavailable';
      this.broken = new AuditpackError('WORKER_FAILED', `the audit writer thread cannot start: ${why}`);
    }
    return this.usable;
  }

  /** Hands events to the worker; they count as buffered until acknowledged. */
  post(events: PreparedEvent[]): void {
    const thread = this.thread as JobThread<OffloadWorkerData, OffloadMessage, OffloadAck>;
    const id = this.nextId++;
    this.inflight.push({ id, events });
    // While it holds events, the primitive keeps the thread ref'd (the process stays alive).
    const batch = batchMessage(events, id, this.epoch);
    thread.run(batch, movableBuffers([batch.days, batch.micros])).then(
      (ack) => this.onAck(id, ack),
      (err: AuditpackError) => this.onWorkerGone(err),
    );
  }

  /**
   * Resolves once everything handed over so far is acknowledged; rejects if a write failed meanwhile.
   * Batches handed over later are not waited for: an app that logs faster than the thread writes
   * never left the thread with nothing in flight, and a flush() or close() waiting for that never
   * settled.
   */
  drain(): Promise<void> {
    if (this.inflight.length === 0) return Promise.resolve();
    const upTo = this.nextId - 1;
    return new Promise((resolve, reject) => this.drains.push({ upTo, resolve, reject }));
  }

  /** fdatasync of what the worker wrote. */
  async sync(): Promise<void> {
    if (!this.usable) return;
    const ack = await (this.thread as JobThread<OffloadWorkerData, OffloadMessage, OffloadAck>)
      .run({ type: 'sync' })
      .catch((err: AuditpackError) => {
        this.onWorkerGone(err);
        return undefined;
      });
    if (ack?.type === 'synced' && ack.error) throw new AuditpackError('LOG_WRITE_FAILED', ack.error.message);
  }

  /** Stops the thread after its queue (call after drain()). */
  async close(): Promise<void> {
    const t = this.thread;
    if (!t) return;
    if (!this.broken) await t.run({ type: 'close' }).catch(() => undefined);
    await t.close();
  }

  /**
   * Exit path (synchronous): waits up to `timeoutMs` for the worker to finish every batch it was
   * given, then claims the batches it has not started and returns, in order, the events it did not
   * write. The caller writes those itself. A batch the worker already claimed is waited for without
   * a deadline: the worker is in its append (waiting for the lock, as the caller would, or writing),
   * and a batch taken back from it would be written twice, once by each thread. Only when the thread
   * is gone (`usable` false) is nothing waited for: it writes nothing more.
   */
  drainSync(timeoutMs: number): PreparedEvent[] {
    const last = this.nextId - 1;
    const deadline = Date.now() + timeoutMs;
    const live = this.usable && this.waitUntilRunning(Math.min(timeoutMs, 2_000));
    if (live) this.waitDone(last, deadline);
    // From here on the worker writes none of these batches but the ones it claimed before.
    const prior = claimUpTo(this.claimed, last);
    if (live && prior > this.takenBack) this.waitDone(prior, Number.POSITIVE_INFINITY);
    this.takenBack = Math.max(last, prior);
    if (!live) this.countUncountedWrite();
    const total = Atomics.load(this.writtenTotal, 0);
    let skip = Number(total - this.ackedWritten);
    this.ackedWritten = total;
    const rest: PreparedEvent[] = [];
    for (const b of this.inflight) {
      if (skip >= b.events.length) {
        skip -= b.events.length;
        this.callbacks.written(b.events);
        continue;
      }
      if (skip > 0) this.callbacks.written(b.events.slice(0, skip));
      for (let i = skip; i < b.events.length; i++) rest.push(b.events[i] as PreparedEvent);
      skip = 0;
    }
    this.inflight = [];
    // Whatever the worker still does from now on is no longer ours: new epoch, nothing in flight.
    this.epoch++;
    return rest;
  }

  /**
   * Backpressure: blocks (briefly, like a synchronous write would) until at most `maxEvents` are in
   * flight, so a producer faster than the disk cannot fill the buffer. Batches the shared counters
   * show as fully written are settled at once; their acknowledgements are then ignored.
   */
  /**
   * Whether the thread waits for a log lock another process holds: then nothing it holds is
   * written until that process lets go, which may be never (a stopped holder), so backpressure
   * does not wait for it; the buffer's bound (maxBufferBytes) refuses past it instead.
   */
  get waitingForLock(): boolean {
    return Atomics.load(this.lockWait, 0) === 1;
  }

  waitForRoom(maxEvents: number, timeoutMs = 10_000): void {
    if (this.stalled && !this.reconcile()) return;
    this.stalled = false;
    if (!this.waitUntilRunning(Math.min(timeoutMs, 2_000))) return;
    const deadline = Date.now() + timeoutMs;
    while (this.inflightEvents > maxEvents && this.usable) {
      if (this.waitingForLock) break;
      const d = Atomics.load(this.done, 0);
      this.reconcile();
      if (this.inflightEvents <= maxEvents) break;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.stalled = true;
        break;
      }
      // Wait for the next batch to finish; a failed one stops the settling (its ack handles it).
      // In slices: the thread's flag that it waits for another process's lock comes with a notify
      // on `done` but no change to it, so a flag set between the check above and this wait would
      // not wake it (at49 S1); each slice looks at the flag again.
      if (Atomics.wait(this.done, 0, d, Math.min(left, ROOM_WAIT_SLICE_MS)) === 'timed-out') {
        if (Date.now() < deadline) continue;
        this.stalled = true;
        break;
      }
      if (this.inflight[0] && Atomics.load(this.done, 0) >= this.inflight[0].id && !this.reconcile()) break;
    }
  }

  /**
   * Events the gone worker wrote and did not count: it died between a write(2) and counting it (its
   * recorded write is not in `written`), and the bytes are in the file (write-intent.ts). Counting
   * them here keeps the exit path from writing them a second time; when they are not in the file
   * they are not counted, and it writes them.
   */
  private countUncountedWrite(): void {
    const w = readIntent(this.intent);
    if (w === undefined || Number(Atomics.load(this.writtenTotal, 0)) > w.base) return;
    if (intentOnDisk(this.dir, w)) Atomics.add(this.writtenTotal, 0, BigInt(w.events));
  }

  /** Blocks until the worker finished batch `id` (or one after it), or until `deadline`. */
  private waitDone(id: number, deadline: number): void {
    for (;;) {
      const d = Atomics.load(this.done, 0);
      if (d >= id) return;
      const left = deadline - Date.now();
      if (left <= 0) return;
      Atomics.wait(this.done, 0, d, Number.isFinite(left) ? left : undefined);
    }
  }

  /**
   * True once the thread has started. While the main thread blocks, it cannot receive the thread's
   * `error` event, so it must never wait on a thread that never ran.
   */
  private waitUntilRunning(timeoutMs: number): boolean {
    return this.usable && (this.thread as JobThread<unknown, unknown, unknown>).waitUntilRunning(timeoutMs);
  }

  /** Settles leading batches the shared counters show as fully written. Returns whether any was. */
  private reconcile(): boolean {
    const total = Atomics.load(this.writtenTotal, 0);
    const doneId = Atomics.load(this.done, 0);
    let any = false;
    while (this.inflight.length > 0) {
      const b = this.inflight[0] as InFlight;
      if (b.id > doneId || this.ackedWritten + BigInt(b.events.length) > total) break;
      this.ackedWritten += BigInt(b.events.length);
      this.inflight.shift();
      this.callbacks.written(b.events);
      any = true;
    }
    return any;
  }

  private onAck(id: number, m: OffloadAck): void {
    if (m.type !== 'ack') return;
    const head = this.inflight[0];
    if (!head || head.id !== id) return; // a batch already handed back (skipped after a failure)
    this.ackedWritten += BigInt(m.written);
    this.inflight.shift();
    const wrote = m.written === head.events.length ? head.events : head.events.slice(0, m.written);
    if (wrote.length > 0) this.callbacks.written(wrote);
    if (m.error) {
      const err = new AuditpackError(m.error.code as AuditpackErrorCode, m.error.message, {
        details: { written: m.written, errno: m.error.errno },
      });
      const unwritten = [...head.events.slice(m.written), ...this.inflight.flatMap((b) => b.events)];
      this.inflight = [];
      this.epoch++;
      this.callbacks.failed(err, unwritten);
      for (const d of this.drains.splice(0)) d.reject(err);
    } else if (this.inflight.length === 0) {
      for (const d of this.drains.splice(0)) d.resolve();
    } else if (this.drains.length > 0 && (this.drains[0] as { upTo: number }).upTo <= id) {
      // Acknowledged in order: every batch up to `id` is written.
      const waiting = this.drains;
      this.drains = waiting.filter((d) => d.upTo > id);
      for (const d of waiting) if (d.upTo <= id) d.resolve();
    }
  }

  private onWorkerGone(err: AuditpackError): void {
    if (this.broken || !this.thread) return;
    this.broken = err;
    // What it did not acknowledge goes back (its shared counter says how much it wrote), and the
    // logger writes it on its own thread from now on.
    const unwritten = this.drainSync(0);
    this.callbacks.lost(err, unwritten);
    for (const d of this.drains.splice(0)) d.resolve();
  }
}
