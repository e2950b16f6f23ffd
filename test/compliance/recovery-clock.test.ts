/**
 * A TornLineRecovered or LogDiscontinuity event is dated when its writer writes it, after the
 * events it had already stamped and queued behind it (docs/FORMAT.md, "Torn lines and recovery",
 * "Lost heads"): verify leaves it out of the per-process clock check, and so must the compliance
 * checks, or an honest history shows `clock_backwards` once per queued event (in `check`, the
 * export's report and verify's re-run), and across midnight through the carried state.
 */
import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompliance, type ComplianceReport } from '../../src/compliance/index.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { tempDir } from '../helpers/tmp.js';
import { DATE, exportTestDay, micros, writeEvents } from './helpers.js';

const NEXT = '2025-09-09';

/** A second process (h2, pid 7) stamps four events one µs apart from `time`, all queued before its first write. */
async function queuedWriter(logDir: string, date: string, time: string): Promise<void> {
  let t = micros(date, time);
  const logger = createAuditLogger({ logDir, handleExit: false, clock: () => (t += 1), host: 'h2', pid: 7 });
  for (const id of ['O-1', 'O-2']) {
    logger.log('risk', 'RiskCheck', { order_id: id, symbol: 'EURUSD', result: 'pass', score: 0.1 });
    logger.log('auth', 'Login', { user: `u-${id}`, source_ip: '10.0.0.7' });
  }
  await logger.close();
}

/** Writes h1's last event and tears it: its `\n` cut and the lock's cached head put back, as a crash leaves it. */
async function tornLast(logDir: string, date: string, time: string): Promise<void> {
  const lock = readFileSync(join(logDir, '.audit.lock'));
  await writeEvents(logDir, [[time, 'system', 'Heartbeat', {}]], date);
  const file = join(logDir, `audit-${date.replaceAll('-', '')}.jsonl`);
  truncateSync(file, readFileSync(file).length - 1);
  writeFileSync(join(logDir, '.audit.lock'), lock);
}

const logText = (logDir: string): string =>
  readdirSync(logDir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => readFileSync(join(logDir, f), 'utf8'))
    .join('');

const backwards = (r: ComplianceReport) => r.findings.filter((f) => f.rule === 'clock_backwards');

describe('compliance clock check and events dated when written', () => {
  it('a recovery written before the events its writer had queued is no clock_backwards (check and the report)', async () => {
    const root = tempDir();
    const logDir = join(root, 'logs');
    await writeEvents(logDir, [['09:00:00', 'auth', 'Login', { user: 'alice', source_ip: '10.0.0.7' }]]);
    await tornLast(logDir, DATE, '09:30:00');
    await queuedWriter(logDir, DATE, '10:00:00');
    expect(logText(logDir)).toContain('"event":"TornLineRecovered"');
    const r = await checkCompliance({ cwd: root, logDir, from: DATE, to: DATE });
    expect(r.summary.events).toBe(6); // a login, the recovery and four queued events (the fragment is none)
    expect(backwards(r)).toEqual([]);
    const pack = await exportTestDay(root, { snapshot: false, compliance: { cwd: root } });
    const report = JSON.parse(readFileSync(join(pack.path, 'data', 'compliance_report.json'), 'utf8'));
    expect(backwards(report)).toEqual([]);
  });

  it('a discontinuity written before the events its writer had queued is no clock_backwards', async () => {
    const root = tempDir();
    const logDir = join(root, 'logs');
    await writeEvents(logDir, [
      ['09:00:00', 'auth', 'Login', { user: 'alice', source_ip: '10.0.0.7' }],
      ['09:30:00', 'system', 'Heartbeat', {}],
    ]);
    // The last line cut off by hand: the next writer finds the cached head gone.
    const file = join(logDir, `audit-${DATE.replaceAll('-', '')}.jsonl`);
    const text = readFileSync(file, 'utf8');
    truncateSync(file, text.lastIndexOf('\n', text.length - 2) + 1);
    await queuedWriter(logDir, DATE, '10:00:00');
    expect(logText(logDir)).toContain('"event":"LogDiscontinuity"');
    const r = await checkCompliance({ cwd: root, logDir, from: DATE, to: DATE });
    expect(backwards(r)).toEqual([]);
  });

  it('a recovery dated after midnight in the file it repairs carries no clock into the next day', async () => {
    const root = tempDir();
    const logDir = join(root, 'logs');
    await writeEvents(logDir, [['23:00:00', 'auth', 'Login', { user: 'alice', source_ip: '10.0.0.7' }]]);
    await tornLast(logDir, DATE, '23:59:59');
    await queuedWriter(logDir, NEXT, '00:00:00');
    // The recovery (dated NEXT, after the queued events) stands in DATE's file; the events in NEXT's.
    const first = readFileSync(join(logDir, `audit-${DATE.replaceAll('-', '')}.jsonl`), 'utf8');
    expect(first).toContain(
      `"iso_ts":"${NEXT}T00:00:00.000005Z","seq":2,"category":"system","event":"TornLineRecovered"`,
    );
    // The day after alone, its start state replayed from DATE's log, and both days in one run.
    const next = await checkCompliance({ cwd: root, logDir, from: NEXT, to: NEXT });
    expect(next.carried_in?.source).toBe('log');
    expect(backwards(next)).toEqual([]);
    expect(backwards(await checkCompliance({ cwd: root, logDir, from: DATE, to: NEXT }))).toEqual([]);
  });
});
