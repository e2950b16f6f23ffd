/**
 * What the compliance checks add to an export (goal: at most 20% on a 1,000,000-event day).
 *
 *   npx tsx bench/compliance.ts                    # 1,000,000 events, 5 rounds of each
 *   npx tsx bench/compliance.ts --events 200000 --rounds 3
 *
 *   npx tsx bench/compliance.ts --unsupervised   # bench/export.ts's day: no risk checks, so a finding
 *                                                # for nearly every order (the worst case)
 *
 * In one run, on the same synthetic day (bench/lib/compliance-day.ts: risk checks, orders, fills, a
 * few modifications and cancels, logins; or with --unsupervised bench/lib/synthetic-day.ts),
 * alternating A B A B … so that changes in the machine's load hit both alike:
 *   A. the export as it is (the built library's exportPack: pack, CSVs, alerts, and the checks
 *      with the built-in policy, whose report, CSV and page it writes);
 *   B. the same export with the checks off (`compliance: false`, the pack layout of earlier versions).
 * With `--baseline DIR` (the dist/ of another build, e.g. `git archive <commit> src tsconfig*.json
 * package.json` compiled with `tsc -p tsconfig.build.json` next to a node_modules link): C. that
 * build's export with the checks, in the same rotation, so a change is measured side by side.
 * Then once: `auditpack check` over the same day (the checks alone, reading the log themselves).
 * Each is a child process timed by wall clock, with CPU seconds and peak RSS from /usr/bin/time. The
 * load average is printed: on a shared machine every figure is inflated; the ratio less so.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeComplianceDay } from './lib/compliance-day.js';
import { writeSyntheticDay } from './lib/synthetic-day.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATE = '2025-09-08';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : Number(process.argv[i + 1]);
}

interface Timing {
  seconds: number;
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
  if (r.status !== 0 && !(cmd === process.execPath && r.status === 1 && args.includes('check')))
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  const lines = r.stderr.trim().split('\n');
  const [user, sys, kb] = (lines[lines.length - 1] as string).split(' ').map(Number) as [number, number, number];
  return { seconds, cpu: user + sys, maxRssMb: kb / 1024 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function main(): void {
  const events = arg('events', 1_000_000);
  const rounds = arg('rounds', 5);
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  const unsupervised = process.argv.includes('--unsupervised');
  const data = join(
    tmpdir(),
    unsupervised ? `auditpack-bench-export-${events}` : `auditpack-bench-compliance-${events}`,
  );
  const logDir = join(data, 'logs');
  const log = join(logDir, 'audit-20250908.jsonl');
  if (!existsSync(log)) {
    mkdirSync(logDir, { recursive: true });
    process.stderr.write(`generating ${events} events into ${log}… `);
    if (unsupervised) writeSyntheticDay(`${log}.part`, DATE, events);
    else writeComplianceDay(`${log}.part`, DATE, events);
    execFileSync('mv', [`${log}.part`, log]);
    process.stderr.write('done\n');
  }
  const work = mkdtempSync(join(tmpdir(), 'auditpack-bench-compliance-'));
  const runner = join(work, 'export.mjs');
  const runnerText = (dist: string): string =>
    `import { exportPack } from ${JSON.stringify(join(dist, 'pack/index.js'))};
const [logDir, artifactsDir, checks] = process.argv.slice(2);
const r = await exportPack({ date: ${JSON.stringify(DATE)}, logDir, artifactsDir, version: 'bench', recordEvent: false, ...(checks === 'off' ? { compliance: false } : {}) });
console.log(JSON.stringify(r.compliance));
`;
  writeFileSync(runner, runnerText(join(ROOT, 'dist')));
  const bi = process.argv.indexOf('--baseline');
  const baseline = bi === -1 ? undefined : join(work, 'baseline.mjs');
  if (baseline !== undefined) writeFileSync(baseline, runnerText(process.argv[bi + 1] as string));
  const bin = join(ROOT, 'bin/auditpack.js');
  process.stderr.write(
    `log: ${(statSync(log).size / 1e6).toFixed(0)} MB, ${events} events; load average before: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
  );
  // Warm-up: page cache, and the first run of each.
  const out = (i: string): string => join(work, `a-${i}`);
  timed(process.execPath, [runner, logDir, out('warm-on'), 'on'], work);
  timed(process.execPath, [runner, logDir, out('warm-off'), 'off'], work);
  if (baseline !== undefined) timed(process.execPath, [baseline, logDir, out('warm-base'), 'on'], work);
  // A pack is about twice the log: kept warm-up packs filled small disks.
  for (const k of ['warm-on', 'warm-off', 'warm-base']) rmSync(out(k), { recursive: true, force: true });
  const on: Timing[] = [];
  const off: Timing[] = [];
  const base: Timing[] = [];
  for (let i = 0; i < rounds; i++) {
    on.push(timed(process.execPath, [runner, logDir, out(`on-${i}`), 'on'], work));
    off.push(timed(process.execPath, [runner, logDir, out(`off-${i}`), 'off'], work));
    if (baseline !== undefined) base.push(timed(process.execPath, [baseline, logDir, out(`base-${i}`), 'on'], work));
    for (const k of ['on', 'off', 'base']) rmSync(out(`${k}-${i}`), { recursive: true, force: true });
    process.stderr.write(
      `round ${i + 1}: with checks ${on[i]?.seconds.toFixed(2)} s (CPU ${on[i]?.cpu.toFixed(2)} s), without ${off[i]?.seconds.toFixed(2)} s (CPU ${off[i]?.cpu.toFixed(2)} s)${baseline === undefined ? '' : `, baseline with checks ${base[i]?.seconds.toFixed(2)} s (CPU ${base[i]?.cpu.toFixed(2)} s)`} (load ${loadavg()[0]?.toFixed(2)})\n`,
    );
  }
  const findings = execFileSync(process.execPath, [runner, logDir, out('count'), 'on'], { encoding: 'utf8' }).trim();
  const check = timed(
    process.execPath,
    [bin, 'check', '--date', DATE, '--logs-dir', logDir, '--fail-on', 'never', '--json'],
    work,
  );
  const ratios = on.map((t, i) => t.seconds / (off[i] as Timing).seconds);
  const row = (name: string, ts: Timing[]): string =>
    `| ${name} | ${median(ts.map((t) => t.seconds)).toFixed(2)} s | ${median(ts.map((t) => t.cpu)).toFixed(2)} s | ${Math.max(...ts.map((t) => t.maxRssMb)).toFixed(0)} MB |`;
  console.log(`\nfindings per severity: ${findings}`);
  console.log(
    `\n${events} events, ${rounds} alternating rounds, medians; load average after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
  );
  console.log('| run | wall | CPU (user+sys) | peak RSS |\n|---|---|---|---|');
  console.log(row('export with the checks', on));
  console.log(row('export without the checks', off));
  if (baseline !== undefined) console.log(row('baseline build: export with the checks', base));
  console.log(row('auditpack check alone', [check]));
  console.log(
    `\nadded by the checks: median of per-round ratios ${((median(ratios) - 1) * 100).toFixed(1)}% wall (rounds: ${ratios.map((r) => `${((r - 1) * 100).toFixed(1)}%`).join(', ')}); CPU ${((median(on.map((t) => t.cpu)) / median(off.map((t) => t.cpu)) - 1) * 100).toFixed(1)}%`,
  );
  rmSync(work, { recursive: true, force: true });
}

main();
