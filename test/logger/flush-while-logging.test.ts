/**
 * flush() settles once what was buffered when it was called is written, whatever the app logs after.
 * The writer thread's drain waited for nothing in flight at all: an app logging faster than the
 * thread wrote (a loaded machine, a slow disk) kept it from ever settling, and close() waited on it
 * for good (close-finishing's child ran past its 120 s bound on a CI run, Node 26 line; 3 of 184 runs
 * of it under load). Real process, the thread held up by the log lock another descriptor holds.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { logRecords } from '../helpers/log-records.js';
import { tempDir } from '../helpers/tmp.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

describe('flush() while the app goes on logging (writer thread)', () => {
  it('settles when the events before it are written, not when the thread has nothing in flight', () => {
    const dir = join(tempDir(), 'logs');
    const script = `
      import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
      import { join } from 'node:path';
      const { createAuditLogger } = await import(${JSON.stringify(`${DIST}index.js`)});
      const { loadFileLock } = await import(${JSON.stringify(`${DIST}logger/lock.js`)});
      const dir = ${JSON.stringify(dir)};
      const log = createAuditLogger({ logDir: dir, heartbeatMinutes: 0 });
      // Until a turn's events go to the writer thread (it starts at 256 buffered, and runs its handler
      // tens of ms later): right after the turn's hand-over they are in flight, still counted buffered.
      let warm = 0;
      for (let viaThread = false, t = 0; !viaThread && t < 2000; t++) {
        for (let i = 0; i < 300; i++) log.order('OrderAccepted', { orderId: 'W-' + warm++ });
        await new Promise((r) => setImmediate(r));
        viaThread = log.stats().buffered > 0;
        await log.flush();
        if (!viaThread) await new Promise((r) => setTimeout(r, 10));
      }
      // The thread's next append waits for this descriptor's lock.
      const fd = openSync(join(dir, '.audit.lock'), 'r+');
      if (!loadFileLock().tryLock(fd)) throw new Error('lock not taken');
      for (let i = 0; i < 10; i++) log.order('OrderAccepted', { orderId: 'A-' + i });
      const settled = log.flush().then(() => log.stats().written);
      await new Promise((r) => setTimeout(r, 200));
      // The lock is free: the thread writes A's batch while this thread waits, in this same turn, for
      // A-9 in the file; A's acknowledgement then waits for the turn's end, and B's batch, logged after
      // the first flush() call, is handed over now by a second one, before that acknowledgement is read.
      closeSync(fd);
      const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.jsonl')));
      for (const until = Date.now() + 20000; Date.now() < until && !readFileSync(file, 'utf8').includes('"A-9"'); );
      for (let i = 0; i < 10; i++) log.order('OrderAccepted', { orderId: 'B-' + i });
      const second = log.flush();
      const written = await settled;
      await second;
      await log.close();
      process.stdout.write(JSON.stringify({ warm, written }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { warm: number; written: number };
    const orders = logRecords(dir).filter((e) => e.event === 'OrderAccepted');
    expect(orders).toHaveLength(out.warm + 20);
    // Settled with the A batch written and the B batch, handed over after the call, not waited for.
    expect(out.written).toBe(out.warm + 10);
  });
});
