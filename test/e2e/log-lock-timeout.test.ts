/**
 * A writer stopped while it holds the log lock (SIGSTOP, ^Z, a debugger) holds it for good. The
 * CLI's commands that write to the log (`export`, `snapshot`, `log`) wait AUDITPACK_LOCK_TIMEOUT
 * seconds (default 30) for it and then fail with LOG_LOCK_TIMEOUT (exit 75); export's lost-head
 * check reads the cache unlocked past the wait, and refuses only on two reads that agree. `0`
 * waits without limit, as before. Each run has a kill deadline far past the bound: a hang fails
 * the test instead of hanging CI.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { day, logOrderDay } from '../helpers/days.js';
import { tempDir } from '../helpers/tmp.js';

const logFileOf = (date: string): string => `audit-${date.replaceAll('-', '')}.jsonl`;
const ADDON = fileURLToPath(new URL('../../node_modules/fs-native-extensions/index.js', import.meta.url));
const holders: ChildProcess[] = [];

afterEach(() => {
  for (const h of holders.splice(0)) h.kill('SIGKILL'); // a stopped process dies of SIGKILL too
});

/** A process that takes the writers' lock on `<logDir>/.audit.lock` and, with `stop`, stops itself holding it. */
async function holdLock(logDir: string, stop: boolean): Promise<ChildProcess> {
  const script = `const fs=require('fs'); const n=require(${JSON.stringify(ADDON)});
    const fd=fs.openSync(${JSON.stringify(join(logDir, '.audit.lock'))},fs.constants.O_RDWR|fs.constants.O_CREAT);
    n.waitForLockSync(fd,0,0); process.stdout.write('held\\n');
    ${stop ? "setTimeout(()=>process.kill(process.pid,'SIGSTOP'),20);" : ''} setInterval(()=>{},1e6);`;
  const holder = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  holders.push(holder);
  await new Promise<void>((resolve, reject) => {
    holder.stdout?.once('data', () => resolve());
    holder.once('exit', (c) => reject(new Error(`the lock holder exited ${c}`)));
  });
  return holder;
}

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the built CLI; `done` settles when it exits (killed after `killAfterMs`: a hang shows as SIGKILL). */
function start(args: string[], cwd: string, lockTimeout: string, killAfterMs = 40_000) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', AUDITPACK_LOCK_TIMEOUT: lockTimeout },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { done, running: () => !exited };
}

/** A working directory with yesterday's log (one order) and a config file to snapshot. */
async function workdir(): Promise<{ cwd: string; logs: string; date: string }> {
  const cwd = tempDir();
  const logs = join(cwd, 'logs');
  const date = day(-1);
  await logOrderDay(logs, date);
  mkdirSync(join(cwd, 'configs'));
  writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_qty: 10\n');
  return { cwd, logs, date };
}

function expectTimeout(r: Run, logs: string): void {
  expect(r.signal, `hung: ${r.stderr}`).toBeNull();
  expect(r.stderr).toContain('auditpack: error LOG_LOCK_TIMEOUT');
  expect(r.stderr).toContain(join(logs, '.audit.lock'));
  expect(r.stderr).toMatch(/waited 1 s for the log lock/);
  expect(r.stderr).toContain('fuser -v');
  // a command-line user has no close() to call again (at39 F8)
  expect(r.stderr).not.toContain('close()');
  expect(r.code).toBe(75);
}

describe('CLI commands and a log lock held by a stopped writer', () => {
  it('log: AUDITPACK_LOCK_TIMEOUT=1 fails with LOG_LOCK_TIMEOUT, exit 75, nothing written', {
    timeout: 60_000,
  }, async () => {
    const { cwd, logs } = await workdir();
    const before = readdirSync(logs).map((n) => [n, readFileSync(join(logs, n), 'utf8')]);
    await holdLock(logs, true);
    const r = await start(['log', 'system', 'Note', 'text=hello', '--log-dir', logs], cwd, '1').done;
    expectTimeout(r, logs);
    expect(readdirSync(logs).map((n) => [n, readFileSync(join(logs, n), 'utf8')])).toEqual(before);
  });

  it('snapshot: fails with LOG_LOCK_TIMEOUT, exit 75; the snapshot stays, unchained', { timeout: 60_000 }, async () => {
    const { cwd, logs } = await workdir();
    await holdLock(logs, true);
    const r = await start(['snapshot', '--reason', 'test', '--configs', 'configs/*.yaml', '--log-dir', logs], cwd, '1')
      .done;
    expectTimeout(r, logs);
    expect(r.stderr).toMatch(/snapshot \S+ was written, but its ConfigSnapshot event could not be appended/);
  });

  it('export of a day whose file is still the newest: the head check reads unlocked past the wait and says so; its DayClosed event then times out (exit 75): no pack', {
    timeout: 60_000,
  }, async () => {
    const { cwd, logs, date } = await workdir();
    await holdLock(logs, true);
    const r = await start(['export', '--date', date, '--log-dir', logs, '--artifacts-dir', 'art', '--json'], cwd, '1')
      .done;
    expectTimeout(r, logs);
    expect(r.stderr).toContain(
      `${date}'s log file is still the newest and its DayClosed event, which stops it growing before it is packed, was not written`,
    );
    expect(r.stderr).toContain('No pack was written');
    expect(r.stderr).toContain("the day's lost-head check read the cache without the lock (LOG_HEAD_UNLOCKED)");
    const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; exit: number } };
    expect(out).toMatchObject({ ok: false, error: { code: 'LOG_LOCK_TIMEOUT', exit: 75 } });
    expect(readdirSync(join(cwd, 'art')).filter((n) => n.startsWith(date))).toEqual([]);
    expect(readdirSync(logs).filter((n) => n.endsWith('.jsonl'))).toEqual([logFileOf(date)]);
  });

  it("export of a day a later file follows: the head check reads unlocked past the wait and says so; its snapshot's event then times out (exit 75): no pack, the snapshot record stays unchained", {
    timeout: 60_000,
  }, async () => {
    const { cwd, logs, date } = await workdir();
    await logOrderDay(logs, day(0)); // a writer crossed midnight: nothing to close
    await holdLock(logs, true);
    const r = await start(['export', '--date', date, '--log-dir', logs, '--artifacts-dir', 'art', '--json'], cwd, '1')
      .done;
    expectTimeout(r, logs);
    expect(r.stderr).not.toContain('DayClosed');
    expect(r.stderr).toMatch(/snapshot \S+ was written, but its ConfigSnapshot event could not be appended/);
    expect(r.stderr).toContain("the day's lost-head check read the cache without the lock (LOG_HEAD_UNLOCKED)");
    const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; exit: number } };
    expect(out).toMatchObject({ ok: false, error: { code: 'LOG_LOCK_TIMEOUT', exit: 75 } });
    expect(readdirSync(join(cwd, 'art')).filter((n) => n.startsWith(date))).toEqual([]);
  });

  it('export: a day file cut under a stopped writer is refused (LOG_HEAD_LOST) from the unlocked reads, never hangs', {
    timeout: 60_000,
  }, async () => {
    const { cwd, logs, date } = await workdir();
    await logOrderDay(logs, date);
    await logOrderDay(logs, date);
    const file = join(logs, readdirSync(logs).find((n) => n.endsWith('.jsonl')) as string);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.length).toBeGreaterThan(2);
    writeFileSync(file, `${lines[0]}\n`);
    await holdLock(logs, true);
    const r = await start(['export', '--date', date, '--log-dir', logs, '--artifacts-dir', 'art'], cwd, '1').done;
    expect(r.signal, `hung: ${r.stderr}`).toBeNull();
    expect(r.stderr).toContain('auditpack: error LOG_HEAD_LOST');
    expect(r.code).not.toBe(0);
  });

  it('AUDITPACK_LOCK_TIMEOUT=0 waits without limit: still waiting while the lock is held, done once it is free', {
    timeout: 60_000,
  }, async () => {
    const { cwd, logs } = await workdir();
    const holder = await holdLock(logs, false);
    const run = start(['log', 'system', 'Note', 'text=waited', '--log-dir', logs], cwd, '0');
    await new Promise((r) => setTimeout(r, 1500));
    expect(run.running(), 'the command did not wait for the lock').toBe(true);
    holder.kill('SIGKILL'); // the kernel drops a dead holder's lock
    const r = await run.done;
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(
      readdirSync(logs).some((n) => n.endsWith('.jsonl') && readFileSync(join(logs, n), 'utf8').includes('waited')),
    ).toBe(true);
  });

  it('a malformed AUDITPACK_LOCK_TIMEOUT is CONFIG_INVALID (exit 78), and --help still works', {
    timeout: 60_000,
  }, async () => {
    const { cwd, logs } = await workdir();
    const r = await start(['log', 'system', 'Note', 'text=x', '--log-dir', logs], cwd, '30s').done;
    expect(r.stderr).toContain('CONFIG_INVALID: AUDITPACK_LOCK_TIMEOUT must be a number of seconds');
    expect(r.code).toBe(78);
    expect((await start(['log', '--help'], cwd, '30s').done).code).toBe(0);
  });
});
