/**
 * createAuditLogger: the hot path of auditpack.
 *
 * A call redacts and serialises the event at once (prepare.ts: later mutation of the caller's
 * object cannot change the record) and buffers the result (buffer.ts); the chain fields (`seq`,
 * `prev`) are added when the batch is appended, under the cross-process lock, because only then is
 * the previous line known. When and how the buffer is written is the writer's: batched-writer.ts
 * (the default) or durable-writer.ts (each call's promise resolves once its line is fsynced).
 * Methods never throw; write failures reach the app through rejected flush()/close(), rejected
 * durable promises and the `error` listeners.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { DurabilityMode } from '../config.js';
import { AuditpackError } from '../errors.js';
import { provenanceText, RECOVERY } from '../format/log-line.js';
import { compileRedactor, type RedactionOptions } from '../redaction/index.js';
import { BatchedWriter } from './batched-writer.js';
import { loggerBounds } from './bounds.js';
import { bufferedSize, EventBuffer } from './buffer.js';
import { authoriseWriterEvents, createChild, RECORD_AS, WRITER, type WriterMark } from './child.js';
import { systemClock } from './clock.js';
import { DurableWriter } from './durable-writer.js';
import { registerExitFlush, reportExitFailure } from './exit.js';
import { FileSink } from './file-sink.js';
import { heartbeatIntervalMs, startHeartbeat } from './heartbeat.js';
import { EventPreparer } from './prepare.js';
import type {
  AlertFields,
  AuditErrorListener,
  AuditFields,
  AuditLogger,
  AuditLoggerOptions,
  AuditLoggerStats,
  AuditSink,
  AuthEvent,
  AuthFields,
  ChildBindings,
  ConfigChangeFields,
  FillEvent,
  FillFields,
  OrderEvent,
  OrderFields,
} from './types.js';
import type { Accepted, SinkWriter, WriterContext } from './writer.js';

/** close(): the first wait before writing again after a failed write (it doubles each time)… */
const CLOSE_RETRY_MS = 50;
/** …up to this wait (50 + 100 + … + 1600 ms: about 3 s in all before close() gives up). */
const CLOSE_RETRY_MAX_MS = 1600;
/** close(): flush rounds at most (failed ones and those that found new events). */
const CLOSE_ROUNDS = 12;

/**
 * Creates an audit logger. See AuditLoggerOptions; every option has a default.
 * In durable mode each logging call returns a Promise that resolves once the event is fsynced.
 */
export function createAuditLogger<M extends DurabilityMode = 'batched'>(
  options: AuditLoggerOptions & { durability?: M } = {},
): AuditLogger<M> {
  return new Logger(options) as unknown as AuditLogger<M>;
}

/**
 * Does in `logDir` what a writer does before its first append, and appends no event of its own:
 * under the log lock the chain head is brought to the files, so a torn tail a writer would recover
 * is recovered now, by the writer's own code, its TornLineRecovered dated by `clock`. For export,
 * before it reads a day file whole (docs/FORMAT.md, "Torn lines and recovery").
 */
export async function settleLog(options: Pick<AuditLoggerOptions, 'logDir' | 'clock'>): Promise<void> {
  const logger = new Logger({ ...options, handleExit: false, durability: 'durable', heartbeatMinutes: 0 });
  try {
    Logger.settle(logger);
  } finally {
    await logger.close();
  }
}

/** The redactor that createAuditLogger's `redaction` option stands for. */
function redactionOptionsOf(r: AuditLoggerOptions['redaction']): RedactionOptions {
  return r === undefined || r === true ? {} : r === false ? { enabled: false } : r;
}

/**
 * The rules as plain values for the writer thread (which gets a structured clone): a caller's
 * extra property or RegExp subclass must not stop the thread from starting. Called after
 * compileRedactor accepted them, so every pattern is a string or a RegExp.
 */
function cloneableRedaction(r: RedactionOptions): RedactionOptions {
  return {
    enabled: r.enabled !== false,
    censor: r.censor,
    keys: r.keys === undefined ? undefined : [...r.keys],
    patterns: r.patterns?.map((p) => (typeof p === 'string' ? p : new RegExp(p.source, p.flags))),
  };
}

class Logger {
  private readonly preparer: EventPreparer;
  private readonly sink: AuditSink;
  private readonly buffer: EventBuffer;
  private readonly writer: SinkWriter;
  private readonly listeners = new Set<AuditErrorListener>();
  private readonly unregisterExit: (() => void) | undefined;
  private readonly stopHeartbeat: () => void;
  private accepted = 0;
  private closed = false;
  /**
   * Set once close()'s last flush left nothing buffered: from then on calls are refused (LOG_CLOSED)
   * while close() closes the writer thread and syncs. Accepted then, an event waited for a write
   * that came after the sink was closed, and was lost with the call told `true`.
   */
  private sealed = false;
  /** Set once the exit flush ran on `'exit'`: later calls are written at once (writeAtExit). */
  private exiting = false;
  private closing: Promise<void> | undefined;

  constructor(options: AuditLoggerOptions) {
    const heartbeatMs = heartbeatIntervalMs(options.heartbeatMinutes);
    const provenance = provenanceText(options.host ?? hostname(), options.pid ?? process.pid);
    const redaction = redactionOptionsOf(options.redaction);
    const threadless = options.sink !== undefined || options.offload === false;
    const durable = options.durability === 'durable';
    this.preparer = new EventPreparer({
      clock: options.clock ?? systemClock(),
      redactor: compileRedactor(redaction),
      provenance,
      defaultActor: options.actor,
      // Long free text is scanned by the writer thread (deferred.ts) when there is one.
      defer: !threadless && !durable && redaction.enabled !== false,
      keepMicros: !threadless && !durable,
    });
    const { maxBufferBytes, flushBytes, flushIntervalMs } = loggerBounds(options);
    this.buffer = new EventBuffer(maxBufferBytes);
    const dir = resolve(options.logDir ?? 'logs');
    this.sink =
      options.sink ??
      new FileSink({
        dir,
        recoveryEvent: (fields, event = RECOVERY.event) =>
          this.preparer.prepare(RECOVERY.category, event, fields, undefined, WRITER),
      });
    const ctx: WriterContext = {
      sink: this.sink,
      buffer: this.buffer,
      preparer: this.preparer,
      emitError: (err) => this.emitError(err),
    };
    this.writer = durable
      ? new DurableWriter(ctx)
      : new BatchedWriter(ctx, {
          flushIntervalMs,
          flushBytes,
          exitFlush: options.handleExit !== false,
          offload: threadless ? undefined : { dir, provenance, redaction: cloneableRedaction(redaction) },
        });
    this.unregisterExit =
      options.handleExit === false
        ? undefined
        : registerExitFlush((final, ending) => {
            this.flushSyncForExit(final || ending);
            // From here on the event loop never turns again: a later call (an event logged in an
            // 'exit' listener the app added after this one) is written before it returns.
            if (final) this.exiting = true;
          });
    this.stopHeartbeat = startHeartbeat(heartbeatMs, (c, e, f) => this.record(c, e, f, undefined, WRITER));
    // auditpack's own events (export, retention) under their reserved names, through no public property.
    authoriseWriterEvents(this, (c, e, f) => this.record(c, e, f, undefined, WRITER));
  }

  /** settleLog's step: only a logger's own file sink settles (a caller's sink has no head to settle). */
  static settle(logger: Logger): void {
    if (logger.sink instanceof FileSink) logger.sink.settle();
  }

  // ----- the public methods -------------------------------------------------------------

  log(category: string, event: string, fields?: AuditFields): Accepted {
    return this.record(category, event, fields);
  }

  child(bindings: ChildBindings): AuditLogger {
    return createChild(this, bindings);
  }

  /** A child's event (child.ts): this logger's chain and writer, the child's actor. */
  [RECORD_AS](actor: string | undefined, category: string, event: string, fields: unknown): Accepted {
    return this.record(category, event, fields, actor);
  }

  order(event: OrderEvent, fields: OrderFields): Accepted {
    return this.record('order', event, fields);
  }

  fill(fields: FillFields, event: FillEvent = 'Filled'): Accepted {
    return this.record('fill', event, fields);
  }

  config(configType: string, fields: ConfigChangeFields): Accepted {
    let merged: AuditFields;
    try {
      merged = { configType, ...fields };
    } catch {
      merged = { configType };
    }
    return this.record('config', 'ConfigChanged', merged);
  }

  alert(fields: AlertFields): Accepted {
    return this.record('alert', 'AlertSent', fields);
  }

  auth(event: AuthEvent, fields: AuthFields): Accepted {
    return this.record('auth', event, fields);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      this.stopHeartbeat();
      try {
        await this.writeEverything();
        await this.writer.closeWriter();
        await this.sink.sync();
      } catch (err) {
        // Keep the logger usable for a retry of close() after the operator frees space; its retries
        // no longer keep the process alive (the app has the error and decides).
        this.closing = undefined;
        this.sealed = false;
        this.writer.closeFailed();
        throw this.closeError(err);
      }
      this.closed = true;
      this.writer.stop();
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
    const w = this.writer;
    return {
      accepted: this.accepted,
      written: w.written,
      buffered: this.buffer.pending.length + w.inflight,
      bufferedBytes: this.buffer.bytes,
      refused: w.refused,
      lastError: w.lastError,
      writerThread: w.writerThread(),
    };
  }

  // ----- the hot path -------------------------------------------------------------------

  private record(category: string, event: string, fields: unknown, actor?: string, writer?: WriterMark): Accepted {
    if (this.closed || this.sealed) {
      const err = new AuditpackError(
        'LOG_CLOSED',
        this.closed ? 'audit logger used after close()' : 'audit logger used while close() was finishing',
      );
      this.emitError(err);
      return this.writer.rejection(err);
    }
    const ev = this.preparer.prepare(category, event, fields, actor, writer);
    const size = bufferedSize(ev);
    if (!this.writer.makeRoom(size)) return this.writer.refuse(size);
    this.accepted++;
    const accepted = this.writer.accept(ev);
    if (this.exiting) this.writeAtExit();
    return accepted;
  }

  /**
   * A call after the exit flush ran on `'exit'`: its deferred write would never run, so it is written
   * now, synchronously, like the exit flush; a failure goes to stderr and the exit status as the
   * exit flush's does (exit.ts).
   */
  private writeAtExit(): void {
    try {
      this.flushSyncForExit();
    } catch (err) {
      reportExitFailure(err);
    }
  }

  /**
   * close()'s flush: the events still buffered and the EventsRefused record still owed (refused
   * events that were the last ones have no later write to carry their record). A failed write is
   * tried again after CLOSE_RETRY_MS, doubling each time, so a disk that frees up within a few
   * seconds still gets everything; then the error goes to the caller, and close() never waits
   * for good. Events logged while this runs get a few more rounds (12 at most, and none after a
   * round that left no less waiting than it found), not an unbounded chase: then calls are refused
   * (`sealed`) and what came is written. It returns with nothing buffered and
   * the logger sealed, in the same step, so no call is accepted after its last write.
   */
  private async writeEverything(): Promise<void> {
    let delay = CLOSE_RETRY_MS;
    for (let round = 0; round < CLOSE_ROUNDS; round++) {
      this.writer.reportOwed();
      const before = this.buffer.pending.length + this.writer.inflight;
      try {
        await this.flush();
      } catch (err) {
        // A bounded lock wait (the CLI's AUDITPACK_LOCK_TIMEOUT, lock-wait.ts) already waited as long
        // as it was told to: retrying would add the retries' ~3 s to the bound the user set.
        if (delay > CLOSE_RETRY_MAX_MS || (err instanceof AuditpackError && err.code === 'LOG_LOCK_TIMEOUT')) throw err;
        await new Promise((r) => setTimeout(r, delay));
        delay *= 2;
        continue;
      }
      if (this.buffer.pending.length === 0 && this.writer.unrecordedRefusals === 0) {
        this.sealed = true;
        return;
      }
      // The app logs as fast as the writer writes (a loaded machine, the writer thread behind):
      // more rounds would chase it for ever longer, each waiting for a longer backlog. Seal now.
      if (this.buffer.pending.length + this.writer.inflight >= before) break;
    }
    // Still logging after CLOSE_ROUNDS rounds, or faster than the writer: take no more, and write what came.
    this.sealed = true;
    this.writer.reportOwed();
    await this.flush();
  }

  /** The error close() rejects with: typed, and saying how many refusals the log does not record yet. */
  private closeError(err: unknown): AuditpackError {
    const e =
      err instanceof AuditpackError
        ? err
        : new AuditpackError('LOG_WRITE_FAILED', `cannot sync the audit log: ${(err as Error).message}`, {
            cause: err,
          });
    const unrecorded = this.writer.unrecordedRefusals;
    if (unrecorded === 0) return e;
    // LOG_LOCK_TIMEOUT comes from a command-line run (the bound is the CLI's): its message already
    // says the event was not written and to run the command again; its user has no close().
    const tail =
      e.code === 'LOG_LOCK_TIMEOUT'
        ? ''
        : `; the log does not yet record that ${unrecorded} events were refused (EventsRefused): close() again once it can be written`;
    return new AuditpackError(e.code, `${e.message}${tail}`, {
      cause: e.cause ?? e,
      details: { ...e.details, unrecordedRefusals: unrecorded },
    });
  }

  /**
   * The exit handler's flush (exit.ts). Throws when events could not be written: nothing after
   * this can write them, so the handler says so on stderr and in the exit status. `wait` false on a
   * signal the app handles itself: the process goes on, so it neither waits for a lock another
   * process holds (a stopped one holds it for good) nor is its failure a loss (exit.ts).
   */
  private flushSyncForExit(wait = true): void {
    if (this.closed) return;
    const err = this.writer.flushForExit(wait);
    if (err === undefined) return;
    const unwritten = this.buffer.pending.length;
    const refusals = this.writer.unrecordedRefusals;
    const also = refusals > 0 ? `, nor that ${refusals} events were refused before` : '';
    throw new AuditpackError(
      err.code,
      `at process exit ${unwritten} audit events could not be written to the audit log and are lost${also}: ${err.message}`,
      { cause: err, details: { ...err.details, unwritten, unrecordedRefusals: refusals } },
    );
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
