import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditpackError } from '../../src/errors.js';
import { QueuedFileWriter } from '../../src/fsx/queued-writer.js';
import { CAN_MOUNT, SMALL_DISK_REASON, smallDisk } from '../helpers/small-disk.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'auditpack-queued-'));
  dirs.push(d);
  return d;
}

describe('QueuedFileWriter (the export copy of a log, written on the thread pool)', () => {
  it('writes exactly the bytes handed over, in order, whether it waits for room or not, and hashes them', async () => {
    const path = join(tempDir(), 'copy');
    // Two small buffers: chunks larger than one, more than both (the rest written at once), and a
    // caller that reuses its chunk right after handing it over.
    const w = await QueuedFileWriter.create(path, 2, 1000);
    const parts: Buffer[] = [];
    const chunk = Buffer.alloc(5000);
    for (let i = 0; i < 200; i++) {
      const n = [1, 999, 1000, 1001, 2500, 5000][i % 6] as number;
      randomBytes(n).copy(chunk);
      parts.push(Buffer.from(chunk.subarray(0, n)));
      w.write(chunk.subarray(0, n));
      chunk.fill(0x58); // reused at once: the writer must have taken its copy
      if (i % 3 === 0) await w.ready();
    }
    const f = await w.finish();
    const all = Buffer.concat(parts);
    expect(readFileSync(path).equals(all)).toBe(true);
    expect(f.size).toBe(all.length);
    expect(f.sha256).toBe(createHash('sha256').update(all).digest('hex'));
  });

  it('refuses an existing file (a create error, never an overwrite)', async () => {
    const path = join(tempDir(), 'copy');
    writeFileSync(path, 'keep');
    await expect(QueuedFileWriter.create(path)).rejects.toBeInstanceOf(AuditpackError);
    expect(readFileSync(path, 'utf8')).toBe('keep');
  });

  it.skipIf(!CAN_MOUNT)(
    `a full disk is a WRITE_FAILED error (ENOSPC), never a short file (${SMALL_DISK_REASON})`,
    async () => {
      const disk = smallDisk(1024);
      disk.fill(64 * 1024);
      const w = await QueuedFileWriter.create(join(disk.dir, 'copy'), 2, 64 * 1024);
      const chunk = randomBytes(64 * 1024);
      const run = async (): Promise<void> => {
        for (let i = 0; i < 64; i++) {
          w.write(chunk);
          await w.ready();
        }
        await w.finish();
      };
      const err = await run().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuditpackError);
      expect((err as AuditpackError).code).toBe('WRITE_FAILED');
      expect(String((err as Error).message)).toMatch(/ENOSPC/);
      await w.abandon();
    },
  );
});
