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

/** The hook a child logs through: one event as `actor` (undefined: the parent's own actor). */
export const RECORD_AS: unique symbol = Symbol('auditpack.recordAs');

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
): AuditLogger<M> {
  const { actor: bound, ...fields } = bindings;
  if (bound !== undefined && typeof bound !== 'string') throw new TypeError('child({ actor }) must be a string');
  const actor = bound ?? actorAbove;
  const bind = Object.freeze({ ...fields });
  const send = (category: string, event: string, own: unknown): LogResult<M> =>
    parent[RECORD_AS](actor, category, event, merge(bind, own)) as LogResult<M>;
  const child = {
    log: (category: string, event: string, own?: AuditFields) => send(category, event, own),
    order: (event: string, own: AuditFields) => send('order', event, own),
    fill: (own: AuditFields, event = 'Filled') => send('fill', event, own),
    config: (configType: string, own: AuditFields) => send('config', 'ConfigChanged', merge({ configType }, own)),
    alert: (own: AuditFields) => send('alert', 'AlertSent', own),
    auth: (event: string, own: AuditFields) => send('auth', event, own),
    child: (more: ChildBindings) => createChild<M>(childParent, { ...bind, ...more }, actor),
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
