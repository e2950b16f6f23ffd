/**
 * A day file cut short, emptied or removed by hand under a writer (or between two writers): the
 * writer's lock file still holds the head it last wrote, so the next append records the loss as a
 * LogDiscontinuity event before chaining on, and verify reports LOG_DISCONTINUITY (docs/FORMAT.md,
 * "Lost heads"). Real subprocesses run the built library (dist/), as a trading app would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/index.js';
import { exportPack } from '../../src/pack/export.js';
import { verifyPath } from '../../src/verify/index.js';
import { pythonCheck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const CHILD = fileURLToPath(new URL('../helpers/lost-head-child.mjs', import.meta.url));
const T = 120_000;

/** Runs the child; `damage` runs once its first events are flushed, before it logs the rest. */
async function writer(args: string[], damage?: () => void): Promise<void> {
  const child: ChildProcess = spawn(process.execPath, [CHILD, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    if (out === 'flushed\n') {
      damage?.();
      child.stdin?.write('go\n');
    }
  });
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  expect(code, err).toBe(0);
  expect(out.endsWith('done\n')).toBe(true);
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const logFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();
const linesOf = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);
const records = (path: string) => linesOf(path).map((l) => JSON.parse(l) as Record<string, unknown>);

async function findings(path: string) {
  const r = await verifyPath(path);
  return { ok: r.ok, problems: r.problems.map((p) => [p.code, p.severity]) };
}

/** The file, its lines and size after `n` lines. */
function cutAfter(path: string, n: number): { size: number; line: string } {
  const lines = linesOf(path);
  const size = Buffer.byteLength(lines.slice(0, n).join('\n') + (n > 0 ? '\n' : ''));
  truncateSync(path, size);
  return { size, line: lines[n - 1] ?? '' };
}

describe('a day file cut under the writer is recorded, never healed silently', () => {
  it(
    'truncated after line 15 while the writer runs: LogDiscontinuity names both heads; verify errors',
    async () => {
      const dir = tempDir();
      let before = { size: 0, lines: [] as string[] };
      let cut = { size: 0, line: '' };
      await writer([dir, 'T', '20', '5'], () => {
        const f = join(dir, logFiles(dir)[0] as string);
        before = { size: statSync(f).size, lines: linesOf(f) };
        cut = cutAfter(f, 15);
      });
      const file = join(dir, logFiles(dir)[0] as string);
      const recs = records(file);
      expect(recs.map((r) => r.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
      expect(linesOf(file).slice(0, 15)).toEqual(before.lines.slice(0, 15)); // what was left is kept
      expect(recs[15]).toMatchObject({
        category: 'system',
        event: 'LogDiscontinuity',
        cached_file: logFiles(dir)[0],
        cached_size: before.size,
        cached_seq: 20,
        cached_sha256: sha(before.lines[19] as string),
        found_size: cut.size,
        found_file: logFiles(dir)[0],
        found_seq: 15,
        found_sha256: sha(cut.line),
        prev: sha(cut.line),
      });
      expect(recs.slice(16).map((r) => r.order_id)).toEqual(['T-20', 'T-21', 'T-22', 'T-23', 'T-24']);
      expect(await findings(dir)).toEqual({ ok: false, problems: [['LOG_DISCONTINUITY', 'error']] });
      expect(await findings(file)).toEqual({ ok: false, problems: [['LOG_DISCONTINUITY', 'error']] });
      expect(pythonCheck(dir).problems).toHaveLength(1);
      expect(pythonPackCheck(dir).errors.map((p) => p.code)).toEqual(['LOG_DISCONTINUITY']);

      // A pack of the day carries the event, and verifying the pack reports it too.
      const pack = await exportPack({
        date: new Date().toISOString().slice(0, 10),
        logDir: dir,
        artifactsDir: join(dir, 'artifacts'),
        version: '0.0.0-test',
        recordEvent: false,
        partial: true,
      });
      const pr = await verifyPath(pack.path);
      expect(pr.problems.filter((p) => p.severity === 'error').map((p) => p.code)).toEqual(['LOG_DISCONTINUITY']);
    },
    T,
  );

  it(
    'emptied with no writer running: the next process starts at seq 1 with the LogDiscontinuity',
    async () => {
      const dir = tempDir();
      await writer([dir, 'A', '20', '0']);
      const file = join(dir, logFiles(dir)[0] as string);
      const lines = linesOf(file);
      const size = statSync(file).size;
      truncateSync(file, 0);
      await writer([dir, 'B', '5', '0']);
      const recs = records(file);
      expect(recs[0]).toMatchObject({
        seq: 1,
        prev: '0'.repeat(64),
        event: 'LogDiscontinuity',
        cached_size: size,
        cached_seq: 20,
        cached_sha256: sha(lines[19] as string),
        found_size: 0,
        found_seq: 0,
      });
      expect(recs.slice(1).map((r) => r.order_id)).toEqual(['B-0', 'B-1', 'B-2', 'B-3', 'B-4']);
      expect(await findings(dir)).toEqual({ ok: false, problems: [['LOG_DISCONTINUITY', 'error']] });
    },
    T,
  );

  it(
    "today's file removed while the writer runs, yesterday's beside it: recorded in the new file",
    async () => {
      const dir = tempDir();
      await writer([dir, 'Y', '3', '0', '-1']);
      const [yesterday] = logFiles(dir);
      const yLines = linesOf(join(dir, yesterday as string));
      let gone = { name: '', size: 0, last: '' };
      await writer([dir, 'T', '5', '5'], () => {
        const name = logFiles(dir)[1] as string;
        const f = join(dir, name);
        gone = { name, size: statSync(f).size, last: linesOf(f)[4] as string };
        rmSync(f);
      });
      expect(logFiles(dir)).toEqual([yesterday, gone.name]);
      expect(linesOf(join(dir, yesterday as string))).toEqual(yLines);
      const recs = records(join(dir, gone.name));
      expect(recs[0]).toMatchObject({
        seq: 4,
        prev: sha(yLines[2] as string),
        event: 'LogDiscontinuity',
        cached_file: gone.name,
        cached_size: gone.size,
        cached_seq: 8,
        cached_sha256: sha(gone.last),
        found_size: null,
        found_seq: 3,
        found_sha256: sha(yLines[2] as string),
      });
      expect(recs.slice(1).map((r) => r.order_id)).toEqual(['T-5', 'T-6', 'T-7', 'T-8', 'T-9']);
      expect(await findings(dir)).toEqual({ ok: false, problems: [['LOG_DISCONTINUITY', 'error']] });
    },
    T,
  );

  it(
    'the logs directory removed and made again while the writer runs (its lock file with it): the writer records the head it last wrote',
    async () => {
      const dir = join(tempDir(), 'logs');
      let gone = { name: '', size: 0, last: '' };
      await writer([dir, 'R', '5', '3'], () => {
        const name = logFiles(dir)[0] as string;
        gone = { name, size: statSync(join(dir, name)).size, last: linesOf(join(dir, name))[4] as string };
        rmSync(dir, { recursive: true });
        mkdirSync(dir);
      });
      // The new chain starts at seq 1 with the event saying what the writer had written before.
      expect(logFiles(dir)).toEqual([gone.name]);
      const file = join(dir, gone.name);
      const recs = records(file);
      expect(recs[0]).toMatchObject({
        seq: 1,
        prev: '0'.repeat(64),
        category: 'system',
        event: 'LogDiscontinuity',
        cached_file: gone.name,
        cached_size: gone.size,
        cached_seq: 5,
        cached_sha256: sha(gone.last),
        found_size: null,
        found_file: null,
        found_seq: 0,
        found_sha256: '0'.repeat(64),
      });
      expect(recs.slice(1).map((r) => r.order_id)).toEqual(['R-5', 'R-6', 'R-7']);
      // Both checkers name it, on the directory and on the file.
      expect(await findings(dir)).toEqual({ ok: false, problems: [['LOG_DISCONTINUITY', 'error']] });
      expect(await findings(file)).toEqual({ ok: false, problems: [['LOG_DISCONTINUITY', 'error']] });
      expect(pythonPackCheck(dir).errors.map((p) => p.code)).toEqual(['LOG_DISCONTINUITY']);
      expect(pythonPackCheck(file).errors.map((p) => p.code)).toEqual(['LOG_DISCONTINUITY']);
      expect(pythonCheck(dir).problems).toHaveLength(1);
    },
    T,
  );

  it(
    'only the lock file removed between two appends: the day file is intact, nothing is recorded',
    async () => {
      const dir = join(tempDir(), 'logs');
      await writer([dir, 'L', '5', '3'], () => rmSync(join(dir, '.audit.lock')));
      const recs = records(join(dir, logFiles(dir)[0] as string));
      expect(recs.map((r) => r.order_id)).toEqual(['L-0', 'L-1', 'L-2', 'L-3', 'L-4', 'L-5', 'L-6', 'L-7']);
      expect((await findings(dir)).ok).toBe(true);
    },
    T,
  );
});

describe('what is not a lost head', () => {
  it('a torn tail (bytes after the cached head) is recovered as before, with no LogDiscontinuity', async () => {
    const dir = tempDir();
    const a = createAuditLogger({ logDir: dir, heartbeatMinutes: 0, offload: false });
    for (let i = 0; i < 3; i++) a.order('OrderAccepted', { orderId: `a${i}`, quantity: 1 });
    await a.close();
    const file = join(dir, logFiles(dir)[0] as string);
    appendFileSync(file, '{"ts":1757314800.000000,"iso_ts":"2025-09-08T07:00'); // cut off mid-write
    const b = createAuditLogger({ logDir: dir, heartbeatMinutes: 0, offload: false });
    b.order('OrderAccepted', { orderId: 'b0', quantity: 1 });
    await b.close();
    expect(readFileSync(file, 'utf8')).toContain('"TornLineRecovered"');
    expect(readFileSync(file, 'utf8')).not.toContain('LogDiscontinuity');
    expect(await findings(dir)).toEqual({ ok: true, problems: [['LOG_TORN_LINE_RECOVERED', 'warning']] });
  });

  it('a tail cut and replaced by longer lines is still caught: the cached head is not where it was', async () => {
    const dir = tempDir();
    const a = createAuditLogger({ logDir: dir, heartbeatMinutes: 0, offload: false });
    for (let i = 0; i < 4; i++) a.order('OrderAccepted', { orderId: `a${i}`, quantity: 1 });
    await a.close();
    const file = join(dir, logFiles(dir)[0] as string);
    const lines = linesOf(file);
    // Line 4 rewritten longer (prev kept, so the chain holds) - the file grew past the cached size.
    const forged = (lines[3] as string).replace('"a3"', '"a3-forged-and-longer"');
    cutAfter(file, 3);
    appendFileSync(file, `${forged}\n`);
    const b = createAuditLogger({ logDir: dir, heartbeatMinutes: 0, offload: false });
    b.order('OrderAccepted', { orderId: 'b0', quantity: 1 });
    await b.close();
    expect(records(file)[4]).toMatchObject({ event: 'LogDiscontinuity', cached_seq: 4, found_seq: 4 });
    expect(await findings(dir)).toEqual({ ok: false, problems: [['LOG_DISCONTINUITY', 'error']] });
  });
});
