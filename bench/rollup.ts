/**
 * Roll-up benchmark: `auditpack rollup` (the built CLI) over H hosts × N events a day — each host's
 * pack verified in full, its log scanned for heartbeats and silence, every host's orders and fills
 * merged in one streaming k-way merge, and the compliance checks run over the merged stream.
 *
 *   npm run build && npx tsx bench/rollup.ts                         # 16 hosts × 1,000,000 events
 *   npx tsx bench/rollup.ts --hosts 4,16 --events 100000              # peak RSS as hosts grow
 *
 * Every host is distinct (its own synthetic day with its own host name, exported by the built CLI):
 * the roll-up refuses one pack given under two names, so hard-linked copies would measure one host.
 * Disk: about 600 bytes an event per host (the pack: log, CSVs, compliance files; measured at 50,000
 * events: 30 MB), so 16 × 1M needs about 10 GB under $TMPDIR/auditpack-bench-rollup-<events>/ (kept
 * and reused; delete it to regenerate). Point TMPDIR at a disk with room.
 * Each run is timed by wall clock, CPU (user + sys) and peak RSS from /usr/bin/time; the load
 * average before and after is printed, since other work on the machine inflates the wall time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticDay } from './lib/synthetic-day.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'auditpack.js');
const DATE = '2025-09-08';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : (process.argv[i + 1] as string);
}

/** Host `h`'s exported pack of the synthetic day (made once, then reused). */
function prepareHost(base: string, h: number, events: number): string {
  const dir = join(base, 'hosts', `host${h}`);
  const artifacts = join(dir, 'artifacts');
  if (existsSync(join(artifacts, DATE, 'manifest.json'))) return artifacts;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeSyntheticDay(
    join(dir, 'logs', `audit-${DATE.replaceAll('-', '')}.jsonl`),
    DATE,
    events,
    1,
    '0'.repeat(64),
    `host${h}`,
  );
  execFileSync(process.execPath, [BIN, 'export', '--date', DATE, '--log-dir', 'logs', '--artifacts-dir', 'artifacts'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // The day's log is in the pack; the host's own copy is not needed again.
  rmSync(join(dir, 'logs'), { recursive: true, force: true });
  return artifacts;
}

function runRollup(base: string, hosts: number, events: number): void {
  const from: string[] = [];
  for (let h = 0; h < hosts; h++) from.push('--from', `host${h}=${prepareHost(base, h, events)}`);
  rmSync(join(base, 'rollups'), { recursive: true, force: true });
  const load = loadavg().map((x) => x.toFixed(1));
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', '%U %S %M', process.execPath, BIN, 'rollup', '--date', DATE, ...from, '--out', 'rollups', '--json'],
    { cwd: base, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  const [user, sys, kb] = last.split(' ').map(Number) as [number, number, number];
  if (r.status !== 0 && r.status !== 1) throw new Error(`rollup exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  const out = JSON.parse(r.stdout) as { rollup: { hosts: number }; findings: { code: string }[] };
  if (out.rollup.hosts !== hosts)
    throw new Error(`only ${out.rollup.hosts} of ${hosts} hosts verified: ${JSON.stringify(out.findings)}`);
  const total = hosts * events;
  const cpu = user + sys;
  process.stdout.write(
    `rollup: ${hosts} hosts × ${events} events = ${total} events in ${seconds.toFixed(1)} s wall ` +
      `(${Math.round(total / seconds)} events/s), ${cpu.toFixed(1)} s CPU (${user.toFixed(1)} user + ${sys.toFixed(1)} sys, ` +
      `${((cpu / total) * 1e6).toFixed(1)} µs CPU an event), peak RSS ${(kb / 1024).toFixed(0)} MB; ` +
      `load average before ${load.join(' ')}, after ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}\n`,
  );
}

function main(): void {
  const hostCounts = arg('hosts', '16').split(',').map(Number);
  const events = Number(arg('events', '1000000'));
  const base = join(tmpdir(), `auditpack-bench-rollup-${events}`);
  for (const h of hostCounts) runRollup(base, h, events);
}

main();
