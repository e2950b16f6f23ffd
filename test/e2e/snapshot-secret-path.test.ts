/**
 * A secret in a config file's path (`configs/token=sk_live_…/app.yaml`, `configs/AKIA….json`) is
 * recorded under a placeholder name, `[REDACTED-PATH:hmac-sha256:<16 hex>]` (docs/FORMAT.md,
 * "Config snapshots"): not in the record, its diffs' headers, the ConfigSnapshot event, the pack or
 * any output. The same path keeps its name across snapshots, so `snapshot diff` still pairs it up,
 * and the pack still verifies in both checkers.
 */
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigSnapshot, SnapshotComparison } from '../../src/snapshot/index.js';
import { type CliRun, okRunner } from '../helpers/cli.js';
import { pythonCheck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/tmp.js';
import { initRepo, writeFiles } from '../snapshot/helpers.js';

const STRIPE = 'sk_live_51H8qTzKx9vB2mN4pR7sW1yZ3';
const AWS = 'AKIAIOSFODNN7EXAMPLE';
const IN_DIR = `configs/token=${STRIPE}/app.yaml`;
const IN_NAME = `configs/${AWS}.json`;
const PLAIN = 'configs/risk.yaml';

/** The name docs/FORMAT.md gives a path holding a secret, computed from the store's key as an auditor would. */
function placeholderOf(snapshotDir: string, path: string): string {
  const key = readFileSync(join(snapshotDir, 'hmac.key'));
  const mac = createHmac('sha256', key).update(`auditpack.config-path/1\0${path}`, 'utf8').digest('hex');
  return `[REDACTED-PATH:hmac-sha256:${mac.slice(0, 16)}]`;
}

/** Every regular file under `dir`, recursively, but for git's own (which holds the paths by design). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))
    .filter((f) => !relative(dir, f).startsWith('.git/'));
}

describe('a secret in a config file path', () => {
  it('is a placeholder in records, diffs, the log, the pack and every output; diff and verify still work', () => {
    const cwd = tempDir();
    initRepo(cwd, { [IN_DIR]: 'venue: LMAX\nlimit: 10\n', [IN_NAME]: '{"venue": "LMAX"}\n', [PLAIN]: 'max: 1\n' });
    // Uncommitted changes: each file gets a diff against HEAD, whose headers name it.
    writeFiles(cwd, { [IN_DIR]: 'venue: LMAX\nlimit: 20\n', [IN_NAME]: '{"venue": "EBS"}\n' });
    const runs: CliRun[] = [];
    const run = okRunner(cwd, runs);
    const first = JSON.parse(run(['snapshot', '--reason', 'deploy', '--json']).stdout) as ConfigSnapshot;
    const store = join(cwd, 'audit/snapshots');
    const dirName = placeholderOf(store, IN_DIR);
    const fileName = placeholderOf(store, IN_NAME);
    expect(Object.keys(first.files).sort()).toEqual([PLAIN, dirName, fileName].sort());
    expect(first.head_changes).toEqual([dirName, fileName].sort());
    expect(first.diffs[dirName]).toContain(`--- a/${dirName}\tgit HEAD `);
    expect(first.diffs[dirName]).toContain('+limit: 20');

    // Changed again: the same name in the next snapshot, listed as changed, with a content diff.
    writeFiles(cwd, { [IN_DIR]: 'venue: LMAX\nlimit: 30\n' });
    const second = JSON.parse(run(['snapshot', '--reason', 'raise', '--json']).stdout) as ConfigSnapshot;
    expect(second.changes).toEqual({ added: [], removed: [], changed: [dirName] });
    const cmp = JSON.parse(
      run(['snapshot', 'diff', first.snapshot_id, second.snapshot_id, '--json']).stdout,
    ) as SnapshotComparison;
    expect(cmp.changed).toEqual([dirName]);
    expect(cmp.diffs[dirName]).toContain('-limit: 20\n+limit: 30\n');
    run(['snapshot', 'diff', first.snapshot_id, second.snapshot_id]);
    run(['snapshot', 'list']);
    run(['snapshot', 'show', second.snapshot_id]);
    // The file can still be asked for by its path (the operator knows it), or by its recorded name.
    expect(run(['snapshot', 'show', second.snapshot_id, '--file', IN_DIR]).stdout).toBe('venue: LMAX\nlimit: 30\n');
    expect(run(['snapshot', 'show', second.snapshot_id, '--file', fileName]).stdout).toBe('{"venue": "EBS"}\n');

    const demo = run(['demo']);
    const date = /pack artifacts\/(\d{4}-\d{2}-\d{2})/.exec(demo.stdout)?.[1] as string;
    const pack = join(cwd, 'artifacts', date);
    const snap = JSON.parse(readFileSync(join(pack, 'data/config_snapshot.json'), 'utf8')) as ConfigSnapshot;
    expect(Object.keys(snap.files)).toContain(dirName);
    expect(JSON.parse(run(['verify', pack, '--json']).stdout)).toMatchObject({ ok: true });
    expect(pythonCheck(pack).ok).toBe(true);

    const outputs = runs.map((r) => r.stdout + r.stderr).join('\n');
    const written = filesUnder(cwd).filter((f) => !f.startsWith(join(cwd, 'configs/')));
    expect(written.some((f) => f.startsWith(pack))).toBe(true);
    expect(written.some((f) => f.includes(`${join(cwd, 'logs')}/`))).toBe(true);
    for (const secret of [STRIPE, AWS]) {
      expect(outputs.includes(secret), `${secret} in the output`).toBe(false);
      for (const f of written) expect(readFileSync(f).includes(secret), `${secret} in ${f}`).toBe(false);
    }
  }, 240_000); // 10 runs of the CLI, the demo among them: minutes on a loaded machine
});
