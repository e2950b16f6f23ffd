/**
 * A risk check the checks cannot read is never read as passed (docs/compliance.md, "Risk checks
 * that cannot be read"): an item of `checks` whose `passed` is not true or false, a `checks` that is
 * not a list, or a `reference_price` given but no finite number counts as a failed check (the order
 * that proceeds on it is `risk_check_failed`), and a `score` given but no finite number is held as
 * above `max_risk_score`. Before, each of these let its order through with no finding.
 */
import { describe, expect, it } from 'vitest';
import { checkEvents, cleanOrder, type Ev, LOGIN, orderEv, riskEv } from './helpers.js';

const order = (at: string, id: string, f: Record<string, unknown> = {}): Ev =>
  orderEv(at, id, { time_in_force: 'GTC', ...f });
const findings = async (events: Ev[]) =>
  (await checkEvents([LOGIN, ...cleanOrder('C-1', '09:00'), ...events])).findings.map((f) => [
    f.rule,
    f.order_ids.join(','),
    f.description,
  ]);

describe('a risk check that cannot be read', () => {
  it('with an item whose passed is not true or false counts that item as failed', async () => {
    const values: unknown[] = ['false', 0, 'no', null, 'true', 1];
    // Seven orders on one trade: the order-to-trade ratio (4) is left out of the comparison.
    const f = (
      await findings(
        values.flatMap((passed, i): Ev[] => [
          riskEv(`10:00:${10 + 2 * i}`, `P${i}`, {
            checks: [
              { name: 'notional', passed },
              { name: 'ok', passed: true },
            ],
          }),
          order(`10:00:${11 + 2 * i}`, `P${i}`, { quantity: 1000 + i }),
        ]),
      )
    ).filter(([r]) => r !== 'order_to_trade_ratio_exceeded');
    expect(f.map(([r, o]) => [r, o])).toEqual(values.map((_v, i) => ['risk_check_failed', `P${i}`]));
    expect(f[0]?.[2]).toMatch(/risk checks failed: notional \(passed "false": not true or false\)$/);
    expect(f[3]?.[2]).toMatch(/notional \(passed null: not true or false\)$/);
  });
  it('with an item without passed, or that is no object, counts it as failed', async () => {
    const f = await findings([
      riskEv('10:00:00', 'M', { checks: [{ name: 'notional' }, 'position'] }),
      order('10:00:01', 'M'),
    ]);
    expect(f).toEqual([
      [
        'risk_check_failed',
        'M',
        'order M proceeded although risk checks failed: notional (no passed), "position" (not a check)',
      ],
    ]);
  });
  it('with checks that are not a list counts as failed', async () => {
    const f = await findings([
      riskEv('10:00:00', 'L', { checks: { notional: false } }),
      order('10:00:01', 'L'),
      riskEv('10:00:02', 'S', { checks: 'notional:fail' }),
      order('10:00:03', 'S', { quantity: 1001 }),
    ]);
    expect(f.map(([r, o]) => [r, o])).toEqual([
      ['risk_check_failed', 'L'],
      ['risk_check_failed', 'S'],
    ]);
    expect(f[0]?.[2]).toMatch(/checks \{"notional":false\} \(not a list\)/);
  });
  it('with a reference price that is no finite number counts as failed (the collar cannot be checked)', async () => {
    const f = await findings([
      riskEv('10:00:00', 'R', { reference_price: '1,1' }),
      order('10:00:01', 'R', { price: '1.5' }),
      riskEv('10:00:02', 'R2', { reference_price: { bid: 1.1 } }),
      order('10:00:03', 'R2', { quantity: 1001 }),
    ]);
    expect(f.map(([r, o]) => [r, o])).toEqual([
      ['risk_check_failed', 'R'],
      ['risk_check_failed', 'R2'],
    ]);
    expect(f[0]?.[2]).toMatch(/reference_price "1,1" \(not a finite number: the price collar cannot be checked\)/);
  });
  it('with a score that is no finite number is held as above the maximum', async () => {
    const f = await findings([riskEv('10:00:00', 'SC', { score: '95%' }), order('10:00:01', 'SC')]);
    expect(f).toEqual([
      ['risk_score_exceeded', 'SC', 'risk score "95%" for SC is not a finite number: held as above the maximum 0.8'],
    ]);
  });
  it('leaves readable checks as they were: absent, null, an empty list, numeric strings', async () => {
    const f = await findings([
      riskEv('10:00:00', 'A', { checks: null, score: '0.5', reference_price: '1.1' }),
      order('10:00:01', 'A'),
      riskEv('10:00:02', 'B', { checks: [], score: null, reference_price: null }),
      order('10:00:03', 'B', { quantity: 1001 }),
    ]);
    expect(f).toEqual([]);
  });
});
