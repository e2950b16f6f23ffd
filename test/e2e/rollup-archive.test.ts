/**
 * A roll-up from the archive's bucket prefix, against a real S3 store with Object Lock (Ceph
 * radosgw, scripts/ceph-s3.sh): each host pushes its packs under its own prefix
 * (`firm/<host>/<date>.tar.gz`) with `auditpack archive push`, and the roll-up host, which has no
 * host's files at all, runs `rollup --from-archive firm/`, `prove --from-archive firm/` and
 * `verify-proof`. In the ceph test group (test/groups.ts).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CephS3, startCephS3 } from '../helpers/ceph.js';
import { runCli } from '../helpers/cli.js';
import { DATE, exportFirmDay, type SimHost, writeFirmDay } from '../rollup/hosts-fixture.js';

const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: 100 },
  { name: 'charlie', skewUs: -100 },
];
let ceph: CephS3;
let dir: string;
const bucket = `ap-rollup-${process.pid}`;

function env(): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: ceph.endpoint,
    AWS_ACCESS_KEY_ID: ceph.accessKey,
    AWS_SECRET_ACCESS_KEY: ceph.secretKey,
    AWS_REGION: 'us-east-1',
  };
}

const config = (prefix: string): string => JSON.stringify({ archive: { bucket, prefix } });

beforeAll(async () => {
  ceph = startCephS3();
  dir = mkdtempSync(join(tmpdir(), 'auditpack-rollup-archive-'));
  await writeFirmDay(dir, HOSTS, DATE, 5);
  await exportFirmDay(dir, HOSTS, DATE);
}, 330_000);

afterAll(() => {
  ceph?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('rollup --from-archive against Ceph radosgw', { timeout: 240_000 }, () => {
  it('rolls up every host pack under the bucket prefix, proves an order from the bucket, and the proof checks', () => {
    for (const h of HOSTS) {
      const cwd = join(dir, h.name);
      writeFileSync(join(cwd, 'auditpack.config.json'), config(`firm/${h.name}/`));
      if (h.name === 'alpha') expect(runCli(['archive', 'init'], { cwd, env: env() }).code).toBe(0);
      const p = runCli(['archive', 'push', '--date', DATE], { cwd, env: env() });
      expect(p.code, p.stderr).toBe(0);
    }
    // The roll-up host: only a config naming the bucket, and the list of expected hosts.
    const cwd = join(dir, 'firm');
    rmSync(cwd, { recursive: true, force: true });
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'auditpack.config.json'), config('firm/'));
    writeFileSync(join(cwd, 'hosts.txt'), 'alpha\nbravo\ncharlie\ndelta\n');
    const r = runCli(['rollup', '--date', DATE, '--from-archive', '--hosts', 'hosts.txt', '--json'], {
      cwd,
      env: env(),
    });
    expect(r.code, r.stderr).toBe(1); // delta never pushed
    const out = JSON.parse(r.stdout);
    expect(out.findings.map((f: { code: string; host: string }) => `${f.code} ${f.host}`)).toEqual([
      'ROLLUP_HOST_MISSING delta',
    ]);
    expect(out.rollup.hosts).toBe(3);
    const hosts = JSON.parse(readFileSync(join(cwd, 'rollups', DATE, 'data', 'hosts.json'), 'utf8')).hosts;
    expect(hosts.map((h: { host: string; verdict: string }) => `${h.host} ${h.verdict}`)).toEqual([
      'alpha ok',
      'bravo ok',
      'charlie ok',
    ]);

    const p = runCli(
      ['prove', '--date', DATE, '--order', `${DATE}-O1`, '--from-archive', 'firm', '--out', 'o1.proof.json'],
      { cwd, env: env() },
    );
    expect(p.code, p.stderr).toBe(0);
    const v = runCli(['verify-proof', 'o1.proof.json', '--allow-unsigned', '--json'], { cwd });
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).lines.map((l: { host: string }) => l.host)).toEqual(['alpha', 'bravo']);
    // Nothing downloaded stays behind, and no secret is printed.
    expect(readdirSync(join(cwd, 'rollups')).sort()).toEqual(['.rollup.lock', DATE]);
    for (const s of [ceph.secretKey, ceph.accessKey]) expect(r.stdout + r.stderr + p.stderr).not.toContain(s);
  });

  it('without an archive configured, --from-archive is refused with ARCHIVE_NOT_CONFIGURED', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'auditpack-rollup-noarchive-'));
    try {
      const r = runCli(['rollup', '--date', DATE, '--from-archive'], { cwd, env: env() });
      expect(r.code).toBe(78);
      expect(r.stderr).toContain('ARCHIVE_NOT_CONFIGURED');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
