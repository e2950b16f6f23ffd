/**
 * Export benchmark: in one run, on the same 1,000,000-event day,
 *   1. `auditpack export` (the built CLI, as cron runs it: pack, CSVs, alerts, manifests, fsyncs);
 *   2. `sha256sum` over the log — the floor: reading and hashing the bytes once;
 *   3. the script a user would write instead: jq filters to CSV and JSONL, a copy, `sha256sum`.
 * Goal: export within 3× of the floor, at least 5× faster than the jq script, peak RSS < 150 MB.
 *
 *   npx tsx bench/export.ts                    # 1,000,000 events, 3 rounds (jq: 1 round)
 *   npx tsx bench/export.ts --events 200000 --rounds 1
 *
 * The day is a synthetic log in the real format (bench/lib/synthetic-day.ts), generated once into
 * $TMPDIR/auditpack-bench-export-<events>/ and reused by later runs (delete it to regenerate).
 * Contenders run one after the other as child processes (2 cores: side by side would measure
 * contention) on a warm page cache, timed by wall clock; peak RSS from /usr/bin/time. The load
 * average is printed too: other work on the machine inflates every figure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticDay } from './lib/synthetic-day.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATE = '2025-09-08';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : Number(process.argv[i + 1]);
}

interface Timing {
  seconds: number;
  /** user + system CPU seconds (all threads): less disturbed by other load than wall time. */
  cpu: number;
  maxRssMb: number;
}

function timed(cmd: string, args: string[], cwd: string): Timing {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', cmd, ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  const lines = r.stderr.trim().split('\n');
  const [user, sys, kb] = (lines[lines.length - 1] as string).split(' ').map(Number) as [number, number, number];
  return { seconds, cpu: user + sys, maxRssMb: kb / 1024 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const JQ_SCRIPT = `set -e
out="$1"; log="$2"
mkdir -p "$out/data"
cp "$log" "$out/data/audit.jsonl"
jq -r 'select(.category=="order") | [.iso_ts,.seq,.event,.order_id,.symbol,.side,.quantity,.price] | @csv' "$log" > "$out/data/orders.csv"
jq -r 'select(.category=="fill") | [.iso_ts,.seq,.event,.order_id,.deal_id,.symbol,.side,.quantity,.price] | @csv' "$log" > "$out/data/fills.csv"
jq -c 'select(.category=="alert" or .severity=="HIGH" or .severity=="CRITICAL" or .event=="LoginFailed" or .event=="Rejected" or .event=="ConfigChanged")' "$log" > "$out/data/alerts.jsonl"
cd "$out" && sha256sum data/* > manifest-sha256.txt && sync -f manifest-sha256.txt
`;

function main(): void {
  const events = arg('events', 1_000_000);
  const rounds = arg('rounds', 3);
  if (!existsSync(join(ROOT, 'dist/cli/main.js')))
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  const data = join(tmpdir(), `auditpack-bench-export-${events}`);
  const logDir = join(data, 'logs');
  const log = join(logDir, 'audit-20250908.jsonl');
  if (!existsSync(log)) {
    mkdirSync(logDir, { recursive: true });
    process.stderr.write(`generating ${events} events into ${log}… `);
    writeSyntheticDay(`${log}.part`, DATE, events);
    execFileSync('mv', [`${log}.part`, log]);
    process.stderr.write('done\n');
  }
  const logBytes = statSync(log).size;
  const work = mkdtempSync(join(tmpdir(), 'auditpack-bench-export-run-'));
  const script = join(work, 'user-script.sh');
  writeFileSync(script, JQ_SCRIPT);
  try {
    let n = 0;
    const runExport = (): Timing =>
      timed(
        process.execPath,
        [
          join(ROOT, 'bin/auditpack.js'),
          'export',
          '--date',
          DATE,
          '--logs-dir',
          logDir,
          '--artifacts-dir',
          join(work, `a${n++}`),
          '--retention-days',
          '100000',
        ],
        work,
      );
    const runFloor = (): Timing => timed('sha256sum', [log], work);
    const runJq = (): Timing => timed('bash', [script, join(work, `jq${n++}`), log], work);
    // Warm the page cache and check every contender works.
    runFloor();
    runExport();
    const load = loadavg()[0] as number;
    const floor: Timing[] = [];
    const exp: Timing[] = [];
    for (let i = 0; i < rounds; i++) {
      floor.push(runFloor());
      exp.push(runExport());
    }
    const jq = runJq();
    const f = median(floor.map((t) => t.seconds));
    const e = median(exp.map((t) => t.seconds));
    const rss = Math.max(...exp.map((t) => t.maxRssMb));
    const mb = logBytes / 1e6;
    const fCpu = median(floor.map((t) => t.cpu));
    const eCpu = median(exp.map((t) => t.cpu));
    const rows = [
      ['sha256sum (floor)', f, fCpu, floor[0]?.maxRssMb ?? 0],
      ['auditpack export', e, eCpu, rss],
      ['jq script', jq.seconds, jq.cpu, jq.maxRssMb],
    ] as const;
    console.log(
      `day: ${events} events, ${mb.toFixed(0)} MB; ${rounds} round(s), median; load average ${load.toFixed(2)} at start, ${(loadavg()[0] as number).toFixed(2)} at end`,
    );
    for (const [name, s, c, r] of rows) {
      console.log(
        `${name.padEnd(20)} ${s.toFixed(2).padStart(7)} s wall  ${(mb / s).toFixed(0).padStart(5)} MB/s  ${c.toFixed(2).padStart(7)} s CPU  peak RSS ${r.toFixed(0)} MB`,
      );
    }
    console.log(
      `export / floor: ${(e / f).toFixed(2)}× wall (goal ≤ 3×), ${(eCpu / fCpu).toFixed(2)}× CPU   jq / export: ${(jq.seconds / e).toFixed(1)}× (goal ≥ 5×)   export peak RSS ${rss.toFixed(0)} MB (goal < 150)`,
    );
  } finally {
    spawnSync('chmod', ['-R', 'u+w', work]); // packs are read-only
    rmSync(work, { recursive: true, force: true });
  }
}

main();
