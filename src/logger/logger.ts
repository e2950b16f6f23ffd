/**
 * createAuditLogger: the hot path of auditpack.
 *
 * A call redacts and serialises the event at once (so later mutation of the caller's object cannot
 * change the record) and buffers the result; the chain fields (`seq`, `prev`) are added when the
 * batch is appended, under the cross-process lock, because only then is the previous line known.
 *
 * Batched mode (default): the buffer is written at the end of the current event-loop turn (or
 * every `flushIntervalMs` if set), as soon as `flushBytes` are buffered, on flush()/close(), and
 * synchronously on process exit, SIGINT and SIGTERM. Durable mode: every call returns a promise
 * that resolves once its line is fsynced; concurrent calls share one write and one fdatasync
 * (group commit). Methods never throw; write failures reach the app through rejected
 * flush()/close(), rejected durable promises and the `error` listeners. Batched events whose write
 * failed stay buffered and are retried; a rejected durable event was never written and leaves the
 * buffer (see dropRejected).
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { DurabilityMode } from '../config.js';
import { AuditpackError } from '../errors.js';
import { compileRedactor, type Redactor } from '../redaction/index.js';
import { dayNumberOf } from '../rotation/index.js';
import {
  CATEGORY_RE,
  categoryEventText,
  createHeadFormatter,
  provenanceText,
  RECOVERY,
  unserialisableBody,
} from '../format/log-line.js';
import { systemClock } from './clock.js';
import { registerExitFlush } from './exit.js';
import { FileSink } from './file-sink.js';
import { Offloader } from './offload.js';
import { heartbeatIntervalMs, startHeartbeat } from './heartbeat.js';
import { prepareBody } from './serialize.js';
import {
  KNOWN_EVENTS,
  type AlertFields,
  type AuditErrorListener,
  type AuditFields,
  type AuditLogger,
  type AuditLoggerOptions,
  type AuditLoggerStats,
  type AuditSink,
  type AuthEvent,
  type AuthFields,
  type ConfigChangeFields,
  type FillEvent,
  type FillFields,
  type OrderEvent,
  type OrderFields,
  type PreparedEvent,
} from './types.js';

/** `Not A Category` → `not_a_category`: a name CATEGORY_RE accepts, `other` when nothing is left. */
function lowercaseName(s: string): string {
  const n = s
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^[^a-z]+/, '')
    .slice(0, 64);
  return n === '' ? 'other' : n;
}
/** A flush this large means the logger is busy: start the writer thread (batched mode). */
const OFFLOAD_START_EVENTS = 256;
/** Backpressure: past this many events in flight, wait for the writer thread to catch up… */
const OFFLOAD_HIGH_WATER = 32_768;
/** …down to this many. */
const OFFLOAD_LOW_WATER = 8_192;
/** On exit, how long to wait for the writer thread to finish what it was given. */
const EXIT_DRAIN_MS = 5_000;
const KNOWN: Readonly<Record<string, readonly string[] | undefined>> = Object.assign(
  Object.create(null) as object,
  KNOWN_EVENTS,
);

/** A category and event name, serialised, with the notes they earn. */
interface CategoryEvent {
  readonly json: string;
  readonly notes: string[] | undefined;
}

/** Memory an event holds while buffered, as counted against maxBufferBytes (text + bookkeeping). */
function bufferedSize(ev: PreparedEvent): number {
  return ev.head.length + ev.body.length + 96;
}

interface Waiter {
  resolve(): void;
  reject(err: AuditpackError): void;
}

/**
 * Creates an audit logger. See AuditLoggerOptions; every option has a default.
 * In durable mode each logging call returns a Promise that resolves once the event is fsynced.
 */
export function createAuditLogger<M extends DurabilityMode = 'batched'>(
  options: AuditLoggerOptions & { durability?: M } = {},
): AuditLogger<M> {
  return new Logger(options) as unknown as AuditLogger<M>;
}

class Logger {
  private readonly durable: boolean;
  private readonly redactor: Redactor;
  private readonly clock: () => number;
  private readonly head: (micros: number) => string;
  private readonly provenance: string;
  private readonly defaultActor: string | undefined;
  private readonly sink: AuditSink;
  /** Batched mode with the default file sink: the writer thread (see offload.ts). */
  private readonly offload: Offloader | undefined;
  private readonly flushIntervalMs: number;
  private readonly flushBytes: number;
  private readonly maxBufferBytes: number;
  private readonly listeners = new Set<AuditErrorListener>();
  private readonly unregisterExit: (() => void) | undefined;
  private readonly stopHeartbeat: () => void;

  private pending: PreparedEvent[] = [];
  /** Bytes of every event not yet written: in `pending` and, with the writer thread, in flight. */
  private pendingBytes = 0;
  /** Bytes of the events in `pending` only (what a flush would send now). */
  private unsentBytes = 0;
  /** Durable mode: one entry per pending event (undefined for events no caller waits on). */
  private waiters: (Waiter | undefined)[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private retryDelay = 0;
  private durableLoop: Promise<void> | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  private accepted = 0;
  private written = 0;
  private refused = 0;
  private refusedUnreported = 0;
  private lastError: AuditpackError | undefined;
  private reportedFull = false;
  // Object.create(null): category and event names are caller input.
  // Category → event → serialised pair. Two levels, so the lookup hashes the caller's (usually
  // constant, already hashed) strings instead of building and hashing a combined key per event.
  private catEvCache = new Map<string, Map<string, CategoryEvent>>();
  private catEvCacheSize = 0;

  constructor(options: AuditLoggerOptions) {
    this.durable = options.durability === 'durable';
    const heartbeatMs = heartbeatIntervalMs(options.heartbeatMinutes);
    const r = options.redaction;
    this.redactor = compileRedactor(r === undefined || r === true ? {} : r === false ? { enabled: false } : r);
    this.clock = options.clock ?? systemClock();
    this.head = createHeadFormatter();
    const host = options.host ?? hostname();
    const pid = options.pid ?? process.pid;
    this.provenance = provenanceText(host, pid);
    this.defaultActor = options.actor;
    this.flushIntervalMs = Math.max(0, options.flushIntervalMs ?? 0);
    this.flushBytes = Math.max(1, options.flushBytes ?? 1024 * 1024);
    this.maxBufferBytes = Math.max(this.flushBytes, options.maxBufferBytes ?? 64 * 1024 * 1024);
    const dir = resolve(options.logDir ?? 'logs');
    this.sink =
      options.sink ??
      new FileSink({
        dir,
        recoveryEvent: (fields) => this.prepare(RECOVERY.category, RECOVERY.event, fields),
      });
    this.offload =
      this.durable || options.sink !== undefined || options.offload === false
        ? undefined
        : new Offloader(dir, this.provenance, {
            written: (events) => this.offloadWritten(events),
            failed: (err, unwritten) => this.offloadFailed(err, unwritten),
            lost: (_err, unwritten) => {
              // Not a write failure: the thread is gone. Write on this thread from now on.
              this.requeue(unwritten);
              this.writePending(true);
            },
          });
    this.unregisterExit = options.handleExit === false ? undefined : registerExitFlush(() => this.flushSyncForExit());
    this.stopHeartbeat = startHeartbeat(heartbeatMs, (c, e, f) => this.record(c, e, f));
  }

  // ----- the public methods -------------------------------------------------------------

  log(category: string, event: string, fields?: AuditFields): boolean | Promise<void> {
    return this.record(category, event, fields);
  }

  order(event: OrderEvent, fields: OrderFields): boolean | Promise<void> {
    return this.record('order', event, fields);
  }

  fill(fields: FillFields, event: FillEvent = 'Filled'): boolean | Promise<void> {
    return this.record('fill', event, fields);
  }

  config(configType: string, fields: ConfigChangeFields): boolean | Promise<void> {
    let merged: AuditFields;
    try {
      merged = { configType, ...fields };
    } catch {
      merged = { configType };
    }
    return this.record('config', 'ConfigChanged', merged);
  }

  alert(fields: AlertFields): boolean | Promise<void> {
    return this.record('alert', 'AlertSent', fields);
  }

  auth(event: AuthEvent, fields: AuthFields): boolean | Promise<void> {
    return this.record('auth', event, fields);
  }

  flush(): Promise<void> {
    if (this.durable) return this.runDurable();
    const err = this.writeOut();
    if (err) return Promise.reject(err);
    return this.offload?.usable ? this.offload.drain() : Promise.resolve();
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      this.stopHeartbeat();
      try {
        await this.flush();
        if (this.offload?.usable) {
          await this.offload.sync();
          await this.offload.close();
        }
        await this.sink.sync();
      } catch (err) {
        // Keep the logger usable for a retry of close() after the operator frees space.
        this.closing = undefined;
        throw err instanceof AuditpackError
          ? err
          : new AuditpackError('LOG_WRITE_FAILED', `cannot sync the audit log: ${(err as Error).message}`, {
              cause: err,
            });
      }
      this.closed = true;
      if (this.timer) clearTimeout(this.timer);
      this.unregisterExit?.();
      this.sink.close();
    })();
    return this.closing;
  }

  on(event: 'error', listener: AuditErrorListener): this {
    if (event === 'error') this.listeners.add(listener);
    return this;
  }

  off(event: 'error', listener: AuditErrorListener): this {
    if (event === 'error') this.listeners.delete(listener);
    return this;
  }

  stats(): AuditLoggerStats {
    return {
      accepted: this.accepted,
      written: this.written,
      buffered: this.pending.length + (this.offload?.inflightEvents ?? 0),
      bufferedBytes: this.pendingBytes,
      refused: this.refused,
      lastError: this.lastError,
    };
  }

  // ----- the hot path -------------------------------------------------------------------

  private record(category: string, event: string, fields: unknown): boolean | Promise<void> {
    if (this.closed) {
      const err = new AuditpackError('LOG_CLOSED', 'audit logger used after close()');
      this.emitError(err);
      return this.durable ? handled(Promise.reject(err)) : false;
    }
    const ev = this.prepare(category, event, fields);
    const size = bufferedSize(ev);
    if (this.pendingBytes + size > this.maxBufferBytes) {
      // With the writer thread, a full buffer may only mean it is behind: wait for it (as a
      // synchronous write would have) before refusing anything.
      if (this.offload?.usable && this.lastError === undefined && this.offload.inflightEvents > 0)
        this.offload.waitForRoom(0);
      if (this.pendingBytes + size > this.maxBufferBytes) return this.refuse();
    }
    this.pending.push(ev);
    this.pendingBytes += size;
    this.unsentBytes += size;
    this.accepted++;
    if (this.durable) {
      const p = new Promise<void>((res, rej) => this.waiters.push({ resolve: res, reject: rej }));
      this.scheduleDurable();
      return handled(p);
    }
    if (this.unsentBytes >= this.flushBytes && this.retryDelay === 0) this.writeOut();
    else this.schedule();
    return true;
  }

  /** Serialises an event now; never throws. */
  private prepare(category: string, event: string, fields: unknown): PreparedEvent {
    const micros = this.clock();
    let head: string;
    let day: number;
    // Before 1970 the line cannot be written in the log format (ts is unsigned), so it is broken too.
    if (Number.isSafeInteger(micros) && micros >= 0) {
      head = this.head(micros);
      day = dayNumberOf(micros);
    } else {
      // A broken injected clock must not lose the event: fall back to the wall clock, noted.
      const now = Date.now() * 1000;
      head = this.head(now);
      day = dayNumberOf(now);
      fields = {
        ...(typeof fields === 'object' && fields !== null ? fields : { value: fields }),
        clock_error: String(micros),
      };
    }
    let body: string;
    try {
      const ce = this.categoryEvent(category, event);
      // One flat string (see prepareBody): a rope of pieces would cost again when it is flattened
      // for the write or the hand-over to the writer thread.
      body = prepareBody(ce.json, ce.notes, fields, this.redactor, this.defaultActor, this.provenance);
    } catch (err) {
      const why = String((err as Error)?.message ?? err);
      body = unserialisableBody(this.categoryEvent(String(category), String(event)).json, why, this.provenance);
    }
    return { day, head, body };
  }

  private categoryEvent(category: string, event: string): CategoryEvent {
    if (typeof category === 'string' && typeof event === 'string') {
      const ce = this.catEvCache.get(category)?.get(event);
      if (ce !== undefined) return ce;
    } else {
      // A JavaScript caller's non-string names: a Symbol throws here, as it always did, and
      // prepare() records the event with its fallback body.
      void `${category}${event}`;
    }
    const notes: string[] = [];
    let cat = typeof category === 'string' ? category : String(category);
    let ev = typeof event === 'string' ? event : String(event);
    // The line must still be one the verifier accepts (docs/FORMAT.md, "A line"): a bad name is
    // recorded in the note and written in a form the format allows.
    if (!CATEGORY_RE.test(cat)) {
      const given = cat;
      cat = lowercaseName(cat);
      notes.push(
        `category: ${JSON.stringify(given.slice(0, 64))} is not a lowercase name; written as ${JSON.stringify(cat)}`,
      );
    }
    if (ev.length === 0) {
      ev = 'Unnamed';
      notes.push('event: empty event name; written as "Unnamed"');
    } else if (KNOWN[cat]?.includes(ev) === false)
      notes.push(`event: ${JSON.stringify(ev.slice(0, 64))} is not a known ${cat} event`);
    cat = this.redactor.redactString(cat.slice(0, 256));
    if (!CATEGORY_RE.test(cat)) cat = 'redacted'; // a secret-shaped name: the censor is no lowercase name
    ev = this.redactor.redactString(ev.slice(0, 256));
    const ce: CategoryEvent = {
      json: categoryEventText(cat, ev),
      notes: notes.length ? notes : undefined,
    };
    if (typeof category === 'string' && typeof event === 'string') {
      // Bounded: names are caller input.
      if (this.catEvCacheSize >= 1000) {
        this.catEvCache.clear();
        this.catEvCacheSize = 0;
      }
      let byEvent = this.catEvCache.get(category);
      if (byEvent === undefined) this.catEvCache.set(category, (byEvent = new Map()));
      byEvent.set(event, ce);
      this.catEvCacheSize++;
    }
    return ce;
  }

  private refuse(): boolean | Promise<void> {
    this.refused++;
    this.refusedUnreported++;
    const err = new AuditpackError(
      'LOG_BUFFER_FULL',
      `audit log buffer full (${this.pendingBytes} bytes unwritten since: ${this.lastError?.message ?? 'writes are slower than logging'}); event refused`,
      { details: { refused: this.refused } },
    );
    if (!this.reportedFull) {
      this.reportedFull = true;
      this.emitError(err);
    }
    return this.durable ? handled(Promise.reject(err)) : false;
  }

  // ----- writing ------------------------------------------------------------------------

  private schedule(): void {
    if (this.scheduled || this.retryDelay > 0) return;
    this.scheduled = true;
    const run = (): void => {
      this.scheduled = false;
      this.timer = undefined;
      this.writeOut();
    };
    if (this.flushIntervalMs > 0) {
      this.timer = setTimeout(run, this.flushIntervalMs);
      this.timer.unref();
    } else {
      // Not unref'd: one pending turn must not let the process exit with events unwritten
      // (with handleExit: false and no close(), nothing else would write them).
      setImmediate(run);
    }
  }

  /** Appends everything buffered. Returns the error if the sink failed (events stay buffered). */
  private writeOut(): AuditpackError | undefined {
    return this.writePending().error;
  }

  /**
   * Appends the buffer; returns how many events were written and the waiters (durable mode) of
   * those events, which the caller settles after syncing.
   */
  private writePending(direct = false): {
    n: number;
    settled: (Waiter | undefined)[];
    error: AuditpackError | undefined;
    failed: number;
  } {
    if (this.pending.length === 0) return { n: 0, settled: [], error: undefined, failed: 0 };
    const off = this.offload;
    if (!direct && off && (off.usable || (this.pending.length >= OFFLOAD_START_EVENTS && off.start()))) {
      // Hand the batch to the writer thread; it stays counted as buffered until acknowledged.
      if (off.inflightEvents > OFFLOAD_HIGH_WATER) off.waitForRoom(OFFLOAD_LOW_WATER);
      const batch = this.pending;
      this.pending = [];
      this.unsentBytes = 0;
      off.post(batch);
      return { n: 0, settled: [], error: undefined, failed: 0 };
    }
    const batch = this.pending;
    let n = 0;
    let error: AuditpackError | undefined;
    try {
      n = this.sink.append(batch);
    } catch (err) {
      error =
        err instanceof AuditpackError
          ? err
          : new AuditpackError(
              'LOG_WRITE_FAILED',
              `cannot append to the audit log: ${(err as Error)?.message ?? String(err)}`,
              { cause: err },
            );
      const w = error.details?.written;
      n = typeof w === 'number' ? w : 0;
    }
    let settled: (Waiter | undefined)[] = [];
    if (n > 0) {
      let bytes = 0;
      for (let i = 0; i < n; i++) {
        const ev = batch[i] as PreparedEvent;
        bytes += bufferedSize(ev);
      }
      this.pending = n === batch.length ? [] : batch.slice(n);
      this.pendingBytes = Math.max(0, this.pendingBytes - bytes);
      this.unsentBytes = Math.max(0, this.unsentBytes - bytes);
      this.written += n;
      if (this.durable) settled = this.waiters.splice(0, n);
    }
    if (error) {
      this.lastError = error;
      this.emitError(error);
      this.scheduleRetry();
      return { n, settled, error, failed: batch.length - n };
    }
    this.writingWorks();
    if (this.refusedUnreported > 0) {
      this.reportRefused();
      const more = this.writePending(direct);
      return { n: n + more.n, settled: [...settled, ...more.settled], error: more.error, failed: more.failed };
    }
    return { n, settled, error: undefined, failed: 0 };
  }

  /** Records, as an event of its own, how many events were refused while the buffer was full. */
  private reportRefused(): void {
    const count = this.refusedUnreported;
    this.refusedUnreported = 0;
    const reason = this.durable
      ? 'durable events rejected: the audit log could not be written'
      : 'buffer full while the audit log could not be written';
    const ev = this.prepare('system', 'EventsRefused', { count, reason });
    this.pending.push(ev);
    this.pendingBytes += bufferedSize(ev);
    this.unsentBytes += bufferedSize(ev);
    if (this.durable) this.waiters.push(undefined);
  }

  private scheduleRetry(): void {
    this.retryDelay = Math.min(Math.max(this.retryDelay * 2, 100), 5000);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.retryDelay = 0;
      if (this.durable) void this.runDurable().catch(() => undefined);
      else this.writeOut();
    }, this.retryDelay);
    this.timer.unref();
  }

  private scheduleDurable(): void {
    // No wait for the retry backoff here: a durable caller's event is tried at once, so its promise
    // settles (an unref'd retry timer alone would let the process exit with the promise pending).
    if (this.scheduled || this.durableLoop) return;
    this.scheduled = true;
    // setImmediate, not a microtask: callers in the same turn all join this group commit.
    setImmediate(() => {
      this.scheduled = false;
      void this.runDurable().catch(() => undefined);
    });
  }

  /** Group commit: write what is pending, fdatasync once, settle those callers; repeat while more arrived. */
  private runDurable(): Promise<void> {
    if (this.durableLoop) return this.durableLoop.then(() => (this.pending.length ? this.runDurable() : undefined));
    const loop = async (): Promise<void> => {
      while (this.pending.length > 0) {
        const { n, settled, error, failed } = this.writePending();
        // Taken now: events logged while the sync below runs were not part of this write.
        if (error) this.dropRejected(failed, error);
        let syncErr: AuditpackError | undefined;
        if (n > 0) {
          try {
            await this.sink.sync();
          } catch (e) {
            syncErr = new AuditpackError(
              'LOG_SYNC_FAILED',
              `the event is in the audit log but fsync failed, so it may not survive a crash; do not log it again: ${(e as Error).message}`,
              { cause: e, details: { errno: (e as NodeJS.ErrnoException).code } },
            );
            this.lastError = syncErr;
            this.emitError(syncErr);
          }
        }
        for (const w of settled) {
          if (w) syncErr ? w.reject(syncErr) : w.resolve();
        }
        if (error) throw error;
        if (syncErr) throw syncErr;
      }
    };
    this.durableLoop = loop().finally(() => {
      this.durableLoop = undefined;
      // Callers settled in the last round run before this does; any that logged again found the
      // loop still set and did not schedule. Without this their events would wait for the next
      // unrelated event, or forever.
      if (this.pending.length > 0) this.scheduleDurable();
    });
    return this.durableLoop;
  }

  /**
   * Durable mode, after a failed write: the first `failed` buffered events were not written. Those
   * a caller waits on leave the buffer and their promises reject, so a rejection always means
   * "never written" and a caller that retries writes the event once (docs/FORMAT.md, "Durable
   * mode"). Their number is recorded as an EventsRefused event once writing works. Events no
   * caller waits on (the logger's own reports) stay and are retried.
   */
  private dropRejected(failed: number, error: AuditpackError): void {
    const events = this.pending.splice(0, failed);
    const waiters = this.waiters.splice(0, failed);
    const kept: PreparedEvent[] = [];
    for (let i = 0; i < events.length; i++) {
      const ev = events[i] as PreparedEvent;
      const w = waiters[i];
      if (w === undefined) {
        kept.push(ev);
        continue;
      }
      const size = bufferedSize(ev);
      this.pendingBytes = Math.max(0, this.pendingBytes - size);
      this.unsentBytes = Math.max(0, this.unsentBytes - size);
      this.refused++;
      this.refusedUnreported++;
      w.reject(error);
    }
    this.pending = [...kept, ...this.pending];
    this.waiters = [...kept.map(() => undefined), ...this.waiters];
  }

  /** A write succeeded: clear the failure state (retry backoff, buffer-full report). */
  private writingWorks(): void {
    if (this.lastError) {
      this.lastError = undefined;
      this.retryDelay = 0;
      this.reportedFull = false;
    }
  }

  /** Puts events handed back by the writer thread in front of the buffer, in order. */
  private requeue(events: readonly PreparedEvent[]): void {
    if (events.length === 0) return;
    this.pending = [...events, ...this.pending];
    for (const ev of events) this.unsentBytes += bufferedSize(ev);
  }

  /** The writer thread wrote these (oldest first). */
  private offloadWritten(events: readonly PreparedEvent[]): void {
    let bytes = 0;
    for (const ev of events) bytes += bufferedSize(ev);
    this.pendingBytes = Math.max(0, this.pendingBytes - bytes);
    this.written += events.length;
    this.writingWorks();
    if (this.refusedUnreported > 0) {
      this.reportRefused();
      this.schedule();
    }
  }

  /** The writer thread could not write these: back to the front of the buffer, in order, and retried. */
  private offloadFailed(err: AuditpackError, unwritten: PreparedEvent[]): void {
    this.requeue(unwritten);
    this.lastError = err;
    this.emitError(err);
    this.scheduleRetry();
  }

  private flushSyncForExit(): void {
    if (this.closed) return;
    if (this.offload) {
      // Let the writer thread finish what it holds, take back what it did not write, and write
      // that and the rest here, synchronously, under the same lock.
      this.requeue(this.offload.drainSync(EXIT_DRAIN_MS));
      this.writePending(true);
      return;
    }
    this.writeOut();
    try {
      this.sink.syncSync();
    } catch {
      // Exiting: nothing more can be done; the data is in the page cache.
    }
  }

  private emitError(err: AuditpackError): void {
    for (const l of this.listeners) {
      try {
        l(err);
      } catch {
        // A listener's bug must not reach the logging call.
      }
    }
  }
}

/** Marks a promise as handled so an ignored durable result never becomes an unhandled rejection. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
