/**
 * The performance sweep: export and verify side by side with `sha256sum` on days of many shapes,
 * written by the real logger (bench/lib/sweep-writer.mjs, 1 or 16 processes), and the table written
 * into docs/PERFORMANCE.md between the sweep markers.
 *
 *   npm run build && npx tsx bench/sweep.ts                  # the standard rows (0.5M, 1M and 3M events)
 *   npx tsx bench/sweep.ts --rows base,lines-short,3m --rounds 1 --no-write   # some rows only
 *   npx tsx bench/sweep.ts --rows 10m                        # the 10M-event row (on demand only)
 *   npx tsx bench/sweep.ts --rows days                       # 1M, 3M and 10M: the time-linearity check
 *   npx tsx bench/sweep.ts --with-10m                        # the standard rows and the 10M row
 *   npx tsx bench/sweep.ts --scale 0.02 --rounds 1 --no-write   # a quick look at every row
 *   npx tsx bench/sweep.ts --no-write                        # print the table, leave the docs alone
 *   npx tsx bench/sweep.ts --rows logger,durable             # the logger's rows (bench/lib/sweep-logger.ts)
 *   npx tsx bench/sweep.ts --rows list                       # the row names
 *   npx tsx bench/sweep.ts --days-dir DIR --prepare          # only write the rows' days into DIR (any load)
 *   npx tsx bench/sweep.ts --days-dir DIR                    # time on the days kept in DIR (written if missing)
 *
 * Per row: `sha256sum <log>` then `auditpack export` (A B, alternating, after one warm-up each),
 * then `sha256sum -c manifest-sha256.txt` in the pack then `auditpack verify <pack>`; wall by clock,
 * CPU (user + system, all threads) and peak RSS from /usr/bin/time; medians of the rounds. Rows of
 * the base shape at several day sizes also give seconds per million events (time linearity). Node's start-up is inside auditpack's figures.
 * The worst row (largest verify or export ratio) is profiled with --cpu-prof and its hottest
 * functions printed. The load average at the start and end of each row is recorded beside it:
 * figures taken on a busy machine say so.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOGGER_ROWS, sweepLoggerRows } from './lib/sweep-logger.js';
import { SHAPE_ROWS, sweepShapeRows } from './lib/sweep-shapes.js';
import { median, run, type Timing, writeDocBlock } from './lib/sweep-run.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin/auditpack.js');
const WRITER = join(ROOT, 'bench/lib/sweep-writer.mjs');
const DATE = '2025-09-08';

interface Row {
  name: string;
  events: number;
  lineBytes: number;
  alertShare: number;
  writers: number;
  redact: boolean;
}

const BASE: Row = { name: 'base', events: 500_000, lineBytes: 300, alertShare: 0.1, writers: 1, redact: false };
const ROWS: Row[] = [
  BASE,
  { ...BASE, name: 'lines-short', lineBytes: 150 },
  { ...BASE, name: 'lines-1k', lineBytes: 1000 },
  { ...BASE, name: 'lines-4k', lineBytes: 4000 },
  { ...BASE, name: 'alerts-0', alertShare: 0 },
  { ...BASE, name: 'alerts-20', alertShare: 0.2 },
  { ...BASE, name: 'writers-16', writers: 16 },
  { ...BASE, name: 'redacted', redact: true },
  { ...BASE, name: '1m', events: 1_000_000 },
  { ...BASE, name: '3m', events: 3_000_000 },
];
/** On demand only (`--rows 10m`, `--with-10m`): about 3.4 GB of log and as much again for the pack. */
const ROW_10M: Row = { ...BASE, name: '10m', events: 10_000_000 };
/** Row groups for --rows. */
const GROUPS: Record<string, string[]> = {
  all: ROWS.map((r) => r.name),
  days: ['1m', '3m', '10m'],
  quick: ['base', 'lines-short', '3m'],
  shapes: [...SHAPE_ROWS],
};

interface Result {
  row: Row;
  logMb: number;
  meanLine: number;
  sha: Timing;
  exp: Timing;
  shaC: Timing;
  ver: Timing;
  load: [number, number];
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

/** Writes the row's day: one logger process, or `writers` processes at once sharing the day's file. */
function writeDay(row: Row, logDir: string): void {
  const per = Math.ceil(row.events / row.writers);
  const cmd = (w: number): string =>
    [process.execPath, WRITER, logDir, DATE, per, w, row.lineBytes, row.alertShare, row.redact ? 1 : 0].join(' ');
  const starts = Array.from({ length: row.writers }, (_, w) => `${cmd(w)} & pids+=($!);`).join(' ');
  const script = `pids=(); ${starts} rc=0; for p in "\${pids[@]}"; do wait $p || rc=1; done; exit $rc`;
  const r = spawnSync('bash', ['-c', script], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`writers exited ${r.status}`);
}

/**
 * The row's day in `--days-dir` (written there once, by the same writers, then reused), so that the
 * days can be written beforehand on a busy machine and only the timing needs a quiet one. The day's
 * file is hard-linked into the run's own log directory: the export writes its own events into
 * today's file there, never into the kept day.
 */
function keptDay(row: Row, daysDir: string): string {
  const key = `${row.events}-${row.lineBytes}-${row.alertShare}-${row.writers}-${row.redact ? 1 : 0}`;
  const kept = join(daysDir, key, 'audit-20250908.jsonl');
  if (!existsSync(kept)) {
    const tmp = mkdtempSync(join(daysDir, `.${key}-`));
    writeDay(row, tmp);
    mkdirSync(join(daysDir, key), { recursive: true });
    renameSync(join(tmp, 'audit-20250908.jsonl'), kept);
    rmSync(tmp, { recursive: true, force: true });
  }
  return kept;
}

/** Writes (or links from `--days-dir`) the row's day into `logDir`. */
function placeDay(row: Row, logDir: string): void {
  const daysDir = flag('days-dir');
  if (daysDir === undefined) writeDay(row, logDir);
  else linkSync(keptDay(row, daysDir), join(logDir, 'audit-20250908.jsonl'));
}

function measureRow(row: Row, rounds: number): Result {
  const load0 = loadavg()[0] ?? 0;
  const dir = mkdtempSync(join(tmpdir(), `auditpack-sweep-${row.name}-`));
  try {
    const logDir = join(dir, 'logs');
    mkdirSync(logDir);
    placeDay(row, logDir);
    const log = join(logDir, 'audit-20250908.jsonl');
    const bytes = statSync(log).size;
    const lines = countLines(log);
    const env = { AUDIT_LOG_DIR: logDir, EXPORT_BASE_DIR: join(dir, 'artifacts'), NO_COLOR: '1' };
    const exportOnce = (): Timing => {
      rmSync(join(dir, 'artifacts'), { recursive: true, force: true });
      return run(process.execPath, [CLI, 'export', '--date', DATE, '--no-config-diffs', '--json'], dir, env);
    };
    const sha: Timing[] = [];
    const exp: Timing[] = [];
    run('sha256sum', [log], dir);
    exportOnce();
    for (let i = 0; i < rounds; i++) {
      sha.push(run('sha256sum', [log], dir));
      exp.push(exportOnce());
    }
    const pack = join(dir, 'artifacts', DATE);
    const shaC: Timing[] = [];
    const ver: Timing[] = [];
    const verify = (): Timing => run(process.execPath, [CLI, 'verify', pack, '--no-logs', '--json'], dir, env);
    run('sha256sum', ['-c', '--quiet', 'manifest-sha256.txt'], pack);
    verify();
    for (let i = 0; i < rounds; i++) {
      shaC.push(run('sha256sum', ['-c', '--quiet', 'manifest-sha256.txt'], pack));
      ver.push(verify());
    }
    return {
      row,
      logMb: bytes / 1e6,
      meanLine: bytes / lines,
      sha: median(sha),
      exp: median(exp),
      shaC: median(shaC),
      ver: median(ver),
      load: [load0, loadavg()[0] ?? 0],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function countLines(path: string): number {
  const r = spawnSync('wc', ['-l', path], { encoding: 'utf8' });
  return Number(r.stdout.trim().split(/\s+/)[0]);
}

/** `0.5M`, `3.0M`; days scaled below 0.1M keep two digits (`0.05M`). */
function millions(events: number): string {
  const m = events / 1e6;
  return `${m < 0.1 ? m.toFixed(2) : m.toFixed(1)}M`;
}

function table(results: Result[]): string {
  const head =
    '| row | events | writers | mean line | alerts | redacted | log MB | export s | export CPU s | ×sha256sum | export RSS MB | verify s | verify CPU s | ×sha256sum -c | verify RSS MB | load 1-min |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n';
  const rows = results.map((r) => {
    const e = r.exp.s / r.sha.s;
    const v = r.ver.s / r.shaC.s;
    return `| ${r.row.name} | ${millions(r.row.events)} | ${r.row.writers} | ${r.meanLine.toFixed(0)} B | ${(r.row.alertShare * 100).toFixed(0)}% | ${r.row.redact ? 'yes' : 'no'} | ${r.logMb.toFixed(0)} | ${r.exp.s.toFixed(2)} | ${r.exp.cpu.toFixed(2)} | ${e.toFixed(2)} | ${r.exp.rssMb.toFixed(0)} | ${r.ver.s.toFixed(2)} | ${r.ver.cpu.toFixed(2)} | ${v.toFixed(2)} | ${r.ver.rssMb.toFixed(0)} | ${r.load[0].toFixed(1)}→${r.load[1].toFixed(1)} |`;
  });
  return head + rows.join('\n');
}

/**
 * Time linearity: the rows of the base shape that differ only in the day's size (0.5M, 1M, 3M,
 * 10M events), as seconds per million events; each against the 1M row (1.00 = linear). Empty when
 * fewer than two such rows ran.
 */
function linearity(results: Result[]): string {
  const same = (r: Row): boolean =>
    r.lineBytes === BASE.lineBytes &&
    r.alertShare === BASE.alertShare &&
    r.writers === BASE.writers &&
    r.redact === BASE.redact;
  const days = results.filter((r) => same(r.row)).sort((a, b) => a.row.events - b.row.events);
  if (days.length < 2) return '';
  const perM = (t: Timing, r: Result): number => t.s / (r.row.events / 1e6);
  const ref = days.find((r) => r.row.events === 1_000_000) ?? days[0];
  if (ref === undefined) return '';
  const lines = days.map((r) => {
    const e = perM(r.exp, r);
    const v = perM(r.ver, r);
    return `| ${millions(r.row.events)} | ${e.toFixed(2)} | ${(e / perM(ref.exp, ref)).toFixed(2)} | ${(r.exp.cpu / (r.row.events / 1e6)).toFixed(2)} | ${v.toFixed(2)} | ${(v / perM(ref.ver, ref)).toFixed(2)} | ${(r.ver.cpu / (r.row.events / 1e6)).toFixed(2)} | ${r.ver.rssMb.toFixed(0)} |`;
  });
  return [
    `Time linearity (the base shape at each day size; seconds per million events, and against the ${millions(ref.row.events)} row: 1.00 is linear):`,
    '',
    '| events | export s/M | ×ref | export CPU s/M | verify s/M | ×ref | verify CPU s/M | verify RSS MB |',
    '|---|---|---|---|---|---|---|---|',
    ...lines,
  ].join('\n');
}

/** CPU profile of one export and one verify of the row's day: the ten hottest functions by self time. */
function profile(row: Row): string {
  const dir = mkdtempSync(join(tmpdir(), 'auditpack-sweep-prof-'));
  try {
    const logDir = join(dir, 'logs');
    mkdirSync(logDir);
    placeDay(row, logDir);
    const env = { AUDIT_LOG_DIR: logDir, EXPORT_BASE_DIR: join(dir, 'artifacts'), NO_COLOR: '1' };
    const out: string[] = [];
    for (const [what, cmd] of [
      ['export', ['export', '--date', DATE, '--no-config-diffs', '--json']],
      ['verify', ['verify', join(dir, 'artifacts', DATE), '--no-logs', '--json']],
    ] as const) {
      const profDir = join(dir, `prof-${what}`);
      run(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, CLI, ...cmd], dir, env);
      out.push(`${what} (${row.name}), main thread, self time:\n${hottest(profDir)}`);
    }
    return out.join('\n\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ProfNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

function hottest(profDir: string): string {
  const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
  const self = new Map<string, number>();
  let total = 0;
  for (const f of files) {
    const p = JSON.parse(readFileSync(join(profDir, f), 'utf8')) as { nodes: ProfNode[] };
    for (const n of p.nodes) {
      const h = n.hitCount ?? 0;
      total += h;
      const url = n.callFrame.url.replace(/^.*\/(dist|node_modules)\//, '$1/');
      const key = `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + h);
    }
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([k, h]) => `  ${((100 * h) / Math.max(1, total)).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
}

/**
 * The rows `--rows` names (names or groups: all, days, quick; `list` prints them; the logger's rows
 * are bench/lib/sweep-logger.ts's), else the standard rows (plus 10m with --with-10m).
 */
function selectRows(names: readonly string[] | undefined): Row[] {
  const every = [...ROWS, ROW_10M];
  if (names === undefined) return process.argv.includes('--with-10m') ? every : ROWS;
  const known = (n: string): boolean =>
    every.some((r) => r.name === n) ||
    (LOGGER_ROWS as readonly string[]).includes(n) ||
    (SHAPE_ROWS as readonly string[]).includes(n);
  const unknown = names.filter((n) => !known(n));
  if (unknown.length > 0) throw new Error(`unknown rows ${unknown.join(', ')} (try --rows list)`);
  return every.filter((r) => names.includes(r.name));
}

/**
/** Sections printed after the main table. */
function sections(results: Result[]): string[] {
  const out: string[] = [];
  const lin = linearity(results);
  if (lin !== '') out.push('', lin);
  return out;
}

function main(): void {
  if (!existsSync(join(ROOT, 'dist/index.js'))) throw new Error('run `npm run build` first');
  const rounds = Number(flag('rounds') ?? 3);
  const scale = Number(flag('scale') ?? 1);
  const spec = flag('rows');
  if (spec === 'list') {
    const names = [...ROWS, ROW_10M].map((r) => r.name);
    process.stdout.write(
      `rows: ${[...names, ...LOGGER_ROWS, ...SHAPE_ROWS].join(', ')}\ngroups: ${Object.keys(GROUPS).join(', ')}\n`,
    );
    return;
  }
  const wanted = spec?.split(',').flatMap((n) => GROUPS[n] ?? [n]);
  let rows = selectRows(wanted);
  rows = rows.map((r) => ({ ...r, events: Math.round(r.events * scale) }));
  const daysDir = flag('days-dir');
  if (daysDir !== undefined) mkdirSync(daysDir, { recursive: true });
  if (process.argv.includes('--prepare')) {
    if (daysDir === undefined) throw new Error('--prepare needs --days-dir DIR');
    for (const row of rows) process.stderr.write(`day ${row.name}: ${keptDay(row, daysDir)}\n`);
    return;
  }
  const write = !process.argv.includes('--no-write');
  sweepLoggerRows({ wanted, scale, rounds, write });
  sweepShapeRows({ wanted, scale, rounds, write, daysDir });
  if (rows.length === 0) return; // only logger or shape rows were asked for
  const results: Result[] = [];
  for (const row of rows) {
    process.stderr.write(`row ${row.name}… `);
    const r = measureRow(row, rounds);
    results.push(r);
    process.stderr.write(`export ${(r.exp.s / r.sha.s).toFixed(2)}×, verify ${(r.ver.s / r.shaC.s).toFixed(2)}×\n`);
  }
  const worst = results.reduce((w, r) =>
    Math.max(r.exp.s / r.sha.s / 3, r.ver.s / r.shaC.s) > Math.max(w.exp.s / w.sha.s / 3, w.ver.s / w.shaC.s) ? r : w,
  );
  const prof = process.argv.includes('--no-profile')
    ? ''
    : profile({ ...worst.row, events: Math.min(worst.row.events, 500_000) });
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const text = [
    `Sweep of ${new Date().toISOString().slice(0, 16)}Z, commit ${git}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, medians of ${rounds} rounds (\`npx tsx bench/sweep.ts\`).`,
    'Goals: export ≤ 3× `sha256sum` of the log; verify ≤ 1.0× `sha256sum -c manifest-sha256.txt`; peak RSS ≤ 150 MB (MB = 10^6 bytes: 143 MiB).',
    '',
    table(results),
    ...sections(results),
    ...(prof === '' ? [] : ['', `Where the time goes in the worst row (${worst.row.name}):`, '', '```', prof, '```']),
  ].join('\n');
  process.stdout.write(`${text}\n`);
  if (!process.argv.includes('--no-write')) writeDocBlock('sweep', text);
}

main();
