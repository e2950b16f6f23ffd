/**
 * A forged "snapshot S was lost" note when S was taken on an earlier day (at45 F1), the usual
 * policy snapshot. The forger of an unsigned pack of D exports D from a store without S's record
 * (the built-in policy, a note that the store lost S), puts the honest data/config_snapshot.json
 * (S's record) back and re-hashes the pack: S's stricter policy and its finding are gone. S's event
 * is in D-1's log, not the pack's, so the pack alone cannot tell; the chain beside it can: verify
 * with --log-dir, an artifacts directory holding D-1's pack, and the Python checker's archive mode
 * say COMPLIANCE_REPORT_MISMATCH. The honest pack whose record really was lost holds no record, and
 * still verifies (with the COMPLIANCE_POLICY_UNKNOWN warning).
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
import { tarPack } from '../verify/helpers/pack-fixture.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const D0 = dayAgo(4);
const D = dayAgo(3);

describe('a forged "snapshot S was lost" note, S taken on an earlier day (at45 F1)', () => {
  let honest = '';
  let lost = '';
  let forged = '';
  let archive = '';
  let sid = '';
  beforeAll(async () => {
    honest = site({ 'compliance_policy.yaml': POLICY });
    const s = await takeSnapshot(honest, `${D0}T06:00:00Z`, { patterns: ['configs/*.yaml'] });
    sid = s.snapshot_id;
    await order(honest, `${D0}T09:00:00Z`, 'GBPUSD');
    await order(honest, `${D}T09:00:00Z`, 'USDRUB');
    exportDay(honest, D0);
    // The store-writer's copy: S's record deleted, D exported honestly (the record really lost).
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
    // An artifacts directory holding D-1's pack and the forged one in D's place.
    archive = tempDir();
    cpSync(join(honest, 'art', D0), join(archive, D0), { recursive: true });
    cpSync(forged, join(archive, D), { recursive: true });
  });

  it('the forged pack: COMPLIANCE_REPORT_MISMATCH with --log-dir, in an artifacts directory, and in the Python checker there', () => {
    expect(JSON.parse(readFileSync(join(forged, 'data', 'config_snapshot.json'), 'utf8')).snapshot_id).toBe(sid);
    const alone = verify(honest, [forged]);
    expect(alone.stdout).toContain('"COMPLIANCE_POLICY_UNKNOWN"');
    const withLog = verify(honest, [forged, '--log-dir', join(honest, 'logs')]);
    expect(withLog.code, withLog.stdout).toBe(1);
    expect(errorsOf(withLog.stdout)).toContain('COMPLIANCE_REPORT_MISMATCH');
    expect(withLog.stdout).toContain(`snapshot ${sid}'s record or its recording is missing`);
    const art = verify(honest, [archive]);
    expect(art.code, art.stdout).toBe(1);
    expect(errorsOf(art.stdout)).toContain('COMPLIANCE_REPORT_MISMATCH');
    const py = pythonPackCheck(archive);
    expect(py.status).toBe(1);
    expect(py.errors.map((e) => e.code)).toContain('COMPLIANCE_REPORT_MISMATCH');
  });

  it('the forged pack as a .tar.gz, with --log-dir: the same question, the same COMPLIANCE_REPORT_MISMATCH (note29)', () => {
    const dir = tempDir();
    cpSync(forged, join(dir, D), { recursive: true });
    const tar = tarPack(dir, D);
    const withLog = verify(honest, [tar, '--log-dir', join(honest, 'logs')]);
    expect(withLog.code, withLog.stdout).toBe(1);
    expect(errorsOf(withLog.stdout)).toContain('COMPLIANCE_REPORT_MISMATCH');
    expect(withLog.stdout).toContain(`snapshot ${sid}'s record or its recording is missing`);
    // The honest pack whose record was lost, as a .tar.gz: nothing to contradict.
    const honestDir = tempDir();
    cpSync(join(lost, 'art', D), join(honestDir, D), { recursive: true });
    const ok = verify(lost, [tarPack(honestDir, D), '--log-dir', 'logs']);
    expect(ok.code, ok.stdout).toBe(0);
  });

  it('the honest pack whose record the store lost: no mismatch, in both checkers', () => {
    const withLog = verify(lost, [join('art', D), '--log-dir', 'logs']);
    expect(withLog.code, withLog.stdout).toBe(0);
    expect(withLog.stdout).toContain('"COMPLIANCE_POLICY_UNKNOWN"');
    const all = verify(lost, ['art', '--log-dir', 'logs']);
    expect(all.code, all.stdout).toBe(0);
    expect(pythonPackCheck(join(lost, 'art')).errors).toEqual([]);
  });
});
