/**
 * `auditpack snapshot` end to end: the built CLI in a fresh temporary directory, in a real git
 * repository and outside git, asserting exit codes, error codes on stderr and the files written.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigSnapshot, SnapshotComparison, SnapshotSummary } from '../../src/snapshot/index.js';
import { BIN, runCli } from '../helpers/cli.js';
import { copyInstall, sharedTempDir } from '../helpers/install.js';
import { pythonCheck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/tmp.js';
import { git, initRepo, writeFiles } from '../snapshot/helpers.js';

const RISK = 'risk:\n  max_position: 100\n  symbol: EURUSD\nbroker:\n  api_key: live-7f3a9c\n';

function records(cwd: string): string[] {
  const dir = join(cwd, 'audit/snapshots');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
}

describe('auditpack snapshot outside git', () => {
  it('takes, lists, shows and diffs snapshots; show --file prints the stored bytes; the event is in the log', () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/risk.yaml': RISK, 'configs/app.json': '{"venue": "LMAX"}\n' });

    const first = runCli(['snapshot', '--reason', 'initial deploy', '--json'], { cwd });
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    const s1 = JSON.parse(first.stdout) as ConfigSnapshot;
    expect(s1).toMatchObject({ reason: 'initial deploy', git: null, previous_snapshot_id: null, redacted: true });
    expect(readFileSync(join(cwd, 'audit/snapshots', `${s1.snapshot_id}.json`), 'utf8')).toBe(
      `${JSON.stringify(s1, null, 2)}\n`,
    );

    writeFiles(cwd, { 'configs/risk.yaml': RISK.replace('100', '400') });
    const second = runCli(['snapshot', '--reason', 'raise limit'], { cwd });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^✓ snapshot \d{8}T\d{6}\.\d{6}Z-\d{3}: 2 config files\n/);
    expect(second.stdout).toContain(
      `since ${s1.snapshot_id}: 0 added, 0 removed, 1 changed\n    M configs/risk.yaml\n`,
    );

    const list = runCli(['snapshot', 'list', '--json'], { cwd });
    expect(list.code).toBe(0);
    const summaries = JSON.parse(list.stdout) as SnapshotSummary[];
    expect(summaries.map((s) => s.reason)).toEqual(['raise limit', 'initial deploy']);
    const human = runCli(['snapshot', 'list'], { cwd });
    expect(human.stdout.split('\n')[1]).toContain(
      `${s1.snapshot_id}  ${s1.timestamp}  2 files, 2 changed  initial deploy`,
    );

    const id2 = summaries[0]?.snapshot_id as string;
    const shown = spawnSync(
      process.execPath,
      [BIN, 'snapshot', 'show', s1.snapshot_id, '--file', 'configs/risk.yaml'],
      { cwd, env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(shown.status).toBe(0);
    expect(shown.stdout.toString()).toBe(RISK.replace('live-7f3a9c', '[REDACTED]'));
    expect(runCli(['snapshot', 'show', 'latest', '--file', 'configs/app.json'], { cwd }).stdout).toBe(
      '{"venue": "LMAX"}\n',
    );

    const showJson = JSON.parse(runCli(['snapshot', 'show', id2, '--json'], { cwd }).stdout) as ConfigSnapshot;
    expect(showJson.previous_snapshot_id).toBe(s1.snapshot_id);
    const showText = runCli(['snapshot', 'show', id2], { cwd }).stdout;
    expect(showText).toContain(`reason     raise limit\n`);
    expect(showText).toContain('-  max_position: 100\n+  max_position: 400\n');

    const diff = runCli(['snapshot', 'diff', s1.snapshot_id, id2], { cwd });
    expect(diff.code).toBe(0);
    expect(diff.stdout).toBe(
      `${s1.snapshot_id} → ${id2}: 0 added, 0 removed, 1 changed\n  M configs/risk.yaml\n` +
        `--- a/configs/risk.yaml\tsnapshot ${s1.snapshot_id}\n+++ b/configs/risk.yaml\tsnapshot ${id2}\n` +
        '@@ -1,5 +1,5 @@\n risk:\n-  max_position: 100\n+  max_position: 400\n   symbol: EURUSD\n broker:\n   api_key: [REDACTED]\n',
    );
    const diffJson = JSON.parse(
      runCli(['snapshot', 'diff', s1.snapshot_id, 'latest', '--json'], { cwd }).stdout,
    ) as SnapshotComparison;
    expect(diffJson).toMatchObject({ added: [], removed: [], changed: ['configs/risk.yaml'] });

    // Every snapshot is linked into the audit trail, and the log's chain holds.
    const logFile = readdirSync(join(cwd, 'logs')).find((f) => f.endsWith('.jsonl')) as string;
    const events = readFileSync(join(cwd, 'logs', logFile), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => [e.category, e.event, e.snapshot_id, e.reason])).toEqual([
      ['config', 'ConfigSnapshot', s1.snapshot_id, 'initial deploy'],
      ['config', 'ConfigSnapshot', id2, 'raise limit'],
    ]);
    expect(events[1]?.changed_files).toEqual(['configs/risk.yaml']);
    expect(pythonCheck(join(cwd, 'logs')).ok).toBe(true);

    // The records are read-only and nothing anywhere holds the secret.
    for (const f of records(cwd)) expect(statSync(join(cwd, 'audit/snapshots', f)).mode & 0o222).toBe(0);
    const grep = spawnSync('grep', ['-r', '-l', 'live-7f3a9c', 'audit', 'logs'], { cwd, encoding: 'utf8' });
    expect([grep.status, grep.stdout]).toEqual([1, '']); // 1: no file matched
  });

  it('binary files come back byte for byte from show --file', () => {
    const cwd = tempDir();
    const bytes = Buffer.from([0, 1, 2, 3, 0xfe, 0xff, 0, 10, 13]);
    writeFiles(cwd, { 'configs/blob.conf': bytes });
    expect(runCli(['snapshot', '--reason', 'r'], { cwd }).code).toBe(0);
    const shown = spawnSync(process.execPath, [BIN, 'snapshot', 'show', 'latest', '--file', 'configs/blob.conf'], {
      cwd,
    });
    expect(shown.status).toBe(0);
    expect(Buffer.compare(shown.stdout, bytes)).toBe(0);
  });

  it('bad input: missing or empty reason exit 2; no config files exit 66 unless --allow-empty; unknown ids exit 66', () => {
    const cwd = tempDir();
    for (const args of [['snapshot'], ['snapshot', '--reason', ''], ['snapshot', '--reason', ' ']]) {
      const r = runCli(args, { cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('USAGE');
    }
    const none = runCli(['snapshot', '--reason', 'r'], { cwd });
    expect(none.code).toBe(66);
    expect(none.stderr).toMatch(/^auditpack: error SNAPSHOT_NO_FILES: no config files match "configs\/\*\*/);
    expect(existsSync(join(cwd, 'audit'))).toBe(false);
    const empty = runCli(['snapshot', '--reason', 'r', '--allow-empty', '--json'], { cwd });
    expect(empty.code).toBe(0);
    expect((JSON.parse(empty.stdout) as ConfigSnapshot).files).toEqual({});
    const missing = runCli(['snapshot', 'show', '20990101T000000.000000Z-000'], { cwd });
    expect(missing.code).toBe(66);
    expect(missing.stderr).toContain('SNAPSHOT_NOT_FOUND');
  });

  it('an unreadable config file or directory: exit 74, the error names it, nothing written', () => {
    // Root reads any file: run the CLI as an unprivileged user, as a trading host would. That user
    // cannot enter a clone under a 0700 directory, so it runs a copy of the install from a directory
    // it can reach, in a working directory it can reach.
    const asRoot = process.getuid?.() === 0;
    const install = asRoot ? copyInstall({ otherUsers: true }) : { node: process.execPath, bin: BIN };
    const cwd = asRoot ? sharedTempDir() : tempDir();
    chmodSync(cwd, 0o777);
    writeFiles(cwd, { 'configs/a.yaml': 'a: 1\n', 'configs/locked.yaml': 'b: 2\n' });
    chmodSync(join(cwd, 'configs'), 0o777);
    chmodSync(join(cwd, 'configs/a.yaml'), 0o644);
    chmodSync(join(cwd, 'configs/locked.yaml'), 0o000);
    const asUser = asRoot ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'] : [];
    const cmd = [...asUser, install.node, install.bin, 'snapshot', '--reason', 'r'];
    const r = spawnSync(cmd[0] as string, cmd.slice(1), {
      cwd,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
    });
    expect(r.stderr).toMatch(
      /^auditpack: error SNAPSHOT_READ_FAILED: config file "configs\/locked\.yaml" cannot be read: EACCES/,
    );
    expect(r.status).toBe(74);
    expect(existsSync(join(cwd, 'audit'))).toBe(false);
    expect(existsSync(join(cwd, 'logs'))).toBe(false);

    // A directory that cannot be listed is named the same way.
    chmodSync(join(cwd, 'configs/locked.yaml'), 0o644);
    writeFiles(cwd, { 'configs/private/x.yaml': 'x: 1\n' });
    chmodSync(join(cwd, 'configs/private'), 0o000);
    const d = spawnSync(cmd[0] as string, cmd.slice(1), {
      cwd,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
    });
    chmodSync(join(cwd, 'configs/private'), 0o755);
    expect(d.stderr).toMatch(
      /^auditpack: error SNAPSHOT_READ_FAILED: cannot read .*configs\/private while looking for config files: EACCES/,
    );
    expect(d.status).toBe(74);
    expect(existsSync(join(cwd, 'audit'))).toBe(false);

    // The same install and user succeed once the files are readable: the failures above were the EACCES, nothing else.
    const ok = spawnSync(cmd[0] as string, cmd.slice(1), {
      cwd,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
    });
    expect([ok.status, ok.stderr]).toEqual([0, '']);
    expect(records(cwd)).toHaveLength(1);
  });
});

describe('auditpack snapshot in a real git repository', () => {
  it('records commit, branch and dirty state, and diffs uncommitted changes against HEAD', () => {
    const cwd = tempDir();
    const commit = initRepo(cwd, { 'configs/risk.yaml': RISK, '.gitignore': 'audit/\nlogs/\n' });
    const clean = JSON.parse(runCli(['snapshot', '--reason', 'clean', '--json'], { cwd }).stdout) as ConfigSnapshot;
    expect(clean.git).toEqual({ commit, branch: 'main', dirty: false });
    expect(clean.diffs).toEqual({});
    expect(git(cwd, 'status', '--porcelain')).toBe(''); // a snapshot leaves the work tree alone

    writeFiles(cwd, { 'configs/risk.yaml': RISK.replace('100', '150').replace('live-7f3a9c', 'live-rotated') });
    const r = runCli(['snapshot', '--reason', 'limit change'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`git ${commit.slice(0, 12)} on main, dirty; 1 config file differs from HEAD\n`);
    const dirty = JSON.parse(runCli(['snapshot', 'show', 'latest', '--json'], { cwd }).stdout) as ConfigSnapshot;
    expect(dirty.git).toEqual({ commit, branch: 'main', dirty: true });
    const text = dirty.diffs['configs/risk.yaml'] as string;
    expect(text).toContain(`--- a/configs/risk.yaml\tgit HEAD ${commit}\n+++ b/configs/risk.yaml\tworking tree\n`);
    expect(text).toContain(
      `--- a/configs/risk.yaml\tsnapshot ${clean.snapshot_id}\n+++ b/configs/risk.yaml\tsnapshot ${dirty.snapshot_id}\n`,
    );
    expect(text).not.toContain('live-');
    // The HEAD part applies to HEAD's (redacted) content with git itself.
    const headPart = text.slice(0, text.indexOf('--- a/configs/risk.yaml\tsnapshot'));
    writeFileSync(join(cwd, 'head.diff'), headPart);
    git(cwd, 'stash', '-q');
    writeFiles(cwd, { 'configs/risk.yaml': RISK.replace('live-7f3a9c', '[REDACTED]') });
    git(cwd, 'apply', 'head.diff');
    expect(readFileSync(join(cwd, 'configs/risk.yaml'), 'utf8')).toBe(
      RISK.replace('100', '150').replace('live-7f3a9c', '[REDACTED]'),
    );
  });

  it('a failing git command: exit 3 with a GIT_FAILED warning, the snapshot taken without git facts', () => {
    const cwd = tempDir();
    initRepo(cwd, { 'configs/a.yaml': 'a: 1\n' });
    writeFileSync(join(cwd, '.git/index'), 'garbage');
    const r = runCli(['snapshot', '--reason', 'r', '--json'], { cwd });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^auditpack: warning GIT_FAILED: git status failed: .*; snapshot taken without git facts\n$/,
    );
    const s = JSON.parse(r.stdout) as ConfigSnapshot;
    expect(s.git).toBeNull();
    expect(s.git_error?.code).toBe('GIT_FAILED');
    expect(records(cwd)).toEqual([`${s.snapshot_id}.json`]);
  });

  it('without a git binary, a plain directory still snapshots (no git is needed outside git)', () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/a.yaml': 'a: 1\n' });
    const r = spawnSync(process.execPath, [BIN, 'snapshot', '--reason', 'r', '--json'], {
      cwd,
      encoding: 'utf8',
      env: { PATH: '/nonexistent', NO_COLOR: '1' },
    });
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as ConfigSnapshot).git).toBeNull();
  });
});
