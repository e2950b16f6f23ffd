import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_FILTER } from '../../src/config.js';
import { SCAN_THREAD } from '../../src/pack/scan-jobs.js';
import { scanDay as scanDaySrc } from '../../src/pack/scan-day.js';
import { workerActivity } from '../../src/worker/index.js';
import { tempDir } from '../helpers/tmp.js';
import { writeSyntheticDay } from '../../bench/lib/synthetic-day.js';

describe('scanDay: the worker-thread path and the in-thread path agree', () => {
  it('gives the same files and facts, malformed lines and batch boundaries included', async () => {
    // The thread runs the compiled scan-worker.js (built by the vitest global setup), as in production.
    const root = tempDir();
    const log = join(root, 'audit-20250908.jsonl');
    writeSyntheticDay(log, '2025-09-08', 30_000); // ~9 MB: several 1 MiB batches
    // A line longer than a worker slot (1.2 MB), then lines that are not events.
    const big = `{"ts":1757372400.000000,"iso_ts":"2025-09-08T23:00:00.000000Z","seq":30001,"category":"order","event":"X","x":"${'é'.repeat(600_000)}","prev":"${'0'.repeat(64)}"}`;
    appendFileSync(log, `not json\n${big}\n{"category":"order","event":"no seq"}\n`);
    appendFileSync(log, Buffer.from([0xff, 0xfe, 0x0a])); // invalid UTF-8
    appendFileSync(log, '{"torn":');
    const run = async (scan: typeof scanDaySrc, name: string, threads: boolean) => {
      const dataDir = join(root, name);
      mkdirSync(dataDir);
      return scan({ logFile: log, dataDir, alertFilter: DEFAULT_ALERT_FILTER, threads });
    };
    const before = workerActivity(SCAN_THREAD);
    const a = await run(scanDaySrc, 'worker', true);
    const during = workerActivity(SCAN_THREAD);
    const b = await run(scanDaySrc, 'inthread', false);
    // Batches really crossed to another thread (its answers carry its threadId), and some ran here.
    expect(during.started).toBe(before.started + 1);
    expect(during.threadJobs).toBeGreaterThan(before.threadJobs);
    expect(during.threadIds.length).toBeGreaterThan(0);
    expect(during.threadIds).not.toContain(threadId);
    expect(workerActivity(SCAN_THREAD).threadJobs).toBe(during.threadJobs); // threads: false stayed here
    const strip = (f: Awaited<ReturnType<typeof scanDaySrc>>) => ({
      ...f,
      files: Object.fromEntries(Object.entries(f.files).map(([k, v]) => [k, [v.size, v.sha256]])),
    });
    expect(strip(a)).toEqual(strip(b));
    expect(a.events.total).toBe(30_001);
    expect(a.malformed.map((m) => m.reason)).toEqual(['invalid-json', 'not-an-event', 'invalid-utf8', 'unterminated']);
    expect(a.rows.orders).toBe(b.rows.orders);
  });
});
