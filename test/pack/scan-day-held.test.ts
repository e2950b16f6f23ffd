/**
 * The batch buffers a DayScanner holds (the export's scan and verify's derivation): each batch in
 * flight keeps its bytes and digests until its records are fed, and its outputs' buffer; once
 * written they are kept as spares for the next batches, as many as were ever in flight at once. Read
 * as scanLines reads (1 MiB chunks, the read waiting at room() after each), they stay within
 * MAX_BATCHES_HELD of each kind, and that bound is ~2 MiB of batch bytes (it was ~5 MiB of
 * 512 KiB batches, 10 at once, and as many output buffers: 23 buffers of 512 KiB in a 10M-event
 * verify's heap snapshot, pm18).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_FILTER } from '../../src/config.js';
import { DayScanner } from '../../src/pack/scan-day.js';
import { BATCH_BYTES, MAX_BATCHES_HELD, MAX_UNWRITTEN } from '../../src/pack/scan-jobs.js';
import { pushAsRead, scannedSyntheticDay } from '../helpers/scanned-day.js';
import { digestSinks } from './helpers/digest-sinks.js';

/** DayScanner's pools, read for this test only. */
interface Held {
  readonly waiting: unknown[];
  readonly spareBufs: unknown[];
  readonly spareDigests: unknown[];
  readonly spareOutputs: unknown[];
}

describe('DayScanner: the batch buffers held at once', () => {
  it('stay within MAX_BATCHES_HELD of each kind when the read waits at room() after each 1 MiB chunk', async () => {
    const lines = await scannedSyntheticDay(60_000); // about 40 batches
    const derive = async (threads: boolean) => {
      const out = digestSinks();
      let records = 0;
      const sc = new DayScanner(out, DEFAULT_ALERT_FILTER, 'audit-20250908.jsonl', threads, (r) => {
        records += r.length;
      });
      const held = sc as unknown as Held;
      let most = { bufs: 0, digests: 0, outputs: 0 };
      const look = () => {
        most = {
          bufs: Math.max(most.bufs, held.waiting.length + held.spareBufs.length + 1),
          digests: Math.max(most.digests, held.waiting.length + held.spareDigests.length),
          outputs: Math.max(most.outputs, held.spareOutputs.length),
        };
      };
      try {
        await pushAsRead(lines, sc, look);
        const facts = await sc.finish();
        look();
        return { most, facts, files: out.digest(), records, stats: sc.threadStats() };
      } finally {
        await sc.close();
      }
    };
    const here = await derive(false);
    const threaded = await derive(true);
    expect(threaded.stats.threadJobs).toBeGreaterThan(0);
    expect(threaded.files).toEqual(here.files);
    expect(threaded.facts).toEqual(here.facts);
    expect(threaded.records).toBe(here.records);
    for (const r of [here, threaded]) {
      expect(r.most.bufs).toBeLessThanOrEqual(MAX_BATCHES_HELD);
      expect(r.most.digests).toBeLessThanOrEqual(MAX_BATCHES_HELD);
      expect(r.most.outputs).toBeLessThanOrEqual(MAX_BATCHES_HELD);
    }
    expect(threaded.most.bufs).toBeGreaterThan(1); // batches did wait for the thread's
    expect(MAX_UNWRITTEN).toBeLessThan(MAX_BATCHES_HELD);
    expect(MAX_BATCHES_HELD * BATCH_BYTES).toBeLessThanOrEqual(2.25 * 1024 * 1024);
  }, 120_000);
});
