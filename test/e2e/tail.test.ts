import { appendFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { startTail, until } from '../helpers/tail.js';
import { tempDir } from '../helpers/tmp.js';

const DAY1_END = Date.UTC(2026, 10, 30, 23, 59, 59, 900) * 1000;
const DAY2 = Date.UTC(2026, 11, 1, 0, 0, 0, 100) * 1000;

describe('auditpack tail', () => {
  it('-f follows across UTC midnight into the next day file, never shows half a line, stops on SIGTERM with 0', async () => {
    const cwd = tempDir();
    let now = DAY1_END;
    const logger = createAuditLogger({
      logDir: join(cwd, 'logs'),
      clock: () => now,
      durability: 'durable',
      handleExit: false,
    });
    await logger.log('system', 'BeforeMidnight', { n: 1 });
    const t = startTail(['-f', '--json', '--poll-ms', '50'], cwd);
    await until(() => t.out().includes('BeforeMidnight'));
    now = DAY2;
    await logger.log('system', 'AfterMidnight', { n: 2 });
    await until(() => t.out().includes('AfterMidnight'));
    expect(readdirSync(join(cwd, 'logs')).filter((f) => f.endsWith('.jsonl'))).toEqual([
      'audit-20261130.jsonl',
      'audit-20261201.jsonl',
    ]);
    // A writer mid-append: half a line is held back until its newline comes.
    const day2 = join(cwd, 'logs', 'audit-20261201.jsonl');
    appendFileSync(day2, '{"half":');
    await new Promise((r) => setTimeout(r, 300));
    expect(t.out()).not.toContain('"half"');
    appendFileSync(day2, '1}\n');
    await until(() => t.out().includes('{"half":1}'));
    await logger.close();
    // --json: the lines exactly as they are in the files, in order.
    const files = ['audit-20261130.jsonl', 'audit-20261201.jsonl'].map((f) =>
      readFileSync(join(cwd, 'logs', f), 'utf8'),
    );
    expect(t.out()).toBe(files.join(''));
    t.child.kill('SIGTERM');
    expect(await t.exit).toBe(0);
  }, 60_000);

  it('-f: the followed day file pruned is a note on stderr, not exit 70; the next day file is followed; a line over the bound is a warning', async () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    let now = DAY1_END;
    const logger = createAuditLogger({ logDir: logs, clock: () => now, durability: 'durable', handleExit: false });
    await logger.log('system', 'BeforeMidnight', { n: 1 });
    const t = startTail(['-f', '--json', '--poll-ms', '50'], cwd);
    let err = '';
    t.child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    await until(() => t.out().includes('BeforeMidnight'));
    rmSync(join(logs, 'audit-20261130.jsonl'));
    await until(() => err.includes('was removed while followed'));
    expect(err).toContain('auditpack: note: audit-20261130.jsonl was removed while followed (pruned or moved away)');
    now = DAY2;
    await logger.log('system', 'AfterMidnight', { n: 2 });
    await until(() => t.out().includes('AfterMidnight'));
    expect(err).toContain('auditpack: note: following audit-20261201.jsonl');
    // 17 MiB without a newline: over the 16 MiB bound on a line, reported and dropped, not held.
    const day2 = join(logs, 'audit-20261201.jsonl');
    const mib = Buffer.alloc(1024 * 1024, 0x78);
    for (let i = 0; i < 17; i++) appendFileSync(day2, mib);
    await until(() => err.includes('LOG_LINE_TOO_LONG'));
    expect(err).toMatch(
      /auditpack: warning LOG_LINE_TOO_LONG: audit-20261201\.jsonl byte \d+: a line longer than 16777216 bytes/,
    );
    appendFileSync(day2, '\n');
    await logger.log('system', 'AfterTheLongLine', { n: 3 });
    await until(() => t.out().includes('AfterTheLongLine'));
    expect(t.out()).not.toContain('xxxx');
    await logger.close();
    t.child.kill('SIGTERM');
    expect(await t.exit).toBe(0);
  }, 60_000);

  it('pretty: time, category/event, seq, fields; no colour when not a terminal; filters', async () => {
    const cwd = tempDir();
    const logger = createAuditLogger({ logDir: join(cwd, 'logs'), durability: 'durable', handleExit: false });
    await logger.log('alert', 'AlertSent', { alert_type: 'pnl', severity: 'HIGH', message: 'loss at 82%' });
    await logger.log('system', 'CronRan', { job: 'nightly' });
    await logger.close();
    const all = runCli(['tail'], { cwd });
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z alert\/AlertSent +#1 {2}alert_type=pnl severity=HIGH message="loss at 82%".* \(.+:\d+\)$/,
    );
    expect(all.stdout).not.toMatch(/\x1b\[/);
    expect(all.stdout).not.toContain('prev');
    const alerts = runCli(['tail', '--category', 'alert', '--json'], { cwd });
    expect(
      alerts.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).event),
    ).toEqual(['AlertSent']);
    expect(runCli(['tail', '--event', 'CronRan', '-n', '1'], { cwd }).stdout).toContain('job=nightly');
    expect(runCli(['tail', '--order', 'nope'], { cwd }).stdout).toBe('');
    expect(runCli(['tail', '--log-dir', 'missing'], { cwd }).code).toBe(66);
    expect(runCli(['tail', '--date', '2001-01-01'], { cwd }).code).toBe(66);
    expect(runCli(['tail', '-n', 'many'], { cwd }).code).toBe(2);
  });

  it('a line that is not an event is shown marked, not dropped', () => {
    const cwd = tempDir();
    runCli(['log', 'system', 'A', 'x=1'], { cwd });
    const [file] = readdirSync(join(cwd, 'logs')).filter((f) => f.endsWith('.jsonl'));
    appendFileSync(join(cwd, 'logs', file as string), 'garbage\n');
    const r = runCli(['tail'], { cwd });
    expect(r.stdout.trim().split('\n').at(-1)).toBe('(not an event) garbage');
  });

  it('a recovered torn write is never an event: --json marks it recovered, --order leaves it out, pretty says so', () => {
    const cwd = tempDir();
    expect(runCli(['log', 'order', 'OrderAccepted', 'order_id=A1'], { cwd }).code).toBe(0);
    const [name] = readdirSync(join(cwd, 'logs')).filter((f) => f.endsWith('.jsonl'));
    const file = join(cwd, 'logs', name as string);
    // A whole event cut just before its "\n" (a crash), recovered by the next writer.
    const fragment = readFileSync(file, 'utf8').trimEnd().replace('"A1"', '"TORN1"');
    appendFileSync(file, fragment);
    expect(runCli(['log', 'order', 'OrderAccepted', 'order_id=A2'], { cwd }).code).toBe(0);
    const json = runCli(['tail', '-n', 'all', '--json'], { cwd });
    const objs = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objs.map((o) => o.order_id ?? o.event ?? o.recovered)).toEqual(['A1', true, 'TornLineRecovered', 'A2']);
    expect(objs[1]).toEqual({ not_event: true, recovered: true, line: fragment });
    expect(runCli(['tail', '--order', 'TORN1', '-n', 'all', '--json'], { cwd }).stdout).toBe('');
    const pretty = runCli(['tail', '-n', 'all'], { cwd }).stdout.trim().split('\n');
    expect(pretty[1]).toMatch(/^\(recovered torn write, not an event\) \{"ts":/);
  });
});
