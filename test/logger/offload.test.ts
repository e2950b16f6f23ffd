/**
 * The writer thread (batched mode, src/logger/offload.ts): ordering, nothing lost at exit or on a
 * signal while batches are in flight, a full disk, and bounded memory when the producer is faster.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditpackError } from '../../src/errors.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { WRITER_THREAD } from '../../src/logger/offload.js';
import { workerActivity } from '../../src/worker/index.js';
import { pythonCheck } from '../helpers/oracle.js';
import { CAN_MOUNT, smallDisk } from '../helpers/small-disk.js';
import { tempDir } from '../helpers/tmp.js';
import { logRecords } from '../helpers/log-records.js';

const LIB = new URL('../../dist/index.js', import.meta.url).href;

describe('batched mode with the writer thread', () => {
  // The thread formats each head from the event's instant (PreparedEvent.micros): a step of 1 µs
  // crosses milliseconds, one of 7,919 µs from 100 s before midnight crosses seconds and a day.
  it.each([
    [Date.UTC(2025, 8, 8, 12) * 1000, 1],
    [Date.UTC(2025, 8, 9) * 1000 - 100_000_000, 7_919],
  ])(
    'writes big bursts in order, chained, with the same bytes as without the thread (from %d µs, step %d)',
    async (t0, step) => {
      const a = tempDir();
      const b = tempDir();
      const before = workerActivity(WRITER_THREAD).threadJobs;
      for (const [dir, offload] of [
        [a, true],
        [b, false],
      ] as const) {
        let t = t0;
        const log = createAuditLogger({
          logDir: dir,
          clock: () => (t += step),
          host: 'h',
          pid: 1,
          offload,
          handleExit: false,
        });
        for (let turn = 0; turn < 20; turn++) {
          for (let i = 0; i < 2000; i++)
            log.order('OrderAccepted', { orderId: `${turn}-${i}`, apiKey: 'secret-key', price: '1.10050' });
          await new Promise((r) => setImmediate(r));
        }
        await log.close();
      }
      // The batches really went to the writer thread (the compiled one, as in production).
      expect(workerActivity(WRITER_THREAD).threadJobs).toBeGreaterThan(before);
      expect(workerActivity(WRITER_THREAD).fallbacks).toEqual([]);
      const fa = readdirSync(a).filter((f) => f.endsWith('.jsonl'));
      expect(fa).toEqual(readdirSync(b).filter((f) => f.endsWith('.jsonl')));
      for (const f of fa) expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f)))).toBe(true); // byte for byte
      expect(pythonCheck(a)).toMatchObject({ ok: true, lines: 40_000 });
    },
  );

  it.each(['exit', 'SIGTERM', 'SIGINT'])(
    'loses nothing accepted when the process ends by %s with batches in flight',
    (how) => {
      const dir = tempDir();
      const script = `
      import { createAuditLogger } from '${LIB}';
      const log = createAuditLogger({ logDir: ${JSON.stringify(dir)} });
      let n = 0;
      for (let turn = 0; turn < 30; turn++) {
        for (let i = 0; i < 3000; i++) if (log.fill({ orderId: 'o' + n, dealId: 'd' + n++, note: 'x'.repeat(200) }) !== true) throw new Error('refused');
        await new Promise((r) => setImmediate(r));
      }
      ${how === 'exit' ? 'process.exit(0);' : `process.kill(process.pid, '${how}'); await new Promise((r) => setTimeout(r, 5000));`}
    `;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      if (how === 'exit') expect(r.status).toBe(0);
      else expect(r.signal).toBe(how); // the signal is re-raised after the flush
      const check = pythonCheck(dir);
      expect(check).toMatchObject({ ok: true, lines: 90_000, last_seq: 90_000 });
      const ids = logRecords(dir).map((x) => x.order_id);
      expect(ids[0]).toBe('o0');
      expect(ids[89_999]).toBe('o89999');
    },
  );

  // A real full file system (a tiny tmpfs): the writer refuses a symbolic link at the day file.
  it.skipIf(!CAN_MOUNT)('keeps events through a full disk and writes them once there is space', async () => {
    const disk = smallDisk(4096); // room for the 3000 events once freed
    const dir = disk.dir;
    const day = Date.UTC(2025, 8, 8) * 1000;
    const log = createAuditLogger({ logDir: dir, clock: () => day + 5, handleExit: false, heartbeatMinutes: 0 });
    await log.flush(); // the lock file exists before the disk fills
    disk.fill();
    const errors: AuditpackError[] = [];
    log.on('error', (e) => errors.push(e));
    for (let i = 0; i < 3000; i++) log.order('OrderAccepted', { orderId: `k${i}` });
    const err = await log.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditpackError);
    expect((err as AuditpackError).code).toBe('LOG_WRITE_FAILED');
    expect(errors[0]?.details?.errno).toBe('ENOSPC');
    expect(log.stats().buffered).toBe(3000);
    disk.free();
    await log.close();
    expect(logRecords(dir).map((x) => x.order_id)).toEqual(Array.from({ length: 3000 }, (_, i) => `k${i}`));
  });

  // A child writing 200,000 events and a Python check of them: seconds alone, but past the default
  // minute (78 s measured) when the two cores run many suites at once. Same assertions, more time.
  it('bounds memory when the producer outruns the disk, without refusing events', { timeout: 240_000 }, () => {
    const dir = tempDir();
    const script = `
      import { createAuditLogger } from '${LIB}';
      const log = createAuditLogger({ logDir: ${JSON.stringify(dir)}, maxBufferBytes: 16 * 1024 * 1024 });
      let refused = 0, peak = 0;
      for (let i = 0; i < 200000; i++) {
        if (log.order('OrderAccepted', { orderId: 'o' + i, blob: 'y'.repeat(400) }) !== true) refused++;
        if (i % 5000 === 0) peak = Math.max(peak, log.stats().bufferedBytes);
      }
      await log.close();
      console.log(JSON.stringify({ refused, peak }));
    `;
    const out = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
    ) as { refused: number; peak: number };
    expect(out.refused).toBe(0);
    expect(out.peak).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(pythonCheck(dir)).toMatchObject({ ok: true, lines: 200_000 });
  });
});
