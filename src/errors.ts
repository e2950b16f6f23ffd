/**
 * The one error type auditpack throws, its stable codes, and the exit-code table.
 *
 * Every code is public API: added, never renamed or removed (docs/errors.md lists them).
 * Expected failures of a check (a tampered line, a missing file in a pack) are not errors:
 * they are findings in a verification report. Errors are for when an operation cannot run.
 */

/** Stable error codes. Documented in docs/errors.md. */
export type AuditpackErrorCode =
  /** Bad command line or bad arguments to a library function. */
  | 'USAGE'
  /** The config file or an environment variable holds an invalid value. */
  | 'CONFIG_INVALID'
  /** A path the operation needs does not exist. */
  | 'PATH_NOT_FOUND'
  /** The logs directory does not exist. */
  | 'LOGS_DIR_MISSING'
  /** Reading a file failed (other than not existing). */
  | 'READ_FAILED'
  /** Writing a file failed (disk full, permissions, I/O error). */
  | 'WRITE_FAILED'
  /** Permission denied. */
  | 'PERMISSION_DENIED'
  /** The audit logger could not append its buffered events; they are kept and retried. */
  | 'LOG_WRITE_FAILED'
  /** Durable mode: the event was written but fdatasync failed; it may not survive a crash. Not to be logged again. */
  | 'LOG_SYNC_FAILED'
  /** The audit logger's in-memory buffer is full because writes keep failing; new events are refused. */
  | 'LOG_BUFFER_FULL'
  /** The audit logger was used after close(). */
  | 'LOG_CLOSED'
  /** The cross-process lock on the logs directory could not be taken. */
  | 'LOCK_FAILED'
  /** A CLI command waited AUDITPACK_LOCK_TIMEOUT (default 30 s) for the log lock, held by another process all that time; its event was not written. */
  | 'LOG_LOCK_TIMEOUT'
  /** The log's seq reached 2^53-1, the largest the format allows: nothing more can be appended. */
  | 'LOG_SEQ_EXHAUSTED'
  /** An export pack for that date already exists (use --force for a new version). */
  | 'PACK_EXISTS'
  /** No config files matched the snapshot patterns. */
  | 'SNAPSHOT_NO_FILES'
  /** A config file could not be read while taking a snapshot; nothing was written. */
  | 'SNAPSHOT_READ_FAILED'
  /** No snapshot with that id, or no such file in it. */
  | 'SNAPSHOT_NOT_FOUND'
  /** A snapshot record or stored object is malformed or does not match its hash (edited after it was written). */
  | 'SNAPSHOT_CORRUPT'
  /** A git command failed (wrapped simple-git error). */
  | 'GIT_FAILED'
  /** A signing key or public key is missing, unreadable or malformed. */
  | 'KEY_INVALID'
  /** Refusing to overwrite an existing key file. */
  | 'KEY_EXISTS'
  /** export: the day asked for has not ended (today without `partial`, or a future day); nothing was written. */
  | 'DATE_NOT_ENDED'
  /** export: the day file lost lines after its last write (the log lock's cached head is gone); nothing was written. */
  | 'LOG_HEAD_LOST'
  /** export: the day's log file was removed by log retention (a LogPruned event records it); nothing was written. */
  | 'LOG_DAY_PRUNED'
  /** Pruning refused because the newest pack or log is dated after "now" (a wrong clock). */
  | 'CLOCK_SKEW'
  /** Verification ran and found problems (the report says which). */
  | 'VERIFY_FAILED'
  /** A time-stamping authority did not answer in time, refused, or answered with a token that does not check. */
  | 'TSA_FAILED'
  /** An archive command ran without `archive.bucket` in the config file. */
  | 'ARCHIVE_NOT_CONFIGURED'
  /** The object store could not be reached (network, DNS, timeout, 5xx), or the S3 client could not be loaded. */
  | 'ARCHIVE_UNREACHABLE'
  /** The object store refused the request (403: wrong keys, no permission, or refused by Object Lock). */
  | 'ARCHIVE_DENIED'
  /** The bucket, the archived pack or the version does not exist. */
  | 'ARCHIVE_NOT_FOUND'
  /** The bucket exists without Object Lock, which can only be enabled when a bucket is created. */
  | 'ARCHIVE_NO_OBJECT_LOCK'
  /** The store answered, but not as it must: the read-back after a push disagrees, no version id, no COMPLIANCE lock. */
  | 'ARCHIVE_STORE_FAILED'
  /** The local pack does not verify, so it is not archived. */
  | 'ARCHIVE_PACK_INVALID'
  /** The pack's retention period (its day + the retention years) has already ended. */
  | 'ARCHIVE_RETENTION_PAST'
  /** The previous day's roll-up cannot be read, so the roll-up chain cannot continue. */
  | 'ROLLUP_CHAIN_BROKEN'
  /** A roll-up, or the host packs a proof needs, is missing or does not match (`auditpack prove`). */
  | 'ROLLUP_NOT_FOUND'
  /** A proof file is not JSON of the proof format, so it cannot be checked at all. */
  | 'PROOF_MALFORMED'
  /** A roll-up's hosts.json or tree does not match its rollup.json (edited), or it is of an older format. */
  | 'ROLLUP_INVALID'
  /** `prove` for a host whose pack failed verification in the roll-up: no proof vouches for it. */
  | 'PROOF_HOST_FAILED'
  /** `rollup` of a day before the newest roll-up: the later roll-ups' chain links would go stale. */
  | 'ROLLUP_OUT_OF_ORDER'
  /** `rollup --from HOST=DIR` names a pack no line of which is of HOST (another host's day; swapped names). */
  | 'ROLLUP_HOST_CONTRADICTED'
  /** A bug in auditpack. */
  | 'INTERNAL'
  /** The native lock addon (fs-native-extensions) cannot be loaded: not installed, no binary for this platform, or rejected by the loader. */
  | 'ADDON_UNAVAILABLE'
  /** review: a transition the state machine does not have (e.g. approving a DRAFT); nothing was written. */
  | 'REVIEW_TRANSITION_INVALID'
  /** review: a hard rule blocks the submission or approval (the pack does not verify, findings without disposition). */
  | 'REVIEW_BLOCKED'
  /** review: the actor may not do this (approving their own submission, not an approver, a key not theirs). */
  | 'REVIEW_NOT_PERMITTED'
  /** review: the pack's review record does not read as the workflow writes it (edited); nothing is appended to it. */
  | 'REVIEW_RECORD_CORRUPT'
  /** review: dispositions given or imported that do not fit the pack (unknown finding, another pack's CSV, bad values). */
  | 'REVIEW_DISPOSITION_INVALID'
  /** A worker thread died or could not start, and the work it held could not be done on the calling thread instead. */
  | 'WORKER_FAILED'
  /** export: the compliance state to carry is over the 256 MiB its readers take with its open orders already dropped to fit (the horizons' state is; shorten them); no pack is written. */
  | 'COMPLIANCE_STATE_TOO_LARGE';

/** Process exit codes used by the CLI. Documented in docs/errors.md and the README. */
export const ExitCode = Object.freeze({
  OK: 0,
  /** verify found problems. */
  PROBLEMS: 1,
  /** Usage error: unknown command or option, missing argument. */
  USAGE: 2,
  /** Completed, with warnings (e.g. malformed log lines carried into a pack). */
  WARNINGS: 3,
  /** Completed, but without the time-stamp token a TSA was asked for (add it later: `auditpack anchor --pack`). */
  UNANCHORED: 4,
  /** `export --push`: the pack was exported, the archive push failed (its error code is on stderr). */
  PUSH_FAILED: 5,
  /** sysexits EX_DATAERR: input data was malformed beyond use. */
  DATA: 65,
  /** sysexits EX_NOINPUT: a path, snapshot or logs directory does not exist. */
  NO_INPUT: 66,
  /** sysexits EX_UNAVAILABLE: the native lock addon cannot be loaded (reinstall for this Node.js), or the object store could not be reached. */
  UNAVAILABLE: 69,
  /** sysexits EX_SOFTWARE: a bug; the stack is printed. */
  INTERNAL: 70,
  /** sysexits EX_CANTCREAT: refusing to overwrite (pack or key exists). */
  CANT_CREATE: 73,
  /** sysexits EX_IOERR: reading or writing failed. */
  IO: 74,
  /** sysexits EX_TEMPFAIL: refused for safety now; may succeed later (clock skew). */
  TEMP_FAIL: 75,
  /** sysexits EX_PROTOCOL: the object store answered, but not as it must. */
  PROTOCOL: 76,
  /** sysexits EX_NOPERM: permission denied. */
  NO_PERM: 77,
  /** sysexits EX_CONFIG: configuration or key is invalid. */
  CONFIG: 78,
});

const EXIT_BY_CODE: Readonly<Record<AuditpackErrorCode, number>> = Object.freeze({
  USAGE: ExitCode.USAGE,
  CONFIG_INVALID: ExitCode.CONFIG,
  PATH_NOT_FOUND: ExitCode.NO_INPUT,
  LOGS_DIR_MISSING: ExitCode.NO_INPUT,
  READ_FAILED: ExitCode.IO,
  WRITE_FAILED: ExitCode.IO,
  PERMISSION_DENIED: ExitCode.NO_PERM,
  LOG_WRITE_FAILED: ExitCode.IO,
  LOG_SYNC_FAILED: ExitCode.IO,
  LOG_BUFFER_FULL: ExitCode.IO,
  LOG_CLOSED: ExitCode.INTERNAL,
  LOCK_FAILED: ExitCode.IO,
  LOG_LOCK_TIMEOUT: ExitCode.TEMP_FAIL,
  LOG_SEQ_EXHAUSTED: ExitCode.IO,
  PACK_EXISTS: ExitCode.CANT_CREATE,
  SNAPSHOT_NO_FILES: ExitCode.NO_INPUT,
  SNAPSHOT_READ_FAILED: ExitCode.IO,
  SNAPSHOT_NOT_FOUND: ExitCode.NO_INPUT,
  SNAPSHOT_CORRUPT: ExitCode.DATA,
  GIT_FAILED: ExitCode.IO,
  KEY_INVALID: ExitCode.CONFIG,
  KEY_EXISTS: ExitCode.CANT_CREATE,
  CLOCK_SKEW: ExitCode.TEMP_FAIL,
  DATE_NOT_ENDED: ExitCode.USAGE,
  LOG_HEAD_LOST: ExitCode.DATA,
  LOG_DAY_PRUNED: ExitCode.TEMP_FAIL,
  VERIFY_FAILED: ExitCode.PROBLEMS,
  TSA_FAILED: ExitCode.TEMP_FAIL,
  ARCHIVE_NOT_CONFIGURED: ExitCode.CONFIG,
  ARCHIVE_UNREACHABLE: ExitCode.UNAVAILABLE,
  ARCHIVE_DENIED: ExitCode.NO_PERM,
  ARCHIVE_NOT_FOUND: ExitCode.NO_INPUT,
  ARCHIVE_NO_OBJECT_LOCK: ExitCode.CONFIG,
  ARCHIVE_STORE_FAILED: ExitCode.PROTOCOL,
  ARCHIVE_PACK_INVALID: ExitCode.DATA,
  ARCHIVE_RETENTION_PAST: ExitCode.DATA,
  ROLLUP_CHAIN_BROKEN: ExitCode.DATA,
  ROLLUP_NOT_FOUND: ExitCode.NO_INPUT,
  PROOF_MALFORMED: ExitCode.DATA,
  ROLLUP_INVALID: ExitCode.DATA,
  PROOF_HOST_FAILED: ExitCode.DATA,
  ROLLUP_OUT_OF_ORDER: ExitCode.CANT_CREATE,
  ROLLUP_HOST_CONTRADICTED: ExitCode.USAGE,
  INTERNAL: ExitCode.INTERNAL,
  ADDON_UNAVAILABLE: ExitCode.UNAVAILABLE,
  REVIEW_TRANSITION_INVALID: ExitCode.USAGE,
  REVIEW_BLOCKED: ExitCode.PROBLEMS,
  REVIEW_NOT_PERMITTED: ExitCode.NO_PERM,
  REVIEW_RECORD_CORRUPT: ExitCode.DATA,
  REVIEW_DISPOSITION_INVALID: ExitCode.DATA,
  WORKER_FAILED: ExitCode.INTERNAL,
  COMPLIANCE_STATE_TOO_LARGE: ExitCode.DATA,
});

/** The exit code the CLI uses for an error code. */
export function exitCodeFor(code: AuditpackErrorCode): number {
  return EXIT_BY_CODE[code] ?? ExitCode.INTERNAL;
}

/** Every error auditpack throws on purpose. `code` is stable; `message` is for people. */
export class AuditpackError extends Error {
  override readonly name = 'AuditpackError';
  readonly code: AuditpackErrorCode;
  /** Extra machine-readable facts (a path, a date); never secrets. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: AuditpackErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details === undefined ? undefined : Object.freeze({ ...options.details });
  }

  /** The CLI exit code for this error. */
  get exitCode(): number {
    return exitCodeFor(this.code);
  }
}

/** True when `err` is an AuditpackError (optionally with the given code). */
export function isAuditpackError(err: unknown, code?: AuditpackErrorCode): err is AuditpackError {
  return err instanceof AuditpackError && (code === undefined || err.code === code);
}

/**
 * Whether `err` is an error of the system (a failed open, read or write: Node's errors carry the
 * `syscall` and the `code`, ENOENT, EIO…), not one of auditpack's own code. Where a read runs
 * auditpack's code on what it reads, only these are READ_FAILED: a bug (a TypeError) stays
 * INTERNAL, so that it is never misread as a disk error.
 */
export function isSystemError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | null | undefined;
  return err instanceof Error && typeof e?.code === 'string' && typeof e.syscall === 'string';
}

/**
 * A path as an error message shows it: in JSON quotes, and never followed by a colon (write
 * `${quotePath(p)} failed: why`, `${quotePath(p)} cannot be read: why`). The CLI redacts what it
 * prints and reads `<name>: <word>` (and `"<name>": <word>`) as a key and its value, so a path ending
 * in a secret's name (a key file `pw`, a directory `token`) cost the message its next word. Quoted,
 * a path with spaces or control characters is also shown as it is.
 */
export function quotePath(path: string): string {
  return JSON.stringify(path);
}

/**
 * Wraps a Node fs error (ENOENT, EACCES, ENOSPC…) as an AuditpackError with a fitting code,
 * keeping the original as `cause`. `action` says what was being done, for the message.
 */
export function wrapFsError(err: unknown, action: string, path: string): AuditpackError {
  if (err instanceof AuditpackError) return err;
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = err instanceof Error ? err.message : String(err);
  let code: AuditpackErrorCode = action.startsWith('read') ? 'READ_FAILED' : 'WRITE_FAILED';
  if (errno === 'ENOENT') code = 'PATH_NOT_FOUND';
  else if (errno === 'EACCES' || errno === 'EPERM') code = 'PERMISSION_DENIED';
  return new AuditpackError(code, `${action} ${quotePath(path)} failed: ${reason}`, {
    cause: err,
    details: { path, errno },
  });
}
