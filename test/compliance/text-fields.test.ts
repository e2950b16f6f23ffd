/**
 * Text fields of another JSON type (docs/compliance.md, "Fields that are no text"): a number is its
 * decimal text; a list, an object or true/false given for a symbol, user, strategy, venue,
 * signal_id, decision or kill switch scope is held as matching (restricted, killed, not logged in,
 * not reviewed, forbidden), never as not matching; a blank approver or reason is absent. Before,
 * each case below passed with no finding. The export's path (records) gives the same findings as
 * `check`'s (extractEvent).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import {
  checkEvents,
  cleanOrder,
  type Ev,
  exportTestDay,
  LOGIN,
  orderEv,
  riskEv,
  TEST_POLICY,
  writeEvents,
  writePolicy,
} from './helpers.js';

/** A risk-checked order `id` at 10:mm:00 with `f` over alice's clean fields (signal reviewed). */
const checked = (mm: string, id: string, f: Record<string, unknown>): Ev[] => [
  riskEv(`10:${mm}:00`, id),
  orderEv(`10:${mm}:01`, id, { time_in_force: 'GTC', ...f }),
];
const findings = async (events: Ev[]) =>
  (await checkEvents([LOGIN, ...cleanOrder('C-1', '09:00'), ...events])).findings
    .filter((f) => f.rule !== 'order_to_trade_ratio_exceeded')
    .map((f) => [f.rule, f.order_ids.join(','), f.description]);

describe('a text field of another JSON type', () => {
  it('a symbol that is a list or an object is held as restricted (order and fill)', async () => {
    const f = await findings([
      ...checked('00', 'A', { symbol: ['NORD'] }),
      ...checked('01', 'O', { symbol: { code: 'NORD' } }),
      ['10:01:02', 'fill', 'Filled', { order_id: 'O', symbol: true, quantity: 1000, price: '1.1' }],
    ]);
    expect(f).toEqual([
      ['restricted_symbol', 'A', 'order A on symbol ["NORD"], no text: held as restricted'],
      ['restricted_symbol', 'O', 'order O on symbol {"code":"NORD"}, no text: held as restricted'],
      ['restricted_symbol', 'O', 'fill of order O on symbol true, no text: held as restricted'],
    ]);
  });

  it('a user that is a number is its decimal text; one that is a list or an object is held as not logged in', async () => {
    const f = await findings([
      ['09:30:00', 'auth', 'Login', { user: 777 }],
      ...checked('00', 'N', { user: 777 }),
      ...checked('01', 'T', { user: '777' }),
      ...checked('02', 'M', { user: 12345 }),
      ...checked('03', 'L', { user: ['alice'] }),
      ...checked('04', 'R', { user: undefined, trader: { id: 'alice' } }),
    ]);
    expect(f).toEqual([
      ['order_without_login', 'M', 'order M by 12345, who had no valid login'],
      ['order_without_login', 'L', 'order L by ["alice"], no text: held as not logged in'],
      ['order_without_login', 'R', 'order R by {"id":"alice"}, no text: held as not logged in'],
    ]);
  });

  it('a logout of a user that is no text ends every session', async () => {
    const f = await findings([['09:30:00', 'auth', 'Logout', { user: ['alice'] }], ...checked('00', 'X', {})]);
    expect(f).toEqual([['order_without_login', 'X', 'order X by alice, who had no valid login']]);
  });

  it("a failed login of a user that is no text counts as the next order's user's", async () => {
    const f = await findings([
      ['09:58:00', 'auth', 'LoginFailed', { user: ['alice'] }],
      ['09:58:30', 'auth', 'LoginFailed', { user: { id: 'alice' } }],
      ['09:59:00', 'auth', 'LoginFailed', { user: 'alice' }],
      ...checked('00', 'X', {}),
      ...checked('01', 'Y', {}),
    ]);
    expect(f).toEqual([
      [
        'order_after_failed_logins',
        'X',
        'order X by alice within 300 s of 3 failed logins (2 of a user that is no text, held as alice)',
      ],
    ]);
  });

  it('a signal id that is a list is held as not reviewed', async () => {
    const f = await findings([...checked('00', 'S', { signal_id: ['S-C-1'] })]);
    expect(f).toEqual([['review_missing', 'S', 'order S for signal ["S-C-1"], no text: held as not reviewed']]);
  });

  it('a strategy, venue or symbol that is no text is held as the one whose kill switch is on', async () => {
    const on = (at: string, scope: string): Ev => [at, 'risk', 'KillSwitchOn', { scope }];
    const f = await findings([
      on('10:00:10', 'strategy:S1'),
      ...checked('01', 'K1', { strategy: ['S1'] }),
      ...checked('02', 'K2', { strategy: 'S2' }),
      ['10:03:00', 'risk', 'KillSwitchOff', { scope: 'strategy:S1' }],
      on('10:03:10', 'venue:LMAX'),
      ...checked('04', 'K3', { venue: { name: 'LMAX' } }),
    ]);
    expect(f.map(([r, o]) => [r, o])).toEqual([
      ['kill_switch_violation', 'K1'],
      ['kill_switch_violation', 'K3'],
    ]);
    expect(f[0]?.[2]).toMatch(/was on \(its strategy \["S1"\] is no text: held as strategy:s1\)$/);
  });

  it('a kill switch scope that is no text turns off no other switch', async () => {
    const f = await findings([
      ['10:00:00', 'risk', 'KillSwitchOn', { scope: 'all' }],
      ['10:00:10', 'risk', 'KillSwitchOff', { scope: ['all'] }],
      ...checked('01', 'K', {}),
    ]);
    expect(f.map(([r, o]) => [r, o])).toEqual([['kill_switch_violation', 'K']]);
  });

  // attack11 #13: an Off of `scope: ""` or `null` was read as all and lifted a symbol: switch.
  it('a kill switch Off that names no scope lifts only a switch held as all', async () => {
    for (const off of [{ scope: '' }, { scope: null }, {}]) {
      const f = await findings([
        ['10:00:00', 'risk', 'KillSwitchOn', { scope: 'strategy:S1' }],
        ['10:00:05', 'risk', 'KillSwitchOn', {}],
        ['10:00:10', 'risk', 'KillSwitchOff', off],
        ...checked('01', 'K', { strategy: 'S1' }),
        ...checked('02', 'L', { strategy: 'S2' }),
      ]);
      expect(
        f.map(([r, o]) => [r, o]),
        JSON.stringify(off),
      ).toEqual([['kill_switch_violation', 'K']]);
    }
    const all = await findings([
      ['10:00:00', 'risk', 'KillSwitchOn', { scope: 'strategy:S1' }],
      ['10:00:10', 'risk', 'KillSwitchOff', { scope: 'all' }],
      ...checked('01', 'K', { strategy: 'S1' }),
    ]);
    expect(all).toEqual([]);
  });

  it('a decision that is no text is held as forbidden', async () => {
    const f = await findings([
      [
        '10:00:00',
        'decision',
        'DecisionRecorded',
        { signal_id: 'D-1', reviewer_kind: 'llm', decision: ['override_limits'] },
      ],
    ]);
    expect(f).toEqual([
      [
        'forbidden_decision',
        '',
        'decision ["override_limits"], no text: held as forbidden, by llm reviewer on signal D-1',
      ],
    ]);
  });

  it('a risk override with a blank approver or reason is unapproved', async () => {
    const f = await findings([
      ['10:00:00', 'risk', 'RiskCheck', { order_id: 'V', result: 'reject', score: 0.1, reference_price: 1.1 }],
      ['10:00:01', 'risk', 'RiskOverride', { order_id: 'V', user: 'bob', approver: ' ', reason: '\t' }],
    ]);
    expect(f).toEqual([['override_unapproved', 'V', 'risk override by bob for V without approver and reason']]);
  });

  it("gives the export's path the same findings as check's", async () => {
    const events: Ev[] = [
      LOGIN,
      ...cleanOrder('C-1', '09:00'),
      ['09:30:00', 'auth', 'Login', { user: 777 }],
      ['09:40:00', 'risk', 'KillSwitchOn', { scope: 'strategy:S1' }],
      ...checked('00', 'A', { symbol: ['NORD'], user: 777, strategy: { s: 'S1' }, signal_id: [1] }),
      ...checked('01', 'B', { user: [12345], venue: false }),
      ['10:02:00', 'decision', 'DecisionRecorded', { signal_id: 7, reviewer_kind: 'llm', decision: { d: 1 } }],
      ['10:03:00', 'risk', 'KillSwitchOff', { scope: ['strategy:S1'] }],
    ];
    const cwd = tempDir();
    const policyFile = writePolicy(cwd, TEST_POLICY);
    await writeEvents(join(cwd, 'logs'), events);
    const dir = (await exportTestDay(cwd, { compliance: { cwd, policyFile } })).path;
    const exported = JSON.parse(readFileSync(join(dir, 'data/compliance_report.json'), 'utf8')).findings;
    const checkedDay = (await checkEvents(events)).findings;
    const strip = (fs: readonly { rule: string; order_ids: readonly string[]; description: string }[]) =>
      fs.map((x) => [x.rule, x.order_ids.join(','), x.description]);
    expect(strip(exported)).toEqual(strip(checkedDay));
    expect(strip(checkedDay).map(([r]) => r)).toEqual(
      expect.arrayContaining([
        'restricted_symbol',
        'kill_switch_violation',
        'review_missing',
        'order_without_login',
        'forbidden_decision',
      ]),
    );
  });
});
