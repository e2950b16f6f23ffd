/**
 * verify's re-check compares only the digest of the recorded end state (data/compliance_state.json)
 * with the re-run's. On a day of many open orders that file is tens of megabytes (40 MB for a
 * 1,000,000-event day where every order stays open, up to MAX_STATE_BYTES): read whole to be hashed,
 * it was verify's peak. It is hashed in pieces, never read whole, with the bounds of the read it
 * replaces (a link, a FIFO, a missing file or one over the limit is no digest, and a finding).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../src/compliance/index.js';
import { PACK_PATH } from '../../src/format/pack.js';
import {
  digestBoundedBuffer,
  digestBoundedBytes,
  readBoundedBuffer,
  readBoundedBytes,
} from '../../src/verify/compliance-bytes.js';
import { readRecheckState } from '../../src/verify/compliance-state.js';
import { exportTestDay, writeEvents } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function packWithOpenOrders(): Promise<string> {
  const cwd = tempDir();
  await writeEvents(
    join(cwd, 'logs'),
    Array.from({ length: 40 }, (_, i) => [
      `09:00:${String(i).padStart(2, '0')}`,
      'order',
      'OrderAccepted',
      { order_id: `O-${i}`, symbol: 'EURUSD', side: 'BUY', quantity: 5, price: 1, time_in_force: 'GTC' },
    ]),
  );
  return (await exportTestDay(cwd, { snapshot: false, compliance: { cwd } })).path;
}

describe('the recorded end state is hashed, never read whole', () => {
  it('gives the digest of the file without asking the reader for it', async () => {
    const dir = await packWithOpenOrders();
    const end = join(dir, PACK_PATH.complianceState);
    const report = JSON.parse(readFileSync(join(dir, PACK_PATH.complianceReport), 'utf8')) as ComplianceReport;
    const notes: unknown[] = [];
    const state = await readRecheckState(dir, report, notes as never);
    expect(readFileSync(end, 'utf8')).toContain('"O-39"');
    expect(state.endSha256).toBe(sha(readFileSync(end)));
    expect(notes).toEqual([]);
  });
});

describe('digestBoundedBuffer and digestBoundedBytes', () => {
  it('are the digests of what readBoundedBuffer and readBoundedBytes read', async () => {
    const dir = tempDir();
    const p = join(dir, 'f');
    // Over two pieces of 1 MiB, and not a multiple of one.
    const bytes = Buffer.alloc(2 * 1024 * 1024 + 12345, 'ab\u00e9');
    writeFileSync(p, bytes);
    expect(await digestBoundedBuffer(p, bytes.length)).toBe(sha((await readBoundedBuffer(p, bytes.length)) as Buffer));
    expect(await digestBoundedBytes(p, bytes.length)).toBe(sha((await readBoundedBytes(p, bytes.length)) as Buffer));
    writeFileSync(join(dir, 'empty'), '');
    expect(await digestBoundedBuffer(join(dir, 'empty'), 10)).toBe(sha(Buffer.alloc(0)));
  });

  it('give no digest where the reads give no bytes: over the limit, missing, a link, a FIFO', async () => {
    const dir = tempDir();
    const p = join(dir, 'f');
    writeFileSync(p, 'twelve bytes');
    expect(await digestBoundedBuffer(p, 11)).toBeUndefined();
    expect(await digestBoundedBytes(p, 11)).toBeUndefined();
    expect(await digestBoundedBuffer(join(dir, 'missing'), 100)).toBeUndefined();
    symlinkSync(p, join(dir, 'link'));
    expect(await digestBoundedBuffer(join(dir, 'link'), 100)).toBeUndefined();
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(await digestBoundedBuffer(join(dir, 'fifo'), 100)).toBeUndefined();
    await expect(readBoundedBytes(join(dir, 'fifo'), 100)).rejects.toThrow();
    await expect(digestBoundedBytes(join(dir, 'fifo'), 100)).rejects.toThrow();
  });
});
