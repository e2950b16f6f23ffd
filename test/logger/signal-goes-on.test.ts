/**
 * A signal the app handles itself (a config reload on SIGHUP, a graceful shutdown on SIGTERM): the
 * logger's signal flush writes what is buffered, and the process goes on. Whatever waited on those
 * events must then settle as if a normal write had taken them: a durable promise (its line is in the
 * file and synced), and a batched flush() waiting on the writer thread (the flush used to take the
 * thread's batches back, and nothing acknowledged them). Both stayed pending for good before. And a flush the signal finds
 * the disk full for loses nothing while the process goes on: no "lost" report, no status 74.
 * Real processes, real signals, a real full tmpfs.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CAN_MOUNT, SMALL_DISK_REASON, smallDisk } from '../helpers/small-disk.js';
import { tempDir } from '../helpers/tmp.js';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

function run(body: string, dir = join(tempDir(), 'logs'), env: Record<string, string> = {}) {
  const script = `
    const { createAuditLogger } = await import(${JSON.stringify(DIST)});
    const dir = ${JSON.stringify(dir)};
    process.on('SIGHUP', () => {}); // the app's own handler: the process goes on
    ${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { ...r, dir };
}

/** The order ids of the log's events, in order; a torn write's fragment (recovered, or not JSON) is none. */
const orderIds = (dir: string): string[] => {
  const lines = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'));
  const parse = (l: string | undefined): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(l ?? '') as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  return lines.flatMap((l, i) => {
    const r = parse(l);
    const recovered = parse(lines[i + 1])?.event === 'TornLineRecovered';
    return r?.event === 'OrderAccepted' && !recovered ? [String(r.order_id)] : [];
  });
};

describe('a signal the app handles itself', () => {
  it('settles a durable promise whose event the signal flush wrote', () => {
    // The signal comes while a group commit waits for its fdatasync (held behind a slow job on a
    // one-thread pool): the next event is still buffered, and the signal's flush writes it.
    const r = run(
      `
      const { pbkdf2 } = await import('node:crypto');
      const log = createAuditLogger({ logDir: dir, durability: 'durable', heartbeatMinutes: 0 });
      const first = log.order('OrderAccepted', { orderId: 'A-1' });
      pbkdf2('x', 'y', 1e6, 32, 'sha256', () => {});
      await new Promise((r) => setImmediate(r));
      let settled = 'pending';
      log.order('OrderAccepted', { orderId: 'A-2' }).then(() => { settled = 'resolved'; }, (e) => { settled = e.code; });
      process.kill(process.pid, 'SIGHUP');
      await first;
      await log.close();
      await new Promise((r) => setImmediate(r));
      process.stdout.write(settled);`,
      undefined,
      { UV_THREADPOOL_SIZE: '1' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('resolved');
    expect(orderIds(r.dir)).toEqual(['A-1', 'A-2']);
  });

  it('settles a batched flush() that waited for the writer thread when the signal came', () => {
    const r = run(`
      const log = createAuditLogger({ logDir: dir, heartbeatMinutes: 0 });
      let i = 0;
      const ev = () => log.order('OrderAccepted', { orderId: 'B-' + i++ });
      while (i < 1000) ev();
      await log.flush();
      // The thread runs once the logger writes through it (a flush of 256+ events starts it).
      while (log.stats().writerThread.state !== 'running') await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 500));
      while (i < 21000) ev();
      let settled = 'pending';
      log.flush().then(() => { settled = 'resolved'; }, (e) => { settled = e.code; });
      process.kill(process.pid, 'SIGHUP');
      await new Promise((r) => setTimeout(r, 50));
      await log.close();
      await new Promise((r) => setImmediate(r));
      process.stdout.write(settled);`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('resolved');
    const ids = orderIds(r.dir);
    expect(ids).toHaveLength(21000);
    expect(new Set(ids).size).toBe(21000);
  });

  it.skipIf(!CAN_MOUNT)(
    `a signal flush that meets a full disk: written once space is back, no loss reported, status 0 (${SMALL_DISK_REASON})`,
    () => {
      const disk = smallDisk(1024);
      const r = run(
        `
      const log = createAuditLogger({ logDir: dir, heartbeatMinutes: 0, flushIntervalMs: 60000 });
      const heard = [];
      log.on('error', (e) => heard.push(e.code));
      log.order('OrderAccepted', { orderId: 'D-0' });
      await log.flush();
      const { writeFileSync, rmSync, statfsSync } = await import('node:fs');
      const filler = ${JSON.stringify(join(disk.dir, 'filler'))};
      const s = statfsSync(${JSON.stringify(disk.dir)});
      try { writeFileSync(filler, Buffer.alloc(s.bavail * s.bsize, 120)); } catch {}
      for (let i = 1; i <= 50; i++) log.order('OrderAccepted', { orderId: 'D-' + i, note: 'n'.repeat(200) });
      process.kill(process.pid, 'SIGHUP'); // its flush meets the full disk
      await new Promise((r) => setTimeout(r, 50));
      rmSync(filler);
      await log.close();
      process.stdout.write(heard.includes('LOG_WRITE_FAILED') ? 'heard' : 'not heard');`,
        join(disk.dir, 'logs'),
      );
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('heard'); // the app's listener heard the failure when it happened
      expect(orderIds(r.dir)).toEqual(Array.from({ length: 51 }, (_, i) => `D-${i}`));
    },
  );
});
