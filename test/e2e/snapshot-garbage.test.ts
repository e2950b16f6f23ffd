/**
 * A file in the snapshot store that is no record (garbage, or a record under another id's name) and
 * that no ConfigSnapshot event names (at28 F3): no evidence and no candidate, so it never fails an
 * export or a check (before, every nightly export failed SNAPSHOT_CORRUPT, exit 65, no pack, until
 * it was removed). One dated years back is passed over unsaid where it is not needed; one dated the
 * exported day is listed in config.diff, marked UNCHAINED, and warned of (exit 3).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotIdOf } from '../../src/snapshot/store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const MARK = '[UNCHAINED: no ConfigSnapshot event in the audit log records this snapshot; its record is not evidence]';

function setUp(): { cwd: string; honest: string } {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'configs'));
  writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_position: 5\n');
  writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), 'restricted_symbols: [EURUSD]\n');
  const r = runCli(['snapshot', '--reason', 'initial', '--log-dir', 'logs', '--json'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  return { cwd, honest: (JSON.parse(r.stdout) as { snapshot_id: string }).snapshot_id };
}

function store(cwd: string, id: string): string {
  return join(cwd, 'audit', 'snapshots', `${id}.json`);
}

function packDir(cwd: string): string {
  const day = readdirSync(join(cwd, 'artifacts')).find((n) => /^\d{4}-\d{2}-\d{2}$/.test(n)) as string;
  return join(cwd, 'artifacts', day);
}

describe('a file in the snapshot store that is no record, named by no ConfigSnapshot event', () => {
  it('dated years back: export writes its pack (exit 0) and check runs, the record of the chain used', () => {
    const { cwd, honest } = setUp();
    writeFileSync(store(cwd, '20200101T000000.000000Z-000'), 'garbage\n');
    // A well-formed record under another id's name does not parse as that id either.
    writeFileSync(store(cwd, '20200102T000000.000000Z-000'), readFileSync(store(cwd, honest)));
    const e = runCli(['export', '--partial', '--log-dir', 'logs', '--artifacts-dir', 'artifacts'], { cwd });
    expect(e.code, e.stderr).toBe(0);
    const pack = packDir(cwd);
    expect(JSON.parse(readFileSync(join(pack, 'data', 'config_snapshot.json'), 'utf8')).snapshot_id).toBe(honest);
    const report = JSON.parse(readFileSync(join(pack, 'data', 'compliance_report.json'), 'utf8'));
    // The chain's events decide the policy (at28 F2): a file no event names is not even read.
    expect(report.policy_notes.join(' ')).not.toContain('20200101T000000');
    expect(runCli(['verify', pack, '--log-dir', 'logs'], { cwd }).code).toBe(0);
    const c = runCli(['check', '--date', pack.slice(-10), '--log-dir', 'logs'], { cwd });
    expect(c.stderr).not.toContain('SNAPSHOT_CORRUPT');
    expect([0, 1, 3]).toContain(c.code);
  }, 60_000);

  it('dated the exported day: listed in config.diff, marked, and warned of (exit 3), the pack written', () => {
    const { cwd, honest } = setUp();
    const garbage = snapshotIdOf(Date.now() * 1000 - 1000, 0);
    writeFileSync(store(cwd, garbage), '{"format":');
    const e = runCli(['export', '--partial', '--log-dir', 'logs', '--artifacts-dir', 'artifacts'], { cwd });
    expect(e.code, e.stderr).toBe(3);
    expect(e.stderr).toContain(
      `snapshot ${garbage}: its record in the snapshot store ${join(cwd, 'audit', 'snapshots')} cannot be read or does not parse, and no ConfigSnapshot event`,
    );
    const pack = packDir(cwd);
    expect(JSON.parse(readFileSync(join(pack, 'data', 'config_snapshot.json'), 'utf8')).snapshot_id).toBe(honest);
    const diff = readFileSync(join(pack, 'data', 'config.diff'), 'utf8');
    expect(diff).toContain(`# snapshot ${garbage}: its record cannot be read or does not parse ${MARK}\n`);
    expect(diff.split('\n')[0]).toMatch(/1 no ConfigSnapshot event records \(UNCHAINED\)$/);
  }, 60_000);

  it('the record the chain names, garbled: as a changed one, no config of record (CONFIG_OF_RECORD_UNKNOWN), the pack written', () => {
    const { cwd, honest } = setUp();
    writeFileSync(store(cwd, honest), 'garbage\n');
    const e = runCli(['export', '--partial', '--log-dir', 'logs', '--artifacts-dir', 'artifacts'], { cwd });
    expect(e.stderr).toContain('CONFIG_OF_RECORD_UNKNOWN');
    const json = JSON.parse(readFileSync(join(packDir(cwd), 'data', 'config_snapshot.json'), 'utf8'));
    expect(json.snapshot).toBeNull();
  }, 60_000);
});
