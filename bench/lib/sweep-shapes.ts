/**
 * The sweep's memory shapes: days the main rows do not write, where the checks hold an entry per
 * order or symbol for the whole day (issue 11's memory goal is for "any day"). Each is written by
 * the real logger (bench/lib/shape-day.mjs), exported and verified by the built CLI, medians of the
 * rounds and the largest peak RSS, with `sha256sum` of the log and `sha256sum -c` of the pack beside:
 *
 * - `open-orders`: 500,000 GTC orders accepted and never closed (at the policy's max_open_orders),
 *   under a policy without risk check, login, message rate or duplicate window (as such a desk runs);
 * - `open-orders-after`: the day after it, without a log of its own: its export starts from the
 *   previous pack's 200 MB state and ends with it; verify re-runs from that start;
 * - `options`: an options desk, 500,000 orders each on its own contract (500,000 symbols), under the
 *   built-in policy;
 * - `churn`: 100,000 GTC orders of 150-character ids, then 200,000 pairs of a random open one filled and
 *   a new one opened (the spill file's worst case, docs/decisions.md at72), under the first's policy.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, run, type Timing, writeDocBlock } from './sweep-run.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'bin/auditpack.js');
const WRITER = join(ROOT, 'bench/lib/shape-day.mjs');
const DATE = '2025-09-08';
const NEXT = '2025-09-09';
const LOG = 'audit-20250908.jsonl';
const OPEN_POLICY =
  'require_risk_check: false\nrequire_login: false\nmax_messages_per_second: null\nduplicate_window_ms: 0\n';

/** The shape rows `--rows` may name. */
export const SHAPE_ROWS = ['open-orders', 'open-orders-after', 'options', 'churn'] as const;

/** What sweepShapeRows needs. */
export interface SweepShapeOptions {
  /** Rows asked for (undefined: all). */
  readonly wanted: readonly string[] | undefined;
  readonly scale: number;
  readonly rounds: number;
  readonly write: boolean;
  /** Where days are kept between runs (`--days-dir`). */
  readonly daysDir: string | undefined;
}

/** The shape's day file (written once into `daysDir` when given, else into `logDir`), hard-linked into `logDir`. */
function placeDay(
  shape: 'open-orders' | 'options' | 'churn',
  count: number,
  logDir: string,
  daysDir: string | undefined,
): string {
  const write = (dir: string): void => {
    const r = spawnSync(process.execPath, [WRITER, shape, dir, DATE, String(count)], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`shape-day ${shape} exited ${r.status}`);
  };
  if (daysDir === undefined) write(logDir);
  else {
    const kept = join(daysDir, `shape-${shape}-${count}`, LOG);
    if (!existsSync(kept)) {
      const tmp = mkdtempSync(join(daysDir, `.shape-${shape}-`));
      write(tmp);
      mkdirSync(join(daysDir, `shape-${shape}-${count}`), { recursive: true });
      renameSync(join(tmp, LOG), kept);
      rmSync(tmp, { recursive: true, force: true });
    }
    linkSync(kept, join(logDir, LOG));
  }
  return join(logDir, LOG);
}

interface ShapeResult {
  name: string;
  logMb: number;
  sha: Timing;
  exp: Timing;
  shaC: Timing;
  ver: Timing;
  load: [number, number];
}

/** Export of `date` into a fresh copy of `art` (`keep`: packs kept in it), then verify, `rounds` times. */
function measure(
  dir: string,
  date: string,
  rounds: number,
  keep: string[],
): { exp: Timing; shaC: Timing; ver: Timing } {
  const art = join(dir, 'artifacts');
  const exp: Timing[] = [];
  const ver: Timing[] = [];
  const shaC: Timing[] = [];
  const pack = join(art, date);
  for (let i = 0; i <= rounds; i++) {
    spawnSync('chmod', ['-R', 'u+w', pack]);
    rmSync(pack, { recursive: true, force: true });
    if (keep.length === 0) rmSync(art, { recursive: true, force: true });
    const e = run(
      process.execPath,
      [
        CLI,
        'export',
        '--date',
        date,
        '--no-config-diffs',
        '--retention-days',
        '36500',
        '--log-dir',
        'logs',
        '--artifacts-dir',
        art,
      ],
      dir,
    );
    const c = run('sha256sum', ['-c', '--quiet', 'manifest-sha256.txt'], pack);
    const v = run(process.execPath, [CLI, 'verify', pack, '--no-logs', '--json'], dir);
    // The first round warms the page cache and is not counted.
    if (i === 0) continue;
    exp.push(e);
    shaC.push(c);
    ver.push(v);
  }
  return { exp: median(exp), shaC: median(shaC), ver: median(ver) };
}

function measureShape(name: (typeof SHAPE_ROWS)[number], o: SweepShapeOptions): ShapeResult {
  const load0 = loadavg()[0] ?? 0;
  const count = Math.max(1, Math.round(500_000 * o.scale));
  const dir = mkdtempSync(join(tmpdir(), `auditpack-sweep-${name}-`));
  try {
    mkdirSync(join(dir, 'logs'));
    const shape = name === 'options' ? 'options' : name === 'churn' ? 'churn' : 'open-orders';
    if (shape !== 'options') {
      mkdirSync(join(dir, 'configs'));
      writeFileSync(join(dir, 'configs', 'compliance_policy.yaml'), OPEN_POLICY);
    }
    const log = placeDay(shape, count, join(dir, 'logs'), o.daysDir);
    const sha: Timing[] = [];
    for (let i = 0; i < o.rounds; i++) sha.push(run('sha256sum', [log], dir));
    let m: { exp: Timing; shaC: Timing; ver: Timing };
    if (name === 'open-orders-after') {
      measure(dir, DATE, 0, []); // the day before's pack, which the measured export carries from
      m = measure(dir, NEXT, o.rounds, [DATE]);
    } else m = measure(dir, DATE, o.rounds, []);
    return { name, logMb: statSync(log).size / 1e6, sha: median(sha), ...m, load: [load0, loadavg()[0] ?? 0] };
  } finally {
    spawnSync('chmod', ['-R', 'u+w', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const f2 = (n: number): string => n.toFixed(2);
const f0 = (n: number): string => n.toFixed(0);

/** Measures the shape rows asked for and writes their table (docs/PERFORMANCE.md, its own block). */
export function sweepShapeRows(o: SweepShapeOptions): void {
  const rows = SHAPE_ROWS.filter((r) => o.wanted === undefined || o.wanted.includes(r));
  if (rows.length === 0) return;
  const results: ShapeResult[] = [];
  for (const r of rows) {
    process.stderr.write(`shape ${r}… `);
    const x = measureShape(r, o);
    results.push(x);
    process.stderr.write(`export ${f0(x.exp.rssMb)} MB, verify ${f0(x.ver.rssMb)} MB\n`);
  }
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const text = [
    `Memory shapes of ${new Date().toISOString().slice(0, 16)}Z, commit ${git}, Node ${process.version}, medians of ${o.rounds} rounds, largest peak RSS (\`npx tsx bench/sweep.ts --rows ${SHAPE_ROWS.join(',')}\`).`,
    "Goal: peak RSS ≤ 150 MB (MB = 10^6 bytes) for any day. `open-orders-after` has no log: its ratios are against the day before's log and its own pack.",
    '',
    '| shape | log MB | export s | export CPU s | ×sha256sum | export RSS MB | verify s | verify CPU s | ×sha256sum -c | verify RSS MB | load 1-min |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (x) =>
        `| ${x.name} | ${f0(x.logMb)} | ${f2(x.exp.s)} | ${f2(x.exp.cpu)} | ${f2(x.exp.s / x.sha.s)} | ${f0(x.exp.rssMb)} | ${f2(x.ver.s)} | ${f2(x.ver.cpu)} | ${f2(x.ver.s / x.shaC.s)} | ${f0(x.ver.rssMb)} | ${x.load[0].toFixed(1)}→${x.load[1].toFixed(1)} |`,
    ),
  ].join('\n');
  process.stdout.write(`${text}\n`);
  if (o.write) writeDocBlock('sweep-shapes', text);
}
