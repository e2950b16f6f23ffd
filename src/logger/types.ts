/**
 * Public types of the audit logger.
 */
import type { DurabilityMode } from '../config.js';
import { ARCHIVE_EVENT_NAMES } from '../format/writer-events.js';
import type { AuditpackError } from '../errors.js';
import type { RedactionOptions } from '../redaction/index.js';
import type { EventNameOf, FieldsArgOf } from './custom-events.js';
import type { DeferredText } from './deferred.js';

/** Known categories and their events (others are accepted through `log()`, and recorded with a note). */
export const KNOWN_EVENTS = Object.freeze({
  order: Object.freeze([
    'OrderAccepted',
    'PartiallyFilled',
    'Filled',
    'Rejected',
    'StopUpdated',
    'Cancelled',
    'OrderModified',
    'Expired',
  ] as const),
  fill: Object.freeze(['Filled', 'PartiallyFilled'] as const),
  config: Object.freeze(['ConfigChanged', 'ConfigSnapshot'] as const),
  // ArchiveVerifyFailed: `archive verify` finding problems (src/archive/verify.ts).
  alert: Object.freeze(['AlertSent', 'ArchiveVerifyFailed'] as const),
  auth: Object.freeze(['Login', 'Logout', 'LoginFailed'] as const),
  risk: Object.freeze(['RiskCheck', 'RiskOverride', 'KillSwitchOn', 'KillSwitchOff'] as const),
  decision: Object.freeze(['DecisionRecorded'] as const),
  system: Object.freeze([
    'SnapshotTaken',
    'PackExported',
    'DayClosed',
    'PackPruned',
    'LogPruned',
    'TornLineRecovered',
    'LogDiscontinuity',
    'EventsRefused',
    'LoggerConfigInvalid',
    // What auditpack's own commands record: time-stamping (src/anchor) and the S3 archive (src/archive).
    'Anchored',
    'AnchorFailed',
    'PackTimestamped',
    ...ARCHIVE_EVENT_NAMES,
    'Heartbeat',
  ] as const),
});

export type OrderEvent = (typeof KNOWN_EVENTS.order)[number];
export type FillEvent = (typeof KNOWN_EVENTS.fill)[number];
export type AuthEvent = (typeof KNOWN_EVENTS.auth)[number];

/** Event fields: any JSON-ish values. camelCase keys at the top level are written in snake_case. */
export type AuditFields = Readonly<Record<string, unknown>>;

/** Fields bound to a child logger (`audit.child`); `actor` is who acts for its events. */
export type ChildBindings = AuditFields & { readonly actor?: string };

/** Fields of an order event (all optional: a bad or missing field is noted, never thrown). */
export interface OrderFields extends AuditFields {
  orderId?: string | number;
  symbol?: string;
  side?: string;
  quantity?: number | string;
  price?: number | string;
}

/** Fields of a fill event. */
export interface FillFields extends OrderFields {
  dealId?: string | number;
}

/** Fields of a config change. */
export interface ConfigChangeFields extends AuditFields {
  oldValue?: unknown;
  newValue?: unknown;
  filePath?: string;
}

/** Fields of an alert. */
export interface AlertFields extends AuditFields {
  alertType?: string;
  message?: string;
  severity?: string;
}

/** Fields of a login/logout. */
export interface AuthFields extends AuditFields {
  user?: string;
  sourceIp?: string;
}

/**
 * The destination of serialised lines. The default writes day files under a directory with a
 * cross-process lock; tests inject an in-memory one (like pino's destination stream).
 */
export interface AuditSink {
  /**
   * Appends events in order, each as one line, assigning `seq` and `prev`. Synchronous.
   * Returns how many of `batch` were written whole. On failure after writing some, throws an
   * error whose `written` property (if set) says how many were written whole.
   */
  append(batch: readonly PreparedEvent[]): number;
  /**
   * Optional: like append, but undefined (nothing written) instead of waiting when another writer
   * holds the sink's lock. The logger's own thread uses it when given, and retries on a timer.
   * `finish`, when given, makes the events ready to write (their long text scanned, deferred.ts)
   * and must be applied: once the lock is held, before anything is hashed or written, so that a
   * try finding the lock busy does no work in proportion to the batch.
   */
  tryAppend?(
    batch: readonly PreparedEvent[],
    finish?: (batch: readonly PreparedEvent[]) => readonly PreparedEvent[],
  ): number | undefined;
  /** Makes everything appended so far durable (fdatasync). */
  sync(): Promise<void>;
  /** Synchronous variant of sync(), for process exit. */
  syncSync(): void;
  /** Releases file handles. Idempotent. */
  close(): void;
}

/** An event serialised at call time, waiting for its place in the chain. */
export interface PreparedEvent {
  /** UTC day number of the event's timestamp (decides the file). */
  readonly day: number;
  /** `{"ts":…,"iso_ts":"…"` — no trailing comma, no closing brace. */
  readonly head: string;
  /** `"category":…` up to but excluding the closing brace (may be empty). */
  readonly body: string;
  /**
   * Long strings the writer thread still scans into `body` (deferred.ts). Internal: never set on
   * the events a sink receives, which are finished first.
   */
  readonly deferred?: DeferredText | undefined;
  /**
   * The instant (µs since the epoch) `head` is formatted from. The writer thread gets this number
   * and formats the head itself (createHeadFormatter, a function of it alone) instead of a copy of
   * the text: cloning a second string per event cost the caller's thread more than the number; on
   * the caller's thread such an event formats its head only when read (prepare.ts, TimedEvent).
   * Internal: set only when a writer thread may write the event, never for a caller's sink.
   */
  readonly micros?: number | undefined;
}

/** Options of createAuditLogger. Every one is optional. */
export interface AuditLoggerOptions {
  /** Directory of the day files (default: `logs` under the current directory). */
  logDir?: string;
  /** Redaction settings; `false` turns redaction off (default on). */
  redaction?: boolean | RedactionOptions;
  /** `batched` (default): written at the end of the event-loop turn (or every flushIntervalMs); `durable`: each call's promise resolves after fsync. */
  durability?: DurabilityMode;
  /** Batched mode: wait this long before writing buffered events (default 0: at the end of the current event-loop turn). */
  flushIntervalMs?: number;
  /** Batched mode: write as soon as this many bytes are buffered (default 1 MiB). */
  flushBytes?: number;
  /**
   * Upper bound on memory held for events that could not be written yet (default 64 MiB).
   * Past it new events are refused (the call returns false, an `error` is emitted) and the
   * count of refused events is itself recorded once writing works again. Honoured below
   * `flushBytes` too: batched mode then writes as soon as this much is buffered.
   */
  maxBufferBytes?: number;
  /** Clock returning epoch microseconds (integer). Default: wall clock with µs resolution. */
  clock?: () => number;
  /** Provenance: host name written on every line (default os.hostname()). */
  host?: string;
  /** Provenance: process id written on every line (default process.pid). */
  pid?: number;
  /** Provenance: who acts (a user or service), written as `actor` when set. */
  actor?: string;
  /**
   * Destination, for tests: a `MemorySink`. Default (and the only supported production sink): the file
   * sink on `logDir`, which assigns seq and prev under the cross-process lock, rotates at UTC midnight
   * and recovers torn lines; a sink of your own would have to keep all of that itself.
   */
  sink?: AuditSink;
  /**
   * Batched mode with the default file sink: once the logger is busy, do the chain and the writes
   * on a worker thread (the other core), keeping only redaction and serialisation on the caller's
   * thread (default true). Exit, signals, errors and ordering behave the same either way.
   */
  offload?: boolean;
  /** Flush synchronously on process exit, SIGINT and SIGTERM (default true). */
  handleExit?: boolean;
  /**
   * Write a `system/Heartbeat` event this often, in minutes (default 15; 0 = off; AUDIT_HEARTBEAT_MINUTES
   * for the default logger). Its timer never keeps the process alive.
   */
  heartbeatMinutes?: number;
}

/** What the logger's methods return: `boolean` (accepted) in batched mode, a Promise of durability in durable mode. */
export type LogResult<M extends DurabilityMode> = M extends 'durable' ? Promise<void> : boolean;

/** Listener for write failures; the events stay buffered and are retried. */
export type AuditErrorListener = (err: AuditpackError) => void;

/** The audit logger. Methods never throw. */
export interface AuditLogger<M extends DurabilityMode = DurabilityMode> {
  /**
   * Generic entry point: any lowercase category and event name. Categories an application declared
   * in `CustomEvents` accept only their declared events and fields (checked at compile time).
   */
  log<C extends string, E extends EventNameOf<C>>(category: C, event: E, ...fields: FieldsArgOf<C, E>): LogResult<M>;
  /**
   * A logger whose events carry `bindings` (and, with `actor`, that actor), written through this
   * logger's chain and writer. The call's own fields win over bound ones of the same name.
   */
  child(bindings: ChildBindings): AuditLogger<M>;
  order(event: OrderEvent, fields: OrderFields): LogResult<M>;
  fill(fields: FillFields, event?: FillEvent): LogResult<M>;
  config(configType: string, fields: ConfigChangeFields): LogResult<M>;
  alert(fields: AlertFields): LogResult<M>;
  auth(event: AuthEvent, fields: AuthFields): LogResult<M>;
  /** Writes everything buffered; rejects with LOG_WRITE_FAILED if the write fails (events stay buffered). */
  flush(): Promise<void>;
  /** Flushes, fsyncs, releases files and exit handlers. Rejects like flush() if data could not be written. */
  close(): Promise<void>;
  /** Subscribe to write failures (like an EventEmitter 'error', but never throws when nobody listens). */
  on(event: 'error', listener: AuditErrorListener): this;
  off(event: 'error', listener: AuditErrorListener): this;
  /** Counters, for health checks and tests. */
  stats(): AuditLoggerStats;
}

export interface AuditLoggerStats {
  /** Events accepted so far. */
  readonly accepted: number;
  /** Events written to the sink so far. */
  readonly written: number;
  /** Events currently buffered. */
  readonly buffered: number;
  /** Bytes currently buffered (approximate). */
  readonly bufferedBytes: number;
  /** Events refused because the buffer was full. */
  readonly refused: number;
  /** Last write error, if the sink is currently failing. */
  readonly lastError: AuditpackError | undefined;
  /**
   * Batched mode's writer thread: `idle` until the logger is first busy, `running`, or `stopped` (it
   * could not start or died; `reason` says why, and the events are written on the caller's thread).
   * Undefined when the mode has none (durable, a custom sink, `offload: false`).
   */
  readonly writerThread: WriterThreadState | undefined;
}

/** Where batched mode's writing happens (AuditLoggerStats.writerThread). */
export interface WriterThreadState {
  readonly state: 'idle' | 'running' | 'stopped';
  readonly reason: string | undefined;
}
