/**
 * A day with more open orders than the policy's max_open_orders, exported and verified: the pack
 * carries only the newest open orders (its state stays within what verify and the next day's
 * export read), says how many were dropped (open_orders_over_cap), verifies, and the next day's
 * fill of a dropped order is fill_without_order. Long order ids are carried as findings quote them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CarriedState } from '../../src/compliance/carry.js';
import type { ComplianceReport } from '../../src/compliance/index.js';
import { verifyPack } from '../../src/verify/index.js';
import { type Ev, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { D, D1, exportCarryDay } from './helpers/carry-day.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const LONG = 'L'.repeat(4000);
const ids = ['G0', 'G1', 'G2', `${LONG}3`, `${LONG}4`];

function gtcOrders(): Ev[] {
  const out: Ev[] = [['08:00:00', 'auth', 'Login', { user: 'alice' }]];
  ids.forEach((id, i) => {
    const at = `09:00:${String(i * 10).padStart(2, '0')}`;
    const at1 = `09:00:${String(i * 10 + 1).padStart(2, '0')}`;
    out.push(
      [at, 'risk', 'RiskCheck', { order_id: id, result: 'pass', score: 0.1, reference_price: 1.1 }],
      [
        at1,
        'order',
        'OrderAccepted',
        {
          order_id: id,
          symbol: 'EURUSD',
          side: 'BUY',
          quantity: 1000 + i,
          price: '1.1',
          user: 'alice',
          time_in_force: 'GTC',
        },
      ],
    );
  });
  return out;
}
const fills: Ev[] = [
  ['08:00:00', 'auth', 'Login', { user: 'alice' }],
  ['09:00:00', 'fill', 'Filled', { order_id: 'G1', symbol: 'EURUSD', quantity: 1001, price: '1.1' }],
  ['09:00:01', 'fill', 'Filled', { order_id: `${LONG}4`, symbol: 'EURUSD', quantity: 1004, price: '1.1' }],
];

const json = <T>(pack: string, f: string): T => JSON.parse(readFileSync(join(pack, 'data', f), 'utf8')) as T;
const codes = (r: { problems: readonly { code: string; severity: string }[] }): string[] =>
  r.problems.filter((p) => p.severity !== 'info').map((p) => `${p.severity} ${p.code}`);

describe('an export over max_open_orders', () => {
  it('carries the newest open orders, names the drop, verifies, and a later fill of a dropped one is named', async () => {
    const cwd = tempDir();
    const policyFile = writePolicy(cwd, `${TEST_POLICY}require_review: false\nmax_open_orders: 2\n`);
    await writeEvents(join(cwd, 'logs'), gtcOrders(), D1);
    await writeEvents(join(cwd, 'logs'), fills, D);
    const p1 = await exportCarryDay(cwd, policyFile, D1);
    const state = json<CarriedState>(p1, 'compliance_state.json');
    const kept = state.open_orders.map((o) => o.order_id);
    expect(kept).toHaveLength(2);
    for (const id of kept) expect(id).toMatch(/^L{64}…\(4001 characters, sha256 [0-9a-f]{16}…\)$/);
    const r1 = json<ComplianceReport>(p1, 'compliance_report.json');
    expect(r1.findings.map((f) => f.rule)).toEqual(['open_orders_over_cap']);
    expect(r1.findings[0]!.description).toMatch(
      /^3 open orders dropped on 2026-11-29, the oldest first, over max_open_orders \(2\)/,
    );
    expect(codes(await verifyPack(p1))).toEqual([]);
    expect(pythonPackCheck(p1).errors).toEqual([]);

    const p2 = await exportCarryDay(cwd, policyFile, D);
    const r2 = json<ComplianceReport>(p2, 'compliance_report.json');
    expect(r2.carried_in?.source).toBe('pack');
    expect(r2.findings.map((f) => [f.rule, f.order_ids])).toEqual([['fill_without_order', ['G1']]]);
    expect(json<CarriedState>(p2, 'compliance_state.json').open_orders.map((o) => o.order_id)).toEqual([kept[0]]);
    expect(codes(await verifyPack(p2))).toEqual([]);
  }, 120_000);
});
