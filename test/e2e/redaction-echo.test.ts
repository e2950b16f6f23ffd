/**
 * The built CLI never prints a secret back: usage errors quote what was typed (redacted), unknown
 * options are echoed by commander (redacted), and a snapshot reason is stored and listed redacted.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { writeFiles } from '../snapshot/helpers.js';

const AWS = 'AKIAQWERTYUIOPASDFGH';
const GH = 'ghp_0123456789abcdefghijABCDEFGHIJ456789';

describe('auditpack prints no secret back', () => {
  it('log: a word that is not key=value is named redacted in the usage error', () => {
    const cwd = tempDir();
    const r = runCli(['log', 'alert', 'X', AWS], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('USAGE');
    expect(r.stderr).toContain('expected key=value');
    expect(r.stderr).toContain('[REDACTED]');
    expect(r.stderr + r.stdout).not.toContain(AWS);
  });

  it('log: an unknown option holding a secret is echoed redacted', () => {
    const cwd = tempDir();
    const r = runCli(['log', `--api-key=${GH}`, 'alert', 'X'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option');
    expect(r.stderr + r.stdout).not.toContain(GH);
  });

  it('snapshot --reason: stored, logged and listed redacted, even with the log redaction off', () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/risk.yaml': 'max_position: 100\n' });
    const taken = runCli(['snapshot', '--reason', `rotated ${GH} after the leak`, '--json'], { cwd });
    expect(taken.code).toBe(0);
    expect(JSON.parse(taken.stdout)).toMatchObject({ reason: 'rotated [REDACTED] after the leak' });
    const list = runCli(['snapshot', 'list'], { cwd });
    expect(list.stdout).toContain('rotated [REDACTED] after the leak');
    const show = runCli(['snapshot', 'show', 'latest'], { cwd });
    expect(show.stdout).toContain('reason     rotated [REDACTED] after the leak');
    const store = readdirSync(join(cwd, 'audit/snapshots')).filter((f) => f.endsWith('.json'));
    const logs = readdirSync(join(cwd, 'logs')).map((f) => readFileSync(join(cwd, 'logs', f), 'utf8'));
    for (const text of [
      taken.stdout,
      taken.stderr,
      list.stdout,
      show.stdout,
      ...store.map((f) => readFileSync(join(cwd, 'audit/snapshots', f), 'utf8')),
      ...logs,
    ]) {
      expect(text).not.toContain(GH);
    }
    // Echoes are redacted whatever the log's settings.
    const off = runCli(['log', 'alert', 'X', AWS], { cwd, env: { AUDIT_REDACTION_ENABLED: 'false' } });
    expect(off.code).toBe(2);
    expect(off.stderr).not.toContain(AWS);
  });
  it('log: a MySQL password glued to -p and an argv --password value are written redacted', () => {
    const cwd = tempDir();
    const r = runCli(
      ['log', 'system', 'Probe', 'cmd=mysql -u root -pLEAKmy1 orders', 'alt=db-tool --password=LEAKmy2'],
      {
        cwd,
      },
    );
    expect(r.code).toBe(0);
    const logs = readdirSync(join(cwd, 'logs')).map((f) => readFileSync(join(cwd, 'logs', f), 'utf8'));
    expect(logs.join('')).toContain('mysql -u root -p[REDACTED] orders');
    for (const text of [r.stdout, r.stderr, ...logs]) expect(text).not.toMatch(/LEAKmy/);
  });

  it('verify: a database URL typed as the path is echoed without its password (stderr and --json)', () => {
    const cwd = tempDir();
    const url = 'postgres://u:pwLEAK123@h/db';
    for (const args of [
      ['verify', url],
      ['verify', url, '--json'],
    ]) {
      const r = runCli(args, { cwd });
      expect(r.code).toBe(66);
      expect(r.stderr).toContain('PATH_NOT_FOUND');
      expect(r.stderr).toContain('postgres:/u:[REDACTED]@h/db');
      expect(r.stdout + r.stderr).not.toContain('pwLEAK123');
    }
  });
});
