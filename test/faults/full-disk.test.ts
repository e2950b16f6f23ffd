/**
 * The fault suite's full-disk part for export and snapshot, on a real tiny tmpfs (the logger's is
 * durable-full-disk.test.ts): the command fails with exit 74 and one line, leaves nothing half
 * written, and succeeds once space is back.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { CAN_MOUNT, SMALL_DISK_REASON, smallDisk } from '../helpers/small-disk.js';
import { tempDir } from '../helpers/tmp.js';
import { writeDay } from '../pack/helpers.js';

const DATE = new Date((Math.floor(Date.now() / 86_400_000) - 1) * 86_400_000).toISOString().slice(0, 10);

describe.skipIf(!CAN_MOUNT)(`full disk (${SMALL_DISK_REASON})`, () => {
  it('export to a full artifacts disk: exit 74 WRITE_FAILED, no pack and no leftover; after space is back the re-run exports and verifies', async () => {
    const cwd = tempDir();
    const logDir = join(cwd, 'logs');
    mkdirSync(logDir);
    const events = Array.from({ length: 3000 }, (_, i) => ({
      category: 'order',
      event: 'OrderAccepted',
      fields: { order_id: `O-${i}`, symbol: 'EURUSD', note: 'z'.repeat(100) },
    }));
    await writeDay(logDir, DATE, events);
    const disk = smallDisk(16 * 1024); // the day's log is ~450 KB; the pack (with its compliance report) and its archive need a few MB
    disk.fill(64 * 1024);
    const args = ['export', '--date', DATE, '--compress', '--logs-dir', 'logs', '--artifacts-dir', disk.dir];
    const r = runCli(args, { cwd });
    expect(r.code, r.stderr).toBe(74);
    expect(r.stderr).toMatch(/^auditpack: error WRITE_FAILED: .*ENOSPC/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(disk.dir).filter((n) => n !== '.filler' && n !== '.export.lock')).toEqual([]);
    disk.free();
    const again = runCli(args, { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(disk.dir, `${DATE}.tar.gz`))).toBe(true);
    expect(runCli(['verify', disk.dir], { cwd }).code).toBe(0);
  });

  it('snapshot on a full disk: exit 74, the store stays readable (nothing half written); after space is back it succeeds', () => {
    const disk = smallDisk(2048);
    const cwd = disk.dir;
    mkdirSync(join(cwd, 'configs'));
    for (let i = 0; i < 40; i++)
      writeFileSync(join(cwd, 'configs', `c${i}.yaml`), `limit: ${i}\nnote: ${'q'.repeat(2000)}\n`);
    expect(runCli(['snapshot', '--reason', 'before'], { cwd }).code).toBe(0);
    for (let i = 0; i < 40; i++)
      writeFileSync(join(cwd, 'configs', `c${i}.yaml`), `limit: ${i + 1}\nnote: ${'r'.repeat(2000)}\n`);
    disk.fill(16 * 1024);
    const r = runCli(['snapshot', '--reason', 'on a full disk'], { cwd });
    expect(r.code, r.stderr).toBe(74);
    expect(r.stderr).toMatch(/ENOSPC/);
    const list = runCli(['snapshot', 'list'], { cwd });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('before');
    expect(list.stdout).not.toContain('on a full disk');
    const leftover = execFileSync('find', [join(cwd, 'audit'), '-name', '.tmp-*'], { encoding: 'utf8' }).trim();
    expect(leftover).toBe('');
    disk.free();
    const again = runCli(['snapshot', '--reason', 'space is back'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(runCli(['snapshot', 'list'], { cwd }).stdout).toContain('space is back');
  });
});
