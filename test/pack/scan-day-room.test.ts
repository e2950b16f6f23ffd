import { describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_FILTER } from '../../src/config.js';
import { DayScanner } from '../../src/pack/scan-day.js';
import { MAX_UNWRITTEN } from '../../src/pack/scan-jobs.js';
import { scannedSyntheticDay } from '../helpers/scanned-day.js';
import { digestSinks } from './helpers/digest-sinks.js';

describe('DayScanner.room: the read waits while too many batches are not written', () => {
  it('asks the read to wait past MAX_UNWRITTEN batches, lets it go once they are written, and derives the same bytes', async () => {
    const lines = await scannedSyntheticDay(60_000); // about 40 batches of BATCH_BYTES
    const derive = async (threads: boolean) => {
      const out = digestSinks();
      let records = 0;
      const sc = new DayScanner(out, DEFAULT_ALERT_FILTER, 'audit-20250908.jsonl', threads, (r) => {
        records += r.length;
      });
      try {
        const waits: boolean[] = [];
        // Every line pushed at once: the thread cannot answer in between, so batches pile up.
        for (const l of lines) sc.push(l);
        const room = sc.room();
        waits.push(room !== undefined);
        if (room !== undefined) await room;
        waits.push(sc.room() !== undefined);
        const facts = await sc.finish();
        return { waits, facts, files: out.digest(), records, stats: sc.threadStats() };
      } finally {
        await sc.close();
      }
    };
    const here = await derive(false);
    expect(here.waits).toEqual([false, false]); // written as they are cut: nothing waits
    const threaded = await derive(true);
    expect(threaded.stats.threadJobs).toBeGreaterThan(0);
    expect(threaded.waits).toEqual([true, false]);
    expect(threaded.files).toEqual(here.files);
    expect(threaded.facts).toEqual(here.facts);
    expect(threaded.records).toBe(here.records);
    expect(MAX_UNWRITTEN).toBeLessThan(20);
  }, 120_000);
});
