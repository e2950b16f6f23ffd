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
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { logOrderDay } from '../helpers/days.js';
import { bothPass, dayAgo, exportDay, held, POLICY, site, snap } from '../helpers/snapshot-day.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';
import { refreshPack } from '../verify/helpers/tamper-corpus.js';

const A = dayAgo(3);
const D = dayAgo(2);

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

/** D logged and exported: config_in_force.json lists `map` (no other files), and both checkers pass the pack. */
async function exportsHolding(cwd: string, map: Record<string, string>): Promise<void> {
  await logOrderDay(join(cwd, 'logs'), D);
  const { pack } = exportDay(cwd, D);
  expect(held(pack)).toEqual({ map, other: null });
  bothPass(cwd, pack);
}

describe('config_in_force.json lists what is in force (at40 F1, F2, F4)', () => {
  it('F1: a narrow snapshot of the policy file after a full one leaves risk.yaml listed with the full record', async () => {
    const cwd = site();
    const full = await snap(cwd, `${D}T06:00:00Z`);
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), `${POLICY}# tweak\n`);
    const narrow = await snap(cwd, `${D}T10:00:00Z`, ['configs/compliance_policy.yaml']);
    expect(events(cwd, full).full).toBe(true);
    expect(events(cwd, narrow).full).toBe(false);
    await exportsHolding(cwd, { 'configs/compliance_policy.yaml': narrow, 'configs/risk.yaml': full });
  });

  it('F1: two narrow snapshots in one microsecond list both files', async () => {
    const cwd = site();
    const one = await snap(cwd, `${D}T10:00:00Z`, ['configs/risk.yaml']);
    const two = await snap(cwd, `${D}T10:00:00Z`, ['configs/compliance_policy.yaml']);
    await exportsHolding(cwd, { 'configs/compliance_policy.yaml': two, 'configs/risk.yaml': one });
  });

  it('F4: a policy file deleted and left out of a full snapshot is not in force, in the file and for the next day’s compliance report', async () => {
    const cwd = site();
    await snap(cwd, `${A}T06:00:00Z`);
    rmSync(join(cwd, 'configs', 'compliance_policy.yaml'));
    const gone = await snap(cwd, `${A}T10:00:00Z`);
    await logOrderDay(join(cwd, 'logs'), A);
    await logOrderDay(join(cwd, 'logs'), D);
    const packA = exportDay(cwd, A).pack;
    expect(held(packA)).toEqual({
      map: { 'configs/compliance_policy.yaml': null, 'configs/risk.yaml': gone },
      other: null,
    });
    bothPass(cwd, packA);
    const packD = exportDay(cwd, D).pack;
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
    expect(held(exportDay(cwd, D).pack).map).toEqual({
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
    expect(full).not.toBe(narrow);
    await exportsHolding(cwd, { 'configs/compliance_policy.yaml': narrow, 'configs/risk.yaml': narrow });
  });

  it('F2: a path with ./, // or .. after a name is CONFIG_IN_FORCE_INVALID in both checkers, in a file naming config_snapshot only', async () => {
    const cwd = site();
    await snap(cwd, `${D}T06:00:00Z`);
    await logOrderDay(join(cwd, 'logs'), D);
    const pack = exportDay(cwd, D).pack;
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
