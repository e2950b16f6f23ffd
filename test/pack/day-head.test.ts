/**
 * export's lost-head check (src/pack/day-head.ts) with a bound on its wait for the log lock: past
 * it the cache is read unlocked and the check says so (LOG_HEAD_UNLOCKED); a lost head is still
 * refused (LOG_HEAD_LOST) when the unlocked reads agree. The lock is held here by another open
 * file description of this process: the writers' lock (OFD on Linux, flock on macOS) excludes it
 * as it excludes another process.
 */
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/logger/index.js';
import { loadFileLock } from '../../src/logger/lock.js';
import { checkDayHeadKept, LOG_HEAD_UNLOCKED } from '../../src/pack/day-head.js';
import { tempDir } from '../helpers/tmp.js';

const held: number[] = [];
afterEach(() => {
  for (const fd of held.splice(0)) closeSync(fd); // closing releases the lock
});

async function honestLog(n: number): Promise<{ dir: string; day: number; file: string }> {
  const dir = join(tempDir(), 'logs');
  const log = createAuditLogger({ logDir: dir, durability: 'durable', handleExit: false, heartbeatMinutes: 0 });
  for (let i = 1; i <= n; i++) await log.order('OrderAccepted', { orderId: `A-${i}` });
  await log.close();
  const { day } = JSON.parse(readFileSync(join(dir, '.audit.lock'), 'utf8').trim()) as { day: number };
  return { dir, day, file: join(dir, readdirSync(dir).find((f) => f.endsWith('.jsonl')) as string) };
}

function holdLock(dir: string): void {
  const fd = openSync(join(dir, '.audit.lock'), 'r+');
  held.push(fd);
  expect(loadFileLock().tryLock(fd)).toBe(true);
}

describe('checkDayHeadKept with a bounded wait', () => {
  it('the lock free: checked under it, no warning', async () => {
    const { dir, day } = await honestLog(2);
    expect(checkDayHeadKept(dir, day, 100)).toBeUndefined();
    expect(checkDayHeadKept(dir, day, undefined)).toBeUndefined();
  });

  it('the lock held past the wait: read unlocked, and a LOG_HEAD_UNLOCKED warning names the lock file and how to find its holder', async () => {
    const { dir, day } = await honestLog(2);
    holdLock(dir);
    const w = checkDayHeadKept(dir, day, 100);
    expect(w).toMatch(new RegExp(`^${LOG_HEAD_UNLOCKED}: `));
    expect(w).toContain(join(dir, '.audit.lock'));
    expect(w).toContain('fuser -v');
    expect(w).toContain('within 0.1 s');
  });

  it('the lock held past the wait and the day file cut: LOG_HEAD_LOST from reads that agree', async () => {
    const { dir, day, file } = await honestLog(3);
    writeFileSync(file, `${readFileSync(file, 'utf8').split('\n')[0]}\n`);
    holdLock(dir);
    expect(() => checkDayHeadKept(dir, day, 100)).toThrow(expect.objectContaining({ code: 'LOG_HEAD_LOST' }));
  });
});
