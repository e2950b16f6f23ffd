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
import { type MemberSink, MemberScanner, MemberStreamError } from '../json/member-stream.js';

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

/** An order of a state's list checked (throws when out of shape). */
export function checkedOrder(v: unknown, at: string): CarriedOrder {
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

/**
 * Each list of a state and how one of its items is checked, in the order the lists are judged
 * (config_changes, from rules 29, only when there: a state without it, older or with no change
 * waiting, reads).
 */
const ITEMS = {
  kill_switch: (v: unknown, at: string) => {
    const x = obj(v, at);
    return { scope: text(x.scope, `${at}.scope`), evidence: evidence(x.evidence, `${at}.evidence`) };
  },
  sessions: (v: unknown, at: string) => {
    const x = obj(v, at);
    return { user: text(x.user, `${at}.user`), login_us: int(x.login_us, `${at}.login_us`) };
  },
  failed_logins: (v: unknown, at: string) => {
    const x = obj(v, at);
    return {
      user: text(x.user, `${at}.user`),
      last_us: int(x.last_us, `${at}.last_us`),
      times_us: times(x.times_us, `${at}.times_us`),
      flagged_burst_us: int(x.flagged_burst_us, `${at}.flagged_burst_us`),
    };
  },
  open_orders: checkedOrder,
  closed_orders: checkedOrder,
  risk_checks: (v: unknown, at: string) => {
    const x = obj(v, at);
    return {
      key: text(x.key, `${at}.key`),
      t_us: int(x.t_us, `${at}.t_us`),
      pass: bool(x.pass, `${at}.pass`),
      failed: list(x.failed, `${at}.failed`).map((f, i) => text(f, `${at}.failed[${i}]`)),
      reference_price: numOrNull(x.reference_price, `${at}.reference_price`),
      evidence: evidence(x.evidence, `${at}.evidence`),
    };
  },
  overrides: (v: unknown, at: string) => {
    const x = obj(v, at);
    return {
      key: text(x.key, `${at}.key`),
      t_us: int(x.t_us, `${at}.t_us`),
      text: textOrNull(x.text, `${at}.text`),
      evidence: evidence(x.evidence, `${at}.evidence`),
    };
  },
  decisions: (v: unknown, at: string) => {
    const x = obj(v, at);
    return {
      signal_id: text(x.signal_id, `${at}.signal_id`),
      t_us: int(x.t_us, `${at}.t_us`),
      approved: bool(x.approved, `${at}.approved`),
      decision: text(x.decision, `${at}.decision`),
      evidence: evidence(x.evidence, `${at}.evidence`),
    };
  },
  recent_orders: (v: unknown, at: string) => {
    const x = obj(v, at);
    return {
      key: text(x.key, `${at}.key`),
      t_us: int(x.t_us, `${at}.t_us`),
      order_id: text(x.order_id, `${at}.order_id`),
      evidence: evidence(x.evidence, `${at}.evidence`),
    };
  },
  strategy_rates: rate,
  venue_rates: rate,
  clocks: (v: unknown, at: string) => {
    const x = obj(v, at);
    return { process: text(x.process, `${at}.process`), last_us: int(x.last_us, `${at}.last_us`) };
  },
  config_changes: (v: unknown, at: string) => {
    const x = obj(v, at);
    return {
      t_us: int(x.t_us, `${at}.t_us`),
      iso: isoTime(x.iso, `${at}.iso`),
      has_reason: bool(x.has_reason, `${at}.has_reason`),
      unstored: textOrNull(x.unstored, `${at}.unstored`),
      evidence: evidence(x.evidence, `${at}.evidence`),
    };
  },
} as const;

/** The name of a list of a state. */
export type StateList = keyof typeof ITEMS;
const LISTS = Object.keys(ITEMS) as StateList[];
const isList = (k: string): k is StateList => Object.hasOwn(ITEMS, k);
const isHeader = (k: string): boolean => k === 'format' || k === 'date' || k === 'end_us';

/** The document is not JSON. */
class NotJson extends Error {}

function parseJson(json: Buffer): unknown {
  try {
    return JSON.parse(json.toString('utf8'));
  } catch (err) {
    throw new NotJson((err as Error).message);
  }
}

/**
 * A state file's members as the scanner (json/member-stream.ts) hands them on: the header's values,
 * and each list's items checked as they come, of which it keeps all, or (`keepFirst`) the first
 * few of the two order lists, which may hold half a million orders each and are read again from the
 * file when used (carry-file.ts). After the first field out of shape only the syntax is checked
 * (a document that is not JSON says so, whatever else is wrong with it).
 */
export class StateCollector implements MemberSink {
  private readonly values = new Map<string, unknown>();
  private readonly kept = new Map<StateList, unknown[]>();
  private readonly counts = new Map<StateList, number>();
  private readonly ranges = new Map<StateList, { start: number; end: number }>();
  private firstBad: string | undefined;

  /** `keepFirst`: how many of each order list's items to keep (undefined: all). */
  constructor(private readonly keepFirst?: number) {}

  /** The members a state has (others are checked as JSON, then dropped: a name, not kept). */
  uses(key: string): boolean {
    return isList(key) || isHeader(key);
  }
  value(key: string, json: Buffer): void {
    const v = parseJson(json);
    if (this.uses(key)) this.values.set(key, v);
  }
  list(key: string, at: number): void {
    // A header member given as a list reads as one (and fails its check as such).
    if (!isList(key)) {
      if (isHeader(key)) this.values.set(key, []);
      return;
    }
    this.kept.set(key, []);
    this.counts.set(key, 0);
    this.ranges.set(key, { start: at, end: at });
  }
  listEnd(key: string, end: number): void {
    const r = isList(key) ? this.ranges.get(key) : undefined;
    if (r !== undefined) r.end = end;
  }
  item(key: string, index: number, json: Buffer): void {
    const v = parseJson(json);
    if (!isList(key)) return;
    this.counts.set(key, index + 1);
    if (this.firstBad !== undefined) return;
    try {
      const x = ITEMS[key](v, `${key}[${index}]`);
      const orders = key === 'open_orders' || key === 'closed_orders';
      if (!orders || this.keepFirst === undefined || index < this.keepFirst) (this.kept.get(key) as unknown[]).push(x);
    } catch (err) {
      if (!(err instanceof Bad)) throw err;
      this.firstBad = err.message;
    }
  }

  /** Where `key`'s list is in the document: from its `[` to just past its `]` (undefined: no list). */
  range(key: StateList): { readonly start: number; readonly end: number } | undefined {
    return this.ranges.get(key);
  }

  /** The number of items of `key`'s list (0 when it is no list). */
  count(key: StateList): number {
    return this.counts.get(key) ?? 0;
  }

  /**
   * The state, or why it cannot be used: the header first (format, `date`, the day it must be the
   * end of, end_us), then each list in the order of ITEMS, then the first item out of shape.
   */
  finish(date: string | undefined): CarriedState | string {
    try {
      const format = this.values.get('format');
      if (format !== COMPLIANCE_STATE_FORMAT)
        return `format is ${JSON.stringify(format)}, not ${COMPLIANCE_STATE_FORMAT}`;
      const d = text(this.values.get('date'), 'date');
      if (date !== undefined && d !== date) return `it is the state at the end of ${d}, not of ${date}`;
      const end_us = int(this.values.get('end_us'), 'end_us');
      const lists: Record<string, unknown[]> = {};
      for (const k of LISTS) {
        const items = this.kept.get(k);
        if (items !== undefined) lists[k] = items;
        else if (k !== 'config_changes' || this.values.has(k)) list(this.values.get(k), k);
      }
      if (this.firstBad !== undefined) return this.firstBad;
      return { format: COMPLIANCE_STATE_FORMAT, date: d, end_us, ...lists } as unknown as CarriedState;
    } catch (err) {
      if (err instanceof Bad) return err.message;
      throw err;
    }
  }
}

/**
 * Reads a state document's pieces into `collector`: undefined, or `not JSON (…)` when the
 * document is not (then the collector's state is not to be used).
 */
export function scanStatePieces(pieces: Iterable<Buffer>, collector: StateCollector): string | undefined {
  const scanner = new MemberScanner(collector);
  try {
    for (const piece of pieces) scanner.push(piece);
    scanner.end();
  } catch (err) {
    if (err instanceof NotJson || err instanceof MemberStreamError) return `not JSON (${err.message})`;
    throw err;
  }
  return undefined;
}

/**
 * Parses a state file's bytes. Returns the state, or a string saying why it cannot be used (not
 * JSON, not this format, a field out of shape, too large). `date`: the day it must be the end of.
 */
export function parseCarriedState(bytes: Buffer | string, date?: string): CarriedState | string {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  if (buf.length > MAX_STATE_BYTES) return `the state is ${buf.length} bytes, more than the ${MAX_STATE_BYTES} read`;
  const collector = new StateCollector();
  return scanStatePieces([buf], collector) ?? collector.finish(date);
}
