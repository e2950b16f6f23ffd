/**
 * data/config_in_force.json lists what is really in force (docs/FORMAT.md, "config_in_force.json";
 * docs/decisions.md, at40 F1, F2, F4):
 * - F1: after a full snapshot, a narrow one of the policy file alone (the pack's config of record)
 *   still leaves configs/risk.yaml held by the full one: it is listed with that record;
 * - F4: a file deleted and then left out of a FULL snapshot (`full: true`) is not in force: the
 *   policy file's entry is null, and the next day's compliance report does not take the deleted
 *   policy's old record as its start policy;
 * - F2: `--configs ./configs/compliance_policy.yaml` records the canonical key, so one file is one entry.
 * Every pack verifies in both checkers. Snapshots are taken in-process at chosen clocks (a full one
 * as the CLI takes it without --configs: the default patterns); export, verify run as the built CLI.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { runCli } from '../helpers/cli.js';
import { logOrderDay } from '../helpers/days.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';
import { refreshPack } from '../verify/helpers/tamper-corpus.js';

const A = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
const D = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
const POLICY = readFileSync(fileURLToPath(new URL('../../configs/compliance_policy.yaml', import.meta.url)), 'utf8');

/** A snapshot at `iso`: of `patterns` (some files: `full: false`), or of the default patterns (full). */
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

function site(): string {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'configs'));
  writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
  writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_order_notional: 1000000\n');
  return cwd;
}

function exportDay(cwd: string, date: string): string {
  const r = runCli(['export', '--date', date, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  return join(cwd, 'art', date);
}

function held(pack: string): { map: Record<string, string | null>; other: unknown } {
  const v = JSON.parse(readFileSync(join(pack, 'data', 'config_in_force.json'), 'utf8')) as {
    files: { path: string; record: { snapshot_id: string } | null | string }[];
    other_files: unknown;
  };
  const map: Record<string, string | null> = {};
  for (const e of v.files)
    map[e.path] = e.record === null ? null : typeof e.record === 'string' ? e.record : e.record.snapshot_id;
  return { map, other: v.other_files };
}

function bothPass(cwd: string, pack: string): void {
  const r = runCli(['verify', pack, '--json'], { cwd });
  const v = JSON.parse(r.stdout) as { problems: { code: string; severity: string }[] };
  expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
  expect(pythonPackCheck(pack).errors).toEqual([]);
}

function events(cwd: string, id: string): Record<string, unknown> {
  const dir = join(cwd, 'logs');
  for (const f of [`audit-${A.replaceAll('-', '')}.jsonl`, `audit-${D.replaceAll('-', '')}.jsonl`]) {
    let text = '';
    try {
      text = readFileSync(join(dir, f), 'utf8');
    } catch {
      continue;
    }
    for (const l of text.split('\n'))
      if (l.includes('"ConfigSnapshot"') && l.includes(id)) return JSON.parse(l) as Record<string, unknown>;
  }
  throw new Error(`no event of ${id}`);
}

describe('config_in_force.json lists what is in force (at40 F1, F2, F4)', () => {
  it('F1: a narrow snapshot of the policy file after a full one leaves risk.yaml listed with the full record', async () => {
    const cwd = site();
    const full = await snap(cwd, `${D}T06:00:00Z`);
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), `${POLICY}# tweak\n`);
    const narrow = await snap(cwd, `${D}T10:00:00Z`, ['configs/compliance_policy.yaml']);
    expect(events(cwd, full).full).toBe(true);
    expect(events(cwd, narrow).full).toBe(false);
    await logOrderDay(join(cwd, 'logs'), D);
    const pack = exportDay(cwd, D);
    expect(held(pack)).toEqual({
      map: { 'configs/compliance_policy.yaml': narrow, 'configs/risk.yaml': full },
      other: null,
    });
    bothPass(cwd, pack);
  });

  it('F1: two narrow snapshots in one microsecond list both files', async () => {
    const cwd = site();
    const one = await snap(cwd, `${D}T10:00:00Z`, ['configs/risk.yaml']);
    const two = await snap(cwd, `${D}T10:00:00Z`, ['configs/compliance_policy.yaml']);
    await logOrderDay(join(cwd, 'logs'), D);
    const pack = exportDay(cwd, D);
    expect(held(pack)).toEqual({
      map: { 'configs/compliance_policy.yaml': two, 'configs/risk.yaml': one },
      other: null,
    });
    bothPass(cwd, pack);
  });

  it('F4: a policy file deleted and left out of a full snapshot is not in force, in the file and for the next day’s compliance report', async () => {
    const cwd = site();
    await snap(cwd, `${A}T06:00:00Z`);
    rmSync(join(cwd, 'configs', 'compliance_policy.yaml'));
    const gone = await snap(cwd, `${A}T10:00:00Z`);
    await logOrderDay(join(cwd, 'logs'), A);
    await logOrderDay(join(cwd, 'logs'), D);
    const packA = exportDay(cwd, A);
    expect(held(packA)).toEqual({
      map: { 'configs/compliance_policy.yaml': null, 'configs/risk.yaml': gone },
      other: null,
    });
    bothPass(cwd, packA);
    const packD = exportDay(cwd, D);
    expect(held(packD).map['configs/compliance_policy.yaml']).toBeNull();
    const report = JSON.parse(readFileSync(join(packD, 'data', 'compliance_report.json'), 'utf8')) as {
      policies: { snapshot_id: unknown; source: unknown }[];
    };
    // Not the deleted file's 06:00 record: no snapshot holds it, the built-in policy governs.
    expect(report.policies.map((p) => p.snapshot_id)).toEqual([null]);
    bothPass(cwd, packD);
  });

  it('F4: a file left out of a narrow snapshot stays held by the full one before it', async () => {
    const cwd = site();
    const full = await snap(cwd, `${D}T06:00:00Z`);
    rmSync(join(cwd, 'configs', 'compliance_policy.yaml'));
    const narrow = await snap(cwd, `${D}T10:00:00Z`, ['configs/risk.yaml']);
    await logOrderDay(join(cwd, 'logs'), D);
    expect(held(exportDay(cwd, D)).map).toEqual({
      'configs/compliance_policy.yaml': full,
      'configs/risk.yaml': narrow,
    });
  });

  it('F2: --configs ./configs/… and configs/../configs/… record the canonical key: one entry per file', async () => {
    const cwd = site();
    const full = await snap(cwd, `${D}T06:00:00Z`);
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), `${POLICY}# tweak\n`);
    writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_order_notional: 2000000\n');
    const narrow = await snap(cwd, `${D}T10:00:00Z`, [
      './configs/compliance_policy.yaml',
      'configs/../configs/risk.yaml',
    ]);
    expect(events(cwd, narrow).paths).toEqual(['configs/compliance_policy.yaml', 'configs/risk.yaml']);
    await logOrderDay(join(cwd, 'logs'), D);
    const pack = exportDay(cwd, D);
    expect(held(pack)).toEqual({
      map: { 'configs/compliance_policy.yaml': narrow, 'configs/risk.yaml': narrow },
      other: null,
    });
    expect(full).not.toBe(narrow);
    bothPass(cwd, pack);
  });

  it('F2: a path with ./, // or .. after a name is CONFIG_IN_FORCE_INVALID in both checkers, in a file naming config_snapshot only', async () => {
    const cwd = site();
    await snap(cwd, `${D}T06:00:00Z`);
    await logOrderDay(join(cwd, 'logs'), D);
    const pack = exportDay(cwd, D);
    const file = join(pack, 'data', 'config_in_force.json');
    const honest = readFileSync(file, 'utf8');
    const codes = () => ({
      verify: (
        JSON.parse(runCli(['verify', pack, '--json'], { cwd }).stdout) as { problems: { code: string }[] }
      ).problems.map((p) => p.code),
      python: pythonPackCheck(pack).errors.map((e) => e.code),
    });
    for (const odd of [
      './configs/risk.yaml',
      'configs//risk.yaml',
      'configs/../configs/risk.yaml',
      'configs/./risk.yaml',
    ]) {
      const v = JSON.parse(honest) as { files: { path: string }[]; config_snapshot?: unknown };
      (v.files[1] as { path: string }).path = odd;
      // Kept in the writer's order (by UTF-8 bytes): an unsorted list is INVALID of itself.
      v.files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
      writeFileSync(file, `${JSON.stringify(v, null, 2)}\n`);
      refreshPack(pack);
      const c = codes();
      expect(c.verify, odd).toContain('CONFIG_IN_FORCE_INVALID');
      expect(c.python, odd).toContain('CONFIG_IN_FORCE_INVALID');
      // A file of the first version (no config_snapshot): its paths are as the records held them.
      delete v.config_snapshot;
      writeFileSync(file, `${JSON.stringify(v, null, 2)}\n`);
      refreshPack(pack);
      const old = codes();
      expect(old.verify, odd).not.toContain('CONFIG_IN_FORCE_INVALID');
      expect(old.python, odd).not.toContain('CONFIG_IN_FORCE_INVALID');
    }
  });
});
