import { existsSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { AuditpackError } from '../errors.js';
import { nonEmpty, shownSetting, stringAt, stringList, type FileConfig } from './values.js';

/** The command-line values review settings take (a part of ConfigFlags). */
export interface ReviewFlags {
  actor?: string | undefined;
  reviewKey?: string | undefined;
  reviewSigners?: string | undefined;
}

/** Pack review settings (`auditpack review`; docs/FORMAT.md, "Review records"). */
export interface ReviewSettings {
  /** Who acts (--actor, AUDITPACK_ACTOR; default `<user>@<host>`). */
  readonly actor: string;
  /** Who may approve (AUDITPACK_REVIEW_APPROVERS comma-separated, config `review.approvers`); undefined: anyone but the submitter. */
  readonly approvers: readonly string[] | undefined;
  /**
   * allowed_signers file of the submitters' and approvers' keys (AUDITPACK_REVIEW_SIGNERS, config
   * `review.allowedSigners`, else `configs/review_signers.conf` when it exists: the default snapshot
   * patterns cover it, so the list in force each day is in that day's pack).
   */
  readonly signers: string | undefined;
  /** The approver's private key for the countersignature (--key, AUDITPACK_REVIEW_KEY). */
  readonly key: string | undefined;
  /** Findings at or above this severity need a disposition (REVIEW_BLOCKING_SEVERITY, config `review.blockingSeverity`, default `warning`). */
  readonly blockingSeverity: 'info' | 'warning' | 'critical';
}

/** Where the review signers are when nothing names them (a config file the snapshot records). */
export const DEFAULT_REVIEW_SIGNERS = 'configs/review_signers.conf';

/** Resolves the review settings: flag > environment > config file > default. */
export function resolveReview(
  env: Readonly<Record<string, string | undefined>>,
  file: FileConfig,
  flags: ReviewFlags,
  cwd: string,
): ReviewSettings {
  const path = (raw: string | undefined): string | undefined =>
    raw === undefined ? undefined : isAbsolute(raw) ? raw : resolve(cwd, raw);
  const envApprovers = nonEmpty(env.AUDITPACK_REVIEW_APPROVERS);
  const approvers =
    envApprovers !== undefined
      ? envApprovers
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean)
      : stringList(file, 'review.approvers');
  const severity = nonEmpty(env.REVIEW_BLOCKING_SEVERITY) ?? stringAt(file, 'review.blockingSeverity') ?? 'warning';
  if (severity !== 'info' && severity !== 'warning' && severity !== 'critical')
    throw new AuditpackError(
      'CONFIG_INVALID',
      `REVIEW_BLOCKING_SEVERITY must be info, warning or critical, got ${shownSetting(severity, ['info', 'warning', 'critical'])}`,
    );
  return Object.freeze({
    actor: flags.actor ?? nonEmpty(env.AUDITPACK_ACTOR) ?? defaultActor(),
    approvers: approvers === undefined ? undefined : Object.freeze(approvers),
    signers: path(
      flags.reviewSigners ??
        nonEmpty(env.AUDITPACK_REVIEW_SIGNERS) ??
        stringAt(file, 'review.allowedSigners') ??
        (existsSync(resolve(cwd, DEFAULT_REVIEW_SIGNERS)) ? DEFAULT_REVIEW_SIGNERS : undefined),
    ),
    key: path(flags.reviewKey ?? nonEmpty(env.AUDITPACK_REVIEW_KEY)),
    blockingSeverity: severity,
  });
}

/** `<user>@<host>`, with characters an identity cannot hold replaced by `_`. */
function defaultActor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container's arbitrary uid)
  }
  return `${user}@${hostname()}`.replace(/[^A-Za-z0-9._@+-]/g, '_').slice(0, 128);
}
