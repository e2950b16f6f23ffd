/**
 * Export and prune as cron and a careless operator run them: a clock that jumped, days that have
 * not ended, an unwritable artifacts dir, a reader that goes away, and a pack that does not verify.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/index.js';
import { BIN, runCli } from '../helpers/cli.js';
import { copyInstall, sharedTempDir } from '../helpers/install.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { day } from '../helpers/days.js';

/** Logs and packs for the `n` days before yesterday. */
async function archive(n: number): Promise<{ cwd: string; dates: string[] }> {
  const cwd = tempDir();
  const logDir = join(cwd, 'logs');
  mkdirSync(logDir);
  const dates = Array.from({ length: n }, (_, i) => day(-n - 1 + i));
  for (const d of dates) await writeDay(logDir, d, SAMPLE_EVENTS);
  // Recorded, as the CLI's exports are: the next export links only a pack the log records.
  for (const d of dates) await exportPack({ date: d, logDir, artifactsDir: join(cwd, 'artifacts'), version: '0.1.0' });
  return { cwd, dates };
}

const packsIn = (dir: string): string[] =>
  readdirSync(dir)
    .filter((n) => /^\d{4}-\d{2}-\d{2}/.test(n))
    .sort();

describe('a clock that jumped never costs evidence', () => {
  it('with the clock at 2099, export and prune refuse with CLOCK_SKEW (75): no 2099 pack, no pack pruned', async () => {
    const { cwd, dates } = await archive(5);
    const at2099 = (args: string[]) =>
      spawnSync('faketime', ['2099-06-01 12:00:00', process.execPath, BIN, ...args], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
    const e = at2099(['export', '--retention-days', '30']);
    expect(e.stderr).toMatch(
      /^auditpack: error CLOCK_SKEW: refusing to export: the newest log or pack is dated \d{4}-\d{2}-\d{2}, \d+ days before today \(2099-06-01\)/,
    );
    expect(e.status).toBe(75);
    const p = at2099(['prune', '--retention-days', '30']);
    expect(p.stderr).toMatch(/CLOCK_SKEW: refusing to prune/);
    expect(p.status).toBe(75);
    expect(packsIn(join(cwd, 'artifacts'))).toEqual(dates);
    // Back to the real clock: the next export works as usual.
    const ok = runCli(['export', '--retention-days', '30'], { cwd });
    expect(ok.code, ok.stderr).toBe(0);
    expect(packsIn(join(cwd, 'artifacts'))).toEqual([...dates, day(-1)]);
  });
});

describe('export --date: only days that have ended', () => {
  it.each([
    [day(0), /DATE_NOT_ENDED: .* is today/],
    [day(1), /DATE_NOT_ENDED: .* is in the future/],
    ['9999-12-31', /DATE_NOT_ENDED/],
    ['0000-01-01', /USAGE: 0000-01-01 is before 1970-01-01/],
  ])('--date %s: exit 2, nothing written', (date, message) => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    const r = runCli(['export', '--date', date], { cwd });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(existsSync(join(cwd, 'artifacts'))).toBe(false);
  });

  it('--partial exports today, marked partial (exit 0)', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    expect(runCli(['log', 'order', 'OrderAccepted', 'order_id=A'], { cwd }).code).toBe(0);
    const r = runCli(['export', '--partial', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, date: day(0), partial: true });
  });
});

describe('export to an unwritable directory', () => {
  it('as a non-root user: exit 77 PERMISSION_DENIED, one line, no stack trace', () => {
    const asRoot = process.getuid?.() === 0;
    const install = asRoot ? copyInstall() : { node: process.execPath, bin: BIN };
    const cwd = asRoot ? sharedTempDir() : tempDir();
    chmodSync(cwd, 0o755);
    mkdirSync(join(cwd, 'logs'), { mode: 0o777 });
    chmodSync(join(cwd, 'logs'), 0o777);
    mkdirSync(join(cwd, 'ro'));
    chmodSync(join(cwd, 'ro'), 0o555);
    const asUser = asRoot ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'] : [];
    for (const dir of ['ro', 'ro/sub']) {
      const cmd = [...asUser, install.node, install.bin, 'export', '--date', day(-1), '--artifacts-dir', dir];
      const r = spawnSync(cmd[0] as string, cmd.slice(1), {
        cwd,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, NO_COLOR: '1' },
      });
      expect(r.stderr).toMatch(/^auditpack: error PERMISSION_DENIED: .*EACCES/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.status).toBe(77);
    }
    expect(readdirSync(join(cwd, 'ro'))).toEqual([]);
  });
});

describe('a reader that goes away', () => {
  it('auditpack verify … | head -1: no EPIPE stack trace, the command exits with its own status', async () => {
    const { cwd } = await archive(3);
    const run = (): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [BIN, 'verify', 'artifacts'], {
          cwd,
          env: { ...process.env, NO_COLOR: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout.destroy(); // the reader is gone before the first line
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    const r = await run();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Through a real shell pipe too.
    const sh = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" verify artifacts | head -1`], {
      cwd,
      encoding: 'utf8',
    });
    expect(sh.stderr).toBe('');
    expect(sh.status).toBe(0);
    expect(sh.stdout.split('\n')).toHaveLength(2);
  });
});

describe('prune never deletes a pack that does not verify', () => {
  it('an old pack with an altered file stays (and prune says why); the intact old ones go', async () => {
    const { cwd, dates } = await archive(5);
    const victim = dates[0] as string;
    const file = join(cwd, 'artifacts', victim, 'data', 'orders.csv');
    chmodSync(join(cwd, 'artifacts', victim, 'data'), 0o755);
    chmodSync(file, 0o644);
    writeFileSync(file, 'seq\n1\n');
    const r = runCli(['prune', '--retention-days', '2'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    // Named with the reason (the plan's own hash check, or the full verifier behind it).
    expect(r.stderr).toMatch(new RegExp(`left alone ${victim}: .*does not verify.*orders\\.csv`));
    expect(packsIn(join(cwd, 'artifacts'))).toEqual([victim, dates[4]]); // the cutoff is 2 days back: the three intact old packs went
  });
});
