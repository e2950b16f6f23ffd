/**
 * A day that ends with more GTC orders open than the state reader holds (carry-file.ts keeps the
 * first FIRST_ORDERS_KEPT of a list and reads the rest again from the file): the next day's export
 * starts from all of them (a fill of the last one is of an order it knows), writes the previous
 * pack's state file byte for byte as its start, shows the first ones on its page, and verifies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIRST_ORDERS_KEPT } from '../../src/compliance/carry-file.js';
import type { ComplianceReport } from '../../src/compliance/index.js';
import { verifyArchive, verifyPack } from '../../src/verify/index.js';
import { type Ev, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { exportCarryDay } from './helpers/carry-day.js';

const D1 = '2026-11-29';
const D2 = '2026-11-30';
const OPEN = FIRST_ORDERS_KEPT + 100;
const at = (s: number): string => new Date(Date.UTC(2000, 0, 1, 10, 0, s)).toISOString().slice(11, 19);
const id = (i: number): string => `GTC-${String(i).padStart(6, '0')}`;

const reportOf = (pack: string): ComplianceReport =>
  JSON.parse(readFileSync(join(pack, 'data/compliance_report.json'), 'utf8')) as ComplianceReport;
const errors = (r: { problems: readonly { code: string; severity: string }[] }): string[] =>
  r.problems.filter((p) => p.severity === 'error').map((p) => p.code);

describe('more open orders carried than the reader holds', () => {
  it('are all known the next day, the state copied byte for byte, the pack verifies', async () => {
    const cwd = tempDir();
    const policyFile = writePolicy(
      cwd,
      `${TEST_POLICY}\nrequire_risk_check: false\nrequire_login: false\nrequire_review: false\n`,
    );
    const d1: Ev[] = [];
    for (let i = 0; i < OPEN; i++)
      d1.push([
        at(i),
        'order',
        'OrderAccepted',
        { order_id: id(i), symbol: 'EURUSD', side: 'BUY', quantity: 2, price: '1.1', time_in_force: 'GTC' },
      ]);
    // Fills of the first order and of the last (far past the orders held), and of one never seen.
    const fill = (oid: string, s: number): Ev => [
      at(s),
      'fill',
      'Filled',
      { order_id: oid, symbol: 'EURUSD', quantity: 2, price: '1.1' },
    ];
    await writeEvents(join(cwd, 'logs'), d1, D1);
    await writeEvents(join(cwd, 'logs'), [fill(id(0), 0), fill(id(OPEN - 1), 1), fill('NEVER', 2)], D2);
    const p1 = await exportCarryDay(cwd, policyFile, D1);
    const p2 = await exportCarryDay(cwd, policyFile, D2);
    expect(reportOf(p2).carried_in?.source).toBe('pack');
    expect(
      reportOf(p2)
        .findings.filter((f) => f.rule === 'fill_without_order')
        .map((f) => f.order_ids),
    ).toEqual([['NEVER']]);
    expect(readFileSync(join(p2, 'data/compliance_state_start.json'))).toEqual(
      readFileSync(join(p1, 'data/compliance_state.json')),
    );
    const end = JSON.parse(readFileSync(join(p2, 'data/compliance_state.json'), 'utf8')) as {
      open_orders: { order_id: string }[];
    };
    expect(end.open_orders.length).toBe(OPEN - 2);
    expect(end.open_orders[0]?.order_id).toBe(id(1));
    const page = readFileSync(join(p2, 'data/report.html'), 'utf8');
    expect(page).toContain(`Orders open at midnight (${OPEN})`);
    expect(page).toContain('100 more in data/compliance_state_start.json');
    expect(errors(await verifyPack(p2))).toEqual([]);
    expect(errors(await verifyArchive(join(cwd, 'artifacts')))).toEqual([]);
    // Without D1's pack, D2 starts from a replay of D1's log: the same state, read the same way.
    const alone = await exportCarryDay(cwd, policyFile, D2, { artifactsDir: join(cwd, 'alone') });
    expect(reportOf(alone).carried_in?.source).toBe('log');
    expect(readFileSync(join(alone, 'data/compliance_state_start.json'))).toEqual(
      readFileSync(join(p1, 'data/compliance_state.json')),
    );
    expect(reportOf(alone).carried_in?.state_sha256).toBe(reportOf(p2).carried_in?.state_sha256);
    expect(reportOf(alone).findings.map((f) => [f.rule, f.order_ids])).toEqual(
      reportOf(p2).findings.map((f) => [f.rule, f.order_ids]),
    );
    expect(readFileSync(join(alone, 'data/compliance_state.json'))).toEqual(
      readFileSync(join(p2, 'data/compliance_state.json')),
    );
    expect(errors(await verifyPack(alone))).toEqual([]);
  }, 120_000);
});
