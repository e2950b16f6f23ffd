/**
 * The EventsRefused record when the refused events are the last ones: close() writes it once the
 * sink allows, never waits for good, and tells the caller what the log does not record yet.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AuditpackError } from '../../src/errors.js';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import type { PreparedEvent } from '../../src/logger/types.js';
import { tempDir } from '../helpers/tmp.js';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

function parsed(sink: MemorySink): Record<string, unknown>[] {
  return sink.allLines().map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A sink that fails every append while `broken` (a disk that stays full), counting the attempts. */
class BrokenSink extends MemorySink {
  broken = false;
  attempts = 0;
  override append(batch: readonly PreparedEvent[]): number {
    this.attempts++;
    if (this.broken) this.failNext('ENOSPC', 0);
    return super.append(batch);
  }
}

const refusedCount = (recs: Record<string, unknown>[]): number =>
  recs.filter((r) => r.event === 'EventsRefused').reduce((n, r) => n + (r.count as number), 0);

describe('refusals that no later event reports', () => {
  it('close() records them, in both modes', async () => {
    for (const durability of ['durable', 'batched'] as const) {
      const sink = new MemorySink();
      const log = createAuditLogger({ sink, durability, handleExit: false, flushBytes: 256, maxBufferBytes: 1024 });
      log.on('error', () => {});
      sink.failNext('EIO', 0);
      const results: unknown[] = [];
      for (let i = 0; i < 20; i++) results.push(log.order('OrderAccepted', { orderId: `o${i}` }));
      const settled = await Promise.allSettled(results.map((r) => Promise.resolve(r)));
      const refused = settled.filter((r) => r.status === 'rejected' || r.value === false).length;
      expect(refused, durability).toBeGreaterThan(0);
      await log.close();
      const recs = parsed(sink);
      expect(
        recs.filter((r) => r.category === 'order'),
        durability,
      ).toHaveLength(20 - refused);
      expect(refusedCount(recs), durability).toBe(refused);
      expect(log.stats().refused).toBe(refused);
    }
  });

  it('close() on a sink that stays broken gives up after a bounded backoff, says what is unrecorded, and a later close() writes it', async () => {
    for (const durability of ['durable', 'batched'] as const) {
      const sink = new BrokenSink();
      const log = createAuditLogger({ sink, durability, handleExit: false, flushBytes: 256, maxBufferBytes: 1024 });
      log.on('error', () => {});
      await log.order('OrderAccepted', { orderId: 'first' });
      sink.broken = true;
      const results: unknown[] = [];
      for (let i = 0; i < 20; i++) results.push(log.order('OrderAccepted', { orderId: `o${i}` }));
      const settled = await Promise.allSettled(results.map((r) => Promise.resolve(r)));
      const refused = settled.filter((r) => r.status === 'rejected' || r.value === false).length;
      expect(refused, durability).toBeGreaterThan(0);

      const attemptsBefore = sink.attempts;
      const t0 = Date.now();
      const err = (await log.close().then(
        () => undefined,
        (e: unknown) => e,
      )) as AuditpackError | undefined;
      const ms = Date.now() - t0;
      expect(err?.code, durability).toBe('LOG_WRITE_FAILED');
      expect(err?.details?.unrecordedRefusals, durability).toBe(refused);
      expect(err?.message).toMatch(/refused/);
      // Bounded: a few seconds of backoff, not a loop. The attempts are close()'s few rounds plus
      // the writer's own retry timer (100 ms, doubling), never a setImmediate spin.
      expect(ms, durability).toBeLessThan(10_000);
      expect(sink.attempts - attemptsBefore, durability).toBeLessThan(40);

      // The writer keeps trying on its own, backing off: about 7 tries in 6 s, not thousands.
      const idle = sink.attempts;
      await new Promise((r) => setTimeout(r, 1000));
      expect(sink.attempts - idle, durability).toBeLessThanOrEqual(4);

      sink.broken = false;
      await log.close();
      const recs = parsed(sink);
      expect(refusedCount(recs), durability).toBe(refused);
      expect(
        recs.filter((r) => r.category === 'order'),
        durability,
      ).toHaveLength(21 - refused);
      expect(log.stats().refused).toBe(refused);
    }
  }, 30_000);

  it('close() writes the record when the sink recovers during its backoff', async () => {
    const sink = new BrokenSink();
    const log = createAuditLogger({ sink, durability: 'durable', handleExit: false });
    log.on('error', () => {});
    sink.broken = true;
    await expect(log.order('OrderAccepted', { orderId: 'a' })).rejects.toMatchObject({ code: 'LOG_WRITE_FAILED' });
    setTimeout(() => {
      sink.broken = false;
    }, 300);
    await log.close();
    expect(refusedCount(parsed(sink))).toBe(1);
  });

  it('a process that exits without close() writes the record in its exit handler', () => {
    // The day's file is a symbolic link (to /dev/full; the writer refuses it: LOG_WRITE_FAILED,
    // ELOOP) while the durable call is made, then a regular file again; the process exits without
    // close(): the exit flush must write the owed record.
    const dir = tempDir();
    const day = Date.UTC(2025, 8, 8) * 1000;
    const script = `
      import { createAuditLogger } from ${JSON.stringify(DIST)};
      import { symlinkSync, unlinkSync } from 'node:fs';
      const file = ${JSON.stringify(join(dir, 'audit-20250908.jsonl'))};
      symlinkSync('/dev/full', file);
      const log = createAuditLogger({ logDir: ${JSON.stringify(dir)}, durability: 'durable', clock: () => ${day} + 1 });
      log.on('error', () => {});
      const r = await log.order('OrderAccepted', { orderId: 'lost' }).then(() => 'ok', (e) => e.code);
      unlinkSync(file);
      process.stdout.write(r + '\\n');
      process.exit(0);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('LOG_WRITE_FAILED');
    const recs = readFileSync(join(dir, 'audit-20250908.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs.map((x) => x.event)).toEqual(['EventsRefused']);
    expect(recs[0]).toMatchObject({ category: 'system', count: 1 });
  });
});
