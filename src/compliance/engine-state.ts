/**
 * The state of one compliance run, shared by the rule files (order-rules.ts, event-rules.ts): what
 * is open or recent, the policy in force, the summary, and where findings go. Only bounded maps
 * (state.ts), so memory does not grow with the day.
 */
import type { CompliancePolicy } from './policy.js';
import { ExpiringMap, FindingSink, type RateWindow } from './state.js';
import type { PolicyInForce, PolicyTimeline } from './timeline.js';
import type { AuditSummary, Evidence, RuleId } from './types.js';
import type { SnapshotStoreCheck, UnstoredSnapshot } from './snapshot-check.js';

/** A parsed log line: the event's fields as JSON.parse returns them. */
export type LogEvent = Readonly<Record<string, unknown>>;

/** Where a line is, for evidence (the seq is the event's). */
export interface LineRef {
  readonly file: string;
  readonly line: number;
  readonly hash: string;
}

/** An order as the checks follow it. */
export interface Order {
  readonly tUs: number;
  readonly id: string;
  readonly symbol: string | null;
  readonly newRef: Evidence;
  readonly tif: string;
  qty: number;
  /** The limit price as last set (null for a market order); a modification's checks read it. */
  price: number | null;
  /** The reference price the order was checked against when accepted (a modification's collar). */
  ref: number | null;
  /** Who sends its messages: a modify or cancel that does not repeat them is counted under these. */
  readonly strategy: string | null;
  readonly venue: string | null;
  filled: number;
  status: 'open' | 'filled' | 'cancelled' | 'rejected' | 'expired';
  overfilled: boolean;
}
/** The latest risk check for an order or a signal. */
export interface RiskCheck {
  readonly tUs: number;
  readonly pass: boolean;
  readonly failed: readonly string[];
  readonly refPrice: number | null;
  readonly ev: Evidence;
}
/** When something happened, its evidence and, for overrides, who and why. */
export interface Stamp {
  readonly tUs: number;
  readonly ev: Evidence;
  readonly text?: string;
}
/** The latest decision on a signal: only an approving one lets its orders through. */
export interface Decision extends Stamp {
  readonly approved: boolean;
  readonly decision: string;
}
/** A config change waiting for its snapshot. */
export interface PendingConfig {
  readonly tUs: number;
  readonly ev: Evidence;
  readonly iso: string;
  readonly hasReason: boolean;
  snapshot: boolean;
  /** Why a ConfigSnapshot in its window did not count (its snapshot is not in the store as logged). */
  unstored?: string;
}

/** A user's recent failed logins. */
export interface FailedLogins {
  tUs: number;
  times: number[];
  flaggedBurstAt: number;
}

/** One second in microseconds, the engine's time unit. */
export const SECOND = 1_000_000;

/** The maps and counters one run keeps, and `add` for a finding under the policy in force. */
export class EngineState {
  readonly sink = new FindingSink();
  readonly open = new Map<string, Order>();
  readonly closed = new ExpiringMap<Order>(200_000);
  readonly risk = new ExpiringMap<RiskCheck>(1_000_000);
  readonly overrides = new ExpiringMap<Stamp>(100_000);
  readonly decisions = new ExpiringMap<Decision>(1_000_000);
  readonly recentNew = new ExpiringMap<Stamp & { id: string }>(1_000_000);
  readonly sessions = new Map<string, number>();
  readonly failed = new Map<string, FailedLogins>();
  readonly killSwitch = new Map<string, Evidence>();
  /** Message-rate windows per strategy and per venue, by name. */
  readonly strategyRates = new Map<string, RateWindow>();
  readonly venueRates = new Map<string, RateWindow>();
  readonly otr = new Map<string, { orders: number; trades: number; first: Evidence }>();
  readonly clocks = new Map<string, { last: number }>();
  lastClock: { last: number } | undefined;
  lastHost: unknown;
  lastPid: unknown;
  readonly configs = new ExpiringMap<PendingConfig>(100_000);
  /** The snapshot store check (absent: no store at hand, every ConfigSnapshot counts). */
  snapshotCheck: SnapshotStoreCheck | undefined;
  /** ConfigSnapshots whose snapshot is not in the store as logged, by unstoredKey, at most MAX_UNSTORED. */
  readonly unstored = new Map<string, UnstoredSnapshot>();
  readonly summary: AuditSummary = {
    events: 0,
    malformed_lines: 0,
    by_category: Object.create(null) as Record<string, number>,
    orders_new: 0,
    order_messages: 0,
    fills: 0,
    risk_checks: 0,
    risk_rejects: 0,
    overrides: 0,
    decisions: 0,
    logins: 0,
    failed_logins: 0,
    config_changes: 0,
    by_hour: new Array<number>(24).fill(0),
    first_event: null,
    last_event: null,
  };
  p: CompliancePolicy;
  inForce: PolicyInForce | undefined;
  nowUs = 0;
  count = 0;
  peakOpen = 0;

  constructor(readonly timeline: PolicyTimeline) {
    this.inForce = timeline.entries[0] as PolicyInForce;
    this.p = this.inForce.policy;
  }

  /** Records a finding, unless the policy in force disables its rule. */
  add(
    rule: RuleId,
    time: string,
    orderIds: readonly string[],
    symbol: string | null,
    description: string,
    evidence: readonly Evidence[],
  ): void {
    const p = this.p;
    if (p.disabled_rules.includes(rule)) return;
    this.sink.add(p.max_findings, rule, p.severities[rule], time, orderIds, symbol, description, evidence);
  }
}

/** A non-empty string, else null. */
export function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}
/** An id: a non-empty string, or a finite number as text. */
export function idOf(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
}
/** A finite number, from a number or a numeric string. */
export function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}
/**
 * A value the event gives (neither absent nor JSON null) that is no finite number: "1e400",
 * Infinity, "NaN", "5,000,000". Such a quantity or price cannot be held to a limit, so it is a
 * finding of its own rather than a value the checks skip.
 */
export function unreadableNumber(v: unknown): boolean {
  return v !== undefined && v !== null && num(v) === null;
}
/** A number with thousands separators. */
export function fmt(n: number): string {
  // Thousands separators by hand: toLocaleString costs microseconds, and a day may have many findings.
  const [int, frac] = String(n).split('.');
  const grouped = (int as string).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}
