/**
 * Logger benchmark: auditpack vs pino with `redact`, same events, one run.
 *
 *   npx tsx bench/logger.ts                     # 1M events each, 3M memory check, durable runs
 *   npx tsx bench/logger.ts --events 200000 --scale 0 --durable-events 20000   # quick
 *
 * Every contender runs in its own child process (fresh heap and JIT, honest peak RSS), one after
 * the other (the machine has 2 cores; running them side by side would measure contention).
 * Each writes the same deterministic events (bench/logger-events.ts) in bursts of `--burst` calls
 * per event-loop turn, as an app receiving market events does; between bursts the loggers do their
 * asynchronous writing. Throughput is events over wall time from the first call until the logger
 * is closed (everything on disk). Call latency is timed with process.hrtime.bigint() around every
 * `--sample-every`-th call only, so the timer's own cost (~50 ns) stays out of the other calls. The
 * stride is 97, a prime: a stride of 100 with bursts of 1000 would time the first call of every
 * burst (the one that pays for the cold caches after the previous turn's write) 100x more often
 * than it occurs, and report that position's latency as the p99 of all calls.
 *
 * pino (10, `redact: { paths: ['api_key'] }`, a child logger per category, event as msg) runs in
 * the configurations pino documents: `sync` = pino.destination({ dest, sync: true }) (one write per
 * line; ~134k/s here, the figure the logger's speed goal was set against), `async` = pino.destination({ dest, sync: false })
 * (sonic-boom buffers while a write is in flight: unbounded memory when logging outpaces the disk),
 * `async-minlength` = the same with minLength 4096, `transport` = pino.transport({ target:
 * 'pino/file' }) (serialisation on the main thread, writing in a worker thread: the fastest here,
 * using the second core). The default run compares against `sync` and `transport`.
 *
 * Durable mode: C async callers each await `logger.order(...)` (resolves after fdatasync) in a loop;
 * fdatasync calls are counted by wrapping node:fs in the child before the logger is loaded. The
 * baseline is the naive way: write the line, fdatasync, per event, with the same C callers.
 *
 * Options: --events N (1,000,000)  --scale N (3,000,000; 0 skips the memory-scaling runs)
 *   --durable-events N (40,000; 0 skips)  --concurrency 1,64,256  --burst N (1000)
 *   --sample-every N (97)  --pino async|async-minlength|sync|transport|all (sync,transport)
 *   --only auditpack,pino,durable  --keep (keep the temp dir)  --cpu-prof DIR (profile the children)
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { fileURLToPath } from 'node:url';
import {
  BENCH_API_KEYS,
  BENCH_CHILDREN,
  type BenchEvent,
  childBindings,
  makeEvent,
  makeVariedEvent,
} from './logger-events.js';

/** What --help prints. */
const USAGE = `Logger benchmark: auditpack vs pino with redact, same events, one run (needs npm run build).

  npx tsx bench/logger.ts                     # 1M events each, 3M memory check, durable runs
  npx tsx bench/logger.ts --events 200000 --scale 0 --durable-events 20000   # quick

Options: --events N (1,000,000)  --scale N (3,000,000; 0 skips the memory-scaling runs)
  --durable-events N (40,000; 0 skips)  --concurrency 1,64,256  --burst N (1000)
  --sample-every N (97)  --pino async|async-minlength|sync|transport|all (sync,transport)
  --only auditpack,pino,durable  --keep (keep the temp dir)  --cpu-prof DIR (profile the children)
  --mix standard|varied (standard: orders and fills; varied: short, long, child loggers, custom events)
  --no-build (dist/ is current)  --json FILE (write every result as JSON, for bench/lib/sweep-logger.ts)`;

/** The built library (a path in a variable, so type-checking a fresh clone does not need dist/). */
const DIST_LOGGER = new URL('../dist/logger/index.js', import.meta.url).href;

type PinoVariant = 'async' | 'async-minlength' | 'sync' | 'transport';

interface ChildSpec {
  kind: 'auditpack' | 'pino' | 'durable' | 'naive';
  dir: string;
  events: number;
  burst: number;
  sampleEvery: number;
  concurrency: number;
  pino: PinoVariant;
  mix: 'standard' | 'varied';
}

interface ChildResult {
  kind: string;
  events: number;
  seconds: number;
  latencyNs: { p50: number; p99: number; p999: number; max: number; samples: number };
  maxRssKiB: number;
  startRssKiB: number;
  peakHeapUsed: number;
  /** CPU time (user + system, all threads of the process) over the timed run. */
  cpuSeconds: number;
  /** CPU time of the main thread alone (Linux; NaN elsewhere): on two idle cores it bounds throughput. */
  mainCpuSeconds: number;
  fsyncs?: number;
}

// ----- child ------------------------------------------------------------------------------

const now = process.hrtime.bigint;

/** CPU seconds (user + system) the main thread has used, from /proc (Linux); NaN elsewhere. */
function mainThreadCpu(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

function percentiles(samples: Float64Array, n: number): ChildResult['latencyNs'] {
  const s = samples.subarray(0, n).sort();
  const at = (q: number): number => s[Math.min(n - 1, Math.floor(q * n))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: s[n - 1] ?? 0, samples: n };
}

async function runChild(spec: ChildSpec): Promise<ChildResult> {
  if (spec.kind === 'durable' || spec.kind === 'naive') return runDurable(spec);
  const make = spec.mix === 'varied' ? makeVariedEvent : makeEvent;
  const startRssKiB = Math.round(process.memoryUsage.rss() / 1024);
  let log: (e: BenchEvent) => unknown;
  let close: () => Promise<void>;
  if (spec.kind === 'auditpack') {
    const { createAuditLogger } = (await import(DIST_LOGGER)) as typeof import('../src/logger/index.js');
    // BENCH_OFFLOAD=0 measures batched mode without the writer thread, for comparison.
    const logger = createAuditLogger({
      logDir: spec.dir,
      handleExit: false,
      offload: process.env.BENCH_OFFLOAD !== '0',
    });
    // Only the varied mix logs through children (made lazily: versions before child() can run the standard mix).
    const children =
      spec.mix === 'varied' ? Array.from({ length: BENCH_CHILDREN }, (_, k) => logger.child(childBindings(k))) : [];
    log = (e) => {
      if (e.child !== undefined) return (children[e.child] as typeof logger).log(e.category, e.event, e.fields);
      if (e.category === 'order') return logger.order(e.event as 'OrderAccepted', e.fields);
      if (e.category === 'fill') return logger.fill(e.fields, e.event as 'Filled');
      return logger.log(e.category, e.event, e.fields);
    };
    close = () => logger.close();
  } else {
    const { pino } = await import('pino');
    const file = join(spec.dir, 'pino.jsonl');
    const redact = { paths: ['api_key', 'password'], censor: '[REDACTED]' };
    let stream: NodeJS.WritableStream & { end(): void; flushSync?: () => void };
    if (spec.pino === 'transport') {
      stream = pino.transport({ target: 'pino/file', options: { destination: file } }) as unknown as typeof stream;
    } else {
      stream = pino.destination({
        dest: file,
        sync: spec.pino === 'sync',
        minLength: spec.pino === 'async-minlength' ? 4096 : 0,
      }) as unknown as typeof stream;
    }
    const root = pino({ redact }, stream);
    // The idiomatic pino shape for "category + event + fields": a child per category, event as msg;
    // a child logger of the app is a child with its bindings.
    type Child = ReturnType<typeof root.child>;
    const byCategory = new Map<string, Child>();
    const children: Child[] = Array.from({ length: BENCH_CHILDREN }, (_, k) => root.child(childBindings(k)));
    const categoryLogger = (c: string): Child => {
      let l = byCategory.get(c);
      if (l === undefined) byCategory.set(c, (l = root.child({ category: c })));
      return l;
    };
    log = (e) =>
      e.child !== undefined
        ? (children[e.child] as Child).info({ category: e.category, ...e.fields }, e.event)
        : categoryLogger(e.category).info(e.fields, e.event);
    close = () =>
      new Promise<void>((resolve, reject) => {
        // sonic-boom emits 'finish' then 'close' once the fd is closed; thread-stream only 'finish'.
        stream.once(spec.pino === 'transport' ? 'finish' : 'close', () => resolve());
        stream.once('error', reject);
        stream.end();
      });
  }

  const samples = new Float64Array(Math.ceil(spec.events / spec.sampleEvery) + 1);
  let ns = 0;
  let peakHeap = 0;
  const c0 = process.cpuUsage();
  const m0 = mainThreadCpu();
  const t0 = now();
  for (let base = 0, turn = 0; base < spec.events; base += spec.burst, turn++) {
    const end = Math.min(spec.events, base + spec.burst);
    for (let i = base; i < end; i++) {
      const e = make(i);
      if (i % spec.sampleEvery === 0) {
        const a = now();
        log(e);
        samples[ns++] = Number(now() - a);
      } else {
        log(e);
      }
    }
    // The heap's size from V8 alone (~0.5 µs): process.memoryUsage() also reads the RSS from /proc
    // (~10 µs a call, 1.6 µs an event of the one-call-a-turn row's main thread in its profile).
    if (turn % 16 === 0) peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
    await new Promise<void>((r) => setImmediate(r));
  }
  await close();
  const seconds = Number(now() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  const mainCpuSeconds = mainThreadCpu() - m0;
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  return {
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    mainCpuSeconds,
    kind: spec.kind,
    events: spec.events,
    seconds,
    latencyNs: percentiles(samples, ns),
    maxRssKiB: process.resourceUsage().maxRSS,
    startRssKiB,
    peakHeapUsed: peakHeap,
  };
}

async function runDurable(spec: ChildSpec): Promise<ChildResult> {
  // Count fdatasync/fsync calls: wrap node:fs before the logger module binds its imports.
  const fs = await import('node:fs');
  const { syncBuiltinESMExports } = await import('node:module');
  let fsyncs = 0;
  const mod = fs.default as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const name of ['fdatasync', 'fsync', 'fdatasyncSync', 'fsyncSync']) {
    const orig = mod[name] as (...a: unknown[]) => unknown;
    mod[name] = function (this: unknown, ...args: unknown[]) {
      fsyncs++;
      return orig.apply(this, args);
    };
  }
  syncBuiltinESMExports();
  const startRssKiB = Math.round(process.memoryUsage.rss() / 1024);
  let write: (e: BenchEvent) => Promise<void>;
  let close: () => Promise<void>;
  if (spec.kind === 'durable') {
    const { createAuditLogger } = (await import(DIST_LOGGER)) as typeof import('../src/logger/index.js');
    const logger = createAuditLogger({ logDir: spec.dir, handleExit: false, durability: 'durable' });
    write = (e) =>
      e.category === 'order'
        ? logger.order(e.event as 'OrderAccepted', e.fields)
        : logger.fill(e.fields, e.event as 'Filled');
    close = () => logger.close();
  } else {
    // Naive: one write and one fdatasync per event (no redaction, no chain: a lower bound on work).
    const fh = await fs.promises.open(join(spec.dir, 'naive.jsonl'), 'a', 0o640);
    write = async (e) => {
      await fh.write(`${JSON.stringify({ category: e.category, event: e.event, ...e.fields })}\n`);
      fsyncs++; // FileHandle.datasync does not go through fs.fdatasync
      await fh.datasync();
    };
    close = () => fh.close();
  }
  const samples = new Float64Array(spec.events);
  let next = 0;
  let ns = 0;
  const caller = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= spec.events) return;
      const e = makeEvent(i);
      const a = now();
      await write(e);
      samples[ns++] = Number(now() - a);
    }
  };
  const c0 = process.cpuUsage();
  const t0 = now();
  await Promise.all(Array.from({ length: spec.concurrency }, caller));
  await close();
  const seconds = Number(now() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  return {
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    mainCpuSeconds: Number.NaN,
    kind: spec.kind,
    events: spec.events,
    seconds,
    latencyNs: percentiles(samples, ns),
    maxRssKiB: process.resourceUsage().maxRSS,
    startRssKiB,
    peakHeapUsed: process.memoryUsage().heapUsed,
    fsyncs,
  };
}

// ----- parent -----------------------------------------------------------------------------

interface Args {
  events: number;
  scale: number;
  durableEvents: number;
  concurrency: number[];
  burst: number;
  sampleEvery: number;
  pino: PinoVariant[];
  only: Set<string>;
  keep: boolean;
  mix: 'standard' | 'varied';
  build: boolean;
  json: string | undefined;
  cpuProf: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    events: 1_000_000,
    scale: 3_000_000,
    durableEvents: 40_000,
    concurrency: [1, 64, 256],
    burst: 1000,
    sampleEvery: 97,
    pino: ['sync', 'transport'],
    only: new Set(['auditpack', 'pino', 'durable']),
    keep: false,
    mix: 'standard',
    build: true,
    json: undefined,
    cpuProf: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const num = (): number => {
      const n = Number(val().replaceAll('_', ''));
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag}: not a whole number`);
      return n;
    };
    switch (flag) {
      case '--events':
        a.events = Math.max(1, num());
        break;
      case '--scale':
        a.scale = num();
        break;
      case '--durable-events':
        a.durableEvents = num();
        break;
      case '--concurrency':
        a.concurrency = val()
          .split(',')
          .map(Number)
          .filter((n) => n > 0);
        break;
      case '--burst':
        a.burst = Math.max(1, num());
        break;
      case '--sample-every':
        a.sampleEvery = Math.max(1, num());
        break;
      case '--pino': {
        const v = val();
        a.pino = v === 'all' ? ['async', 'async-minlength', 'sync', 'transport'] : (v.split(',') as PinoVariant[]);
        break;
      }
      case '--only':
        a.only = new Set(val().split(','));
        break;
      case '--mix': {
        const v = val();
        if (v !== 'standard' && v !== 'varied') throw new Error('--mix: standard or varied');
        a.mix = v;
        break;
      }
      case '--no-build':
        a.build = false;
        break;
      case '--json':
        a.json = val();
        break;
      case '--keep':
        a.keep = true;
        break;
      case '--cpu-prof':
        a.cpuProf = val();
        break;
      case '--help':
      case '-h':
        // The usage is this file's opening comment.
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return a;
}

const self = fileURLToPath(import.meta.url);
const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url));

function spawnChild(spec: ChildSpec, cpuProf: string | undefined): Promise<ChildResult> {
  const nodeArgs = ['--import', 'tsx'];
  if (cpuProf) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${cpuProf}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, self, '--child', JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${spec.kind} child exited with ${code}`));
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as ChildResult);
      } catch {
        reject(new Error(`${spec.kind} child printed no result: ${out.slice(-500)}`));
      }
    });
  });
}

/**
 * An auditpack log directory: the chain (seq, prev, links across days) by the library's verifyLogDir,
 * and, independently, the line count and that no api key reached the file.
 */
async function checkAuditLog(
  dir: string,
  mix: Args['mix'] = 'standard',
): Promise<{ lines: number; chainOk: boolean; redactedOk: boolean; bytes: number; problem?: string }> {
  const { verifyLogDir } = await import('../src/verify/index.js');
  const { scanLines } = await import('../src/chain/lines.js');
  const report = await verifyLogDir(dir);
  let lines = 0;
  let redactedOk = true;
  let bytes = 0;
  for (const f of readdirSync(dir).filter((n) => /^audit-\d{8}\.jsonl$/.test(n))) {
    bytes += await scanLines(join(dir, f), (l) => {
      lines++;
      const text = l.bytes?.toString('utf8') ?? '';
      if (!redactedLine(text, mix, false)) redactedOk = false;
    });
  }
  const first = report.problems.find((p) => p.severity === 'error');
  const problem = first ? `${first.code} ${first.file}:${first.line ?? '?'} ${first.detail}` : undefined;
  return {
    lines,
    chainOk: report.ok && report.checked.events === lines,
    redactedOk,
    bytes,
    ...(problem ? { problem } : {}),
  };
}

/**
 * No bench api key or password in the line; with the standard mix every line has its api_key
 * censored. pino's `redact` works on paths, so a key inside free text (the varied mix's rejection
 * reasons, `upstream said: token=<key> invalid`) stays there: that field is not held against it,
 * but such lines are counted (`missed`) and reported, so the comparison says what pino let through.
 */
function redactedLine(text: string, mix: Args['mix'], pathsOnly: boolean): boolean {
  if (mix === 'standard' && !text.includes('"api_key":"[REDACTED]"')) return false;
  if (text.includes('"password":"pw-')) return false;
  const checked = pathsOnly ? text.replace(FREE_TEXT_SECRET, '') : text;
  return !BENCH_API_KEYS.some((k) => checked.includes(k));
}

/** The varied mix's free text with a key in it (the field pino's paths cannot reach). */
const FREE_TEXT_SECRET = /"(reason|msg)":"upstream said: [^"]*"/;

/** True if the line still holds a bench api key inside free text (what path-based redaction misses). */
function missedInFreeText(text: string): boolean {
  const m = FREE_TEXT_SECRET.exec(text);
  return m !== null && BENCH_API_KEYS.some((k) => m[0].includes(k));
}

async function checkPinoLog(
  file: string,
  mix: Args['mix'] = 'standard',
): Promise<{ lines: number; redactedOk: boolean; missed: number; bytes: number }> {
  const { scanLines } = await import('../src/chain/lines.js');
  let lines = 0;
  let redactedOk = true;
  let missed = 0;
  const bytes = await scanLines(file, (l) => {
    lines++;
    const text = l.bytes?.toString('utf8') ?? '';
    if (!redactedLine(text, mix, true)) redactedOk = false;
    if (missedInFreeText(text)) missed++;
  });
  return { lines, redactedOk, missed, bytes };
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const us = (ns: number): string => (ns / 1000).toFixed(2);
const mib = (b: number): string => (b / 1024 / 1024).toFixed(0);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // auditpack is measured as an app loads it: the built JavaScript in dist/ (pino likewise runs
  // as shipped). Build first, so the figures are for the current source.
  if (args.build)
    execFileSync(process.execPath, [join(ROOT_DIR, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: ROOT_DIR,
      stdio: 'inherit',
    });
  const root = mkdtempSync(join(tmpdir(), 'auditpack-bench-'));
  const started = Date.now();
  const spec = (kind: ChildSpec['kind'], name: string, events: number, extra: Partial<ChildSpec> = {}): ChildSpec => {
    const dir = join(root, name);
    return {
      kind,
      dir,
      events,
      burst: args.burst,
      sampleEvery: args.sampleEvery,
      concurrency: 1,
      pino: 'async',
      mix: args.mix,
      ...extra,
    };
  };
  console.log(
    `auditpack logger bench — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${mib(totalmem())} MiB RAM, temp ${root}`,
  );
  console.log(
    `events ${fmtInt(args.events)}, bursts of ${args.burst} calls per event-loop turn, latency sampled every ${args.sampleEvery}th call\n`,
  );

  const rows: { name: string; r: ChildResult; check: string }[] = [];
  /** Every run's result for --json: what it was, its figures, and whether its output checked out. */
  const results: {
    name: string;
    kind: string;
    concurrency: number;
    mix: string;
    ok: boolean;
    /** pino: lines that keep a key in free text, outside its redact paths. */
    missed?: number;
    r: ChildResult;
  }[] = [];
  const runs: { name: string; s: ChildSpec }[] = [];
  const n = args.events;
  if (args.only.has('auditpack'))
    runs.push({ name: `auditpack ${fmtInt(n)}`, s: spec('auditpack', `auditpack-${n}`, n) });
  if (args.only.has('pino'))
    for (const v of args.pino)
      runs.push({ name: `pino-redact(${v}) ${fmtInt(n)}`, s: spec('pino', `pino-${v}-${n}`, n, { pino: v }) });
  // Memory must not grow with volume: the same run at --scale events (auditpack only, to keep the run short).
  if (args.only.has('auditpack') && args.scale > 0 && args.scale !== n) {
    runs.push({ name: `auditpack ${fmtInt(args.scale)}`, s: spec('auditpack', `auditpack-${args.scale}`, args.scale) });
  }
  for (const { name, s } of runs) {
    mkdirSync(s.dir, { recursive: true });
    const r = await spawnChild(s, args.cpuProf);
    let check: string;
    let ok: boolean;
    let missedLines: number | undefined;
    if (s.kind === 'auditpack') {
      const c = await checkAuditLog(s.dir, args.mix);
      ok = c.lines === s.events && c.chainOk && c.redactedOk;
      check = `${fmtInt(c.lines)} lines${c.lines === s.events ? '' : ` (EXPECTED ${fmtInt(s.events)})`}, chain ${c.chainOk ? 'verifies' : `BROKEN: ${c.problem}`}, api_key ${c.redactedOk ? 'redacted' : 'LEAKED'}, ${mib(c.bytes)} MiB`;
    } else {
      const c = await checkPinoLog(join(s.dir, 'pino.jsonl'), args.mix);
      ok = c.lines === s.events && c.redactedOk;
      missedLines = c.missed;
      const missed =
        c.missed > 0 ? `, ${fmtInt(c.missed)} lines keep an api key in free text (outside redact's paths)` : '';
      check = `${fmtInt(c.lines)} lines${c.lines === s.events ? '' : ` (EXPECTED ${fmtInt(s.events)})`}, api_key ${c.redactedOk ? 'redacted' : 'LEAKED'} at its paths${missed}, ${mib(c.bytes)} MiB`;
    }
    rows.push({ name, r, check });
    results.push({ name, kind: s.kind, concurrency: s.concurrency, mix: s.mix, ok, missed: missedLines, r });
    console.log(
      `${name.padEnd(30)} ${fmtInt(r.events / r.seconds).padStart(9)} ev/s  CPU ${((r.cpuSeconds * 1e6) / r.events).toFixed(2)} µs/ev (main thread ${((r.mainCpuSeconds * 1e6) / r.events).toFixed(2)})  call p50 ${us(r.latencyNs.p50)} µs  p99 ${us(r.latencyNs.p99)} µs  p99.9 ${us(r.latencyNs.p999)} µs  max ${us(r.latencyNs.max)} µs  peak RSS ${mib(r.maxRssKiB * 1024)} MiB  peak heap ${mib(r.peakHeapUsed)} MiB\n${''.padEnd(31)}${check}`,
    );
    if (!args.keep) rmSync(s.dir, { recursive: true, force: true });
  }

  const a = rows.find((x) => x.name === `auditpack ${fmtInt(args.events)}`);
  if (a) {
    for (const p of rows.filter((x) => x.name.startsWith('pino') && x.r.events === args.events)) {
      const ratio = a.r.events / a.r.seconds / (p.r.events / p.r.seconds);
      console.log(`\nratio auditpack / ${p.name.split(' ')[0]}: ${ratio.toFixed(2)}× (goal ≥ 2×)`);
    }
    console.log(`auditpack p99 call latency ${us(a.r.latencyNs.p99)} µs (goal < 20 µs)`);
  }

  if (args.only.has('durable') && args.durableEvents > 0) {
    console.log(`\ndurable mode (promise resolves after fdatasync), ${fmtInt(args.durableEvents)} events per run`);
    const dRuns: { name: string; s: ChildSpec }[] = [];
    for (const c of args.concurrency) {
      // One caller waits for one fdatasync per event: fewer events keep that run short.
      const events = c === 1 ? Math.min(args.durableEvents, 3000) : args.durableEvents;
      dRuns.push({
        name: `auditpack durable ×${c}`,
        s: spec('durable', `durable-${c}`, events, { concurrency: c }),
      });
      dRuns.push({
        name: `naive write+fdatasync ×${c}`,
        s: spec('naive', `naive-${c}`, Math.min(events, 20 * 1000), { concurrency: c }),
      });
    }
    for (const { name, s } of dRuns) {
      mkdirSync(s.dir, { recursive: true });
      const r = await spawnChild(s, args.cpuProf);
      let check = '';
      let ok = true;
      if (s.kind === 'durable') {
        const c = await checkAuditLog(s.dir);
        check = `, ${fmtInt(c.lines)} lines, chain ${c.chainOk ? 'verifies' : `BROKEN: ${c.problem}`}`;
        ok = c.lines === s.events && c.chainOk;
      }
      results.push({ name, kind: s.kind, concurrency: s.concurrency, mix: 'standard', ok, r });
      console.log(
        `${name.padEnd(30)} ${fmtInt(r.events / r.seconds).padStart(9)} ev/s  fdatasyncs ${fmtInt(r.fsyncs ?? 0)} (${(r.events / Math.max(1, r.fsyncs ?? 0)).toFixed(1)} events each)  call→durable p50 ${us(r.latencyNs.p50)} µs  p99 ${us(r.latencyNs.p99)} µs  peak RSS ${mib(r.maxRssKiB * 1024)} MiB${check}`,
      );
      if (!args.keep) rmSync(s.dir, { recursive: true, force: true });
    }
  }
  if (!args.keep) rmSync(root, { recursive: true, force: true });
  if (args.json) writeFileSync(args.json, `${JSON.stringify(results)}\n`);
  console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

const childAt = process.argv.indexOf('--child');
if (childAt !== -1) {
  const spec = JSON.parse(process.argv[childAt + 1] ?? '{}') as ChildSpec;
  runChild(spec).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
} else {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
