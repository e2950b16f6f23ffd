/**
 * `handleExit: false` on a full disk (a real tmpfs): the app gave up the exit flush, so nothing
 * writes at exit what a failed write left buffered. The retry timer was unref'd, so a process that
 * ended naturally once space was back, before the retry's backoff fired, lost every event its calls
 * were told `true` for (at59, by reading). The retry now keeps the process alive, as the lock wait
 * and the interval's timer do in this mode: the events are written once there is room, then it ends.
 * And close() on a disk that stays full still ends the process (no retry left pending).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { completeLogLines } from '../helpers/log-records.js';
import { CAN_MOUNT, SMALL_DISK_REASON, smallDisk } from '../helpers/small-disk.js';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** A child that logs `n` events on a full disk, frees the disk after `freeMs` (never if -1), then ends as `end` says. */
function child(logDir: string, filler: string, n: number, offload: boolean, freeMs: number, end: 'natural' | 'close') {
  const script = `
    import { rmSync } from 'node:fs';
    const { createAuditLogger } = await import(${JSON.stringify(DIST)});
    const a = createAuditLogger({ logDir: ${JSON.stringify(logDir)}, heartbeatMinutes: 0, offload: ${offload}, handleExit: false });
    a.on('error', () => {});
    for (let i = 0; i < ${n}; i++)
      a.order('OrderAccepted', { orderId: 'noexit' + i, quantity: 1, price: 1, symbol: 'EURUSD', side: 'BUY', note: 'z'.repeat(300) });
    ${freeMs >= 0 ? `setTimeout(() => rmSync(${JSON.stringify(filler)}, { force: true }), ${freeMs});` : ''}
    ${end === 'close' ? "await a.close().then(() => console.log('closed'), (e) => console.log('close failed', e.code));" : ''}`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
}

const written = (dir: string): number => completeLogLines(dir).filter((l) => l.includes('"order_id":"noexit')).length;

describe.skipIf(!CAN_MOUNT)(`handleExit: false, a failed write, then room (${SMALL_DISK_REASON})`, () => {
  it.each([false, true])('the retry writes every event before the process ends (writer thread %s)', (offload) => {
    const disk = smallDisk(256);
    const logDir = join(disk.dir, 'logs');
    mkdirSync(logDir);
    disk.fill(0);
    const r = child(logDir, join(disk.dir, '.filler'), 200, offload, 250, 'natural');
    expect(r.status, r.stderr).toBe(0);
    expect(written(logDir)).toBe(200);
  });

  it.each([false, true])('close() on a disk that stays full ends the process (writer thread %s)', (offload) => {
    const disk = smallDisk(256);
    const logDir = join(disk.dir, 'logs');
    mkdirSync(logDir);
    disk.fill(0);
    const r = child(logDir, join(disk.dir, '.filler'), 200, offload, -1, 'close');
    expect(r.error).toBeUndefined();
    expect(r.stdout).toMatch(/^close failed LOG_WRITE_FAILED/);
  });
});
