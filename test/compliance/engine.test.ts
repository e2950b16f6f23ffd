import { describe, expect, it } from 'vitest';
import { RULE_IDS, type RuleId } from '../../src/compliance/index.js';
import { checkEvents, cleanOrder, LOGIN, orderEv, riskEv, TEST_POLICY, type Ev } from './helpers.js';

const run = checkEvents;
const risk = riskEv;
const order = orderEv;
const fill = (at: string, id: string, qty: number, f: Record<string, unknown> = {}): Ev => [
  at,
  'fill',
  'PartiallyFilled',
  { order_id: id, deal_id: `D-${at}`, symbol: 'EURUSD', quantity: qty, price: '1.1', ...f },
];

/**
 * The findings a case cannot avoid besides its own: these days are written by one process, so a
 * back-dated snapshot there is also that process's clock going back.
 */
const ALSO: Partial<Record<RuleId, RuleId[]>> = { config_snapshot_backdated: ['clock_backwards'] };

/** For each rule, a day that breaks exactly that rule once (on top of clean activity). */
const CASES: Record<RuleId, Ev[]> = {
  missing_risk_check: [order('10:00:00', 'X'), fill('10:00:01', 'X', 1000)],
  risk_override: [
    risk('10:00:00', 'X', { result: 'reject' }),
    ['10:00:01', 'risk', 'RiskOverride', { order_id: 'X', user: 'bob', approver: 'carol', reason: 'client call' }],
    order('10:00:02', 'X'),
    fill('10:00:03', 'X', 1000),
  ],
  override_unapproved: [
    risk('10:00:00', 'X'),
    ['10:00:01', 'risk', 'RiskOverride', { order_id: 'X', user: 'bob', reason: 'urgent' }],
    order('10:00:02', 'X'),
    fill('10:00:03', 'X', 1000),
  ],
  risk_score_exceeded: [risk('10:00:00', 'X', { score: 0.95 }), order('10:00:02', 'X'), fill('10:00:03', 'X', 1000)],
  risk_check_failed: [
    risk('10:00:00', 'X', {
      checks: [
        { name: 'fat_finger', passed: false },
        { name: 'notional', passed: true },
      ],
    }),
    order('10:00:02', 'X'),
    fill('10:00:03', 'X', 1000),
  ],
  order_notional_exceeded: [
    risk('10:00:00', 'X', { reference_price: 2400 }),
    order('10:00:02', 'X', { symbol: 'XAUUSD', quantity: 3, price: '2400' }),
    fill('10:00:03', 'X', 3, { symbol: 'XAUUSD' }),
  ],
  order_size_exceeded: [
    risk('10:00:00', 'X', { reference_price: 0.1 }),
    order('10:00:02', 'X', { quantity: 600000, price: '0.1' }),
    fill('10:00:03', 'X', 600000),
  ],
  price_collar_breached: [
    risk('10:00:00', 'X', { reference_price: 1.0 }),
    order('10:00:02', 'X', { price: '1.05' }),
    fill('10:00:03', 'X', 1000),
  ],
  message_rate_exceeded: [
    ...['A', 'B', 'C', 'D'].map((id, i) => risk(`10:00:0${i}`, id)),
    ...['A', 'B', 'C', 'D'].map((id, i) => order(`10:00:10.${i}00000`, id, { strategy: 'scalper', symbol: `S${i}` })),
    ...['A', 'B', 'C', 'D'].map((id, i) => fill(`10:00:2${i}`, id, 1000, { symbol: `S${i}` })),
  ],
  order_to_trade_ratio_exceeded: [
    risk('10:00:00', 'X'),
    order('10:00:01', 'X', { symbol: 'GBPUSD', quantity: 10000 }),
    ...[2, 3, 4, 5, 6].map(
      (s): Ev => [`10:00:0${s}`, 'order', 'OrderModified', { order_id: 'X', symbol: 'GBPUSD', quantity: 10000 }],
    ),
    fill('10:00:09', 'X', 10000, { symbol: 'GBPUSD' }),
  ],
  fill_without_order: [fill('10:00:00', 'GHOST', 5)],
  overfill: [risk('10:00:00', 'X'), order('10:00:01', 'X'), fill('10:00:02', 'X', 600), fill('10:00:03', 'X', 600)],
  activity_after_close: [
    risk('10:00:00', 'X'),
    order('10:00:01', 'X'),
    ['10:00:02', 'order', 'Cancelled', { order_id: 'X', symbol: 'EURUSD' }],
    fill('10:00:03', 'X', 1000),
  ],
  cancel_unknown_order: [['10:00:00', 'order', 'Cancelled', { order_id: 'NOPE', symbol: 'EURUSD' }]],
  order_open_at_end_of_day: [
    risk('10:00:00', 'X'),
    order('10:00:01', 'X'),
    risk('10:00:02', 'G'),
    order('10:00:03', 'G', { time_in_force: 'GTC', symbol: 'USDJPY' }),
  ],
  duplicate_order: [
    risk('10:00:00', 'X'),
    risk('10:00:00', 'Y'),
    order('10:00:01', 'X'),
    order('10:00:01.500000', 'Y'),
    fill('10:00:02', 'X', 1000),
    fill('10:00:03', 'Y', 1000),
  ],
  order_id_reused: [
    risk('10:00:00', 'X'),
    order('10:00:01', 'X'),
    fill('10:00:02', 'X', 1000),
    risk('10:00:10', 'X'),
    order('10:00:11', 'X', { quantity: 2000 }),
    fill('10:00:12', 'X', 2000),
  ],
  kill_switch_violation: [
    ['10:00:00', 'risk', 'KillSwitchOn', { user: 'risk', reason: 'loss limit' }],
    risk('10:00:01', 'X'),
    order('10:00:02', 'X'),
    fill('10:00:03', 'X', 1000),
    ['10:00:04', 'risk', 'KillSwitchOff', { user: 'risk' }],
    risk('10:00:05', 'Y'),
    order('10:00:06', 'Y', { quantity: 2000 }),
    fill('10:00:07', 'Y', 2000),
  ],
  restricted_symbol: [
    risk('10:00:00', 'X'),
    order('10:00:01', 'X', { symbol: 'NORD' }),
    fill('10:00:02', 'X', 1000, { symbol: 'NORD' }),
  ],
  order_without_login: [
    risk('10:00:00', 'X'),
    order('10:00:01', 'X', { user: 'mallory' }),
    fill('10:00:02', 'X', 1000),
  ],
  order_after_failed_logins: [
    ...[1, 2, 3].map((s): Ev => [`09:59:0${s}`, 'auth', 'LoginFailed', { user: 'alice' }]),
    risk('10:00:00', 'X'),
    order('10:00:01', 'X'),
    fill('10:00:02', 'X', 1000),
  ],
  config_change_unrecorded: [
    ['10:00:00', 'config', 'ConfigChanged', { config_type: 'risk', reason: 'NFP' }],
    ['11:00:00', 'config', 'ConfigChanged', { config_type: 'risk', reason: 'NFP over' }],
    ['11:00:30', 'config', 'ConfigSnapshot', { snapshot_id: 'x' }],
  ],
  config_snapshot_backdated: [
    ['10:00:00', 'auth', 'Logout', { user: 'bob' }],
    ['09:30:00', 'config', 'ConfigSnapshot', { snapshot_id: 'x' }],
  ],
  review_missing: [risk('10:00:00', 'X'), order('10:00:01', 'X', { signal_id: 'SIG-9' }), fill('10:00:02', 'X', 1000)],
  forbidden_decision: [
    [
      '10:00:00',
      'decision',
      'DecisionRecorded',
      { signal_id: 'SIG-1', reviewer_kind: 'llm', decision: 'override_limits' },
    ],
  ],
  clock_backwards: [risk('10:00:05', 'X'), order('10:00:04', 'X'), fill('10:00:06', 'X', 1000)],
  invalid_quantity: [
    risk('10:00:00', 'X'),
    order('10:00:01', 'X'),
    fill('10:00:02', 'X', -500),
    fill('10:00:03', 'X', 1000),
  ],
  kill_switch_scope_unknown: [
    ['10:00:00', 'risk', 'KillSwitchOn', { user: 'risk', reason: 'x', scope: 'global' }],
    ['10:00:01', 'risk', 'KillSwitchOff', { user: 'risk', reason: 'x', scope: 'global' }],
  ],
  order_id_missing: [['10:00:00', 'order', 'Cancelled', { symbol: 'EURUSD', user: 'alice' }]],
  modify_unknown_order: [
    ['10:00:00', 'order', 'OrderModified', { order_id: 'NOPE', symbol: 'EURUSD', quantity: 1000, price: '1.1' }],
  ],
  // Under max_open_orders: 1 (POLICY below): Y's acceptance drops X, still open.
  open_orders_over_cap: [
    risk('10:00:00', 'X'),
    order('10:00:01', 'X', { time_in_force: 'GTC' }),
    risk('10:00:10', 'Y'),
    order('10:00:11', 'Y', { time_in_force: 'GTC', quantity: 2000 }),
  ],
};

/** The policy a case runs under, when not TEST_POLICY. */
const POLICY: Partial<Record<RuleId, string>> = { open_orders_over_cap: `${TEST_POLICY}max_open_orders: 1\n` };

describe('compliance rules', () => {
  it('a clean day has no findings', async () => {
    const r = await run([
      LOGIN,
      ...cleanOrder('C-1', '09:00'),
      ...cleanOrder('C-2', '09:10', { symbol: 'XAUUSD', quantity: 2, price: '1.10050' }),
    ]);
    expect(r.findings).toEqual([]);
    expect(r.totals).toEqual({ critical: 0, warning: 0, info: 0, total: 0 });
    expect(r.summary).toMatchObject({ orders_new: 2, fills: 2, risk_checks: 2, decisions: 2, logins: 1 });
  });

  it('covers every rule', () => {
    expect(Object.keys(CASES).sort()).toEqual([...RULE_IDS].sort());
  });

  it.each(Object.entries(CASES))('%s: exactly one finding, of that rule, with evidence', async (rule, events) => {
    const r = await run([LOGIN, ...cleanOrder('C-1', '09:00'), ...events], POLICY[rule as RuleId]);
    const others = r.findings.filter((f) => f.rule !== rule).map((f) => f.rule);
    expect(others).toEqual(ALSO[rule as RuleId] ?? []);
    const f = r.findings.find((x) => x.rule === rule)!;
    expect(f.evidence.length).toBeGreaterThan(0);
    for (const e of f.evidence) {
      expect(e.file).toBe('audit-20250908.jsonl');
      expect(e.line_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(e.seq).toBeGreaterThan(0);
    }
    expect(r.totals.total).toBe(1 + others.length);
    expect(r.by_rule[rule]).toBe(1);
  });
});
