/**
 * `auditpack tail` on a logs directory that someone else can write to: a symbolic link at a day
 * file's name is refused like the writer, check and export refuse it (never read through to a key),
 * at the first read, for a later day's file that appears while following, and when swapped in for
 * the followed file; `--json` is one JSON object per line even for a line that is not an event.
 */
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { startTail, until } from '../helpers/tail.js';
import { tempDir } from '../helpers/tmp.js';

const SECRET = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n';
const DAY1 = Date.UTC(2026, 10, 30, 12, 0, 0) * 1000;

/** A logs directory with one real day file (2026-11-30) and a secret outside it. */
async function logsWithSecret(): Promise<{ cwd: string; logs: string; secret: string }> {
  const cwd = tempDir();
  const logs = join(cwd, 'logs');
  const logger = createAuditLogger({ logDir: logs, clock: () => DAY1, durability: 'durable', handleExit: false });
  await logger.log('system', 'Probe', { n: 1 });
  await logger.close();
  const secret = join(cwd, 'id_ed25519');
  writeFileSync(secret, SECRET);
  return { cwd, logs, secret };
}

/** A follower's exit code and what it wrote. */
function collect(args: string[], cwd: string): { t: ReturnType<typeof startTail>; err: () => string } {
  const t = startTail(args, cwd);
  let err = '';
  t.child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  return { t, err: () => err };
}

describe('auditpack tail: a symbolic link at a day file name', () => {
  it('is refused (READ_FAILED, exit 74, like check), not printed, in the human view and --json', async () => {
    const { cwd, logs, secret } = await logsWithSecret();
    symlinkSync(secret, join(logs, 'audit-29991231.jsonl'));
    for (const args of [
      ['-n', '5'],
      ['-n', '5', '--json'],
    ]) {
      const r = runCli(['tail', ...args], { cwd });
      expect(r.code).toBe(74);
      expect(r.stderr).toContain('READ_FAILED');
      expect(r.stderr).toContain('is a symbolic link; never followed, not read');
      expect(r.stdout + r.stderr).not.toContain('PRIVATE KEY');
    }
    const check = runCli(['check', '--date', '2999-12-31', '--fail-on', 'never'], { cwd });
    expect(check.stderr).toContain('READ_FAILED');
  });

  it('-f: a link appearing as the next day file is refused, never read through', async () => {
    const { cwd, logs, secret } = await logsWithSecret();
    const f = collect(['-f', '--json', '--poll-ms', '20'], cwd);
    await until(() => f.t.out().includes('Probe'));
    symlinkSync(secret, join(logs, 'audit-20261201.jsonl'));
    expect(await f.t.exit).toBe(74);
    expect(f.err()).toContain('READ_FAILED');
    expect(f.t.out()).not.toContain('PRIVATE KEY');
  }, 30_000);

  it('-f: a link swapped in for the followed file is refused', async () => {
    const { cwd, logs, secret } = await logsWithSecret();
    const f = collect(['-f', '--poll-ms', '20'], cwd);
    await until(() => f.t.out().includes('Probe'));
    const day = join(logs, 'audit-20261130.jsonl');
    const link = join(cwd, 'swap');
    symlinkSync(secret, link);
    renameSync(link, day);
    expect(await f.t.exit).toBe(74);
    expect(f.err()).toContain('is a symbolic link');
    expect(f.t.out()).not.toContain('PRIVATE KEY');
  }, 30_000);
});

describe('auditpack tail --json: one JSON object per line', () => {
  it('a line that is not an event is an object, its text escaped and redacted like every display', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    const event = '{"ts":1,"seq":1,"category":"system","event":"Probe"}';
    const garbage = 'garbage \u001b]0;PWNED\u0007\u001b[2J \u009b31m password=hunter2 \u202e end';
    writeFileSync(join(cwd, 'logs', 'audit-20261201.jsonl'), `${event}\n${garbage}\n[1,2]\n`);
    const r = runCli(['tail', '-n', 'all', '--json'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(event); // an event: its bytes as they are in the file
    const objects = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects[1]).toEqual({ not_event: true, line: garbage.replace('hunter2', '[REDACTED]') });
    expect(objects[2]).toEqual({ not_event: true, line: '[1,2]' });
    const human = runCli(['tail', '-n', 'all'], { cwd, env: { NO_COLOR: '1' } });
    expect(human.stdout).toContain('password=[REDACTED]');
    expect(human.stdout).not.toContain('hunter2');
  });
});
