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
import { describe, expect, it } from 'vitest';
import { logOrderDay } from '../helpers/days.js';
import { bothPass, dayAgo, exportDay, held, POLICY, site, snap } from '../helpers/snapshot-day.js';

const A = dayAgo(3);
const D = dayAgo(2);
const N = 3000;
const name = (i: number) => `configs/a/f${String(i).padStart(200, '0')}.yaml`;

describe('a ConfigSnapshot event of many files (at42 F3)', () => {
  it('3,000 long paths: a full snapshot then a narrow one; every file is listed with its record, the policy stays held', async () => {
    const cwd = site({ 'compliance_policy.yaml': POLICY });
    mkdirSync(join(cwd, 'configs', 'a'));
    for (let i = 0; i < N; i++) writeFileSync(join(cwd, name(i)), 'x: 1\n');
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
    const pack = exportDay(cwd, A).pack;
    const { map, other } = held(pack);
    expect(other).toBeNull();
    expect(Object.keys(map)).toHaveLength(N + 1);
    expect(map[name(0)]).toBe(narrow);
    expect(Object.entries(map).filter(([p, id]) => p !== name(0) && id !== full)).toEqual([]);
    bothPass(cwd, pack);
    const next = exportDay(cwd, D).pack;
    expect(held(next).map['configs/compliance_policy.yaml']).toBe(full);
    const report = JSON.parse(readFileSync(join(next, 'data', 'compliance_report.json'), 'utf8')) as {
      policies: { snapshot_id: unknown; source: unknown }[];
    };
    expect(report.policies.map((p) => [p.source, p.snapshot_id])).toEqual([['snapshot', full]]);
    bothPass(cwd, next);
  }, 240_000);
});
