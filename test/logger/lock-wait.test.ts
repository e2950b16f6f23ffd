/**
 * The CLI's bound on the wait for the log lock (src/logger/lock-wait.ts): a writer made while a
 * bound is set fails with LOG_LOCK_TIMEOUT, writes nothing, and writes once the lock is free; no
 * bound (the library's default) is the blocking lock itself. AUDITPACK_LOCK_TIMEOUT's parsing.
 */
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliLockWaitMs, DEFAULT_CLI_LOCK_WAIT_MS } from '../../src/config.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { loadFileLock } from '../../src/logger/lock.js';
import { lockWaitDefault, pollLock, setLockWaitDefault } from '../../src/logger/lock-wait.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(() => setLockWaitDefault(undefined));

describe('a bounded wait for the log lock', () => {
  it('a durable event past the bound rejects with LOG_LOCK_TIMEOUT and is not written; once the lock is free it is', async () => {
    const dir = join(tempDir(), 'logs');
    const first = createAuditLogger({ logDir: dir, durability: 'durable', handleExit: false, heartbeatMinutes: 0 });
    await first.order('OrderAccepted', { orderId: 'A-1' });
    await first.close();
    const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.jsonl')) as string);
    const before = readFileSync(file, 'utf8');
    const fd = openSync(join(dir, '.audit.lock'), 'r+');
    expect(loadFileLock().tryLock(fd)).toBe(true);
    setLockWaitDefault(150);
    const log = createAuditLogger({ logDir: dir, durability: 'durable', handleExit: false, heartbeatMinutes: 0 });
    const err = await log.order('OrderAccepted', { orderId: 'A-2' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'LOG_LOCK_TIMEOUT',
      details: { path: join(dir, '.audit.lock'), waited_ms: 150 },
    });
    expect((err as Error).message).toMatch(/waited 0\.2 s|waited 0\.1 s/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    closeSync(fd); // the holder goes away
    await log.order('OrderAccepted', { orderId: 'A-3' });
    await log.close();
    expect(readFileSync(file, 'utf8')).toContain('"order_id":"A-3"');
  });

  it('pollLock takes a free lock at once and gives up on a held one after the budget', () => {
    const dir = tempDir();
    const path = join(dir, 'f.lock');
    const a = openSync(path, 'w+');
    const b = openSync(path, 'r+');
    const lock = loadFileLock();
    expect(pollLock(lock, a, 50)).toBe(true);
    expect(pollLock(lock, b, 50)).toBe(false);
    expect(pollLock(lock, b, 0)).toBe(false);
    closeSync(a);
    expect(pollLock(lock, b, 0)).toBe(true);
    closeSync(b);
  });

  it('0 or undefined is no bound', () => {
    setLockWaitDefault(0);
    expect(lockWaitDefault()).toBeUndefined();
    setLockWaitDefault(2000);
    expect(lockWaitDefault()).toBe(2000);
  });
});

describe('AUDITPACK_LOCK_TIMEOUT', () => {
  it('seconds (decimals allowed) to ms; unset or empty: 30 s; 0: 0 (no limit)', () => {
    expect(DEFAULT_CLI_LOCK_WAIT_MS).toBe(30_000);
    expect(cliLockWaitMs({})).toBe(30_000);
    expect(cliLockWaitMs({ AUDITPACK_LOCK_TIMEOUT: '' })).toBe(30_000);
    expect(cliLockWaitMs({ AUDITPACK_LOCK_TIMEOUT: '0' })).toBe(0);
    expect(cliLockWaitMs({ AUDITPACK_LOCK_TIMEOUT: '5' })).toBe(5000);
    expect(cliLockWaitMs({ AUDITPACK_LOCK_TIMEOUT: '0.25' })).toBe(250);
  });

  it('anything else is CONFIG_INVALID, naming the variable', () => {
    for (const v of ['-1', '30s', 'abc', '1e3', 'NaN', '3000000'])
      expect(() => cliLockWaitMs({ AUDITPACK_LOCK_TIMEOUT: v }), v).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('AUDITPACK_LOCK_TIMEOUT') }),
      );
  });
});
