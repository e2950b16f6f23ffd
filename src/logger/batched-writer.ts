/**
 * Batched mode (the default): the buffer is written at the end of the current event-loop turn, or 1 ms
 * after the previous write when that was less than 1 ms ago (or every `flushIntervalMs` if set), as
 * soon as `flushBytes` are buffered, on flush()/close(), and synchronously on process exit, SIGINT and
 * SIGTERM. Events whose write failed stay buffered and are retried. With the default file sink a busy
 * logger hands its batches to a writer thread (offload.ts), which does the chain and the write on the
 * other core.
 */
import type { AuditpackError } from '../errors.js';
import type { RedactionOptions } from '../redaction/index.js';
import type { BufferedEvent } from './buffer.js';
import { Offloader } from './offload.js';
import type { PreparedEvent, WriterThreadState } from './types.js';
import { type Accepted, SinkWriter, type WriterContext } from './writer.js';

/** A flush this large means the logger is busy: start the writer thread. */
const OFFLOAD_START_EVENTS = 256;
/** Backpressure: past this many events in flight, wait for the writer thread to catch up… */
const OFFLOAD_HIGH_WATER = 32_768;
/** …down to this many. */
const OFFLOAD_LOW_WATER = 8_192;
/** On exit, how long to wait for the writer thread to finish what it was given. */
const EXIT_DRAIN_MS = 5_000;
/**
 * With `flushIntervalMs` 0, the end-of-turn write waits until this long after the previous write or
 * hand-over. Every write takes the log lock and checks the files (about ten system calls), so an app
 * that logs one event a turn, thousands of turns a second, paid that per event: 47-60 µs of CPU an
 * event where pino's `sync` paid 8-12 (docs/PERFORMANCE.md, "One event a turn"). Events now go in
 * groups of up to a millisecond's; a quiet logger still writes at the end of the turn.
 */
const MIN_WRITE_GAP_MS = 1;
const now = (): number => performance.now();

export interface BatchedOptions {
  readonly flushIntervalMs: number;
  /**
   * Whether an exit flush writes what the interval holds when the process ends (`handleExit`): then
   * the interval's timer need not keep the process alive; without one it must, or the events are lost.
   */
  readonly exitFlush: boolean;
  readonly flushBytes: number;
  /** The writer thread's log directory and provenance; undefined: write on this thread only. */
  readonly offload:
    | { readonly dir: string; readonly provenance: string; readonly redaction: RedactionOptions }
    | undefined;
}

export class BatchedWriter extends SinkWriter {
  protected readonly refusedReason = 'buffer full while the audit log could not be written';
  private readonly offload: Offloader | undefined;
  private scheduled = false;
  /**
   * The interval flush's own timer: sharing the retry timer let a failed write cancel a scheduled
   * flush while `scheduled` stayed set, and later events then waited for flush(), close() or exit.
   */
  private flushTimer: NodeJS.Timeout | undefined;
  /** When the buffer was last written or handed over (performance.now(), ms): see MIN_WRITE_GAP_MS. */
  private lastWriteAt = Number.NEGATIVE_INFINITY;

  constructor(
    ctx: WriterContext,
    private readonly o: BatchedOptions,
  ) {
    super(ctx);
    this.offload =
      o.offload === undefined
        ? undefined
        : new Offloader(o.offload.dir, o.offload.provenance, o.offload.redaction, {
            written: (events) => this.offloadWritten(events),
            failed: (err, unwritten) => this.offloadFailed(err, unwritten),
            lost: (_err, unwritten) => {
              // Not a write failure: the thread is gone. Write on this thread from now on.
              this.buffer.requeue(unwritten);
              this.writePending(true, false);
            },
          });
  }

  get inflight(): number {
    return this.offload?.inflightEvents ?? 0;
  }

  override writerThread(): WriterThreadState | undefined {
    return this.offload?.state();
  }

  accept(ev: BufferedEvent): Accepted {
    this.buffer.push(ev);
    if (this.buffer.unsent >= this.o.flushBytes && this.retryDelay === 0 && !this.waitingForLock) this.writeOut();
    else this.schedule();
    return true;
  }

  rejection(_err: AuditpackError): Accepted {
    return false;
  }

  /**
   * An event that would pass maxBufferBytes while writes work: what is buffered is written first
   * (a bound below flushBytes is honoured, not raised). With the writer thread, a full buffer may
   * only mean it is behind: wait for it (as a synchronous write would have) before refusing anything.
   */
  override makeRoom(size: number): boolean {
    if (this.buffer.fits(size)) return true;
    if (this.buffer.pending.length > 0 && this.lastError === undefined && this.retryDelay === 0 && !this.waitingForLock)
      this.writeOut();
    const off = this.offload;
    if (
      !this.buffer.fits(size) &&
      off?.usable &&
      this.lastError === undefined &&
      off.inflightEvents > 0 &&
      !off.waitingForLock
    )
      off.waitForRoom(0);
    return this.buffer.fits(size);
  }

  flush(): Promise<void> {
    const err = this.writeOut();
    if (err) return Promise.reject(err);
    // Another process holds the log lock: settle once a retry has written (or failed to write) them.
    if (this.waitingForLock) return this.lockFreed().then(() => this.flush());
    return this.offload?.usable ? this.offload.drain() : Promise.resolve();
  }

  override stop(): void {
    super.stop();
    if (this.flushTimer) clearTimeout(this.flushTimer);
  }

  override async closeWriter(): Promise<void> {
    if (this.offload?.usable) {
      await this.offload.sync();
      await this.offload.close();
    }
  }

  flushForExit(wait = true): AuditpackError | undefined {
    this.reportOwed();
    // The process goes on: write as a flush does (to the writer thread when it runs, else here while
    // the lock is free), without blocking on another process's lock or on a thread that waits for it.
    if (!wait) return this.writeOut();
    if (this.offload) {
      // Let the writer thread finish what it holds, take back what it did not write, and write
      // that and the rest here, synchronously, under the same lock.
      this.buffer.requeue(this.offload.drainSync(EXIT_DRAIN_MS));
      return this.writePending(true, true);
    }
    // The last chance to write: wait for a lock another process holds.
    const err = this.writeOut(true);
    try {
      this.sink.syncSync();
    } catch {
      // Exiting: nothing more can be done; the data is in the page cache.
    }
    return err;
  }

  override writeOut(wait = false): AuditpackError | undefined {
    return this.writePending(false, wait);
  }

  protected retry(): void {
    this.writeOut();
  }

  /** With handleExit false no exit flush writes what a failed write left: the retry must (at59, by reading). */
  protected override retryKeepsAlive(): boolean {
    return !this.o.exitFlush;
  }

  protected retryLock(): void {
    this.writeOut();
  }

  private schedule(): void {
    // While another process holds the log lock, its retry timer writes what arrives meanwhile.
    if (this.scheduled || this.retryDelay > 0 || this.waitingForLock) return;
    this.scheduled = true;
    const run = (): void => {
      this.scheduled = false;
      this.flushTimer = undefined;
      this.writeOut();
    };
    const delay = this.o.flushIntervalMs > 0 ? this.o.flushIntervalMs : this.lastWriteAt + MIN_WRITE_GAP_MS - now();
    if (delay > 0) {
      this.flushTimer = setTimeout(run, delay);
      // Unref'd only when the exit flush writes what it holds: with handleExit false, nothing else
      // would, and a process ending before the interval lost the events its calls were told `true` for.
      if (this.o.exitFlush) this.flushTimer.unref();
    } else {
      // Not unref'd: one pending turn must not let the process exit with events unwritten
      // (with handleExit: false and no close(), nothing else would write them).
      setImmediate(run);
    }
  }

  /**
   * Hands the buffer to the writer thread when it runs (a buffer large enough starts it) unless
   * `direct`, else appends it here. Until the thread has started, this thread writes: batches
   * queued for a thread still starting sat unwritten for seconds under load, megabytes past
   * flushBytes. Nothing is in flight before the first hand-over, so the order holds. Returns the
   * error if the sink failed. `wait`: on this thread, wait for a lock another process holds (exit).
   */
  private writePending(direct: boolean, wait: boolean): AuditpackError | undefined {
    if (this.buffer.pending.length === 0) return undefined;
    this.lastWriteAt = now();
    const off = this.offload;
    if (
      !direct &&
      off &&
      (off.usable || (this.buffer.pending.length >= OFFLOAD_START_EVENTS && off.start())) &&
      off.running
    ) {
      // Hand the batch over; it stays counted as buffered until acknowledged. A thread waiting
      // for a lock another process holds is not waited for: maxBufferBytes bounds the backlog.
      if (off.inflightEvents > OFFLOAD_HIGH_WATER && !off.waitingForLock) off.waitForRoom(OFFLOAD_LOW_WATER);
      off.post(this.buffer.takeAll());
      return undefined;
    }
    return this.appendPending(wait).error;
  }

  /** The writer thread wrote these (oldest first). */
  private offloadWritten(events: readonly PreparedEvent[]): void {
    this.recorded(events, events.length);
    this.buffer.acknowledged(events);
    this.written += events.length;
    this.writingWorks();
    if (this.refusedUnreported > 0) {
      this.reportRefused();
      this.schedule();
    }
  }

  /** The writer thread could not write these: back to the front of the buffer, in order, and retried. */
  private offloadFailed(err: AuditpackError, unwritten: PreparedEvent[]): void {
    this.buffer.requeue(unwritten);
    this.lastError = err;
    this.ctx.emitError(err);
    this.scheduleRetry();
  }
}
