/**
 * Durable mode: every call returns a promise that resolves once its line is fsynced; concurrent
 * calls share one write and one fdatasync (group commit). A rejection always means "never
 * written", so a caller that retries writes the event once (docs/FORMAT.md, "Durable mode"); the
 * number of rejected events is recorded as an EventsRefused event once writing works.
 */
import { AuditpackError } from '../errors.js';
import type { BufferedEvent, Waiter } from './buffer.js';
import { type Accepted, SinkWriter } from './writer.js';

/** Marks a promise as handled so an ignored durable result never becomes an unhandled rejection. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

export class DurableWriter extends SinkWriter {
  protected readonly refusedReason = 'durable events rejected: the audit log could not be written';
  private scheduled = false;
  private loop: Promise<void> | undefined;
  /** The waiters of the events written by the current round's appends, in order. */
  private settling: Waiter[] = [];

  get inflight(): number {
    return 0;
  }

  accept(ev: BufferedEvent): Accepted {
    const p = new Promise<void>((resolve, reject) => this.buffer.push({ ...ev, waiter: { resolve, reject } }));
    this.scheduleDurable();
    return handled(p);
  }

  rejection(err: AuditpackError): Accepted {
    return handled(Promise.reject(err));
  }

  async flush(): Promise<void> {
    await this.runDurable();
    // Another process holds the log lock: settle once a retry has written (or failed to write) them.
    if (this.waitingForLock) {
      await this.lockFreed();
      return this.flush();
    }
  }

  flushForExit(wait = true): AuditpackError | undefined {
    this.reportOwed();
    // The last chance to write: wait for a lock another process holds.
    const err = this.writeOut(wait);
    // The callers whose lines this wrote, outside any group commit (whose round takes its own
    // waiters before it awaits): settled here, as a round would settle them. On a signal the app
    // handles itself the process goes on, and a promise left in `settling` never settled.
    const written = this.settling;
    this.settling = [];
    let syncErr: AuditpackError | undefined;
    try {
      this.sink.syncSync();
    } catch (e) {
      // Exiting, nothing more can be done (the data is in the page cache); a process that goes on
      // tells the callers, as a failed group commit's fdatasync does.
      syncErr = this.syncFailed(e);
    }
    for (const w of written) syncErr ? w.reject(syncErr) : w.resolve();
    return err;
  }

  protected retry(): void {
    void this.runDurable().catch(() => undefined);
  }

  protected retryLock(): void {
    void this.runDurable().catch(() => undefined);
  }

  protected override wrote(batch: readonly BufferedEvent[], n: number): void {
    for (let i = 0; i < n; i++) {
      const w = (batch[i] as BufferedEvent).waiter;
      if (w !== undefined) this.settling.push(w);
    }
  }

  private scheduleDurable(): void {
    // No wait for the retry backoff here: a durable caller's event is tried at once, so its promise
    // settles (an unref'd retry timer alone would let the process exit with the promise pending).
    // While another process holds the log lock, its retry timer writes what arrives meanwhile.
    if (this.scheduled || this.loop || this.waitingForLock) return;
    this.scheduled = true;
    // setImmediate, not a microtask: callers in the same turn all join this group commit.
    setImmediate(() => {
      this.scheduled = false;
      void this.runDurable().catch(() => undefined);
    });
  }

  /** Group commit: write what is pending, fdatasync once, settle those callers; repeat while more arrived. */
  private runDurable(): Promise<void> {
    if (this.loop) return this.loop.then(() => (this.buffer.pending.length ? this.runDurable() : undefined));
    let failed = false;
    this.loop = this.commitAll()
      .catch((err: unknown) => {
        failed = true;
        throw err;
      })
      .finally(() => {
        this.loop = undefined;
        this.afterRound(failed);
      });
    return this.loop;
  }

  /**
   * Callers settled in the last round run before this does; any that logged again found the loop
   * still set and did not schedule, so their events are scheduled here (else they would wait for
   * the next unrelated event, or forever). After a failed round, events no caller waits on (the
   * logger's own EventsRefused record) wait for the retry timer, which backs off: scheduling them
   * at once retried a full disk in a loop that kept the process alive for good.
   */
  private afterRound(failed: boolean): void {
    const pending = this.buffer.pending;
    if (pending.length === 0) return;
    if (!failed || pending.some((ev) => ev.waiter !== undefined)) this.scheduleDurable();
    else if (this.timer === undefined) this.scheduleRetry();
  }

  private async commitAll(): Promise<void> {
    while (this.buffer.pending.length > 0) {
      this.settling = [];
      const { n, error, failed, busy } = this.appendPending();
      // Taken now: events logged while the sync below runs were not part of this write.
      const settled = this.settling;
      this.settling = [];
      if (error) this.dropRejected(failed, error);
      const syncErr = n > 0 ? await this.syncOnce() : undefined;
      for (const w of settled) syncErr ? w.reject(syncErr) : w.resolve();
      if (error) throw error;
      if (syncErr) throw syncErr;
      // Another process holds the log lock: the rest stays pending (never rejected for that) and
      // the lock's retry timer writes it.
      if (busy) return;
    }
  }

  /** fdatasync; the error a caller sees when it failed (the event is written but may not survive a crash). */
  private async syncOnce(): Promise<AuditpackError | undefined> {
    try {
      await this.sink.sync();
      return undefined;
    } catch (e) {
      return this.syncFailed(e);
    }
  }

  /** LOG_SYNC_FAILED for a failed fdatasync of written lines: recorded, heard, and what their callers get. */
  private syncFailed(e: unknown): AuditpackError {
    const syncErr = new AuditpackError(
      'LOG_SYNC_FAILED',
      `the event is in the audit log but fsync failed, so it may not survive a crash; do not log it again: ${(e as Error).message}`,
      { cause: e, details: { errno: (e as NodeJS.ErrnoException).code } },
    );
    this.lastError = syncErr;
    this.ctx.emitError(syncErr);
    return syncErr;
  }

  /**
   * After a failed write, the first `failed` buffered events were not written. Those a caller
   * waits on leave the buffer and their promises reject; events no caller waits on (the logger's
   * own reports) stay and are retried.
   */
  private dropRejected(failed: number, error: AuditpackError): void {
    const gone = this.buffer.remove(failed, (ev) => ev.waiter !== undefined);
    for (const ev of gone) {
      this.refused++;
      this.refusedUnreported++;
      ev.waiter?.reject(error);
    }
  }
}
