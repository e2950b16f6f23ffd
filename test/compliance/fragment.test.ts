/**
 * A recovered torn fragment is never an event (docs/FORMAT.md, "Torn lines and recovery"), for the
 * compliance checks too: whoever can append to a day file can leave a well-formed but unterminated
 * order line that the next write recovers. Neither `check`, nor the export's report, nor verify's
 * re-run may judge it: it would slip findings (or hide them) for an order that exists nowhere else.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCompliance, type ComplianceReport } from '../../src/compliance/index.js';
import { exportPack } from '../../src/pack/index.js';
import { verifyPack } from '../../src/verify/index.js';
import { DATE, micros, writeEvents } from './helpers.js';

let root: string;
const logDir = () => join(root, 'logs');
const dayFile = () => join(logDir(), `audit-${DATE.replaceAll('-', '')}.jsonl`);

/** An unterminated order line with the next seq and a correct prev, as a torn write leaves it. */
function plantFragment(file: string): void {
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const last = lines.at(-1) as string;
  const seq = (JSON.parse(last) as { seq: number }).seq + 1;
  const prev = createHash('sha256').update(last).digest('hex');
  const us = micros(DATE, '10:00:00');
  const iso = `${DATE}T10:00:00.000000Z`;
  appendFileSync(
    file,
    `{"ts":${(us / 1e6).toFixed(6)},"iso_ts":"${iso}","seq":${seq},"category":"order","event":"OrderAccepted","order_id":"FAKE-1","symbol":"EURUSD","side":"SELL","quantity":5000000,"price":"0.5","host":"h1","pid":1,"prev":"${prev}"}`,
  );
}

const naming = (r: ComplianceReport, id: string) => r.findings.filter((f) => f.order_ids.includes(id));

describe('compliance and recovered torn fragments', () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'auditpack-compliance-frag-'));
    await writeEvents(logDir(), [['09:00:00', 'auth', 'Login', { user: 'alice', source_ip: '10.0.0.7' }]]);
    plantFragment(dayFile());
    // The next write recovers the fragment: "\n" and a TornLineRecovered after it.
    await writeEvents(logDir(), [['11:00:00', 'system', 'Heartbeat', {}]]);
    expect(readFileSync(dayFile(), 'utf8')).toContain('"event":"TornLineRecovered"');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('check counts the fragment as a malformed line, never as an order', async () => {
    const r = await checkCompliance({ cwd: root, logDir: logDir(), from: DATE, to: DATE });
    expect(naming(r, 'FAKE-1')).toEqual([]);
    expect(r.summary.malformed_lines).toBe(1);
    expect(r.summary.orders_new).toBe(0);
  });

  it("the pack's report judges no fragment, and verify's re-run agrees", async () => {
    const artifacts = join(root, 'artifacts');
    await exportPack({
      date: DATE,
      logDir: logDir(),
      artifactsDir: artifacts,
      version: '0.1.0',
      now: () => Date.parse(`${DATE}T23:59:59Z`) + 600_000,
      snapshot: false,
      recordEvent: false,
      compliance: { cwd: root },
    });
    const dir = join(artifacts, DATE);
    const report = JSON.parse(readFileSync(join(dir, 'data', 'compliance_report.json'), 'utf8')) as ComplianceReport;
    expect(naming(report, 'FAKE-1')).toEqual([]);
    expect(report.summary.malformed_lines).toBe(1);
    const v = await verifyPack(dir);
    expect(v.problems.filter((p) => p.code.startsWith('COMPLIANCE_REPORT'))).toEqual([]);
  });
});
