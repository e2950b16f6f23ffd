/**
 * Review records in the WORM archive (docs/FORMAT.md, "The off-machine archive"). A record changes
 * after its pack was archived (each review action appends a line), and a locked object can never
 * be written again, so each push uploads the record as it then stands under a key naming its
 * length (`reviews/<day>/<manifest hash>.lines-<n>.jsonl`): every later transition is a new
 * immutable object, each a prefix of the next. The signed messages and their signatures, written
 * once, go up under their own names. Nothing is uploaded twice: the ledger names what was pushed,
 * and a key already in the bucket is adopted only with the same bytes, never overwritten.
 */
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditpackError } from '../errors.js';
import {
  type ApprovalFacts,
  approvalMessagePath,
  approvalSignaturePath,
  archivedRecordPath,
  REVIEW_FILE_PATTERN,
  REVIEW_FORMAT,
  REVIEWS_DIR,
  renderReviewLine,
  submissionMessagePath,
  submissionSignaturePath,
} from '../format/review.js';
import { readReviewRecord } from '../review/index.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';
import { digestFile } from './bundle.js';
import type { ArchiveStore } from './client.js';
import { recordArchiveEvents } from './events.js';
import { retainUntilOf } from './keys.js';
import { appendArchiveLedger, type LedgerEntry, readArchiveLedger } from './ledger.js';
import { type ArchiveOptions, checkedRetention, downloadDigest, META, withStore } from './push.js';
import { readRegularFile } from '../fsx/digest.js';

/** One review object's fate. */
export interface ReviewPushOutcome {
  /** Path under the archive prefix, e.g. `reviews/2025-09-08/<hash>.lines-4.jsonl`. */
  readonly file: string;
  /** pushed: uploaded now; archived: the ledger names it already; adopted: found in the bucket with these bytes; skipped: not uploaded (`reason`). */
  readonly status: 'pushed' | 'archived' | 'adopted' | 'skipped';
  readonly key: string;
  readonly versionId: string | null;
  readonly sha256: string;
  readonly reason?: string;
}

/** A file to put in the archive. */
interface ReviewObject {
  readonly date: string;
  readonly manifestSha256: string;
  readonly file: string;
  readonly bytes: Buffer;
  /** Why it is not uploaded (a record that does not read, a signed file that is not what its line recorded). */
  readonly skip?: string;
}

/**
 * Uploads every review record under `<artifactsDir>/reviews/` as it now stands, with its signed
 * messages. Throws ARCHIVE_STORE_FAILED when the store holds other bytes under a key (never
 * overwritten) or a read-back differs; what was uploaded before stays recorded.
 */
export async function pushReviews(o: ArchiveOptions): Promise<ReviewPushOutcome[]> {
  const objects = await localReviewObjects(o.artifactsDir);
  if (objects.length === 0) return [];
  return withStore(o, async (store) => {
    const known = new Set(
      readArchiveLedger(o.artifactsDir)
        .filter((e) => (e.event === 'review_pushed' || e.event === 'review_adopted') && e.bucket === store.bucket)
        .map((e) => `${e.key}\n${e.sha256}`),
    );
    const out: ReviewPushOutcome[] = [];
    const work = mkdtempSync(join(tmpdir(), 'auditpack-review-push-'));
    try {
      for (const obj of objects) out.push(await pushOne(o, store, obj, known, work));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    const uploaded = out.filter((x) => x.status === 'pushed' || x.status === 'adopted');
    await recordArchiveEvents(
      o,
      uploaded.length === 0
        ? []
        : [
            {
              category: 'system',
              event: 'ReviewRecordsArchived',
              fields: {
                bucket: store.bucket,
                objects: uploaded.length,
                keys: uploaded.slice(0, 100).map((x) => x.key),
              },
            },
          ],
    );
    return out;
  });
}

async function pushOne(
  o: ArchiveOptions,
  store: ArchiveStore,
  obj: ReviewObject,
  known: ReadonlySet<string>,
  work: string,
): Promise<ReviewPushOutcome> {
  const key = `${o.settings.prefix}${obj.file}`;
  const sha256 = createHash('sha256').update(obj.bytes).digest('hex');
  const base = { file: obj.file, key, sha256 };
  if (obj.skip !== undefined) return { ...base, status: 'skipped', versionId: null, reason: obj.skip };
  if (known.has(`${key}\n${sha256}`)) return { ...base, status: 'archived', versionId: null };
  const retainUntil = retainUntilOf(obj.date, o.settings.retentionYears);
  if (retainUntil.getTime() <= (o.now ?? Date.now)())
    return {
      ...base,
      status: 'skipped',
      versionId: null,
      reason: 'past its retention; a lock cannot be set in the past',
    };
  const file = join(work, `obj-${process.hrtime.bigint()}`);
  writeFileSync(file, obj.bytes, { mode: 0o600 });
  let versionId = await adoptable(store, key, sha256, work);
  const status = versionId === undefined ? 'pushed' : 'adopted';
  if (versionId === undefined) versionId = await upload(store, key, file, obj, sha256, retainUntil);
  const lock = await checkedRetention(store, key, versionId, retainUntil);
  if (status === 'pushed' && (await downloadDigest(store, key, versionId, work)).sha256 !== sha256)
    throw new AuditpackError(
      'ARCHIVE_STORE_FAILED',
      `${key} version ${versionId} read back differs from what was uploaded`,
    );
  const entry: LedgerEntry = {
    event: status === 'pushed' ? 'review_pushed' : 'review_adopted',
    date: obj.date,
    bucket: store.bucket,
    key,
    version_id: versionId,
    manifest_sha256: obj.manifestSha256,
    sha256,
    size: obj.bytes.length,
    retain_until: lock.until.toISOString(),
    mode: 'COMPLIANCE',
    at: new Date((o.now ?? Date.now)()).toISOString(),
  };
  appendArchiveLedger(o.artifactsDir, [entry]);
  return { ...base, status, versionId };
}

/**
 * The version already under `key` with exactly these bytes (a push that crashed before its ledger
 * line), or undefined when the key is free. Other bytes under the key: refused, never overwritten.
 */
async function adoptable(store: ArchiveStore, key: string, sha256: string, work: string): Promise<string | undefined> {
  const versions = (await store.listVersions(key)).filter((v) => v.key === key && !v.deleteMarker);
  if (versions.length === 0) return undefined;
  for (const v of versions)
    if ((await downloadDigest(store, key, v.versionId, work)).sha256 === sha256) return v.versionId;
  throw new AuditpackError(
    'ARCHIVE_STORE_FAILED',
    `${key} is in the bucket with other bytes than the local review file: the local record was rewritten after it was archived, or someone wrote to the bucket; not overwritten (auditpack archive verify says which)`,
    { details: { key } },
  );
}

async function upload(
  store: ArchiveStore,
  key: string,
  file: string,
  obj: ReviewObject,
  sha256: string,
  retainUntil: Date,
): Promise<string> {
  const d = await digestFile(file);
  const put = await store.putObject({
    key,
    file,
    size: d.size,
    md5Base64: d.md5Base64,
    retainUntil,
    contentType: obj.file.endsWith('.jsonl') ? 'application/x-ndjson' : 'text/plain',
    metadata: {
      [META.date]: obj.date,
      [META.manifest]: obj.manifestSha256,
      [META.sha256]: sha256,
      [META.format]: REVIEW_FORMAT,
    },
  });
  if (put.versionId === undefined || put.versionId === 'null')
    throw new AuditpackError(
      'ARCHIVE_STORE_FAILED',
      `the store gave no version id for ${key}: the bucket is not versioned (run \`auditpack archive init\` on a new bucket)`,
    );
  const h = await store.head(key, put.versionId);
  if (h?.size !== d.size || h.etag !== d.md5Hex)
    throw new AuditpackError('ARCHIVE_STORE_FAILED', `${key} version ${put.versionId} read back wrong (size or MD5)`);
  return put.versionId;
}

/** Every record under reviews/ as it now stands, and the signed files its lines name. */
export async function localReviewObjects(artifactsDir: string): Promise<ReviewObject[]> {
  const out: ReviewObject[] = [];
  for (const day of listDir(join(artifactsDir, REVIEWS_DIR))) {
    if (!day.isDirectory() || dayNumberOfIsoDate(day.name) === undefined) continue;
    for (const e of listDir(join(artifactsDir, REVIEWS_DIR, day.name))) {
      const m = REVIEW_FILE_PATTERN.exec(e.name);
      if (!e.isFile() || m?.[2] !== '.jsonl') continue;
      out.push(...(await recordObjects(artifactsDir, day.name, m[1] as string)));
    }
  }
  return out;
}

async function recordObjects(artifactsDir: string, date: string, sha: string): Promise<ReviewObject[]> {
  const r = await readReviewRecord(artifactsDir, date, sha).catch(() => undefined);
  if (r === undefined || r.lines.length === 0) return [];
  const bad = r.problems.find((p) => p.severity === 'error');
  const bytes = Buffer.from(r.lines.map((l) => `${renderReviewLine(l)}\n`).join(''), 'utf8');
  const record: ReviewObject = {
    date,
    manifestSha256: sha,
    file: archivedRecordPath(date, sha, r.lines.length),
    bytes,
    // A record that does not read as the workflow writes it is not archived: verify says why.
    ...(bad === undefined ? {} : { skip: `the local record does not verify (${bad.detail})` }),
  };
  const out: ReviewObject[] = [record];
  for (const l of r.lines) {
    if (l.kind !== 'transition') continue;
    if (l.action === 'submit' && l.submission !== null)
      out.push(
        ...signedObjects(artifactsDir, date, sha, l.submission, [
          submissionMessagePath(date, sha, l.seq),
          submissionSignaturePath(date, sha, l.seq),
        ]),
      );
    if (l.action === 'approve' && l.approval !== null)
      out.push(
        ...signedObjects(artifactsDir, date, sha, l.approval, [
          approvalMessagePath(date, sha),
          approvalSignaturePath(date, sha),
        ]),
      );
  }
  return out;
}

/** A signed message and its signature, each uploaded only when it is what its line recorded. */
function signedObjects(
  artifactsDir: string,
  date: string,
  sha: string,
  facts: ApprovalFacts,
  files: readonly [string, string],
): ReviewObject[] {
  const expected = [facts.message_sha256, facts.signature_sha256];
  return files.map((file, i) => {
    let bytes: Buffer;
    try {
      bytes = readRegularFile(join(artifactsDir, file));
    } catch {
      return { date, manifestSha256: sha, file, bytes: Buffer.alloc(0), skip: 'missing locally' };
    }
    const h = createHash('sha256').update(bytes).digest('hex');
    return h === expected[i]
      ? { date, manifestSha256: sha, file, bytes }
      : { date, manifestSha256: sha, file, bytes, skip: 'not the file its record line names (edited)' };
  });
}

function listDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}
