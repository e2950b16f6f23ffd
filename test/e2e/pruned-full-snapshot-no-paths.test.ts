/**
 * A full snapshot whose event carries no `paths` (its list left out for its size, at42 F3), then a
 * narrow one, both days pruned (at43 F3). The install has no policy file. Before the fix the prune's
 * `configs_in_force` entry for the full snapshot had neither `paths` nor `full`, so a file its record
 * does not hold read as unknown: every export after the prune warned COMPLIANCE_POLICY_UNKNOWN
 * (exit 3) with the policy and `other_files` unknown, until a full snapshot was logged in a kept day.
 * Now the entry keeps `full: true` and the export says what it said before the prune: no snapshot
 * holds the policy file (`record: null`), `other_files: null`, exit 0.
 *
 * The event passes the writer's bound (1 MiB less 16 KiB with `paths` and `changed_files`) with a
 * few config files: 150 files whose paths are ~3,600 characters (15 nested directories of 240
 * characters; each name under the 255-byte limit, the whole under PATH_MAX). The days are logged,
 * snapshotted and exported in-process at chosen clocks; the prune and the export under test run as
 * the built CLI.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/index.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { runCli } from '../helpers/cli.js';
import { day, logOrderDay } from '../helpers/days.js';
import { tempDir } from '../helpers/tmp.js';

const FILES = 150;
const days = [-7, -6, -5, -4, -3, -2, -1].map(day);
const Y = days[6] as string;
const micros = (iso: string): number => Date.parse(iso) * 1000;
const file = (d: string): string => `audit-${d.replaceAll('-', '')}.jsonl`;

async function snap(cwd: string, iso: string, patterns?: string[]): Promise<string> {
  const s = await createConfigSnapshot({
    cwd,
    reason: 'r',
    clock: () => micros(iso),
    logDir: join(cwd, 'logs'),
    snapshotDir: join(cwd, 'audit', 'snapshots'),
    ...(patterns === undefined ? {} : { patterns }),
  });
  return s.snapshot_id;
}

/** The export of `date` at 00:05 the next day, with the install's own (full) snapshot. */
async function exportDay(cwd: string, date: string): Promise<void> {
  const at = Date.parse(`${date}T00:05:00Z`) + 86_400_000;
  await exportPack({
    version: '0.1.0',
    date,
    logDir: join(cwd, 'logs'),
    artifactsDir: join(cwd, 'art'),
    snapshot: { cwd, snapshotDir: join(cwd, 'audit', 'snapshots'), logDir: join(cwd, 'logs'), full: true },
    now: () => at,
    loggerClock: () => at * 1000,
  });
}

describe('a pruned full snapshot whose event has no paths (at43 F3)', () => {
  it('a file its record does not hold (no policy file) is none after the prune, not unknown: exit 0', async () => {
    const cwd = tempDir();
    const deep = join('configs', ...Array.from({ length: 15 }, (_, i) => `${i}`.padStart(240, 'd')));
    mkdirSync(join(cwd, deep), { recursive: true });
    const names = Array.from({ length: FILES }, (_, i) => join(deep, `f${i}.yaml`));
    for (const n of names) writeFileSync(join(cwd, n), 'x: 1\n');
    const full = await snap(cwd, `${days[0]}T08:00:00Z`);
    const ev = readFileSync(join(cwd, 'logs', file(days[0] as string)), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"ConfigSnapshot"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ev).toMatchObject([{ snapshot_id: full, full: true, file_count: FILES }]);
    expect(Object.hasOwn(ev[0] as object, 'paths')).toBe(false);
    await logOrderDay(join(cwd, 'logs'), days[0] as string);
    writeFileSync(join(cwd, names[0] as string), 'x: 2\n');
    const narrow = await snap(cwd, `${days[1]}T08:00:00Z`, [names[0] as string]);
    for (const d of days.slice(1)) await logOrderDay(join(cwd, 'logs'), d);
    for (const d of days.slice(0, 6)) await exportDay(cwd, d);
    const pr = runCli(
      ['prune', '--log-retention-days', '4', '--retention-days', '1000', '--log-dir', 'logs', '--artifacts-dir', 'art'],
      { cwd },
    );
    expect(pr.code, pr.stderr).toBe(0);
    const left = readdirSync(join(cwd, 'logs'));
    expect(left).not.toContain(file(days[0] as string));
    expect(left).not.toContain(file(days[1] as string));
    // The prune's record of days 0 and 1: the full snapshot's entry keeps `full` (alone, it is
    // written as a list too), after the narrow snapshot with its path.
    const carried = (d: string): unknown[] =>
      left
        .flatMap((f) => readFileSync(join(cwd, 'logs', f), 'utf8').split('\n'))
        .filter((l) => l.includes('"LogPruned"') && l.includes(file(d)))
        .map((l) => (JSON.parse(l) as { configs_in_force: unknown }).configs_in_force);
    const fullEntry = { snapshot_id: full, record_sha256: expect.any(String), full: true };
    expect(carried(days[0] as string)).toEqual([[fullEntry]]);
    expect(carried(days[1] as string)).toEqual([
      [{ snapshot_id: narrow, record_sha256: expect.any(String), paths: [names[0]] }, fullEntry],
    ]);

    const ex = runCli(['export', '--date', Y, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
    expect(ex.stderr).not.toContain('COMPLIANCE_POLICY_UNKNOWN');
    expect(ex.code, ex.stderr).toBe(0);
    const inForce = JSON.parse(readFileSync(join(cwd, 'art', Y, 'data', 'config_in_force.json'), 'utf8')) as {
      files: { path: string; record: unknown }[];
      other_files: unknown;
    };
    expect(inForce.other_files).toBeNull();
    expect(inForce.files.find((e) => e.path === 'configs/compliance_policy.yaml')?.record).toBeNull();
    expect(inForce.files).toHaveLength(FILES + 1);
    expect(inForce.files.find((e) => e.path === names[0])?.record).toMatchObject({ snapshot_id: narrow });
    expect(inForce.files.find((e) => e.path === names[1])?.record).toMatchObject({ snapshot_id: full });
    const v = runCli(['verify', join('art', Y), '--log-dir', 'logs', '--json'], { cwd });
    expect(v.code, v.stdout).toBe(0);
  });
});
