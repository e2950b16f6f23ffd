/**
 * `audit.child({ strategy: 'mm-eurusd', account: 'ACC7', actor: 'desk7' })`: a logger whose events
 * carry those fields, written through the parent's chain, writer, buffer and error listeners (one
 * sequence, one file per day; nothing is opened). A thin wrapper: it merges fields and forwards.
 * The call's own fields win over bound ones of the same name (as in pino); `actor` is provenance, not
 * a field, so it replaces the parent's configured actor for the child's events.
 */
import type {
  AuditErrorListener,
  AuditFields,
  AuditLogger,
  AuditLoggerStats,
  ChildBindings,
  LogResult,
} from './types.js';
import type { DurabilityMode } from '../config.js';
import { AuditpackError } from '../errors.js';

/** The hook a child logs through: one event as `actor` (undefined: the parent's own actor). */
export const RECORD_AS: unique symbol = Symbol('auditpack.recordAs');

/**
 * The proof, passed as an argument, that an event is one of the writer's own: an object no logger
 * property holds, so a caller cannot pass it to the logger's TypeScript-private methods, which plain
 * JavaScript can call.
 */
export const WRITER: unique symbol = Symbol('auditpack.writer');
export type WriterMark = typeof WRITER;

/** How a logger records one of auditpack's own reserved events (src/format/writer-events.ts). */
export type WriterEventRecorder = (category: string, event: string, fields: unknown) => boolean | Promise<void>;

/**
 * The loggers that may write a reserved event, each with its recorder. Module-private: no property
 * of a logger (not even a symbol-keyed one, which Object.getOwnPropertySymbols finds) leads here, so
 * a caller holding the logger cannot write under a reserved name; only internal modules that import
 * this file can.
 */
const writerEvents = new WeakMap<object, WriterEventRecorder>();

/** Called by the logger itself when it is made: `record` writes a reserved event as the writer. */
export function authoriseWriterEvents(logger: object, record: WriterEventRecorder): void {
  writerEvents.set(logger, record);
}

/** Records one of auditpack's own events (export, retention) through `logger`, under its reserved name. */
export function recordWriterEvent(
  logger: object,
  category: string,
  event: string,
  fields: unknown,
): boolean | Promise<void> {
  const record = writerEvents.get(logger);
  if (record === undefined)
    throw new AuditpackError('INTERNAL', 'recordWriterEvent: not a logger made by createAuditLogger');
  return record(category, event, fields);
}

/** What a parent offers its children. */
export interface ChildParent {
  [RECORD_AS](actor: string | undefined, category: string, event: string, fields: unknown): boolean | Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  stats(): AuditLoggerStats;
  on(event: 'error', listener: AuditErrorListener): unknown;
  off(event: 'error', listener: AuditErrorListener): unknown;
}

/** Makes a child of `parent` with `bindings` (a child of a child binds both, the inner winning). */
export function createChild<M extends DurabilityMode>(
  parent: ChildParent,
  bindings: ChildBindings,
  actorAbove?: string,
  bindAbove: Readonly<Record<string, unknown>> = {},
): AuditLogger<M> {
  const { bound, fields } = readBindings(bindings);
  const actor = bound ?? actorAbove;
  const bind = Object.freeze({ ...bindAbove, ...fields });
  const send = (category: string, event: string, own: unknown): LogResult<M> =>
    parent[RECORD_AS](actor, category, event, merge(bind, own)) as LogResult<M>;
  const child = {
    log: (category: string, event: string, own?: AuditFields) => send(category, event, own),
    order: (event: string, own: AuditFields) => send('order', event, own),
    fill: (own: AuditFields, event = 'Filled') => send('fill', event, own),
    config: (configType: string, own: AuditFields) => send('config', 'ConfigChanged', merge({ configType }, own)),
    alert: (own: AuditFields) => send('alert', 'AlertSent', own),
    auth: (event: string, own: AuditFields) => send('auth', event, own),
    child: (more: ChildBindings) => createChild<M>(childParent, more, actor, bind),
    flush: () => parent.flush(),
    close: () => parent.close(),
    stats: () => parent.stats(),
    on(event: 'error', listener: AuditErrorListener) {
      parent.on(event, listener);
      return child;
    },
    off(event: 'error', listener: AuditErrorListener) {
      parent.off(event, listener);
      return child;
    },
  };
  // A grandchild logs through the same parent: bindings are merged, not chained through wrappers.
  const childParent: ChildParent = parent;
  return child as unknown as AuditLogger<M>;
}

/** ` (TypeError)` for an instance of a built-in error class, else nothing; never calls the thrown value. */
function errorKind(err: unknown): string {
  for (const E of [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError, Error])
    if (err instanceof E) return ` (${E.name})`;
  return '';
}

/**
 * The actor and fields of `child(bindings)`. Never throws (the logger never throws into its
 * caller): bindings that are no object, cannot be read (a throwing getter, a revoked Proxy) or bind
 * a non-string actor are kept as a `bindings_error` field on every event of the child, so the log
 * shows that the child was made wrongly instead of the call failing.
 */
function readBindings(bindings: unknown): { bound: string | undefined; fields: Record<string, unknown> } {
  if (bindings === undefined || bindings === null) return { bound: undefined, fields: {} };
  if (typeof bindings !== 'object')
    return { bound: undefined, fields: { bindings_error: 'bindings are not an object' } };
  try {
    const { actor, ...fields } = bindings as Record<string, unknown>;
    if (actor === undefined || typeof actor === 'string') return { bound: actor, fields };
    return { bound: undefined, fields: { ...fields, bindings_error: 'actor is not a string; not bound' } };
  } catch (err) {
    // The thrower's message is not kept, as a field's throwing getter is "[Unreadable]": it is the
    // app's text (a lazy vault lookup that failed names what it looked up) and it would be written
    // on every event of the child. Only a built-in error class's name says what kind of failure.
    return {
      bound: undefined,
      fields: { bindings_error: `bindings cannot be read: a getter or a Proxy trap threw${errorKind(err)}` },
    };
  }
}

/**
 * Bound fields, then the call's own. An object whose properties cannot be read (a throwing getter, a
 * revoked Proxy) is passed on as it is: the parent records such an event as unserialisable.
 */
function merge(bind: Readonly<Record<string, unknown>>, own: unknown): unknown {
  if (own === undefined || own === null) return bind;
  if (typeof own !== 'object') return { ...bind, value: own };
  try {
    return { ...bind, ...own };
  } catch {
    return own;
  }
}
