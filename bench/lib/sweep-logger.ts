/**
 * The logger's and durable mode's rows of the performance sweep (bench/sweep.ts calls
 * `sweepLoggerRows`), written into docs/PERFORMANCE.md between their own markers, so a run of only
 * these rows leaves the pack table alone and the other way round.
 *
 *   npx tsx bench/sweep.ts --rows logger,durable            # these rows only
 *   npx tsx bench/sweep.ts --rows logger --scale 0.05 --rounds 1 --no-write   # a quick look
 *
 * Rows (each runs bench/logger.ts, which starts every contender in a child process of its own):
 * - `logger`: 1,000,000 and 3,000,000 events (bursts of 1,000 calls a turn), and 300,000 one and ten calls a
 *   turn, of the varied mix (bench/logger-events.ts
 *   `makeVariedEvent`: standard orders and fills, short events, long ones, child loggers, custom
 *   categories, secrets in free text) through auditpack (batched, the default) and pino with
 *   `redact` (`sync` destination and `transport`), in the order A B C, A B C… for `rounds` rounds;
 *   medians. Each run's output is checked (every line there, auditpack's chain verifies, no key
 *   leaked) and a failed check is printed in the row.
 * - `durable`: 40,000 events (3,000 for one caller) with 1, 64 and 256 concurrent callers each
 *   awaiting its call: events/s, fdatasyncs and events per fdatasync, acknowledgement p50/p99; beside
 *   it the naive way (write + fdatasync per event) with the same callers.
 * The goals (issue "performance at scale"): auditpack ≥ 2× pino+redact at 1M and 3M events, call
 * p99 < 20 µs, memory bounded; durable events per fdatasync growing with the callers.
 * Every row prints the 1-minute load average at its start and end: figures from a busy machine say so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDocBlock } from './sweep-run.js';

/** The row names this file answers to in `--rows`. */
export const LOGGER_ROWS = ['logger', 'durable'] as const;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BENCH = join(ROOT, 'bench/logger.ts');

export interface SweepLoggerOptions {
  /** `--rows`: undefined runs every row. */
  readonly wanted: readonly string[] | undefined;
  /** Multiplies the event counts (`--scale`). */
  readonly scale: number;
  readonly rounds: number;
  /** Write the tables into docs/PERFORMANCE.md (else print only). */
  readonly write: boolean;
}

/** One run of bench/logger.ts as its --json gives it. */
interface Run {
  name: string;
  kind: string;
  concurrency: number;
  ok: boolean;
  /** pino: lines that keep a bench key in free text (outside its redact paths). */
  missed?: number;
  r: {
    events: number;
    seconds: number;
    cpuSeconds: number;
    mainCpuSeconds: number;
    maxRssKiB: number;
    latencyNs: { p50: number; p99: number };
    fsyncs?: number;
  };
}

/** Runs the logger rows wanted (none when `--rows` names none of them), prints and writes their tables. */
export function sweepLoggerRows(o: SweepLoggerOptions): void {
  const want = (row: string): boolean => o.wanted === undefined || o.wanted.includes(row);
  const parts: string[] = [];
  if (want('logger')) parts.push(loggerTable(o));
  if (want('durable')) parts.push(durableTable(o));
  if (parts.length === 0) return;
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const text = [
    `Logger sweep of ${new Date().toISOString().slice(0, 16)}Z, commit ${git}, Node ${process.version}, medians of ${o.rounds} rounds (\`npx tsx bench/sweep.ts --rows logger,durable\`).`,
    'Goals: auditpack ≥ 2× pino+redact (events/s) at 1M and 3M events, call p99 < 20 µs, memory bounded; durable: events per fdatasync grow with the callers.',
    '',
    parts.join('\n\n'),
  ].join('\n');
  process.stdout.write(`${text}\n`);
  if (o.write) writeDocBlock('sweep-logger', text);
}

/** bench/logger.ts with `args`, its --json results back. */
function bench(args: string[]): Run[] {
  const dir = mkdtempSync(join(tmpdir(), 'auditpack-sweep-logger-'));
  try {
    const json = join(dir, 'runs.json');
    const r = spawnSync(process.execPath, ['--import', 'tsx', BENCH, '--no-build', '--json', json, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`bench/logger.ts ${args.join(' ')} exited ${r.status}`);
    return JSON.parse(readFileSync(json, 'utf8')) as Run[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const load = (): number => loadavg()[0] ?? 0;
const rate = (r: Run): number => r.r.events / r.r.seconds;
const cpuUs = (r: Run): number => (r.r.cpuSeconds * 1e6) / r.r.events;
const mainUs = (r: Run): number => (r.r.mainCpuSeconds * 1e6) / r.r.events;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Medians over rounds of one contender's runs. */
function summary(runs: Run[]) {
  return {
    rate: median(runs.map(rate)),
    cpu: median(runs.map(cpuUs)),
    main: median(runs.map(mainUs)),
    p50: median(runs.map((r) => r.r.latencyNs.p50)) / 1000,
    p99: median(runs.map((r) => r.r.latencyNs.p99)) / 1000,
    rss: Math.max(...runs.map((r) => r.r.maxRssKiB)) / 1024,
    ok: runs.every((r) => r.ok),
    missed: Math.max(0, ...runs.map((r) => r.missed ?? 0)),
    spread: runs.map((r) => fmt(rate(r))).join(' / '),
  };
}

/**
 * The logger rows: the goal's 1M and 3M events in bursts of 1,000 calls a turn, and an app that logs
 * one event a turn (or ten), as one handling each market message in its own callback does.
 */
const LOGGER_SHAPES = [
  { name: 'logger-1m', millions: 1, burst: 1000 },
  { name: 'logger-3m', millions: 3, burst: 1000 },
  { name: 'logger-turn-1', millions: 0.3, burst: 1 },
  { name: 'logger-turn-10', millions: 0.3, burst: 10 },
] as const;

function loggerTable(o: SweepLoggerOptions): string {
  const lines = [
    '| row | events | calls a turn | contender | events/s (median) | per round | × pino sync | × pino transport | CPU µs/event (user+sys, all threads) | of it main thread | call p50 µs | call p99 µs | peak RSS MiB | output | load 1-min |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { name, millions, burst } of LOGGER_SHAPES) {
    const events = Math.max(1000, Math.round(millions * 1_000_000 * o.scale));
    const load0 = load();
    const runs: Run[] = [];
    for (let i = 0; i < o.rounds; i++)
      runs.push(
        ...bench([
          '--events',
          String(events),
          '--scale',
          '0',
          '--durable-events',
          '0',
          '--only',
          'auditpack,pino',
          '--pino',
          'sync,transport',
          '--mix',
          'varied',
          '--burst',
          String(burst),
        ]),
      );
    const by = (pred: (r: Run) => boolean) => summary(runs.filter(pred));
    const ours = by((r) => r.kind === 'auditpack');
    const sync = by((r) => r.name.startsWith('pino-redact(sync)'));
    const transport = by((r) => r.name.startsWith('pino-redact(transport)'));
    const loads = `${load0.toFixed(1)}→${load().toFixed(1)}`;
    const row = (who: string, s: ReturnType<typeof summary>, ratios: boolean): string =>
      `| ${name} | ${(events / 1e6).toFixed(2)}M | ${fmt(burst)} | ${who} | ${fmt(s.rate)} | ${s.spread} | ${ratios ? `**${(s.rate / sync.rate).toFixed(2)}**` : ''} | ${ratios ? (s.rate / transport.rate).toFixed(2) : ''} | ${s.cpu.toFixed(2)} | ${s.main.toFixed(2)} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.rss.toFixed(0)} | ${output(s)} | ${loads} |`;
    lines.push(row('auditpack', ours, true), row('pino+redact sync', sync, false));
    lines.push(row('pino+redact transport', transport, false));
  }
  return lines.join('\n');
}

/** The output cell: checked (every line, chain, no key at a redacted path), and what pino let through in free text. */
function output(s: ReturnType<typeof summary>): string {
  if (!s.ok) return '**FAILED**';
  return s.missed > 0 ? `checked; ${fmt(s.missed)} lines keep an api key in free text` : 'checked';
}

function durableTable(o: SweepLoggerOptions): string {
  const events = Math.max(500, Math.round(40_000 * o.scale));
  const load0 = load();
  const runs: Run[] = [];
  for (let i = 0; i < o.rounds; i++)
    runs.push(
      ...bench(['--only', 'durable', '--durable-events', String(events), '--concurrency', '1,64,256', '--scale', '0']),
    );
  const loads = `${load0.toFixed(1)}→${load().toFixed(1)}`;
  const lines = [
    '| row | callers | events | auditpack events/s | fdatasyncs | events per fdatasync | ack p50 ms | ack p99 ms | CPU µs/event | naive (write+fdatasync each) events/s | naive ack p50 ms | output | load 1-min |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of [1, 64, 256]) {
    const ours = runs.filter((r) => r.kind === 'durable' && r.concurrency === c);
    const naive = runs.filter((r) => r.kind === 'naive' && r.concurrency === c);
    const s = summary(ours);
    const fsyncs = median(ours.map((r) => r.r.fsyncs ?? 0));
    const n = ours[0]?.r.events ?? 0;
    lines.push(
      `| durable | ${c} | ${fmt(n)} | ${fmt(s.rate)} | ${fmt(fsyncs)} | ${(n / Math.max(1, fsyncs)).toFixed(1)} | ${(s.p50 / 1000).toFixed(2)} | ${(s.p99 / 1000).toFixed(2)} | ${s.cpu.toFixed(1)} | ${fmt(summary(naive).rate)} | ${(summary(naive).p50 / 1000).toFixed(2)} | ${s.ok ? 'checked' : '**FAILED**'} | ${loads} |`,
    );
  }
  return lines.join('\n');
}
