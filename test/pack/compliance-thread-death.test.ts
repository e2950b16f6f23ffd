/**
 * The compliance records ride on the export's scan batches: when the scan thread dies mid-run, the
 * batches it held are processed on the reading thread, and the checks still see every line once,
 * in order — the report equals the reference path's (`checkLogFile`, which reads the log itself).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSyntheticDay } from '../../bench/lib/synthetic-day.js';
import { DEFAULT_ALERT_FILTER } from '../../src/config.js';
import {
  buildReport,
  checkLogFile,
  ComplianceEngine,
  DEFAULT_POLICY_SOURCE,
  PolicyTimeline,
  policyFromText,
  reportJson,
} from '../../src/compliance/index.js';
import { RecordReader } from '../../src/compliance/records.js';
import type { scanDay } from '../../src/pack/scan-day.js';
import { distCopyWith, dyingWorker } from '../helpers/dist-copy.js';
import { tempDir } from '../helpers/tmp.js';

describe('compliance records when the scan thread dies', () => {
  it('reach the checks in line order, each line once: the report is the reference path’s', async () => {
    const inCopy = distCopyWith('pack/scan-worker.js', dyingWorker('scan-worker.real.js', 3));
    const lib = (await import(inCopy('pack/scan-day.js'))) as { scanDay: typeof scanDay };
    const { workerActivity } = (await import(inCopy('worker/index.js'))) as {
      workerActivity: (n: string) => { threadJobs: number; fallbacks: string[] };
    };
    const root = tempDir();
    const log = join(root, 'audit-20250908.jsonl');
    writeSyntheticDay(log, '2025-09-08', 30_000); // ~9 MB: several 1 MiB batches, a finding for most orders
    const timeline = new PolicyTimeline([
      policyFromText(DEFAULT_POLICY_SOURCE, { from: null, source: 'built-in', snapshot_id: null, path: 'built-in' }),
    ]);
    const engine = new ComplianceEngine(timeline);
    const reader = new RecordReader();
    const dataDir = join(root, 'data');
    mkdirSync(dataDir);
    await lib.scanDay({
      logFile: log,
      dataDir,
      alertFilter: DEFAULT_ALERT_FILTER,
      onRecords: (records, lines, firstLine, hashes) =>
        reader.feed(engine, records, lines, 'x.jsonl', firstLine, hashes),
    });
    expect(workerActivity('export scan').fallbacks).toEqual([
      expect.stringMatching(/the thread stopped: exited with code 9/),
    ]);
    engine.endDay('2025-09-08');
    const got = buildReport({
      from: '2025-09-08',
      to: '2025-09-08',
      timeline,
      result: engine.finish(),
      files: ['x.jsonl'],
    });
    const want = await checkLogFile({ path: log, name: 'x.jsonl', date: '2025-09-08', timeline });
    expect(got.summary.events).toBe(30_000);
    expect(got.totals.total).toBeGreaterThan(1000);
    expect(reportJson(got)).toBe(reportJson(want));
  }, 180_000);
});
