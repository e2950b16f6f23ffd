/**
 * The sample compliance policy the demo writes when the working directory has none (the same text
 * as the repository's configs/compliance_policy.yaml; a test keeps them equal).
 */
export const DEMO_POLICY = `# Compliance policy for the EU FX desk (sample config for \`auditpack demo\`). Read by
# \`auditpack check\` and by every export; snapshotted like every config, so the limits in force at
# an event's time are those of the snapshot in force then. Settings: docs/compliance.md.
require_risk_check: true          # every order needs an earlier passing RiskCheck (SEC 15c3-5, RTS 6)
risk_check_validity_s: 300        # ... taken at most this long before the order
max_risk_score: 0.8
max_order_notional: 1000000       # quantity × price × multiplier, in quote currency
max_order_quantity: 2000000
price_collar_pct: 2.0             # distance from the risk check's reference price
max_messages_per_second: 5        # new + modify + cancel, per strategy and per venue
max_order_to_trade_ratio: 10      # RTS 9 number ratio, per symbol per day
duplicate_window_ms: 1000
failed_login_burst: { count: 3, window_s: 300 }
require_login: true
config_snapshot_window_s: 300
restricted_symbols: [USDRUB]
forbidden_decisions: [override_limits, proceed_despite_reject]
require_review: true              # orders from a signal need an earlier review of that signal
review_reviewer_kinds: [llm, human]
symbols:
  XAUUSD: { max_order_quantity: 100, max_order_notional: 500000 }
`;
