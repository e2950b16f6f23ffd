/**
 * A previous day's pack kept only as `<date>.tar.gz` (archived, its directory pruned) is a carry
 * source like its directory: the state is taken out of the archive when the manifest-sha256.txt in
 * it vouches for it, and refused with a reason (then the log is replayed) when it does not, when a
 * member is there twice, or when the archive is damaged.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompliance, type ComplianceReport } from '../../src/compliance/index.js';
import { verifyPack } from '../../src/verify/index.js';
import { TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { AFTER, BEFORE, D, D1, exportCarryDay, sha } from './helpers/carry-day.js';
import { makeWritable } from '../verify/helpers/forge.js';

interface Day {
  cwd: string;
  policyFile: string;
  artifacts: string;
}

/** The export of `date` (a Day's artifacts directory is `cwd`/artifacts, where exportCarryDay writes). */
const exportDay = (d: Day, date: string, compress = false): Promise<string> =>
  exportCarryDay(d.cwd, d.policyFile, date, compress ? { compress: true } : {});

/** D-1 exported with --compress, then its directory removed: only D-1.tar.gz is left. */
async function archivedDayBefore(): Promise<Day> {
  const cwd = tempDir();
  const d = {
    cwd,
    policyFile: writePolicy(cwd, `${TEST_POLICY}\nrequire_review: false\n`),
    artifacts: join(cwd, 'artifacts'),
  };
  await writeEvents(join(cwd, 'logs'), BEFORE, D1);
  await writeEvents(join(cwd, 'logs'), AFTER, D);
  const p1 = await exportDay(d, D1, true);
  makeWritable(p1);
  rmSync(p1, { recursive: true });
  return d;
}

const reportOf = (pack: string): ComplianceReport =>
  JSON.parse(readFileSync(join(pack, 'data/compliance_report.json'), 'utf8')) as ComplianceReport;

/** Re-makes D-1.tar.gz from an unpacked copy after `edit`, in ustar as the pack writer does. */
function repack(d: Day, edit: (root: string) => void, extra: string[] = []): void {
  const work = tempDir();
  const tar = join(d.artifacts, `${D1}.tar.gz`);
  execFileSync('tar', ['-xzf', tar, '-C', work]);
  makeWritable(join(work, D1));
  edit(join(work, D1));
  chmodSync(tar, 0o644);
  rmSync(tar);
  execFileSync('tar', ['--format=ustar', '-czf', tar, '-C', work, D1, ...extra]);
}

describe('the previous pack kept only as .tar.gz', () => {
  it("carries its state: D's export and check --date D start from it and say so", async () => {
    const d = await archivedDayBefore();
    const tarState = execFileSync('tar', [
      '-xzOf',
      join(d.artifacts, `${D1}.tar.gz`),
      `${D1}/data/compliance_state.json`,
    ]);
    const p2 = await exportDay(d, D);
    const r = reportOf(p2);
    expect(r.carried_in?.source).toBe('pack');
    expect(r.carried_in?.note).toContain(`from its pack kept as ${D1}.tar.gz`);
    expect(r.carried_in?.state_sha256).toBe(sha(tarState));
    expect(readFileSync(join(p2, 'data/compliance_state_start.json'))).toEqual(tarState);
    expect(r.findings.map((f) => f.rule)).toEqual(['kill_switch_violation']);
    expect((await verifyPack(p2)).problems.filter((p) => p.severity === 'error')).toEqual([]);
    const c = await checkCompliance({
      cwd: d.cwd,
      logDir: join(d.cwd, 'logs'),
      from: D,
      to: D,
      policyFile: d.policyFile,
      artifactsDir: d.artifacts,
    });
    expect(c.carried_in?.source).toBe('pack');
    expect(c.carried_in?.state_sha256).toBe(sha(tarState));
  }, 60_000);

  it('an edited state inside the archive is refused (its manifest does not vouch for it): the log is replayed', async () => {
    const d = await archivedDayBefore();
    repack(d, (root) => {
      const p = join(root, 'data/compliance_state.json');
      const s = JSON.parse(readFileSync(p, 'utf8'));
      s.kill_switch = [];
      writeFileSync(p, `${JSON.stringify(s)}\n`);
    });
    const r = reportOf(await exportDay(d, D));
    expect(r.carried_in?.source).toBe('log');
    expect(r.carried_in?.note).toContain(
      `the compliance state of the pack of ${D1} (${D1}.tar.gz) does not match its manifest (edited)`,
    );
    expect(r.findings.map((f) => f.rule)).toEqual(['kill_switch_violation']);
  }, 60_000);

  it('a state member there twice is refused as ambiguous', async () => {
    const d = await archivedDayBefore();
    const work = tempDir();
    repack(d, (root) => {
      // A second copy of data/ appended under the same names.
      execFileSync('cp', ['-r', root, join(work, 'copy')]);
    });
    const tar = join(d.artifacts, `${D1}.tar.gz`);
    const plain = join(work, 'plain.tar');
    execFileSync('sh', ['-c', `gzip -dc '${tar}' > '${plain}'`]);
    execFileSync('tar', [
      '--format=ustar',
      '-rf',
      plain,
      '-C',
      work,
      '--transform',
      `s,^copy,${D1},`,
      'copy/data/compliance_state.json',
    ]);
    execFileSync('sh', ['-c', `gzip -c '${plain}' > '${tar}'`]);
    const r = reportOf(await exportDay(d, D));
    expect(r.carried_in?.source).toBe('log');
    expect(r.carried_in?.note).toContain(`${D1}/data/compliance_state.json is in it twice`);
  }, 60_000);

  it('a damaged archive, or a link in its place, is refused with a reason and never crashes the export', async () => {
    const d = await archivedDayBefore();
    const tar = join(d.artifacts, `${D1}.tar.gz`);
    const bytes = readFileSync(tar);
    chmodSync(tar, 0o644);
    writeFileSync(tar, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = reportOf(await exportDay(d, D));
    expect(r.carried_in?.source).toBe('log');
    expect(r.carried_in?.note).toMatch(new RegExp(`the pack of ${D1} kept as ${D1}\\.tar\\.gz cannot be read: `));
    const elsewhere = join(tempDir(), 'x.tar.gz');
    writeFileSync(elsewhere, bytes);
    rmSync(tar);
    symlinkSync(elsewhere, tar);
    rmSync(join(d.artifacts, D), { recursive: true, force: true });
    const r2 = reportOf(await exportDay(d, D));
    expect(r2.carried_in?.note).toContain(`${D1}.tar.gz is not a regular file`);
  }, 60_000);
});
