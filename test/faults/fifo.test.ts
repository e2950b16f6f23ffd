/**
 * A FIFO put where a day file or a pack file belongs is refused at once, never waited on: every
 * command answers (attack7 #12, #13). Run through the built CLI with a deadline, since a command
 * blocked in open(2) on a FIFO would hang this process too.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';

/** Runs the CLI; undefined when it had to be killed (it hung), else its exit status and output. */
function answers(args: string[], cwd: string, timeout = 30_000): { code: number | null; out: string } | undefined {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout,
    killSignal: 'SIGKILL',
  });
  return r.signal !== null ? undefined : { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function mkfifo(path: string): void {
  expect(spawnSync('mkfifo', [path]).status).toBe(0);
}

describe('a FIFO in place of a file', () => {
  it('as a day file: export, check and tail refuse it at once; as a pack file: prune and rollup answer', async () => {
    const root = tempDir();
    const logs = join(root, 'logs');
    const art = join(root, 'art');
    mkdirSync(logs);
    for (const date of ['2025-09-01', '2025-09-02']) {
      await writeDay(logs, date, SAMPLE_EVENTS.slice(0, 3));
      await exportPack({ date, logDir: logs, artifactsDir: art, version: '0.1.0', recordEvent: false });
    }
    mkfifo(join(logs, 'audit-20250903.jsonl'));

    const exported = answers(
      ['export', '--date', '2025-09-03', '--log-dir', logs, '--artifacts-dir', join(root, 'a2')],
      root,
    );
    expect(exported?.code).not.toBe(0);
    expect(exported?.out).toMatch(/not a regular file/);
    const checked = answers(['check', '--date', '2025-09-03', '--log-dir', logs], root);
    expect(checked?.code).not.toBe(0);
    expect(checked?.out).toMatch(/not a regular file/);
    const tailed = answers(['tail', '--log-dir', logs, '-n', '5'], root);
    expect(tailed?.code).not.toBe(0);
    expect(tailed?.out).toMatch(/not a regular file/);

    // A pack's manifest.json replaced by a FIFO: log retention's "the pack holds the log" and the roll-up.
    const pack = join(art, '2025-09-01');
    chmodSync(pack, 0o755);
    rmSync(join(pack, 'manifest.json'), { force: true });
    mkfifo(join(pack, 'manifest.json'));
    rmSync(join(logs, 'audit-20250903.jsonl'));
    const pruned = answers(
      ['prune', '--retention-days', '90', '--log-retention-days', '1', '--log-dir', logs, '--artifacts-dir', art],
      root,
    );
    expect(pruned).toBeDefined();
    const rolled = answers(['rollup', '--date', '2025-09-01', '--from', `h1=${art}`, '--out', join(root, 'r')], root);
    expect(rolled).toBeDefined();
    expect(rolled?.code).not.toBe(0);
  }, 180_000);
});

describe('a FIFO in place of a file a command reads first', () => {
  it('as the config file, a --policy file or a --tsa-ca file: refused at once (attack8 #7)', () => {
    const root = tempDir();
    mkdirSync(join(root, 'logs'));
    mkfifo(join(root, 'auditpack.config.json'));
    const config = answers(['verify', 'logs'], root);
    expect(config?.code).toBe(78);
    expect(config?.out).toMatch(/CONFIG_INVALID.*ENOTREG/);
    rmSync(join(root, 'auditpack.config.json'));
    mkfifo(join(root, 'pol.yaml'));
    const policy = answers(['check', '--policy', 'pol.yaml', '--date', '2026-12-01', '--log-dir', 'logs'], root);
    expect(policy).toBeDefined();
    expect(policy?.code).not.toBe(0);
    expect(policy?.out).toMatch(/ENOTREG/);
    mkfifo(join(root, 'ca.pem'));
    const ca = answers(['verify', 'logs', '--tsa-ca', 'ca.pem'], root);
    expect(ca).toBeDefined();
    expect(ca?.code).not.toBe(0);
    expect(ca?.out).toMatch(/KEY_INVALID.*ENOTREG/);
  }, 180_000);
});

describe('a FIFO or a device as --signing-key', () => {
  it('export, rollup and prune refuse it at once (KEY_INVALID, 78), as --pubkey is refused', () => {
    const root = tempDir();
    mkdirSync(join(root, 'logs'));
    // rollup's --from must exist (else PATH_NOT_FOUND, 66, before the key is read): an empty one.
    mkdirSync(join(root, 'art'));
    mkfifo(join(root, 'key.fifo'));
    const runs: [string, string[]][] = [
      ['export', ['export', '--date', '2026-11-01']],
      ['rollup', ['rollup', '--date', '2026-11-01', '--from', 'h1=art', '--out', 'r']],
      ['prune', ['prune']],
    ];
    // A FIFO nobody writes blocked the read for ever; /dev/zero never ends (its memory grew without bound).
    for (const key of ['key.fifo', '/dev/zero'])
      for (const [name, args] of runs) {
        const r = answers([...args, '--signing-key', key], root, 15_000);
        expect(r, `${name} --signing-key ${key} hung`).toBeDefined();
        expect([name, key, r?.code]).toEqual([name, key, 78]);
        expect(r?.out).toMatch(/KEY_INVALID.*not a regular file/);
      }
  }, 180_000);
});
