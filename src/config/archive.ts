import { AuditpackError } from '../errors.js';
import { CONFIG_FILE_NAME, checkInt, nonEmpty, parseBool, stringAt, type FileConfig, valueAt } from './values.js';

/** Access keys for the object store. Held behind a function so that printing or serialising a config never shows them. */
export interface ArchiveCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Where and how packs are archived (S3 Object Lock, COMPLIANCE mode). */
export interface ArchiveSettings {
  /** Bucket name (config file `archive.bucket`). */
  readonly bucket: string;
  /** Key prefix, empty or ending in `/` (config file `archive.prefix`, default `auditpack/`). */
  readonly prefix: string;
  /** Each pack is locked until its day's end plus this many years (flag, config file `archive.retentionYears`, default 6). */
  readonly retentionYears: number;
  /** Endpoint URL (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else config file `archive.endpoint`); undefined: AWS. */
  readonly endpoint: string | undefined;
  /** Region (AWS_REGION, else AWS_DEFAULT_REGION, else config file `archive.region`, default us-east-1). */
  readonly region: string;
  /** Path-style URLs (config file `archive.forcePathStyle`; default: on for a non-AWS endpoint). */
  readonly forcePathStyle: boolean;
  /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN; undefined: the SDK's default chain (profiles, instance roles). */
  readonly credentials: (() => ArchiveCredentials) | undefined;
}

/** Default archive retention: SEC 17a-4(a) and FINRA 4511(b) keep most records six years. */
export const DEFAULT_ARCHIVE_RETENTION_YEARS = 6;

export function resolveArchive(
  env: Readonly<Record<string, string | undefined>>,
  file: FileConfig,
  retentionFlag: number | undefined,
): ArchiveSettings | undefined {
  const bucket = stringAt(file, 'archive.bucket');
  if (bucket === undefined) return undefined;
  // S3 bucket naming rules: 3-63 characters, lower-case letters, digits, dots and hyphens.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new AuditpackError(
      'CONFIG_INVALID',
      `${CONFIG_FILE_NAME}: archive.bucket ${JSON.stringify(bucket)} is not a valid bucket name (3-63 characters: a-z 0-9 . -)`,
    );
  }
  const prefixRaw = valueAt(file, 'archive.prefix');
  if (prefixRaw !== undefined && typeof prefixRaw !== 'string')
    throw new AuditpackError('CONFIG_INVALID', `${CONFIG_FILE_NAME}: archive.prefix must be a string`);
  let prefix = prefixRaw ?? 'auditpack/';
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  if (
    prefix.startsWith('/') ||
    !/^[A-Za-z0-9!_.*'()/-]*$/.test(prefix) ||
    prefix.split('/').some((p, i, a) => (p === '' && i < a.length - 1) || p === '.' || p === '..')
  ) {
    throw new AuditpackError(
      'CONFIG_INVALID',
      `${CONFIG_FILE_NAME}: archive.prefix ${JSON.stringify(prefixRaw)} must be a relative key prefix of A-Z a-z 0-9 and !_.*'()/- without empty, . or .. parts`,
    );
  }
  let retentionYears = DEFAULT_ARCHIVE_RETENTION_YEARS;
  const fileYears = valueAt(file, 'archive.retentionYears');
  if (retentionFlag !== undefined) retentionYears = retentionFlag;
  else if (fileYears !== undefined)
    retentionYears = checkInt(Number(fileYears), `${CONFIG_FILE_NAME} archive.retentionYears`, fileYears);
  if (!Number.isInteger(retentionYears) || retentionYears < 1 || retentionYears > 100) {
    throw new AuditpackError(
      'CONFIG_INVALID',
      `archive retention must be 1 to 100 years, got ${JSON.stringify(retentionYears)}`,
    );
  }
  const endpointRaw =
    nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL) ?? stringAt(file, 'archive.endpoint');
  let endpoint: string | undefined;
  let awsHost = true;
  if (endpointRaw !== undefined) {
    let u: URL;
    try {
      u = new URL(endpointRaw);
    } catch {
      throw new AuditpackError(
        'CONFIG_INVALID',
        `the S3 endpoint (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / archive.endpoint) is not a URL`,
      );
    }
    // A URL with user:password@ would put a secret into every message that names the endpoint.
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username !== '' || u.password !== '') {
      throw new AuditpackError(
        'CONFIG_INVALID',
        `the S3 endpoint must be an http(s) URL without user information, got protocol ${u.protocol}`,
      );
    }
    endpoint = u.origin + (u.pathname === '/' ? '' : u.pathname);
    awsHost = u.hostname.endsWith('.amazonaws.com');
  }
  const pathStyleRaw = valueAt(file, 'archive.forcePathStyle');
  const forcePathStyle =
    pathStyleRaw === undefined ? !awsHost : parseBool(pathStyleRaw, `${CONFIG_FILE_NAME} archive.forcePathStyle`);
  const region =
    nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? stringAt(file, 'archive.region') ?? 'us-east-1';
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
  refuseUnsendable('AWS_ACCESS_KEY_ID', accessKeyId);
  refuseUnsendable('AWS_SECRET_ACCESS_KEY', secretAccessKey);
  refuseUnsendable('AWS_SESSION_TOKEN', sessionToken);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new AuditpackError(
      'CONFIG_INVALID',
      `set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (then the AWS SDK's default chain is used)`,
    );
  }
  const creds: ArchiveCredentials | undefined =
    accessKeyId === undefined || secretAccessKey === undefined
      ? undefined
      : Object.freeze({ accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) });
  return Object.freeze({
    bucket,
    prefix,
    retentionYears,
    endpoint,
    region,
    forcePathStyle,
    credentials: creds === undefined ? undefined : () => creds,
  });
}

/**
 * A line break pasted into a key (two lines of a file) cannot go in a request header: the SDK failed and
 * then held the process for its 300 s request timeout, a cron job stalled. Refused by name and length:
 * the value is a secret and is never quoted.
 */
function refuseUnsendable(name: string, value: string | undefined): void {
  if (value !== undefined && /[\s\x00-\x1f\x7f]/.test(value))
    throw new AuditpackError(
      'CONFIG_INVALID',
      `${name} holds a blank, line break or control character (${value.length} characters; copied with a line break?): it cannot be sent with a request`,
    );
}
