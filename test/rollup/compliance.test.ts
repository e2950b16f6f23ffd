/**
 * The compliance checks over the firm's merged stream: an order accepted on one host and filled on
 * another is one lifecycle (each host's own pack cannot know that), and a fill on a third host that
 * takes the order beyond its quantity is an overfill only the merged stream can see.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/logger/index.js';
import { rollupDay, type RollupResult } from '../../src/rollup/index.js';
import { at, DATE, exportFirmDay, type SimHost, writeFirmDay } from './hosts-fixture.js';

// bravo's clock is a little ahead, so its fills are stamped after alpha's acceptances.
const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: 100 },
];
let dir: string;
let r: RollupResult;

describe('compliance over the merged stream', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auditpack-rollup-compliance-'));
    await writeFirmDay(dir, HOSTS, DATE, 4);
    // charlie fills order O1 once more, an hour after bravo filled it completely.
    mkdirSync(join(dir, 'charlie', 'logs'), { recursive: true });
    const t = at(DATE, 11);
    const log = createAuditLogger({
      logDir: join(dir, 'charlie', 'logs'),
      handleExit: false,
      host: 'charlie',
      pid: 301,
      heartbeatMinutes: 0,
      clock: () => t,
    });
    log.fill({ orderId: `${DATE}-O1`, symbol: 'EURUSD', side: 'BUY', quantity: 1001, price: '1.10051', dealId: 'X1' });
    await log.close();
    await exportFirmDay(dir, [...HOSTS, { name: 'charlie', skewUs: 0 }], DATE);
    r = await rollupDay({
      date: DATE,
      outDir: join(dir, 'rollups'),
      version: '0.1.0',
      sources: ['alpha', 'bravo', 'charlie'].map((h) => ({ dir: join(dir, h, 'artifacts') })),
    });
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an order on one host filled on another is one lifecycle; an overfill across hosts is found', () => {
    // The fixture's orders skip the pre-trade risk check (alpha's own pack finds the same); apart
    // from those, the only finding is the overfill: no fill is without its order.
    const rules = r.compliance.findings
      .filter((f) => f.rule !== 'missing_risk_check')
      .map((f) => `${f.rule} ${f.order_ids.join(',')}`);
    expect(rules).toEqual([`overfill ${DATE}-O1`]);
    expect(r.compliance.by_rule).toEqual({ missing_risk_check: 4, overfill: 1 });
    const over = r.compliance.findings.find((f) => f.rule === 'overfill');
    expect(over?.evidence.map((e) => `${e.file}#${e.seq}`)).toEqual([
      expect.stringMatching(/^alpha\/data\/audit\.jsonl#\d+$/),
      'charlie/data/audit.jsonl#1',
    ]);
    expect(r.compliance.summary.fills).toBe(5);
    // Each host alone cannot see it: bravo's own pack finds its fills without an order.
    const bravo = JSON.parse(
      readFileSync(join(dir, 'bravo', 'artifacts', DATE, 'data', 'compliance_report.json'), 'utf8'),
    );
    expect(bravo.by_rule.fill_without_order).toBe(4);
  });

  it('the report and its CSV are in the roll-up pack, listed in its manifest', () => {
    const report = JSON.parse(readFileSync(join(r.dir, 'data', 'compliance_report.json'), 'utf8'));
    expect(report.files).toEqual(['alpha/data/audit.jsonl', 'bravo/data/audit.jsonl', 'charlie/data/audit.jsonl']);
    expect(report.by_rule).toEqual({ missing_risk_check: 4, overfill: 1 });
    const csv = readFileSync(join(r.dir, 'data', 'compliance_findings.csv'), 'utf8');
    expect(csv).toContain('overfill');
    expect(csv).toContain('charlie/data/audit.jsonl');
    const manifest = readFileSync(join(r.dir, 'manifest-sha256.txt'), 'utf8');
    expect(manifest).toMatch(/ {2}data\/compliance_report\.json\n/);
    expect(manifest).toMatch(/ {2}data\/compliance_findings\.csv\n/);
  });
});
