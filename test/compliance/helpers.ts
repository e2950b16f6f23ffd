/**
 * Fixtures for compliance tests: days written by the real logger with an injected clock, so the
 * checks read exactly the lines production writes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCompliance } from '../../src/compliance/index.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { tempDir } from '../helpers/tmp.js';
import { type ExportPackOptions, type ExportResult, exportPack } from '../../src/pack/index.js';
import { isWriterEvent } from '../../src/format/writer-events.js';
import { recordWriterEvent } from '../../src/logger/child.js';

export const DATE = '2025-09-08';

/** One event: time of day (`HH:MM:SS[.ffffff]`), category, event, fields, and optionally host/pid. */
export type Ev = [time: string, category: string, event: string, fields?: Record<string, unknown>];

/** Epoch µs of `date` at `time` UTC. */
export function micros(date: string, time: string): number {
  const [hms, frac = '0'] = time.split('.');
  return Date.parse(`${date}T${hms}Z`) * 1000 + Number(frac.padEnd(6, '0').slice(0, 6));
}

/** Writes events in the given order with their given times (which may go backwards). */
export async function writeEvents(
  logDir: string,
  events: readonly Ev[],
  date = DATE,
  provenance: { host?: string; pid?: number } = {},
): Promise<void> {
  let t = 0;
  const logger = createAuditLogger({
    logDir,
    handleExit: false,
    clock: () => t,
    host: provenance.host ?? 'h1',
    pid: provenance.pid ?? 1,
  });
  for (const [time, category, event, fields] of events) {
    t = micros(date, time);
    // A reserved event (the snapshot command's ConfigSnapshot) is written as its writer writes it.
    if (isWriterEvent(category, event)) await recordWriterEvent(logger, category, event, fields ?? {});
    else logger.log(category, event, fields ?? {});
    // Written one by one: the logger dates a batch by its own clock reads, one per event.
    await logger.flush();
  }
  await logger.close();
}

/** A policy file in `cwd`/configs; returns its path relative to cwd. */
export function writePolicy(cwd: string, text: string, name = 'compliance_policy.yaml'): string {
  mkdirSync(join(cwd, 'configs'), { recursive: true });
  writeFileSync(join(cwd, 'configs', name), text);
  return `configs/${name}`;
}

/** A login, a passing risk check, a review, an order and its fill: no finding under the test policy. */
export function cleanOrder(id: string, at: string, extra: Record<string, unknown> = {}): Ev[] {
  const [h, m] = at.split(':');
  const t = (s: number): string => `${h}:${m}:${String(s).padStart(2, '0')}`;
  const order = {
    order_id: id,
    symbol: 'EURUSD',
    side: 'BUY',
    quantity: 100000,
    price: '1.10050',
    user: 'alice',
    strategy: 'mr',
    venue: 'LMAX',
    signal_id: `S-${id}`,
    ...extra,
  };
  return [
    [
      t(1),
      'risk',
      'RiskCheck',
      {
        order_id: id,
        signal_id: `S-${id}`,
        result: 'pass',
        score: 0.2,
        reference_price: 1.1,
        checks: [{ name: 'notional', passed: true }],
      },
    ],
    [t(2), 'decision', 'DecisionRecorded', { signal_id: `S-${id}`, reviewer_kind: 'llm', decision: 'approve' }],
    [t(3), 'order', 'OrderAccepted', order],
    [
      t(4),
      'fill',
      'Filled',
      {
        order_id: id,
        deal_id: `D-${id}`,
        symbol: order.symbol,
        side: 'BUY',
        quantity: order.quantity,
        price: '1.10050',
      },
    ],
    [t(5), 'order', 'Filled', { order_id: id, symbol: order.symbol, quantity: order.quantity }],
  ];
}

/** The policy the tests use: the defaults, with limits the clean order stays inside. */
export const TEST_POLICY = `# test policy
max_risk_score: 0.8
max_order_notional: 1000000
max_order_quantity: 500000
price_collar_pct: 2.0
max_messages_per_second: 3
max_order_to_trade_ratio: 4
duplicate_window_ms: 2000
failed_login_burst: { count: 3, window_s: 300 }
restricted_symbols: [NORD]
forbidden_decisions: [override_limits, proceed_despite_reject]
review_reviewer_kinds: [llm, human]
symbols:
  XAUUSD: { multiplier: 100, max_order_notional: 500000 }
`;

/** Exports the test day from `cwd`'s logs/ into its artifacts/ (no PackExported event), with `extra` options. */
export function exportTestDay(cwd: string, extra: Partial<ExportPackOptions> = {}): Promise<ExportResult> {
  return exportPack({
    date: DATE,
    logDir: join(cwd, 'logs'),
    artifactsDir: join(cwd, 'artifacts'),
    version: '0.1.0',
    recordEvent: false,
    ...extra,
  });
}

/** Writes `events` as the test day in a fresh directory and runs the checks over it with `policy`. */
export async function checkEvents(events: Ev[], policy = TEST_POLICY) {
  const cwd = tempDir();
  const policyFile = writePolicy(cwd, policy);
  await writeEvents(join(cwd, 'logs'), events);
  return checkCompliance({ cwd, logDir: join(cwd, 'logs'), from: DATE, to: DATE, policyFile });
}

/** alice's login at 08:00. */
/** A passing risk check, a 500,000 EURUSD order and its fill at `at`, `at`+1 s and +2 s (`at` ends in `:00`). */
export const bigOrder = (at: string, id: string): Ev[] => [
  [at, 'risk', 'RiskCheck', { order_id: id, result: 'pass', score: 0.1, reference_price: 1 }],
  [
    at.replace(/:00$/, ':01'),
    'order',
    'OrderAccepted',
    { order_id: id, symbol: 'EURUSD', side: 'BUY', quantity: 500_000, price: '1', user: 'alice' },
  ],
  [at.replace(/:00$/, ':02'), 'fill', 'Filled', { order_id: id, symbol: 'EURUSD', quantity: 500_000, price: '1' }],
];

export const LOGIN: Ev = ['08:00:00', 'auth', 'Login', { user: 'alice' }];

/** A passing RiskCheck for order `id` (score 0.1, reference price 1.1), with `f` over it. */
export const riskEv = (at: string, id: string, f: Record<string, unknown> = {}): Ev => [
  at,
  'risk',
  'RiskCheck',
  { order_id: id, result: 'pass', score: 0.1, reference_price: 1.1, ...f },
];

/** alice's OrderAccepted for `id`: BUY 1000 EURUSD at 1.1, with `f` over it. */
export const orderEv = (at: string, id: string, f: Record<string, unknown> = {}): Ev => [
  at,
  'order',
  'OrderAccepted',
  { order_id: id, symbol: 'EURUSD', side: 'BUY', quantity: 1000, price: '1.1', user: 'alice', ...f },
];
