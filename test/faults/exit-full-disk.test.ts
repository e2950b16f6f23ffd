/**
 * Batched mode (the default) on a real full disk (a tiny tmpfs) when the process ends: the exit
 * handler's synchronous flush fails, and nothing can write those events any more. That must never
 * be silent: stderr says how many were lost and why (no event content), and a process that was
 * ending with status 0 ends with the error's exit code (74). A status the app set stays the app's.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { completeLogLines } from '../helpers/log-records.js';
import { CAN_MOUNT, SMALL_DISK_REASON, smallDisk } from '../helpers/small-disk.js';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const SECRET = 'sk-exit-secret-4242';

/** A child that logs `n` events (each with a secret field) and ends with `end`: 'natural', 'SIGTERM' or an exit code. */
function child(logDir: string, n: number, end: string, offload = true) {
  const script = `
    const { createAuditLogger } = await import(${JSON.stringify(DIST)});
    const a = createAuditLogger({ logDir: ${JSON.stringify(logDir)}, heartbeatMinutes: 0, offload: ${offload} });
    for (let i = 0; i < ${n}; i++)
      a.order('OrderAccepted', { orderId: 'exit' + i, quantity: 1, price: 1, symbol: 'EURUSD', side: 'BUY',
        apiKey: ${JSON.stringify(SECRET)}, note: ${JSON.stringify(SECRET)} + 'z'.repeat(300) });
    ${end === 'natural' ? '' : end === 'SIGTERM' ? "process.kill(process.pid, 'SIGTERM'); await new Promise((r) => setTimeout(r, 5000));" : `process.exitCode = ${end};`}`;
  // A bound, so a child that never ends fails the test instead of hanging it.
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
}

/** The app's events written whole (a torn fragment at the end of the full disk does not count). */
const written = (dir: string): number => completeLogLines(dir).filter((l) => l.includes('"order_id":"exit')).length;

describe.skipIf(!CAN_MOUNT)(`batched mode, full disk at process exit (${SMALL_DISK_REASON})`, () => {
  it.each([true, false])(
    'events the exit flush cannot write: stderr says how many (no event content) and exit status 74 (writer thread %s)',
    (offload) => {
      const disk = smallDisk(64);
      const logDir = join(disk.dir, 'logs');
      const r = child(logDir, 300, 'natural', offload);
      const w = written(logDir);
      expect(w).toBeLessThan(300);
      expect(r.status, r.stderr).toBe(74);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^auditpack: LOG_WRITE_FAILED: at process exit (\d+) audit events could not be written/);
      expect(lines[0]).toMatch(/ENOSPC/);
      // The count is exact: what is not in the file is what the message says is lost.
      expect(Number(/exit (\d+) audit events/.exec(lines[0] as string)?.[1])).toBe(300 - w);
      expect(r.stderr).not.toContain(SECRET);
      expect(r.stderr).not.toContain('EURUSD');
    },
  );

  it("keeps the app's own non-zero exit status", () => {
    const disk = smallDisk(64);
    const r = child(join(disk.dir, 'logs'), 300, '3');
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^auditpack: LOG_WRITE_FAILED: at process exit/);
  });

  it('SIGTERM: the same line on stderr, and the process still ends by the signal', () => {
    const disk = smallDisk(64);
    const r = child(join(disk.dir, 'logs'), 300, 'SIGTERM');
    expect(r.signal, r.stderr).toBe('SIGTERM');
    expect(r.stderr).toMatch(/^auditpack: LOG_WRITE_FAILED: at process exit \d+ audit events could not be written/);
    expect(r.stderr).not.toContain(SECRET);
  });

  it('a disk with room: nothing on stderr, status 0, every event written', () => {
    const disk = smallDisk(1024);
    const logDir = join(disk.dir, 'logs');
    const r = child(logDir, 300, 'natural');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(written(logDir)).toBe(300);
  });
});
