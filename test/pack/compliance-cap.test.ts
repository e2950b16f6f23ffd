/**
 * A pack's report over the policy's max_findings lists the most severe findings: orders by a user
 * who never logged in (warnings) logged first no longer push a later order on a restricted symbol
 * (critical) out of compliance_report.json, compliance_findings.csv and report.html, where it was
 * only counted and could not be reviewed. The report says per severity how many are not listed,
 * and verify's re-run agrees (the same engine), while an edit of those counts is a mismatch.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOrder, compareReports, type ComplianceReport } from '../../src/compliance/index.js';
import { dispositionsFromCsv } from '../../src/review-flow/dispositions.js';
import { verifyPack } from '../../src/verify/index.js';
import {
  DATE,
  type Ev,
  exportTestDay,
  orderEv,
  riskEv,
  TEST_POLICY,
  writeEvents,
  writePolicy,
} from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';

const CAP = 3;

/** Five orders by `nobody` (never logged in: one warning each), then alice's order on NORD (restricted). */
function floodThenRestricted(): Ev[] {
  const out: Ev[] = [];
  for (let i = 0; i < 5; i++) {
    const at = `09:00:${String(i * 10).padStart(2, '0')}`;
    out.push(riskEv(at, `N-${i}`), orderEv(at, `N-${i}`, { user: 'nobody' }));
  }
  out.push(
    ['10:00:00', 'auth', 'Login', { user: 'alice' }],
    riskEv('10:00:01', 'RUB-1'),
    orderEv('10:00:02', 'RUB-1', { symbol: 'NORD' }),
  );
  return out;
}

describe('a report over max_findings', () => {
  it('lists the critical finding logged after a flood of warnings, in the JSON, the CSV and the page', async () => {
    const cwd = tempDir();
    const policyFile = writePolicy(cwd, `${TEST_POLICY}require_review: false\nmax_findings: ${CAP}\n`);
    await writeEvents(join(cwd, 'logs'), floodThenRestricted());
    const r = await exportTestDay(cwd, { compliance: { cwd, policyFile } });
    const data = join(r.path, 'data');
    const report = JSON.parse(readFileSync(join(data, 'compliance_report.json'), 'utf8')) as ComplianceReport;
    expect(report.totals.critical).toBe(1);
    expect(report.totals.total).toBeGreaterThan(CAP);
    expect(report.findings).toHaveLength(CAP);
    const critical = report.findings.filter((f) => f.severity === 'critical');
    expect(critical.map((f) => [f.rule, f.order_ids])).toEqual([['restricted_symbol', ['RUB-1']]]);
    // Still in time order: the kept warnings are the first ones, the critical one last.
    expect(report.findings.map((f) => f.time)).toEqual(report.findings.map((f) => f.time).sort());
    expect(report.findings_omitted).toBe(report.totals.total - CAP);
    expect(report.findings_omitted_by_severity).toEqual({
      critical: 0,
      warning: report.totals.warning - (CAP - 1),
      info: report.totals.info,
    });
    const csv = readFileSync(join(data, 'compliance_findings.csv'), 'utf8');
    expect(csv).toMatch(/\r\nrestricted_symbol:\d+,restricted_symbol,critical,[^\r]*RUB-1/);
    const page = readFileSync(join(data, 'report.html'), 'utf8');
    expect(page).toContain('RUB-1');
    expect(page).toContain(
      `${report.findings_omitted} more counted only (0 critical, ${report.findings_omitted_by_severity?.warning} warning, ${report.totals.info} info)`,
    );
    const v = await verifyPack(r.path);
    expect(v.problems.filter((p) => p.code.startsWith('COMPLIANCE_'))).toEqual([]);
    expect(v.checked.compliance_findings).toBe(report.totals.total);
    // The counts per severity are compared with the re-run's like the totals.
    const edited = { ...report, findings_omitted_by_severity: { critical: 0, warning: 0, info: 0 } };
    expect(compareReports(edited, report).map((d) => d.kind)).toEqual(['totals']);
    const { findings_omitted_by_severity: _, ...dropped } = report;
    expect(compareReports(dropped, report).map((d) => d.kind)).toEqual(['totals']);
  }, 60_000);

  it('a report under the cap has no findings_omitted_by_severity (the same bytes as before it)', async () => {
    const cwd = tempDir();
    const policyFile = writePolicy(cwd, `${TEST_POLICY}require_review: false\nmax_findings: 100\n`);
    await writeEvents(join(cwd, 'logs'), floodThenRestricted());
    const r = await exportTestDay(cwd, { compliance: { cwd, policyFile } });
    const text = readFileSync(join(r.path, 'data/compliance_report.json'), 'utf8');
    const report = JSON.parse(text) as ComplianceReport;
    expect(report.findings_omitted).toBe(0);
    expect(report.findings).toHaveLength(report.totals.total);
    expect(text).not.toContain('findings_omitted_by_severity');
  }, 60_000);

  it('a flood of one critical rule does not hide another: JSON, CSV, page and check --order list it', async () => {
    const cwd = tempDir();
    const policyFile = writePolicy(cwd, `${TEST_POLICY}require_review: false\nmax_findings: ${CAP}\n`);
    const events: Ev[] = [];
    // Fills of orders nobody knows: one fill_without_order critical each, logged first.
    for (let i = 0; i < 6; i++)
      events.push([
        `09:00:0${i}`,
        'fill',
        'Filled',
        { order_id: `GHOST-${i}`, deal_id: `D${i}`, quantity: 1, price: 1 },
      ]);
    events.push(['10:00:00', 'auth', 'Login', { user: 'alice' }], riskEv('10:00:01', 'O-42'));
    events.push(orderEv('10:00:02', 'O-42', { symbol: 'NORD', time_in_force: 'GTC' }));
    await writeEvents(join(cwd, 'logs'), events);
    const r = await exportTestDay(cwd, { compliance: { cwd, policyFile } });
    const data = join(r.path, 'data');
    const report = JSON.parse(readFileSync(join(data, 'compliance_report.json'), 'utf8')) as ComplianceReport;
    expect(report.by_rule).toEqual({ fill_without_order: 6, restricted_symbol: 1 });
    expect(report.findings.map((f) => f.rule)).toEqual([
      'fill_without_order',
      'fill_without_order',
      'restricted_symbol',
    ]);
    expect(report.findings_omitted_by_rule).toEqual({ fill_without_order: 4 });
    const csv = readFileSync(join(data, 'compliance_findings.csv'), 'utf8');
    expect(csv).toMatch(/\r\nrestricted_symbol:\d+,restricted_symbol,critical,[^\r]*O-42/);
    expect(csv).toMatch(
      /\r\n,fill_without_order,,,,,4 more finding\(s\) of this rule counted but not listed[^\r]*\r\n$/,
    );
    const page = readFileSync(join(data, 'report.html'), 'utf8');
    expect(page).toContain('<th>not listed (max_findings)</th>');
    expect(page).toMatch(/<code>fill_without_order<\/code><\/td><td>[^<]*<\/td><td>6<\/td><td>4<\/td>/);
    const v = await verifyPack(r.path);
    expect(v.problems.filter((p) => p.code.startsWith('COMPLIANCE_'))).toEqual([]);
    const edited = { ...report, findings_omitted_by_rule: { fill_without_order: 3, restricted_symbol: 1 } };
    expect(compareReports(edited, report).map((d) => d.kind)).toEqual(['totals']);
    // A reviewer's CSV: the count row is no finding: skipped, and a disposition on it is refused.
    const rows = csv.split('\r\n');
    const filled = (pick: (row: string) => boolean): string => {
      const path = join(cwd, 'filled.csv');
      writeFileSync(path, rows.map((x) => (pick(x) ? x.replace(/,,,$/, ',escalated,,') : x)).join('\r\n'));
      return path;
    };
    const ok = await dispositionsFromCsv(
      filled((x) => x.startsWith('restricted_symbol:')),
      r.path,
    );
    expect(ok.map((d) => d.findingId)).toEqual([report.findings[2]?.id]);
    await expect(
      dispositionsFromCsv(
        filled((x) => x.startsWith(',fill_without_order,')),
        r.path,
      ),
    ).rejects.toThrow('takes no disposition');
    // The order's own findings, whatever the cap listed.
    const logDir = join(cwd, 'logs');
    const o = await checkOrder({ cwd, logDir, from: DATE, to: DATE, policyFile, orderId: 'O-42' });
    expect(o.findings.map((f) => f.rule)).toEqual(['restricted_symbol']);
    expect(o.findings_omitted).toBe(0);
    const g = await checkOrder({ cwd, logDir, from: DATE, to: DATE, policyFile, orderId: 'GHOST-5' });
    expect(g.report.findings.some((f) => f.order_ids.includes('GHOST-5'))).toBe(false);
    expect(g.findings.map((f) => [f.rule, f.order_ids])).toEqual([['fill_without_order', ['GHOST-5']]]);
  }, 60_000);
});
