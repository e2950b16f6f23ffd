/**
 * stdout or stderr on a full disk (cron's `>>/var/log/x 2>&1` with /var full, the logs on their own
 * volume): /dev/full fails every write with ENOSPC. A note that cannot be written never changes the
 * status of work that succeeded (a retried `auditpack log` would log the event twice); a result that
 * cannot be written exits 74 with one line on stderr, never 1 ("problems found") nor a stack.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { day } from '../helpers/days.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';

const full = openSync('/dev/full', 'w');
afterAll(() => closeSync(full));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI with stdout (`'stdout'`) or stderr (`'stderr'`) opened on /dev/full; the other one captured. */
function runFull(which: 'stdout' | 'stderr', args: string[], cwd: string): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
    stdio: which === 'stdout' ? ['ignore', full, 'pipe'] : ['ignore', 'pipe', full],
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const RESULT_LOST = /^auditpack: error WRITE_FAILED: the result could not be written to stdout: ENOSPC[^\n]*\n$/;

function customEvents(cwd: string): number {
  const logs = join(cwd, 'logs');
  return readdirSync(logs)
    .filter((f) => f.endsWith('.jsonl'))
    .reduce((n, f) => n + (readFileSync(join(logs, f), 'utf8').match(/"event":"Custom"/g)?.length ?? 0), 0);
}

/** Yesterday's log (for export and check) in a fresh directory, with a config file to snapshot. */
async function site(): Promise<string> {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'logs'));
  await writeDay(join(cwd, 'logs'), day(-1), SAMPLE_EVENTS);
  mkdirSync(join(cwd, 'configs'));
  writeFileSync(join(cwd, 'configs/risk.yaml'), 'risk:\n  max_position: 100\n');
  return cwd;
}

describe('log: the event is written once, and exit 0 says so, whatever stdout and stderr do', () => {
  it('stderr on a full disk: the note about a custom category is lost, exit 0, the event written once', () => {
    const cwd = tempDir();
    const r = runFull('stderr', ['log', 'app', 'Custom', 'k=1'], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(customEvents(cwd)).toBe(1);
    // The note is real: with a working stderr the same command prints it.
    const seen = runCli(['log', 'app', 'Custom', 'k=2'], { cwd });
    expect(seen.code).toBe(0);
    expect(seen.stderr).not.toBe('');
    expect(customEvents(cwd)).toBe(2);
  });

  it('stdout on a full disk: exit 0, the event written once', () => {
    const cwd = tempDir();
    const r = runFull('stdout', ['log', 'app', 'Custom', 'k=1'], cwd);
    expect(r.code).toBe(0);
    expect(customEvents(cwd)).toBe(1);
  });
});

describe('a result that cannot be written: 74, one line on stderr, no stack', () => {
  it('verify of intact logs: 74 with stdout full (not 1, "problems found"), 0 with stderr full', async () => {
    const cwd = await site();
    const r = runFull('stdout', ['verify', 'logs'], cwd);
    expect(r.stderr).toMatch(RESULT_LOST);
    expect(r.code).toBe(74);
    const json = runFull('stdout', ['verify', 'logs', '--json'], cwd);
    expect(json.stderr).toMatch(RESULT_LOST);
    expect(json.code).toBe(74);
    expect(runFull('stderr', ['verify', 'logs'], cwd).code).toBe(0);
  });

  it('verify that found problems keeps 1 (it says more than 74), and says the report was lost', async () => {
    const cwd = await site();
    const file = join(cwd, 'logs', readdirSync(join(cwd, 'logs')).find((f) => f.endsWith('.jsonl')) as string);
    writeFileSync(file, readFileSync(file, 'utf8').replace('alice', 'alicf'));
    const r = runFull('stdout', ['verify', 'logs'], cwd);
    expect(r.stderr).toMatch(RESULT_LOST);
    expect(r.code).toBe(1);
  });

  it('export: 74 with stdout full (the pack is written and recorded: a re-run says PACK_EXISTS)', async () => {
    const cwd = await site();
    const r = runFull('stdout', ['export', '--date', day(-1)], cwd);
    expect(r.stderr).toMatch(RESULT_LOST);
    expect(r.code).toBe(74);
    expect(runCli(['verify', `artifacts/${day(-1)}`], { cwd }).code).toBe(0);
    expect(runCli(['export', '--date', day(-1)], { cwd }).code).toBe(73);
  });

  it("export with stderr full: the status is the export's own (3: its malformed-line warnings are lost)", async () => {
    const cwd = await site();
    const file = join(cwd, 'logs', readdirSync(join(cwd, 'logs')).find((f) => f.endsWith('.jsonl')) as string);
    writeFileSync(file, `${readFileSync(file, 'utf8')}not an event\n`);
    const r = runFull('stderr', ['export', '--date', day(-1)], cwd);
    expect(r.stdout).toContain(day(-1));
    expect(r.code).toBe(3);
  });

  it("check --json: 74 with stdout full; with stderr full, the status is the check's own", async () => {
    const cwd = await site();
    const own = runCli(['check', '--json'], { cwd }).code;
    expect(own === 0 || own === 1 || own === 3).toBe(true);
    const r = runFull('stdout', ['check', '--json'], cwd);
    expect(r.stderr).toMatch(RESULT_LOST);
    expect(r.code).toBe(own === 0 || own === 3 ? 74 : own);
    expect(runFull('stderr', ['check', '--json'], cwd).code).toBe(own);
  });

  it('snapshot: 74 with stdout full, 0 with stderr full; each snapshot is recorded', async () => {
    const cwd = await site();
    const r = runFull('stdout', ['snapshot', '--reason', 'deploy'], cwd);
    expect(r.stderr).toMatch(RESULT_LOST);
    expect(r.code).toBe(74);
    writeFileSync(join(cwd, 'configs/risk.yaml'), 'risk:\n  max_position: 200\n');
    expect(runFull('stderr', ['snapshot', '--reason', 'raise', '--json'], cwd).code).toBe(0);
    expect(readdirSync(join(cwd, 'audit/snapshots')).filter((f) => f.endsWith('.json'))).toHaveLength(2);
  });

  it('--help with stdout full: 74; a usage error keeps 2', () => {
    const cwd = tempDir();
    const help = runFull('stdout', ['verify', '--help'], cwd);
    expect(help.stderr).toMatch(RESULT_LOST);
    expect(help.code).toBe(74);
    const usage = runFull('stderr', ['verify', '--no-such-option'], cwd);
    expect(usage.code).toBe(2);
  });
});

describe('a result cut short on a file (a disk that fills up mid-write; `ulimit -f` here), at49 F1', () => {
  /** The built CLI under a 1 KiB file size limit, stdout to `out` (a regular file), stderr captured. */
  function runLimited(args: string[], cwd: string, out: string): Run {
    const r = spawnSync('sh', ['-c', 'ulimit -f 1; exec "$@" > "$OUT"', 'sh', process.execPath, BIN, ...args], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, OUT: out, NO_COLOR: '1', FORCE_COLOR: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { code: r.status, stdout: readFileSync(out, 'utf8'), stderr: r.stderr ?? '' };
  }

  it('verify --json and check --json: never a half JSON document with a status that says all is well', async () => {
    const cwd = await site();
    runCli(['export', '--date', day(-1), '--artifacts-dir', 'art'], { cwd });
    const whole = runCli(['verify', join('art', day(-1)), '--json'], { cwd });
    expect(whole.code).toBe(0);
    expect(whole.stdout.length).toBeGreaterThan(1024); // larger than the limit: the write is cut short
    const out = join(tempDir(), 'out.json');
    const v = runLimited(['verify', join('art', day(-1)), '--json'], cwd, out);
    expect(v.stdout.length).toBeLessThan(whole.stdout.length);
    expect(v.stderr).toMatch(
      /^auditpack: error WRITE_FAILED: the result could not be written to stdout: EFBIG[^\n]*\n$/,
    );
    expect(v.code).toBe(74);
    const c = runLimited(['check', '--date', day(-1), '--json'], cwd, out);
    expect(c.stderr).toMatch(/could not be written to stdout: EFBIG/);
    expect(c.code).not.toBe(0);
  });
});
