/**
 * Verify's derivation (payload.ts) holds the read back as the export's scan does (scan-day.ts
 * room): without it, a reading thread ahead of the derivation's thread let batches pile up, each
 * with its bytes and digests, and their spare buffers stayed to the end of the pass (21 of them,
 * ~14 MB, in a 10M-event verify).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_FILTER } from '../../src/config.js';
import { MAX_UNWRITTEN } from '../../src/pack/scan-jobs.js';
import { PayloadDerivation } from '../../src/verify/payload.js';
import { scannedSyntheticDay } from '../helpers/scanned-day.js';

describe('PayloadDerivation.room: the read waits while too many batches are not derived', () => {
  it('asks the read to wait past MAX_UNWRITTEN batches, lets it go once they are derived, and derives the same files', async () => {
    const lines = await scannedSyntheticDay(60_000); // about 40 batches of BATCH_BYTES
    const derive = async (threads: boolean) => {
      let records = 0;
      const d = new PayloadDerivation(DEFAULT_ALERT_FILTER, '2025-09-08', threads, (r) => {
        records += r.length;
      });
      const waits: boolean[] = [];
      // Every line pushed at once: the thread cannot answer in between, so batches pile up.
      for (const l of lines) d.push(l);
      const room = d.room();
      waits.push(room !== undefined);
      if (room !== undefined) await room;
      waits.push(d.room() !== undefined);
      return { waits, derived: await d.finish(), records };
    };
    const here = await derive(false);
    expect(here.waits).toEqual([false, false]); // derived as they are cut: nothing waits
    const threaded = await derive(true);
    expect(threaded.waits).toEqual([true, false]);
    expect(threaded.derived).toEqual(here.derived);
    expect(threaded.records).toBe(here.records);
    expect(here.derived.lineTree.leaves).toBe(lines.length);
    expect(MAX_UNWRITTEN).toBeLessThan(20);
  }, 120_000);
});
