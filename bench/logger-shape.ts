/**
 * The shape of one long logger run: is the third million slower than the first?
 *
 *   npx tsx bench/logger-shape.ts --events 3000000                 # this checkout's dist/
 *   npx tsx bench/logger-shape.ts --dist /path/to/old/dist --events 3000000
 *
 * One process logs the varied mix (bench/logger-events.ts, as bench/logger.ts's rows) through
 * createAuditLogger with its writer thread into a temp log directory, in bursts of 1,000 calls per
 * event-loop turn, and prints a row every `--step` events (100,000): CPU µs per event of the whole
 * process and of the main thread (/proc), of the other threads (writer thread, V8's helpers,
 * libuv's pool), wall µs per event, µs per event the main thread spent blocked in Atomics.wait
 * (the writer thread's backpressure), the call p99 (every 97th call timed), RSS, heap used, and the
 * machine's dirty and write-back page cache (MiB). Then the time close() took (its drain: flush(), then its
 * fdatasync and the end of the writer thread) and the totals.
 * Under load, wall figures mean nothing: compare CPU per event, and rows within one run; compare
 * builds in interleaved pairs (old, new, old, new…) and give the load beside each.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { logFunction, makeVariedEvent } from './logger-events.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}

const dist = option('--dist', 'dist');
const events = Number(option('--events', '3000000'));
const step = Number(option('--step', '100000'));
const BURST = 1000;
const SAMPLE_EVERY = 97;

/** CPU seconds (utime + stime) of one thread of this process, from /proc. */
function taskCpu(tid: string): number {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0; // the thread ended meanwhile
  }
}

function otherThreadsCpu(): number {
  let s = 0;
  for (const t of readdirSync('/proc/self/task')) if (t !== String(process.pid)) s += taskCpu(t);
  return s;
}

function meminfoMiB(key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync('/proc/meminfo', 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

// The main thread's time blocked on the writer thread: the logger blocks with Atomics.wait.
let blockedNs = 0;
const wait = Atomics.wait;
Atomics.wait = ((...a: Parameters<typeof Atomics.wait>) => {
  const t = process.hrtime.bigint();
  try {
    return wait(...a);
  } finally {
    blockedNs += Number(process.hrtime.bigint() - t);
  }
}) as typeof Atomics.wait;

const { createAuditLogger } = (await import(
  pathToFileURL(resolve(dist, 'logger/index.js')).href
)) as typeof import('../src/logger/index.js');
const dir = mkdtempSync(join(tmpdir(), 'auditpack-shape-'));
const logger = createAuditLogger({ logDir: dir, handleExit: false });
const log = logFunction(logger);

const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? 0;
const f2 = (n: number): string => n.toFixed(2);
console.log(
  `${dist}: ${events} events, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(
  'events | cpu µs/ev | main | other threads | wall | blocked | call p99 µs | RSS MiB | heap MiB | dirty MiB | write-back MiB',
);
const cpu0 = process.cpuUsage();
let at = {
  cpu: process.cpuUsage(),
  main: taskCpu(String(process.pid)),
  other: otherThreadsCpu(),
  t: process.hrtime.bigint(),
  blocked: 0,
};
let window: number[] = [];
const all: number[] = [];
for (let base = 0; base < events; base += BURST) {
  for (let i = base; i < Math.min(events, base + BURST); i++) {
    const e = makeVariedEvent(i);
    if (i % SAMPLE_EVERY !== 0) {
      log(e);
      continue;
    }
    const a = process.hrtime.bigint();
    log(e);
    const ns = Number(process.hrtime.bigint() - a);
    window.push(ns);
    all.push(ns);
  }
  await new Promise<void>((r) => setImmediate(r));
  const n = Math.min(events, base + BURST);
  if (n % step !== 0 && n !== events) continue;
  const now = {
    cpu: process.cpuUsage(),
    main: taskCpu(String(process.pid)),
    other: otherThreadsCpu(),
    t: process.hrtime.bigint(),
    blocked: blockedNs,
  };
  const per = (s: number): string => f2((s * 1e6) / step);
  const c = process.cpuUsage(at.cpu);
  const mu = process.memoryUsage();
  console.log(
    [
      n,
      per((c.user + c.system) / 1e6),
      per(now.main - at.main),
      per(now.other - at.other),
      per(Number(now.t - at.t) / 1e9),
      per((now.blocked - at.blocked) / 1e9),
      f2(p99(window) / 1000),
      (mu.rss / 2 ** 20).toFixed(0),
      (mu.heapUsed / 2 ** 20).toFixed(0),
      meminfoMiB('Dirty').toFixed(0),
      meminfoMiB('Writeback').toFixed(0),
    ].join(' | '),
  );
  at = now;
  window = [];
}
// close() split in two: flush() waits for the writer thread to write what is left (the drain),
// close() then makes it durable (fdatasync, after any write-behind flush still running) and ends it.
const t = process.hrtime.bigint();
await logger.flush();
const drainMs = Number(process.hrtime.bigint() - t) / 1e6;
await logger.close();
const closeMs = Number(process.hrtime.bigint() - t) / 1e6;
const c = process.cpuUsage(cpu0);
console.log(
  `close ${closeMs.toFixed(0)} ms (drain ${drainMs.toFixed(0)}, sync and end ${(closeMs - drainMs).toFixed(0)}); total CPU ${f2((c.user + c.system) / 1e6)} s = ${f2((c.user + c.system) / events)} µs/event, blocked ${f2(blockedNs / 1e9)} s, call p99 ${f2(p99(all) / 1000)} µs, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB, load ${loadavg()[0]?.toFixed(1)}`,
);
rmSync(dir, { recursive: true, force: true });
