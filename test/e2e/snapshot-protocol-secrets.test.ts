/**
 * Rules 16 with the built CLI (at29 F3, F4): a libpq password file (`pgpass.conf`) and Redis ACL
 * user lines (redis.conf; users.acl is not discovered by default, test/redaction covers it) under configs/ are snapshotted, shown and diffed without their
 * passwords: no written file (store, records, log) and no output holds one, before or after a
 * rotation. Rules 17 (at30 F2): a bare base64 DER private key wrapped as a YAML block scalar or in a
 * JSON string with `\n` escapes is in no written file or output either, not one of its lines. Rules 18:
 * a PuTTY key's private lines and MAC (YAML), htpasswd hashes (.conf), a DER key as hex and folded
 * with spaces (.ini), and the CLI's usage error quoting an IMAP LOGIN or a hex key typed as a word.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigSnapshot } from '../../src/snapshot/index.js';
import { type CliRun, okRunner, runCli } from '../helpers/cli.js';
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

  it('PuTTY key lines, htpasswd hashes, hex and blank-folded DER keys: in no copy, record or output (rules 18)', () => {
    const cwd = tempDir();
    const der = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'der',
      type: 'pkcs8',
    }) as Buffer;
    const b64 = der.toString('base64');
    const SECRETS = [
      'PpkPrivLineQQ18x',
      'PpkPrivLineWW18y',
      '9c2a8e7d6c5b4a39281706f5e4d3c2b1',
      'HqJZimcKQFAMYayBlzkrA',
      'c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT',
      der.toString('hex').slice(40, 100),
      b64.slice(20, 60),
    ];
    writeFiles(cwd, {
      'configs/ssh.yaml': `ssh:\n  identity: |\n    PuTTY-User-Key-File-3: ssh-ed25519\n    Encryption: none\n    Comment: desk\n    Public-Lines: 1\n    AAAAC3NzaC1lZDI1NTE5AAAAIPublic\n    Private-Lines: 2\n    AAAAIPpkPrivLineQQ18xAbCdEfGh0123\n    AAAAPpkPrivLineWW18y\n    Private-MAC: 9c2a8e7d6c5b4a39281706f5e4d3c2b1a0\n  port: 22\n`,
      'configs/nginx/users.conf':
        'trader:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/\nops:$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC\n',
      'configs/tls.ini': `[tls]\nkey_der = ${der.toString('hex')}\nbundle = ${(b64.match(/.{1,32}/g) ?? []).join(' ')}\nport = 443\n`,
    });
    const runs: CliRun[] = [];
    const run = okRunner(cwd, runs);
    const snap = JSON.parse(run(['snapshot', '--reason', 'start', '--json']).stdout) as ConfigSnapshot;
    const users = run(['snapshot', 'show', snap.snapshot_id, '--file', 'configs/nginx/users.conf']);
    expect(users.stdout).toBe('trader:$apr1$[REDACTED]\nops:$2y$05$[REDACTED]\n');
    run(['snapshot', 'show', snap.snapshot_id, '--file', 'configs/ssh.yaml']);
    run(['snapshot', 'show', snap.snapshot_id, '--file', 'configs/tls.ini']);
    // The CLI's usage error quotes the words it could not read (stderr).
    const usage = runCli(['log', 'alert', 'X', 'a001 LOGIN trader ImapPw18zz', der.toString('hex')], { cwd });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('[REDACTED]');
    const outputs = [...runs, usage].map((r) => r.stdout + r.stderr).join('\n');
    const written = writtenOutsideConfigs(cwd);
    expect(written.length).toBeGreaterThan(3);
    for (const secret of [...SECRETS, 'ImapPw18zz']) {
      expect(outputs.includes(secret), `${secret} in the output`).toBe(false);
      for (const f of written) expect(readFileSync(f).includes(secret), `${secret} in ${f}`).toBe(false);
    }
  }, 120_000);
});
