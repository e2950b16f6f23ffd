import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { gitEnvironment, readGitStatus } from '../../src/snapshot/git.js';
import { tempDir } from '../helpers/tmp.js';
import { git, initRepo, writeFiles } from './helpers.js';

// The repository's own config is not trusted: whoever can write .git/config must not get a command
// run inside an export that holds the signing key (attack10 #09).
describe('git run on a repository auditpack does not trust', () => {
  it('never runs the core.fsmonitor command the repository names, and still reads its status', async () => {
    const cwd = tempDir();
    initRepo(cwd, { 'configs/app.yaml': 'a: 1\n' });
    const marker = join(cwd, 'RAN');
    const planted = join(cwd, 'planted.sh');
    writeFileSync(planted, `#!/bin/sh\necho ran >> '${marker}'\n`);
    chmodSync(planted, 0o755);
    git(cwd, 'config', 'core.fsmonitor', planted);
    writeFiles(cwd, { 'configs/app.yaml': 'a: 2\n' });
    const status = await readGitStatus(cwd, 10_000);
    expect(existsSync(marker)).toBe(false);
    expect(status.changed.has('configs/app.yaml')).toBe(true);
    expect(status.facts.branch).toBe('main');
  });

  it("gives git no setting of auditpack's own (the signing key's path, S3 credentials)", () => {
    const env = gitEnvironment({
      PATH: '/usr/bin',
      HOME: '/home/ops',
      AUDITPACK_SIGNING_KEY: '/keys/ed25519',
      AWS_SECRET_ACCESS_KEY: 'x',
      GIT_DIR: '/elsewhere',
      EDITOR: 'vi',
      LANG: 'C.UTF-8',
    });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/ops', LANG: 'C.UTF-8' });
  });

  // attack10 #08: a branch is text an operator chose, like a path (964d701), and is copied into the
  // store's record, every pack's config_snapshot.json and the CLI's output.
  it('records a branch name the redactor would change under a keyed placeholder, stable across snapshots', async () => {
    const cwd = tempDir();
    const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    initRepo(cwd, { 'configs/app.yaml': 'a: 1\n' });
    git(cwd, 'checkout', '-q', '-b', `deploy/token=${token}`);
    const one = await createConfigSnapshot({ cwd, reason: 'r' });
    const two = await createConfigSnapshot({ cwd, reason: 'r' });
    expect(one.git?.branch).toMatch(/^\[REDACTED-BRANCH:hmac-sha256:[0-9a-f]{16}\]$/);
    expect(two.git?.branch).toBe(one.git?.branch);
    expect(JSON.stringify(one)).not.toContain(token);
    git(cwd, 'checkout', '-q', '-b', 'release/2026-12');
    expect((await createConfigSnapshot({ cwd, reason: 'r' })).git?.branch).toBe('release/2026-12');
    const off = await createConfigSnapshot({ cwd, reason: 'r', redaction: false, snapshotDir: join(cwd, 'plain') });
    expect(off.git?.branch).toBe('release/2026-12');
  });
});
