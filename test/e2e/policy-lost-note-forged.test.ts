/**
 * A forged "snapshot S was lost" policy note (at43 F4). An unsigned pack's forger takes the report a
 * store-less export writes (the built-in policy from S's event on, and a note that the store lost
 * S), keeps the honest data/config_snapshot.json (S's record, hashing to the record_sha256 of S's
 * event in the pack's own log) and re-hashes the pack: S's stricter policy and its finding are gone.
 * Both checkers now call the note a contradiction (COMPLIANCE_REPORT_MISMATCH): the pack holds the
 * record the note calls missing, as logged. The honest pack whose record really was lost still
 * verifies (warnings only), in both.
 */
import { cpSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  POLICY,
  dayAgo,
  errorCodes as errorsOf,
  exportDay,
  site,
  symbolOrder as order,
  takeSnapshot,
  verifyJson as verify,
} from '../helpers/snapshot-day.js';
import { tempDir } from '../helpers/tmp.js';
import { forgePack, makeWritable } from '../verify/helpers/forge.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const D = dayAgo(3);

describe('a forged "snapshot S was lost" note beside S’s logged record (at43 F4)', () => {
  let honest = '';
  let lost = '';
  let forged = '';
  let sid = '';
  beforeAll(async () => {
    honest = site({ 'compliance_policy.yaml': POLICY });
    await order(honest, `${D}T05:00:00Z`, 'GBPUSD');
    const s = await takeSnapshot(honest, `${D}T06:00:00Z`, { patterns: ['configs/*.yaml'] });
    sid = s.snapshot_id;
    await order(honest, `${D}T09:00:00Z`, 'USDRUB');
    // The store-writer's copy: S's record deleted, exported honestly (the record really lost).
    lost = tempDir();
    cpSync(honest, lost, { recursive: true });
    unlinkSync(join(lost, 'audit', 'snapshots', `${sid}.json`));
    exportDay(honest, D);
    exportDay(lost, D, { code: 3 });
    // The forger: the lost copy's report, the honest pack's config files, every hash redone.
    forged = join(tempDir(), D);
    cpSync(join(lost, 'art', D), forged, { recursive: true });
    makeWritable(forged);
    forgePack(forged, {
      payload: (data) => {
        for (const n of ['config_snapshot.json', 'config_in_force.json']) {
          rmSync(join(data, n), { force: true });
          writeFileSync(join(data, n), readFileSync(join(honest, 'art', D, 'data', n)));
        }
      },
    });
  });

  it('the honest pack whose record the store lost still verifies, in both checkers', () => {
    const one = verify(lost, [join('art', D)]);
    expect(one.code, one.stdout).toBe(0);
    const all = verify(lost, ['art', '--log-dir', 'logs']);
    expect(all.code, all.stdout).toBe(0);
    const py = pythonPackCheck(join(lost, 'art', D));
    expect(py.errors).toEqual([]);
  });

  it('verify and the Python checker both warn COMPLIANCE_POLICY_UNKNOWN for the lost policy, with the same words (at45 F2)', () => {
    const lostWarnings = (stdout: string) =>
      (JSON.parse(stdout) as { problems: { code: string; severity: string; file: string; detail: string }[] }).problems
        .filter((p) => p.code === 'COMPLIANCE_POLICY_UNKNOWN')
        .map((p) => ({ severity: p.severity, detail: p.detail }));
    const want = [
      {
        severity: 'warning',
        detail: `the compliance report of ${D} says snapshot ${sid}'s configs/compliance_policy.yaml was not used: the snapshot store lost its record: the built-in policy is in force from its event on (a policy note; export warned COMPLIANCE_POLICY_UNKNOWN)`,
      },
    ];
    expect(lostWarnings(verify(lost, [join('art', D)]).stdout)).toEqual(want);
    expect(lostWarnings(verify(lost, ['art', '--log-dir', 'logs']).stdout)).toEqual(want);
    const py = pythonPackCheck(join(lost, 'art', D));
    expect(
      py.all
        .filter((p) => p.code === 'COMPLIANCE_POLICY_UNKNOWN')
        .map((p) => ({ severity: p.severity, detail: p.detail })),
    ).toEqual(want);
    // The honest pack with S's record holds no such note: no warning.
    expect(lostWarnings(verify(honest, [join('art', D)]).stdout)).toEqual([]);
    expect(pythonPackCheck(join(honest, 'art', D)).all.map((p) => p.code)).not.toContain('COMPLIANCE_POLICY_UNKNOWN');
  });

  it('a forger who keeps the store-less export whole (no record, the note) does not verify silently (at45 F2)', () => {
    const bare = join(tempDir(), D);
    cpSync(join(lost, 'art', D), bare, { recursive: true });
    makeWritable(bare);
    forgePack(bare, { payload: () => {} });
    const v = verify(honest, [bare, '--log-dir', join(honest, 'logs')]);
    expect(v.stdout).toContain('"COMPLIANCE_POLICY_UNKNOWN"');
    expect(pythonPackCheck(bare).all.map((p) => p.code)).toContain('COMPLIANCE_POLICY_UNKNOWN');
  });

  it('the forged pack: COMPLIANCE_REPORT_MISMATCH in verify (alone and with --log-dir) and in the Python checker', () => {
    const rep = JSON.parse(readFileSync(join(forged, 'data', 'compliance_report.json'), 'utf8')) as {
      policies: { source: string }[];
      policy_notes: string[];
    };
    expect(rep.policies.map((p) => p.source)).toEqual(['built-in']);
    expect(rep.policy_notes.some((n) => n.startsWith(`snapshot ${sid}: `))).toBe(true);
    expect(JSON.parse(readFileSync(join(forged, 'data', 'config_snapshot.json'), 'utf8')).snapshot_id).toBe(sid);
    for (const args of [[forged], [forged, '--log-dir', join(honest, 'logs')]]) {
      const v = verify(honest, args);
      expect(v.code, v.stdout).toBe(1);
      expect(errorsOf(v.stdout)).toContain('COMPLIANCE_REPORT_MISMATCH');
      expect(v.stdout).toContain(`snapshot ${sid}'s record or its recording is missing`);
    }
    const py = pythonPackCheck(forged);
    expect(py.status).toBe(1);
    expect(py.errors.map((e) => e.code)).toContain('COMPLIANCE_REPORT_MISMATCH');
    expect(py.errors.map((e) => e.detail).join('\n')).toContain(`snapshot ${sid}'s record or its recording is missing`);
  });
});
