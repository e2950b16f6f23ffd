/**
 * `archive verify`: what is in the bucket, checked as an auditor would, and compared with what
 * was pushed from here.
 *
 * For each day: the newest version of its key (what anyone reading the key gets) is downloaded and
 * verified exactly as `verify` verifies a `.tar.gz` pack; its lock must be COMPLIANCE until at
 * least the pack's day plus the retention (and never earlier than the ledger recorded); and when
 * the ledger knows the day, the newest version must be the one pushed from here, and every version
 * the ledger recorded must still be there with the same bytes. Someone who can write to the bucket
 * can add a new version on top; they cannot change or remove a locked one. This finds the former.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventRoom, MAX_PACK_REVIEW_EVENTS } from '../review/index.js';
import { verifyPack } from '../verify/index.js';
import { digestFile } from './bundle.js';
import type { ArchiveStore } from './client.js';
import { recordArchiveEvents } from './events.js';
import { dateOfKey, objectKey, retainUntilOf } from './keys.js';
import { appendArchiveLedger, readArchiveLedger, type LedgerEntry } from './ledger.js';
import { MAX_SINGLE_PUT, META, withStore, type ArchiveOptions } from './push.js';
import { type ArchivedPackFacts, type ArchivedReviewState, verifyArchivedReviews } from './review-verify.js';

/** Stable codes of archive findings (docs/errors.md, "Archive findings"). */
export type ArchiveProblemCode =
  | 'ARCHIVE_OBJECT_MISSING'
  | 'ARCHIVE_DELETE_MARKER'
  | 'ARCHIVE_VERSION_UNKNOWN'
  | 'ARCHIVE_VERSION_MISSING'
  | 'ARCHIVE_PACK_PROBLEM'
  | 'ARCHIVE_HASH_MISMATCH'
  | 'ARCHIVE_NOT_LOCKED'
  | 'ARCHIVE_RETENTION_SHORT'
  | 'ARCHIVE_DATE_MISMATCH'
  | 'ARCHIVE_REVIEW_PROBLEM';

/** One finding. */
export interface ArchiveProblem {
  readonly code: ArchiveProblemCode;
  readonly severity: 'error' | 'warning';
  readonly date: string;
  readonly versionId: string | null;
  readonly detail: string;
}

/** One version that was checked. */
export interface CheckedVersion {
  readonly date: string;
  readonly versionId: string;
  readonly latest: boolean;
  readonly ok: boolean;
  readonly sha256: string | null;
  readonly manifestSha256: string | null;
  readonly mode: string | null;
  readonly retainUntil: string | null;
  readonly legalHold: string | null;
}

/** What `archive verify` returns. `ok` is false exactly when some problem is an error. */
export interface ArchiveVerifyReport {
  readonly ok: boolean;
  readonly bucket: string;
  readonly dates: readonly string[];
  readonly versions: readonly CheckedVersion[];
  /** Each archived review record's state (by pack day and manifest hash). */
  readonly reviews: readonly ArchivedReviewState[];
  readonly problems: readonly ArchiveProblem[];
}

/** Options: which days (default: every day the ledger or the bucket knows). */
export interface ArchiveVerifyOptions extends ArchiveOptions {
  readonly dates?: readonly string[];
}

/** Verifies archived packs. Expected failures are findings; throws only when the store cannot be read. */
export async function verifyArchived(o: ArchiveVerifyOptions): Promise<ArchiveVerifyReport> {
  return withStore(o, async (store) => {
    const ledger = readArchiveLedger(o.artifactsDir).filter((e) => e.bucket === store.bucket);
    const { dates, all } = await datesToVerify(o, store, ledger);
    const acc: Accumulated = {
      problems: [],
      versions: [],
      verified: [],
      packs: [],
      reviewRoom: { left: MAX_PACK_REVIEW_EVENTS },
    };
    const work = mkdtempSync(join(tmpdir(), 'auditpack-archive-verify-'));
    let reviews: ArchivedReviewState[];
    try {
      for (const date of dates) await verifyDay(o, store, { date, all, ledger, work }, acc);
      reviews = await verifyArchivedReviews(
        store,
        {
          prefix: o.settings.prefix,
          retentionYears: o.settings.retentionYears,
          artifactsDir: o.artifactsDir,
          ledger,
          packs: acc.packs,
          allDays: o.dates === undefined,
          signers: o.reviewSigners,
          work,
        },
        (date, versionId, detail, severity) =>
          acc.problems.push({ code: 'ARCHIVE_REVIEW_PROBLEM', severity, date, versionId, detail }),
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    const { problems, versions } = acc;
    const ok = !problems.some((p) => p.severity === 'error');
    appendArchiveLedger(o.artifactsDir, acc.verified);
    await recordArchiveEvents(o, [
      ok
        ? {
            category: 'system',
            event: 'ArchiveVerified',
            fields: { bucket: store.bucket, dates: dates.length, versions: versions.length },
          }
        : {
            category: 'alert',
            event: 'ArchiveVerifyFailed',
            fields: {
              severity: 'HIGH',
              alert_type: 'ArchiveVerifyFailed',
              bucket: store.bucket,
              problems: problems.length,
              codes: [...new Set(problems.map((p) => p.code))],
              dates: [...new Set(problems.map((p) => p.date))].slice(0, 50),
            },
          },
    ]);
    return Object.freeze({ ok, bucket: store.bucket, dates, versions, reviews, problems });
  });
}

type Listed = Awaited<ReturnType<ArchiveStore['listVersions']>>;
type AddProblem = (
  code: ArchiveProblemCode,
  versionId: string | null,
  detail: string,
  severity?: 'error' | 'warning',
) => void;

/** What a verification collects over the days. */
interface Accumulated {
  readonly problems: ArchiveProblem[];
  readonly versions: CheckedVersion[];
  /** Ledger lines for the versions that checked out. */
  readonly verified: LedgerEntry[];
  /** The archived packs read, for the review check. */
  readonly packs: ArchivedPackFacts[];
  /** The review events kept of all the archived packs' logs together (a bound per pack would bound nothing). */
  readonly reviewRoom: EventRoom;
}

/** The days asked for, else every day the ledger or the bucket knows (then with the bucket's listing). */
async function datesToVerify(
  o: ArchiveVerifyOptions,
  store: ArchiveStore,
  ledger: readonly LedgerEntry[],
): Promise<{ dates: readonly string[]; all: Listed | undefined }> {
  if (o.dates !== undefined) return { dates: o.dates, all: undefined };
  const all = await store.listVersions(o.settings.prefix);
  const s = new Set<string>(ledger.filter((e) => e.key === objectKey(o.settings.prefix, e.date)).map((e) => e.date));
  for (const v of all) {
    const d = dateOfKey(o.settings.prefix, v.key);
    if (d !== undefined) s.add(d);
  }
  return { dates: [...s].sort(), all };
}

/** Checks one day's object: its newest version and every version pushed from here. */
async function verifyDay(
  o: ArchiveVerifyOptions,
  store: ArchiveStore,
  day: { date: string; all: Listed | undefined; ledger: readonly LedgerEntry[]; work: string },
  acc: Accumulated,
): Promise<void> {
  const { date, work } = day;
  const key = objectKey(o.settings.prefix, date);
  const list = (day.all ?? (await store.listVersions(key))).filter((v) => v.key === key);
  const mine = day.ledger.filter((e) => e.key === key && (e.event === 'pushed' || e.event === 'adopted'));
  const add: AddProblem = (code, versionId, detail, severity = 'error') => {
    acc.problems.push({ code, severity, date, versionId, detail });
  };
  const latest = list.find((v) => v.isLatest) ?? list[0];
  if (latest === undefined) {
    add('ARCHIVE_OBJECT_MISSING', null, `no object ${key} in bucket ${store.bucket}`);
    return;
  }
  const { toCheck, unknown } = versionsToCheck(key, list, latest, mine, add);
  for (const [versionId, isLatest] of toCheck) {
    const ledgerOf = mine.filter((m) => m.version_id === versionId).at(-1);
    const job = {
      date,
      key,
      versionId,
      isLatest,
      ledger: ledgerOf,
      work,
      packs: acc.packs,
      reviewRoom: acc.reviewRoom,
    };
    const v = await checkVersion(o, store, job, add);
    acc.versions.push(v);
    // A version nobody pushed from here is never recorded as verified, however well it checks.
    if (v.ok && versionId !== unknown) {
      acc.verified.push({
        event: 'verified',
        date,
        bucket: store.bucket,
        key,
        version_id: versionId,
        manifest_sha256: v.manifestSha256,
        sha256: v.sha256,
        size: null,
        retain_until: v.retainUntil,
        mode: v.mode,
        at: new Date((o.now ?? Date.now)()).toISOString(),
      });
    }
  }
}

/**
 * The versions of `key` to check (version id → is latest): the newest unless it is a delete
 * marker, and every version the ledger says was pushed from here; `unknown` is a newest version
 * that was not. Missing versions and delete markers are findings.
 */
function versionsToCheck(
  key: string,
  list: Listed,
  latest: Listed[number],
  mine: readonly LedgerEntry[],
  add: AddProblem,
): { toCheck: Map<string, boolean>; unknown: string | undefined } {
  const toCheck = new Map<string, boolean>();
  let unknown: string | undefined;
  if (latest.deleteMarker) {
    add(
      'ARCHIVE_DELETE_MARKER',
      latest.versionId,
      `the newest entry of ${key} is a delete marker: reading the key gives 404, though the locked versions below it remain`,
    );
  } else {
    toCheck.set(latest.versionId, true);
    const lastMine = mine.at(-1);
    if (
      lastMine !== undefined &&
      lastMine.version_id !== latest.versionId &&
      !mine.some((m) => m.version_id === latest.versionId)
    ) {
      add(
        'ARCHIVE_VERSION_UNKNOWN',
        latest.versionId,
        `the newest version of ${key} was not pushed from here (the ledger's newest is ${lastMine.version_id}): someone wrote to the bucket`,
      );
      unknown = latest.versionId;
    }
  }
  for (const m of mine) {
    if (!list.some((v) => v.versionId === m.version_id && !v.deleteMarker))
      add(
        'ARCHIVE_VERSION_MISSING',
        m.version_id,
        `version ${m.version_id} of ${key}, pushed ${m.at}, is no longer in the bucket`,
      );
    else if (!toCheck.has(m.version_id)) toCheck.set(m.version_id, false);
  }
  return { toCheck, unknown };
}

interface VersionJob {
  readonly date: string;
  readonly key: string;
  readonly versionId: string;
  readonly isLatest: boolean;
  readonly ledger: LedgerEntry | undefined;
  readonly work: string;
  /** Where the pack's review facts go (its tag manifest and review events). */
  readonly packs: ArchivedPackFacts[];
  readonly reviewRoom: EventRoom;
}

/** The archived pack's errors, and its review events past the shared room (counted, not checked: said). */
function passOn(
  problems: readonly { code: string; severity: string; file: string; line?: number; detail: string }[],
  j: VersionJob,
  fail: (code: ArchiveProblemCode, detail: string) => void,
  add: AddProblem,
): void {
  for (const p of problems) {
    const at = `${j.key} version ${j.versionId}: ${p.code}`;
    if (p.code === 'REVIEW_PACK_LOG_UNCHECKED')
      add('ARCHIVE_PACK_PROBLEM', j.versionId, `${at}: ${p.detail}`, 'warning');
    if (p.severity === 'error')
      fail('ARCHIVE_PACK_PROBLEM', `${at} ${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.detail}`);
  }
}

async function checkVersion(
  o: ArchiveVerifyOptions,
  store: ArchiveStore,
  j: VersionJob,
  add: (code: ArchiveProblemCode, versionId: string | null, detail: string, severity?: 'error' | 'warning') => void,
): Promise<CheckedVersion> {
  let bad = false;
  const fail = (code: ArchiveProblemCode, detail: string): void => {
    bad = true;
    add(code, j.versionId, detail);
  };
  const head = await store.head(j.key, j.versionId);
  // A pack object is one PUT (at most 5 GiB): anything larger is not one of ours, and is not downloaded.
  if (head?.size !== undefined && head.size > MAX_SINGLE_PUT) {
    fail(
      'ARCHIVE_PACK_PROBLEM',
      `${j.key} version ${j.versionId} is ${head.size} bytes, larger than any pack auditpack uploads; not downloaded`,
    );
    return {
      date: j.date,
      versionId: j.versionId,
      latest: j.isLatest,
      ok: false,
      sha256: null,
      manifestSha256: null,
      mode: null,
      retainUntil: null,
      legalHold: null,
    };
  }
  const ret = await store.retention(j.key, j.versionId);
  const hold = await store.legalHold(j.key, j.versionId);
  const expected = retainUntilOf(j.date, o.settings.retentionYears);
  const recorded = j.ledger?.retain_until ? new Date(j.ledger.retain_until) : undefined;
  const floor = recorded !== undefined && recorded.getTime() > expected.getTime() ? recorded : expected;
  if (ret?.mode !== 'COMPLIANCE' || ret.retainUntil === undefined) {
    fail(
      'ARCHIVE_NOT_LOCKED',
      `${j.key} version ${j.versionId} has ${ret?.mode ?? 'no'} retention${ret?.mode !== undefined ? ' (not COMPLIANCE)' : ''}: it can be deleted or overwritten`,
    );
  } else if (ret.retainUntil.getTime() < floor.getTime()) {
    fail(
      'ARCHIVE_RETENTION_SHORT',
      `${j.key} version ${j.versionId} is locked until ${ret.retainUntil.toISOString()}, before ${floor.toISOString()}`,
    );
  }

  const file = join(j.work, `${j.date}-${process.hrtime.bigint()}.tar.gz`);
  let sha256: string | null = null;
  let manifestSha256: string | null = null;
  try {
    await store.getToFile(j.key, j.versionId, file);
    sha256 = (await digestFile(file)).sha256;
    const report = await verifyPack(file, { ...(o.trust ?? {}), reviewEventRoom: j.reviewRoom });
    manifestSha256 = report.manifest.manifestSha256 ?? null;
    if (manifestSha256 !== null && report.manifest.exportDate === j.date)
      j.packs.push({
        date: j.date,
        manifestSha256,
        tagmanifestSha256: report.manifest.tagmanifestSha256,
        createdAt: report.manifest.createdAt,
        reviewEvents: report.reviewEvents,
      });
    passOn(report.problems, j, fail, add);
    if (report.manifest.exportDate !== undefined && report.manifest.exportDate !== j.date) {
      fail('ARCHIVE_DATE_MISMATCH', `${j.key} version ${j.versionId} holds the pack of ${report.manifest.exportDate}`);
    }
  } finally {
    rmSync(file, { force: true });
  }
  if (j.ledger !== undefined && j.ledger.sha256 !== null && sha256 !== j.ledger.sha256) {
    fail(
      'ARCHIVE_HASH_MISMATCH',
      `${j.key} version ${j.versionId} hashes to ${String(sha256)}, the ledger recorded ${j.ledger.sha256} when it was pushed`,
    );
  }
  const claimed = head?.metadata[META.manifest];
  if (claimed !== undefined && manifestSha256 !== null && claimed !== manifestSha256) {
    fail(
      'ARCHIVE_HASH_MISMATCH',
      `${j.key} version ${j.versionId}: its metadata claims manifest ${claimed}, the pack inside has ${manifestSha256}`,
    );
  }
  return {
    date: j.date,
    versionId: j.versionId,
    latest: j.isLatest,
    ok: !bad,
    sha256,
    manifestSha256,
    mode: ret?.mode ?? null,
    retainUntil: ret?.retainUntil?.toISOString() ?? null,
    legalHold: hold ?? null,
  };
}
