import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { sharedTempDir } from '../helpers/install.js';
import { tempDir } from '../helpers/tmp.js';

describe('a .tar.gz pack extracted by a user who is not root', () => {
  it('directories 0755, files 0444: extract, rm -rf, extract again all succeed', () => {
    const cwd = tempDir();
    const demo = JSON.parse(runCli(['demo', '--json'], { cwd }).stdout);
    expect(runCli(['export', '--date', demo.date, '--force', '--compress'], { cwd }).code).toBe(0);
    const tgz = join(cwd, 'artifacts', `${demo.date}.tar.gz`);
    const list = spawnSync('tar', ['-tvzf', tgz], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    for (const line of list.stdout.trim().split('\n')) {
      if (line.endsWith('/')) expect(line).toMatch(/^drwxr-xr-x /);
      else expect(line).toMatch(/^-r--r--r-- /);
    }
    const asRoot = process.getuid?.() === 0;
    const dir = asRoot ? sharedTempDir() : tempDir();
    chmodSync(dir, 0o777);
    copyFileSync(tgz, join(dir, 'pack.tar.gz'));
    chmodSync(join(dir, 'pack.tar.gz'), 0o444);
    const asUser = asRoot ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'] : [];
    const script = `set -e; tar -xzf pack.tar.gz; rm -rf ${demo.date}; tar -xzf pack.tar.gz; tar -xzf pack.tar.gz; rm -rf ${demo.date}; test ! -e ${demo.date}`;
    const cmd = [...asUser, 'sh', '-c', script];
    const r = spawnSync(cmd[0] as string, cmd.slice(1), { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);
});
