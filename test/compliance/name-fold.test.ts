/**
 * One fold for every name the checks match (docs/compliance.md, "Matching names"): a kill switch
 * scoped to a symbol, strategy or venue, and the policy's per-symbol limits, hold whatever the
 * spelling of the name (`EUR/USD`, `eurusd`, full-width, a zero-width space), as restricted symbols
 * always did; a state carried across midnight is held by the same keys; a policy with two `symbols:`
 * entries for one symbol is refused.
 */
import { describe, expect, it } from 'vitest';
import { carriedStateJson } from '../../src/compliance/carry.js';
import { parseCarriedState } from '../../src/compliance/carry-parse.js';
import { ComplianceEngine, PolicyTimeline, parsePolicy, policyFromText } from '../../src/compliance/index.js';
import { checkEvents, cleanOrder, type Ev, LOGIN, orderEv, riskEv, TEST_POLICY } from './helpers.js';

const ks = (at: string, on: boolean, scope: string): Ev => [
  at,
  'risk',
  on ? 'KillSwitchOn' : 'KillSwitchOff',
  { user: 'risk', reason: 'x', scope },
];
const order = (at: string, id: string, f: Record<string, unknown> = {}): Ev =>
  orderEv(at, id, { time_in_force: 'GTC', ...f });
const rules = async (events: Ev[], policy?: string) =>
  (await checkEvents([LOGIN, ...cleanOrder('C-1', '09:00'), ...events], policy)).findings.map((f) => [
    f.rule,
    f.order_ids.join(','),
  ]);

const CATEGORY: Record<string, string> = { Login: 'auth', OrderAccepted: 'order' };
const SPELLINGS = ['EUR/USD', 'eurusd', '\uFF25\uFF35\uFF32\uFF35\uFF33\uFF24', 'EURUSD\u200B', 'eur-usd'];

describe('a kill switch scoped to a name', () => {
  it('stops orders on every spelling of its symbol, and is turned off by any spelling', async () => {
    const f = await rules(
      [
        ks('10:00:00', true, 'symbol:EURUSD'),
        ...SPELLINGS.flatMap((sym, i): Ev[] => [
          riskEv(`10:00:${10 + 2 * i}`, `E${i}`),
          // Quantities apart: one order under several spellings is also a duplicate_order (rules 24).
          order(`10:00:${11 + 2 * i}`, `E${i}`, { symbol: sym, quantity: 1000 + i }),
        ]),
        ks('10:01:00', false, 'symbol:eur/usd'),
        riskEv('10:01:01', 'AFTER'),
        order('10:01:02', 'AFTER'),
        // Seven order messages on EURUSD under its spellings and one trade: ratio 6 (rules 24), over
        // the test policy's 4; not what this test is about.
      ],
      TEST_POLICY.replace('max_order_to_trade_ratio: 4', 'max_order_to_trade_ratio: 10'),
    );
    expect(f).toEqual(SPELLINGS.map((_s, i) => ['kill_switch_violation', `E${i}`]));
  });
  it('stops orders of every spelling of its strategy and venue', async () => {
    const f = await rules([
      ks('10:00:00', true, 'strategy:MeanRevert'),
      riskEv('10:00:01', 'S1'),
      order('10:00:02', 'S1', { strategy: 'meanrevert' }),
      riskEv('10:00:03', 'S2'),
      order('10:00:04', 'S2', { strategy: 'Mean_Revert', quantity: 2000 }),
      ks('10:00:05', false, 'strategy:MEANREVERT'),
      ks('10:00:06', true, 'venue:LMAX'),
      riskEv('10:00:07', 'V1'),
      order('10:00:08', 'V1', { venue: 'lmax' }),
      ks('10:00:09', false, 'venue:lmax'),
      riskEv('10:00:10', 'OK'),
      order('10:00:11', 'OK', { strategy: 'MeanRevert', venue: 'LMAX' }),
    ]);
    expect(f).toEqual([
      ['kill_switch_violation', 'S1'],
      ['kill_switch_violation', 'S2'],
      ['kill_switch_violation', 'V1'],
    ]);
  });
  it('whose name is nothing but separators is held as the whole switch', async () => {
    const f = await rules([ks('10:00:00', true, 'symbol:/'), riskEv('10:00:01', 'K'), order('10:00:02', 'K')]);
    expect(f).toEqual([
      ['kill_switch_scope_unknown', ''],
      ['kill_switch_violation', 'K'],
    ]);
  });
  it('carried across midnight under another spelling stops the next day orders, as logged', () => {
    const MIDNIGHT = Date.parse('2026-11-30T00:00:00Z') * 1000;
    const timeline = () =>
      new PolicyTimeline([
        policyFromText('require_review: false\n', { from: null, source: 'file', snapshot_id: null, path: 'p' }),
      ]);
    const line = (tUs: number, seq: number, event: string, fields: Record<string, unknown>) => {
      const iso = `${new Date(tUs / 1000).toISOString().slice(0, 19)}.${String(tUs % 1_000_000).padStart(6, '0')}Z`;
      return [
        { ts: tUs / 1e6, iso_ts: iso, seq, host: 'h', pid: 1, category: CATEGORY[event] ?? 'risk', event, ...fields },
        iso,
      ] as const;
    };
    const push = (e: ComplianceEngine, tUs: number, seq: number, event: string, fields: Record<string, unknown>) => {
      const [l, iso] = line(tUs, seq, event, fields);
      e.pushLine(l, `audit-${iso.slice(0, 10).replaceAll('-', '')}.jsonl`, seq, '0'.repeat(64));
    };
    const first = new ComplianceEngine(timeline());
    push(first, MIDNIGHT - 3600e6, 1, 'KillSwitchOn', { user: 'x', scope: 'symbol:EURUSD' });
    first.endDay('2026-11-29');
    const json = carriedStateJson(first.carryOut('2026-11-29'));
    expect(json).toContain('"scope":"symbol:EURUSD"');
    const parsed = parseCarriedState(json, '2026-11-29');
    if (typeof parsed === 'string') throw new Error(parsed);
    const next = new ComplianceEngine(timeline(), parsed);
    push(next, MIDNIGHT + 1e6, 2, 'Login', { user: 'alice' });
    push(next, MIDNIGHT + 2e6, 3, 'RiskCheck', { order_id: 'O1', result: 'pass' });
    push(next, MIDNIGHT + 3e6, 4, 'OrderAccepted', {
      order_id: 'O1',
      symbol: 'eur/usd',
      quantity: 1,
      price: 1,
      user: 'alice',
    });
    push(next, MIDNIGHT + 4e6, 5, 'KillSwitchOff', { user: 'x', scope: 'symbol:Eur-Usd' });
    push(next, MIDNIGHT + 5e6, 6, 'RiskCheck', { order_id: 'O2', result: 'pass' });
    push(next, MIDNIGHT + 6e6, 7, 'OrderAccepted', {
      order_id: 'O2',
      symbol: 'EURUSD',
      quantity: 1,
      price: 1,
      user: 'alice',
    });
    next.endDay('2026-11-30');
    const found = next.finish().findings.filter((f) => f.rule === 'kill_switch_violation');
    expect(found.map((f) => f.order_ids)).toEqual([['O1']]);
  });
});

describe("the policy's symbols table", () => {
  const POLICY = `max_order_quantity: 1000000
symbols:
  XAUUSD: { multiplier: 100, max_order_quantity: 100, max_order_notional: 500000, price_collar_pct: 1 }
`;
  it('applies its limits, multiplier and collar to every spelling of the symbol', async () => {
    const sym = ['XAU/USD', 'xauusd', 'XAUUSD\u200B'];
    const f = await rules(
      sym.flatMap((s, i): Ev[] => [
        riskEv(`10:00:${10 + 4 * i}`, `Q${i}`, { reference_price: 2000 }),
        order(`10:00:${11 + 4 * i}`, `Q${i}`, { symbol: s, quantity: 200, price: 2000 }),
        riskEv(`10:00:${12 + 4 * i}`, `N${i}`, { reference_price: 2000 }),
        // 10 lots at 2030 × 100 = 2,030,000: only the multiplier puts it over the notional limit;
        // 2030 is 1.5% from the reference: only the symbol's collar of 1% catches it.
        order(`10:00:${13 + 4 * i}`, `N${i}`, { symbol: s, quantity: 10, price: 2030 }),
      ]),
      POLICY,
    );
    expect(f).toEqual(
      sym.flatMap((_s, i) => [
        ['order_notional_exceeded', `Q${i}`],
        ['order_size_exceeded', `Q${i}`],
        ['price_collar_breached', `N${i}`],
        ['order_notional_exceeded', `N${i}`],
      ]),
    );
  });
  it('is refused when two of its entries name the same symbol, or one names none', () => {
    for (const [text, msg] of [
      ['symbols:\n  XAUUSD: { max_order_quantity: 100 }\n  XAU/USD: { max_order_quantity: 1000 }\n', /same symbol/],
      ['symbols:\n  "--": { max_order_quantity: 100 }\n', /names no symbol/],
    ] as const) {
      let err: unknown;
      try {
        parsePolicy(text, 'p.yaml');
      } catch (e) {
        err = e;
      }
      expect((err as { code?: string }).code).toBe('CONFIG_INVALID');
      expect(String((err as Error).message)).toMatch(msg);
    }
    expect(
      parsePolicy('symbols:\n  XAUUSD: { max_order_quantity: 100 }\n  XAGUSD: {}\n', 'p.yaml').policy.symbols,
    ).toHaveProperty('XAUUSD');
  });
  it('binds a key YAML reads as a number to the symbol as written (0700, 0005, 1e3), quoted or not', async () => {
    const text = 'symbols:\n  0700: { max_order_quantity: 10 }\n  "0005": { max_order_quantity: 10 }\n  1e3: {}\n';
    expect(Object.keys(parsePolicy(text, 'p.yaml').policy.symbols).sort()).toEqual(['0005', '0700', '1e3']);
    const f = await rules(
      ['0700', '0005', '700'].flatMap((sym, i): Ev[] => [
        riskEv(`10:00:${10 + 2 * i}`, `H${i}`),
        order(`10:00:${11 + 2 * i}`, `H${i}`, { symbol: sym, quantity: 100 + i }),
      ]),
      text,
    );
    expect(f).toEqual([
      ['order_size_exceeded', 'H0'],
      ['order_size_exceeded', 'H1'],
    ]);
    // Two keys YAML reads as one ("700"): which limits apply would be the file's order.
    expect(() => parsePolicy('symbols:\n  0700: {}\n  "700": {}\n', 'p.yaml')).toThrow(/two keys read as one/);
  });
});

// Spellings that render as the name or as the name with a separator: invisible characters (Unicode
// Default_Ignorable_Code_Point, U+2800), dashes and slashes NFKC keeps, and Cyrillic/Greek letters
// that pass for Latin capitals. Each must be held as the name by every rule that matches names.
const ODD: Record<string, string> = {
  cgj: '\u034f',
  vs16: '\ufe0f',
  vs17: '\u{e0100}',
  hangul: '\u3164',
  halfhangul: '\uffa0',
  filler: '\u115f',
  khmer: '\u17b4',
  soft: '\u00ad',
  tag: '\u{e0041}',
  braille: '\u2800',
  ctrl: '\u0001',
  hyphen: '\u2010',
  endash: '\u2013',
  minus: '\u2212',
  divslash: '\u2215',
  fracslash: '\u2044',
  setminus: '\u2216',
  ratio: '\u2236',
  middot: '\u00b7',
  divides: '\u2223',
};

describe('names with invisible characters, look-alike separators and look-alike letters', () => {
  const POLICY = `restricted_symbols: [USDRUB]
require_risk_check: false
require_login: false
symbols:
  XAUUSD: { max_order_quantity: 100 }
`;
  it('are held as the name: restricted symbols, kill switch scopes and the symbols table', async () => {
    const events: Ev[] = [ks('09:59:00', true, 'symbol:EURUSD')];
    let sec = 0;
    const at = (): string =>
      `10:${String(Math.floor(sec / 60)).padStart(2, '0')}:${String(sec++ % 60).padStart(2, '0')}`;
    for (const [k, c] of Object.entries(ODD))
      for (const [p, sym] of [
        ['R', `USD${c}RUB`],
        ['K', `EUR${c}USD`],
        ['L', `XAU${c}USD`],
      ] as const)
        events.push(
          order(at(), `${p}-${k}`, {
            symbol: sym,
            quantity: p === 'L' ? 500 : 1,
            strategy: `s${sec}`,
            venue: `v${sec}`,
          }),
        );
    // Cyrillic В (U+0412), Ѕ (U+0405) and Х (U+0425); Greek Α (U+0391).
    events.push(order(at(), 'R-cyrillic', { symbol: 'USDRU\u0412' }));
    events.push(order(at(), 'K-cyrillic', { symbol: 'EURU\u0405D' }));
    events.push(order(at(), 'L-cyrillic', { symbol: '\u0425AUUSD', quantity: 500 }));
    events.push(order(at(), 'L-greek', { symbol: 'XAUUSD'.replace('A', '\u0391'), quantity: 500 }));
    const got = new Map<string, string[]>();
    for (const f of (await checkEvents(events, POLICY)).findings)
      for (const o of f.order_ids) got.set(o, [...(got.get(o) ?? []), f.rule]);
    const want = { R: 'restricted_symbol', K: 'kill_switch_violation', L: 'order_size_exceeded' } as const;
    for (const k of [...Object.keys(ODD), 'cyrillic'])
      for (const [p, rule] of Object.entries(want)) expect(got.get(`${p}-${k}`) ?? [], `${p}-${k}`).toContain(rule);
    expect(got.get('L-greek')).toContain('order_size_exceeded');
  });
  it('keep names apart that differ by a digit or a letter', async () => {
    const f = await checkEvents(
      [order('10:00:00', 'A', { symbol: 'US10Y' }), order('10:00:01', 'B', { symbol: 'USDRUBX' })],
      'restricted_symbols: [USIOY, USDRUB]\nrequire_risk_check: false\nrequire_login: false\n',
    );
    expect(f.findings.filter((x) => x.rule === 'restricted_symbol')).toEqual([]);
  });
  it('make a policy whose symbols differ only by them refused', () => {
    for (const k of ['XAU\u2010USD', 'XAU\u034fUSD', '\u0425AUUSD']) {
      let err: unknown;
      try {
        parsePolicy(
          `symbols:\n  XAUUSD: { max_order_quantity: 100 }\n  "${k}": { max_order_quantity: 1000 }\n`,
          'p.yaml',
        );
      } catch (e) {
        err = e;
      }
      expect((err as { code?: string }).code, k).toBe('CONFIG_INVALID');
    }
  });
});
