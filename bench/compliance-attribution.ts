/**
 * Where the compliance checks' cost in an export goes, on every thread: the bench's 1M-event
 * compliance day (bench/compliance.ts writes it) exported with and without the checks, alternating,
 * each export a child process with `--cpu-prof` on its main thread and (bench/lib/thread-profile.cjs)
 * on its scan thread, and every OS thread's CPU time read from /proc. Each profiled thread's samples
 * (idle excluded) are scaled to that thread's measured CPU; the threads V8 and libuv run (parallel
 * and concurrent GC, the file writes) count by CPU alone. Prints, in µs of CPU per event, the blocks
 * with and without the checks and their difference, then the functions that differ most.
 *
 *   npm run build && npx tsx bench/compliance-attribution.ts [--events 1000000] [--rounds 3] [--dist <dist>]
 *
 * The profiler costs CPU itself (its own threads are left out, the sampling is not): compare runs of
 * this bench with each other, not with bench/compliance.ts. Linux only (/proc).
 * Thread roles are taken from creation order as Node 20-26 start them: main; an inspector thread;
 * the four V8 platform workers (GC helpers); a signal thread; the four libuv pool threads; the
 * export's scan thread last. The table says which thread ids it read.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const opt = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : (process.argv[i + 1] as string);
};
const EVENTS = Number(opt('events', '1000000'));
const ROUNDS = Number(opt('rounds', '3'));
const DIST = resolve(opt('dist', join(ROOT, 'dist'))); // a relative --dist is the caller's, not the runner's

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Profile {
  nodes: { id: number; callFrame: CallFrame }[];
  samples: number[];
  timeDeltas: number[];
}
type Sums = Record<string, number>;

/** The block a function's self time belongs to. */
function block(cf: CallFrame): string {
  const fn = cf.functionName;
  if (fn === '(garbage collector)') return 'GC on the JS thread';
  if (/compliance\/records\.js/.test(cf.url))
    return /^(feed|value|setField|setLow|setHigh|latin1|)$/.test(fn) ? 'records: read' : 'records: write';
  if (/compliance\//.test(cf.url)) return 'engine, rules, end of day';
  if (fn === 'out' && /day-events\.js/.test(cf.url)) return 'batch results copied';
  if (fn === 'postMessage' || /internal\/worker|\/worker\//.test(cf.url)) return 'thread messages';
  return 'the rest (read, hash, split, rows, scan)';
}

function profileOf(file: string, cpu: number, thread: string, blocks: Sums, fns: Sums): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const b: Sums = {};
  const f: Sums = {};
  let total = 0;
  p.samples.forEach((id, i) => {
    const cf = byId.get(id) as CallFrame;
    if (cf.functionName === '(idle)') return;
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    const bk = `${thread}: ${block(cf)}`;
    b[bk] = (b[bk] ?? 0) + dt;
    const url = cf.url.replace(/^.*\/dist\//, '');
    const fk = `${cf.functionName || '(anonymous)'} ${url}${url ? `:${cf.lineNumber + 1}` : ''}`;
    f[fk] = (f[fk] ?? 0) + dt;
  });
  for (const [k, v] of Object.entries(b)) blocks[k] = (blocks[k] ?? 0) + (v / total) * cpu;
  for (const [k, v] of Object.entries(f)) fns[k] = (fns[k] ?? 0) + (v / total) * cpu;
}

/** One profiled export; its blocks and functions in CPU seconds. */
function run(work: string, logDir: string, checks: boolean, i: number): { blocks: Sums; fns: Sums } {
  const dir = join(work, `${checks ? 'on' : 'off'}-${i}`);
  mkdirSync(dir);
  const r = spawnSync(
    process.execPath,
    [
      '-r',
      join(ROOT, 'bench/lib/thread-profile.cjs'),
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      join(work, 'export.mjs'),
      logDir,
      join(work, 'pack'),
      checks ? 'on' : 'off',
    ],
    { env: { ...process.env, THREAD_PROFILE_DIR: dir }, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`export exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  rmSync(join(work, 'pack'), { recursive: true, force: true });
  const t = JSON.parse(readFileSync(join(dir, 'threads.json'), 'utf8')) as {
    pid: number;
    threads: { tid: number; name: string; cpu: number }[];
  };
  const main = t.threads.find((x) => x.tid === t.pid);
  const others = t.threads.filter((x) => x.tid !== t.pid && !x.name.startsWith('v8:'));
  const scan = others[others.length - 1];
  const sum = (xs: { cpu: number }[]): number => xs.reduce((s, x) => s + x.cpu, 0);
  const blocks: Sums = {
    'V8 platform threads (GC helpers)': sum(others.slice(1, 5)),
    'libuv pool (file writes)': sum(others.slice(6, 10)),
  };
  const fns: Sums = {};
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is main, 1 the scan thread.
    const isMain = f.split('.')[4] === '0';
    profileOf(join(dir, f), (isMain ? main : scan)?.cpu ?? 0, isMain ? 'main' : 'scan thread', blocks, fns);
  }
  rmSync(dir, { recursive: true, force: true });
  return { blocks, fns };
}

function mean(rs: Sums[]): Sums {
  const o: Sums = {};
  for (const r of rs) for (const [k, v] of Object.entries(r)) o[k] = (o[k] ?? 0) + v / rs.length;
  return o;
}

function main(): void {
  const logDir = join(tmpdir(), `auditpack-bench-compliance-${EVENTS}`, 'logs');
  if (!existsSync(join(logDir, 'audit-20250908.jsonl')))
    throw new Error(`no day in ${logDir}: run bench/compliance.ts --events ${EVENTS} first (it writes it)`);
  const work = mkdtempSync(join(tmpdir(), 'auditpack-bench-attribution-'));
  writeFileSync(
    join(work, 'export.mjs'),
    `import { exportPack } from ${JSON.stringify(join(DIST, 'pack/index.js'))};
const [logDir, artifactsDir, checks] = process.argv.slice(2);
await exportPack({ date: '2025-09-08', logDir, artifactsDir, version: 'bench', recordEvent: false, ...(checks === 'off' ? { compliance: false } : {}) });
`,
  );
  const load = [loadavg()[0] as number];
  const on: { blocks: Sums; fns: Sums }[] = [];
  const off: { blocks: Sums; fns: Sums }[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      on.push(run(work, logDir, true, i));
      off.push(run(work, logDir, false, i));
      load.push(loadavg()[0] as number);
      process.stderr.write(`round ${i + 1} of ${ROUNDS} (load ${load[load.length - 1]?.toFixed(1)})\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const us = (s: number): string => ((s * 1e6) / EVENTS).toFixed(2);
  const [bOn, bOff] = [mean(on.map((r) => r.blocks)), mean(off.map((r) => r.blocks))];
  console.log(
    `\n${EVENTS} events, ${ROUNDS} rounds each way, means; load ${Math.min(...load).toFixed(1)}-${Math.max(...load).toFixed(1)}\n`,
  );
  console.log('| thread: block | with the checks, µs/event | without | difference |\n|---|---|---|---|');
  let tOn = 0;
  let tOff = 0;
  for (const k of [...new Set([...Object.keys(bOn), ...Object.keys(bOff)])].sort()) {
    tOn += bOn[k] ?? 0;
    tOff += bOff[k] ?? 0;
    console.log(`| ${k} | ${us(bOn[k] ?? 0)} | ${us(bOff[k] ?? 0)} | ${us((bOn[k] ?? 0) - (bOff[k] ?? 0))} |`);
  }
  console.log(`| **all threads** | ${us(tOn)} | ${us(tOff)} | ${us(tOn - tOff)} |`);
  const [fOn, fOff] = [mean(on.map((r) => r.fns)), mean(off.map((r) => r.fns))];
  const diff = [...new Set([...Object.keys(fOn), ...Object.keys(fOff)])]
    .map((k) => [k, (fOn[k] ?? 0) - (fOff[k] ?? 0)] as const)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  console.log('\n| function (main and scan thread) | difference, µs/event |\n|---|---|');
  for (const [k, d] of diff.slice(0, 25)) console.log(`| ${k} | ${us(d)} |`);
}

main();
