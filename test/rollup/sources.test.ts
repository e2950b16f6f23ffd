/**
 * Host packs kept only as `.tar.gz` (as `export --compress` and the archive keep them): the roll-up
 * and the proofs read them like pack directories, and a hostile archive is a finding that writes
 * nothing outside the roll-up's staging.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tarPackDir } from '../../src/archive/bundle.js';
import { proveLines, verifyProof } from '../../src/proof/index.js';
import { rollupDay } from '../../src/rollup/index.js';
import { DATE, exportFirmDay, type SimHost, writeFirmDay } from './hosts-fixture.js';

const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: 100 },
];
let dir: string;

describe('host packs as .tar.gz', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auditpack-rollup-tar-'));
    await writeFirmDay(dir, HOSTS, DATE, 6);
    await exportFirmDay(dir, HOSTS, DATE);
    // bravo keeps only the archive: <artifacts>/<date>.tar.gz, as pushed to the bucket.
    const arts = join(dir, 'bravo', 'artifacts');
    await tarPackDir(join(arts, DATE), DATE, join(arts, `${DATE}.tar.gz`));
    spawnSync('chmod', ['-R', 'u+w', join(arts, DATE)]);
    rmSync(join(arts, DATE), { recursive: true });
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rolls up and proves from a host that has only the .tar.gz', async () => {
    const outDir = join(dir, 'rollups');
    const sources = HOSTS.map((h) => ({ dir: join(dir, h.name, 'artifacts') }));
    const r = await rollupDay({ date: DATE, outDir, version: '0.1.0', sources });
    expect(r.hosts.map((h) => `${h.host} ${h.verdict} ${h.leaf}`)).toEqual(['alpha ok 0', 'bravo ok 1']);
    expect(r.findings.map((f) => f.code)).toEqual([]);
    expect(r.rows.fills).toBe(6);
    // The staging of the unpacked pack is gone.
    expect(readdirSync(outDir).sort()).toEqual(['.rollup.lock', DATE]);
    const proof = await proveLines({ date: DATE, rollupsDir: outDir, sources, select: { orderId: `${DATE}-O3` } });
    expect(proof.hosts.map((h) => h.host)).toEqual(['alpha', 'bravo']);
    expect(verifyProof(JSON.stringify(proof)).problems).toEqual([]);
    // The .tar.gz file itself as the source, named.
    const direct = await proveLines({
      date: DATE,
      rollupsDir: outDir,
      sources: [{ host: 'bravo', dir: join(dir, 'bravo', 'artifacts', `${DATE}.tar.gz`) }],
      select: { seq: 4 },
      host: 'bravo',
    });
    expect(verifyProof(JSON.stringify(direct)).ok).toBe(true);
  }, 120_000);

  it('a .tar.gz with a link or a path out of the pack is a finding, and nothing lands outside', async () => {
    const evil = join(dir, 'evil');
    const link = join(evil, 'link');
    mkdirSync(join(link, 'src', DATE, 'data'), { recursive: true });
    symlinkSync('/etc/passwd', join(link, 'src', DATE, 'manifest.json'));
    spawnSync('tar', ['-czf', join(link, `${DATE}.tar.gz`), '-C', join(link, 'src'), DATE]);
    const dots = join(evil, 'dots');
    mkdirSync(join(dots, 'src', DATE), { recursive: true });
    writeFileSync(join(dots, 'src', 'escape'), 'owned\n');
    const t = spawnSync('tar', ['-czPf', join(dots, `${DATE}.tar.gz`), '-C', join(dots, 'src'), `${DATE}/../escape`]);
    expect(t.status, t.stderr.toString()).toBe(0);
    const outDir = join(dir, 'rollups-evil');
    const r = await rollupDay({
      date: DATE,
      outDir,
      version: '0.1.0',
      sources: [{ dir: join(dir, 'alpha', 'artifacts') }, { host: 'mallory', dir: link }, { host: 'trudy', dir: dots }],
      expected: ['alpha', 'mallory', 'trudy'],
    });
    expect(r.findings.map((f) => `${f.code} ${f.host}`).sort()).toEqual([
      'ROLLUP_HOST_MISSING mallory',
      'ROLLUP_HOST_MISSING trudy',
      'ROLLUP_SOURCE_INVALID mallory',
      'ROLLUP_SOURCE_INVALID trudy',
    ]);
    expect(r.findings.find((f) => f.host === 'mallory' && f.code === 'ROLLUP_SOURCE_INVALID')?.detail).toMatch(
      /symlink\) is not a file of a pack/,
    );
    expect(existsSync(join(outDir, 'escape'))).toBe(false);
    expect(readdirSync(outDir).sort()).toEqual(['.rollup.lock', DATE]);
    expect(r.record.hosts).toBe(1);
  }, 120_000);
});
