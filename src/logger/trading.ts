/**
 * The trading events that compliance checks read (docs/FORMAT.md, "Trading events"): risk checks,
 * overrides, automated or human decisions, the kill switch, and the order lifecycle. Typed helpers
 * over `logger.log`, so an app writes the field names the checks expect; `auditpack log` validates
 * the same shapes with `tradingEventProblems`. Existing events (orders, fills, logins) keep their
 * shape: these only add events and name the optional fields the checks use.
 */
import type { AuditFields, AuditLogger, LogResult } from './types.js';
import type { DurabilityMode } from '../config.js';

/** One individual check inside a RiskCheck (max notional, fat-finger, position limit…). */
export interface RiskCheckItem {
  readonly name: string;
  readonly passed: boolean;
  readonly value?: number | string;
  readonly limit?: number | string;
}

/** `risk` / `RiskCheck`: the pre-trade check of an order (or of the signal it came from). */
export interface RiskCheckFields extends AuditFields {
  orderId?: string;
  signalId?: string;
  symbol?: string;
  result: 'pass' | 'reject';
  /** The risk model's score (higher is riskier); compared with the policy's max_risk_score. */
  score?: number;
  checks?: readonly RiskCheckItem[];
  /** The reference (mid) price the price collar is measured against. */
  referencePrice?: number | string;
}

/** `risk` / `RiskOverride`: someone let an order through a rejected check or a limit. */
export interface RiskOverrideFields extends AuditFields {
  orderId?: string;
  signalId?: string;
  /** Who overrode. */
  user: string;
  /** Who approved; an override without one is a critical finding. */
  approver?: string;
  reason?: string;
  /** The limit or check overridden. */
  limit?: string;
}

/** `decision` / `DecisionRecorded`: a reviewer's decision on a signal or an order. */
export interface DecisionFields extends AuditFields {
  signalId?: string;
  orderId?: string;
  /** `human`, `llm`, `rule`, … */
  reviewerKind: string;
  reviewer?: string;
  /** e.g. `approve`, `reject`, `override_limits`, `proceed_despite_reject`. */
  decision: string;
  reason?: string;
}

/** `risk` / `KillSwitchOn` or `KillSwitchOff`. */
export interface KillSwitchFields extends AuditFields {
  user?: string;
  reason?: string;
  /** What it stops: `all` (default), a strategy, a venue or a symbol. */
  scope?: string;
}

/** Order lifecycle events, in addition to the fields of OrderFields: what the checks read. */
export const ORDER_LIFECYCLE_EVENTS = Object.freeze([
  'OrderAccepted',
  'OrderModified',
  'StopUpdated',
  'Cancelled',
  'Rejected',
  'PartiallyFilled',
  'Filled',
  'Expired',
] as const);

/** Records a RiskCheck. */
export function logRiskCheck<M extends DurabilityMode>(logger: AuditLogger<M>, fields: RiskCheckFields): LogResult<M> {
  return logger.log('risk', 'RiskCheck', fields);
}

/** Records a RiskOverride. */
export function logRiskOverride<M extends DurabilityMode>(
  logger: AuditLogger<M>,
  fields: RiskOverrideFields,
): LogResult<M> {
  return logger.log('risk', 'RiskOverride', fields);
}

/** Records a DecisionRecorded. */
export function logDecision<M extends DurabilityMode>(logger: AuditLogger<M>, fields: DecisionFields): LogResult<M> {
  return logger.log('decision', 'DecisionRecorded', fields);
}

/** Records KillSwitchOn (`on` true) or KillSwitchOff. */
export function logKillSwitch<M extends DurabilityMode>(
  logger: AuditLogger<M>,
  on: boolean,
  fields: KillSwitchFields = {},
): LogResult<M> {
  return logger.log('risk', on ? 'KillSwitchOn' : 'KillSwitchOff', fields);
}

const isStr = (v: unknown): boolean => typeof v === 'string' && v !== '';
const isNum = (v: unknown): boolean =>
  (typeof v === 'number' && Number.isFinite(v)) ||
  (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));

/**
 * What is wrong with the fields of a trading event (snake_case, as written), or [] when nothing is
 * or the event is not one of this module's. For `auditpack log`, which refuses a malformed event
 * before it enters the trail, where it could only become a confusing finding later.
 */
export function tradingEventProblems(category: string, event: string, f: Readonly<Record<string, unknown>>): string[] {
  const p: string[] = [];
  const need = (k: string, ok: (v: unknown) => boolean, what: string): void => {
    if (Object.hasOwn(f, k) && !ok(f[k])) p.push(`${k} must be ${what}`);
  };
  const one = (keys: string[]): void => {
    if (!keys.some((k) => isStr(f[k]))) p.push(`one of ${keys.join(', ')} is required`);
  };
  if (category === 'risk' && event === 'RiskCheck') {
    one(['order_id', 'signal_id']);
    if (f.result !== 'pass' && f.result !== 'reject') p.push('result must be "pass" or "reject"');
    need('score', isNum, 'a number');
    need('reference_price', isNum, 'a number');
    need(
      'checks',
      (v) =>
        Array.isArray(v) &&
        v.every(
          (c) =>
            typeof c === 'object' &&
            c !== null &&
            isStr((c as { name?: unknown }).name) &&
            typeof (c as { passed?: unknown }).passed === 'boolean',
        ),
      'an array of {"name", "passed": true|false}',
    );
  } else if (category === 'risk' && event === 'RiskOverride') {
    one(['order_id', 'signal_id']);
    if (!isStr(f.user)) p.push('user is required');
  } else if (category === 'decision' && event === 'DecisionRecorded') {
    one(['signal_id', 'order_id']);
    if (!isStr(f.reviewer_kind)) p.push('reviewer_kind is required (human, llm, rule, …)');
    if (!isStr(f.decision)) p.push('decision is required');
  } else if (category === 'order' && (ORDER_LIFECYCLE_EVENTS as readonly string[]).includes(event)) {
    if (!isStr(f.order_id) && typeof f.order_id !== 'number') p.push('order_id is required');
    need('quantity', isNum, 'a number');
    need('price', isNum, 'a number');
  } else if (category === 'fill') {
    if (!isStr(f.order_id) && typeof f.order_id !== 'number') p.push('order_id is required');
    need('quantity', isNum, 'a number');
    need('price', isNum, 'a number');
  }
  return p;
}
