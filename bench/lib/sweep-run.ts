/**
 * What the sweep's tables share (bench/sweep.ts, sweep-logger.ts, sweep-shapes.ts): a whole command
 * timed with its peak RSS, medians over rounds, and a table written between its markers in
 * docs/PERFORMANCE.md.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DOC = join(fileURLToPath(new URL('../..', import.meta.url)), 'docs/PERFORMANCE.md');

/** One command's wall seconds, CPU seconds (user + system, every thread) and peak RSS in MB. */
export interface Timing {
  s: number;
  cpu: number;
  rssMb: number;
}

/** Runs `cmd` under /usr/bin/time in `cwd` (`env` added); throws when it fails. */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Timing {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const [rss = 0, user = 0, sys = 0] = (r.stderr.trim().split('\n').pop() ?? '0').split(' ').map(Number);
  // MB of 10^6 bytes, the goal's unit (%M is KiB: a figure in MiB would read 2.4% lower).
  return { s, cpu: user + sys, rssMb: (rss * 1024) / 1e6 };
}

/** Medians of the times, the largest peak RSS. */
export function median(ts: Timing[]): Timing {
  const by = (k: keyof Timing): number =>
    [...ts.map((t) => t[k])].sort((a, b) => a - b)[Math.floor(ts.length / 2)] ?? 0;
  return { s: by('s'), cpu: by('cpu'), rssMb: Math.max(...ts.map((t) => t.rssMb)) };
}

/** Puts `text` between the `name` markers of docs/PERFORMANCE.md (`<!-- name:start -->`), or at its end. */
export function writeDocBlock(name: string, text: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const doc = readFileSync(DOC, 'utf8');
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  const block = `${start}\n${text}\n${end}`;
  const next =
    a !== -1 && b > a ? doc.slice(0, a) + block + doc.slice(b + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(DOC, next);
}
