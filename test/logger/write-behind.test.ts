/**
 * Write-behind (src/logger/write-behind.ts): the writer thread starts an fdatasync of the day file
 * every WRITE_BEHIND_BYTES it appends, one at a time, and a flush never fails, hangs or throws on a
 * hostile day file; a logger whose writer thread flushes behind still writes every event, chained.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/logger/index.js';
import { WRITE_BEHIND_BYTES, WriteBehind } from '../../src/logger/write-behind.js';
import { logFileName } from '../../src/rotation/index.js';
import { verifyLogDir } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';

const DAY = 20_339; // 2025-09-08

describe('write-behind', () => {
  it('starts a flush every `every` bytes, never two at once', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, logFileName(DAY)), 'x'.repeat(4096));
    const wb = new WriteBehind(dir, 1000);
    wb.wrote(DAY, 999);
    expect(wb.started).toBe(0);
    wb.wrote(DAY, 1);
    expect(wb.started).toBe(1);
    // Past the mark again while the first still runs: no second one.
    wb.wrote(DAY, 5000);
    expect(wb.started).toBe(1);
    await wb.settled();
    // The bytes appended while it ran are owed: the next append starts the next one.
    wb.wrote(DAY, 1);
    expect(wb.started).toBe(2);
    await wb.settled();
    // Counted from 0 again after that.
    wb.wrote(DAY, 999);
    expect(wb.started).toBe(2);
    wb.wrote(DAY, 1);
    expect(wb.started).toBe(3);
    await wb.settled();
    expect(readFileSync(join(dir, logFileName(DAY)), 'utf8')).toBe('x'.repeat(4096));
  });

  it('does nothing, and settles, when the day file is missing, a FIFO or a symbolic link', async () => {
    const dir = tempDir();
    const wb = new WriteBehind(dir, 1);
    wb.wrote(DAY, 1); // missing
    await wb.settled();
    execFileSync('mkfifo', [join(dir, logFileName(DAY + 1))]);
    wb.wrote(DAY + 1, 1); // a FIFO: opened without waiting for a writer, fdatasync refused
    await wb.settled();
    writeFileSync(join(dir, 'target'), 'kept');
    execFileSync('ln', ['-s', 'target', join(dir, logFileName(DAY + 2))]);
    wb.wrote(DAY + 2, 1); // a link: not followed
    await wb.settled();
    expect(wb.started).toBe(3);
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('kept');
  });

  it('a writer thread that flushes behind writes every event, chained, and closes', async () => {
    const dir = tempDir();
    const log = createAuditLogger({ logDir: dir, handleExit: false });
    const note = 'n'.repeat(400);
    // More than two write-behind spans of ~500-byte lines, in turns as an app logs them.
    const events = Math.ceil((2.2 * WRITE_BEHIND_BYTES) / 500);
    for (let i = 0; i < events; i += 2000) {
      for (let j = i; j < Math.min(events, i + 2000); j++) log.order('OrderAccepted', { order_id: `o${j}`, note });
      await new Promise<void>((r) => setImmediate(r));
    }
    expect(log.stats().writerThread?.state).toBe('running');
    await log.close();
    const report = await verifyLogDir(dir);
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.checked.events).toBe(events);
  }, 60_000);
});
