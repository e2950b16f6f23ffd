/**
 * A day file whose end is no torn write because it is too long (docs/FORMAT.md, "Torn lines and
 * recovery"): sparse files of 2 GiB and 20 GiB with no "\n" after their first bytes. The writer's
 * settle (every writer's first append, and export's) reads only the file's last 16 MiB + 1 bytes and
 * refuses, typed and fast, writing nothing. Before, it read the whole file and failed with a leaked
 * RangeError ("length" is out of range, -2147483648) after about 25 s for 2 GiB.
 */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditpackError } from '../../src/errors.js';
import { LINE_BOUND_BYTES } from '../../src/format/torn-write.js';
import { settleLog } from '../../src/logger/index.js';
import { tempDir } from '../helpers/tmp.js';

/** A sparse day file of `size` bytes: `head`, then holes (zeros), no newline unless in `head`. */
function sparseDay(size: number, head: string): string {
  const logDir = tempDir();
  const fd = openSync(join(logDir, 'audit-20250908.jsonl'), 'w');
  writeSync(fd, head);
  writeSync(fd, Buffer.from([0x20]), 0, 1, size - 1);
  closeSync(fd);
  return logDir;
}

describe('a writer over a day file that ends in more than the bound on a line', () => {
  for (const [name, size] of [
    ['2 GiB', 2 ** 31],
    ['20 GiB', 20 * 2 ** 30],
  ] as const) {
    it(`${name} with no newline: LOG_WRITE_FAILED (ETAILINVALID), nothing written`, async () => {
      const logDir = sparseDay(size, '{"ts":1');
      const err = await settleLog({ logDir }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AuditpackError);
      expect((err as AuditpackError).code).toBe('LOG_WRITE_FAILED');
      expect((err as AuditpackError).details).toMatchObject({ errno: 'ETAILINVALID', written: 0 });
      expect((err as Error).message).toMatch(/no torn write \(LOG_TAIL_INVALID\)/);
      expect(statSync(join(logDir, 'audit-20250908.jsonl')).size).toBe(size);
    }, 120_000);
  }

  it('a last line over the bound (2 GiB, then a torn tail): refused the same way', async () => {
    const logDir = sparseDay(2 ** 31, '{"ts":1');
    const fd = openSync(join(logDir, 'audit-20250908.jsonl'), 'a');
    writeSync(fd, '\n{"ts":2');
    closeSync(fd);
    await expect(settleLog({ logDir })).rejects.toMatchObject({
      code: 'LOG_WRITE_FAILED',
      details: { errno: 'ETAILINVALID' },
    });
  }, 120_000);

  it('a last complete line over the bound but within MAX_LAST_LINE_BYTES is chained on from, its torn tail recovered', async () => {
    const logDir = sparseDay(LINE_BOUND_BYTES + 4096, '{"ts":1');
    const path = join(logDir, 'audit-20250908.jsonl');
    const fd = openSync(path, 'a');
    writeSync(fd, '\n{"ts":2');
    closeSync(fd);
    const size = statSync(path).size;
    await settleLog({ logDir });
    expect(statSync(path).size).toBeGreaterThan(size);
  }, 120_000);

  it('a tail of exactly the bound is still recovered', async () => {
    const logDir = sparseDay(LINE_BOUND_BYTES, '{"ts":1');
    await settleLog({ logDir });
    expect(statSync(join(logDir, 'audit-20250908.jsonl')).size).toBeGreaterThan(LINE_BOUND_BYTES);
  }, 120_000);
});
