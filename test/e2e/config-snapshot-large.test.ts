/**
 * A config snapshot record larger than verify's in-memory bound for data/config_snapshot.json (16 MiB:
 * three 3 MB config files rewritten, the record holding their diffs) is an honest pack: verify holds it
 * to config_in_force.json's `config_snapshot` by its streamed SHA-256 and the snapshot id of its opening,
 * in a directory and in a .tar.gz, and never reads "over the bound" as "no record" (at41 F4).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { MAX_CONFIG_IN_FORCE_BYTES } from '../../src/verify/config-in-force.js';
import { runCli } from '../helpers/cli.js';
import { logOrderDay } from '../helpers/days.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const D = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
const micros = (iso: string): number => Date.parse(iso) * 1000;
const big = (c: string): string => `${Array.from({ length: 2900 }, (_, i) => `k${i}: ${c.repeat(1000)}`).join('\n')}\n`;

function problems(
  cwd: string,
  path: string,
): { ok: boolean; problems: { code: string; severity: string; detail: string }[] } {
  return JSON.parse(runCli(['verify', path, '--json'], { cwd }).stdout);
}

describe('a config_snapshot.json past verify’s in-memory bound', () => {
  it('verifies in a directory and a .tar.gz; a changed byte is still CONFIG_IN_FORCE_MISMATCH', {
    timeout: 240_000,
  }, async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'configs'));
    const files = ['b1', 'b2', 'b3'];
    for (const n of files) writeFileSync(join(cwd, 'configs', `${n}.yaml`), big('a'));
    const snap = (at: string) =>
      createConfigSnapshot({
        cwd,
        reason: 'r',
        clock: () => micros(at),
        logDir: join(cwd, 'logs'),
        patterns: ['configs/*.yaml'],
      });
    await snap(`${D}T06:00:00Z`);
    for (const n of files) writeFileSync(join(cwd, 'configs', `${n}.yaml`), big('b'));
    const s = await snap(`${D}T07:00:00Z`);
    await logOrderDay(join(cwd, 'logs'), D);
    const e = runCli(['export', '--date', D, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
    expect(e.code, e.stderr).toBe(0);
    const pack = join(cwd, 'art', D);
    const snapFile = join(pack, 'data', 'config_snapshot.json');
    expect(statSync(snapFile).size).toBeGreaterThan(MAX_CONFIG_IN_FORCE_BYTES);
    const inForce = JSON.parse(readFileSync(join(pack, 'data', 'config_in_force.json'), 'utf8'));
    expect(inForce.config_snapshot).toEqual({
      snapshot_id: s.snapshot_id,
      record_sha256: createHash('sha256').update(readFileSync(snapFile)).digest('hex'),
    });
    const errors = (r: ReturnType<typeof problems>) =>
      r.problems.filter((p) => p.severity === 'error').map((p) => p.code);
    expect(errors(problems(cwd, pack))).toEqual([]);
    spawnSync('tar', ['-czf', `${D}.tar.gz`, D], { cwd: join(cwd, 'art') });
    expect(errors(problems(cwd, join(cwd, 'art', `${D}.tar.gz`)))).toEqual([]);
    expect(pythonPackCheck(pack).errors).toEqual([]);
    // Its snapshot id changed in the opening (the hash in the manifests left stale: that is its own
    // finding): config_in_force.json's check names the other snapshot.
    const bytes = readFileSync(snapFile);
    const at = bytes.indexOf(s.snapshot_id);
    bytes.write('9', at + 3);
    writeFileSync(snapFile, bytes);
    const bad = problems(cwd, pack);
    expect(errors(bad)).toContain('CONFIG_IN_FORCE_MISMATCH');
    expect(bad.problems.find((p) => p.code === 'CONFIG_IN_FORCE_MISMATCH')?.detail).toContain(
      'but data/config_snapshot.json is snapshot',
    );
  });
});
