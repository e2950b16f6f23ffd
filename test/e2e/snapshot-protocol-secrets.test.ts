/**
 * Rules 16 with the built CLI (at29 F3, F4): a libpq password file (`pgpass.conf`) and Redis ACL
 * user lines (redis.conf; users.acl is not discovered by default, test/redaction covers it) under configs/ are snapshotted, shown and diffed without their
 * passwords: no written file (store, records, log) and no output holds one, before or after a
 * rotation. Rules 17 (at30 F2): a bare base64 DER private key wrapped as a YAML block scalar or in a
 * JSON string with `\n` escapes is in no written file or output either, not one of its lines.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigSnapshot } from '../../src/snapshot/index.js';
import { type CliRun, okRunner } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { writeFiles } from '../snapshot/helpers.js';

const OLD = ['PgpassOldZZ17', 'RedisAclCfgQQ31'];
const NEW = ['PgpassNewYY18', 'RedisAclCfgQQ32'];
const files = (pw: string[]): Record<string, string> => ({
  'configs/pg/pgpass.conf': `# libpq\ndb.internal:5432:trades:trader:${pw[0]}\n`,
  'configs/redis.conf': `port 6379\nuser default on >${pw[1]} ~* &* +@all\n`,
});

/** Every file the runs wrote under `cwd` (all but the config files themselves). */
function writtenOutsideConfigs(cwd: string): string[] {
  return readdirSync(cwd, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))
    .filter((f) => !f.startsWith(join(cwd, 'configs')));
}

describe('pgpass and Redis ACL passwords in configs/', () => {
  it('are in no stored copy, record, diff or output', () => {
    const cwd = tempDir();
    writeFiles(cwd, files(OLD));
    const runs: CliRun[] = [];
    const run = okRunner(cwd, runs);
    const first = JSON.parse(run(['snapshot', '--reason', 'start', '--json']).stdout) as ConfigSnapshot;
    writeFiles(cwd, files(NEW));
    const second = JSON.parse(run(['snapshot', '--reason', 'rotate', '--json']).stdout) as ConfigSnapshot;
    expect([...second.changes.changed].sort()).toEqual(Object.keys(files(NEW)).sort());
    run(['snapshot', 'diff', first.snapshot_id, second.snapshot_id]);
    const show = run(['snapshot', 'show', second.snapshot_id, '--file', 'configs/pg/pgpass.conf']);
    expect(show.stdout).toBe('# libpq\ndb.internal:5432:trades:trader:[REDACTED]\n');
    const acl = run(['snapshot', 'show', second.snapshot_id, '--file', 'configs/redis.conf']);
    expect(acl.stdout).toBe('port 6379\nuser default on >[REDACTED] ~* &* +@all\n');

    const outputs = runs.map((r) => r.stdout + r.stderr).join('\n');
    const written = writtenOutsideConfigs(cwd);
    expect(written.length).toBeGreaterThan(3);
    for (const secret of [...OLD, ...NEW]) {
      expect(outputs.includes(secret), `${secret} in the output`).toBe(false);
      for (const f of written) expect(readFileSync(f).includes(secret), `${secret} in ${f}`).toBe(false);
    }
  }, 120_000);

  it('a wrapped bare DER private key in YAML and JSON is in no stored copy, record or output (rules 17)', () => {
    const cwd = tempDir();
    const key = (
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        format: 'der',
        type: 'pkcs8',
      }) as Buffer
    ).toString('base64');
    const lines = key.match(/.{1,64}/g) ?? [];
    writeFiles(cwd, {
      'configs/tls.yaml': `tls:\n  bundle: |\n${lines.map((l) => `    ${l}`).join('\n')}\n  port: 443\n`,
      'configs/tls.json': `${JSON.stringify({ tls: { bundle: lines.join('\n'), port: 443 } }, null, 2)}\n`,
    });
    const runs: CliRun[] = [];
    const run = okRunner(cwd, runs);
    const snap = JSON.parse(run(['snapshot', '--reason', 'start', '--json']).stdout) as ConfigSnapshot;
    const yaml = run(['snapshot', 'show', snap.snapshot_id, '--file', 'configs/tls.yaml']);
    expect(yaml.stdout).toBe(`tls:\n  bundle: |\n${lines.map(() => '    [REDACTED]').join('\n')}\n  port: 443\n`);
    run(['snapshot', 'show', snap.snapshot_id, '--file', 'configs/tls.json']);
    const outputs = runs.map((r) => r.stdout + r.stderr).join('\n');
    const written = writtenOutsideConfigs(cwd);
    expect(written.length).toBeGreaterThan(3);
    for (const line of lines.slice(0, -1)) {
      expect(outputs.includes(line), `key line ${line} in the output`).toBe(false);
      for (const f of written) expect(readFileSync(f).includes(line), `key line in ${f}`).toBe(false);
    }
  }, 120_000);
});
