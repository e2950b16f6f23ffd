/**
 * Batched mode when its writer thread fails: the thread dies mid-run (before or after writing the
 * batch it was given), or its module is missing so it never starts. Nothing accepted may be lost or
 * written twice, the chain stays whole, and stats() says the thread stopped and why.
 * Runs a copy of the compiled library whose offload-worker.js is replaced, in a child process.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { distCopyWith } from '../helpers/dist-copy.js';
import { pythonCheck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/tmp.js';

/** The compiled library with its writer thread module replaced by `worker` (undefined: missing). */
function libraryWith(worker: string | undefined): string {
  return distCopyWith('logger/offload-worker.js', worker)('index.js');
}

/**
 * Logs turns of 2,000 orders (each turn one batch for the thread), closes, prints stats() and how
 * many it logged: at least 20 turns, then more while the thread still runs (for a minute at most).
 * The calling thread writes until the writer thread is online, which takes seconds under load, so
 * the thread's third batch may come only after many turns.
 */
function runLogger(
  lib: string,
  dir: string,
): { writerThread: { state: string; reason: string }; written: number; logged: number } {
  const script = `
    import { createAuditLogger } from '${lib}';
    const log = createAuditLogger({ logDir: ${JSON.stringify(dir)}, handleExit: false });
    let n = 0;
    const t0 = Date.now();
    const live = () => log.stats().writerThread.state === 'running' && Date.now() - t0 < 60000;
    for (let turn = 0; turn < 20 || live(); turn++) {
      for (let i = 0; i < 2000; i++) if (log.order('OrderAccepted', { orderId: 'o' + n++ }) !== true) throw new Error('refused');
      await new Promise((r) => setTimeout(r, 2));
    }
    // The thread's death reaches the logger as an event: when its third batch came late in the
    // run, stats() could be read before that event (the thread was gone, its state still 'running').
    for (let i = 0; i < 300 && log.stats().writerThread.state === 'running'; i++) await new Promise((r) => setTimeout(r, 10));
    const before = log.stats();
    await log.close();
    console.log(JSON.stringify({ ...before, written: log.stats().written, logged: n }));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

function orderIds(dir: string): unknown[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .map((l) => (JSON.parse(l) as { order_id?: unknown }).order_id);
}

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `o${i}`);

// Each case runs a child process that writes 40,000 events or more and a Python check of the result: a few
// seconds alone, but over the default minute on a machine whose two cores run many suites at once.
const SLOW_MACHINE_MS = 240_000;

describe('batched mode when the writer thread fails', { timeout: SLOW_MACHINE_MS }, () => {
  it.each(['before', 'after'])('loses and repeats nothing when the thread dies %s writing its third batch', (when) => {
    // The real module serves jobs through a wrapped listener that ends the thread at the third
    // batch, before or after the real handler wrote it (and before its answer could be read).
    const lib = libraryWith(`
      import { parentPort } from 'node:worker_threads';
      const on = parentPort.on.bind(parentPort);
      let n = 0;
      parentPort.on = (event, listener) => on(event, (m) => {
        const third = ++n === 3;
        if (third && ${when === 'before'}) process.exit(9);
        listener(m);
        if (third) process.exit(9);
      });
      await import('./offload-worker.real.js');
    `);
    const dir = tempDir();
    const out = runLogger(lib, dir);
    expect(out.writerThread.state).toBe('stopped');
    expect(out.writerThread.reason).toMatch(/the thread stopped: exited with code 9/);
    expect(out.logged).toBeGreaterThanOrEqual(40_000);
    expect(out.written).toBe(out.logged);
    expect(orderIds(dir)).toEqual(ids(out.logged));
    expect(pythonCheck(dir)).toMatchObject({ ok: true, lines: out.logged, last_seq: out.logged });
  });

  // Inside its append: the thread ends right after it claimed its third batch (nothing written),
  // just before the write(2) of it (recorded as about to be written, not on disk), right after that
  // write (the bytes on disk, the log lock still held, not counted), and right after its append
  // returned (lock released). Before write-intent.ts, the last two wrote the batch twice. The module named is replaced
  // by one that wraps the real one; the main thread uses the real behaviour.
  it.each([
    [
      'after claiming its third batch',
      'logger/batch-claim.js',
      `import { claimUpTo as real } from './batch-claim.real.js';
      export function claimUpTo(c, id) { const r = real(c, id); if (!isMainThread && ++n === 3) process.exit(9); return r; }`,
    ],
    [
      'having recorded the write of its third batch, before making it',
      'logger/sink-lock.js',
      `import { appendAt as real } from './sink-lock.real.js';
      export * from './sink-lock.real.js';
      export function appendAt(...a) { if (!isMainThread && ++n === 3) process.exit(9); return real(...a); }`,
    ],
    [
      'after writing its third batch, holding the lock',
      'logger/sink-lock.js',
      `import { appendAt as real } from './sink-lock.real.js';
      export * from './sink-lock.real.js';
      export function appendAt(...a) { const r = real(...a); if (!isMainThread && ++n === 3) process.exit(9); return r; }`,
    ],
    [
      'after appending its third batch, before counting it',
      'logger/file-sink.js',
      `import { FileSink as Real } from './file-sink.real.js';
      export * from './file-sink.real.js';
      export class FileSink extends Real {
        append(...a) { const r = super.append(...a); if (!isMainThread && ++n === 3) process.exit(9); return r; }
      }`,
    ],
  ])('loses and repeats nothing when the thread dies %s', (_when, rel, body) => {
    const lib = distCopyWith(
      rel,
      `import { isMainThread } from 'node:worker_threads';\nlet n = 0;\n${body}`,
    )('index.js');
    const dir = tempDir();
    const out = runLogger(lib, dir);
    expect(out.writerThread.state).toBe('stopped');
    expect(out.writerThread.reason).toMatch(/the thread stopped: exited with code 9/);
    expect(out.logged).toBeGreaterThanOrEqual(40_000);
    expect(orderIds(dir)).toEqual(ids(out.logged));
    expect(out.written).toBe(out.logged);
    expect(pythonCheck(dir)).toMatchObject({ ok: true, lines: out.logged, last_seq: out.logged });
  });

  it.each([
    ['is missing', undefined, /audit writer thread cannot start: worker module not found/],
    ['throws as it loads', `throw new Error('no thread today');`, /the thread failed to start: no thread today/],
  ])('writes on the calling thread, and says why, when the thread module %s', (_what, worker, reason) => {
    const lib = libraryWith(worker);
    const dir = tempDir();
    const out = runLogger(lib, dir);
    expect(out.writerThread.state).toBe('stopped');
    expect(out.writerThread.reason).toMatch(reason);
    expect(orderIds(dir)).toEqual(ids(out.logged));
    expect(pythonCheck(dir)).toMatchObject({ ok: true, lines: out.logged });
  });
});
