/**
 * Types of the compliance checks: severities, rule ids, findings with their evidence, and the
 * report (docs/FORMAT.md, "Compliance report").
 */

/** Finding severities, least to most severe. */
export const SEVERITIES = Object.freeze(['info', 'warning', 'critical'] as const);
export type Severity = (typeof SEVERITIES)[number];

/** Every rule, with its default severity and what it means. Ids are public: added, never renamed. */
export const RULES = Object.freeze({
  missing_risk_check: { severity: 'critical', title: 'order sent with no earlier passing risk check' },
  risk_override: { severity: 'critical', title: 'risk check rejected, order executed anyway' },
  override_unapproved: { severity: 'critical', title: 'risk override without approver or reason' },
  risk_score_exceeded: { severity: 'warning', title: 'risk score above the policy maximum' },
  risk_check_failed: { severity: 'critical', title: 'individual risk checks failed but the order proceeded' },
  order_notional_exceeded: { severity: 'warning', title: 'order notional above the limit' },
  order_size_exceeded: { severity: 'warning', title: 'order quantity above the maximum order size' },
  price_collar_breached: { severity: 'warning', title: 'price outside the collar around the reference price' },
  message_rate_exceeded: { severity: 'warning', title: 'order messages per second above the limit' },
  order_to_trade_ratio_exceeded: { severity: 'warning', title: 'order-to-trade ratio above the limit (RTS 9)' },
  fill_without_order: { severity: 'critical', title: 'fill for an order never seen' },
  overfill: { severity: 'critical', title: 'filled quantity above the order quantity' },
  activity_after_close: {
    severity: 'critical',
    title: 'fill or modification after the order was cancelled, rejected or complete',
  },
  cancel_unknown_order: { severity: 'critical', title: 'cancel of an unknown order' },
  order_open_at_end_of_day: { severity: 'info', title: 'day order still open at the end of the day' },
  duplicate_order: { severity: 'warning', title: 'duplicate order within the window' },
  order_id_reused: { severity: 'warning', title: 'order id reused' },
  kill_switch_violation: { severity: 'critical', title: 'new order while the kill switch was on' },
  restricted_symbol: { severity: 'critical', title: 'restricted symbol traded' },
  order_without_login: { severity: 'warning', title: 'order from a user without a valid login' },
  order_after_failed_logins: { severity: 'warning', title: 'order after a burst of failed logins' },
  config_change_unrecorded: { severity: 'warning', title: 'config change without a snapshot or a reason' },
  config_snapshot_backdated: {
    severity: 'warning',
    title: 'config snapshot dated before a line logged before it (back-dated)',
  },
  review_missing: { severity: 'warning', title: 'required review missing' },
  forbidden_decision: { severity: 'critical', title: 'forbidden decision recorded' },
  clock_backwards: { severity: 'info', title: 'time went backwards for a host and process' },
  invalid_quantity: { severity: 'critical', title: 'order or fill with a zero or negative quantity or price' },
  kill_switch_scope_unknown: {
    severity: 'warning',
    title: 'kill switch with a scope the checks do not know (held as all)',
  },
  order_id_missing: { severity: 'critical', title: 'order or fill event with no usable order id' },
  modify_unknown_order: { severity: 'critical', title: 'modification of an unknown order' },
  open_orders_over_cap: {
    severity: 'warning',
    title:
      "open orders over max_open_orders, max_open_order_bytes or the carried state's limit: the oldest were dropped (a later fill of one is of an order never seen)",
  },
} as const satisfies Record<string, { severity: Severity; title: string }>);
export type RuleId = keyof typeof RULES;
export const RULE_IDS = Object.freeze(Object.keys(RULES) as RuleId[]);

/** Where a finding's evidence is in the log: enough to find the line and prove its bytes. */
export interface Evidence {
  /** Log file name (`audit-YYYYMMDD.jsonl`; in a pack, `data/audit.jsonl`). */
  readonly file: string;
  readonly seq: number;
  /** 1-based line number in the file. */
  readonly line: number;
  /** SHA-256 of the line's bytes (what the next line's `prev` holds). */
  readonly line_sha256: string;
}

/** One finding. */
export interface Finding {
  /** Stable id: `<rule>:<seq of the first evidence>[:<n>]`, unique in a report. */
  readonly id: string;
  readonly rule: RuleId;
  readonly severity: Severity;
  /** When it happened: the `iso_ts` of the first evidence line (or of the end of the day). */
  readonly time: string;
  readonly order_ids: readonly string[];
  readonly symbol: string | null;
  readonly description: string;
  readonly evidence: readonly Evidence[];
}

/** Totals per severity. */
export interface SeverityTotals {
  critical: number;
  warning: number;
  info: number;
  total: number;
}

/** Facts about the checked activity, for the report's summary and the page's chart. */
export interface AuditSummary {
  events: number;
  malformed_lines: number;
  by_category: Record<string, number>;
  orders_new: number;
  order_messages: number;
  fills: number;
  risk_checks: number;
  risk_rejects: number;
  overrides: number;
  decisions: number;
  logins: number;
  failed_logins: number;
  config_changes: number;
  /** Events per UTC hour of the day (index 0 = 00:00–00:59). */
  by_hour: number[];
  first_event: string | null;
  last_event: string | null;
}
