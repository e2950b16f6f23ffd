/**
 * The caller's cost of two builds side by side in one process: an A/B that a busy machine cannot
 * skew towards one side, because both sides share every minute of it.
 *
 *   npx tsx bench/logger-ab.ts --a /path/to/old/dist --b dist --mix varied --calls 400000
 *
 * Each build's createAuditLogger gets a sink that writes nothing (the caller's thread only: the
 * walk, redaction, serialisation and buffering of prepare()); the same events (bench/logger-events.ts)
 * go through both in bursts of 1,000 calls, alternating A B, B A, … with a setImmediate turn after
 * each burst. Reported per build: CPU µs per call (process.cpuUsage around its own bursts) and
 * call latency p50/p99/p99.9 (every 97th call timed, as bench/logger.ts does). Run it twice with
 * --a and --b swapped: a difference smaller than the two runs' disagreement is noise.
 *
 * --files: each build logs to a log directory of its own (under a temp dir, removed afterwards)
 * with its writer thread, as an app does; CPU is then the *main thread's* only (its schedstat run
 * time, in ns, around each burst and the event-loop turn after it, where that logger's batch is
 * handed to its writer thread), so work moved to the writer thread shows up as what it is. Each
 * build's writer thread is also measured: the OS threads that appear during that build's first
 * burst (its thread starts with the first flush) are its own, and the busiest of them is the writer;
 * its CPU (/proc/self/task/<tid>/schedstat, read before close) is reported per call beside the
 * main thread's, so that a cut of the writer's work is judged on the writer's thread.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BenchEvent, logFunction, makeEvent, makeVariedEvent } from './logger-events.js';

interface Args {
  a: string;
  b: string;
  mix: 'standard' | 'varied';
  calls: number;
  files: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { a: '', b: 'dist', mix: 'varied', calls: 400_000, files: argv.includes('--files') };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1] ?? '';
    if (argv[i] === '--a') args.a = v;
    else if (argv[i] === '--b') args.b = v;
    else if (argv[i] === '--mix') args.mix = v === 'standard' ? 'standard' : 'varied';
    else if (argv[i] === '--calls') args.calls = Number(v);
    else continue;
    i++;
  }
  if (args.a === '' || !(args.calls > 0)) {
    throw new Error('usage: npx tsx bench/logger-ab.ts --a OLD_DIST --b NEW_DIST [--mix standard|varied] [--calls N]');
  }
  return args;
}

type Log = ((e: BenchEvent) => unknown) & { close(): Promise<void> };

/** CPU time of the calling thread so far, in µs (the first field of schedstat is ns on a CPU). */
function threadCpuMicros(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1000;
}

/** The process's OS threads and the CPU each has run so far, in µs. */
function taskCpu(): Map<number, number> {
  const out = new Map<number, number>();
  for (const t of readdirSync('/proc/self/task')) {
    try {
      out.set(Number(t), Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'latin1').split(' ')[0]) / 1000);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** Whole-process CPU so far, in µs. */
function processCpuMicros(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

/** A logger of the build in `dist` that writes nothing, and a function that logs one bench event. */
async function loggerOf(dist: string, logDir: string | undefined): Promise<Log> {
  const url = pathToFileURL(resolve(dist, 'logger/index.js')).href;
  const { createAuditLogger } = (await import(url)) as typeof import('../src/logger/index.js');
  const sink = {
    append: (b: readonly unknown[]) => b.length,
    sync: async () => undefined,
    syncSync: () => undefined,
    close: () => undefined,
  };
  const logger = createAuditLogger(logDir === undefined ? { sink, handleExit: false } : { logDir, handleExit: false });
  const log = logFunction(logger);
  return Object.assign(log, { close: () => logger.close() });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const make = args.mix === 'varied' ? makeVariedEvent : makeEvent;
  const events = Array.from({ length: 20_000 }, (_, i) => make(i));
  const tmp = args.files ? mkdtempSync(join(tmpdir(), 'auditpack-ab-')) : undefined;
  const dirOf = (k: string): string | undefined => (tmp === undefined ? undefined : join(tmp, k));
  const logs = [await loggerOf(args.a, dirOf('a')), await loggerOf(args.b, dirOf('b'))];
  const cpuNow = args.files ? threadCpuMicros : processCpuMicros;
  const cpu = [0, 0];
  const lat: number[][] = [[], []];
  // The threads each build's first burst started (its writer thread among them): see the header.
  const known = new Set(taskCpu().keys());
  const started: number[][] = [[], []];
  for (let base = 0, turn = 0; base < args.calls; base += 1000, turn++) {
    for (const k of turn % 2 === 1 ? [1, 0] : [0, 1]) {
      const log = logs[k] as Log;
      const samples = lat[k] as number[];
      const c0 = cpuNow();
      for (let i = base; i < base + 1000; i++) {
        const e = events[i % events.length] as BenchEvent;
        if (i % 97 !== 0) {
          log(e);
          continue;
        }
        const t = process.hrtime.bigint();
        log(e);
        samples.push(Number(process.hrtime.bigint() - t));
      }
      if (!args.files) cpu[k] = (cpu[k] as number) + cpuNow() - c0;
      await new Promise<void>((r) => setImmediate(r));
      if (args.files) cpu[k] = (cpu[k] as number) + cpuNow() - c0;
      if (args.files && turn === 0) {
        for (const tid of taskCpu().keys()) if (!known.has(tid)) (started[k] as number[]).push(tid);
        for (const tid of started[k] as number[]) known.add(tid);
      }
    }
  }
  const atEnd = taskCpu();
  const writerCpu = started.map((tids) => Math.max(0, ...tids.map((t) => atEnd.get(t) ?? 0)));
  for (const log of logs) await log.close();
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  for (const k of [0, 1]) {
    const s = (lat[k] as number[]).sort((x, y) => x - y);
    const q = (p: number): string => (((s[Math.floor(p * s.length)] as number) ?? 0) / 1000).toFixed(2);
    const name = k === 0 ? `A ${args.a}` : `B ${args.b}`;
    console.log(
      `${name} (${args.mix}${args.files ? ', files, main thread' : ''}): CPU ${((cpu[k] as number) / args.calls).toFixed(2)} µs/call${args.files ? `  writer thread ${((writerCpu[k] as number) / args.calls).toFixed(2)} µs/call (threads started: ${(started[k] as number[]).length})` : ''}  p50 ${q(0.5)}  p99 ${q(0.99)}  p99.9 ${q(0.999)} µs`,
    );
  }
}

await main();
