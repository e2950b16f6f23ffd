/**
 * Many config files (docs/FORMAT.md, "ConfigSnapshot"; docs/decisions.md, at42 F3): 3,000 files with
 * paths of ~210 characters make a ConfigSnapshot event's `paths` and `changed_files` pass the
 * logger's 1 MiB bound, which would cut both to 256 items. The event is written without them (the
 * record says which files it holds; `full` stays), so after a full snapshot and a narrow one
 * config_in_force.json still lists every file with its record, the next day's compliance policy is
 * still held by the full record (never the file on disk), and both checkers pass. Snapshots are taken
 * in-process at chosen clocks; export and verify run as the built CLI.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { runCli } from '../helpers/cli.js';
import { logOrderDay } from '../helpers/days.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const A = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
const D = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
const POLICY = readFileSync(fileURLToPath(new URL('../../configs/compliance_policy.yaml', import.meta.url)), 'utf8');
const N = 3000;
const name = (i: number) => `configs/a/f${String(i).padStart(200, '0')}.yaml`;

async function snap(cwd: string, iso: string, patterns?: string[]): Promise<string> {
  const s = await createConfigSnapshot({
    cwd,
    reason: 'r',
    clock: () => Date.parse(iso) * 1000,
    logDir: join(cwd, 'logs'),
    ...(patterns === undefined ? {} : { patterns }),
  });
  return s.snapshot_id;
}

function exportDay(cwd: string, date: string): string {
  const r = runCli(['export', '--date', date, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  return join(cwd, 'art', date);
}

function held(pack: string): { map: Map<string, string | null>; other: unknown } {
  const v = JSON.parse(readFileSync(join(pack, 'data', 'config_in_force.json'), 'utf8')) as {
    files: { path: string; record: { snapshot_id: string } | null }[];
    other_files: unknown;
  };
  return { map: new Map(v.files.map((e) => [e.path, e.record?.snapshot_id ?? null])), other: v.other_files };
}

function bothPass(cwd: string, pack: string): void {
  const r = runCli(['verify', pack, '--json'], { cwd });
  const v = JSON.parse(r.stdout) as { problems: { code: string; severity: string }[] };
  expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
  expect(pythonPackCheck(pack).errors).toEqual([]);
}

describe('a ConfigSnapshot event of many files (at42 F3)', () => {
  it('3,000 long paths: a full snapshot then a narrow one; every file is listed with its record, the policy stays held', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'configs', 'a'), { recursive: true });
    for (let i = 0; i < N; i++) writeFileSync(join(cwd, name(i)), 'x: 1\n');
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
    const full = await snap(cwd, `${A}T06:00:00Z`);
    writeFileSync(join(cwd, name(0)), 'x: 2\n');
    const narrow = await snap(cwd, `${A}T10:00:00Z`, [name(0)]);
    const line = readFileSync(join(cwd, 'logs', `audit-${A.replaceAll('-', '')}.jsonl`), 'utf8')
      .split('\n')
      .find((l) => l.includes('"ConfigSnapshot"') && l.includes(full)) as string;
    const ev = JSON.parse(line) as Record<string, unknown>;
    // Left out, never cut: no list, no note of a cut, `full` kept.
    expect([Object.hasOwn(ev, 'paths'), Object.hasOwn(ev, 'changed_files'), ev.validation, ev.full]).toEqual([
      false,
      false,
      undefined,
      true,
    ]);
    await logOrderDay(join(cwd, 'logs'), A);
    await logOrderDay(join(cwd, 'logs'), D);
    const pack = exportDay(cwd, A);
    const { map, other } = held(pack);
    expect(other).toBeNull();
    expect(map.size).toBe(N + 1);
    expect(map.get(name(0))).toBe(narrow);
    expect([...map].filter(([p, id]) => p !== name(0) && id !== full)).toEqual([]);
    bothPass(cwd, pack);
    const next = exportDay(cwd, D);
    expect(held(next).map.get('configs/compliance_policy.yaml')).toBe(full);
    const report = JSON.parse(readFileSync(join(next, 'data', 'compliance_report.json'), 'utf8')) as {
      policies: { snapshot_id: unknown; source: unknown }[];
    };
    expect(report.policies.map((p) => [p.source, p.snapshot_id])).toEqual([['snapshot', full]]);
    bothPass(cwd, next);
  }, 240_000);
});
