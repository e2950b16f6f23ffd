/**
 * What the archive commands and `export --push` share: the archive settings from the config, and
 * how push outcomes are shown. Below the command files, so neither imports the other.
 */
import type { ArchiveOptions, PushOutcome } from '../archive/index.js';
import type { ArchiveSettings, AuditpackConfig } from '../config.js';
import { AuditpackError, quotePath } from '../errors.js';
import { logDirOf } from './options.js';
import type { CliIO } from './io.js';
import { mark } from './render.js';

export interface CommonOptions {
  artifactsDir?: string;
  logDir?: string;
  logsDir?: string;
  json?: boolean;
  retentionYears?: number;
}

/** Resolves the config and the archive settings (ARCHIVE_NOT_CONFIGURED without `archive.bucket`). */
export async function archiveSetup(
  io: CliIO,
  opts: CommonOptions,
): Promise<{ config: AuditpackConfig; settings: ArchiveSettings; options: ArchiveOptions }> {
  const { resolveConfig } = await import('../config.js');
  const config = resolveConfig({
    cwd: io.cwd,
    env: io.env,
    flags: { exportBaseDir: opts.artifactsDir, logDir: logDirOf(opts), archiveRetentionYears: opts.retentionYears },
  });
  const settings = config.archive;
  if (settings === undefined) {
    throw new AuditpackError(
      'ARCHIVE_NOT_CONFIGURED',
      'no archive bucket configured: set "archive": {"bucket": "…"} in auditpack.config.json (and AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY as needed)',
    );
  }
  // The pinned SDK warns on every run that its later releases need Node 22; the pin is deliberate
  // (docs/decisions.md) and cron output must stay one line. Only when the user has not chosen.
  if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined)
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const reviewSigners =
    config.review.signers === undefined ? undefined : await loadReviewSigners(config.review.signers);
  return {
    config,
    settings,
    options: { settings, artifactsDir: config.exportBaseDir, eventLogDir: config.logDir, reviewSigners },
  };
}

/** The review signers file (allowed_signers), for checking archived review records. */
async function loadReviewSigners(path: string) {
  const { readFile } = await import('node:fs/promises');
  const { parseAllowedSigners } = await import('../signing/index.js');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AuditpackError(
      'KEY_INVALID',
      `the review signers file ${quotePath(path)} cannot be read: ${(err as Error).message}`,
    );
  }
  return parseAllowedSigners(text);
}

/** One line per pushed pack, for people. */
export function renderPush(io: CliIO, outcomes: readonly PushOutcome[]): void {
  for (const p of outcomes) {
    const what =
      p.status === 'pushed'
        ? 'archived'
        : p.status === 'adopted'
          ? 'already in the bucket (recorded now)'
          : 'already archived';
    const ext = p.extendedFrom !== null ? `, retention extended from ${p.extendedFrom}` : '';
    io.stdout.write(
      `${mark(io, 'ok')} ${p.date} ${what}: ${p.key} version ${p.versionId}, COMPLIANCE until ${p.retainUntil}${ext}; sha256 ${p.sha256}\n`,
    );
  }
}

/** The JSON form of push outcomes. */
export function pushJson(outcomes: readonly PushOutcome[]): unknown[] {
  return outcomes.map((p) => ({
    date: p.date,
    status: p.status,
    key: p.key,
    version_id: p.versionId,
    manifest_sha256: p.manifestSha256,
    sha256: p.sha256,
    size: p.size,
    retain_until: p.retainUntil,
    extended_from: p.extendedFrom,
  }));
}
