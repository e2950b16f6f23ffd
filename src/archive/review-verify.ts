/**
 * `archive verify` for review records: what the bucket holds of each record, checked as local
 * verify checks it (state, links, both signatures, the record against the review events of the
 * archived packs' logs), every object under a COMPLIANCE lock, the archived lengths of one record
 * prefixes of each other, and the local record holding what was archived: a record edited, cut
 * or deleted here after it was archived is caught by the copy nobody can change.
 */
import type { Dirent } from 'node:fs';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readRegularSync } from '../fsx/regular.js';
import { dirname, join } from 'node:path';
import {
  ARCHIVED_REVIEW_PATTERN,
  REVIEW_FILE_PATTERN,
  REVIEWS_DIR,
  type ReviewState,
  reviewRecordPath,
} from '../format/review.js';
import { checkReviews, parseReviewRecord, type ReviewEvent, type ReviewSigner } from '../review/index.js';
import type { ArchiveStore, VersionEntry } from './client.js';
import { retainUntilOf } from './keys.js';
import type { LedgerEntry } from './ledger.js';

/** An archived pack as the review check needs it (from its verified `.tar.gz`). */
export interface ArchivedPackFacts {
  readonly date: string;
  readonly manifestSha256: string;
  readonly tagmanifestSha256: string | undefined;
  readonly createdAt: string | undefined;
  readonly reviewEvents: readonly ReviewEvent[];
}

/** One pack version's review state as the archive holds it. */
export interface ArchivedReviewState {
  readonly date: string;
  readonly manifestSha256: string;
  readonly state: ReviewState;
  /** Lines of the longest archived copy of the record. */
  readonly lines: number;
}

/** Where a finding goes (the archive report's problems). */
export type AddReviewProblem = (
  date: string,
  versionId: string | null,
  detail: string,
  severity: 'error' | 'warning',
) => void;

/** What the check needs. */
export interface ReviewVerifyJob {
  readonly prefix: string;
  readonly retentionYears: number;
  readonly artifactsDir: string;
  readonly ledger: readonly LedgerEntry[];
  readonly packs: readonly ArchivedPackFacts[];
  /** Whether every archived day was verified (then the records are held against the chained events). */
  readonly allDays: boolean;
  readonly signers: readonly ReviewSigner[] | undefined;
  readonly work: string;
}

/** Checks the archived review records; returns each record's archived state. */
export async function verifyArchivedReviews(
  store: ArchiveStore,
  job: ReviewVerifyJob,
  add: AddReviewProblem,
): Promise<ArchivedReviewState[]> {
  const root = `${job.prefix}${REVIEWS_DIR}/`;
  const byFile = groupByFile(await store.listVersions(root), job.prefix, add);
  const mirror = join(job.work, 'reviews-mirror');
  const records = new Map<string, Map<number, Buffer>>();
  for (const [file, versions] of byFile) {
    const m = ARCHIVED_REVIEW_PATTERN.exec(file) as RegExpExecArray;
    const [date, sha, lines] = [m[1] as string, m[2] as string, m[3]];
    const bytes = await oneVersion(store, job, { file, date, versions }, add);
    if (bytes === undefined) continue;
    if (lines === undefined) writeMirror(mirror, file, bytes);
    else {
      const k = `${date}/${sha}`;
      const byLength = records.get(k) ?? new Map<number, Buffer>();
      byLength.set(Number(lines), bytes);
      records.set(k, byLength);
    }
  }
  for (const m of job.ledger) {
    if (m.event !== 'review_pushed' && m.event !== 'review_adopted') continue;
    const file = m.key.slice(job.prefix.length);
    if (!byFile.get(file)?.some((v) => v.versionId === m.version_id))
      add(
        m.date,
        m.version_id,
        `${m.key} version ${m.version_id}, archived ${m.at}, is no longer in the bucket`,
        'error',
      );
  }
  const states: ArchivedReviewState[] = [];
  for (const [k, byLength] of [...records].sort()) {
    const [date, sha] = k.split('/') as [string, string];
    const longest = prefixesAgree(date, sha, byLength, add);
    writeMirror(mirror, reviewRecordPath(date, sha), longest);
    compareWithLocal(job.artifactsDir, date, sha, longest, add);
    const r = parseReviewRecord(longest, date, sha);
    states.push({ date, manifestSha256: sha, state: r.state, lines: r.lines.length });
  }
  notArchived(job.artifactsDir, records, add);
  await checkMirror(mirror, job, add);
  return states;
}

/** Versions by path under the prefix; a key that is no review object is a warning. */
function groupByFile(
  list: readonly VersionEntry[],
  prefix: string,
  add: AddReviewProblem,
): Map<string, VersionEntry[]> {
  const out = new Map<string, VersionEntry[]>();
  for (const v of list) {
    const file = v.key.slice(prefix.length);
    const m = ARCHIVED_REVIEW_PATTERN.exec(file);
    if (m === null) {
      add('-', v.versionId, `${v.key} is not a review object auditpack writes`, 'warning');
      continue;
    }
    out.set(file, [...(out.get(file) ?? []), v]);
  }
  return out;
}

/**
 * The one version of a review object: written once, so a second version with other bytes is
 * someone writing to the bucket (the ledger's version, else the oldest, is the one trusted). Its
 * lock must be COMPLIANCE until the pack's day plus the retention.
 */
async function oneVersion(
  store: ArchiveStore,
  job: ReviewVerifyJob,
  o: { file: string; date: string; versions: readonly VersionEntry[] },
  add: AddReviewProblem,
): Promise<Buffer | undefined> {
  const key = `${job.prefix}${o.file}`;
  const latest = o.versions.find((v) => v.isLatest);
  if (latest?.deleteMarker === true)
    add(o.date, latest.versionId, `the newest entry of ${key} is a delete marker: reading the key gives 404`, 'error');
  const real = o.versions.filter((v) => !v.deleteMarker);
  const recorded = job.ledger.filter((e) => e.key === key).at(-1)?.version_id;
  if (recorded === undefined && job.ledger.some((e) => e.event === 'review_pushed' || e.event === 'review_adopted'))
    add(o.date, real[0]?.versionId ?? null, `${key} was not pushed from here (the ledger does not name it)`, 'warning');
  const chosen =
    real.find((v) => v.versionId === recorded) ??
    [...real].sort((a, b) => (a.lastModified?.getTime() ?? 0) - (b.lastModified?.getTime() ?? 0))[0];
  if (chosen === undefined) return undefined;
  const bytes = await download(store, key, chosen.versionId, job.work);
  for (const v of real) {
    if (v === chosen) continue;
    if (!(await download(store, key, v.versionId, job.work)).equals(bytes))
      add(o.date, v.versionId, `${key} has another version with other bytes: someone wrote to the bucket`, 'error');
  }
  const ret = await store.retention(key, chosen.versionId);
  const floor = retainUntilOf(o.date, job.retentionYears);
  if (ret?.mode !== 'COMPLIANCE' || ret.retainUntil === undefined)
    add(
      o.date,
      chosen.versionId,
      `${key} has ${ret?.mode ?? 'no'} retention, not COMPLIANCE: it can be deleted`,
      'error',
    );
  else if (ret.retainUntil.getTime() < floor.getTime())
    add(
      o.date,
      chosen.versionId,
      `${key} is locked until ${ret.retainUntil.toISOString()}, before ${floor.toISOString()}`,
      'error',
    );
  return bytes;
}

async function download(store: ArchiveStore, key: string, versionId: string, work: string): Promise<Buffer> {
  const dest = join(work, `review-${process.hrtime.bigint()}`);
  await store.getToFile(key, versionId, dest);
  return readFileSync(dest);
}

/** Every archived length of a record must be a prefix of the longest: a record only grows. */
function prefixesAgree(
  date: string,
  sha: string,
  byLength: ReadonlyMap<number, Buffer>,
  add: AddReviewProblem,
): Buffer {
  const sorted = [...byLength].sort((a, b) => a[0] - b[0]);
  const longest = (sorted.at(-1) as [number, Buffer])[1];
  for (const [n, b] of sorted) {
    const lines = b.toString('utf8').split('\n').length - 1;
    if (lines !== n || !longest.subarray(0, b.length).equals(b))
      add(
        date,
        null,
        `${reviewRecordPath(date, sha)}: the archived copy of ${n} line(s) is not a prefix of the longest archived copy: the record was rewritten between pushes`,
        'error',
      );
  }
  return longest;
}

/** The local record must still hold what was archived; newer lines are only not archived yet. */
function compareWithLocal(
  artifactsDir: string,
  date: string,
  sha: string,
  archived: Buffer,
  add: AddReviewProblem,
): void {
  const file = reviewRecordPath(date, sha);
  let local: Buffer;
  try {
    local = readRegularSync(join(artifactsDir, file)); // never waits on a FIFO, never follows a link
  } catch {
    add(date, null, `${file}: the local record is gone; the archive holds ${lines(archived)} line(s) of it`, 'error');
    return;
  }
  if (!local.subarray(0, archived.length).equals(archived))
    add(
      date,
      null,
      `${file}: the local record no longer starts with the ${lines(archived)} archived line(s): edited or cut after it was archived`,
      'error',
    );
  else if (local.length > archived.length)
    add(
      date,
      null,
      `${file}: ${lines(local) - lines(archived)} newer line(s) are not archived yet (auditpack archive push)`,
      'warning',
    );
}

function lines(b: Buffer): number {
  return b.toString('utf8').split('\n').length - 1;
}

/** Local records the archive has no copy of at all: a warning (the next push uploads them). */
function notArchived(artifactsDir: string, records: ReadonlyMap<string, unknown>, add: AddReviewProblem): void {
  for (const day of listDir(join(artifactsDir, REVIEWS_DIR))) {
    if (!day.isDirectory()) continue;
    for (const e of listDir(join(artifactsDir, REVIEWS_DIR, day.name))) {
      const m = REVIEW_FILE_PATTERN.exec(e.name);
      if (m?.[2] === '.jsonl' && !records.has(`${day.name}/${m[1]}`))
        add(
          day.name,
          null,
          `${REVIEWS_DIR}/${day.name}/${e.name} is not in the archive yet (auditpack archive push)`,
          'warning',
        );
    }
  }
}

/** The archived records, rebuilt in a scratch directory, checked as local verify checks them. */
async function checkMirror(mirror: string, job: ReviewVerifyJob, add: AddReviewProblem): Promise<void> {
  const newest = job.packs.reduce<ArchivedPackFacts | undefined>(
    (a, p) => (a === undefined || p.date > a.date ? p : a),
    undefined,
  );
  const r = await checkReviews(
    mirror,
    job.packs.map((p) => ({
      name: `${p.date}@${p.manifestSha256}`,
      date: p.date,
      manifestSha256: p.manifestSha256,
      tagmanifestSha256: p.tagmanifestSha256,
    })),
    {
      signers: job.signers,
      events: job.allDays ? job.packs.flatMap((p) => p.reviewEvents) : undefined,
      awaitingAfter: newest?.createdAt ?? '',
    },
  );
  for (const p of r.problems) {
    if (p.severity === 'info' || p.code === 'REVIEW_PACK_MISSING') continue;
    const date = /^reviews\/(\d{4}-\d{2}-\d{2})\//.exec(p.file)?.[1] ?? '-';
    add(date, null, `${p.code} ${p.file}${p.line === undefined ? '' : `:${p.line}`}: ${p.detail}`, p.severity);
  }
}

function writeMirror(mirror: string, file: string, bytes: Buffer): void {
  const path = join(mirror, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

function listDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
