/**
 * A pack under THREADS_FROM_BYTES is hashed and derived on the calling thread (starting the two
 * threads cost more than they saved: about 0.15 s of CPU each verify, 365 times for an archive of a
 * year of small packs). Findings never depend on where the work ran: the same report with threads
 * forced on and off, for an intact pack and for bytes flipped in each of its files.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPack } from '../../src/verify/index.js';
import { THREADS_FROM_BYTES, workerActivity } from '../../src/worker/index.js';
import { tempDir } from '../helpers/tmp.js';
import { chainLines, tradingEvents } from './helpers/log-fixture.js';
import { buildPack } from './helpers/pack-fixture.js';

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile());
}

describe('verify: threads only for a large pack, the same findings either way', () => {
  it('a small pack starts no thread by default', async () => {
    const { dir } = buildPack(tempDir(), '2025-09-08', { logLines: chainLines(tradingEvents(200)).lines });
    const size = files(dir).reduce((n, p) => n + statSync(p).size, 0);
    expect(size).toBeLessThan(THREADS_FROM_BYTES);
    const before = workerActivity('verify').threadJobs + workerActivity('export scan').threadJobs;
    const r = await verifyPack(dir);
    expect(r.ok).toBe(true);
    expect(workerActivity('verify').threadJobs + workerActivity('export scan').threadJobs).toBe(before);
    await verifyPack(dir, { threads: true });
    expect(workerActivity('verify').threadJobs + workerActivity('export scan').threadJobs).toBeGreaterThan(before);
  });

  it('intact and with a byte flipped in each file: the report with threads is the report without', async () => {
    const { dir } = buildPack(tempDir(), '2025-09-08', { logLines: chainLines(tradingEvents(300)).lines });
    const same = async (what: string) => {
      const on = await verifyPack(dir, { threads: true });
      const off = await verifyPack(dir, { threads: false });
      expect(off, what).toEqual(on);
      return on;
    };
    expect((await same('intact')).ok).toBe(true);
    for (const p of files(dir)) {
      const bytes = readFileSync(p);
      if (bytes.length === 0) continue;
      for (const at of [0, bytes.length >> 1]) {
        const flipped = Buffer.from(bytes);
        flipped[at] = (flipped[at] as number) ^ 0x04;
        writeFileSync(p, flipped);
        const r = await same(`${relative(dir, p)} at ${at}`);
        expect(r.ok, `${relative(dir, p)} at ${at}`).toBe(false);
        writeFileSync(p, bytes);
      }
    }
  }, 300_000);
});
