/**
 * The export's scan thread and the verifier's thread dying mid-run: their unanswered jobs are done
 * on the calling thread, and the output is exactly what a run without threads gives. Runs a copy of
 * the compiled library whose worker module ends its thread at a chosen job.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSyntheticDay } from '../../bench/lib/synthetic-day.js';
import { DEFAULT_ALERT_FILTER } from '../../src/config.js';
import { scanDay } from '../../src/pack/scan-day.js';
import { verifyPack } from '../../src/verify/index.js';
import { distCopyWith, dyingWorker } from '../helpers/dist-copy.js';
import { tempDir } from '../helpers/tmp.js';
import { chainLines, tradingEvents } from '../verify/helpers/log-fixture.js';
import { buildPack } from '../verify/helpers/pack-fixture.js';

type Activity = { threadJobs: number; inlineJobs: number; fallbacks: string[] };

describe('a worker thread that dies mid-run', () => {
  it('export scan: the batches it held are processed here, the files and facts are unchanged', async () => {
    const inCopy = distCopyWith('pack/scan-worker.js', dyingWorker('scan-worker.real.js', 3));
    const lib = (await import(inCopy('pack/scan-day.js'))) as { scanDay: typeof scanDay };
    const { workerActivity } = (await import(inCopy('worker/index.js'))) as {
      workerActivity: (n: string) => Activity;
    };
    const root = tempDir();
    const log = join(root, 'audit-20250908.jsonl');
    writeSyntheticDay(log, '2025-09-08', 30_000); // ~9 MB: several 1 MiB batches
    const run = async (scan: typeof scanDay, name: string, threads: boolean) => {
      const dataDir = join(root, name);
      mkdirSync(dataDir);
      const f = await scan({ logFile: log, dataDir, alertFilter: DEFAULT_ALERT_FILTER, threads });
      return { ...f, files: Object.fromEntries(Object.entries(f.files).map(([k, v]) => [k, [v.size, v.sha256]])) };
    };
    const dying = await run(lib.scanDay, 'dying', true);
    const a = workerActivity('export scan');
    expect(a.threadJobs).toBe(2); // two batches answered, then the thread died
    expect(a.fallbacks).toEqual([expect.stringMatching(/the thread stopped: exited with code 9/)]);
    expect(dying).toEqual(await run(scanDay, 'inline', false));
  });

  it('verify: the hashes and the log range are done here, the report is unchanged', async () => {
    const inCopy = distCopyWith('verify/hash-worker.js', dyingWorker('hash-worker.real.js', 2));
    const lib = (await import(inCopy('verify/index.js'))) as { verifyPack: typeof verifyPack };
    const { workerActivity } = (await import(inCopy('worker/index.js'))) as {
      workerActivity: (n: string) => Activity;
    };
    // About 5 MiB of log, cut between the threads: the thread gets the hashes and a log range.
    const dir = buildPack(tempDir(), '2025-09-08', { logLines: chainLines(tradingEvents(20_000)).lines }).dir;
    const report = await lib.verifyPack(dir, { logSplit: 2_500_000, threads: true }); // under THREADS_FROM_BYTES
    const a = workerActivity('verify');
    expect(a.fallbacks).toEqual([expect.stringMatching(/the thread stopped: exited with code 9/)]);
    expect(a.inlineJobs).toBeGreaterThanOrEqual(1);
    expect(report.problems).toEqual([]);
    expect(report).toEqual(await verifyPack(dir, { logSplit: 'none' }));
  });

  it("verify: the derivation's batches the scan thread held are processed here, the report is unchanged", async () => {
    const inCopy = distCopyWith('pack/scan-worker.js', dyingWorker('scan-worker.real.js', 2));
    const lib = (await import(inCopy('verify/index.js'))) as { verifyPack: typeof verifyPack };
    const { workerActivity } = (await import(inCopy('worker/index.js'))) as {
      workerActivity: (n: string) => Activity;
    };
    // About 5 MiB of log: several 1 MiB batches of the derivation, which runs on the scan thread.
    const dir = buildPack(tempDir(), '2025-09-08', { logLines: chainLines(tradingEvents(20_000)).lines }).dir;
    const report = await lib.verifyPack(dir, { threads: true }); // under THREADS_FROM_BYTES
    const a = workerActivity('export scan');
    // The thread hashed the first batch's derived bytes (src/pack/scan-digests.ts): those digests are
    // lost with it, and the derived files are derived again from the log here, by a scan without threads.
    expect(a.fallbacks).toEqual([
      expect.stringMatching(/the thread stopped: exited with code 9/),
      'threads turned off',
    ]);
    expect(report.problems).toEqual([]);
    expect(report).toEqual(await verifyPack(dir, { logSplit: 'none' }));
  });
});
