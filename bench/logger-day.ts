/**
 * Does an event cost more late in a long day? Two views, per OS thread (Linux, /proc):
 *
 *   npx tsx bench/logger-day.ts --dist dist --events 3000000 --step 250000
 *       one logger, the varied mix built per call in bursts of 1,000 as bench/logger.ts does; every
 *       `--step` events: CPU µs an event of the main thread and of the writer thread (the busiest
 *       other thread) and of every other thread together (V8's helpers), the main thread's wait for
 *       a core (schedstat's run-queue time), the time it slept in backpressure (Atomics.wait), the
 *       main heap's old space, the log's size and the machine's dirty page cache. A cost that grows with the day shows as a trend
 *       down the rows; the load shows beside each row, since other processes move every level.
 *   npx tsx bench/logger-day.ts --dist dist --late 2500000 --early 200000 --calls 400000
 *       two loggers of the same build in one process: one has logged `--late` events (its file and its
 *       writer thread are that far into the day), the other `--early`; then bursts alternate between
 *       them (A B, B A, …) and each one's main-thread CPU (around its bursts) and writer-thread CPU
 *       are reported a call. A busy machine moves both alike, so a difference is the day's.
 *
 * Logs go to a temporary directory, removed afterwards. Needs `npm run build` (or `--dist` elsewhere).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { pathToFileURL } from 'node:url';
import { logFunction, makeVariedEvent } from './logger-events.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};

interface Task {
  /** ns on a CPU, ns waiting for one (schedstat). */
  run: number;
  queued: number;
}

/** Every OS thread of the process and its schedstat so far. */
function tasks(): Map<number, Task> {
  const out = new Map<number, Task>();
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const [run, queued] = readFileSync(`/proc/self/task/${t}/schedstat`, 'latin1').split(' ');
      out.set(Number(t), { run: Number(run), queued: Number(queued) });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** The machine's dirty and under-writeback page cache, MiB (/proc/meminfo): the kernel's writeback competes for the cores. */
function dirtyMiB(): string {
  const m = readFileSync('/proc/meminfo', 'latin1');
  const kib = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(m)?.[1] ?? 0);
  return `${(kib('Dirty') / 1024).toFixed(0)} / ${(kib('Writeback') / 1024).toFixed(0)}`;
}

const load = (): string => readFileSync('/proc/loadavg', 'latin1').split(' ')[0] as string;
const turn = (): Promise<void> => new Promise<void>((r) => setImmediate(r));

function logBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) if (f.endsWith('.jsonl')) n += statSync(join(dir, f)).size;
  return n;
}

type Log = ReturnType<typeof logFunction>;

async function loggerOf(dist: string, dir: string): Promise<{ log: Log; close: () => Promise<void> }> {
  const url = pathToFileURL(resolve(dist, 'logger/index.js')).href;
  const { createAuditLogger } = (await import(url)) as typeof import('../src/logger/index.js');
  const logger = createAuditLogger({ logDir: dir, handleExit: false });
  return { log: logFunction(logger), close: () => logger.close() };
}

/** Per-step rows of one long run. */
async function curve(dist: string, tmp: string): Promise<void> {
  const events = Number(arg('events', '3000000'));
  const step = Number(arg('step', '250000'));
  // Backpressure sleeps on Atomics.wait (src/logger/offload.ts): its wall time, summed.
  let slept = 0n;
  const wait = Atomics.wait;
  Atomics.wait = ((...a: Parameters<typeof Atomics.wait>) => {
    const t = process.hrtime.bigint();
    const r = wait(...a);
    slept += process.hrtime.bigint() - t;
    return r;
  }) as typeof Atomics.wait;
  const { log, close } = await loggerOf(dist, tmp);
  let before = tasks();
  const per = (ns: number): string => (ns / step / 1000).toFixed(2);
  const row = (at: number): void => {
    const now = tasks();
    const delta = (tid: number, k: keyof Task): number => (now.get(tid)?.[k] ?? 0) - (before.get(tid)?.[k] ?? 0);
    const others = [...now.keys()].filter((t) => t !== process.pid).sort((a, b) => delta(b, 'run') - delta(a, 'run'));
    const writer = others[0] ?? -1;
    const rest = others.slice(1).reduce((s, t) => s + delta(t, 'run'), 0);
    const old = getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.space_used_size ?? 0;
    console.log(
      `| ${at.toLocaleString('en')} | ${per(delta(process.pid, 'run'))} | ${per(delta(writer, 'run'))} | ${per(rest)} | ${per(delta(process.pid, 'queued'))} | ${per(Number(slept))} | ${(old / 2 ** 20).toFixed(0)} | ${(logBytes(tmp) / 2 ** 20).toFixed(0)} | ${dirtyMiB()} | ${load()} |`,
    );
    before = now;
    slept = 0n;
  };
  console.log(
    '| events | main µs/event | writer | other threads | main waiting for a core | backpressure | old space MiB | log MiB | dirty / writeback MiB | load |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (let base = 0; base < events; base += 1000) {
    for (let i = base; i < base + 1000; i++) log(makeVariedEvent(i));
    await turn();
    if ((base + 1000) % step === 0) row(base + 1000);
  }
  await close();
}

/** Early against late in one process. */
async function lateEarly(dist: string, tmp: string): Promise<void> {
  const late = Number(arg('late', '2500000'));
  const early = Math.max(1000, Number(arg('early', '200000')));
  const calls = Number(arg('calls', '400000'));
  const cpu = (): number => Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]);
  const loggers = [await loggerOf(dist, join(tmp, 'early')), await loggerOf(dist, join(tmp, 'late'))];
  const starts = [early, late];
  // Each logger's own threads: the ones that appear while it alone logs its head start.
  const threads: number[][] = [];
  for (const k of [1, 0]) {
    const known = tasks();
    const { log } = loggers[k] as (typeof loggers)[0];
    for (let base = 0; base < (starts[k] as number); base += 1000) {
      for (let i = base; i < base + 1000; i++) log(makeVariedEvent(i));
      await turn();
    }
    threads[k] = [...tasks().keys()].filter((t) => !known.has(t));
  }
  const t0 = tasks();
  const main = [0, 0];
  for (let base = 0, n = 0; base < calls; base += 1000, n++) {
    for (const k of n % 2 === 1 ? [1, 0] : [0, 1]) {
      const { log } = loggers[k] as (typeof loggers)[0];
      const at = starts[k] as number;
      const c0 = cpu();
      for (let i = base; i < base + 1000; i++) log(makeVariedEvent(at + i));
      await turn();
      main[k] = (main[k] as number) + cpu() - c0;
    }
  }
  const t1 = tasks();
  const writer = (k: number): number =>
    Math.max(0, ...(threads[k] as number[]).map((t) => (t1.get(t)?.run ?? 0) - (t0.get(t)?.run ?? 0)));
  for (const k of [0, 1]) {
    const name = k === 0 ? `early (from ${early.toLocaleString('en')})` : `late (from ${late.toLocaleString('en')})`;
    console.log(
      `${name}: main ${((main[k] as number) / calls / 1000).toFixed(2)} µs/call, writer ${(writer(k) / calls / 1000).toFixed(2)} µs/call, log ${(logBytes(join(tmp, k === 0 ? 'early' : 'late')) / 2 ** 20).toFixed(0)} MiB; load ${load()}`,
    );
  }
  for (const l of loggers) await l.close();
}

const dist = arg('dist', 'dist');
const tmp = mkdtempSync(join(tmpdir(), 'auditpack-day-'));
try {
  await (process.argv.includes('--late') ? lateEarly(dist, tmp) : curve(dist, tmp));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
