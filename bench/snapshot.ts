/**
 * Config snapshot benchmark: 1,000 config files (about 10 MB) in a git repository with
 * uncommitted changes, against the floor a user would otherwise script: `sha256sum` over the same
 * files plus `git diff`. One run, side by side, interleaved, medians; the ratio is printed.
 *
 *   npx tsx bench/snapshot.ts            (ROUNDS=7 by default; ROUNDS=3 for a quick look)
 *
 * Scenarios:
 *   repeat    a snapshot after 10 files changed (the usual case: at startup, after a deploy);
 *             in-process, as the trading app's startupSnapshot() runs it
 *   first     the first snapshot into an empty store (every file redacted and stored, fsynced)
 *   cli       `node bin/auditpack.js snapshot --reason …` end to end, Node start-up included
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConfigSnapshot } from '../src/snapshot/index.js';

const FILES = 1000;
const FILE_BYTES = 10_000;
const CHANGED = 10;
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const BIN = fileURLToPath(new URL('../bin/auditpack.js', import.meta.url));

const EXT = ['yaml', 'json', 'toml', 'ini', 'env', 'properties', 'conf', 'py'] as const;

/** A realistic config file of about FILE_BYTES in a format, with a few secrets among ordinary settings. */
function configText(i: number, ext: (typeof EXT)[number]): string {
  const lines: string[] = [];
  let size = 0;
  let k = 0;
  while (size < FILE_BYTES) {
    const key = k % 17 === 3 ? `db_password_${k}` : k % 23 === 5 ? `api_key_${k}` : `max_position_${k}`;
    const value = k % 17 === 3 || k % 23 === 5 ? `s3cr3t-${i}-${k}` : String((i * 31 + k * 7) % 100_000);
    let line: string;
    switch (ext) {
      case 'yaml':
        line = k % 10 === 0 ? `section_${k}:\n  ${key}: ${value}` : `  ${key}: ${value}`;
        if (k === 0) line = `root:\n${line}`;
        break;
      case 'json':
        line = `  "${key}": "${value}",`;
        break;
      case 'toml':
      case 'ini':
        line = k % 10 === 0 ? `[section_${k}]\n${key} = "${value}"` : `${key} = "${value}"`;
        break;
      case 'env':
        line = `${key.toUpperCase()}=${value}`;
        break;
      case 'properties':
        line = `app.${key}=${value}`;
        break;
      case 'conf':
        line = `${key} ${value};`;
        break;
      default:
        line = `${key.toUpperCase()} = "${value}"`;
    }
    lines.push(line);
    size += line.length + 1;
    k++;
  }
  if (ext === 'json') return `{\n${lines.join('\n')}\n  "end": true\n}\n`;
  return `${lines.join('\n')}\n`;
}

function pathOf(i: number): string {
  const ext = EXT[i % EXT.length] as (typeof EXT)[number];
  return `configs/group-${String(i % 20).padStart(2, '0')}/file-${String(i).padStart(4, '0')}.${ext}`;
}

function setup(): { cwd: string; paths: string[] } {
  const cwd = mkdtempSync(join(tmpdir(), 'auditpack-bench-snapshot-'));
  const paths: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const p = pathOf(i);
    mkdirSync(join(cwd, p, '..'), { recursive: true });
    writeFileSync(join(cwd, p), configText(i, EXT[i % EXT.length] as (typeof EXT)[number]));
    paths.push(p);
  }
  writeFileSync(join(cwd, '.gitignore'), 'audit/\nlogs/\n');
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'b',
    GIT_AUTHOR_EMAIL: 'b@x',
    GIT_COMMITTER_NAME: 'b',
    GIT_COMMITTER_EMAIL: 'b@x',
  };
  execFileSync('git', ['init', '-q', '-b', 'main', '.'], { cwd, env });
  execFileSync('git', ['add', '-A'], { cwd, env });
  execFileSync('git', ['commit', '-q', '-m', 'configs'], { cwd, env });
  return { cwd, paths };
}

/** Edits one setting in each of CHANGED files (uncommitted), as a hand edit or a deploy would. */
function change(cwd: string, round: number): void {
  for (let j = 0; j < CHANGED; j++) {
    const i = (j * 97 + round * 13) % FILES;
    const file = join(cwd, pathOf(i));
    const text = readFileSync(file, 'utf8');
    // The first max_position_N value: replace its digits with the round's.
    writeFileSync(file, text.replace(/(max_position_\d+\W+)\d+/i, `$1${900_000 + round}`));
  }
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function floor(cwd: string, paths: string[]): number {
  const t = process.hrtime.bigint();
  const a = spawnSync('sha256sum', paths, { cwd, maxBuffer: 64 * 1024 * 1024 });
  const b = spawnSync('git', ['diff'], { cwd, maxBuffer: 64 * 1024 * 1024 });
  const elapsed = ms(t);
  if (a.status !== 0 || b.status !== 0) throw new Error(`floor failed: ${a.stderr}${b.stderr}`);
  return elapsed;
}

interface Phase {
  name: string;
  floor: number[];
  ours: number[];
}

async function main(): Promise<void> {
  const { cwd, paths } = setup();
  try {
    const sizeMb = (FILES * FILE_BYTES) / 1e6;
    process.stderr.write(
      `bench: ${FILES} files, ≈${sizeMb.toFixed(1)} MB, ${CHANGED} changed per round, ${ROUNDS} rounds, ${cpus().length} CPUs\n`,
    );
    const store = join(cwd, 'audit/snapshots');
    const logDir = join(cwd, 'logs');
    // Warm-up: page cache, git's stat cache, the JIT; and a first snapshot for the repeat scenario.
    floor(cwd, paths);
    await createConfigSnapshot({ cwd, reason: 'warm-up', snapshotDir: store, logDir });

    // Each scenario is paired with the floor, round by round (same files, same moment), and the
    // scenarios run one after another, so one's disk writes do not land in another's timings.
    const repeat: Phase = { name: 'repeat snapshot, in-process', floor: [], ours: [] };
    for (let round = 0; round < ROUNDS; round++) {
      change(cwd, round);
      repeat.floor.push(floor(cwd, paths));
      const t = process.hrtime.bigint();
      const s = await createConfigSnapshot({ cwd, reason: `bench ${round}`, snapshotDir: store, logDir });
      repeat.ours.push(ms(t));
      if (s.changes.changed.length !== CHANGED || s.git?.dirty !== true)
        throw new Error('repeat snapshot did not see the changes');
    }

    const cli: Phase = { name: 'repeat snapshot, CLI (Node start-up incl.)', floor: [], ours: [] };
    for (let round = 0; round < ROUNDS; round++) {
      change(cwd, ROUNDS + round);
      cli.floor.push(floor(cwd, paths));
      const t = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [BIN, 'snapshot', '--reason', `cli ${round}`], {
        cwd,
        env: { ...process.env, NO_COLOR: '1' },
      });
      cli.ours.push(ms(t));
      if (r.status !== 0) throw new Error(`cli failed: ${r.stderr}`);
    }

    const first: Phase = { name: 'first snapshot, empty store', floor: [], ours: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const coldStore = join(cwd, `audit/cold-${round}`);
      first.floor.push(floor(cwd, paths));
      const t = process.hrtime.bigint();
      const s = await createConfigSnapshot({ cwd, reason: `first ${round}`, snapshotDir: coldStore });
      first.ours.push(ms(t));
      if (Object.keys(s.files).length !== FILES) throw new Error('first snapshot missed files');
      rmSync(coldStore, { recursive: true, force: true });
    }

    process.stdout.write(
      `\nconfig snapshot: ${FILES} files ≈${sizeMb.toFixed(1)} MB in git, ${CHANGED} changed per round; medians of ${ROUNDS}\n`,
    );
    process.stdout.write(
      `${'scenario'.padEnd(44)} ${'floor'.padStart(9)} ${'auditpack'.padStart(10)} ${'ratio'.padStart(7)}\n`,
    );
    for (const ph of [repeat, cli, first]) {
      const f = median(ph.floor);
      const o = median(ph.ours);
      process.stdout.write(
        `${ph.name.padEnd(44)} ${f.toFixed(1).padStart(6)} ms ${o.toFixed(1).padStart(7)} ms ${(o / f).toFixed(2).padStart(6)}×\n`,
      );
    }
    process.stdout.write('floor = sha256sum over the 1,000 files + git diff, spawned from this process\n');
    const goal = median(repeat.ours) / median(repeat.floor);
    process.stdout.write(
      `goal (repeat snapshot within 2× of the floor): ${goal <= 2 ? 'met' : 'NOT met'} at ${goal.toFixed(2)}×\n`,
    );
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

await main();
