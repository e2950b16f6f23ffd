/**
 * Batched mode's exit path when the writer thread is behind: another process holds the log
 * directory's lock past the exit drain's wait (5 s), so the thread still holds a batch, waiting for
 * the lock, when the process exits. Each event must be written once: the thread and the exit path
 * must never both write a batch (before the fix, every in-flight event was in the log twice, each
 * copy with its own seq/prev, and the log verified). Real processes: a lock holder and a logger that
 * calls process.exit(0) or gets SIGTERM.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pythonCheck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/tmp.js';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const LOCK = fileURLToPath(new URL('../../dist/logger/lock.js', import.meta.url));
/** Longer than the exit drain's 5 s wait. */
const HOLD_MS = 8_000;
const ORDERS = 1_000;

/** A child that warms the writer thread up, has a second process take the lock, logs, and ends by `end`. */
function child(logDir: string, end: 'exit' | 'SIGTERM') {
  const holder = `
    const { loadFileLock } = await import(${JSON.stringify(LOCK)});
    const { openSync } = await import('node:fs');
    const fd = openSync(${JSON.stringify(join(logDir, '.audit.lock'))}, 'r+');
    loadFileLock().lock(fd);
    console.log('held');
    setTimeout(() => process.exit(0), ${HOLD_MS});`;
  const script = `
    const { createAuditLogger } = await import(${JSON.stringify(DIST)});
    const { spawn } = await import('node:child_process');
    const log = createAuditLogger({ logDir: ${JSON.stringify(logDir)}, heartbeatMinutes: 0 });
    for (let r = 0; r < 5; r++) { for (let i = 0; i < 2000; i++) log.log('warm', 'W', { i }); await log.flush(); }
    if (log.stats().writerThread.state !== 'running') { console.error('writer thread not running'); process.exit(9); }
    const h = spawn(process.execPath, ['--input-type=module', '-e', ${JSON.stringify(holder)}], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => h.stdout.once('data', r));
    for (let i = 0; i < ${ORDERS}; i++)
      log.order('OrderAccepted', { orderId: 'U-' + i, symbol: 'EURUSD', side: 'BUY', quantity: 1, price: '1.1' });
    // Handed to the writer thread, which now waits for the lock.
    await new Promise((r) => setTimeout(r, 300));
    if (log.stats().writerThread.state !== 'running') { console.error('writer thread not running'); process.exit(9); }
    ${end === 'exit' ? 'process.exit(0);' : "process.kill(process.pid, 'SIGTERM'); await new Promise((r) => setTimeout(r, 60000));"}`;
  // A bound, so a child that never ends fails the test instead of hanging it.
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
}

function orderIds(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .map((l) => (JSON.parse(l) as { order_id?: string }).order_id)
    .filter((id): id is string => id?.startsWith('U-') === true);
}

// Each case waits out the 8 s lock, and starts three processes on a machine that may be loaded.
describe('batched mode, exit while the writer thread waits for the lock', { timeout: 240_000 }, () => {
  it.each(['exit', 'SIGTERM'] as const)('writes each in-flight event once (%s)', (end) => {
    const dir = tempDir();
    const logDir = join(dir, 'logs');
    const r = child(logDir, end);
    expect(r.status === 9 ? r.stderr : '', 'the scenario ran').toBe('');
    if (end === 'exit') expect(r.status, r.stderr).toBe(0);
    else expect(r.signal, r.stderr).toBe('SIGTERM');
    expect(orderIds(logDir)).toEqual(Array.from({ length: ORDERS }, (_, i) => `U-${i}`));
    expect(pythonCheck(logDir)).toMatchObject({ ok: true, lines: 10_000 + ORDERS });
  });
});
