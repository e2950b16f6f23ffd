/**
 * What both writers share: appending the buffer to the sink on this thread, the failure state
 * (last error, retry backoff, the buffer-full report) and the count of refused events, which is
 * recorded as an EventsRefused event once writing works again. The batched writer
 * (batched-writer.ts) and the durable writer (durable-writer.ts) differ only in when they write
 * and how a caller learns the outcome.
 */
import { AuditpackError } from '../errors.js';
import type { BufferedEvent, EventBuffer } from './buffer.js';
import { WRITER } from './child.js';
import type { EventPreparer } from './prepare.js';
import type { AuditSink, PreparedEvent, WriterThreadState } from './types.js';

/** What a writer needs from its logger. */
export interface WriterContext {
  readonly sink: AuditSink;
  readonly buffer: EventBuffer;
  readonly preparer: EventPreparer;
  readonly emitError: (err: AuditpackError) => void;
}

/** One append of the buffer: how many events were written, and the error if the sink failed. */
export interface Appended {
  readonly n: number;
  readonly error: AuditpackError | undefined;
  /** Events of the failed append that were not written. */
  readonly failed: number;
  /** Another writer held the lock: the rest stays buffered, a retry is scheduled (not a failure). */
  readonly busy?: boolean;
}

/** Waiting for a lock another process holds: the first retry comes after this many ms… */
const LOCK_RETRY_FIRST_MS = 2;
/** …doubling up to this. */
const LOCK_RETRY_MAX_MS = 100;

/**
 * While events are refused, LOG_BUFFER_FULL is heard by 'error' listeners at the first refusal, then
 * at most once a minute (a refusal every turn, e.g. an attacker-sized field, must not raise one error
 * each), and again at the first refusal after a write failure clears. Every refusal is counted and
 * recorded (EventsRefused) all the same.
 */
export const FULL_NOTICE_AGAIN_MS = 60_000;

/** What a logging call returns: accepted (batched) or a promise of durability (durable). */
export type Accepted = boolean | Promise<void>;

export abstract class SinkWriter {
  written = 0;
  refused = 0;
  lastError: AuditpackError | undefined;
  protected refusedUnreported = 0;
  /**
   * Of those, the events larger alone than maxBufferBytes (whether writes work or not), and those
   * refused at a full buffer while writes worked (durable calls of one turn past the bound).
   */
  private tooLargeUnreported = 0;
  private behindUnreported = 0;
  protected reportedFull = false;
  /** When LOG_BUFFER_FULL was last heard (Date.now()): again at most once a FULL_NOTICE_AGAIN_MS. */
  private fullNoticeAt = Number.NEGATIVE_INFINITY;
  /** The delay of the retry scheduled now; 0 while none is. */
  protected retryDelay = 0;
  /** Failed writes in a row: the retry delay doubles with each (100 ms up to 5 s). */
  private failures = 0;
  protected timer: NodeJS.Timeout | undefined;
  /** Set when close() was rejected: the app was told, and the retry no longer keeps the process alive. */
  private closeRejected = false;
  /**
   * The retry while another process holds the log lock (its delay; 0 while none is scheduled),
   * and the flushes waiting for a try that found the lock free.
   */
  protected lockDelay = 0;
  private lockTimer: NodeJS.Timeout | undefined;
  private lockWaiters: (() => void)[] = [];
  /** EventsRefused records buffered and not yet written, with the count each one reports. */
  private readonly reports = new Map<PreparedEvent, number>();
  protected readonly sink: AuditSink;
  protected readonly buffer: EventBuffer;

  constructor(protected readonly ctx: WriterContext) {
    this.sink = ctx.sink;
    this.buffer = ctx.buffer;
  }

  /** Buffers an accepted event and arranges for its write. */
  abstract accept(ev: BufferedEvent): Accepted;
  /** What a call returns when its event is refused or the logger is closed. */
  abstract rejection(err: AuditpackError): Accepted;
  /** Writes everything buffered; settles when it is written (and, durable, synced). */
  abstract flush(): Promise<void>;
  /**
   * Process exit: write what is buffered, synchronously. Returns the error if some of it could not be.
   * `wait` false (a signal the app handles itself: the process goes on): never wait for a lock another
   * process holds, nor for the writer thread; what cannot be written now is written as usual later.
   */
  abstract flushForExit(wait?: boolean): AuditpackError | undefined;
  /** Events handed to a writer thread and not yet acknowledged. */
  abstract get inflight(): number;
  /** Where batched mode's writing happens; undefined for a writer without a thread. */
  writerThread(): WriterThreadState | undefined {
    return undefined;
  }
  /** Called by the retry timer. */
  protected abstract retry(): void;
  /** The `reason` of an EventsRefused event. */
  protected abstract readonly refusedReason: string;

  /** Whether `size` more bytes may be buffered (a writer may first wait for room). */
  makeRoom(size: number): boolean {
    return this.buffer.fits(size);
  }

  /** Closes what the writer itself holds open (the writer thread), after a flush. */
  async closeWriter(): Promise<void> {}

  /** Stops the retry timer: the logger is closed. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.lockTimer) clearTimeout(this.lockTimer);
    this.lockTimer = undefined;
  }

  /** Whether the buffer waits for a lock another process holds (a retry is scheduled). */
  get waitingForLock(): boolean {
    return this.lockTimer !== undefined;
  }

  /** Settles once a try of the lock found it free (written, or failed for another reason). */
  protected lockFreed(): Promise<void> {
    return new Promise((resolve) => this.lockWaiters.push(resolve));
  }

  /**
   * Refuses an event of `size` buffered bytes: the buffer is full, or the event alone is larger
   * than the bound. Reported at the first refusal, then at most once a FULL_NOTICE_AGAIN_MS (and again
   * after a write failure clears), counted always.
   */
  refuse(size: number): Accepted {
    this.refused++;
    this.refusedUnreported++;
    const tooLarge = size > this.buffer.maxBytes;
    if (tooLarge) this.tooLargeUnreported++;
    else if (this.lastError === undefined && !this.waitingForLock) this.behindUnreported++;
    const err = new AuditpackError(
      'LOG_BUFFER_FULL',
      tooLarge
        ? `audit log event refused: larger alone than maxBufferBytes (${this.buffer.maxBytes} bytes)`
        : `audit log buffer full (${this.buffer.bytes} bytes unwritten since: ${this.lastError?.message ?? (this.waitingForLock ? 'another process holds the log lock .audit.lock' : 'writes are slower than logging')}); event refused`,
      { details: { refused: this.refused } },
    );
    const now = Date.now();
    if (!this.reportedFull || now - this.fullNoticeAt >= FULL_NOTICE_AGAIN_MS) {
      this.reportedFull = true;
      this.fullNoticeAt = now;
      this.ctx.emitError(err);
    }
    return this.rejection(err);
  }

  /** Refused events that the log does not record yet: counted only, or in a record still buffered. */
  get unrecordedRefusals(): number {
    let n = this.refusedUnreported;
    for (const count of this.reports.values()) n += count;
    return n;
  }

  /**
   * The EventsRefused record rides on the next successful write; when the refused events were the
   * last ones, nothing follows them. close() and the exit path call this to buffer the record now.
   */
  reportOwed(): void {
    if (this.refusedUnreported > 0) this.reportRefused();
  }

  /**
   * Appends everything buffered. Returns the error if the sink failed (events stay buffered).
   * `wait`: wait for a lock another process holds (process exit only); else the events stay
   * buffered while it is busy and a timer tries again.
   */
  writeOut(wait = false): AuditpackError | undefined {
    return this.appendPending(wait).error;
  }

  /** Called with each batch appended and how many of its events were written. */
  protected wrote(_batch: readonly BufferedEvent[], _n: number): void {}

  /**
   * Appends the buffer to the sink on this thread, then the EventsRefused report if one is owed.
   * On failure the error is recorded and reported, a retry is scheduled, and the unwritten events
   * stay in the buffer.
   */
  protected appendPending(wait = false): Appended {
    let total = 0;
    for (;;) {
      const batch = this.buffer.pending;
      if (batch.length === 0) return { n: total, error: undefined, failed: 0 };
      const { n, error, busy } = this.append(batch, wait);
      if (busy) {
        this.scheduleLockRetry();
        return { n: total, error: undefined, failed: 0, busy: true };
      }
      this.lockTaken();
      if (n > 0) {
        this.recorded(batch, n);
        this.wrote(batch, n);
        this.buffer.written(n);
        this.written += n;
        total += n;
      }
      if (error) {
        this.lastError = error;
        this.ctx.emitError(error);
        this.scheduleRetry();
        return { n: total, error, failed: batch.length - n };
      }
      this.writingWorks();
      if (this.refusedUnreported === 0) return { n: total, error: undefined, failed: 0 };
      this.reportRefused();
    }
  }

  /** The events as the sink may receive them (EventPreparer.finish). */
  private readonly finish = (batch: readonly PreparedEvent[]): readonly PreparedEvent[] =>
    this.ctx.preparer.finish(batch);

  private append(
    batch: readonly BufferedEvent[],
    wait: boolean,
  ): { n: number; error: AuditpackError | undefined; busy?: boolean } {
    try {
      // Redaction before the write: long free text the caller left for the writer is scanned here.
      const sink = this.sink;
      if (wait || sink.tryAppend === undefined) return { n: sink.append(this.finish(batch)), error: undefined };
      // Only once the lock is held: a try that finds it busy costs nothing per buffered event, so a
      // lock another process holds for long does not rescan the whole backlog every retry.
      const n = sink.tryAppend(batch, this.finish);
      return n === undefined ? { n: 0, error: undefined, busy: true } : { n, error: undefined };
    } catch (err) {
      const error =
        err instanceof AuditpackError
          ? err
          : new AuditpackError(
              'LOG_WRITE_FAILED',
              `cannot append to the audit log: ${(err as Error)?.message ?? String(err)}`,
              { cause: err },
            );
      const w = error.details?.written;
      return { n: typeof w === 'number' ? w : 0, error };
    }
  }

  /**
   * Records, as an event of its own, how many events were refused and why: one record for each
   * cause, so that a reason never claims the log could not be written when it could.
   */
  protected reportRefused(): void {
    const { tooLargeUnreported: tooLarge, behindUnreported: behind } = this;
    const rest = this.refusedUnreported - tooLarge - behind;
    this.refusedUnreported = 0;
    this.tooLargeUnreported = 0;
    this.behindUnreported = 0;
    const bound = `maxBufferBytes (${this.buffer.maxBytes} bytes)`;
    if (tooLarge > 0) this.bufferReport(tooLarge, `larger alone than ${bound}`);
    if (behind > 0) this.bufferReport(behind, `buffer full at ${bound} while the audit log was writable`);
    if (rest > 0) this.bufferReport(rest, this.refusedReason);
  }

  private bufferReport(count: number, reason: string): void {
    const record = this.ctx.preparer.prepare('system', 'EventsRefused', { count, reason }, undefined, WRITER);
    this.reports.set(record, count);
    this.buffer.push(record);
  }

  /** The first `n` of `events` are in the log: the EventsRefused records among them owe nothing more. */
  protected recorded(events: readonly PreparedEvent[], n: number): void {
    if (this.reports.size === 0) return;
    for (let i = 0; i < n; i++) this.reports.delete(events[i] as PreparedEvent);
  }

  /** A write succeeded: clear the failure state (retry backoff, buffer-full report). */
  protected writingWorks(): void {
    if (this.lastError) {
      this.lastError = undefined;
      this.retryDelay = 0;
      this.failures = 0;
      this.reportedFull = false;
    }
  }

  /**
   * Another process holds the log lock: try again soon, a few ms first, backing off to 100 ms. The
   * timer keeps the process alive, as a pending write does (batched mode's turn-end flush): a
   * process whose app has nothing else to do still writes its events once the lock is free.
   */
  private scheduleLockRetry(): void {
    if (this.lockTimer) return;
    this.lockDelay = this.lockDelay === 0 ? LOCK_RETRY_FIRST_MS : Math.min(this.lockDelay * 2, LOCK_RETRY_MAX_MS);
    this.lockTimer = setTimeout(() => {
      this.lockTimer = undefined;
      this.retryLock();
      // Not busy again (written here, handed to the writer thread, or failed otherwise): flushes
      // waiting for the lock go on and see for themselves.
      if (this.lockTimer === undefined) this.lockTaken();
    }, this.lockDelay);
  }

  /** A try found the lock free: the backoff starts again, and flushes waiting for it go on. */
  private lockTaken(): void {
    this.lockDelay = 0;
    if (this.lockWaiters.length === 0) return;
    const waiters = this.lockWaiters;
    this.lockWaiters = [];
    for (const w of waiters) w();
  }

  /** Called by the lock-retry timer: write what waits (each mode as its own flush does). */
  protected abstract retryLock(): void;

  protected scheduleRetry(): void {
    // The timer clears retryDelay when it fires, so the backoff grows with the failures in a row.
    this.failures++;
    this.retryDelay = Math.min(100 * 2 ** Math.min(this.failures - 1, 6), 5000);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.retryDelay = 0;
      this.retry();
    }, this.retryDelay);
    if (this.closeRejected || !this.retryKeepsAlive()) this.timer.unref();
  }

  /**
   * Whether the failed-write retry keeps the process alive. Not by default: the exit flush writes
   * what waits (or reports it lost). A mode without one overrides this (batched, handleExit false).
   */
  protected retryKeepsAlive(): boolean {
    return false;
  }

  /** close() failed (its error went to the app): retries go on, and let the process end. */
  closeFailed(): void {
    this.closeRejected = true;
    this.timer?.unref();
  }
}
