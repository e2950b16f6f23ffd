/**
 * The built CLI with a policy holding open orders to few bytes of names: GTC orders whose names are
 * control characters and non-ASCII (JSON writes a control character in 6 bytes, UTF-8 a `€` in 3)
 * are held to the bytes as written, the export exits 0 with a pack whose state holds the newest
 * open orders and names the drop, and verify passes. Before rules 28 the names were counted in
 * characters (a sixth of what the state file takes of them).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CarriedState } from '../../src/compliance/carry.js';
import { COMPLIANCE_RULES_VERSION, type ComplianceReport } from '../../src/compliance/index.js';
import { type Ev, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const D1 = '2026-11-29';
const NAMES = ['\u0001\u001f'.repeat(20), '€"\\'.repeat(13)];
const BUDGET = 3000;

function orders(): Ev[] {
  const out: Ev[] = [['08:00:00', 'auth', 'Login', { user: 'alice' }]];
  for (let i = 0; i < 20; i++) {
    const name = NAMES[i % 2] as string;
    const at = `09:${String(i).padStart(2, '0')}:00`;
    out.push([at, 'risk', 'RiskCheck', { order_id: `N${i}`, result: 'pass', score: 0.1, reference_price: 1.1 }]);
    out.push([
      `09:${String(i).padStart(2, '0')}:01`,
      'order',
      'OrderAccepted',
      {
        order_id: `N${i}`,
        symbol: name,
        strategy: name,
        venue: name,
        quantity: 1,
        price: '1.1',
        user: 'alice',
        time_in_force: 'GTC',
      },
    ]);
  }
  return out;
}

const written = (v: string | null): number => (v === null ? 0 : Buffer.byteLength(JSON.stringify(v), 'utf8') - 2);

describe('auditpack export with max_open_order_bytes', () => {
  it('holds open orders to the bytes their names take as written, names the drop, and the pack verifies', async () => {
    const cwd = tempDir();
    writePolicy(cwd, `${TEST_POLICY}require_review: false\nmax_open_order_bytes: ${BUDGET}\n`);
    await writeEvents(join(cwd, 'logs'), orders(), D1);
    const r = runCli(['export', '--date', D1], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const pack = join(cwd, 'artifacts', D1);
    const data = (f: string) => JSON.parse(readFileSync(join(pack, 'data', f), 'utf8'));
    const state = data('compliance_state.json') as CarriedState;
    const ids = state.open_orders.map((o) => o.order_id);
    expect(ids.at(-1)).toBe('N19');
    expect(ids.length).toBeLessThan(20);
    const names = state.open_orders.reduce(
      (n, o) =>
        n + written(o.order_id) + written(o.symbol) + written(o.strategy) + written(o.venue) + written(o.time_in_force),
      0,
    );
    expect(names).toBeLessThanOrEqual(BUDGET);
    const report = data('compliance_report.json') as ComplianceReport;
    expect(report.rules).toBe(COMPLIANCE_RULES_VERSION);
    const cap = report.findings.filter((f) => f.rule === 'open_orders_over_cap');
    expect(cap.map((f) => f.description)).toEqual([
      `${20 - ids.length} open orders dropped on ${D1}, the oldest first, over max_open_order_bytes (3,000 bytes of names): a later fill, cancel or modification of one is of an order never seen`,
    ]);
    const v = runCli(['verify', pack], { cwd });
    expect(v.code, v.stdout + v.stderr).toBe(0);
  }, 120_000);
});
