/**
 * A period with a day whose log file is missing (deleted by hand or by log retention): the report
 * names the day, says what the checks did over the gap, and `--fail-on warning` fails on it. Days
 * written by the real logger; the kill switch of the missing day is what the later day loses.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompliance, checkOrder, reportReaches } from '../../src/compliance/index.js';
import { tempDir } from '../helpers/tmp.js';
import { cleanOrder, TEST_POLICY, writeEvents, writePolicy } from './helpers.js';

const D1 = '2025-09-08';
const D2 = '2025-09-09';
const D3 = '2025-09-10';

/** D1 quiet, the kill switch on at 23:00 on D2, a clean order at 00:10 on D3. */
async function period(): Promise<{ cwd: string; logDir: string; policyFile: string }> {
  const cwd = tempDir();
  const policyFile = writePolicy(cwd, TEST_POLICY);
  const logDir = join(cwd, 'logs');
  await writeEvents(logDir, [['09:00:00', 'app', 'Start', {}]], D1);
  await writeEvents(logDir, [['23:00:00', 'risk', 'KillSwitchOn', { user: 'ops', reason: 'venue outage' }]], D2);
  await writeEvents(logDir, [['00:05:00', 'auth', 'Login', { user: 'alice' }], ...cleanOrder('O1', '00:10')], D3);
  return { cwd, logDir, policyFile };
}

describe('a period with a missing day', () => {
  it('names the missing middle day, says the state is carried over it, and fails on warning', async () => {
    const p = await period();
    const whole = await checkCompliance({ ...p, from: D1, to: D3 });
    expect(whole.findings.map((f) => f.rule)).toEqual(['kill_switch_violation']);
    expect(whole.missing_days).toBeUndefined();
    expect(reportReaches(whole, 'critical')).toBe(true);

    rmSync(join(p.logDir, 'audit-20250909.jsonl'));
    const gap = await checkCompliance({ ...p, from: D1, to: D3 });
    expect(gap.findings).toEqual([]); // the kill switch of D2 is gone with its file: hence the warning
    expect(gap.files).toEqual(['audit-20250908.jsonl', 'audit-20250910.jsonl']);
    expect(gap.missing_days).toHaveLength(1);
    const m = gap.missing_days![0]!;
    expect(m).toMatchObject({ date: D2, file: 'audit-20250909.jsonl', severity: 'warning' });
    expect(m.note).toContain(`the state at the end of ${D1} is carried over it unchanged`);
    expect(m.note).toContain(`a kill switch, session, order or review of ${D2} is not known`);
    expect(reportReaches(gap, 'warning')).toBe(true);
    expect(reportReaches(gap, 'info')).toBe(true);
    expect(reportReaches(gap, 'critical')).toBe(false);
    // The totals stay those of the log's findings.
    expect(gap.totals.total).toBe(0);

    const order = await checkOrder({ ...p, from: D1, to: D3, orderId: 'O1' });
    expect(order.report.missing_days?.map((d) => d.date)).toEqual([D2]);
  });

  it('a missing first day with nothing before it: nothing is carried over it', async () => {
    const p = await period();
    rmSync(join(p.logDir, 'audit-20250908.jsonl'));
    const r = await checkCompliance({ ...p, from: D1, to: D3 });
    expect(r.missing_days?.map((d) => [d.date, d.file])).toEqual([[D1, 'audit-20250908.jsonl']]);
    expect(r.missing_days![0]!.note).toContain('nothing is carried over it');
    expect(r.findings.map((f) => f.rule)).toEqual(['kill_switch_violation']);
  });
});
