/**
 * config_in_force.json's `files` is sorted by path as UTF-8 bytes (docs/FORMAT.md,
 * "config_in_force.json"): verify and tools/auditpack_check.py both reject another order with
 * CONFIG_IN_FORCE_INVALID (at42, minor: both accepted it). UTF-8 byte order is not JavaScript's
 * code-unit order: U+FF01 sorts before an astral character by bytes and after it by code units; a
 * lone surrogate (a `\ud800` escape) counts as U+FFFD in both checkers, as verify's encoder writes it.
 *
 * One day is logged in-process and exported unsigned by the built CLI; each case edits a copy of the
 * pack, fixes its hashes (refreshPack) and runs both checkers on it (as config-in-force-agree.test.ts).
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { runCli } from '../helpers/cli.js';
import { logOrderDay } from '../helpers/days.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';
import { refreshPack } from '../verify/helpers/tamper-corpus.js';

const D = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
const POLICY = readFileSync(fileURLToPath(new URL('../../configs/compliance_policy.yaml', import.meta.url)), 'utf8');
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Site {
  cwd: string;
  pack: string;
  id: string;
  sha: string;
}

let site: Site;

beforeAll(async () => {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'configs'));
  writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
  writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_order_notional: 1000000\n');
  const s = await createConfigSnapshot({
    cwd,
    reason: 'r',
    clock: () => Date.parse(`${D}T06:00:00Z`) * 1000,
    logDir: join(cwd, 'logs'),
    patterns: ['configs/*.yaml'],
  });
  await logOrderDay(join(cwd, 'logs'), D);
  const r = runCli(['export', '--date', D, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  const sha = sha256(readFileSync(join(cwd, 'audit', 'snapshots', `${s.snapshot_id}.json`)));
  site = { cwd, pack: join(cwd, 'art', D), id: s.snapshot_id, sha };
}, 60_000);

interface Edit {
  inForce?: (text: string) => Buffer | string;
  snapshot?: (bytes: Buffer) => Buffer | string;
}

/** Both checkers' error codes on a re-hashed copy of the pack with `edit` applied. */
function bothOn(edit: Edit): { verify: string[]; python: string[]; details: string } {
  const pack = join(tempDir(), D);
  cpSync(site.pack, pack, { recursive: true });
  const cif = join(pack, 'data', 'config_in_force.json');
  const snap = join(pack, 'data', 'config_snapshot.json');
  if (edit.inForce) writeFileSync(cif, edit.inForce(readFileSync(cif, 'utf8')));
  if (edit.snapshot) writeFileSync(snap, edit.snapshot(readFileSync(snap)));
  refreshPack(pack);
  const v = JSON.parse(runCli(['verify', pack, '--json'], { cwd: site.cwd }).stdout) as {
    problems: { code: string; severity: string; detail: string }[];
  };
  const errors = v.problems.filter((p) => p.severity === 'error');
  const py = pythonPackCheck(pack).errors;
  return {
    verify: [...new Set(errors.map((p) => p.code))].sort(),
    python: [...new Set(py.map((p) => p.code))].sort(),
    details: [...errors.map((p) => p.detail), ...py.map((p) => p.detail ?? '')].join('\n'),
  };
}

const edited =
  (f: (v: Record<string, unknown> & { files: Record<string, unknown>[] }) => void) =>
  (text: string): string => {
    const v = JSON.parse(text);
    f(v);
    return `${JSON.stringify(v, null, 2)}\n`;
  };

describe('config_in_force.json files out of order', () => {
  it('both checkers reject a files list not sorted by path as UTF-8 bytes, and accept the sorted one', () => {
    const FULLWIDTH = 'configs/\uff01.yaml';
    const ASTRAL = 'configs/\u{1F600}.yaml';
    const put =
      (...paths: string[]) =>
      (v: Record<string, unknown> & { files: Record<string, unknown>[] }): void => {
        v.files.push(...paths.map((path) => ({ path, record: null })));
      };
    const cases: [string, (v: Record<string, unknown> & { files: Record<string, unknown>[] }) => void, string[]][] = [
      ['as written', () => {}, []],
      ['two entries swapped', (v) => v.files.reverse(), ['CONFIG_IN_FORCE_INVALID']],
      ['bytes order', put(FULLWIDTH, ASTRAL), []],
      ['code-unit order', put(ASTRAL, FULLWIDTH), ['CONFIG_IN_FORCE_INVALID']],
      ['a lone surrogate (U+FFFD) before U+E000', put('configs/\ud800', 'configs/\ue000'), ['CONFIG_IN_FORCE_INVALID']],
      ['a lone surrogate (U+FFFD) after U+E000', put('configs/\ue000', 'configs/\ud800'), []],
    ];
    for (const [name, f, errors] of cases) {
      const got = bothOn({ inForce: edited(f) });
      expect(got.verify, `${name}: ${got.details}`).toEqual(errors);
      expect(got.python, `${name}: ${got.details}`).toEqual(errors);
      if (errors.length > 0) expect(got.details).toContain('not sorted by path (as UTF-8 bytes)');
    }
  }, 240_000);
});
