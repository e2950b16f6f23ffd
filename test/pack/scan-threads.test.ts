/**
 * The export's scan starts its thread only for a log of THREADS_FROM_BYTES or more (worker/thread.ts):
 * a thread's start costs more than it saves on a small log, and its heap, once made, let the
 * caller's young generation grow to 2 × 16 MB while the export was busy at the day's end (the day
 * after 500,000 open orders, whose log is empty, peaked 38 MB higher). What the scan gives never
 * depends on where it ran (test/pack/scan-day.test.ts).
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSyntheticDay } from '../../bench/lib/synthetic-day.js';
import { exportPack } from '../../src/pack/index.js';
import { THREADS_FROM_BYTES, workerActivity } from '../../src/worker/index.js';
import { tempDir } from '../helpers/tmp.js';

async function exported(events: number): Promise<{ bytes: number; started: number }> {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'logs'));
  const log = join(cwd, 'logs', 'audit-20250908.jsonl');
  writeSyntheticDay(log, '2025-09-08', events);
  const before = workerActivity('export scan').started;
  const r = await exportPack({
    date: '2025-09-08',
    logDir: join(cwd, 'logs'),
    artifactsDir: join(cwd, 'artifacts'),
    version: '0.1.0',
    recordEvent: false,
  });
  expect(r.manifest.events.total).toBe(events);
  return { bytes: statSync(log).size, started: workerActivity('export scan').started - before };
}

describe("export: the scan's thread only for a large log", () => {
  it('a log under THREADS_FROM_BYTES is scanned on the calling thread; one over it on a thread', async () => {
    const small = await exported(2_000);
    expect(small.bytes).toBeLessThan(THREADS_FROM_BYTES);
    expect(small.started).toBe(0);
    const large = await exported(40_000);
    expect(large.bytes).toBeGreaterThanOrEqual(THREADS_FROM_BYTES);
    expect(large.started).toBe(1);
  }, 120_000);
});
