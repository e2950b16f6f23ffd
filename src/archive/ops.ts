/**
 * The other archive operations: `init` (the bucket), `ls`, `pull` and `hold` (legal hold).
 */
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import { PULL_TMP_PREFIX } from '../format/dir-names.js';
import { archiveFileName, PACK_ARCHIVE_SUFFIX } from '../format/pack.js';
import { fsyncDir, pathExists as exists } from '../fsx/dirs.js';
import { verifyPack } from '../verify/index.js';
import type { PackReport } from '../verify/pack-report.js';
import { digestFile } from './bundle.js';
import { recordArchiveEvents } from './events.js';
import { dateOfKey, objectKey } from './keys.js';
import { appendArchiveLedger, readArchiveLedger, type LedgerEntry } from './ledger.js';
import { withStore, type ArchiveOptions } from './push.js';

/** What `archive init` found and did. */
export interface InitResult {
  readonly bucket: string;
  readonly created: boolean;
  /** The default retention rule before (null: none). */
  readonly defaultBefore: {
    readonly mode: string | undefined;
    readonly days: number | undefined;
    readonly years: number | undefined;
  } | null;
  /** Whether init set the default rule to COMPLIANCE for the configured years. */
  readonly defaultSet: boolean;
  readonly retentionYears: number;
}

/**
 * Creates the bucket with Object Lock (or checks an existing one) and sets a COMPLIANCE default
 * retention as a safety net for objects written without a lock. Object Lock can be enabled only
 * when a bucket is created: an existing bucket without it is ARCHIVE_NO_OBJECT_LOCK.
 */
export async function initArchive(o: ArchiveOptions): Promise<InitResult> {
  return withStore(o, async (store) => {
    const created = await store.createLockedBucket();
    const lock = await store.lockConfiguration();
    if (lock === undefined || !lock.enabled) {
      throw new AuditpackError(
        'ARCHIVE_NO_OBJECT_LOCK',
        `bucket ${store.bucket} exists without Object Lock. S3 can enable Object Lock only when a bucket is created: configure a new bucket name (archive.bucket) and run \`auditpack archive init\` again`,
        { details: { bucket: store.bucket } },
      );
    }
    if (!(await store.versioningEnabled())) {
      throw new AuditpackError(
        'ARCHIVE_STORE_FAILED',
        `bucket ${store.bucket} has Object Lock but versioning is not enabled`,
      );
    }
    const years = o.settings.retentionYears;
    const defaultBefore = lock.mode === undefined ? null : { mode: lock.mode, days: lock.days, years: lock.years };
    const coveredDays = (lock.years ?? 0) * 365 + (lock.days ?? 0);
    // Keep a stronger rule someone set; replace a missing, GOVERNANCE or shorter one.
    const keep = lock.mode === 'COMPLIANCE' && coveredDays >= years * 365;
    if (!keep) await store.putDefaultRetention(years);
    const after = await store.lockConfiguration();
    if (after?.mode !== 'COMPLIANCE')
      throw new AuditpackError(
        'ARCHIVE_STORE_FAILED',
        `bucket ${store.bucket}: the COMPLIANCE default retention did not take (the store shows ${after?.mode ?? 'none'})`,
      );
    await recordArchiveEvents(o, [
      {
        category: 'system',
        event: 'ArchiveInitialised',
        fields: {
          bucket: store.bucket,
          created,
          default_retention_mode: 'COMPLIANCE',
          default_retention_years: after.years ?? null,
          default_retention_days: after.days ?? null,
          default_changed: !keep,
        },
      },
    ]);
    return { bucket: store.bucket, created, defaultBefore, defaultSet: !keep, retentionYears: years };
  });
}

/** One version in `archive ls`. */
export interface ListedVersion {
  readonly date: string;
  readonly key: string;
  readonly versionId: string;
  readonly latest: boolean;
  readonly deleteMarker: boolean;
  readonly size: number | null;
  readonly lastModified: string | null;
  /** Whether the local ledger records this version as pushed or adopted from here. */
  readonly inLedger: boolean;
}

/** Every pack version under the prefix, by day, newest first within a day. */
export async function listArchive(o: ArchiveOptions): Promise<ListedVersion[]> {
  return withStore(o, async (store) => {
    const mine = new Set(
      readArchiveLedger(o.artifactsDir)
        .filter((e) => e.event === 'pushed' || e.event === 'adopted')
        .map((e) => `${e.bucket}\0${e.key}\0${e.version_id}`),
    );
    const out: ListedVersion[] = [];
    for (const v of await store.listVersions(o.settings.prefix)) {
      const date = dateOfKey(o.settings.prefix, v.key);
      if (date === undefined) continue;
      out.push({
        date,
        key: v.key,
        versionId: v.versionId,
        latest: v.isLatest,
        deleteMarker: v.deleteMarker,
        size: v.size ?? null,
        lastModified: v.lastModified?.toISOString() ?? null,
        inLedger: mine.has(`${store.bucket}\0${v.key}\0${v.versionId}`),
      });
    }
    return out;
  });
}

/** What `archive pull` did. */
export interface PullResult {
  readonly date: string;
  readonly versionId: string;
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  readonly report: PackReport;
}

/**
 * Downloads a day's pack (the newest version, or `versionId`) to `<outDir>/<date>.tar.gz` and
 * verifies it. Never overwrites (PACK_EXISTS). A download that does not verify is not kept under
 * the pack's name: it is left as `<date>.tar.gz.unverified` and VERIFY_FAILED is thrown.
 */
export async function pullPack(
  o: ArchiveOptions & { date: string; versionId?: string; outDir: string },
): Promise<PullResult> {
  return withStore(o, async (store) => {
    const key = objectKey(o.settings.prefix, o.date);
    const head = await store.head(key, o.versionId);
    if (head === undefined || head.versionId === undefined) {
      throw new AuditpackError(
        'ARCHIVE_NOT_FOUND',
        `no ${o.versionId === undefined ? 'current' : `version ${o.versionId} of`} ${key} in bucket ${store.bucket}`,
        { details: { key } },
      );
    }
    try {
      mkdirSync(o.outDir, { recursive: true });
    } catch (err) {
      throw wrapFsError(err, 'create directory', o.outDir);
    }
    const dest = join(o.outDir, archiveFileName(o.date));
    if (exists(dest))
      throw new AuditpackError('PACK_EXISTS', `${dest} exists; refusing to overwrite`, { details: { path: dest } });
    const tmp = join(o.outDir, `${PULL_TMP_PREFIX}${o.date}-${process.pid}-${Date.now()}${PACK_ARCHIVE_SUFFIX}`);
    try {
      await store.getToFile(key, head.versionId, tmp);
      const fd = openSync(tmp, 'r');
      fsyncSync(fd);
      closeSync(fd);
      const d = await digestFile(tmp);
      const report = await verifyPack(tmp, { ...(o.trust ?? {}) });
      if (!report.ok || report.manifest.exportDate !== o.date) {
        const aside = `${dest}.unverified`;
        rmSync(aside, { force: true });
        linkOrThrow(tmp, aside);
        throw new AuditpackError(
          'VERIFY_FAILED',
          `${key} version ${head.versionId} does not verify as the pack of ${o.date}; kept as ${aside} for inspection`,
          {
            details: { path: aside, problems: report.problems.slice(0, 20) },
          },
        );
      }
      linkOrThrow(tmp, dest); // link, not rename: never replaces a file that appeared meanwhile
      fsyncDir(o.outDir);
      return { date: o.date, versionId: head.versionId, path: dest, sha256: d.sha256, size: d.size, report };
    } finally {
      rmSync(tmp, { force: true });
    }
  });
}

/** What `archive hold` did. */
export interface HoldResult {
  readonly date: string;
  readonly key: string;
  readonly on: boolean;
  /** Every version of the key the hold was set on, with the status read back. */
  readonly versions: readonly { readonly versionId: string; readonly status: string | undefined }[];
}

/**
 * Sets or releases a legal hold on every version of a day's pack (a hold concerns the day's
 * records, whichever version holds them). A held version cannot be deleted even after its
 * retention ends. Read back, ledgered and recorded in the audit chain.
 */
export async function setLegalHold(o: ArchiveOptions & { date: string; on: boolean }): Promise<HoldResult> {
  return withStore(o, async (store) => {
    const key = objectKey(o.settings.prefix, o.date);
    const versions = (await store.listVersions(key)).filter((v) => v.key === key && !v.deleteMarker);
    if (versions.length === 0)
      throw new AuditpackError('ARCHIVE_NOT_FOUND', `no object ${key} in bucket ${store.bucket}`, { details: { key } });
    const out: { versionId: string; status: string | undefined }[] = [];
    const lines: LedgerEntry[] = [];
    const at = new Date((o.now ?? Date.now)()).toISOString();
    for (const v of versions) {
      await store.putLegalHold(key, v.versionId, o.on);
      const status = await store.legalHold(key, v.versionId);
      if (status !== (o.on ? 'ON' : 'OFF')) {
        throw new AuditpackError(
          'ARCHIVE_STORE_FAILED',
          `${key} version ${v.versionId}: legal hold reads back as ${status ?? 'unset'} after setting it ${o.on ? 'ON' : 'OFF'}`,
        );
      }
      out.push({ versionId: v.versionId, status });
      lines.push({
        event: 'legal_hold',
        date: o.date,
        bucket: store.bucket,
        key,
        version_id: v.versionId,
        manifest_sha256: null,
        sha256: null,
        size: v.size ?? null,
        retain_until: null,
        mode: null,
        at,
        legal_hold: status,
      });
    }
    appendArchiveLedger(o.artifactsDir, lines);
    await recordArchiveEvents(o, [
      {
        category: 'system',
        event: o.on ? 'ArchiveLegalHoldSet' : 'ArchiveLegalHoldReleased',
        fields: { date: o.date, bucket: store.bucket, key, versions: out.map((x) => x.versionId) },
      },
    ]);
    return { date: o.date, key, on: o.on, versions: out };
  });
}

function linkOrThrow(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new AuditpackError('PACK_EXISTS', `${to} exists; refusing to overwrite`, { details: { path: to } });
    throw wrapFsError(err, 'write', to);
  }
}
