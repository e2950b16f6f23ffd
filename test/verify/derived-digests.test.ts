/**
 * Verify keeps only the derived files' sizes and SHA-256 (src/pack/scan-digests.ts), made on the
 * derivation's thread: the batches that thread processes are hashed there, and the outputs of those
 * the reading thread processes itself (no ring slot free) are sent to it to be hashed in turn. The
 * digests must be of exactly the bytes the export's scan writes, in the files' order, however the
 * batches were shared out, also when the thread dies part-way (the digests it kept are lost: the log
 * is derived again, never guessed), and an edited orders.csv is still found and named.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSyntheticDay } from '../../bench/lib/synthetic-day.js';
import { scanLines, type ScannedLine } from '../../src/chain/lines.js';
import { DEFAULT_ALERT_FILTER } from '../../src/config.js';
import { exportPack } from '../../src/pack/export.js';
import { DayScanner, type PayloadSink } from '../../src/pack/scan-day.js';
import { SLOTS } from '../../src/pack/scan-jobs.js';
import { verifyPack } from '../../src/verify/index.js';
import { PayloadDerivation } from '../../src/verify/payload.js';
import { distCopyWith, dyingWorker } from '../helpers/dist-copy.js';
import { pushAsRead, scannedSyntheticDay } from '../helpers/scanned-day.js';
import { tempDir } from '../helpers/tmp.js';
import { forgePack } from './helpers/forge.js';

const digestOf = (chunks: Buffer[]) => {
  const b = Buffer.concat(chunks);
  return { size: b.length, sha256: createHash('sha256').update(b).digest('hex') };
};

/** The derived files' bytes as the export's scan writes them, on one thread. */
async function writtenBytes(lines: readonly ScannedLine[]) {
  const out = { orders: [] as Buffer[], fills: [] as Buffer[], alerts: [] as Buffer[] };
  const sink = (to: Buffer[]): PayloadSink => ({
    write: (s) => void to.push(Buffer.from(s, 'utf8')),
    writeBytes: (b) => void to.push(Buffer.from(b)),
  });
  const sc = new DayScanner(
    { orders: sink(out.orders), fills: sink(out.fills), alerts: sink(out.alerts) },
    DEFAULT_ALERT_FILTER,
    'audit-20250908.jsonl',
    false,
  );
  try {
    for (const l of lines) sc.push(l);
    await sc.finish();
  } finally {
    await sc.close();
  }
  return new Map([
    ['data/orders.csv', digestOf(out.orders)],
    ['data/fills.csv', digestOf(out.fills)],
    ['data/alerts.jsonl', digestOf(out.alerts)],
  ]);
}

/** An exported pack of a synthetic day of `events` events (about 270 bytes a line). */
async function exportedPack(events: number): Promise<string> {
  const root = tempDir();
  const logDir = join(root, 'logs');
  mkdirSync(logDir);
  writeSyntheticDay(join(logDir, 'audit-20250908.jsonl'), '2025-09-08', events);
  const artifactsDir = join(root, 'artifacts');
  await exportPack({ logDir, artifactsDir, date: '2025-09-08', version: '0.1.0', snapshot: false, recordEvent: false });
  return join(artifactsDir, '2025-09-08');
}

/** orders.csv with the quantity of the record four fifths in (a late batch's) raised by one, every hash recomputed. */
function editLateQuantity(pack: string): number {
  let record = 0;
  forgePack(pack, {
    payload: (data) => {
      const p = join(data, 'orders.csv');
      const rows = readFileSync(p, 'utf8').split('\r\n');
      const i = Math.floor(rows.length * 0.8);
      const cells = (rows[i] as string).split(',');
      cells[6] = String(Number(cells[6]) + 1); // quantity: no quoting in the synthetic day's rows
      rows[i] = cells.join(',');
      record = i + 1;
      writeFileSync(p, rows.join('\r\n'));
    },
  });
  return record;
}

describe('the derived files’ digests, made on the derivation’s thread', () => {
  it('are of exactly the written bytes in order, with most batches processed on the reading thread and hashed on the other', async () => {
    const lines = await scannedSyntheticDay(60_000); // about 40 batches of BATCH_BYTES
    const want = await writtenBytes(lines);
    for (const how of ['at once', 'chunked'] as const) {
      const d = new PayloadDerivation(DEFAULT_ALERT_FILTER, '2025-09-08', true);
      await d.untilRunning(30_000);
      if (how === 'at once') {
        // Pushed synchronously: the thread cannot free a slot in between, so after the first SLOTS
        // batches every batch is processed here and only hashed there, interleaved with the ring's.
        for (const l of lines) d.push(l);
      } else {
        // As the log pass pushes: waiting at room() every 1 MiB, so the two threads take turns.
        await pushAsRead(lines, d);
      }
      const got = await d.finish();
      expect(got.files, how).toEqual(want);
      expect(got.lineTree.leaves, how).toBe(lines.length);
    }
    expect(SLOTS).toBeLessThan(10);
  }, 120_000);

  it('when the thread dies holding outputs sent to it to hash, the digests are derived again from the log, never guessed', async () => {
    const log = join(tempDir(), 'audit-20250908.jsonl');
    writeSyntheticDay(log, '2025-09-08', 60_000);
    const lines: ScannedLine[] = [];
    await scanLines(log, (l) => lines.push(l));
    const want = await writtenBytes(lines);
    // Pushed at once: jobs 1-4 are the ring's batches, then each job is a batch's outputs to hash
    // (its buffer moved to the thread); the thread dies at job 7, with the outputs of a few.
    const inCopy = distCopyWith('pack/scan-worker.js', dyingWorker('scan-worker.real.js', SLOTS + 3));
    const { PayloadDerivation: InCopy } = (await import(inCopy('verify/payload.js'))) as {
      PayloadDerivation: typeof PayloadDerivation;
    };
    const { workerActivity } = (await import(inCopy('worker/index.js'))) as {
      workerActivity: (name: string) => { fallbacks: string[] };
    };
    const d = new InCopy(DEFAULT_ALERT_FILTER, '2025-09-08', true, undefined, undefined, log);
    await d.untilRunning(30_000);
    for (const l of lines) d.push(l);
    const got = await d.finish();
    expect(workerActivity('export scan').fallbacks).toEqual([
      expect.stringMatching(/the thread stopped: exited with code 9/),
      'threads turned off',
    ]);
    expect(got.files).toEqual(want);
  }, 120_000);

  it('an orders.csv cell edited in a late batch is found and named, with threads and without', async () => {
    const pack = await exportedPack(60_000);
    expect((await verifyPack(pack, { threads: true })).ok).toBe(true);
    const record = editLateQuantity(pack);
    for (const threads of [true, false]) {
      const r = await verifyPack(pack, { threads });
      const errors = r.problems.filter((p) => p.severity === 'error');
      expect(
        errors.map((p) => p.code),
        `threads ${threads}`,
      ).toEqual(['PACK_CSV_MISMATCH']);
      expect(errors[0]?.file).toBe('data/orders.csv');
      expect(errors[0]?.detail).toMatch(new RegExp(`record ${record} \\(seq \\d+\\): quantity is "\\d+"`));
    }
  }, 180_000);

  it('when the thread dies part-way, the report is the one-thread report (the digests it kept are derived again)', async () => {
    const pack = await exportedPack(60_000);
    const alone = await verifyPack(pack, { threads: false });
    expect(alone.ok).toBe(true);
    // Job 1: the thread dies before it hashed anything: the batches rerun here, from the first, and
    // the digests made here are whole, unless the ring was full before the thread took its first job
    // (a slow start on a loaded machine) and a batch's outputs were already moved to it to hash: they
    // went with it, and the log is derived again (CI's stop 52 saw that). Job 6: after it hashed five
    // batches, which are lost with it: the log is derived again on this thread (a scan without
    // threads: "threads turned off").
    for (const [n, again] of [
      [1, [[], ['threads turned off']]],
      [6, [['threads turned off']]],
    ] as const) {
      const inCopy = distCopyWith('pack/scan-worker.js', dyingWorker('scan-worker.real.js', n));
      const lib = (await import(inCopy('verify/index.js'))) as { verifyPack: typeof verifyPack };
      const { workerActivity } = (await import(inCopy('worker/index.js'))) as {
        workerActivity: (name: string) => { fallbacks: string[] };
      };
      const r = await lib.verifyPack(pack, { threads: true });
      const [died, ...after] = workerActivity('export scan').fallbacks;
      expect(died, `job ${n}`).toMatch(/the thread stopped: exited with code 9/);
      expect(again, `job ${n}`).toContainEqual(after);
      expect(r, `job ${n}`).toEqual(alone);
    }
  }, 240_000);
});
