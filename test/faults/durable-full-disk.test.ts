/**
 * Durable mode on a real full disk (a tiny tmpfs): every promise settles, and a rejection means
 * the event was never written, so a caller that retries writes it exactly once.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAuditLogger, verifyLogDir } from '../../src/index.js';
import { pythonCheck } from '../helpers/oracle.js';
import { CAN_MOUNT, SMALL_DISK_REASON, smallDisk } from '../helpers/small-disk.js';
import { parsableLogRecords } from '../helpers/log-records.js';

const CHILD = fileURLToPath(new URL('../helpers/durable-full-child.mjs', import.meta.url));

describe.skipIf(!CAN_MOUNT)(`durable mode on a full disk (${SMALL_DISK_REASON})`, () => {
  it('a process awaiting durable calls on a full disk: every promise settles, the process exits 0', () => {
    const disk = smallDisk(64);
    const r = spawnSync(process.execPath, [CHILD, join(disk.dir, 'logs'), '300'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const m = /^settled (\d+) (\d+) (\S*)$/m.exec(r.stdout);
    expect(m).not.toBeNull();
    const [ok, rejected] = [Number(m?.[1]), Number(m?.[2])];
    expect(ok + rejected).toBe(300);
    expect(ok).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
    expect(m?.[3]).toBe('LOG_WRITE_FAILED');
  });

  it('rejected = never written: retried after space comes back, each event is in the log once; the rejections are recorded', async () => {
    const disk = smallDisk(128);
    const dir = join(disk.dir, 'logs');
    const log = createAuditLogger({ logDir: dir, durability: 'durable', handleExit: false });
    await log.order('OrderAccepted', { orderId: 'first' });
    disk.fill(8 * 1024);
    const rejected: string[] = [];
    const errors: unknown[] = [];
    // Concurrent callers too: one group commit fails for all of them.
    for (let round = 0; round < 20; round++) {
      const ids = Array.from({ length: 10 }, (_, i) => `r${round}-${i}`);
      const results = await Promise.allSettled(
        ids.map((id) => log.order('OrderAccepted', { orderId: id, note: 'y'.repeat(150) })),
      );
      results.forEach((res, i) => {
        if (res.status === 'rejected') {
          rejected.push(ids[i] as string);
          errors.push(res.reason);
        }
      });
    }
    expect(rejected.length).toBeGreaterThan(0);
    expect(errors.every((e) => (e as { code?: string }).code === 'LOG_WRITE_FAILED')).toBe(true);
    expect(log.stats().buffered).toBeLessThanOrEqual(1); // at most the logger's own report waits
    disk.free();
    for (const id of rejected) await log.order('OrderAccepted', { orderId: id, note: 'retried' });
    await log.close();

    const recs = parsableLogRecords(dir);
    const ids = recs.filter((r) => r.category === 'order').map((r) => String(r.order_id));
    expect(ids.length).toBe(new Set(ids).size); // no event twice
    expect(ids).toHaveLength(1 + 200);
    const reports = recs.filter((r) => r.event === 'EventsRefused');
    expect(reports.reduce((s, r) => s + Number(r.count), 0)).toBe(rejected.length);
    expect(pythonCheck(dir)).toMatchObject({ ok: true, problems: [] });
    const report = await verifyLogDir(dir);
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });
});
