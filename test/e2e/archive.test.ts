/**
 * End to end against a real S3 store with Object Lock (Ceph radosgw, started here): the built CLI
 * pushes, verifies, pulls and holds packs, and the store itself refuses what WORM must refuse.
 * The adversary's moves (delete a version, shorten a lock, put a forged pack on top) are made with
 * the AWS SDK directly, as anyone holding write keys to the bucket could.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCephS3, type CephS3 } from '../helpers/ceph.js';
import { runCli } from '../helpers/cli.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';

let ceph: CephS3;
let s3: S3Client;
const roots: string[] = [];
const t0 = Date.now();

beforeAll(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; // the pinned SDK's notice, for this process's own client
  ceph = startCephS3();
  process.stderr.write(`archive e2e: Ceph radosgw up in ${ceph.startSeconds.toFixed(1)} s at ${ceph.endpoint}\n`);
  s3 = new S3Client({
    endpoint: ceph.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ceph.accessKey, secretAccessKey: ceph.secretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}, 330_000);

afterAll(() => {
  s3?.destroy();
  ceph?.stop();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
  process.stderr.write(`archive e2e: whole file (start-up, tests, stop) ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}, 120_000);

let bucketSeq = 0;
/** A working directory with logs and a config naming a fresh bucket. */
function workspace(extraConfig: Record<string, unknown> = {}): {
  cwd: string;
  bucket: string;
  env: Record<string, string>;
} {
  const cwd = mkdtempSync(join(tmpdir(), 'auditpack-archive-'));
  roots.push(cwd);
  mkdirSync(join(cwd, 'logs'));
  const bucket = `ap-test-${process.pid}-${++bucketSeq}`;
  writeFileSync(
    join(cwd, 'auditpack.config.json'),
    JSON.stringify({ archive: { bucket, prefix: 'desk1/packs/', ...extraConfig } }),
  );
  return { cwd, bucket, env: env() };
}

function env(over: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: ceph.endpoint,
    AWS_ACCESS_KEY_ID: ceph.accessKey,
    AWS_SECRET_ACCESS_KEY: ceph.secretKey,
    AWS_REGION: 'us-east-1',
    ...over,
  };
}

/** Writes a day and exports it (one day per workspace: a later day's file would take older-dated events as late ones). */
async function exportDay(cwd: string, date: string): Promise<string> {
  await writeDay(join(cwd, 'logs'), date, SAMPLE_EVENTS);
  const r = runCli(['export', '--date', date, '--json'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).manifest_sha256 as string;
}

async function versionsOf(bucket: string, key: string): Promise<{ VersionId?: string; IsLatest?: boolean }[]> {
  const r = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return (r.Versions ?? []).filter((v) => v.Key === key);
}

function ledger(cwd: string): Record<string, unknown>[] {
  return readFileSync(join(cwd, 'artifacts', 'archive-ledger.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

function events(cwd: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const f of readdirSync(join(cwd, 'logs'))
    .filter((n) => n.endsWith('.jsonl'))
    .sort()) {
    for (const l of readFileSync(join(cwd, 'logs', f), 'utf8').split('\n')) if (l) out.push(JSON.parse(l));
  }
  return out;
}

// Each test spawns the CLI a dozen times against a real radosgw: 60-65 s under a loaded machine
// (two failed at the 60 s default), so each gets more time; what they assert is unchanged.
describe('archive against Ceph radosgw (Object Lock, COMPLIANCE)', { timeout: 240_000 }, () => {
  it('init creates a locked bucket with a COMPLIANCE default; an existing bucket without Object Lock is refused with the reason', async () => {
    const w = workspace({ retentionYears: 7 });
    const r = runCli(['archive', 'init', '--json'], { cwd: w.cwd, env: w.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(''); // no SDK warning in cron output
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      bucket: w.bucket,
      created: true,
      default_set: true,
      retention_years: 7,
    });
    const again = runCli(['archive', 'init'], { cwd: w.cwd, env: w.env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(
      `bucket ${w.bucket} exists with Object Lock; default retention kept (COMPLIANCE 7y 0d)`,
    );

    const plain = workspace();
    await s3.send(new CreateBucketCommand({ Bucket: plain.bucket }));
    const refused = runCli(['archive', 'init'], { cwd: plain.cwd, env: plain.env });
    expect(refused.code).toBe(78);
    expect(refused.stderr).toContain('ARCHIVE_NO_OBJECT_LOCK');
    expect(refused.stderr).toContain('Object Lock only when a bucket is created');
  });

  it('push: one PUT with COMPLIANCE until the day + 6 years, read back, ledgered, on the chain; a re-push changes nothing; the store refuses delete and shortening', async () => {
    const w = workspace();
    const date = '2026-03-02';
    const manifest = await exportDay(w.cwd, date);
    expect(runCli(['archive', 'init'], { cwd: w.cwd, env: w.env }).code).toBe(0);
    const r = runCli(['archive', 'push', '--date', date, '--json'], { cwd: w.cwd, env: w.env });
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout).packs[0];
    const key = `desk1/packs/${date}.tar.gz`;
    expect(p).toMatchObject({
      date,
      status: 'pushed',
      key,
      manifest_sha256: manifest,
      retain_until: '2032-03-03T00:00:00.000Z',
    });

    // What the store holds, asked independently.
    const head = await s3.send(new HeadObjectCommand({ Bucket: w.bucket, Key: key }));
    expect(head.VersionId).toBe(p.version_id);
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ObjectLockRetainUntilDate?.toISOString()).toBe('2032-03-03T00:00:00.000Z');
    expect(head.ContentLength).toBe(p.size);
    expect(head.Metadata?.['auditpack-manifest-sha256']).toBe(manifest);

    expect(ledger(w.cwd)).toEqual([
      expect.objectContaining({
        event: 'pushed',
        date,
        key,
        version_id: p.version_id,
        manifest_sha256: manifest,
        mode: 'COMPLIANCE',
        retain_until: '2032-03-03T00:00:00.000Z',
      }),
    ]);
    expect(events(w.cwd).filter((e) => e.event === 'PackArchived')).toEqual([
      expect.objectContaining({
        category: 'system',
        date,
        key,
        version_id: p.version_id,
        retention_mode: 'COMPLIANCE',
      }),
    ]);

    // Idempotent: nothing uploaded, nothing recorded.
    const again = runCli(['archive', 'push', '--date', date], { cwd: w.cwd, env: w.env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`${date} already archived: ${key} version ${p.version_id}`);
    expect(await versionsOf(w.bucket, key)).toHaveLength(1);
    expect(ledger(w.cwd)).toHaveLength(1);
    expect(events(w.cwd).filter((e) => e.event === 'PackArchived')).toHaveLength(1);

    // A longer retention configured later extends the lock on the next push (never a new upload).
    const longer = runCli(['archive', 'push', '--date', date, '--retention-years', '7', '--json'], {
      cwd: w.cwd,
      env: w.env,
    });
    expect(longer.code, longer.stderr).toBe(0);
    expect(JSON.parse(longer.stdout).packs[0]).toMatchObject({
      status: 'archived',
      version_id: p.version_id,
      retain_until: '2033-03-03T00:00:00.000Z',
      extended_from: '2032-03-03T00:00:00.000Z',
    });
    expect(
      (
        await s3.send(new GetObjectRetentionCommand({ Bucket: w.bucket, Key: key, VersionId: p.version_id }))
      ).Retention?.RetainUntilDate?.toISOString(),
    ).toBe('2033-03-03T00:00:00.000Z');
    expect(ledger(w.cwd).map((e) => e.event)).toEqual(['pushed', 'retention_extended']);
    expect(events(w.cwd).filter((e) => e.event === 'ArchiveRetentionExtended')).toHaveLength(1);
    expect(await versionsOf(w.bucket, key)).toHaveLength(1);

    // The store, not auditpack, refuses: a delete of the version (also with the governance bypass) and a shorter lock.
    for (const bypass of [false, true]) {
      await expect(
        s3.send(
          new DeleteObjectCommand({
            Bucket: w.bucket,
            Key: key,
            VersionId: p.version_id,
            BypassGovernanceRetention: bypass,
          }),
        ),
      ).rejects.toMatchObject({ name: 'AccessDenied' });
    }
    await expect(
      s3.send(
        new PutObjectRetentionCommand({
          Bucket: w.bucket,
          Key: key,
          VersionId: p.version_id,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date('2030-01-01T00:00:00Z') },
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      s3.send(
        new PutObjectRetentionCommand({
          Bucket: w.bucket,
          Key: key,
          VersionId: p.version_id,
          Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date('2040-01-01T00:00:00Z') },
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    // A delete without a version id only adds a delete marker: the locked version stays, and verify says so.
    await s3.send(new DeleteObjectCommand({ Bucket: w.bucket, Key: key }));
    const ret = await s3.send(new GetObjectRetentionCommand({ Bucket: w.bucket, Key: key, VersionId: p.version_id }));
    expect(ret.Retention).toMatchObject({ Mode: 'COMPLIANCE' });
    const v = runCli(['archive', 'verify', '--date', date], { cwd: w.cwd, env: w.env });
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('ARCHIVE_DELETE_MARKER');
  });

  it('verify passes on a pushed pack and catches a forged pack put on top as the newest version; pull refuses the forgery and restores the genuine version', async () => {
    const w = workspace();
    const date = '2026-04-07';
    await exportDay(w.cwd, date);
    expect(runCli(['archive', 'init'], { cwd: w.cwd, env: w.env }).code).toBe(0);
    const pushed = JSON.parse(runCli(['archive', 'push', '--date', date, '--json'], { cwd: w.cwd, env: w.env }).stdout)
      .packs[0];
    const ok = runCli(['archive', 'verify', '--json'], { cwd: w.cwd, env: w.env });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, dates: [date], problems: [] });

    // The forger: download nothing, just build a pack with one byte of the log changed and PUT it on the key.
    const key = `desk1/packs/${date}.tar.gz`;
    const good = runCli(['archive', 'pull', '--date', date, '--out', join(w.cwd, 'pulled'), '--json'], {
      cwd: w.cwd,
      env: w.env,
    });
    expect(good.code, good.stderr).toBe(0);
    const goodPath = JSON.parse(good.stdout).path as string;
    expect(goodPath).toBe(join(w.cwd, 'pulled', `${date}.tar.gz`));
    expect(runCli(['verify', goodPath], { cwd: w.cwd }).code).toBe(0);
    expect(createHash('sha256').update(readFileSync(goodPath)).digest('hex')).toBe(pushed.sha256);
    expect(
      runCli(['archive', 'pull', '--date', date, '--out', join(w.cwd, 'pulled')], { cwd: w.cwd, env: w.env }).code,
    ).toBe(73);

    const tar = gunzipSync(readFileSync(goodPath));
    const at = tar.indexOf(Buffer.from('"EURUSD"'));
    expect(at).toBeGreaterThan(0);
    tar.write('"GBPUSD"', at, 'latin1');
    await s3.send(new PutObjectCommand({ Bucket: w.bucket, Key: key, Body: gzipSync(tar) }));

    const bad = runCli(['archive', 'verify', '--date', date, '--json'], { cwd: w.cwd, env: w.env });
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout);
    const codes = report.problems.map((x: { code: string }) => x.code);
    expect(codes).toContain('ARCHIVE_VERSION_UNKNOWN');
    expect(codes).toContain('ARCHIVE_PACK_PROBLEM');
    // The bucket's default rule locked the forgery too (it cannot be removed either): verify names it, newest, unknown.
    const forgedVersion = report.versions.find((x: { latest: boolean }) => x.latest);
    expect(forgedVersion).toMatchObject({ ok: false, mode: 'COMPLIANCE' });
    expect(
      ledger(w.cwd)
        .filter((e) => e.event === 'verified')
        .map((e) => e.version_id),
    ).not.toContain(forgedVersion.version_id);
    expect(report.problems.find((x: { code: string }) => x.code === 'ARCHIVE_PACK_PROBLEM').detail).toMatch(
      /PACK_FILE_HASH_MISMATCH|LOG_CHAIN_BROKEN/,
    );
    // The genuine version is still there and still verifies.
    expect(report.versions.find((x: { version_id: string }) => x.version_id === pushed.version_id)).toMatchObject({
      ok: true,
      mode: 'COMPLIANCE',
    });
    // The failure is on the record as an alert.
    expect(events(w.cwd).filter((e) => e.event === 'ArchiveVerifyFailed')).toEqual([
      expect.objectContaining({ category: 'alert', severity: 'HIGH' }),
    ]);

    // pull takes the newest by default: the forgery does not land under the pack's name.
    const forged = runCli(['archive', 'pull', '--date', date, '--out', join(w.cwd, 'pulled2')], {
      cwd: w.cwd,
      env: w.env,
    });
    expect(forged.code).toBe(1);
    expect(forged.stderr).toContain('VERIFY_FAILED');
    expect(existsSync(join(w.cwd, 'pulled2', `${date}.tar.gz`))).toBe(false);
    expect(existsSync(join(w.cwd, 'pulled2', `${date}.tar.gz.unverified`))).toBe(true);
    const genuine = runCli(
      ['archive', 'pull', '--date', date, '--version-id', pushed.version_id, '--out', join(w.cwd, 'pulled2')],
      { cwd: w.cwd, env: w.env },
    );
    expect(genuine.code, genuine.stderr).toBe(0);

    // A consistent forgery: a whole valid pack of the day (every hash right, as a rebuilt unsigned pack would be), put on top.
    const re = runCli(['export', '--date', date, '--force', '--compress'], { cwd: w.cwd });
    expect(re.code, re.stderr).toBe(0);
    await s3.send(
      new PutObjectCommand({
        Bucket: w.bucket,
        Key: key,
        Body: readFileSync(join(w.cwd, 'artifacts', `${date}.tar.gz`)),
      }),
    );
    const valid = JSON.parse(
      runCli(['archive', 'verify', '--date', date, '--json'], { cwd: w.cwd, env: w.env }).stdout,
    );
    expect(valid.ok).toBe(false);
    const newest = valid.versions.find((x: { latest: boolean }) => x.latest);
    expect(
      valid.problems
        .filter((x: { version_id: string }) => x.version_id === newest.version_id)
        .map((x: { code: string }) => x.code),
    ).toEqual(['ARCHIVE_VERSION_UNKNOWN']);
    expect(newest.ok).toBe(true); // as a pack it is fine; who put it there is the finding
    expect(
      ledger(w.cwd)
        .filter((e) => e.event === 'verified')
        .map((e) => e.version_id),
    ).not.toContain(newest.version_id);
  });

  it('a different pack for the same day is a new version, never a replacement; a lost ledger is rebuilt by adopting, not re-uploading', async () => {
    const w = workspace();
    const date = '2026-05-11';
    const first = await exportDay(w.cwd, date);
    expect(runCli(['archive', 'init'], { cwd: w.cwd, env: w.env }).code).toBe(0);
    const p1 = JSON.parse(runCli(['archive', 'push', '--date', date, '--json'], { cwd: w.cwd, env: w.env }).stdout)
      .packs[0];
    // A re-export (--force) is a different pack of the same day: new manifest (created_at, supersedes).
    const re = runCli(['export', '--date', date, '--force', '--json'], { cwd: w.cwd });
    expect(re.code, re.stderr).toBe(0);
    const second = JSON.parse(re.stdout).manifest_sha256 as string;
    expect(second).not.toBe(first);
    const r2 = runCli(['archive', 'push', '--date', date, '--json'], { cwd: w.cwd, env: w.env });
    expect(r2.code, r2.stderr).toBe(0);
    const p2 = JSON.parse(r2.stdout).packs[0];
    expect(p2).toMatchObject({ status: 'pushed', manifest_sha256: second });
    expect(p2.version_id).not.toBe(p1.version_id);
    const key = `desk1/packs/${date}.tar.gz`;
    const vs = await versionsOf(w.bucket, key);
    expect(vs.map((v) => v.VersionId).sort()).toEqual([p1.version_id, p2.version_id].sort());
    expect(vs.find((v) => v.IsLatest)?.VersionId).toBe(p2.version_id);
    const ls = JSON.parse(runCli(['archive', 'ls', '--json'], { cwd: w.cwd, env: w.env }).stdout);
    expect(ls.versions).toHaveLength(2);
    expect(ls.versions.every((v: { in_ledger: boolean }) => v.in_ledger)).toBe(true);
    expect(runCli(['archive', 'verify'], { cwd: w.cwd, env: w.env }).code).toBe(0);

    // The ledger is lost (a new machine, a wiped disk): the push finds the version and records it.
    rmSync(join(w.cwd, 'artifacts', 'archive-ledger.jsonl'));
    const r3 = runCli(['archive', 'push', '--all', '--json'], { cwd: w.cwd, env: w.env });
    expect(r3.code, r3.stderr).toBe(0);
    expect(JSON.parse(r3.stdout).packs[0]).toMatchObject({ status: 'adopted', version_id: p2.version_id });
    expect(await versionsOf(w.bucket, key)).toHaveLength(2);
  });

  it('legal hold on and off, read back from the store and recorded', async () => {
    const w = workspace();
    const date = '2026-06-15';
    await exportDay(w.cwd, date);
    expect(runCli(['archive', 'init'], { cwd: w.cwd, env: w.env }).code).toBe(0);
    const p = JSON.parse(runCli(['archive', 'push', '--date', date, '--json'], { cwd: w.cwd, env: w.env }).stdout)
      .packs[0];
    const on = runCli(['archive', 'hold', '--date', date, 'on'], { cwd: w.cwd, env: w.env });
    expect(on.code, on.stderr).toBe(0);
    const key = `desk1/packs/${date}.tar.gz`;
    expect(
      (await s3.send(new GetObjectLegalHoldCommand({ Bucket: w.bucket, Key: key, VersionId: p.version_id }))).LegalHold
        ?.Status,
    ).toBe('ON');
    const off = runCli(['archive', 'hold', '--date', date, 'off'], { cwd: w.cwd, env: w.env });
    expect(off.code, off.stderr).toBe(0);
    expect(
      (await s3.send(new GetObjectLegalHoldCommand({ Bucket: w.bucket, Key: key, VersionId: p.version_id }))).LegalHold
        ?.Status,
    ).toBe('OFF');
    expect(
      events(w.cwd)
        .filter((e) => String(e.event).startsWith('ArchiveLegalHold'))
        .map((e) => e.event),
    ).toEqual(['ArchiveLegalHoldSet', 'ArchiveLegalHoldReleased']);
    expect(runCli(['archive', 'hold', '--date', '2026-06-16', 'on'], { cwd: w.cwd, env: w.env }).code).toBe(66);
    expect(runCli(['archive', 'hold', '--date', date, 'maybe'], { cwd: w.cwd, env: w.env }).code).toBe(2);
  });

  it('prune removes a local pack only once its archived copy is verified, and says what it relied on', async () => {
    const w = workspace();
    for (const d of ['2026-01-05', '2026-01-06', '2026-01-07']) await writeDay(join(w.cwd, 'logs'), d, SAMPLE_EVENTS);
    for (const d of ['2026-01-05', '2026-01-06', '2026-01-07'])
      expect(runCli(['export', '--date', d], { cwd: w.cwd }).code).toBe(0); // the newest is always kept
    const pruneEnv = { ...w.env, EXPORT_RETENTION_DAYS: '1', AUDIT_RETENTION_DAYS: '100000' };
    const before = runCli(['prune'], { cwd: w.cwd, env: pruneEnv });
    expect(before.code, before.stderr).toBe(0);
    expect(before.stderr).toContain('left alone 2026-01-05: kept: not in the archive yet');
    expect(existsSync(join(w.cwd, 'artifacts', '2026-01-05'))).toBe(true);

    expect(runCli(['archive', 'init'], { cwd: w.cwd, env: w.env }).code).toBe(0);
    const push = runCli(['archive', 'push', '--date', '2026-01-05'], { cwd: w.cwd, env: w.env });
    expect(push.code, push.stderr).toBe(0);
    const after = runCli(['prune'], { cwd: w.cwd, env: pruneEnv });
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(
      /removed pack 2026-01-05, relying on its archived copy: s3:\/\/ap-test-\d+-\d+\/desk1\/packs\/2026-01-05\.tar\.gz version \S+, pushed \S+, COMPLIANCE until 2032-01-06T00:00:00.000Z/,
    );
    expect(existsSync(join(w.cwd, 'artifacts', '2026-01-05'))).toBe(false);
    expect(existsSync(join(w.cwd, 'artifacts', '2026-01-06'))).toBe(true); // not archived: kept
    const pruned = readFileSync(join(w.cwd, 'artifacts', 'pruned.jsonl'), 'utf8');
    expect(JSON.parse(pruned.trim()).relied_on).toContain('2026-01-05.tar.gz');
    expect(events(w.cwd).filter((e) => e.event === 'PackPruned')).toEqual([
      expect.objectContaining({ date: '2026-01-05', relied_on: expect.stringContaining('COMPLIANCE until') }),
    ]);
  });

  it('export --push: exit 0 when both halves work, 5 when only the push failed; credentials never appear in output', async () => {
    const w = workspace();
    // Both days first: once a later day's file exists, the logger puts older-dated events there (as late events).
    await writeDay(join(w.cwd, 'logs'), '2026-07-01', SAMPLE_EVENTS);
    await writeDay(join(w.cwd, 'logs'), '2026-07-02', SAMPLE_EVENTS);
    expect(runCli(['archive', 'init'], { cwd: w.cwd, env: w.env }).code).toBe(0);
    const both = runCli(['export', '--date', '2026-07-01', '--push'], { cwd: w.cwd, env: w.env });
    expect(both.code, both.stderr).toBe(0);
    expect(both.stdout).toMatch(
      /exported 2026-07-01[^\n]*\n✓ 2026-07-01 archived: desk1\/packs\/2026-07-01\.tar\.gz version \S+, COMPLIANCE until 2032-07-02/,
    );
    expect(both.stderr).toBe('');

    const down = runCli(['export', '--date', '2026-07-02', '--push'], {
      cwd: w.cwd,
      env: { ...w.env, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' },
    });
    expect(down.code).toBe(5);
    expect(down.stderr).toContain('ARCHIVE_UNREACHABLE');
    expect(down.stderr).toContain('the pack was exported; the archive push failed');
    expect(existsSync(join(w.cwd, 'artifacts', '2026-07-02', 'manifest.json'))).toBe(true);

    // Wrong secret: refused by the store, and neither key appears anywhere.
    const wrongSecret = 'wR0ngS3cretKEYvalue1234567890abcdefABCDEF';
    const denied = runCli(['archive', 'push', '--date', '2026-07-02'], {
      cwd: w.cwd,
      env: { ...w.env, AWS_SECRET_ACCESS_KEY: wrongSecret },
    });
    expect(denied.code).toBe(77);
    expect(denied.stderr).toContain('ARCHIVE_DENIED');
    const okRun = runCli(['archive', 'push', '--date', '2026-07-02', '--json'], { cwd: w.cwd, env: w.env });
    expect(okRun.code, okRun.stderr).toBe(0);
    const everything =
      [both, down, denied, okRun].map((r) => r.stdout + r.stderr).join('\n') +
      readdirSync(join(w.cwd, 'logs'))
        .map((f) => readFileSync(join(w.cwd, 'logs', f), 'utf8'))
        .join('') +
      readFileSync(join(w.cwd, 'artifacts', 'archive-ledger.jsonl'), 'utf8');
    for (const secret of [ceph.secretKey, ceph.accessKey, wrongSecret]) expect(everything).not.toContain(secret);
    // Nor inside the archived pack (its log holds the day's events and the archive's own).
    const pulled = runCli(['archive', 'pull', '--date', '2026-07-02', '--out', 'back'], { cwd: w.cwd, env: w.env });
    expect(pulled.code, pulled.stderr).toBe(0);
    const tarText = spawnSync('tar', ['-xzOf', join(w.cwd, 'back', '2026-07-02.tar.gz')], { encoding: 'latin1' });
    expect(tarText.status).toBe(0);
    expect(tarText.stdout, tarText.stdout).toContain('EURUSD');
    for (const secret of [ceph.secretKey, ceph.accessKey]) expect(tarText.stdout).not.toContain(secret);
  });
});
