import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { carriedStateJson } from '../../src/compliance/carry.js';
import type { ComplianceReport } from '../../src/compliance/index.js';
import { verifyArchive } from '../../src/verify/index.js';
import { TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { AFTER, BEFORE, D, D1, exportCarryDay, sha } from './helpers/carry-day.js';
import { makeWritable } from '../verify/helpers/forge.js';

const exportDay = (cwd: string, policyFile: string, date: string, force = false): Promise<string> =>
  exportCarryDay(cwd, policyFile, date, force ? { force: true } : {});

const carryProblems = async (cwd: string) =>
  (await verifyArchive(join(cwd, 'artifacts'))).problems.filter((p) => p.code === 'COMPLIANCE_CARRY_MISMATCH');

describe('a forged carried state is not excused by a re-export of the day before', () => {
  it('an edited D-1 state re-listed in manifest-sha256.txt alone is not carried; with the tag manifest too, the archive holds it, also after a re-export of D-1', async () => {
    const cwd = tempDir();
    const policyFile = writePolicy(cwd, `${TEST_POLICY}\nrequire_review: false\n`);
    await writeEvents(join(cwd, 'logs'), BEFORE, D1);
    await writeEvents(join(cwd, 'logs'), AFTER, D);
    const p1 = await exportDay(cwd, policyFile, D1);
    // The forger drops the kill switch from D-1's end state and re-hashes its manifest line only.
    makeWritable(p1);
    const statePath = join(p1, 'data/compliance_state.json');
    const manifestPath = join(p1, 'manifest-sha256.txt');
    const [state, manifest] = [readFileSync(statePath), readFileSync(manifestPath, 'utf8')];
    const forged = carriedStateJson({ ...JSON.parse(state.toString('utf8')), kill_switch: [] });
    writeFileSync(statePath, forged);
    const forgedManifest = manifest.replace(sha(state), sha(forged));
    writeFileSync(manifestPath, forgedManifest);
    // The manifest line alone re-hashed: the tag manifest no longer lists that manifest, so D
    // replays D-1's log instead (and still finds the kill switch).
    const first = await exportDay(cwd, policyFile, D);
    const r1 = JSON.parse(readFileSync(join(first, 'data/compliance_report.json'), 'utf8')) as ComplianceReport;
    expect(r1.carried_in?.source).toBe('log');
    expect(r1.carried_in?.note).toMatch(
      /manifest-sha256\.txt of the pack of 2026-11-29 is not the one its tagmanifest/,
    );
    expect(r1.findings.map((f) => f.rule)).toContain('kill_switch_violation');
    // The tag manifest re-hashed too (an unsigned pack has nothing more to hold it): D takes the state.
    const tagPath = join(p1, 'tagmanifest-sha256.txt');
    const tags = readFileSync(tagPath, 'utf8');
    writeFileSync(tagPath, tags.replace(sha(manifest), sha(forgedManifest)));
    const p2 = await exportDay(cwd, policyFile, D, true);
    const r = JSON.parse(readFileSync(join(p2, 'data/compliance_report.json'), 'utf8')) as ComplianceReport;
    expect(r.carried_in?.source).toBe('pack');
    writeFileSync(statePath, state);
    writeFileSync(manifestPath, manifest);
    writeFileSync(tagPath, tags);
    expect((await carryProblems(cwd)).map((p) => p.severity)).toEqual(['error']);
    // A legitimate re-export of D-1 (made after D) must not turn it into a back-fill warning.
    await exportDay(cwd, policyFile, D1, true);
    expect((await carryProblems(cwd)).map((p) => p.severity)).toEqual(['error']);
  }, 90_000);
});
