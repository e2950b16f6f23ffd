/**
 * The order-to-trade counts of a period checked in one run (`auditpack check --from … --to …`: one
 * engine, its counts emptied at each day's end, otr-counts.ts clear) are the counts of each day
 * checked alone: a symbol of day 1 leaks neither its counts nor the line that first named it into
 * day 2, whatever the symbols (spellings of one fold in Latin-1 and UTF-16, lone surrogates, names
 * that fold to '', names longer than order-ids.ts's largest block, more symbols than the counts'
 * 4,096 recent ones). The days are written by the real logger; every order is a DAY order that its
 * day fills or cancels, so no day's counts depend on the day before.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/logger/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const DAYS = ['2026-11-28', '2026-11-29', '2026-11-30'] as const;
const L = (n: number) => 'L'.repeat(n);
/** Symbols hostile to keeping them as bytes, the spellings of one fold together (a day keeps its first). */
const HOSTILE = [
  'EUR/USD',
  'eurusd',
  'ＥＵＲＵＳＤ',
  'EURUSD\u200b',
  'café',
  'CAFÉ',
  'cafe\u0301',
  'ＣＡＦÉ',
  '\ud800',
  'A\ud800B',
  '\udfff\ud800',
  '株式',
  '株-式',
  'Ω',
  '',
  '\u200b',
  '-',
  '\u2800',
  L(509),
  L(510),
  L(511),
  L(600),
  `${L(509)}\u00e9`,
  'Ж'.repeat(254),
  'Ж'.repeat(255),
  'Ж'.repeat(256),
  '\u00ff'.repeat(300),
  '\u0100',
];

interface Finding {
  rule: string;
  id: string;
  time: string;
  symbol: string | null;
  description: string;
  evidence: unknown[];
}

/** Writes the three days: each its own first spellings, counts and order of symbols. */
async function writeDays(logDir: string): Promise<void> {
  let n = 0;
  for (const [d, date] of DAYS.entries()) {
    const start = Date.parse(`${date}T00:00:00Z`) * 1000;
    let t = 0;
    const audit = createAuditLogger({ logDir, clock: () => start + 1000 + t, host: 'h', pid: 7, handleExit: false });
    const order = (symbol: string, trade: boolean) => {
      t += 1000;
      const order_id = `O${n++}`;
      audit.log('order', 'OrderAccepted', {
        order_id,
        symbol,
        side: 'BUY',
        quantity: 1,
        price: 1.1,
        time_in_force: 'DAY',
      });
      if (trade)
        audit.log('fill', 'Filled', {
          order_id,
          deal_id: `D${order_id}`,
          symbol,
          side: 'BUY',
          quantity: 1,
          price: 1.1,
        });
      else audit.log('order', 'Cancelled', { order_id, symbol });
    };
    const syms = d === 1 ? [...HOSTILE].reverse() : HOSTILE;
    for (let r = 0; r < 2 + d; r++) for (const [k, s] of syms.entries()) order(s, (k + r + d) % 3 === 0);
    // Past the 4,096 recent folds, alternating with one that is always there (day 3: none).
    const many = [5000, 1500, 0][d] as number;
    for (let i = 0; i < many; i++) {
      order(`S${(i * 7 + d * 1000) % 6000}`, i % 4 !== 0);
      order(i % 2 ? 'eurusd' : 'EUR/USD', false);
    }
    await audit.close();
  }
}

/** The order-to-trade findings of a report, without their ids (numbered by the run). */
function otr(stdout: string): Omit<Finding, 'id'>[] {
  const findings = (JSON.parse(stdout) as { findings: Finding[] }).findings;
  return findings.filter((f) => f.rule === 'order_to_trade_ratio_exceeded').map(({ id: _id, ...f }) => f);
}

describe('auditpack check over several days: the order-to-trade counts start again each day', () => {
  it('finds on each day of a period what that day checked alone finds, hostile symbols and all', async () => {
    const cwd = tempDir();
    await writeDays(join(cwd, 'logs'));
    const policy = join(cwd, 'p.yaml');
    writeFileSync(
      policy,
      'max_order_to_trade_ratio: 0\nmax_findings: 100000\nduplicate_window_ms: 0\nrequire_risk_check: false\nrequire_login: false\n',
    );
    const check = (...range: string[]) => {
      const r = runCli(['check', ...range, '--policy', policy, '--json', '--fail-on', 'never'], { cwd });
      expect(r.code, r.stderr).toBe(0);
      return otr(r.stdout);
    };
    const period = check('--from', DAYS[0], '--to', DAYS[2]);
    const alone = DAYS.flatMap((d) => check('--date', d));
    expect(period).toEqual(alone);
    // What that means, said directly: day 2 names EUR/USD as day 2 first spelled it, on day 2's line,
    // with day 2's count (1,500 alternating orders and its hostile rounds; an order is 2 messages,
    // its acceptance and its cancel, a filled one 1), and day 3 has no S-symbol.
    const eur = period.filter(
      (f) => f.symbol !== null && /^(EUR\/USD|eurusd|ＥＵＲＵＳＤ|EURUSD\u200b)$/.test(f.symbol),
    );
    expect(eur.map((f) => [f.time.slice(0, 10), f.symbol])).toEqual([
      [DAYS[0], 'EUR/USD'],
      [DAYS[1], 'EURUSD\u200b'],
      [DAYS[2], 'EUR/USD'],
    ]);
    expect(eur[1]?.evidence).toEqual([expect.objectContaining({ file: 'audit-20261129.jsonl' })]);
    expect(eur[1]?.description).toMatch(/^EURUSD\u200b: 3020 order messages for 4 trades on 2026-11-29/);
    expect(period.filter((f) => f.time.startsWith(DAYS[2]) && /^S\d/.test(f.symbol ?? ''))).toEqual([]);
    // Each hostile fold found on each day (ratio 0: more messages than trades), lone surrogates kept.
    for (const d of DAYS)
      expect(period.filter((f) => f.time.startsWith(d) && !/^S\d/.test(f.symbol ?? '')).length).toBeGreaterThan(15);
    expect(period.some((f) => f.symbol === 'A\ud800B')).toBe(true);
  });
});
