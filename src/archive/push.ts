/**
 * `archive push`: each pack to the object store, once, under a COMPLIANCE lock, and proven there.
 *
 * Per pack: bundle it as a `.tar.gz`, verify that bundle as `verify` would (a pack that does not
 * verify is not archived), then, unless the ledger or the bucket already holds this exact pack
 * (same manifest hash), upload it with one PUT carrying Content-MD5, mode COMPLIANCE and the
 * retain-until date. Then read it back: HeadObject and GetObjectRetention must show the size, the
 * MD5 (ETag), the metadata and the lock; and the bytes downloaded again must hash to what was
 * sent. Only then is the push written to the ledger and the audit chain. A crash anywhere before
 * that leaves at worst an unrecorded version, which the next push finds and adopts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchiveSettings } from '../config.js';
import { AuditpackError } from '../errors.js';
import { archiveFileName } from '../format/pack.js';
import { listPackEntries } from '../pack/layout.js';
import type { ReviewSigner } from '../review/index.js';
import { verifyPack, type VerifyPackOptions } from '../verify/index.js';
import { digestFile, tarPackDir, type FileDigests } from './bundle.js';
import { ArchiveStore, type ObjectFacts } from './client.js';
import { recordArchiveEvents, type ArchiveEvent } from './events.js';
import { objectKey, retainUntilOf } from './keys.js';
import { appendArchiveLedger, readArchiveLedger, type LedgerEntry } from './ledger.js';

/** Object metadata names (sent as `x-amz-meta-*`). */
export const META = Object.freeze({
  date: 'auditpack-date',
  manifest: 'auditpack-manifest-sha256',
  sha256: 'auditpack-sha256',
  format: 'auditpack-format',
});

/** Options shared by the archive operations. */
export interface ArchiveOptions {
  readonly settings: ArchiveSettings;
  /** Where the packs and the ledger are. */
  readonly artifactsDir: string;
  /** Logs directory for the system events (PackArchived…), or false for none. */
  readonly eventLogDir: string | false;
  /** Now, epoch ms (default Date.now). */
  readonly now?: () => number;
  /** Logger clock for the events (tests). */
  readonly loggerClock?: () => number;
  /** Trusted keys for checking signed packs (as `verify --pubkey/--allowed-signers`). */
  readonly trust?: Pick<VerifyPackOptions, 'publicKeys' | 'allowedSigners'>;
  /** The review signers (submitters' and approvers' keys): archived review signatures must be by them. */
  readonly reviewSigners?: readonly ReviewSigner[] | undefined;
  /** An open store to use (default: one is opened and closed per call). */
  readonly store?: ArchiveStore;
}

/** What happened to one pack. */
export interface PushOutcome {
  readonly date: string;
  /** pushed: uploaded now; archived: the ledger's version is there already; adopted: an unrecorded version of this exact pack was found in the bucket. */
  readonly status: 'pushed' | 'archived' | 'adopted';
  readonly key: string;
  readonly versionId: string;
  readonly manifestSha256: string;
  readonly sha256: string;
  readonly size: number;
  readonly retainUntil: string;
  /** The earlier retain-until when this push extended the lock (a longer retention configured). */
  readonly extendedFrom: string | null;
}

/** Which packs to push. */
export interface PushOptions extends ArchiveOptions {
  /** Days to push; every current pack in the artifacts dir when omitted. */
  readonly dates?: readonly string[];
}

/** Opens the store unless one was given, runs `fn`, closes what it opened. */
export async function withStore<T>(o: ArchiveOptions, fn: (store: ArchiveStore) => Promise<T>): Promise<T> {
  if (o.store !== undefined) return fn(o.store);
  const store = await ArchiveStore.open(o.settings);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/** The days that have a current pack (directory or `.tar.gz`) in the artifacts dir. */
export function localPackDates(artifactsDir: string): string[] {
  const dates = new Set<string>();
  for (const e of listPackEntries(artifactsDir)) {
    if (e.version !== null) continue;
    if ((e.kind === 'pack' && e.type === 'dir') || (e.kind === 'archive' && e.type === 'file')) dates.add(e.date);
  }
  return [...dates].sort();
}

/** Pushes packs, oldest first; stops at the first failure (earlier packs stay pushed and recorded). */
export async function pushPacks(o: PushOptions): Promise<PushOutcome[]> {
  const dates = o.dates ?? localPackDates(o.artifactsDir);
  return withStore(o, async (store) => {
    const out: PushOutcome[] = [];
    for (const date of [...dates].sort()) out.push(await pushOne(o, store, date));
    return out;
  });
}

interface Bundle extends FileDigests {
  readonly file: string;
  readonly manifestSha256: string;
  readonly source: string;
}

async function pushOne(o: ArchiveOptions, store: ArchiveStore, date: string): Promise<PushOutcome> {
  const nowMs = (o.now ?? Date.now)();
  const retainUntil = retainUntilOf(date, o.settings.retentionYears);
  if (retainUntil.getTime() <= nowMs) {
    throw new AuditpackError(
      'ARCHIVE_RETENTION_PAST',
      `the pack of ${date} is past its retention (${o.settings.retentionYears} years, until ${retainUntil.toISOString()}); a lock cannot be set in the past, so it is not archived`,
      { details: { date } },
    );
  }
  const key = objectKey(o.settings.prefix, date);
  const work = mkdtempSync(join(tmpdir(), 'auditpack-archive-'));
  try {
    const bundle = await bundleOf(o, date, work);
    const found = await findArchived(o, store, key, bundle, work);
    const versionId = found?.versionId ?? (await upload(store, key, date, bundle, retainUntil));
    const status: PushOutcome['status'] = found?.status ?? 'pushed';
    const r = await checkedRetention(store, key, versionId, retainUntil);
    if (found === undefined) {
      const back = await downloadDigest(store, key, versionId, work);
      if (back.sha256 !== bundle.sha256 || back.size !== bundle.size) {
        throw new AuditpackError(
          'ARCHIVE_STORE_FAILED',
          `${key} version ${versionId} read back differs from what was uploaded (sha256 ${back.sha256}, expected ${bundle.sha256})`,
        );
      }
    }
    const outcome: PushOutcome = {
      date,
      status,
      key,
      versionId,
      manifestSha256: bundle.manifestSha256,
      sha256: bundle.sha256,
      size: bundle.size,
      retainUntil: r.until.toISOString(),
      extendedFrom: r.extendedFrom,
    };
    await recordPush(o, store.bucket, bundle, outcome);
    return outcome;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A version of this exact pack already in the store: the one the ledger names, else one found by its bytes. */
async function findArchived(
  o: ArchiveOptions,
  store: ArchiveStore,
  key: string,
  bundle: Bundle,
  work: string,
): Promise<{ versionId: string; status: 'archived' | 'adopted'; facts: ObjectFacts } | undefined> {
  // 1. Already recorded: the ledger names a version of this exact pack, and the store still has it.
  const known = readArchiveLedger(o.artifactsDir)
    .filter(
      (e) =>
        (e.event === 'pushed' || e.event === 'adopted') &&
        e.key === key &&
        e.bucket === store.bucket &&
        e.manifest_sha256 === bundle.manifestSha256,
    )
    .at(-1);
  if (known !== undefined) {
    const facts = await store.head(key, known.version_id);
    if (facts !== undefined) return { versionId: known.version_id, status: 'archived', facts };
  }
  // 2. Not recorded (a crash after the upload, a lost ledger): a version of this pack in the bucket.
  for (const v of (await store.listVersions(key)).filter((x) => x.key === key && !x.deleteMarker)) {
    const facts = await store.head(key, v.versionId);
    if (facts?.metadata[META.manifest] !== bundle.manifestSha256) continue;
    // Metadata is only a claim: the bytes must be the bundle's.
    if ((await downloadDigest(store, key, v.versionId, work)).sha256 !== bundle.sha256) continue;
    return { versionId: v.versionId, status: 'adopted', facts };
  }
  return undefined;
}

/** Uploads the bundle as a new locked version and reads its facts back; returns the version id. */
async function upload(
  store: ArchiveStore,
  key: string,
  date: string,
  bundle: Bundle,
  retainUntil: Date,
): Promise<string> {
  const put = await store.putObject({
    key,
    file: bundle.file,
    size: bundle.size,
    md5Base64: bundle.md5Base64,
    retainUntil,
    metadata: {
      [META.date]: date,
      [META.manifest]: bundle.manifestSha256,
      [META.sha256]: bundle.sha256,
      [META.format]: 'auditpack-pack/1 tar.gz',
    },
  });
  if (put.versionId === undefined || put.versionId === 'null') {
    throw new AuditpackError(
      'ARCHIVE_STORE_FAILED',
      `the store gave no version id for ${key}: bucket ${store.bucket} is not versioned, so an upload could replace an archived pack (run \`auditpack archive init\` on a new bucket)`,
    );
  }
  await readBack(store, key, put.versionId, bundle);
  return put.versionId;
}

/** The ledger lines (fsynced) and chained events of a push: a retention extension, a new or adopted version. */
async function recordPush(o: ArchiveOptions, bucket: string, bundle: Bundle, r: PushOutcome): Promise<void> {
  const events: ArchiveEvent[] = [];
  const ledgerLines: LedgerEntry[] = [];
  const { date, key, versionId } = r;
  const base = {
    date,
    bucket,
    key,
    manifest_sha256: r.manifestSha256,
    sha256: r.sha256,
    size: r.size,
    pack: bundle.source,
  };
  const at = new Date((o.now ?? Date.now)()).toISOString();
  const lock = { retain_until: r.retainUntil, mode: 'COMPLIANCE' };
  if (r.extendedFrom !== null) {
    ledgerLines.push({ event: 'retention_extended', ...base, version_id: versionId, ...lock, at });
    events.push({
      category: 'system',
      event: 'ArchiveRetentionExtended',
      fields: { date, bucket, key, version_id: versionId, from: r.extendedFrom, retain_until: lock.retain_until },
    });
  }
  if (r.status !== 'archived') {
    ledgerLines.push({ event: r.status, ...base, version_id: versionId, ...lock, at });
    events.push({
      category: 'system',
      event: 'PackArchived',
      fields: {
        date,
        bucket,
        key,
        version_id: versionId,
        manifest_sha256: r.manifestSha256,
        sha256: r.sha256,
        size: r.size,
        retention_mode: 'COMPLIANCE',
        retain_until: lock.retain_until,
        adopted: r.status === 'adopted',
      },
    });
  }
  appendArchiveLedger(o.artifactsDir, ledgerLines);
  await recordArchiveEvents(o, events);
}

/** The day's current pack as a verified `.tar.gz`: the directory bundled, else the `.tar.gz` export wrote. */
async function bundleOf(o: ArchiveOptions, date: string, work: string): Promise<Bundle> {
  const entries = listPackEntries(o.artifactsDir).filter((e) => e.date === date && e.version === null);
  const dir = entries.find((e) => e.kind === 'pack' && e.type === 'dir');
  const tar = entries.find((e) => e.kind === 'archive' && e.type === 'file');
  let file: string;
  let source: string;
  if (dir !== undefined) {
    file = join(work, archiveFileName(date));
    await tarPackDir(join(o.artifactsDir, dir.name), date, file);
    source = dir.name;
  } else if (tar !== undefined) {
    file = join(o.artifactsDir, tar.name);
    source = tar.name;
  } else {
    throw new AuditpackError('PATH_NOT_FOUND', `no pack for ${date} in ${o.artifactsDir} (export it first)`, {
      details: { date },
    });
  }
  const report = await verifyPack(file, { ...(o.trust ?? {}) });
  const manifestSha256 = report.manifest.manifestSha256;
  if (!report.ok || manifestSha256 === undefined) {
    const first = report.problems
      .filter((p) => p.severity === 'error')
      .slice(0, 3)
      .map((p) => `${p.code} ${p.file}: ${p.detail}`)
      .join('; ');
    throw new AuditpackError(
      'ARCHIVE_PACK_INVALID',
      `the pack of ${date} (${source}) does not verify, so it is not archived: ${first || 'no manifest'}`,
      { details: { date } },
    );
  }
  if (report.manifest.exportDate !== date) {
    throw new AuditpackError(
      'ARCHIVE_PACK_INVALID',
      `${source} holds the pack of ${String(report.manifest.exportDate)}, not ${date}; not archived`,
      { details: { date } },
    );
  }
  const digests = await digestFile(file);
  if (digests.size > MAX_SINGLE_PUT) {
    throw new AuditpackError(
      'ARCHIVE_PACK_INVALID',
      `the pack of ${date} is ${digests.size} bytes as .tar.gz, over the 5 GiB a single PUT allows; multipart uploads are not used because some stores (Ceph RGW 16) drop their lock headers`,
      { details: { date } },
    );
  }
  return { file, source, manifestSha256, ...digests };
}

/** The largest object one S3 PUT may carry (5 GiB). */
export const MAX_SINGLE_PUT = 5 * 1024 ** 3;

/** HeadObject after the upload: the store must hold what was sent, with the lock. */
async function readBack(store: ArchiveStore, key: string, versionId: string, b: Bundle): Promise<void> {
  const h = await store.head(key, versionId);
  const wrong: string[] = [];
  if (h === undefined) wrong.push('HeadObject finds no such version');
  else {
    if (h.size !== b.size) wrong.push(`size ${String(h.size)}, sent ${b.size}`);
    if (h.etag !== b.md5Hex) wrong.push(`ETag ${String(h.etag)}, MD5 sent ${b.md5Hex}`);
    if (h.metadata[META.manifest] !== b.manifestSha256)
      wrong.push('the manifest hash metadata is missing or different');
  }
  if (wrong.length > 0)
    throw new AuditpackError(
      'ARCHIVE_STORE_FAILED',
      `${key} version ${versionId} read back wrong: ${wrong.join('; ')}`,
    );
}

/**
 * GetObjectRetention: the version must be COMPLIANCE-locked until at least `expected`. A lock that
 * is missing (radosgw 16 drops lock headers on multipart uploads) or shorter is set or extended
 * with PutObjectRetention and read again; if the store still does not show it, the push fails.
 */
export async function checkedRetention(
  store: ArchiveStore,
  key: string,
  versionId: string,
  expected: Date,
): Promise<{ until: Date; extendedFrom: string | null }> {
  const r = await store.retention(key, versionId);
  if (r?.mode === 'COMPLIANCE' && r.retainUntil !== undefined && r.retainUntil.getTime() >= expected.getTime())
    return { until: r.retainUntil, extendedFrom: null };
  if (r !== undefined && r.mode !== undefined && r.mode !== 'COMPLIANCE') {
    // A GOVERNANCE lock can be lifted by anyone with s3:BypassGovernanceRetention; say so instead of trying to convert it.
    throw new AuditpackError(
      'ARCHIVE_STORE_FAILED',
      `${key} version ${versionId} is locked in ${r.mode} mode, not COMPLIANCE`,
    );
  }
  await store.putRetention(key, versionId, expected);
  const again = await store.retention(key, versionId);
  if (
    again?.mode !== 'COMPLIANCE' ||
    again.retainUntil === undefined ||
    again.retainUntil.getTime() < expected.getTime()
  ) {
    throw new AuditpackError(
      'ARCHIVE_STORE_FAILED',
      `${key} version ${versionId} is not COMPLIANCE-locked until ${expected.toISOString()} even after PutObjectRetention (store shows ${again?.mode ?? 'no lock'} until ${again?.retainUntil?.toISOString() ?? '-'})`,
    );
  }
  return { until: again.retainUntil, extendedFrom: r?.retainUntil?.toISOString() ?? null };
}

/** Downloads a version into `work` and returns its digests (the file is removed). */
export async function downloadDigest(
  store: ArchiveStore,
  key: string,
  versionId: string | undefined,
  work: string,
): Promise<FileDigests> {
  const dest = join(work, `dl-${process.hrtime.bigint()}.tar.gz`);
  try {
    await store.getToFile(key, versionId, dest);
    return await digestFile(dest);
  } finally {
    rmSync(dest, { force: true });
  }
}
