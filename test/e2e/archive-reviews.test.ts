/**
 * Review records in the WORM archive, against a real S3 store with Object Lock (Ceph radosgw,
 * started here): `archive push` uploads each record as it stands as a new locked object per length
 * (never over a locked one) with its signed files, and `archive verify` checks them as local verify
 * does and holds the local record to the archived copy. The adversary's moves (a record edited,
 * cut or deleted here, another version put over an archived object, a delete marker, a record
 * rewritten and pushed again) are made with the file system and the AWS SDK directly.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectRetentionCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reviewStatus, reviewTransition } from '../../src/review-flow/index.js';
import { startCephS3, type CephS3 } from '../helpers/ceph.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { asActor, DATE, type Fixture, makeFixture, submitted } from '../review/helpers.js';

let ceph: CephS3;
let s3: S3Client;

beforeAll(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  ceph = startCephS3();
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
}, 120_000);

let bucketSeq = 0;
async function workspace(): Promise<{ f: Fixture; bucket: string; env: Record<string, string> }> {
  const f = await makeFixture(tempDir());
  const bucket = `ap-review-${process.pid}-${++bucketSeq}`;
  writeFileSync(join(f.cwd, 'auditpack.config.json'), JSON.stringify({ archive: { bucket, prefix: 'desk1/' } }));
  const env = {
    AWS_ENDPOINT_URL_S3: ceph.endpoint,
    AWS_ACCESS_KEY_ID: ceph.accessKey,
    AWS_SECRET_ACCESS_KEY: ceph.secretKey,
    AWS_REGION: 'us-east-1',
    AUDIT_LOG_DIR: f.logs,
    EXPORT_BASE_DIR: f.artifacts,
    AUDITPACK_REVIEW_SIGNERS: f.signersFile,
  };
  expect(runCli(['archive', 'init'], { cwd: f.cwd, env }).code).toBe(0);
  return { f, bucket, env };
}

async function keys(bucket: string): Promise<{ Key?: string; VersionId?: string }[]> {
  const r = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'desk1/reviews/' }));
  return (r.Versions ?? []).map((v) => ({ Key: v.Key, VersionId: v.VersionId }));
}

interface VerifyJson {
  ok: boolean;
  reviews: { date: string; manifest_sha256: string; state: string; lines: number }[];
  problems: { code: string; severity: string; detail: string }[];
}

function archiveVerify(w: { f: Fixture; env: Record<string, string> }): VerifyJson {
  const r = runCli(['archive', 'verify', '--json'], { cwd: w.f.cwd, env: w.env });
  return JSON.parse(r.stdout) as VerifyJson;
}

function reviewErrors(v: VerifyJson): string[] {
  return v.problems.filter((p) => p.code === 'ARCHIVE_REVIEW_PROBLEM' && p.severity === 'error').map((p) => p.detail);
}

describe('review records in the archive (Ceph radosgw, COMPLIANCE)', { timeout: 240_000 }, () => {
  it('each push uploads the record as it stands as a new locked object; verify reports the state; nothing is uploaded twice', async () => {
    const w = await workspace();
    await submitted(w.f);
    const sha = (await reviewStatus(w.f.artifacts, DATE))[0]?.versions[0]?.manifestSha256 as string;
    const first = runCli(['archive', 'push', '--date', DATE, '--json'], { cwd: w.f.cwd, env: w.env });
    expect(first.code, first.stderr).toBe(0);
    const pushed = JSON.parse(first.stdout).reviews as { file: string; status: string }[];
    expect(pushed.map((r) => [r.file, r.status])).toEqual([
      [`reviews/${DATE}/${sha}.lines-3.jsonl`, 'pushed'],
      [`reviews/${DATE}/${sha}.submit-3.txt`, 'pushed'],
      [`reviews/${DATE}/${sha}.submit-3.txt.sig`, 'pushed'],
    ]);
    const lock = await s3.send(
      new GetObjectRetentionCommand({ Bucket: w.bucket, Key: `desk1/reviews/${DATE}/${sha}.lines-3.jsonl` }),
    );
    expect(lock.Retention?.Mode).toBe('COMPLIANCE');
    expect(lock.Retention?.RetainUntilDate?.toISOString()).toBe('2031-09-09T00:00:00.000Z');

    await reviewTransition(asActor(w.f, 'bob@desk'), { date: DATE, action: 'approve', key: w.f.bob });
    const second = runCli(['archive', 'push', '--date', DATE, '--json'], { cwd: w.f.cwd, env: w.env });
    expect(second.code, second.stderr).toBe(0);
    const again = JSON.parse(second.stdout).reviews as { file: string; status: string }[];
    expect(again.filter((r) => r.status === 'pushed').map((r) => r.file)).toEqual([
      `reviews/${DATE}/${sha}.lines-4.jsonl`,
      `reviews/${DATE}/${sha}.approval.txt`,
      `reviews/${DATE}/${sha}.approval.txt.sig`,
    ]);
    expect(again.filter((r) => r.status === 'archived')).toHaveLength(2); // the submission's files
    const listed = await keys(w.bucket);
    expect(listed).toHaveLength(6); // one version each: nothing written twice
    expect(new Set(listed.map((k) => k.Key)).size).toBe(6);

    const v = archiveVerify(w);
    expect(reviewErrors(v)).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.reviews).toEqual([{ date: DATE, manifest_sha256: sha, state: 'APPROVED', lines: 4 }]);
  });

  it('a local record edited, cut or deleted after it was archived is caught; a rewritten record is never pushed over the archived one', async () => {
    const w = await workspace();
    await submitted(w.f);
    await reviewTransition(asActor(w.f, 'bob@desk'), { date: DATE, action: 'approve', key: w.f.bob });
    expect(runCli(['archive', 'push', '--date', DATE], { cwd: w.f.cwd, env: w.env }).code).toBe(0);
    const sha = (await reviewStatus(w.f.artifacts, DATE))[0]?.versions[0]?.manifestSha256 as string;
    const record = join(w.f.artifacts, 'reviews', DATE, `${sha}.jsonl`);
    const original = readFileSync(record);

    writeFileSync(record, original.toString('utf8').replace('"escalated"', '"false_positive"'));
    expect(reviewErrors(archiveVerify(w)).join('\n')).toContain('no longer starts with the 4 archived line(s)');
    const refused = runCli(['archive', 'push', '--date', DATE], { cwd: w.f.cwd, env: w.env });
    expect(refused.code).toBe(0); // an unreadable record is skipped, and said so
    expect(refused.stdout).toContain('the local record does not verify');

    // A careful rewrite (canonical and re-linked) has other bytes under the same key: refused.
    const { hashLine } = await import('../../src/chain/index.js');
    const { renderReviewLine } = await import('../../src/format/review.js');
    let prev = '0'.repeat(64);
    const relinked = original
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const o = JSON.parse(l);
        const edited = { ...o, disposition: o.kind === 'disposition' ? 'false_positive' : o.disposition, prev };
        const text = renderReviewLine(o.kind === 'disposition' ? edited : { ...o, prev });
        prev = hashLine(text);
        return text;
      });
    writeFileSync(record, `${relinked.join('\n')}\n`);
    const over = runCli(['archive', 'push', '--date', DATE], { cwd: w.f.cwd, env: w.env });
    expect(over.code).toBe(76);
    expect(over.stderr).toContain('ARCHIVE_STORE_FAILED');
    expect(over.stderr).toContain('not overwritten');

    writeFileSync(record, original.subarray(0, original.indexOf('\n') + 1));
    expect(reviewErrors(archiveVerify(w)).join('\n')).toContain('no longer starts with');
    rmSync(record);
    expect(reviewErrors(archiveVerify(w)).join('\n')).toContain('the local record is gone');
    writeFileSync(record, original);
    expect(reviewErrors(archiveVerify(w))).toEqual([]);
  });

  it('another version put over an archived record, a forged longer record, and a delete marker are findings', async () => {
    const w = await workspace();
    await submitted(w.f);
    expect(runCli(['archive', 'push', '--date', DATE], { cwd: w.f.cwd, env: w.env }).code).toBe(0);
    const sha = (await reviewStatus(w.f.artifacts, DATE))[0]?.versions[0]?.manifestSha256 as string;
    const key = `desk1/reviews/${DATE}/${sha}.lines-3.jsonl`;
    const retain = new Date(Date.parse('2031-09-09T00:00:00Z'));
    const put = (Key: string, Body: string) =>
      s3.send(
        new PutObjectCommand({
          Bucket: w.bucket,
          Key,
          Body,
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: retain,
          ContentMD5: createHash('md5').update(Body).digest('base64'),
        }),
      );
    const record = readFileSync(join(w.f.artifacts, 'reviews', DATE, `${sha}.jsonl`), 'utf8');
    await put(key, record.replace('"escalated"', '"false_positive"'));
    const over = archiveVerify(w);
    expect(over.ok).toBe(false);
    expect(reviewErrors(over).join('\n')).toContain('another version with other bytes');

    await put(`desk1/reviews/${DATE}/${sha}.lines-5.jsonl`, `${record}x\ny\n`);
    const forged = archiveVerify(w);
    expect(forged.problems.some((p) => p.detail.includes('lines-5.jsonl was not pushed from here'))).toBe(true);
    expect(reviewErrors(forged).join('\n')).toMatch(/no longer starts with|REVIEW_RECORD_INVALID/);

    await s3.send(new DeleteObjectCommand({ Bucket: w.bucket, Key: key }));
    expect(reviewErrors(archiveVerify(w)).join('\n')).toContain('delete marker');
  });
});
