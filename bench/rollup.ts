/**
 * Roll-up benchmark: `auditpack rollup` (the built CLI) over H hosts × N events a day — each host's
 * pack verified in full, its log scanned for heartbeats and silence, and every host's orders and
 * fills merged in one streaming k-way merge.
 *
 *   npm run build && npx tsx bench/rollup.ts                        # 16 hosts × 1,000,000 events
 *   npx tsx bench/rollup.ts --hosts 4 --events 200000
 *
 * One synthetic day in the real format (bench/lib/synthetic-day.ts) is exported once with the built
 * CLI, and every host gets a hard-linked copy of that pack (named with --from HOST=DIR): the roll-up
 * does the same work per host as with distinct packs, without H times the disk. Generated under
 * $TMPDIR/auditpack-bench-rollup-<events>/ and reused (delete it to regenerate). Timed by wall clock,
 * CPU and peak RSS from /usr/bin/time; the load average is printed, since other work inflates it.
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

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : Number(process.argv[i + 1]);
}

/** The exported pack of the synthetic day (made once). */
function preparePack(base: string, events: number): string {
  const artifacts = join(base, 'artifacts');
  if (existsSync(join(artifacts, DATE, 'manifest.json'))) return join(artifacts, DATE);
  mkdirSync(join(base, 'logs'), { recursive: true });
  writeSyntheticDay(join(base, 'logs', `audit-${DATE.replaceAll('-', '')}.jsonl`), DATE, events);
  execFileSync(process.execPath, [BIN, 'export', '--date', DATE, '--log-dir', 'logs', '--artifacts-dir', 'artifacts'], {
    cwd: base,
    stdio: 'inherit',
  });
  return join(artifacts, DATE);
}

function main(): void {
  const hosts = arg('hosts', 16);
  const events = arg('events', 1_000_000);
  const base = join(tmpdir(), `auditpack-bench-rollup-${events}`);
  const pack = preparePack(base, events);
  const from: string[] = [];
  for (let h = 0; h < hosts; h++) {
    const dir = join(base, 'hosts', `host${h}`);
    if (!existsSync(join(dir, DATE))) {
      mkdirSync(dir, { recursive: true });
      execFileSync('cp', ['-al', pack, join(dir, DATE)]);
    }
    from.push('--from', `host${h}=${dir}`);
  }
  rmSync(join(base, 'rollups'), { recursive: true, force: true });
  const load = loadavg().map((x) => x.toFixed(1));
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', '%U %S %M', process.execPath, BIN, 'rollup', '--date', DATE, ...from, '--out', 'rollups', '--json'],
    {
      cwd: base,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  const [user, sys, kb] = last.split(' ').map(Number) as [number, number, number];
  if (r.status !== 0 && r.status !== 1) throw new Error(`rollup exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  const total = hosts * events;
  process.stdout.write(
    `rollup: ${hosts} hosts × ${events} events = ${total} events in ${seconds.toFixed(1)} s wall ` +
      `(${Math.round(total / seconds)} events/s), ${(user + sys).toFixed(1)} s CPU, peak RSS ${(kb / 1024).toFixed(0)} MB; ` +
      `load average before ${load.join(' ')}, after ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}\n`,
  );
}

main();
