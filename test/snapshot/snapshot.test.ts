import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAuditpackError } from '../../src/errors.js';
import {
  createConfigSnapshot,
  diffSnapshots,
  latestSnapshotOnOrBefore,
  listSnapshots,
  readSnapshot,
  readSnapshotFile,
  resolveSnapshotId,
  snapshotDiffText,
  snapshotOptionsFromConfig,
  snapshotsOnDay,
  startupSnapshot,
  type ConfigSnapshot,
} from '../../src/snapshot/index.js';
import { resolveConfig } from '../../src/config.js';
import { pythonCheck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/tmp.js';
import { clockOf, git, initRepo, keyedHashOf, objectFiles, us, writeFiles } from './helpers.js';

const RISK = 'risk:\n  max_position: 100\n  symbol: EURUSD\n';
const APP = '{\n  "venue": "LMAX",\n  "timeout_ms": 250\n}\n';

function sha256sum(cwd: string, paths: string[]): Record<string, string> {
  const out = execFileSync('sha256sum', paths, { cwd, encoding: 'utf8' });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => [l.slice(66), l.slice(0, 64)]),
  );
}

async function expectCode(p: Promise<unknown>, code: string): Promise<Error> {
  try {
    await p;
  } catch (err) {
    expect(isAuditpackError(err), String(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    return err as Error;
  }
  throw new Error(`expected ${code}, but it resolved`);
}

describe('createConfigSnapshot outside git', () => {
  it('records every default-pattern file with sha256sum-identical hashes, stores content once, record read-only', async () => {
    const cwd = tempDir();
    writeFiles(cwd, {
      'configs/risk.yaml': RISK,
      'configs/app.json': APP,
      'configs/sub/venue.toml': 'name = "x"\n',
      'configs/.env': 'HOST=a\n',
      'configs/notes.txt': 'not a config\n',
      'configs/node_modules/x.json': '{}',
      'other/elsewhere.yaml': 'a: 1\n',
    });
    const s = await createConfigSnapshot({ cwd, reason: 'initial', clock: clockOf(us('2025-09-08T07:52:50.590693Z')) });
    expect(Object.keys(s.files)).toEqual([
      'configs/.env',
      'configs/app.json',
      'configs/risk.yaml',
      'configs/sub/venue.toml',
    ]);
    const expected = sha256sum(cwd, Object.keys(s.files));
    for (const [p, e] of Object.entries(s.files)) {
      expect(e.hash).toBe(expected[p]);
      expect(e.size).toBe(statSync(join(cwd, p)).size);
      expect(e.stored).toBe(true);
      expect(e.object).toBe(e.hash); // nothing to redact: stored as is
      expect(e.mtime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    }
    expect(s).toMatchObject({
      format: 'auditpack.config-snapshot/1',
      snapshot_id: '20250908T075250.590693Z-000',
      timestamp: '2025-09-08T07:52:50.590693Z',
      reason: 'initial',
      git: null,
      previous_snapshot_id: null,
      redacted: false,
      head_changes: [],
      diffs: {},
      changes: { added: Object.keys(s.files), removed: [], changed: [] },
    });
    expect(s.git_error).toBeUndefined();
    expect(s.actor.user.length).toBeGreaterThan(0);
    const snapshotDir = join(cwd, 'audit/snapshots');
    const recordFile = join(snapshotDir, `${s.snapshot_id}.json`);
    expect(JSON.parse(readFileSync(recordFile, 'utf8'))).toEqual(s);
    expect(statSync(recordFile).mode & 0o777).toBe(0o444);
    expect(objectFiles(snapshotDir)).toHaveLength(4);
    for (const f of objectFiles(snapshotDir)) expect(statSync(f).mode & 0o777).toBe(0o444);
    // The stored bytes are the file's bytes.
    await expect(readSnapshotFile({ snapshotDir, id: s.snapshot_id, file: 'configs/risk.yaml' })).resolves.toEqual(
      Buffer.from(RISK),
    );
  });

  it('the next snapshot diffs against the previous one: added, removed, changed, each labelled', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/risk.yaml': RISK, 'configs/app.json': APP });
    const first = await createConfigSnapshot({ cwd, reason: 'one', clock: clockOf(us('2025-09-08T07:00:00Z')) });
    writeFiles(cwd, { 'configs/risk.yaml': RISK.replace('100', '250'), 'configs/new.ini': '[x]\na = 1\n' });
    unlinkSync(join(cwd, 'configs/app.json'));
    const second = await createConfigSnapshot({ cwd, reason: 'two', clock: clockOf(us('2025-09-08T08:00:00Z')) });
    expect(second.previous_snapshot_id).toBe(first.snapshot_id);
    expect(second.changes).toEqual({
      added: ['configs/new.ini'],
      removed: ['configs/app.json'],
      changed: ['configs/risk.yaml'],
    });
    const a = `snapshot ${first.snapshot_id}`;
    const b = `snapshot ${second.snapshot_id}`;
    expect(second.diffs['configs/risk.yaml']).toBe(
      `--- a/configs/risk.yaml\t${a}\n+++ b/configs/risk.yaml\t${b}\n@@ -1,3 +1,3 @@\n risk:\n-  max_position: 100\n+  max_position: 250\n   symbol: EURUSD\n`,
    );
    expect(second.diffs['configs/new.ini']).toBe(
      `--- /dev/null\t${a}\n+++ b/configs/new.ini\t${b}\n@@ -0,0 +1,2 @@\n+[x]\n+a = 1\n`,
    );
    expect(second.diffs['configs/app.json']).toMatch(
      new RegExp(`^--- a/configs/app.json\\t${a}\\n\\+\\+\\+ /dev/null\\t${b}\\n@@ -1,4 \\+0,0 @@\\n`),
    );
    // The first file kept its bytes in the store, for show --file.
    const snapshotDir = join(cwd, 'audit/snapshots');
    expect((await readSnapshotFile({ snapshotDir, id: first.snapshot_id, file: 'configs/risk.yaml' })).toString()).toBe(
      RISK,
    );
    expect(
      (await readSnapshotFile({ snapshotDir, id: second.snapshot_id, file: 'configs/risk.yaml' })).toString(),
    ).toBe(RISK.replace('100', '250'));
  });

  it('content is stored once per distinct hash: an unchanged re-snapshot writes no object', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/a.yaml': RISK, 'configs/b.yaml': RISK, 'configs/c.yaml': 'c: 1\n' });
    await createConfigSnapshot({ cwd, reason: 'one' });
    const dir = join(cwd, 'audit/snapshots');
    expect(objectFiles(dir)).toHaveLength(2);
    const again = await createConfigSnapshot({ cwd, reason: 'two' });
    expect(objectFiles(dir)).toHaveLength(2);
    expect(again.changes).toEqual({ added: [], removed: [], changed: [] });
    expect(again.diffs).toEqual({});
  });

  it('two snapshots in the same microsecond get distinct, ordered ids', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/a.yaml': 'a: 1\n' });
    const t = us('2025-09-08T07:52:50.000001Z');
    const one = await createConfigSnapshot({ cwd, reason: 'one', clock: () => t });
    const two = await createConfigSnapshot({ cwd, reason: 'two', clock: () => t });
    const three = await createConfigSnapshot({ cwd, reason: 'three', clock: () => t });
    expect([one.snapshot_id, two.snapshot_id, three.snapshot_id]).toEqual([
      '20250908T075250.000001Z-000',
      '20250908T075250.000001Z-001',
      '20250908T075250.000001Z-002',
    ]);
    expect(three.previous_snapshot_id).toBe(two.snapshot_id);
    const list = await listSnapshots({ snapshotDir: join(cwd, 'audit/snapshots') });
    expect(list.map((s) => s.reason)).toEqual(['three', 'two', 'one']);
  });

  it('concurrent snapshots never overwrite each other', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/a.yaml': 'a: 1\n' });
    const t = us('2025-09-08T07:52:50Z');
    const all = await Promise.all(
      Array.from({ length: 6 }, (_, i) => createConfigSnapshot({ cwd, reason: `r${i}`, clock: () => t })),
    );
    const ids = new Set(all.map((s) => s.snapshot_id));
    expect(ids.size).toBe(6);
    const list = await listSnapshots({ snapshotDir: join(cwd, 'audit/snapshots') });
    expect(new Set(list.map((s) => s.reason))).toEqual(new Set(all.map((s) => s.reason)));
  });

  it('secrets never reach the store, the record or the diffs; the record says it redacted', async () => {
    const cwd = tempDir();
    writeFiles(cwd, {
      'configs/db.yaml': 'db:\n  host: db1\n  password: hunter2-OLD\n',
      'configs/app.json': '{"venue": "x", "apiKey": "k-OLD-123"}\n',
      'configs/.env': 'export BROKER_TOKEN=tok-OLD\nHOST=a\n',
    });
    const first = await createConfigSnapshot({ cwd, reason: 'one' });
    writeFiles(cwd, {
      'configs/db.yaml': 'db:\n  host: db2\n  password: hunter2-NEW\n',
      'configs/app.json': '{"venue": "x", "apiKey": "k-NEW-456"}\n',
    });
    const second = await createConfigSnapshot({ cwd, reason: 'two' });
    const dir = join(cwd, 'audit/snapshots');
    const everything = [
      ...readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => readFileSync(join(dir, f), 'utf8')),
      ...objectFiles(dir).map((f) => readFileSync(f, 'utf8')),
    ].join('\n');
    for (const secret of ['hunter2', 'k-OLD', 'k-NEW', 'tok-OLD']) expect(everything).not.toContain(secret);
    expect(first.redacted).toBe(true);
    expect(first.files['configs/db.yaml']).toMatchObject({ redacted: true, stored: true });
    expect(first.files['configs/db.yaml']?.object).not.toBe(first.files['configs/db.yaml']?.hash);
    // The hash is the file's own, keyed with the store's key: whoever holds the key can check the
    // live file against it; the record alone (beside the redacted copy) gives no guess a test.
    expect(second.files['configs/db.yaml']?.hash).toBe(keyedHashOf(dir, readFileSync(join(cwd, 'configs/db.yaml'))));
    expect(everything).not.toContain(sha256sum(cwd, ['configs/db.yaml'])['configs/db.yaml']);
    // Unchanged redacted files are unchanged by their keyed hash.
    expect(second.changes.changed).not.toContain('configs/.env');
    expect(second.diffs['configs/db.yaml']).toContain('-  host: db1\n+  host: db2\n   password: [REDACTED]\n');
    // A change only to a secret is visible as a change, never as a value.
    expect(second.changes.changed).toContain('configs/app.json');
    expect(second.diffs['configs/app.json']).toMatch(
      /^Files a\/configs\/app.json \(snapshot .*\) and b\/configs\/app.json \(snapshot .*\) differ only in redacted values\n$/,
    );
    expect(
      (await readSnapshotFile({ snapshotDir: dir, id: second.snapshot_id, file: 'configs/.env' })).toString(),
    ).toBe('export BROKER_TOKEN=[REDACTED]\nHOST=a\n');
  });

  it('redaction: false stores content as is, and says so', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/db.yaml': 'password: x\n' });
    const s = await createConfigSnapshot({ cwd, reason: 'r', redaction: false });
    expect(s.redacted).toBe(false);
    expect(s.redaction.enabled).toBe(false);
    expect(
      (
        await readSnapshotFile({
          snapshotDir: join(cwd, 'audit/snapshots'),
          id: s.snapshot_id,
          file: 'configs/db.yaml',
        })
      ).toString(),
    ).toBe('password: x\n');
  });

  it('binary files are hashed and stored as is; their diff says binary', async () => {
    const cwd = tempDir();
    const bin1 = Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00, 0x41]);
    const bin2 = Buffer.from([0x00, 0x09, 0x02, 0xff, 0x00, 0x41]);
    writeFiles(cwd, { 'configs/keystore.conf': bin1 });
    const one = await createConfigSnapshot({ cwd, reason: 'one' });
    expect(one.files['configs/keystore.conf']).toMatchObject({ binary: true, stored: true, size: 6 });
    writeFiles(cwd, { 'configs/keystore.conf': bin2 });
    const two = await createConfigSnapshot({ cwd, reason: 'two' });
    expect(two.diffs['configs/keystore.conf']).toBe(
      `Binary files a/configs/keystore.conf (snapshot ${one.snapshot_id}) and b/configs/keystore.conf (snapshot ${two.snapshot_id}) differ\n`,
    );
    expect(
      await readSnapshotFile({
        snapshotDir: join(cwd, 'audit/snapshots'),
        id: one.snapshot_id,
        file: 'configs/keystore.conf',
      }),
    ).toEqual(bin1);
  });

  it('files over the size limit are hashed, not stored, and marked; show --file says why', async () => {
    const cwd = tempDir();
    const big = 'x: 1\n'.repeat(100); // 500 bytes
    writeFiles(cwd, { 'configs/big.yaml': big, 'configs/small.yaml': 'a: 1\n' });
    const s = await createConfigSnapshot({ cwd, reason: 'r', maxFileBytes: 100 });
    expect(s.files['configs/big.yaml']).toEqual({
      hash: sha256sum(cwd, ['configs/big.yaml'])['configs/big.yaml'],
      size: 500,
      mtime: s.files['configs/big.yaml']?.mtime,
      stored: false,
      too_large: true,
    });
    const dir = join(cwd, 'audit/snapshots');
    expect(objectFiles(dir)).toHaveLength(1);
    const err = await expectCode(
      readSnapshotFile({ snapshotDir: dir, id: s.snapshot_id, file: 'configs/big.yaml' }),
      'SNAPSHOT_NOT_FOUND',
    );
    expect(err.message).toMatch(/over the size limit/);
    writeFiles(cwd, { 'configs/big.yaml': `${big}y: 2\n` });
    const two = await createConfigSnapshot({ cwd, reason: 'r2', maxFileBytes: 100 });
    expect(two.changes.changed).toEqual(['configs/big.yaml']);
    expect(two.diffs['configs/big.yaml']).toMatch(
      /^Files a\/configs\/big.yaml .* differ; no content diff \(not stored: 500 bytes, over the size limit .*; not stored: 505 bytes/,
    );
  });

  it('no files: SNAPSHOT_NO_FILES and nothing written; --allow-empty takes an empty snapshot', async () => {
    const cwd = tempDir();
    const err = await expectCode(createConfigSnapshot({ cwd, reason: 'r' }), 'SNAPSHOT_NO_FILES');
    expect(err.message).toContain('configs/**');
    expect(existsSync(join(cwd, 'audit'))).toBe(false);
    const s = await createConfigSnapshot({ cwd, reason: 'r', allowEmpty: true });
    expect(s.files).toEqual({});
  });

  it('an empty or blank reason is a usage error', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/a.yaml': 'a: 1\n' });
    await expectCode(createConfigSnapshot({ cwd, reason: '' }), 'USAGE');
    await expectCode(createConfigSnapshot({ cwd, reason: '   ' }), 'USAGE');
    expect(existsSync(join(cwd, 'audit'))).toBe(false);
  });

  it('an unreadable file: SNAPSHOT_READ_FAILED naming it, and nothing written', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/a.yaml': 'a: 1\n', 'configs/b.yaml': 'b: 2\n' });
    let unreadable: string;
    let patterns: string[] | undefined;
    if (process.getuid?.() !== 0) {
      unreadable = 'configs/b.yaml';
      chmodSync(join(cwd, unreadable), 0o000);
    } else {
      // Root reads any mode; /proc/self/mem is a regular file whose read fails (EIO) for anyone.
      unreadable = '/proc/self/mem';
      patterns = ['configs/*.yaml', unreadable];
    }
    const err = await expectCode(
      createConfigSnapshot({ cwd, reason: 'r', ...(patterns ? { patterns } : {}) }),
      'SNAPSHOT_READ_FAILED',
    );
    expect(err.message).toContain(`config file ${JSON.stringify(unreadable)} cannot be read`);
    expect(existsSync(join(cwd, 'audit'))).toBe(false);
  });

  it('the store and log directories are never snapshotted, whatever the patterns', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/a.json': '{}' });
    await createConfigSnapshot({ cwd, reason: 'one', patterns: ['**/*.json'] });
    const two = await createConfigSnapshot({ cwd, reason: 'two', patterns: ['**/*.json'] });
    expect(Object.keys(two.files)).toEqual(['configs/a.json']);
  });

  it('line endings, a missing final newline and non-UTF-8 bytes are kept exactly', async () => {
    const cwd = tempDir();
    const crlf = 'a: 1\r\nb: 2';
    const latin1 = Buffer.from([
      0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a, 0x70, 0x61, 0x73, 0x73, 0x77, 0x6f, 0x72, 0x64, 0x3a, 0x20, 0xe9,
      0x0a,
    ]); // "name: é\npassword: é\n" in Latin-1
    writeFiles(cwd, { 'configs/crlf.yaml': crlf, 'configs/latin1.yaml': latin1 });
    const s = await createConfigSnapshot({ cwd, reason: 'r' });
    const dir = join(cwd, 'audit/snapshots');
    expect(
      (await readSnapshotFile({ snapshotDir: dir, id: s.snapshot_id, file: 'configs/crlf.yaml' })).toString('latin1'),
    ).toBe(crlf);
    const stored = await readSnapshotFile({ snapshotDir: dir, id: s.snapshot_id, file: 'configs/latin1.yaml' });
    expect(stored).toEqual(
      Buffer.concat([
        Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]),
        Buffer.from('password: [REDACTED]\n'),
      ]),
    );
  });
});

describe('createConfigSnapshot in a git work tree', () => {
  it('records commit, branch and clean; no diffs against HEAD when nothing is uncommitted', async () => {
    const cwd = tempDir();
    const commit = initRepo(cwd, { 'configs/risk.yaml': RISK, '.gitignore': 'audit/\n' });
    const s = await createConfigSnapshot({ cwd, reason: 'r' });
    expect(s.git).toEqual({ commit, branch: 'main', dirty: false });
    expect(s.head_changes).toEqual([]);
    expect(s.diffs).toEqual({});
  });

  it('uncommitted changes: dirty, and each changed config file is diffed against HEAD (redacted both sides)', async () => {
    const cwd = tempDir();
    const commit = initRepo(cwd, {
      'configs/risk.yaml': RISK,
      'configs/db.yaml': 'password: committed-secret\nhost: a\n',
      README: 'x\n',
    });
    writeFiles(cwd, {
      'configs/risk.yaml': RISK.replace('100', '300'),
      'configs/db.yaml': 'password: new-secret\nhost: b\n',
      'configs/untracked.toml': 'token = "tok-untracked"\nlevel = 1\n',
    });
    const s = await createConfigSnapshot({ cwd, reason: 'r' });
    expect(s.git).toEqual({ commit, branch: 'main', dirty: true });
    expect(s.head_changes).toEqual(['configs/db.yaml', 'configs/risk.yaml', 'configs/untracked.toml']);
    expect(s.diffs['configs/risk.yaml']).toBe(
      `--- a/configs/risk.yaml\tgit HEAD ${commit}\n+++ b/configs/risk.yaml\tworking tree\n@@ -1,3 +1,3 @@\n risk:\n-  max_position: 100\n+  max_position: 300\n   symbol: EURUSD\n`,
    );
    expect(s.diffs['configs/db.yaml']).toBe(
      `--- a/configs/db.yaml\tgit HEAD ${commit}\n+++ b/configs/db.yaml\tworking tree\n@@ -1,2 +1,2 @@\n password: [REDACTED]\n-host: a\n+host: b\n`,
    );
    expect(s.diffs['configs/untracked.toml']).toBe(
      `--- /dev/null\tgit HEAD ${commit}\n+++ b/configs/untracked.toml\tworking tree\n@@ -0,0 +1,2 @@\n+token = "[REDACTED]"\n+level = 1\n`,
    );
    expect(JSON.stringify(s)).not.toMatch(/committed-secret|new-secret|tok-untracked/);
    // The diff agrees with git's own, apart from the redacted line.
    const gitDiff = git(cwd, 'diff', 'HEAD', '--', 'configs/risk.yaml');
    expect(gitDiff.slice(gitDiff.indexOf('@@'))).toBe(
      (s.diffs['configs/risk.yaml'] as string).slice((s.diffs['configs/risk.yaml'] as string).indexOf('@@')),
    );
  });

  it('a later snapshot carries both diffs: against HEAD and against the previous snapshot', async () => {
    const cwd = tempDir();
    const commit = initRepo(cwd, { 'configs/risk.yaml': RISK, '.gitignore': 'audit/\n' });
    const first = await createConfigSnapshot({ cwd, reason: 'one' });
    writeFiles(cwd, { 'configs/risk.yaml': RISK.replace('100', '300') });
    const second = await createConfigSnapshot({ cwd, reason: 'two' });
    const text = second.diffs['configs/risk.yaml'] as string;
    expect(text.match(/^--- /gm)).toHaveLength(2);
    expect(text).toContain(`--- a/configs/risk.yaml\tgit HEAD ${commit}\n+++ b/configs/risk.yaml\tworking tree\n`);
    expect(text).toContain(
      `--- a/configs/risk.yaml\tsnapshot ${first.snapshot_id}\n+++ b/configs/risk.yaml\tsnapshot ${second.snapshot_id}\n`,
    );
    expect(snapshotDiffText(second)).toBe(text);
  });

  it('a file still dirty and unchanged since the previous snapshot keeps the same HEAD diff (reused, not recomputed differently)', async () => {
    const cwd = tempDir();
    const commit = initRepo(cwd, {
      'configs/a.yaml': 'a: 1\npassword: x\n',
      'configs/b.yaml': 'b: 1\n',
      '.gitignore': 'audit/\n',
    });
    writeFiles(cwd, { 'configs/a.yaml': 'a: 2\npassword: y\n' });
    const one = await createConfigSnapshot({ cwd, reason: 'one' });
    writeFiles(cwd, { 'configs/b.yaml': 'b: 2\n' });
    const two = await createConfigSnapshot({ cwd, reason: 'two' });
    // Computed from scratch into another store: the same HEAD diffs.
    const fresh = await createConfigSnapshot({ cwd, reason: 'fresh', snapshotDir: join(cwd, 'audit/other') });
    expect(two.diffs['configs/a.yaml']).toBe(fresh.diffs['configs/a.yaml']);
    expect(two.diffs['configs/a.yaml']).toBe(one.diffs['configs/a.yaml']);
    expect(two.head_changes).toEqual(['configs/a.yaml', 'configs/b.yaml']);
    expect(two.redacted).toBe(true);
    expect(two.diffs['configs/b.yaml']).toContain(`--- a/configs/b.yaml\tgit HEAD ${commit}`);
    // After a commit (a new HEAD), the diff is computed again: none left.
    git(cwd, 'add', 'configs');
    git(cwd, 'commit', '-q', '-m', 'two');
    const three = await createConfigSnapshot({ cwd, reason: 'three' });
    expect(three.head_changes).toEqual([]);
    expect(three.diffs).toEqual({});
  });

  it('staged changes count as dirty; a detached HEAD has no branch; a repo with no commits has no commit', async () => {
    const cwd = tempDir();
    initRepo(cwd, { 'configs/a.yaml': 'a: 1\n' });
    writeFiles(cwd, { 'configs/a.yaml': 'a: 2\n' });
    git(cwd, 'add', 'configs/a.yaml');
    const staged = await createConfigSnapshot({ cwd, reason: 'staged' });
    expect(staged.git?.dirty).toBe(true);
    expect(staged.head_changes).toEqual(['configs/a.yaml']);
    git(cwd, 'commit', '-q', '-m', 'two');
    git(cwd, 'checkout', '-q', '--detach', 'HEAD');
    const detached = await createConfigSnapshot({ cwd, reason: 'detached' });
    expect(detached.git).toMatchObject({ branch: null, dirty: false });

    const fresh = tempDir();
    git(fresh, 'init', '-q', '-b', 'main', '.');
    writeFiles(fresh, { 'configs/a.yaml': 'a: 1\n' });
    const unborn = await createConfigSnapshot({ cwd: fresh, reason: 'unborn' });
    expect(unborn.git).toEqual({ commit: null, branch: 'main', dirty: false });
    expect(unborn.diffs['configs/a.yaml']).toContain('--- /dev/null\tgit HEAD (no commits)\n');
  });

  it('configs in a subdirectory of the repository: paths relative to cwd, git paths mapped', async () => {
    const repo = tempDir();
    initRepo(repo, { 'svc/configs/a.yaml': 'a: 1\n' });
    writeFiles(repo, { 'svc/configs/a.yaml': 'a: 2\n' });
    const s = await createConfigSnapshot({ cwd: join(repo, 'svc'), reason: 'r' });
    expect(Object.keys(s.files)).toEqual(['configs/a.yaml']);
    expect(s.head_changes).toEqual(['configs/a.yaml']);
    expect(s.diffs['configs/a.yaml']).toContain('-a: 1\n+a: 2\n');
  });

  it('a failing git command: GIT_FAILED recorded, the snapshot still taken without git facts', async () => {
    const cwd = tempDir();
    initRepo(cwd, { 'configs/a.yaml': 'a: 1\n' });
    writeFileSync(join(cwd, '.git/index'), 'this is not an index');
    const s = await createConfigSnapshot({ cwd, reason: 'r' });
    expect(s.git).toBeNull();
    expect(s.git_error?.code).toBe('GIT_FAILED');
    expect(s.git_error?.message).toMatch(/^git status failed: .*index/);
    expect(Object.keys(s.files)).toEqual(['configs/a.yaml']);
    expect(existsSync(join(cwd, 'audit/snapshots', `${s.snapshot_id}.json`))).toBe(true);
  });
});

describe('the audit event', () => {
  it('appends config/ConfigSnapshot with id, reason, file count, changed files and the record hash; the chain verifies', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/a.yaml': 'a: 1\n', 'configs/b.yaml': 'b: 1\n' });
    const logDir = join(cwd, 'logs');
    const one = await createConfigSnapshot({ cwd, reason: 'deploy 1.2', logDir });
    writeFiles(cwd, { 'configs/b.yaml': 'b: 2\n' });
    const two = await createConfigSnapshot({ cwd, reason: 'hotfix', logDir });
    const lines = readdirSync(logDir)
      .filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) => readFileSync(join(logDir, f), 'utf8').trim().split('\n'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      category: 'config',
      event: 'ConfigSnapshot',
      snapshot_id: one.snapshot_id,
      reason: 'deploy 1.2',
      file_count: 2,
      changed_files: ['configs/a.yaml', 'configs/b.yaml'],
      previous_snapshot_id: null,
    });
    expect(lines[1]).toMatchObject({
      snapshot_id: two.snapshot_id,
      reason: 'hotfix',
      file_count: 2,
      changed_files: ['configs/b.yaml'],
      previous_snapshot_id: one.snapshot_id,
    });
    const recordBytes = readFileSync(join(cwd, 'audit/snapshots', `${two.snapshot_id}.json`));
    expect(lines[1]?.record_sha256).toBe(
      execFileSync('sha256sum', { input: recordBytes, encoding: 'utf8' }).slice(0, 64),
    );
    expect(pythonCheck(logDir)).toMatchObject({ ok: true, lines: 2 });
  });
});

describe('startupSnapshot and config', () => {
  it('is a no-op when autoStartup is false; otherwise a snapshot with reason "startup"', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/a.yaml': 'a: 1\n' });
    expect(await startupSnapshot({ cwd, autoStartup: false })).toBeUndefined();
    expect(existsSync(join(cwd, 'audit'))).toBe(false);
    const s = await startupSnapshot({ cwd });
    expect(s?.reason).toBe('startup');
  });

  it('snapshotOptionsFromConfig carries SNAPSHOT_DIR, SNAPSHOT_AUTO_STARTUP, the size limit, patterns and redaction keys', async () => {
    const cwd = tempDir();
    writeFiles(cwd, {
      'settings/a.yaml': 'routing_code: 7781\n',
      'auditpack.config.json': JSON.stringify({
        snapshot: { patterns: ['settings/*.yaml'] },
        redaction: { keys: ['routing_code'] },
      }),
    });
    const config = resolveConfig({
      cwd,
      env: { SNAPSHOT_DIR: 'store', SNAPSHOT_AUTO_STARTUP: 'false', SNAPSHOT_MAX_FILE_BYTES: '10' },
    });
    const opts = snapshotOptionsFromConfig(config);
    expect(opts).toMatchObject({
      snapshotDir: join(cwd, 'store'),
      autoStartup: false,
      maxFileBytes: 10,
      patterns: ['settings/*.yaml'],
    });
    expect(await startupSnapshot(opts)).toBeUndefined();
    const s = await createConfigSnapshot({ ...opts, reason: 'r', maxFileBytes: 1000 });
    expect(Object.keys(s.files)).toEqual(['settings/a.yaml']);
    expect(
      (
        await readSnapshotFile({ snapshotDir: join(cwd, 'store'), id: s.snapshot_id, file: 'settings/a.yaml' })
      ).toString(),
    ).toBe('routing_code: [REDACTED]\n');
  });
});

describe('reading the store', () => {
  async function threeDays(cwd: string): Promise<ConfigSnapshot[]> {
    writeFiles(cwd, { 'configs/a.yaml': 'a: 1\n' });
    const s1 = await createConfigSnapshot({ cwd, reason: 'd1', clock: clockOf(us('2025-09-07T23:59:59.999999Z')) });
    writeFiles(cwd, { 'configs/a.yaml': 'a: 2\n' });
    const s2 = await createConfigSnapshot({ cwd, reason: 'd2 morning', clock: clockOf(us('2025-09-08T00:00:00Z')) });
    writeFiles(cwd, { 'configs/a.yaml': 'a: 3\n' });
    const s3 = await createConfigSnapshot({ cwd, reason: 'd2 evening', clock: clockOf(us('2025-09-08T18:00:00Z')) });
    const s4 = await createConfigSnapshot({ cwd, reason: 'd4', clock: clockOf(us('2025-09-10T09:00:00Z')) });
    return [s1, s2, s3, s4];
  }

  it('list newest first; latest at or before a day; every snapshot of a day', async () => {
    const cwd = tempDir();
    const snapshotDir = join(cwd, 'audit/snapshots');
    const [s1, s2, s3, s4] = await threeDays(cwd);
    expect((await listSnapshots({ snapshotDir })).map((s) => [s.snapshot_id, s.reason, s.file_count])).toEqual([
      [s4?.snapshot_id, 'd4', 1],
      [s3?.snapshot_id, 'd2 evening', 1],
      [s2?.snapshot_id, 'd2 morning', 1],
      [s1?.snapshot_id, 'd1', 1],
    ]);
    expect(await latestSnapshotOnOrBefore({ snapshotDir, date: '2025-09-06' })).toBeUndefined();
    expect((await latestSnapshotOnOrBefore({ snapshotDir, date: '2025-09-07' }))?.reason).toBe('d1');
    expect((await latestSnapshotOnOrBefore({ snapshotDir, date: '2025-09-08' }))?.reason).toBe('d2 evening');
    expect((await latestSnapshotOnOrBefore({ snapshotDir, date: '2025-09-09' }))?.reason).toBe('d2 evening');
    expect((await snapshotsOnDay({ snapshotDir, date: '2025-09-08' })).map((s) => s.reason)).toEqual([
      'd2 morning',
      'd2 evening',
    ]);
    expect(await snapshotsOnDay({ snapshotDir, date: '2025-09-09' })).toEqual([]);
    await expectCode(snapshotsOnDay({ snapshotDir, date: '2025-13-01' }), 'USAGE');
    expect(await listSnapshots({ snapshotDir: join(cwd, 'nowhere') })).toEqual([]);
  });

  it('resolveSnapshotId: exact, latest, unique prefix; ambiguity and absence are errors', async () => {
    const cwd = tempDir();
    const snapshotDir = join(cwd, 'audit/snapshots');
    const [s1, , , s4] = await threeDays(cwd);
    expect(await resolveSnapshotId({ snapshotDir, ref: 'latest' })).toBe(s4?.snapshot_id);
    expect(await resolveSnapshotId({ snapshotDir, ref: '20250907' })).toBe(s1?.snapshot_id);
    await expectCode(resolveSnapshotId({ snapshotDir, ref: '20250908' }), 'USAGE');
    await expectCode(resolveSnapshotId({ snapshotDir, ref: '1999' }), 'SNAPSHOT_NOT_FOUND');
    await expectCode(readSnapshot({ snapshotDir, id: '../../etc/passwd' }), 'SNAPSHOT_NOT_FOUND');
  });

  it('diffSnapshots: added, removed, changed with diffs between any two snapshots', async () => {
    const cwd = tempDir();
    const snapshotDir = join(cwd, 'audit/snapshots');
    writeFiles(cwd, { 'configs/a.yaml': 'a: 1\n', 'configs/gone.yaml': 'g: 1\n' });
    const one = await createConfigSnapshot({ cwd, reason: 'one' });
    writeFiles(cwd, { 'configs/a.yaml': 'a: 2\n', 'configs/new.yaml': 'n: 1\n' });
    unlinkSync(join(cwd, 'configs/gone.yaml'));
    await createConfigSnapshot({ cwd, reason: 'two' });
    writeFiles(cwd, { 'configs/a.yaml': 'a: 3\n' });
    const three = await createConfigSnapshot({ cwd, reason: 'three' });
    const cmp = await diffSnapshots({ snapshotDir, a: one.snapshot_id, b: three.snapshot_id });
    expect(cmp).toMatchObject({
      a: one.snapshot_id,
      b: three.snapshot_id,
      added: ['configs/new.yaml'],
      removed: ['configs/gone.yaml'],
      changed: ['configs/a.yaml'],
    });
    expect(cmp.diffs['configs/a.yaml']).toBe(
      `--- a/configs/a.yaml\tsnapshot ${one.snapshot_id}\n+++ b/configs/a.yaml\tsnapshot ${three.snapshot_id}\n@@ -1 +1 @@\n-a: 1\n+a: 3\n`,
    );
    expect(Object.keys(cmp.diffs)).toEqual(['configs/a.yaml', 'configs/gone.yaml', 'configs/new.yaml']);
    const same = await diffSnapshots({ snapshotDir, a: three.snapshot_id, b: three.snapshot_id });
    expect(same).toMatchObject({ added: [], removed: [], changed: [], diffs: {} });
  });

  it('an altered stored object or record is detected (SNAPSHOT_CORRUPT), never served', async () => {
    const cwd = tempDir();
    const snapshotDir = join(cwd, 'audit/snapshots');
    writeFiles(cwd, { 'configs/a.yaml': 'a: 1\n' });
    const s = await createConfigSnapshot({ cwd, reason: 'r' });
    const obj = join(
      snapshotDir,
      'objects',
      s.files['configs/a.yaml']!.hash.slice(0, 2),
      s.files['configs/a.yaml']!.hash.slice(2),
    );
    chmodSync(obj, 0o644);
    writeFileSync(obj, 'a: 999\n');
    await expectCode(readSnapshotFile({ snapshotDir, id: s.snapshot_id, file: 'configs/a.yaml' }), 'SNAPSHOT_CORRUPT');
    const rec = join(snapshotDir, `${s.snapshot_id}.json`);
    chmodSync(rec, 0o644);
    writeFileSync(rec, '{"not": "a record"}');
    await expectCode(readSnapshot({ snapshotDir, id: s.snapshot_id }), 'SNAPSHOT_CORRUPT');
    await expectCode(listSnapshots({ snapshotDir }), 'SNAPSHOT_CORRUPT');
  });

  it('show --file for a path the snapshot does not have: SNAPSHOT_NOT_FOUND', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/a.yaml': 'a: 1\n' });
    const s = await createConfigSnapshot({ cwd, reason: 'r' });
    const snapshotDir = join(cwd, 'audit/snapshots');
    await expectCode(
      readSnapshotFile({ snapshotDir, id: s.snapshot_id, file: 'configs/b.yaml' }),
      'SNAPSHOT_NOT_FOUND',
    );
    await expectCode(readSnapshotFile({ snapshotDir, id: s.snapshot_id, file: '__proto__' }), 'SNAPSHOT_NOT_FOUND');
    expect((await readSnapshotFile({ snapshotDir, id: s.snapshot_id, file: './configs/a.yaml' })).toString()).toBe(
      'a: 1\n',
    );
  });
});

describe('hostile names', () => {
  it('a config file named __proto__ is recorded like any other', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { ['__proto__']: 'a: 1\n', constructor: 'b: 2\n' }); // computed key: a real property, not the prototype
    const s = await createConfigSnapshot({ cwd, reason: 'r', patterns: ['__proto__', 'constructor'] });
    expect(Object.keys(s.files)).toEqual(['__proto__', 'constructor']);
    const rec = JSON.parse(
      readFileSync(join(cwd, 'audit/snapshots', `${s.snapshot_id}.json`), 'utf8'),
    ) as ConfigSnapshot;
    expect(Object.keys(rec.files)).toEqual(['__proto__', 'constructor']);
    expect(
      (
        await readSnapshotFile({ snapshotDir: join(cwd, 'audit/snapshots'), id: s.snapshot_id, file: '__proto__' })
      ).toString(),
    ).toBe('a: 1\n');
  });
});

describe('size limit and git', () => {
  it('a tracked file over the limit: no HEAD content read, the diff is a note', async () => {
    const cwd = tempDir();
    // big.yaml: over the limit now; shrunk.yaml: over the limit in HEAD, small now.
    initRepo(cwd, { 'configs/big.yaml': 'x: 1\n'.repeat(50), 'configs/shrunk.yaml': 'x: 1\n'.repeat(50) });
    writeFiles(cwd, { 'configs/big.yaml': 'x: 2\n'.repeat(50), 'configs/shrunk.yaml': 'a: 1\n' });
    const s = await createConfigSnapshot({ cwd, reason: 'r', maxFileBytes: 100 });
    expect(s.diffs['configs/big.yaml']).toMatch(
      /^Files a\/configs\/big.yaml \(git HEAD [0-9a-f]{40}\) and b\/configs\/big.yaml \(working tree\) differ; no content diff \(unavailable: HEAD version not read.*; not stored: 250 bytes/,
    );
    expect(s.diffs['configs/shrunk.yaml']).toMatch(
      /^Files a\/configs\/shrunk.yaml \(git HEAD [0-9a-f]{40}\) and b\/configs\/shrunk.yaml \(working tree\) differ; no content diff \(not stored: 250 bytes, over the size limit/,
    );
  });
});
