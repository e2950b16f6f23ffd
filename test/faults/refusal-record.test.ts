/**
 * The EventsRefused record on a real full disk (a tiny tmpfs), when the refused events are the last
 * ones before close(): close() writes it once space is back, gives up after a bounded backoff while
 * the disk stays full (the process still exits), and tells the caller how many refusals the log
 * does not record yet.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AuditpackError } from '../../src/errors.js';
import { createAuditLogger, verifyLogDir } from '../../src/index.js';
import { pythonCheck } from '../helpers/oracle.js';
import { CAN_MOUNT, SMALL_DISK_REASON, smallDisk } from '../helpers/small-disk.js';
import { parsableLogRecords } from '../helpers/log-records.js';

const CHILD = fileURLToPath(new URL('../helpers/durable-full-child.mjs', import.meta.url));

const refusedIn = (recs: Record<string, unknown>[]): number =>
  recs.filter((r) => r.event === 'EventsRefused').reduce((n, r) => n + Number(r.count), 0);

async function closeError(log: { close(): Promise<void> }): Promise<AuditpackError | undefined> {
  return log.close().then(
    () => undefined,
    (e: unknown) => e as AuditpackError,
  );
}

describe.skipIf(!CAN_MOUNT)(`the refusal record on a full disk (${SMALL_DISK_REASON})`, () => {
  it('durable: the rejected calls were the last ones; close() on the full disk reports them, close() after space is back records them', async () => {
    const disk = smallDisk(128);
    const dir = join(disk.dir, 'logs');
    const log = createAuditLogger({ logDir: dir, durability: 'durable', handleExit: false });
    log.on('error', () => {});
    await log.order('OrderAccepted', { orderId: 'first' });
    disk.fill(0);
    const settled = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => log.order('OrderAccepted', { orderId: `r${i}`, note: 'y'.repeat(300) })),
    );
    const rejected = settled.filter((s) => s.status === 'rejected').length;
    expect(rejected).toBeGreaterThan(0);

    const t0 = Date.now();
    const err = await closeError(log);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(err?.code).toBe('LOG_WRITE_FAILED');
    expect(err?.details).toMatchObject({ errno: 'ENOSPC', unrecordedRefusals: rejected });

    disk.free();
    await log.close();
    const recs = parsableLogRecords(dir);
    expect(refusedIn(recs)).toBe(rejected);
    expect(recs.filter((r) => r.category === 'order')).toHaveLength(1 + 10 - rejected);
    expect(pythonCheck(dir)).toMatchObject({ ok: true, problems: [] });
    const report = await verifyLogDir(dir);
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
  }, 60_000);

  it('batched: events refused at the buffer limit while the disk is full are recorded when close() finds space again', async () => {
    const disk = smallDisk(128);
    const dir = join(disk.dir, 'logs');
    const log = createAuditLogger({ logDir: dir, handleExit: false, flushBytes: 512, maxBufferBytes: 4096 });
    log.on('error', () => {});
    log.order('OrderAccepted', { orderId: 'first' });
    await log.flush();
    disk.fill(0);
    let refused = 0;
    for (let i = 0; i < 200; i++)
      if (log.order('OrderAccepted', { orderId: `b${i}`, note: 'z'.repeat(100) }) === false) refused++;
    expect(refused).toBeGreaterThan(0);
    const accepted = 200 - refused;

    const err = await closeError(log);
    expect(err?.code).toBe('LOG_WRITE_FAILED');
    expect(err?.details).toMatchObject({ unrecordedRefusals: refused });

    disk.free();
    await log.close();
    const recs = parsableLogRecords(dir);
    expect(refusedIn(recs)).toBe(refused);
    const ids = recs.filter((r) => r.category === 'order').map((r) => r.order_id);
    expect(ids).toHaveLength(1 + accepted);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pythonCheck(dir)).toMatchObject({ ok: true, problems: [] });
  }, 60_000);

  it('a process whose durable calls were rejected and that closes on the still full disk exits, and learns what is unrecorded', () => {
    const disk = smallDisk(64);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [CHILD, join(disk.dir, 'logs'), '300'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(45_000);
    const rejected = Number(/^settled \d+ (\d+) /m.exec(r.stdout)?.[1]);
    expect(rejected).toBeGreaterThan(0);
    expect(r.stdout).toMatch(new RegExp(`^closed LOG_WRITE_FAILED ${rejected}$`, 'm'));
  }, 60_000);
});
