/**
 * report.html shows the state the day's checks started from and where it came from: a kill switch
 * on at midnight, a GTC order accepted the day before, a review and a session carried, so a reader
 * sees why a finding of today rests on a line of yesterday. The section is held by verify like the
 * rest of the page (an edit of it is a mismatch), and every value in it is escaped.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportCarryDay } from './helpers/carry-day.js';
import { verifyPack } from '../../src/verify/index.js';
import { type Ev, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { forgePack } from '../verify/helpers/forge.js';

const D1 = '2026-11-29';
const D = '2026-11-30';
const HOSTILE = 'G<script>x</script>';

const BEFORE: Ev[] = [
  ['22:00:00', 'auth', 'Login', { user: 'alice' }],
  ['22:10:00', 'risk', 'RiskCheck', { order_id: HOSTILE, result: 'pass', score: 0.1, reference_price: 1.1 }],
  [
    '22:10:01',
    'order',
    'OrderAccepted',
    { order_id: HOSTILE, symbol: 'EURUSD', quantity: 5, price: '1.1', user: 'alice', time_in_force: 'GTC' },
  ],
  ['23:00:00', 'risk', 'KillSwitchOn', { user: 'x', reason: 'runaway algo', scope: 'venue:XLON' }],
  ['23:59:00', 'decision', 'DecisionRecorded', { signal_id: 'S-9', decision: 'approve', reviewer_kind: 'human' }],
];
const AFTER: Ev[] = [['01:00:00', 'order', 'OrderFilled', { order_id: HOSTILE, quantity: 2, price: '1.1' }]];

const exportDay = (cwd: string, policyFile: string, date: string): Promise<string> =>
  exportCarryDay(cwd, policyFile, date);

async function setup(): Promise<{ cwd: string; policyFile: string }> {
  const cwd = tempDir();
  const policyFile = writePolicy(cwd, `${TEST_POLICY}\nrequire_review: false\n`);
  await writeEvents(join(cwd, 'logs'), BEFORE, D1);
  await writeEvents(join(cwd, 'logs'), AFTER, D);
  return { cwd, policyFile };
}

const pageOf = (pack: string): string => readFileSync(join(pack, 'data/report.html'), 'utf8');

describe('report.html shows the state carried in', () => {
  it('names the previous pack as the source and lists what was open at midnight, escaped', async () => {
    const { cwd, policyFile } = await setup();
    await exportDay(cwd, policyFile, D1);
    const p2 = await exportDay(cwd, policyFile, D);
    const html = pageOf(p2);
    expect(html).toContain(`<h2>Carried in from ${D1}</h2>`);
    expect(html).toContain('from the previous day’s pack');
    const start = readFileSync(join(p2, 'data/compliance_state_start.json'));
    const { createHash } = await import('node:crypto');
    expect(html).toContain(createHash('sha256').update(start).digest('hex'));
    expect(html).toContain('<h3>Kill switches on at midnight (1)</h3>');
    expect(html).toContain('<code>venue:XLON</code>');
    expect(html).toContain('<h3>Orders open at midnight (1)</h3>');
    expect(html).toContain('G&lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain('<td>GTC</td><td>0 / 5</td>');
    expect(html).toContain('audit-20261129.jsonl:3 seq&nbsp;3'); // the order's line in D-1's log
    expect(html).toContain('<h3>Reviews of signals (1)</h3>');
    expect(html).toContain('<td>S-9</td><td>approve</td><td>yes</td>');
    expect(html).toContain('<h3>Users logged in (1)</h3>');
    expect(html).not.toMatch(/<script|\bsrc=|\bhref=/i);
    expect((await verifyPack(p2)).problems.filter((p) => p.severity === 'error')).toEqual([]);
  }, 60_000);

  it('says so when nothing was carried (no pack, no log of the day before)', async () => {
    const { cwd, policyFile } = await setup();
    renameSync(join(cwd, 'logs/audit-20261129.jsonl'), join(cwd, 'elsewhere.jsonl'));
    const html = pageOf(await exportDay(cwd, policyFile, D));
    expect(html).toContain(`<h2>Carried in from ${D1}</h2>`);
    expect(html).toContain('nothing was carried');
    expect(html).not.toContain('Orders open at midnight');
  }, 60_000);

  it('says a replay of the log was used when the previous pack is missing', async () => {
    const { cwd, policyFile } = await setup();
    const html = pageOf(await exportDay(cwd, policyFile, D));
    expect(html).toContain('from a replay of the previous day’s log alone');
    expect(html).toContain('<h3>Orders open at midnight (1)</h3>');
  }, 60_000);

  it('an edit of the section (an open order hidden, hashes recomputed) is found by verify', async () => {
    const { cwd, policyFile } = await setup();
    await exportDay(cwd, policyFile, D1);
    const p2 = await exportDay(cwd, policyFile, D);
    forgePack(p2, {
      payload: (data) => {
        const page = readFileSync(join(data, 'report.html'), 'utf8');
        const edited = page.replace(/<h3>Orders open at midnight[\s\S]*?<\/table>/, '');
        expect(edited).not.toBe(page);
        writeFileSync(join(data, 'report.html'), edited);
      },
    });
    const v = await verifyPack(p2);
    expect(v.problems.filter((p) => p.code === 'COMPLIANCE_REPORT_MISMATCH').map((p) => p.detail)).toEqual([
      expect.stringContaining('report.html is not the page'),
    ]);
  }, 60_000);
});
