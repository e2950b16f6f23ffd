/**
 * The main-thread cost of a logging call: what `logger.order()/fill()` costs the trading
 * app's thread, without the file write.
 *
 *   npx tsx bench/logger-call.ts                 # 5 processes per sink, 200,000 events x 8 rounds
 *   npx tsx bench/logger-call.ts --runs 3 --sink null
 *
 * Each child process pre-builds the bench's events (bench/logger-events.ts), then logs them
 * through createAuditLogger in bursts of 1,000 calls per setImmediate turn, round after round, with
 * a sink that writes nothing: `null` returns at once (prepare() only, as the lead measured), `clone`
 * structured-clones each batch's heads and bodies as the offload thread's postMessage does (so the
 * body strings are read as a whole, as they will be). Reported per process: CPU µs per call
 * (process.cpuUsage, all threads, median of rounds 2..N), wall µs per call, and V8's GC counts and
 * time (perf_hooks 'gc' entries). A separate child measures bytes allocated per call: heap growth
 * over 10,000 calls with a young generation so large that no scavenge runs meanwhile.
 *
 * Why several processes: the cost per call is bimodal. When V8's scavenges fall between bursts,
 * the events buffered for the turn are copied once and die; when one falls mid-burst, the next
 * promotes them to the old generation, and scavenges and mark-compacts cost 3-4x more. Which
 * regime a process settles in depends on how much each call allocates (less: cheap more often)
 * and on timing; report the spread, not one run.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { serialize } from 'node:v8';
import { makeEvent } from './logger-events.js';

interface Spec {
  mode: 'cpu' | 'alloc';
  sink: 'null' | 'clone';
  events: number;
  rounds: number;
}

interface Result {
  cpuUs: number;
  rounds: number[];
  wallUs: number;
  scavenges: number;
  scavengeMs: number;
  markCompacts: number;
  allocBytes: number;
}

const self = fileURLToPath(import.meta.url);
const BURST = 1000;

interface Prepared {
  head: string;
  body: string;
}

async function child(spec: Spec): Promise<Result> {
  const { createAuditLogger } = await import('../src/logger/index.js');
  const events = Array.from({ length: spec.events }, (_, i) => makeEvent(i));
  const append =
    spec.sink === 'clone'
      ? (batch: readonly Prepared[]): number => {
          const n = batch.length;
          const heads = new Array<string>(n);
          const bodies = new Array<string>(n);
          for (let i = 0; i < n; i++) {
            heads[i] = (batch[i] as Prepared).head;
            bodies[i] = (batch[i] as Prepared).body;
          }
          serialize({ heads, bodies });
          return n;
        }
      : (batch: readonly Prepared[]): number => batch.length;
  const logger = createAuditLogger({
    sink: { append, sync: async () => undefined, syncSync() {}, close() {} },
    handleExit: false,
  });
  const burst = async (from: number, to: number): Promise<void> => {
    for (let base = from; base < to; base += BURST) {
      const end = Math.min(to, base + BURST);
      for (let i = base; i < end; i++) {
        const e = events[i % events.length] as (typeof events)[number];
        if (e.category === 'order') logger.order(e.event as 'OrderAccepted', e.fields);
        else logger.fill(e.fields, e.event as 'Filled');
      }
      await new Promise<void>((r) => setImmediate(r));
    }
  };
  const result: Result = {
    cpuUs: 0,
    rounds: [],
    wallUs: 0,
    scavenges: 0,
    scavengeMs: 0,
    markCompacts: 0,
    allocBytes: 0,
  };
  if (spec.mode === 'alloc') {
    const gc = (globalThis as { gc?: () => void }).gc as () => void;
    await burst(0, 20_000);
    const per: number[] = [];
    for (let r = 0; r < 5; r++) {
      gc();
      const h0 = process.memoryUsage().heapUsed;
      await burst(20_000, 30_000);
      per.push((process.memoryUsage().heapUsed - h0) / 10_000);
    }
    result.allocBytes = median(per);
  } else {
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
        if (kind === 1) {
          result.scavenges++;
          result.scavengeMs += e.duration;
        } else if (kind === 4) result.markCompacts++;
      }
    });
    obs.observe({ entryTypes: ['gc'] });
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < spec.rounds; r++) {
      const c0 = process.cpuUsage();
      await burst(0, spec.events);
      const c = process.cpuUsage(c0);
      result.rounds.push((c.user + c.system) / spec.events);
    }
    result.wallUs = Number(process.hrtime.bigint() - t0) / 1000 / (spec.events * spec.rounds);
    result.cpuUs = median(result.rounds.slice(1));
    obs.disconnect();
  }
  await logger.close();
  return result;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

function run(spec: Spec): Promise<Result> {
  const flags =
    spec.mode === 'alloc'
      ? ['--expose-gc', '--no-minor-gc-task', '--min-semi-space-size=64', '--max-semi-space-size=64']
      : [];
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', ...flags, self, '--child', JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    c.on('error', reject);
    c.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as Result)
        : reject(new Error(`child exited with ${code}`)),
    );
  });
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--child');
  if (at > 0) {
    process.stdout.write(`${JSON.stringify(await child(JSON.parse(process.argv[at + 1] as string) as Spec))}\n`);
    return;
  }
  const runs = Number(option('runs', '5'));
  const events = Number(option('events', '200000'));
  const rounds = Number(option('rounds', '8'));
  const sinks = option('sink', 'null,clone').split(',') as Spec['sink'][];
  const alloc = await run({ mode: 'alloc', sink: 'null', events: 30_000, rounds: 1 });
  console.log(`allocated per call: ${alloc.allocBytes.toFixed(0)} bytes`);
  for (const sink of sinks) {
    const cpu: number[] = [];
    for (let r = 0; r < runs; r++) {
      const res = await run({ mode: 'cpu', sink, events, rounds });
      cpu.push(res.cpuUs);
      console.log(
        `${sink} sink, process ${r + 1}: CPU ${res.cpuUs.toFixed(2)} µs/call (rounds ${res.rounds.map((x) => x.toFixed(2)).join(' ')}), ` +
          `wall ${res.wallUs.toFixed(2)} µs/call, ${res.scavenges} scavenges ${res.scavengeMs.toFixed(0)} ms, ${res.markCompacts} mark-compacts`,
      );
    }
    console.log(
      `${sink} sink: CPU µs/call per process ${cpu.map((x) => x.toFixed(2)).join(' ')}; median ${median(cpu).toFixed(2)}, best ${Math.min(...cpu).toFixed(2)}`,
    );
  }
}

await main();
