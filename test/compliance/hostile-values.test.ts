/**
 * Values in a log line that String() cannot convert (`{"toString":1}`: JSON.parse makes an own,
 * uncallable toString) are named in findings, never a crash of the checks (at17 F1): a quantity or
 * price (limit-rules' shown), a host or pid (clockCheck, the back-dated snapshot's description), a
 * risk check's item name (failedChecks). And an error of the checks themselves is not READ_FAILED.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ComplianceEngine, PolicyTimeline, policyFromText } from '../../src/compliance/index.js';
import { feedLogFile } from '../../src/compliance/check.js';
import { AuditpackError } from '../../src/errors.js';
import { tempDir } from '../helpers/tmp.js';
import { checkEvents, LOGIN, orderEv, riskEv } from './helpers.js';

const HOSTILE = (): unknown => JSON.parse('{"toString":1}');

const timeline = () =>
  new PolicyTimeline([
    policyFromText('require_risk_check: false\nrequire_login: false\n', {
      from: null,
      source: 'file',
      snapshot_id: null,
      path: 'p.yaml',
    }),
  ]);

const BASE = Date.parse('2025-09-08T10:00:00Z') * 1000;
let seq = 0;
function push(engine: ComplianceEngine, tUs: number, fields: Record<string, unknown>): void {
  const iso = `${new Date(Math.floor(tUs / 1000)).toISOString().slice(0, 19)}.${String(tUs % 1_000_000).padStart(6, '0')}Z`;
  const e = { ts: tUs / 1e6, iso_ts: iso, seq: ++seq, host: 'h1', pid: 1, category: 'order', ...fields };
  engine.pushLine(e, 'audit-20250908.jsonl', seq, 'h'.repeat(64));
}

describe('a quantity or price that String() cannot convert', () => {
  it('is invalid_quantity, named as JSON, on an order, a modification of an unknown order and a fill', async () => {
    const r = await checkEvents([
      LOGIN,
      riskEv('10:00:00', 'Q-1'),
      orderEv('10:00:01', 'Q-1', { quantity: HOSTILE() }),
      riskEv('10:00:02', 'Q-2'),
      orderEv('10:00:03', 'Q-2', { price: HOSTILE() }),
      ['10:00:04', 'order', 'OrderModified', { order_id: 'Q-9', symbol: 'EURUSD', quantity: HOSTILE() }],
      ['10:00:05', 'fill', 'Filled', { order_id: 'Q-2', symbol: 'EURUSD', quantity: HOSTILE(), price: '1.1' }],
    ]);
    const invalid = r.findings.filter((f) => f.rule === 'invalid_quantity');
    expect(invalid.map((f) => f.order_ids.join())).toEqual(['Q-1', 'Q-2', 'Q-9', 'Q-2']);
    expect(invalid[0]?.description).toContain('quantity {"toString":1} (not a finite number');
    expect(invalid[1]?.description).toContain('price {"toString":1} (not a finite number');
    // handled as a string quantity is: the same finding, with the value as given
    const one = async (quantity: unknown) =>
      (await checkEvents([LOGIN, riskEv('10:00:00', 'Q-1'), orderEv('10:00:01', 'Q-1', { quantity })])).findings.map(
        (f) => f.rule,
      );
    expect(await one(HOSTILE())).toEqual(await one('x'));
  });
});

describe('a host or pid that String() cannot convert (a forged line)', () => {
  it('keeps its own clock and is named in clock_backwards; plain objects keep their old text', () => {
    const engine = new ComplianceEngine(timeline());
    push(engine, BASE, { event: 'OrderCancelled', host: HOSTILE(), pid: HOSTILE() });
    push(engine, BASE - 1000, { event: 'OrderCancelled', host: HOSTILE(), pid: HOSTILE() });
    push(engine, BASE, { event: 'OrderCancelled', host: { a: 1 }, pid: [1, 2] });
    push(engine, BASE - 1000, { event: 'OrderCancelled', host: { b: 2 }, pid: [1, 2] });
    const back = engine.finish().findings.filter((f) => f.rule === 'clock_backwards');
    expect(back.map((f) => f.description)).toEqual([
      'time went back 1.000 ms on host {"toString":1} pid {"toString":1}',
      'time went back 1.000 ms on host [object Object] pid 1,2',
    ]);
    const clocks = engine.carryOut('2025-09-08').clocks.map((c) => c.process);
    expect(clocks).toContain('{"toString":1}\u0000{"toString":1}');
    expect(clocks).toContain('[object Object]\u00001,2');
  });
  it('is named in config_snapshot_backdated', () => {
    const engine = new ComplianceEngine(timeline());
    push(engine, BASE + 60_000_000, { event: 'OrderCancelled', host: HOSTILE(), pid: 7 });
    push(engine, BASE, { category: 'config', event: 'ConfigSnapshot', snapshot_id: 'S-1', host: HOSTILE(), pid: 7 });
    const f = engine.finish().findings.find((x) => x.rule === 'config_snapshot_backdated');
    expect(f?.description).toContain('(snapshot S-1, host {"toString":1} pid 7)');
  });
});

describe("a risk check item's name that String() cannot convert", () => {
  it('is a failed check named as JSON', async () => {
    const r = await checkEvents([
      LOGIN,
      riskEv('10:00:00', 'R-1', {
        checks: [
          { name: HOSTILE(), passed: false },
          { name: ['a', 'b'], passed: 'no' },
        ],
      }),
      orderEv('10:00:01', 'R-1'),
    ]);
    const f = r.findings.find((x) => x.rule === 'risk_check_failed');
    expect(f?.description).toContain('{"toString":1}');
    expect(f?.description).toContain('a,b (passed "no": not true or false)');
  });
});

describe('feedLogFile', () => {
  it('lets an error of the checks through as it is (INTERNAL), not as READ_FAILED', async () => {
    const dir = tempDir();
    const path = join(dir, 'audit-20250908.jsonl');
    writeFileSync(
      path,
      `${JSON.stringify({ ts: BASE / 1e6, iso_ts: '2025-09-08T10:00:00.000000Z', seq: 1, category: 'order', event: 'X' })}\n`,
    );
    const engine = new ComplianceEngine(timeline());
    engine.push = () => {
      throw new TypeError('Cannot convert object to primitive value');
    };
    const err = await feedLogFile(engine, path, 'audit-20250908.jsonl').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(err).not.toBeInstanceOf(AuditpackError);
  });
  it('still makes a file-system error READ_FAILED (a directory in the file’s place)', async () => {
    const dir = tempDir();
    const err = await feedLogFile(new ComplianceEngine(timeline()), dir, 'audit-20250908.jsonl').catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuditpackError);
    expect((err as AuditpackError).code).toBe('READ_FAILED');
  });
});
