/**
 * Batched mode while its writer thread starts (tens of milliseconds, seconds under load): the
 * calling thread keeps writing, so nothing is held past the turn it was logged in (before, every
 * batch was queued for the thread still starting: megabytes past flushBytes, unwritten, that a
 * kill -9 would lose). Every line is written once, in the order logged, across the hand-over.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/logger/index.js';
import { WRITER_THREAD } from '../../src/logger/offload.js';
import { workerActivity } from '../../src/worker/index.js';
import { pythonCheck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/tmp.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Logs bursts of 2000 events (~0.5 MB) a turn; returns the stats seen right after the first burst's turn. */
async function bursts(dir: string) {
  let t = Date.UTC(2025, 8, 8, 12) * 1000;
  const log = createAuditLogger({ logDir: dir, clock: () => (t += 1), host: 'h', pid: 1, handleExit: false });
  const logged: string[] = [];
  const burst = (r: number): void => {
    for (let i = 0; i < 2000; i++) {
      log.order('OrderAccepted', { orderId: `${r}-${i}`, pad: 'y'.repeat(200) });
      logged.push(`${r}-${i}`);
    }
  };
  burst(0);
  await turn();
  const first = log.stats();
  const jobsBefore = workerActivity(WRITER_THREAD).threadJobs;
  // Later bursts once the thread runs: they go to it, after what this thread wrote.
  for (let r = 1; r < 6; r++) {
    for (let w = 0; w < 200 && workerActivity(WRITER_THREAD).threadJobs === jobsBefore; w++) {
      burst(r * 1000 + w);
      await sleep(10);
    }
    burst(r);
    await turn();
  }
  await log.close();
  return { first, logged, handedOver: workerActivity(WRITER_THREAD).threadJobs > jobsBefore };
}

describe('batched mode while the writer thread starts', () => {
  it('writes the first bursts on the calling thread, then hands over to the thread, every line in order', async () => {
    const dir = tempDir();
    const run = await bursts(dir);
    // Written within the turn, not queued for a thread that was not running yet.
    expect(run.first.written).toBe(2000);
    expect(run.first.bufferedBytes).toBe(0);
    expect(run.first.writerThread?.state).toBe('running');
    expect(run.handedOver).toBe(true);
    const ids = readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
      .map((l) => (JSON.parse(l) as { order_id: string }).order_id);
    expect(ids).toEqual(run.logged);
    expect(pythonCheck(dir)).toMatchObject({ ok: true, lines: run.logged.length });
  });

  it('a process that started the thread and never handed it a batch still ends on its own', () => {
    const dir = tempDir();
    const lib = new URL('../../dist/index.js', import.meta.url).href;
    // 300 events start the thread; they are written here, so the thread never gets a job.
    const script = `
      import { createAuditLogger } from '${lib}';
      const log = createAuditLogger({ logDir: ${JSON.stringify(dir)}, heartbeatMinutes: 0 });
      for (let i = 0; i < 300; i++) log.order('OrderAccepted', { orderId: 'o' + i });
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.error, 'the process did not end within 60 s').toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(pythonCheck(dir)).toMatchObject({ ok: true, lines: 300 });
  });
});
