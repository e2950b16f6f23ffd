/**
 * The object store, as the archive uses it: a thin wrapper over the AWS SDK v3 S3 client that is
 * loaded on first use (importing auditpack never loads the SDK), with every SDK failure turned into
 * an AuditpackError whose message never carries a credential.
 *
 * Why a wrapper: the SDK's errors hold the raw response (`$response`) and, for a signature
 * mismatch, the server's echo of the request (string to sign, access key id). None of that may
 * reach a log or a terminal, so the SDK error is never kept as `cause`; only its name, HTTP status
 * and request id are, and the message is scrubbed of the key id and secret.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { ArchiveSettings } from '../config.js';
import { AuditpackError, type AuditpackErrorCode } from '../errors.js';

type Sdk = typeof import('@aws-sdk/client-s3');
type S3Client = import('@aws-sdk/client-s3').S3Client;

let sdkPromise: Promise<Sdk> | undefined;

/** Loads `@aws-sdk/client-s3` once. ARCHIVE_UNREACHABLE when it is not installed or fails to load. */
export function loadS3Sdk(): Promise<Sdk> {
  sdkPromise ??= import('@aws-sdk/client-s3').catch((err: unknown) => {
    sdkPromise = undefined;
    throw new AuditpackError(
      'ARCHIVE_UNREACHABLE',
      `cannot load the S3 client (@aws-sdk/client-s3): ${(err as Error).message}`,
    );
  });
  return sdkPromise;
}

/** What HeadObject says about one object version. */
export interface ObjectFacts {
  readonly versionId: string | undefined;
  readonly size: number | undefined;
  /** The ETag without quotes; for a single PUT, the hex MD5 of the bytes. */
  readonly etag: string | undefined;
  readonly lockMode: string | undefined;
  readonly retainUntil: Date | undefined;
  readonly legalHold: string | undefined;
  /** User metadata (`x-amz-meta-*`), keys lower-case. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** One entry of ListObjectVersions: an object version or a delete marker. */
export interface VersionEntry {
  readonly key: string;
  readonly versionId: string;
  readonly isLatest: boolean;
  readonly deleteMarker: boolean;
  readonly size: number | undefined;
  readonly lastModified: Date | undefined;
  readonly etag: string | undefined;
}

/** Options of putObject. */
export interface PutOptions {
  readonly key: string;
  readonly file: string;
  readonly size: number;
  readonly md5Base64: string;
  readonly retainUntil: Date;
  readonly metadata: Record<string, string>;
  /** Default `application/gzip` (a pack). */
  readonly contentType?: string;
}

/** The store, bound to one bucket. */
export class ArchiveStore {
  private constructor(
    private readonly sdk: Sdk,
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly secrets: readonly string[],
  ) {}

  /** Loads the SDK and makes a client from resolved settings. */
  static async open(settings: ArchiveSettings): Promise<ArchiveStore> {
    const sdk = await loadS3Sdk();
    const creds = settings.credentials?.();
    const client = new sdk.S3Client({
      region: settings.region,
      ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
      forcePathStyle: settings.forcePathStyle,
      ...(creds !== undefined ? { credentials: { ...creds } } : {}),
      // Only the checksums an operation requires: radosgw 16 ignores x-amz-checksum-*, and the
      // integrity of an upload rests on Content-MD5 (which it enforces) and on verifying what we read back.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      // A black-holed endpoint must not hang a cron job forever.
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 300_000 },
    });
    const secrets =
      creds === undefined
        ? []
        : [creds.secretAccessKey, creds.accessKeyId, ...(creds.sessionToken ? [creds.sessionToken] : [])];
    return new ArchiveStore(sdk, client, settings.bucket, secrets);
  }

  /** Releases sockets. */
  close(): void {
    this.client.destroy();
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw wrapS3Error(err, what, this.secrets);
    }
  }

  /**
   * Creates the bucket with Object Lock enabled; false when it already exists. HeadBucket first:
   * in us-east-1 (and on radosgw) creating a bucket you already own succeeds silently.
   */
  async createLockedBucket(): Promise<boolean> {
    try {
      await this.client.send(new this.sdk.HeadBucketCommand({ Bucket: this.bucket }));
      return false;
    } catch (err) {
      if (!isNotFound(err)) throw wrapS3Error(err, `read bucket ${this.bucket}`, this.secrets);
    }
    try {
      await this.client.send(
        new this.sdk.CreateBucketCommand({ Bucket: this.bucket, ObjectLockEnabledForBucket: true }),
      );
      return true;
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'BucketAlreadyOwnedByYou') return false;
      throw wrapS3Error(err, `create bucket ${this.bucket}`, this.secrets);
    }
  }

  /** The bucket's Object Lock configuration; undefined when Object Lock is not enabled. */
  async lockConfiguration(): Promise<
    { enabled: boolean; mode: string | undefined; days: number | undefined; years: number | undefined } | undefined
  > {
    try {
      const r = await this.client.send(new this.sdk.GetObjectLockConfigurationCommand({ Bucket: this.bucket }));
      const c = r.ObjectLockConfiguration;
      const d = c?.Rule?.DefaultRetention;
      return { enabled: c?.ObjectLockEnabled === 'Enabled', mode: d?.Mode, days: d?.Days, years: d?.Years };
    } catch (err) {
      if ((err as { name?: string }).name === 'ObjectLockConfigurationNotFoundError') return undefined;
      throw wrapS3Error(err, `read the Object Lock configuration of ${this.bucket}`, this.secrets);
    }
  }

  /** Sets the bucket's default retention: COMPLIANCE for `years`. */
  async putDefaultRetention(years: number): Promise<void> {
    await this.call(`set the default retention of ${this.bucket}`, () =>
      this.client.send(
        new this.sdk.PutObjectLockConfigurationCommand({
          Bucket: this.bucket,
          ObjectLockConfiguration: {
            ObjectLockEnabled: 'Enabled',
            Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: years } },
          },
        }),
      ),
    );
  }

  /** Whether versioning is enabled (Object Lock requires it). */
  async versioningEnabled(): Promise<boolean> {
    const r = await this.call(`read the versioning of ${this.bucket}`, () =>
      this.client.send(new this.sdk.GetBucketVersioningCommand({ Bucket: this.bucket })),
    );
    return r.Status === 'Enabled';
  }

  /** HeadObject of a version (or of the newest); undefined when it does not exist. */
  async head(key: string, versionId?: string): Promise<ObjectFacts | undefined> {
    try {
      const r = await this.client.send(
        new this.sdk.HeadObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(versionId !== undefined ? { VersionId: versionId } : {}),
        }),
      );
      return {
        versionId: r.VersionId,
        size: r.ContentLength,
        etag: r.ETag?.replace(/"/g, ''),
        lockMode: r.ObjectLockMode,
        retainUntil: r.ObjectLockRetainUntilDate,
        legalHold: r.ObjectLockLegalHoldStatus,
        metadata: Object.freeze({ ...(r.Metadata ?? {}) }),
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw wrapS3Error(err, `read ${this.bucket}/${key}`, this.secrets);
    }
  }

  /** GetObjectRetention of a version; undefined when it has none. */
  async retention(
    key: string,
    versionId: string,
  ): Promise<{ mode: string | undefined; retainUntil: Date | undefined } | undefined> {
    try {
      const r = await this.client.send(
        new this.sdk.GetObjectRetentionCommand({ Bucket: this.bucket, Key: key, VersionId: versionId }),
      );
      return { mode: r.Retention?.Mode, retainUntil: r.Retention?.RetainUntilDate };
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'NoSuchObjectLockConfiguration' || name === 'ObjectLockConfigurationNotFoundError') return undefined;
      throw wrapS3Error(err, `read the retention of ${this.bucket}/${key} version ${versionId}`, this.secrets);
    }
  }

  /** PutObjectRetention (COMPLIANCE) on a version: the store refuses to shorten it. */
  async putRetention(key: string, versionId: string, retainUntil: Date): Promise<void> {
    await this.call(`set the retention of ${this.bucket}/${key} version ${versionId}`, () =>
      this.client.send(
        new this.sdk.PutObjectRetentionCommand({
          Bucket: this.bucket,
          Key: key,
          VersionId: versionId,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: retainUntil },
        }),
      ),
    );
  }

  /** Legal hold on or off for a version. */
  async putLegalHold(key: string, versionId: string, on: boolean): Promise<void> {
    await this.call(`set the legal hold of ${this.bucket}/${key} version ${versionId}`, () =>
      this.client.send(
        new this.sdk.PutObjectLegalHoldCommand({
          Bucket: this.bucket,
          Key: key,
          VersionId: versionId,
          LegalHold: { Status: on ? 'ON' : 'OFF' },
        }),
      ),
    );
  }

  /** The legal hold status of a version (`ON`, `OFF`, or undefined when never set). */
  async legalHold(key: string, versionId: string): Promise<string | undefined> {
    try {
      const r = await this.client.send(
        new this.sdk.GetObjectLegalHoldCommand({ Bucket: this.bucket, Key: key, VersionId: versionId }),
      );
      return r.LegalHold?.Status;
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (
        name === 'NoSuchObjectLockConfiguration' ||
        (isNotFound(err) && name !== 'NoSuchKey' && name !== 'NoSuchVersion')
      )
        return undefined;
      throw wrapS3Error(err, `read the legal hold of ${this.bucket}/${key} version ${versionId}`, this.secrets);
    }
  }

  /**
   * Uploads a file with one PUT (valid up to 5 GiB), Content-MD5 and a COMPLIANCE lock. Never a
   * multipart upload: radosgw 16 drops the lock headers of multipart uploads.
   */
  async putObject(o: PutOptions): Promise<{ versionId: string | undefined; etag: string | undefined }> {
    const r = await this.call(`upload ${this.bucket}/${o.key}`, () =>
      this.client.send(
        new this.sdk.PutObjectCommand({
          Bucket: this.bucket,
          Key: o.key,
          Body: createReadStream(o.file),
          ContentLength: o.size,
          ContentMD5: o.md5Base64,
          ContentType: o.contentType ?? 'application/gzip',
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: o.retainUntil,
          Metadata: o.metadata,
        }),
      ),
    );
    return { versionId: r.VersionId, etag: r.ETag?.replace(/"/g, '') };
  }

  /** Downloads a version into `dest` (a new file). */
  async getToFile(key: string, versionId: string | undefined, dest: string): Promise<void> {
    await this.call(
      `download ${this.bucket}/${key}${versionId === undefined ? '' : ` version ${versionId}`}`,
      async () => {
        const r = await this.client.send(
          new this.sdk.GetObjectCommand({
            Bucket: this.bucket,
            Key: key,
            ...(versionId !== undefined ? { VersionId: versionId } : {}),
          }),
        );
        if (r.Body === undefined)
          throw new AuditpackError('ARCHIVE_STORE_FAILED', `the store sent no body for ${this.bucket}/${key}`);
        await pipeline(r.Body as Readable, createWriteStream(dest, { flags: 'wx', mode: 0o600 }));
      },
    );
  }

  /** Every version and delete marker whose key starts with `prefix`, newest first per key. */
  async listVersions(prefix: string): Promise<VersionEntry[]> {
    const out: VersionEntry[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    for (let page = 0; page < 100_000; page++) {
      const r = await this.call(`list ${this.bucket}/${prefix}`, () =>
        this.client.send(
          new this.sdk.ListObjectVersionsCommand({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
            ...(versionMarker !== undefined ? { VersionIdMarker: versionMarker } : {}),
          }),
        ),
      );
      for (const v of r.Versions ?? []) {
        if (v.Key === undefined || v.VersionId === undefined) continue;
        out.push({
          key: v.Key,
          versionId: v.VersionId,
          isLatest: v.IsLatest === true,
          deleteMarker: false,
          size: v.Size,
          lastModified: v.LastModified,
          etag: v.ETag?.replace(/"/g, ''),
        });
      }
      for (const m of r.DeleteMarkers ?? []) {
        if (m.Key === undefined || m.VersionId === undefined) continue;
        out.push({
          key: m.Key,
          versionId: m.VersionId,
          isLatest: m.IsLatest === true,
          deleteMarker: true,
          size: undefined,
          lastModified: m.LastModified,
          etag: undefined,
        });
      }
      if (r.IsTruncated !== true) break;
      keyMarker = r.NextKeyMarker;
      versionMarker = r.NextVersionIdMarker;
    }
    // Newest first within a key: the latest entry, then by time (ties keep the store's order).
    return out.sort((a, b) => {
      if (a.key !== b.key) return a.key < b.key ? -1 : 1;
      if (a.isLatest !== b.isLatest) return a.isLatest ? -1 : 1;
      return (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0);
    });
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === 'NotFound' || e.name === 'NoSuchKey' || e.name === 'NoSuchVersion' || e.$metadata?.httpStatusCode === 404
  );
}

/** Replaces every occurrence of a secret in `text`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[REDACTED]');
  return out;
}

/**
 * Maps an SDK failure to an AuditpackError: 403 → ARCHIVE_DENIED, 404 → ARCHIVE_NOT_FOUND,
 * no HTTP answer or 5xx → ARCHIVE_UNREACHABLE, anything else → ARCHIVE_STORE_FAILED. The SDK error
 * is not kept (see the file comment); its name, status and request id are in `details`.
 */
export function wrapS3Error(err: unknown, what: string, secrets: readonly string[]): AuditpackError {
  if (err instanceof AuditpackError) return err;
  const e = err as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? 'Error';
  let code: AuditpackErrorCode;
  if (status === 403 || name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch')
    code = 'ARCHIVE_DENIED';
  else if (status === 404 || name === 'NoSuchBucket') code = 'ARCHIVE_NOT_FOUND';
  else if (status === undefined || status >= 500) code = 'ARCHIVE_UNREACHABLE';
  else code = 'ARCHIVE_STORE_FAILED';
  // radosgw leaves most messages as "UnknownError"; the error name is what says what happened.
  const msg = e.message !== undefined && e.message !== 'UnknownError' && e.message !== name ? `: ${e.message}` : '';
  const detail = `${name}${status !== undefined ? ` (HTTP ${status})` : ''}${msg}${e.code !== undefined && status === undefined ? ` [${e.code}]` : ''}`;
  const hint = name === 'NoSuchBucket' ? ' (run `auditpack archive init`)' : '';
  return new AuditpackError(code, scrubSecrets(`${what}: ${detail}${hint}`, secrets), {
    details: {
      s3_error: name,
      ...(status !== undefined ? { http_status: status } : {}),
      ...(e.$metadata?.requestId ? { request_id: e.$metadata.requestId } : {}),
    },
  });
}
