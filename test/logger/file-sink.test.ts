import { appendFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashLine } from '../../src/chain/index.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { pythonCheck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/tmp.js';

const DAY1 = Date.UTC(2025, 8, 8, 12) * 1000;
const DAY2 = Date.UTC(2025, 8, 9, 0, 0, 0, 5) * 1000;

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(0, -1);
}

async function write(dir: string, clock: () => number, ids: string[]): Promise<void> {
  const log = createAuditLogger({ logDir: dir, clock, handleExit: false });
  for (const id of ids) log.order('OrderAccepted', { orderId: id });
  await log.close();
}

describe('torn tails', () => {
  it('keeps the fragment, terminates it, records its length and hash, and the chain goes on', async () => {
    const dir = tempDir();
    await write(dir, () => DAY1, ['a', 'b']);
    const file = join(dir, 'audit-20250908.jsonl');
    const before = lines(file);
    const fragment = '{"ts":1757332800.000000,"iso_ts":"2025-09-08T12:00:00.000000Z","seq":3,"category":"ord';
    appendFileSync(file, fragment);
    await write(dir, () => DAY1 + 10, ['c']);
    const after = lines(file);
    expect(after.slice(0, 2)).toEqual(before);
    expect(after[2]).toBe(fragment); // evidence kept byte for byte
    const rec = JSON.parse(after[3] as string);
    expect(rec).toMatchObject({
      seq: 3,
      category: 'system',
      event: 'TornLineRecovered',
      file: 'audit-20250908.jsonl',
      fragment_bytes: Buffer.byteLength(fragment),
      fragment_sha256: createHash('sha256').update(fragment).digest('hex'),
      fragment_offset: Buffer.byteLength(`${before.join('\n')}\n`),
      prev: hashLine(before[1] as string),
    });
    expect(JSON.parse(after[4] as string)).toMatchObject({ seq: 4, order_id: 'c', prev: hashLine(after[3] as string) });
    expect(pythonCheck(dir)).toMatchObject({ ok: true, recovered: 1, lines: 4 });
  });

  it('notes fragment_not_torn for a whole line appended by hand whose seq does not continue', async () => {
    const dir = tempDir();
    await write(dir, () => DAY1, ['a', 'b']);
    const file = join(dir, 'audit-20250908.jsonl');
    const before = lines(file);
    // The writer's own next line, but seq 9: no crash leaves it (docs/FORMAT.md "Torn lines", rule 2).
    const forged = (before[1] as string).replace('"seq":2,', '"seq":9,');
    appendFileSync(file, forged);
    await write(dir, () => DAY1 + 10, ['c']);
    const rec = JSON.parse(lines(file)[3] as string) as Record<string, unknown>;
    expect(rec).toMatchObject({ event: 'TornLineRecovered', seq: 3 });
    expect(rec.fragment_not_torn).toMatch(/its seq 9 is not one more than the seq 2/);
    // An honest cut of the same line (seq 3, cut in its body) has no note.
    const dir2 = tempDir();
    await write(dir2, () => DAY1, ['a', 'b']);
    const file2 = join(dir2, 'audit-20250908.jsonl');
    appendFileSync(file2, (lines(file2)[1] as string).replace('"seq":2,', '"seq":3,').slice(0, 90));
    await write(dir2, () => DAY1 + 10, ['c']);
    expect(JSON.parse(lines(file2)[3] as string)).not.toHaveProperty('fragment_not_torn');
  });

  it('recovers a file that holds nothing but a fragment, linking to the day before', async () => {
    const dir = tempDir();
    await write(dir, () => DAY1, ['a']);
    writeFileSync(join(dir, 'audit-20250909.jsonl'), '{"ts":17573');
    await write(dir, () => DAY2, ['b']);
    const d9 = lines(join(dir, 'audit-20250909.jsonl'));
    expect(d9[0]).toBe('{"ts":17573');
    expect(JSON.parse(d9[1] as string)).toMatchObject({ event: 'TornLineRecovered', seq: 2 });
    expect(JSON.parse(d9[2] as string)).toMatchObject({ order_id: 'b', seq: 3 });
    expect(pythonCheck(dir)).toMatchObject({ ok: true, recovered: 1 });
  });
});

describe('several writers on one directory', () => {
  it('notices lines another writer appended since its own last write', async () => {
    const dir = tempDir();
    const a = createAuditLogger({ logDir: dir, clock: () => DAY1, handleExit: false });
    const b = createAuditLogger({ logDir: dir, clock: () => DAY1, handleExit: false });
    for (let i = 0; i < 20; i++) {
      (i % 3 === 0 ? a : b).order('OrderAccepted', { orderId: `o${i}` });
      await (i % 3 === 0 ? a : b).flush();
    }
    await Promise.all([a.close(), b.close()]);
    const check = pythonCheck(dir);
    expect(check).toMatchObject({ ok: true, lines: 20, last_seq: 20 });
  });

  it('writes an older-dated event to the newest file, marked late, so the next day keeps its link', async () => {
    const dir = tempDir();
    const early = createAuditLogger({ logDir: dir, clock: () => DAY1, handleExit: false });
    const next = createAuditLogger({ logDir: dir, clock: () => DAY2, handleExit: false });
    early.order('OrderAccepted', { orderId: 'day1' });
    await early.flush();
    next.order('OrderAccepted', { orderId: 'day2' });
    await next.flush();
    early.order('OrderAccepted', { orderId: 'straggler' }); // another process still on yesterday
    await Promise.all([early.close(), next.close()]);
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .sort(),
    ).toEqual(['audit-20250908.jsonl', 'audit-20250909.jsonl']);
    const d9 = lines(join(dir, 'audit-20250909.jsonl')).map((l) => JSON.parse(l));
    expect(d9.map((r) => r.order_id)).toEqual(['day2', 'straggler']);
    expect(d9[1]).toMatchObject({ late: true, iso_ts: '2025-09-08T12:00:00.000000Z' });
    expect(d9[0].late).toBeUndefined();
    expect(pythonCheck(dir)).toMatchObject({ ok: true, lines: 3, late: 1 });
  });

  it('rebuilds from the files when the lock file cache is stale or garbage', async () => {
    const dir = tempDir();
    await write(dir, () => DAY1, ['a', 'b']);
    writeFileSync(join(dir, '.audit.lock'), 'garbage{');
    await write(dir, () => DAY1, ['c']);
    writeFileSync(
      join(dir, '.audit.lock'),
      JSON.stringify({ v: 1, day: 20339, size: 1, seq: 99, hash: 'f'.repeat(64) }),
    );
    await write(dir, () => DAY1, ['d']);
    // Garbage is only a cache to rebuild; a well-formed head that is not on disk (seq 99 at byte 1)
    // is a head lost, recorded before the chain goes on (docs/FORMAT.md, "Lost heads").
    const check = pythonCheck(dir);
    expect(check).toMatchObject({ ok: false, lines: 5, last_seq: 5 });
    expect(check.problems).toEqual([expect.stringMatching(/:4: LogDiscontinuity \(cached seq 99\)$/)]);
    const recs = lines(join(dir, 'audit-20250908.jsonl')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs.map((r) => r.event)).toEqual([
      'OrderAccepted',
      'OrderAccepted',
      'OrderAccepted',
      'LogDiscontinuity',
      'OrderAccepted',
    ]);
    expect(recs[3]).toMatchObject({ cached_size: 1, cached_seq: 99, found_seq: 3 });
  });
});

describe('recovery across midnight', () => {
  it('a recovery dated the next day stands in the repaired file and verifies', async () => {
    const dir = tempDir();
    await write(dir, () => DAY1, ['a']);
    appendFileSync(join(dir, 'audit-20250908.jsonl'), '{"ts":175733');
    // The next writer starts after midnight: the fragment is repaired in yesterday's file, by a
    // recovery event dated today; today's event then starts the new file.
    await write(dir, () => DAY2, ['b']);
    const d8 = lines(join(dir, 'audit-20250908.jsonl'));
    expect(JSON.parse(d8[2] as string)).toMatchObject({
      event: 'TornLineRecovered',
      iso_ts: '2025-09-09T00:00:00.005000Z',
    });
    expect(pythonCheck(dir)).toMatchObject({ ok: true, recovered: 1, lines: 3 });
    const { verifyLogDir } = await import('../../src/verify/index.js');
    const r = await verifyLogDir(dir);
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });
});
