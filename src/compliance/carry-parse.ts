/**
 * Reading a carried compliance state (carry.ts) as hostile input: a state file comes from a pack
 * that an attacker may have edited, so every field is checked for its type and the whole is
 * refused, with a reason, at the first thing out of shape. A refused state is never half-used.
 */
import {
  type CarriedOrder,
  type CarriedRate,
  type CarriedState,
  COMPLIANCE_STATE_FORMAT,
  MAX_STATE_BYTES,
} from './carry.js';
import type { Evidence } from './types.js';

type Obj = Record<string, unknown>;

class Bad extends Error {}

function obj(v: unknown, at: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Bad(`${at} is not an object`);
  return v as Obj;
}
function list(v: unknown, at: string): unknown[] {
  if (!Array.isArray(v)) throw new Bad(`${at} is not a list`);
  return v;
}
function int(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Bad(`${at} is not an integer`);
  return v;
}
function num(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Bad(`${at} is not a number`);
  return v;
}
function numOrNull(v: unknown, at: string): number | null {
  return v === null ? null : num(v, at);
}
function text(v: unknown, at: string): string {
  if (typeof v !== 'string') throw new Bad(`${at} is not a string`);
  return v;
}
function textOrNull(v: unknown, at: string): string | null {
  return v === null ? null : text(v, at);
}
function bool(v: unknown, at: string): boolean {
  if (typeof v !== 'boolean') throw new Bad(`${at} is not true or false`);
  return v;
}
function evidence(v: unknown, at: string): Evidence {
  const o = obj(v, at);
  const hash = text(o.line_sha256, `${at}.line_sha256`);
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Bad(`${at}.line_sha256 is not a SHA-256`);
  return {
    file: text(o.file, `${at}.file`),
    seq: int(o.seq, `${at}.seq`),
    line: int(o.line, `${at}.line`),
    line_sha256: hash,
  };
}
/** A finding's time as a log line's iso_ts gives it: a date, `T`, and at most 40 more characters. */
function isoTime(v: unknown, at: string): string {
  const t = text(v, at);
  if (!/^\d{4}-\d{2}-\d{2}T.{0,40}$/su.test(t)) throw new Bad(`${at} is not an ISO 8601 time`);
  return t;
}
function times(v: unknown, at: string): number[] {
  return list(v, at).map((t, i) => int(t, `${at}[${i}]`));
}

const STATUS = new Set<CarriedOrder['status']>(['open', 'filled', 'cancelled', 'rejected', 'expired']);

function order(v: unknown, at: string): CarriedOrder {
  const o = obj(v, at);
  const status = text(o.status, `${at}.status`) as CarriedOrder['status'];
  if (!STATUS.has(status)) throw new Bad(`${at}.status is not an order status`);
  return {
    order_id: text(o.order_id, `${at}.order_id`),
    t_us: int(o.t_us, `${at}.t_us`),
    symbol: textOrNull(o.symbol, `${at}.symbol`),
    evidence: evidence(o.evidence, `${at}.evidence`),
    time_in_force: text(o.time_in_force, `${at}.time_in_force`),
    quantity: num(o.quantity, `${at}.quantity`),
    price: numOrNull(o.price, `${at}.price`),
    reference_price: numOrNull(o.reference_price, `${at}.reference_price`),
    strategy: textOrNull(o.strategy, `${at}.strategy`),
    venue: textOrNull(o.venue, `${at}.venue`),
    filled: num(o.filled, `${at}.filled`),
    status,
    overfilled: bool(o.overfilled, `${at}.overfilled`),
  };
}
function rate(v: unknown, at: string): CarriedRate {
  const o = obj(v, at);
  return {
    name: text(o.name, `${at}.name`),
    times_us: times(o.times_us, `${at}.times_us`),
    breaching: bool(o.breaching, `${at}.breaching`),
  };
}
function each<T>(o: Obj, k: string, f: (v: Obj, at: string) => T): T[] {
  return list(o[k], k).map((v, i) => f(obj(v, `${k}[${i}]`), `${k}[${i}]`));
}

/** The engine's entries of a state (everything but the header), checked. */
function entries(o: Obj): Omit<CarriedState, 'format' | 'date' | 'end_us'> {
  return {
    kill_switch: each(o, 'kill_switch', (x, at) => ({
      scope: text(x.scope, `${at}.scope`),
      evidence: evidence(x.evidence, `${at}.evidence`),
    })),
    sessions: each(o, 'sessions', (x, at) => ({
      user: text(x.user, `${at}.user`),
      login_us: int(x.login_us, `${at}.login_us`),
    })),
    failed_logins: each(o, 'failed_logins', (x, at) => ({
      user: text(x.user, `${at}.user`),
      last_us: int(x.last_us, `${at}.last_us`),
      times_us: times(x.times_us, `${at}.times_us`),
      flagged_burst_us: int(x.flagged_burst_us, `${at}.flagged_burst_us`),
    })),
    open_orders: list(o.open_orders, 'open_orders').map((v, i) => order(v, `open_orders[${i}]`)),
    closed_orders: list(o.closed_orders, 'closed_orders').map((v, i) => order(v, `closed_orders[${i}]`)),
    risk_checks: each(o, 'risk_checks', (x, at) => ({
      key: text(x.key, `${at}.key`),
      t_us: int(x.t_us, `${at}.t_us`),
      pass: bool(x.pass, `${at}.pass`),
      failed: list(x.failed, `${at}.failed`).map((f, i) => text(f, `${at}.failed[${i}]`)),
      reference_price: numOrNull(x.reference_price, `${at}.reference_price`),
      evidence: evidence(x.evidence, `${at}.evidence`),
    })),
    overrides: each(o, 'overrides', (x, at) => ({
      key: text(x.key, `${at}.key`),
      t_us: int(x.t_us, `${at}.t_us`),
      text: textOrNull(x.text, `${at}.text`),
      evidence: evidence(x.evidence, `${at}.evidence`),
    })),
    decisions: each(o, 'decisions', (x, at) => ({
      signal_id: text(x.signal_id, `${at}.signal_id`),
      t_us: int(x.t_us, `${at}.t_us`),
      approved: bool(x.approved, `${at}.approved`),
      decision: text(x.decision, `${at}.decision`),
      evidence: evidence(x.evidence, `${at}.evidence`),
    })),
    recent_orders: each(o, 'recent_orders', (x, at) => ({
      key: text(x.key, `${at}.key`),
      t_us: int(x.t_us, `${at}.t_us`),
      order_id: text(x.order_id, `${at}.order_id`),
      evidence: evidence(x.evidence, `${at}.evidence`),
    })),
    strategy_rates: list(o.strategy_rates, 'strategy_rates').map((v, i) => rate(v, `strategy_rates[${i}]`)),
    venue_rates: list(o.venue_rates, 'venue_rates').map((v, i) => rate(v, `venue_rates[${i}]`)),
    clocks: each(o, 'clocks', (x, at) => ({
      process: text(x.process, `${at}.process`),
      last_us: int(x.last_us, `${at}.last_us`),
    })),
    // From rules 29, only when some change waits: a state without it (older, or none waiting) reads.
    ...(o.config_changes === undefined
      ? {}
      : {
          config_changes: each(o, 'config_changes', (x, at) => ({
            t_us: int(x.t_us, `${at}.t_us`),
            iso: isoTime(x.iso, `${at}.iso`),
            has_reason: bool(x.has_reason, `${at}.has_reason`),
            unstored: textOrNull(x.unstored, `${at}.unstored`),
            evidence: evidence(x.evidence, `${at}.evidence`),
          })),
        }),
  };
}

/**
 * Parses a state file's bytes. Returns the state, or a string saying why it cannot be used (not
 * JSON, not this format, a field out of shape, too large). `date`: the day it must be the end of.
 */
export function parseCarriedState(bytes: Buffer | string, date?: string): CarriedState | string {
  if (bytes.length > MAX_STATE_BYTES)
    return `the state is ${bytes.length} bytes, more than the ${MAX_STATE_BYTES} read`;
  let v: unknown;
  try {
    v = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  try {
    const o = obj(v, 'the state');
    if (o.format !== COMPLIANCE_STATE_FORMAT)
      return `format is ${JSON.stringify(o.format)}, not ${COMPLIANCE_STATE_FORMAT}`;
    const d = text(o.date, 'date');
    if (date !== undefined && d !== date) return `it is the state at the end of ${d}, not of ${date}`;
    return { format: COMPLIANCE_STATE_FORMAT, date: d, end_us: int(o.end_us, 'end_us'), ...entries(o) };
  } catch (err) {
    if (err instanceof Bad) return err.message;
    throw err;
  }
}
