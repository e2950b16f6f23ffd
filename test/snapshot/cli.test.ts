import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import type { ConfigSnapshot, SnapshotSummary } from '../../src/snapshot/index.js';
import { tempDir } from '../helpers/tmp.js';
import { writeFiles } from './helpers.js';

/** Runs the CLI in-process: checks that each flag and variable becomes the intended option. */
async function run(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = {
    cwd,
    env: { NO_COLOR: '1', ...env },
    stdout: {
      write: (s: string) => {
        out += String(s);
        return true;
      },
    },
    stderr: {
      write: (s: string) => {
        err += String(s);
        return true;
      },
    },
  };
  const code = await main(args, io);
  return { code, out, err };
}

describe('auditpack snapshot: argv and environment mapping', () => {
  it('--configs is repeatable and replaces the default patterns', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/default.yaml': 'a: 1\n', 'settings/a.yaml': 'a: 1\n', 'other/b.json': '{}' });
    const r = await run(
      ['snapshot', '--reason', 'r', '--configs', 'settings/*.yaml', '--configs', 'other/*.json', '--json'],
      cwd,
    );
    expect(r.code).toBe(0);
    expect(Object.keys((JSON.parse(r.out) as ConfigSnapshot).files)).toEqual(['other/b.json', 'settings/a.yaml']);
  });

  it('without --configs the snapshot is full (its event says full: true); with --configs it is of some files (full: false)', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/a.yaml': 'a: 1\n', 'configs/b.yaml': 'b: 1\n' });
    expect((await run(['snapshot', '--reason', 'r', '--log-dir', 'logs'], cwd)).code).toBe(0);
    expect(
      (await run(['snapshot', '--reason', 'r', '--log-dir', 'logs', '--configs', './configs/a.yaml'], cwd)).code,
    ).toBe(0);
    const events = readdirSync(join(cwd, 'logs'))
      .flatMap((f) => readFileSync(join(cwd, 'logs', f), 'utf8').split('\n'))
      .filter((l) => l.includes('"ConfigSnapshot"'))
      .map((l) => JSON.parse(l) as { full: unknown; paths: unknown });
    expect(events.map((e) => [e.full, e.paths])).toEqual([
      [true, ['configs/a.yaml', 'configs/b.yaml']],
      [false, ['configs/a.yaml']],
    ]);
  });

  it('--snapshot-dir beats SNAPSHOT_DIR, which beats the default; --log-dir beats AUDIT_LOG_DIR', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/a.yaml': 'a: 1\n' });
    expect(
      (await run(['snapshot', '--reason', 'r'], cwd, { SNAPSHOT_DIR: 'env-store', AUDIT_LOG_DIR: 'env-logs' })).code,
    ).toBe(0);
    expect(readdirSync(join(cwd, 'env-store')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(readdirSync(join(cwd, 'env-logs')).filter((f) => f.endsWith('.jsonl'))).toHaveLength(1);
    expect(
      (
        await run(['snapshot', '--reason', 'r', '--snapshot-dir', 'flag-store', '--log-dir', 'flag-logs'], cwd, {
          SNAPSHOT_DIR: 'env-store',
        })
      ).code,
    ).toBe(0);
    expect(readdirSync(join(cwd, 'flag-store')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(existsSync(join(cwd, 'flag-logs'))).toBe(true);
    expect(existsSync(join(cwd, 'audit'))).toBe(false);
    // The subcommands read the same store settings, wherever --json and --snapshot-dir are put.
    const env = await run(['snapshot', 'list', '--json'], cwd, { SNAPSHOT_DIR: 'env-store' });
    expect((JSON.parse(env.out) as SnapshotSummary[]).length).toBe(1);
    const flagAfter = await run(['snapshot', 'list', '--snapshot-dir', 'flag-store', '--json'], cwd);
    const flagBefore = await run(['snapshot', '--json', '--snapshot-dir', 'flag-store', 'list'], cwd);
    expect(flagAfter.out).toBe(flagBefore.out);
    expect((JSON.parse(flagAfter.out) as SnapshotSummary[]).length).toBe(1);
  });

  it('SNAPSHOT_MAX_FILE_BYTES and redaction settings from the environment reach the snapshot', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/big.yaml': 'x'.repeat(50), 'configs/a.yaml': 'desk_code: 42\n' });
    const r = await run(['snapshot', '--reason', 'r', '--json'], cwd, {
      SNAPSHOT_MAX_FILE_BYTES: '20',
      AUDIT_REDACT_KEYS: 'desk_code',
    });
    const s = JSON.parse(r.out) as ConfigSnapshot;
    expect(s.files['configs/big.yaml']).toMatchObject({ too_large: true, stored: false });
    expect(s.files['configs/a.yaml']).toMatchObject({ redacted: true });
    const off = await run(['snapshot', '--reason', 'r', '--json'], cwd, { AUDIT_REDACTION_ENABLED: 'false' });
    expect((JSON.parse(off.out) as ConfigSnapshot).redaction.enabled).toBe(false);
  });

  it('USER names the actor; --allow-empty maps to allowEmpty', async () => {
    const cwd = tempDir();
    const r = await run(['snapshot', '--reason', 'r', '--allow-empty', '--json'], cwd, { USER: 'ops-bot' });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as ConfigSnapshot).actor.user).toBe('ops-bot');
    expect((await run(['snapshot', '--reason', 'r'], tempDir())).code).toBe(66);
  });

  it.each([
    [['snapshot']],
    [['snapshot', '--reason', '']],
    [['snapshot', '--reason', '  ']],
    [['snapshot', '--reason']],
    [['snapshot', 'bogus']],
    [['snapshot', 'show']],
    [['snapshot', 'diff', 'a']],
  ])('usage error for %j: exit 2, nothing written', async (args) => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/a.yaml': 'a: 1\n' });
    const r = await run(args, cwd);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(existsSync(join(cwd, 'audit'))).toBe(false);
  });
});
