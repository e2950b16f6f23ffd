/**
 * Rules 16 with the built CLI (at29 F3, F4): a libpq password file (`pgpass.conf`) and Redis ACL
 * user lines (redis.conf; users.acl is not discovered by default, test/redaction covers it) under configs/ are snapshotted, shown and diffed without their
 * passwords: no written file (store, records, log) and no output holds one, before or after a
 * rotation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigSnapshot } from '../../src/snapshot/index.js';
import { type CliRun, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { writeFiles } from '../snapshot/helpers.js';

const OLD = ['PgpassOldZZ17', 'RedisAclCfgQQ31'];
const NEW = ['PgpassNewYY18', 'RedisAclCfgQQ32'];
const files = (pw: string[]): Record<string, string> => ({
  'configs/pg/pgpass.conf': `# libpq\ndb.internal:5432:trades:trader:${pw[0]}\n`,
  'configs/redis.conf': `port 6379\nuser default on >${pw[1]} ~* &* +@all\n`,
});

describe('pgpass and Redis ACL passwords in configs/', () => {
  it('are in no stored copy, record, diff or output', () => {
    const cwd = tempDir();
    writeFiles(cwd, files(OLD));
    const runs: CliRun[] = [];
    const run = (args: string[]): CliRun => {
      const r = runCli(args, { cwd });
      runs.push(r);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
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
    const written = readdirSync(cwd, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name))
      .filter((f) => !f.startsWith(join(cwd, 'configs')));
    expect(written.length).toBeGreaterThan(3);
    for (const secret of [...OLD, ...NEW]) {
      expect(outputs.includes(secret), `${secret} in the output`).toBe(false);
      for (const f of written) expect(readFileSync(f).includes(secret), `${secret} in ${f}`).toBe(false);
    }
  }, 120_000);
});
