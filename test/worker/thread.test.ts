/**
 * The worker-thread primitive (src/worker/): a real thread running the compiled primitive, results
 * in submission order, typed errors, a thread that dies mid-job, the fallbacks, and a process that
 * ends by itself whether or not close() was called.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditpackError } from '../../src/errors.js';
import {
  COMPACT_THREAD_HEAP,
  findWorkerScript,
  type JobThread,
  startThread,
  workerActivity,
} from '../../src/worker/index.js';
// @ts-expect-error plain JavaScript fixture, no declarations
import { setupFixture, useErrorClass } from './fixture-jobs.mjs';

type Job =
  | { type: 'echo'; value: unknown; delayMs?: number }
  | { type: 'typed'; code: string }
  | { type: 'plain' }
  | { type: 'crash'; delayMs?: number }
  | { type: 'hang' }
  | { type: 'limits' };
type Result = { value: unknown; threadId: number };

const SCRIPT = new URL('./fixture-worker.mjs', import.meta.url);
const open: JobThread<unknown, Job, Result>[] = [];

function start(
  extra: {
    init?: unknown;
    threads?: boolean;
    onCrash?: 'inline' | 'reject';
    inline?: boolean;
    script?: URL;
    resourceLimits?: typeof COMPACT_THREAD_HEAP;
    startLimitMs?: number;
  } = {},
): JobThread<unknown, Job, Result> {
  const t = startThread<unknown, Job, Result>({
    name: 'fixture',
    script: extra.script ?? SCRIPT,
    init: extra.init ?? {},
    inline: extra.inline === false ? undefined : setupFixture,
    threads: extra.threads,
    onCrash: extra.onCrash,
    resourceLimits: extra.resourceLimits,
    startLimitMs: extra.startLimitMs,
  });
  open.push(t);
  return t;
}

beforeAll(() => useErrorClass(AuditpackError));
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

async function rejection(p: Promise<unknown>): Promise<AuditpackError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AuditpackError);
  return e as AuditpackError;
}

describe('startThread', () => {
  it('runs jobs in another thread and settles them in submission order, thread and inline mixed', async () => {
    const t = start();
    expect(t.mode).toBe('thread');
    expect(t.waitUntilRunning(10_000)).toBe(true);
    const order: number[] = [];
    const all: Promise<Result>[] = [];
    for (let i = 0; i < 40; i++) {
      // Later jobs finish first in the thread (shorter delays); every third runs here at once.
      const job: Job = { type: 'echo', value: i, delayMs: (40 - i) % 7 };
      const p = i % 3 === 0 ? t.runHere(job) : t.run(job);
      all.push(
        p.then((r) => {
          order.push(i);
          return r;
        }),
      );
    }
    const results = await Promise.all(all);
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(results.map((r) => r.value)).toEqual(order);
    for (const [i, r] of results.entries()) {
      if (i % 3 === 0) expect(r.threadId).toBe(threadId);
      else expect(r.threadId).not.toBe(threadId);
    }
    const s = t.stats();
    expect(s).toMatchObject({ mode: 'thread', reason: undefined, threadJobs: 26, inlineJobs: 14 });
    expect(s.threadId).toBe(results[1]?.threadId);
    expect(workerActivity('fixture').threadIds).toContain(s.threadId);
  });

  it('gives the caller typed errors: AuditpackError codes cross the thread, anything else is INTERNAL', async () => {
    const t = start();
    const typed = await rejection(t.run({ type: 'typed', code: 'PACK_EXISTS' }));
    expect(typed.code).toBe('PACK_EXISTS');
    expect(typed.details).toEqual({ n: 1 });
    const plain = await rejection(t.run({ type: 'plain' }));
    expect(plain.code).toBe('INTERNAL');
    expect(plain.message).toContain('plain failure');
    expect(String((plain.cause as Error).stack)).toContain('fixture-jobs.mjs');
    // The thread is still there for the next job.
    expect((await t.run({ type: 'echo', value: 'after' })).threadId).not.toBe(threadId);
    // The same errors, run here.
    expect((await rejection(t.runHere({ type: 'typed', code: 'KEY_INVALID' }))).code).toBe('KEY_INVALID');
    expect((await rejection(t.runHere({ type: 'plain' }))).code).toBe('INTERNAL');
  });

  it('re-runs here, in order, the jobs a thread that died mid-job left unanswered', async () => {
    const t = start();
    const first = await t.run({ type: 'echo', value: 'before' });
    const p = [
      t.run({ type: 'echo', value: 0, delayMs: 1 }),
      t.run({ type: 'crash', delayMs: 20 }),
      t.run({ type: 'echo', value: 2, delayMs: 300 }),
      t.run({ type: 'echo', value: 3 }),
    ];
    const r = await Promise.all(p);
    expect(r.map((x) => x.value)).toEqual([0, 'survived', 2, 3]);
    expect(first.threadId).not.toBe(threadId);
    expect(r[1]?.threadId).toBe(threadId);
    expect(t.mode).toBe('inline');
    expect(t.stats().reason).toMatch(/the thread stopped: exited with code 7/);
    // From now on jobs run here.
    expect((await t.run({ type: 'echo', value: 'later' })).threadId).toBe(threadId);
  });

  it("rejects a dead thread's jobs with WORKER_FAILED when the caller keeps its own fallback", async () => {
    const t = start({ onCrash: 'reject' });
    const ok = t.run({ type: 'echo', value: 1 });
    const crash = t.run({ type: 'crash', delayMs: 20 });
    const after = t.run({ type: 'echo', value: 3, delayMs: 500 });
    expect((await ok).value).toBe(1);
    const e = await rejection(crash);
    expect(e.code).toBe('WORKER_FAILED');
    expect(e.details).toMatchObject({ worker: 'fixture', started: true });
    expect((await rejection(after)).code).toBe('WORKER_FAILED');
  });

  it('whenRunning: true once the thread runs; false at once for a thread that ends before it runs, and for none', async () => {
    expect(await start().whenRunning(10_000)).toBe(true);
    const dead = start({ script: new URL('./fixture-exits.mjs', import.meta.url) });
    const t0 = Date.now();
    // Blocked in Atomics.wait (waitUntilRunning), the caller cannot hear of the exit and sits the timeout out.
    expect(await dead.whenRunning(60_000)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(dead.mode).toBe('inline');
    expect((await dead.run({ type: 'echo', value: 'z' })).value).toBe('z');
    expect(await start({ threads: false }).whenRunning(10)).toBe(false);
  });

  it('gives up a thread that comes up and never runs its handler: its jobs run here (or are rejected)', async () => {
    const stuck = start({ script: new URL('./fixture-never-runs.mjs', import.meta.url), startLimitMs: 500 });
    const jobs = [stuck.run({ type: 'echo', value: 1 }), stuck.run({ type: 'echo', value: 2 })];
    expect((await Promise.all(jobs)).map((r) => [r.value, r.threadId])).toEqual([
      [1, threadId],
      [2, threadId],
    ]);
    expect(stuck.mode).toBe('inline');
    expect(stuck.stats().reason).toMatch(/failed to start: it did not run within 0.5 s/);
    const rejecting = start({
      script: new URL('./fixture-never-runs.mjs', import.meta.url),
      startLimitMs: 500,
      onCrash: 'reject',
    });
    const e = await rejection(rejecting.run({ type: 'echo', value: 3 }));
    expect([e.code, e.details]).toEqual(['WORKER_FAILED', { worker: 'fixture', started: false }]);
  });

  it('falls back to this thread, and says why, when threads are off, the module is missing or it fails to start', async () => {
    const off = start({ threads: false });
    expect(off.mode).toBe('inline');
    expect(off.waitUntilRunning(10)).toBe(false);
    expect((await off.run({ type: 'echo', value: 'x' })).threadId).toBe(threadId);
    expect(off.stats().reason).toBe('threads turned off');

    const missing = start({ script: new URL('./no-such-worker.mjs', import.meta.url) });
    expect(missing.mode).toBe('inline');
    expect(missing.stats().reason).toMatch(/worker module not found/);
    expect((await missing.run({ type: 'echo', value: 'y' })).value).toBe('y');

    const broken = start({ init: { failSetupInThread: true } });
    const jobs = [broken.run({ type: 'echo', value: 'a' }), broken.run({ type: 'echo', value: 'b' })];
    expect((await Promise.all(jobs)).map((r) => [r.value, r.threadId])).toEqual([
      ['a', threadId],
      ['b', threadId],
    ]);
    expect(broken.stats().reason).toMatch(/the thread failed to start: setup failed on purpose/);
    expect(workerActivity('fixture').fallbacks).toEqual(
      expect.arrayContaining(['threads turned off', expect.stringMatching(/failed to start/)]),
    );
  });

  it('without an inline handler, a job that cannot have a thread is rejected, never dropped', async () => {
    const t = start({ inline: false, script: new URL('./no-such-worker.mjs', import.meta.url) });
    const e = await rejection(t.run({ type: 'echo', value: 1 }));
    expect(e.code).toBe('WORKER_FAILED');
    expect(e.message).toMatch(/no thread .*not found.* and no inline handler/);
  });

  it('close() rejects what the thread still holds and ends it', async () => {
    const t = start();
    const hung = t.run({ type: 'hang' });
    await t.close();
    const e = await rejection(hung);
    expect(e.code).toBe('WORKER_FAILED');
    expect(e.message).toMatch(/closed before it answered/);
    expect(t.mode).toBe('inline');
  });
});

describe('heap limits', () => {
  it('starts the thread with the resource limits asked for (a compact young generation), V8 defaults otherwise', async () => {
    const compact = start({ resourceLimits: COMPACT_THREAD_HEAP });
    const plain = start();
    const [c, p] = await Promise.all([compact.run({ type: 'limits' }), plain.run({ type: 'limits' })]);
    expect(c.threadId).not.toBe(threadId);
    const limits = c.value as { maxYoungGenerationSizeMb: number; maxOldGenerationSizeMb: number };
    expect(limits.maxYoungGenerationSizeMb).toBe(COMPACT_THREAD_HEAP.maxYoungGenerationSizeMb);
    // Only the young generation is capped: the old one keeps V8's default (a large job never dies of it).
    expect(limits.maxOldGenerationSizeMb).toBe((p.value as { maxOldGenerationSizeMb: number }).maxOldGenerationSizeMb);
    expect((p.value as { maxYoungGenerationSizeMb: number }).maxYoungGenerationSizeMb).toBeGreaterThan(
      limits.maxYoungGenerationSizeMb,
    );
  });
});

describe('shutdown', () => {
  const dist = new URL('../../dist/worker/index.js', import.meta.url).href;
  const run = (body: string) =>
    spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { startThread } from '${dist}';
         import { setupFixture } from '${new URL('./fixture-jobs.mjs', import.meta.url).href}';
         const t = startThread({ name: 'fixture', script: new URL('${SCRIPT.href}'), init: {}, inline: setupFixture });
         ${body}`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );

  it('an idle thread never keeps the process alive, even without close()', () => {
    const r = run(`const x = await t.run({ type: 'echo', value: 'done' }); console.log(x.value, x.threadId > 0);`);
    expect(r.error).toBeUndefined(); // no timeout: the process ended by itself
    expect(r.stdout.trim()).toBe('done true');
    expect(r.status).toBe(0);
  });

  it('close() keeps the process alive until the thread has ended, even when its online event comes after', () => {
    // Blocked until the thread runs, this thread has not heard it is online when close() ends it;
    // an 'online' handler that unref'd the thread then left nothing holding the process during
    // close()'s wait: Node.js ended it with exit 13 ("unsettled top-level await"), every run.
    const r = run(
      `const up = t.waitUntilRunning(10_000); await t.close(); console.log('closed', up, t.stats().reason);`,
    );
    expect(r.error).toBeUndefined();
    expect([r.status, r.stdout.trim(), r.stderr]).toEqual([0, 'closed true closed', '']);
  });

  it('a job in the thread keeps the process alive until it is answered', () => {
    const r = run(`t.run({ type: 'echo', value: 'late', delayMs: 300 }).then((x) => console.log(x.value));`);
    expect(r.error).toBeUndefined();
    expect(r.stdout.trim()).toBe('late');
  });
});

describe('findWorkerScript', () => {
  it('from source, finds the compiled module in dist/ (never a TypeScript loader)', async () => {
    // The TypeScript module itself (a `.ts` import is left to vite: test/compiled-sources.ts).
    const source = '../../src/worker/script.ts';
    const fromSource: typeof import('../../src/worker/script.js') = await import(/* @vite-ignore */ source);
    const found = fromSource.findWorkerScript(new URL('../../src/verify/hash-worker.js', import.meta.url));
    expect('url' in found && fileURLToPath(found.url)).toBe(
      fileURLToPath(new URL('../../dist/verify/hash-worker.js', import.meta.url)),
    );
    expect(findWorkerScript(new URL('https://example.com/w.js'))).toEqual({
      missing: 'not a file URL: https://example.com/w.js',
    });
    expect(findWorkerScript(new URL('./none.js', import.meta.url))).toMatchObject({
      missing: expect.stringMatching(/worker module not found/),
    });
    expect(fromSource.findWorkerScript(new URL('./none.js', import.meta.url))).toMatchObject({
      missing: expect.stringMatching(/worker module not found/),
    });
  });
});
