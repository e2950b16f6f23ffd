/**
 * The built CLI at midnight (faketime): `auditpack export` of yesterday at 00:00:01, while
 * yesterday's file is still the newest, closes the day first with a system/DayClosed event in
 * today's file, so a late `auditpack log` of yesterday goes there marked late and yesterday's pack
 * is its file. After a writer crossed midnight (cron at 00:05) it writes nothing new. A caller
 * cannot write the reserved name. Verify and the reference checker pass the log and the artifacts.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { fileRecords } from '../helpers/log-records.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const D = '2026-11-01';

/** The built CLI run in `cwd` with the clock at `at` (UTC, faketime: it ticks on from there). */
function at(cwd: string, when: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('faketime', [`${when} UTC`, process.execPath, BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', TZ: 'UTC', FAKETIME_DONT_FAKE_MONOTONIC: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function exported(cwd: string, when: string): void {
  const r = at(cwd, when, ['export', '--date', D, '--log-dir', 'logs', '--artifacts-dir', 'art', '--json']);
  expect([0, 3], r.stderr).toContain(r.code);
  expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
}

function bothPass(cwd: string, args: string[]): void {
  const v = runCli(['verify', ...args, '--json'], { cwd });
  expect(v.code, `verify ${args.join(' ')}: ${v.stdout}${v.stderr}`).toBe(0);
  expect(pythonPackCheck(join(cwd, args[0] as string)).errors).toEqual([]);
}

describe('auditpack export right after midnight (faketime)', () => {
  it('closes yesterday first: a late log of yesterday goes to today, marked late; the pack is the day file', {
    timeout: 60_000,
  }, () => {
    const cwd = tempDir();
    expect(at(cwd, `${D} 23:59:40`, ['log', 'order', 'OrderAccepted', 'order_id=A-1', '--log-dir', 'logs']).code).toBe(
      0,
    );
    exported(cwd, '2026-11-02 00:00:01');
    expect(at(cwd, `${D} 23:59:50`, ['log', 'order', 'OrderAccepted', 'order_id=A-2', '--log-dir', 'logs']).code).toBe(
      0,
    );
    const today = fileRecords(join(cwd, 'logs', 'audit-20261102.jsonl'));
    expect(today.map((l) => `${l.event}${l.late === true ? ' late' : ''}`)).toEqual([
      'DayClosed',
      'ConfigSnapshot', // the export's own snapshot (no config files: an empty one)
      'PackExported',
      'OrderAccepted late',
    ]);
    expect(today[0]).toMatchObject({ category: 'system', date: D });
    expect(today[0]).not.toHaveProperty('validation');
    const dayFile = readFileSync(join(cwd, 'logs', 'audit-20261101.jsonl'));
    expect(readFileSync(join(cwd, 'art', D, 'data', 'audit.jsonl')).equals(dayFile)).toBe(true);
    bothPass(cwd, ['logs']);
    bothPass(cwd, ['art', '--log-dir', 'logs']);
    // The name is the export's: a caller's is refused from the shell.
    const forged = runCli(['log', 'system', 'DayClosed', `date=${D}`, '--log-dir', 'logs'], { cwd });
    expect(forged.code).toBe(2);
    expect(forged.stderr).toContain('USAGE');
  });

  it('writes nothing new after a writer crossed midnight (cron at 00:05)', { timeout: 60_000 }, () => {
    const cwd = tempDir();
    expect(at(cwd, `${D} 23:59:40`, ['log', 'order', 'OrderAccepted', 'order_id=A-1', '--log-dir', 'logs']).code).toBe(
      0,
    );
    expect(at(cwd, '2026-11-02 00:00:03', ['log', 'auth', 'Login', 'user=amy', '--log-dir', 'logs']).code).toBe(0);
    exported(cwd, '2026-11-02 00:05:00');
    const events = readdirSync(join(cwd, 'logs'))
      .filter((n) => n.endsWith('.jsonl'))
      .flatMap((n) => fileRecords(join(cwd, 'logs', n)).map((l) => l.event));
    expect(events).toEqual(['OrderAccepted', 'Login', 'ConfigSnapshot', 'PackExported']);
    bothPass(cwd, ['art', '--log-dir', 'logs']);
  });
});
