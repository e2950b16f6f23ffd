/**
 * Another process holds the log lock (a stopped `auditpack log`, ^Z, a debugger, a frozen VM): the
 * application's logger buffers and tries again on a timer instead of blocking its thread in the
 * lock (README, AUDITPACK_LOCK_TIMEOUT; docs/decisions.md). Real processes: a holder that keeps
 * `.audit.lock` until told to let go, and an app that logs (batched and durable) while it holds it.
 * Before the fix the app's thread stopped in the lock at its first flush, so its timers never ran,
 * it never told the holder to let go, and the child was ended by spawnSync's bound.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyLogDir } from '../../src/verify/index.js';
import { pythonCheck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/tmp.js';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const LOCK = fileURLToPath(new URL('../../dist/logger/lock.js', import.meta.url));
const PREPARE = fileURLToPath(new URL('../../dist/logger/prepare.js', import.meta.url));

/** Takes the lock, says "held", lets go on "release" (at once) or "later" (after a short while). */
function holder(logDir: string): string {
  return `
    const { loadFileLock } = await import(${JSON.stringify(LOCK)});
    const { openSync, closeSync } = await import('node:fs');
    const fd = openSync(${JSON.stringify(join(logDir, '.audit.lock'))}, 'r+');
    loadFileLock().lock(fd);
    console.log('held');
    process.stdin.on('end', () => process.exit(0)); // the app is gone
    process.stdin.on('data', (d) => {
      const go = () => { closeSync(fd); process.exit(0); };
      if (String(d).includes('later')) setTimeout(go, 200); else go();
    });`;
}

/** The app: a first logger makes the directory, then the holder takes the lock and `body` runs. */
function runApp(logDir: string, body: string) {
  const script = `
    const { createAuditLogger } = await import(${JSON.stringify(DIST)});
    const { spawn } = await import('node:child_process');
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = ${JSON.stringify(logDir)};
    const onDisk = () => readdirSync(dir).filter((f) => f.endsWith('.jsonl'))
      .map((f) => readFileSync(dir + '/' + f, 'utf8')).join('').split('\\n').filter(Boolean).length;
    const setup = createAuditLogger({ logDir: dir, heartbeatMinutes: 0, handleExit: false });
    setup.log('test', 'Setup', {});
    await setup.close();
    const h = spawn(process.execPath, ['--input-type=module', '-e', ${JSON.stringify(holder(logDir))}],
      { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise((r) => h.stdout.once('data', r));
    const tick = () => new Promise((r) => setTimeout(r, 5)).then(() => new Promise((r) => setImmediate(r)));
    ${body}`;
  // A bound, so an app whose thread stops in the lock fails the test instead of hanging it. SIGKILL:
  // such an app's SIGTERM listener (the logger's exit flush) never runs, so SIGTERM would not end it.
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
}

function lines(dir: string): Record<string, unknown>[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The `n` field of the events named `event`, in file order. */
function numbers(dir: string, event: string): number[] {
  return lines(dir)
    .filter((l) => l.event === event)
    .map((l) => l.n as number);
}

function expectIntact(dir: string): void {
  const ls = lines(dir);
  expect(ls.map((l) => l.seq)).toEqual(ls.map((_, i) => i + 1));
  expect(pythonCheck(dir).ok).toBe(true);
}

describe('another process holds the log lock', { timeout: 120_000 }, () => {
  it('the app keeps running, buffers, and writes every event once, in order, after the holder lets go', async () => {
    const dir = join(tempDir(), 'logs');
    const r = runApp(
      dir,
      `
      const before = onDisk();
      const errors = [];
      const batched = createAuditLogger({ logDir: dir, heartbeatMinutes: 0 });
      const durable = createAuditLogger({ logDir: dir, durability: 'durable', heartbeatMinutes: 0 });
      batched.on('error', (e) => errors.push(e.code));
      durable.on('error', (e) => errors.push(e.code));
      const outcomes = [];
      const ps = [];
      let ticks = 0;
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 20; i++) batched.log('test', 'B', { n: round * 20 + i });
        const p = durable.log('test', 'D', { n: round });
        p.then(() => outcomes.push('resolved'), (e) => outcomes.push(e.code));
        ps.push(p);
        await tick(); // a timer and an immediate callback run while the lock is held
        ticks++;
      }
      let flushed = false;
      const f = batched.flush().then(() => { flushed = true; });
      await tick();
      const held = { ticks, written: onDisk() - before, outcomes: [...outcomes], flushed, errors: [...errors],
        batched: batched.stats().buffered, durable: durable.stats().buffered };
      h.stdin.write('release\\n');
      await Promise.all(ps);
      await f;
      await batched.close();
      await durable.close();
      console.log(JSON.stringify({ held, outcomes, errors }));`,
    );
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      held: Record<string, unknown>;
      outcomes: string[];
      errors: string[];
    };
    // While held: the app's callbacks ran, nothing was written, nothing settled, nothing failed.
    expect(out.held).toEqual({
      ticks: 5,
      written: 0,
      outcomes: [],
      flushed: false,
      errors: [],
      batched: 100,
      durable: 5,
    });
    // After: every durable promise resolved; every event once, in order; the chain intact.
    expect(out.outcomes).toEqual(Array(5).fill('resolved'));
    expect(out.errors).toEqual([]);
    expect(numbers(dir, 'B')).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(numbers(dir, 'D')).toEqual([0, 1, 2, 3, 4]);
    expect((await verifyLogDir(dir)).ok).toBe(true);
    expectIntact(dir);
  });

  it('a busy logger (the writer thread waits for the lock) keeps the app running and loses nothing', async () => {
    const dir = join(tempDir(), 'logs');
    const r = runApp(
      dir,
      `
      const log = createAuditLogger({ logDir: dir, heartbeatMinutes: 0 });
      let n = 0;
      for (let round = 0; round < 40; round++) {
        for (let i = 0; i < 1000; i++) log.log('test', 'B', { n: n++ });
        await tick();
      }
      const held = log.stats();
      h.stdin.write('release\\n');
      await log.close();
      console.log(JSON.stringify({ refused: held.refused, written: held.written }));`,
    );
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ refused: 0, written: 0 });
    expect(numbers(dir, 'B')).toEqual(Array.from({ length: 40_000 }, (_, i) => i));
    expect((await verifyLogDir(dir)).ok).toBe(true);
    expectIntact(dir);
  });

  it('past maxBufferBytes events are refused and counted, as for a full disk; the rest are written', async () => {
    const dir = join(tempDir(), 'logs');
    const r = runApp(
      dir,
      `
      const log = createAuditLogger({ logDir: dir, heartbeatMinutes: 0, maxBufferBytes: 64 * 1024, flushBytes: 16 * 1024 });
      const codes = [];
      log.on('error', (e) => codes.push(e.code + ': ' + e.message));
      const accepted = [];
      for (let i = 0; i < 2000; i++) if (log.log('test', 'B', { n: i })) accepted.push(i);
      await tick();
      h.stdin.write('release\\n');
      await log.close();
      console.log(JSON.stringify({ accepted, codes, refused: log.stats().refused }));`,
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { accepted: number[]; codes: string[]; refused: number };
    expect(out.accepted.length).toBeGreaterThan(0);
    expect(out.refused).toBe(2000 - out.accepted.length);
    expect(out.refused).toBeGreaterThan(0);
    expect(out.codes).toEqual([expect.stringMatching(/^LOG_BUFFER_FULL: .*another process holds the log lock/)]);
    expect(numbers(dir, 'B')).toEqual(out.accepted);
    const refusals = lines(dir).filter((l) => l.event === 'EventsRefused');
    expect(refusals.map((l) => l.count)).toEqual([out.refused]);
    expectIntact(dir);
  });

  it('a try that finds the lock busy does no work per buffered event: each is finished (its long text scanned) once, under the lock', async () => {
    const dir = join(tempDir(), 'logs');
    // The app's own EventPreparer (the module the logger loaded), counted: finish() scans the long
    // free text left for the writer (deferred.ts). Before, every retry (every <=100 ms) finished the
    // whole backlog again, so a lock held long cost CPU in proportion to the backlog.
    const r = runApp(
      dir,
      `
      const { EventPreparer } = await import(${JSON.stringify(PREPARE)});
      const count = { calls: 0, events: 0, deferred: 0 };
      const finish = EventPreparer.prototype.finish;
      EventPreparer.prototype.finish = function (events) {
        count.calls++;
        count.events += events.length;
        for (const ev of events) if (ev.deferred !== undefined) count.deferred++;
        return finish.call(this, events);
      };
      const batched = createAuditLogger({ logDir: dir, heartbeatMinutes: 0 });
      const durable = createAuditLogger({ logDir: dir, durability: 'durable', heartbeatMinutes: 0 });
      const note = 'lorem ipsum '.repeat(400);
      // Fewer than the writer thread's start (256 events): this thread writes, and retries.
      for (let i = 0; i < 100; i++) batched.log('test', 'B', { n: i, note: i === 7 ? note + ' AKIAQWERTYUIOPASDFGH' : note });
      const ps = [];
      for (let i = 0; i < 20; i++) ps.push(durable.log('test', 'D', { n: i }));
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      for (let i = 0; i < 10; i++) { await sleep(60); await tick(); } // ~10 retries of each
      const held = { ...count };
      h.stdin.write('release\\n');
      await Promise.all(ps);
      await batched.close();
      await durable.close();
      console.log(JSON.stringify({ held, after: count }));`,
    );
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { held: Record<string, number>; after: Record<string, number> };
    // While held: nothing finished at all. After: each deferred event finished exactly once.
    expect(out.held).toEqual({ calls: 0, events: 0, deferred: 0 });
    expect(out.after.deferred).toBe(100);
    expect(numbers(dir, 'B')).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(numbers(dir, 'D')).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // The long text was still scanned before it was written: the secret is redacted.
    const seventh = lines(dir).find((l) => l.event === 'B' && l.n === 7) as Record<string, unknown>;
    expect(String(seventh.note)).not.toContain('AKIAQWERTYUIOPASDFGH');
    expect(seventh.redacted).toEqual(['note']);
    expect((await verifyLogDir(dir)).ok).toBe(true);
    expectIntact(dir);
  });

  it('SIGTERM while the app buffers behind the lock: the handler runs, waits for the lock, writes, and the process ends', async () => {
    const dir = join(tempDir(), 'logs');
    const r = runApp(
      dir,
      `
      const log = createAuditLogger({ logDir: dir, heartbeatMinutes: 0 });
      for (let i = 0; i < 50; i++) log.log('test', 'B', { n: i });
      await tick();
      h.stdin.write('later\\n');
      process.kill(process.pid, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 60_000));`,
    );
    expect(r.error).toBeUndefined();
    expect(r.signal).toBe('SIGTERM');
    expect(numbers(dir, 'B')).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expectIntact(dir);
  });

  it.each([
    ['batched', '{}'],
    ['batched, writer thread running', '{ warm: true }'],
    ['durable', "{ durability: 'durable' }"],
  ])('a signal the app handles itself does not stop its thread while the lock is held (%s)', (_name, opts) => {
    // The signal's flush is no last chance when the process goes on: it must not wait for the
    // holder (a stopped writer holds the lock for good). Before, the app's thread stopped in it.
    const dir = join(tempDir(), 'logs');
    const r = runApp(
      dir,
      `
      const o = ${opts};
      const log = createAuditLogger({ logDir: dir, heartbeatMinutes: 0, durability: o.durability ?? 'batched' });
      process.on('SIGHUP', () => {}); // a config reload: the process goes on
      if (o.warm) {
        h.stdin.write('release\\n'); // the thread starts and writes while the lock is free
        await new Promise((r) => h.on('exit', r));
        for (let i = 0; i < 1000; i++) log.log('test', 'W', { n: i });
        await log.flush();
        while (log.stats().writerThread.state !== 'running') await tick();
        const h2 = spawn(process.execPath, ['--input-type=module', '-e', ${JSON.stringify(holder(dir))}], { stdio: ['pipe', 'pipe', 'inherit'] });
        await new Promise((r) => h2.stdout.once('data', r));
        globalThis.holder = h2;
      } else globalThis.holder = h;
      const ps = [];
      for (let i = 0; i < 300; i++) ps.push(log.log('test', 'S', { n: i }));
      await tick();
      process.kill(process.pid, 'SIGHUP');
      await tick(); // the app's next turn comes while the holder still holds the lock
      globalThis.holder.stdin.write('release\\n');
      await Promise.all(ps.filter((p) => p instanceof Promise));
      await log.close();
      console.log('went on');`,
    );
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('went on');
    expect(numbers(dir, 'S')).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expectIntact(dir);
  });
});
