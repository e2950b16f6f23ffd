/**
 * Public types of config snapshots. The record's JSON shape is specified in
 * docs/FORMAT.md, "Config snapshots": fields are added, never renamed or removed.
 */
import type { RedactionOptions } from '../redaction/index.js';

/** Version of the snapshot record format, written as `format`. */
export const SNAPSHOT_FORMAT = 'auditpack.config-snapshot/1';

/** One config file as it was at the snapshot. */
export interface SnapshotFileEntry {
  /** Lowercase hex SHA-256 of the file's bytes on disk (before any redaction). */
  readonly hash: string;
  /** Size in bytes on disk. */
  readonly size: number;
  /** Modification time, ISO 8601 UTC with microseconds. */
  readonly mtime: string;
  /** True when the content is in the store (false for files over the size limit, and withheld ones). */
  readonly stored: boolean;
  /** SHA-256 of the stored bytes: the object's name in the store. Equals `hash` unless redacted. */
  readonly object?: string;
  /** Present (true) when the file is binary: stored as is, never redacted, diffs say "binary". */
  readonly binary?: true;
  /** Present (true) when the file was larger than the limit: hashed, not stored. */
  readonly too_large?: true;
  /** Present (true) when secrets were replaced in the stored copy. */
  readonly redacted?: true;
  /**
   * Present (true) when the file is binary and holds a secret (or is a key store by its name):
   * hashed, not stored, since binary content cannot be redacted in place.
   */
  readonly withheld?: true;
}

/** Git facts of the work tree holding `cwd`. */
export interface SnapshotGitFacts {
  /** HEAD commit (40 hex), or null on a branch with no commits yet. */
  readonly commit: string | null;
  /** Current branch, or null when HEAD is detached. */
  readonly branch: string | null;
  /** True when tracked files differ from HEAD (staged or not). Untracked files do not count. */
  readonly dirty: boolean;
}

/** Why git facts are missing although the configs live in a git work tree. */
export interface SnapshotGitError {
  /** Always GIT_FAILED. */
  readonly code: 'GIT_FAILED';
  readonly message: string;
}

/** Files that differ between two snapshots (or since the previous one), sorted. */
export interface SnapshotChanges {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

/** The snapshot record: one immutable JSON file per snapshot. */
export interface ConfigSnapshot {
  /** Record format version. */
  readonly format: typeof SNAPSHOT_FORMAT;
  /**
   * `YYYYMMDDTHHMMSS.ffffffZ-NNN`: the UTC time to the microsecond, then a counter that keeps two
   * snapshots taken in the same microsecond apart. Sorting ids as strings sorts them by time.
   */
  readonly snapshot_id: string;
  /** When it was taken: ISO 8601 UTC with microseconds and `Z`. */
  readonly timestamp: string;
  /** Why it was taken (required, non-empty). */
  readonly reason: string;
  /** Who took it: the OS user and the host. */
  readonly actor: { readonly user: string; readonly host: string };
  /** Git facts, or null when the configs are not in a git work tree or git failed. */
  readonly git: SnapshotGitFacts | null;
  /** Present when the configs are in a git work tree but git failed: why there are no git facts. */
  readonly git_error?: SnapshotGitError;
  /** The files, keyed by path relative to the snapshot's working directory, `/`-separated, sorted. */
  readonly files: Readonly<Record<string, SnapshotFileEntry>>;
  /**
   * Unified diffs, keyed by path. A path's text holds up to two diffs, each of whose `---`/`+++`
   * lines name its sides after a TAB: against git HEAD ("git HEAD <commit>" → "working tree")
   * for uncommitted changes, and against the previous snapshot ("snapshot <id>" → "snapshot <id>").
   * Both are computed on redacted content.
   */
  readonly diffs: Readonly<Record<string, string>>;
  /** What changed since the previous snapshot (all files "added" for the first one). */
  readonly changes: SnapshotChanges;
  /** Config files that differ from git HEAD (modified, added or untracked); [] outside git. */
  readonly head_changes: readonly string[];
  /** True when any stored file or diff had secrets replaced. */
  readonly redacted: boolean;
  /** The redaction rules in force: whether on, and a fingerprint of the rules. */
  readonly redaction: { readonly enabled: boolean; readonly rules: string };
  /** The snapshot this one was compared with, or null for the first. */
  readonly previous_snapshot_id: string | null;
}

/** A line of `snapshot list`. */
export interface SnapshotSummary {
  readonly snapshot_id: string;
  readonly timestamp: string;
  readonly reason: string;
  readonly file_count: number;
  /** Paths added, removed or changed since the previous snapshot. */
  readonly changed_count: number;
  readonly git_commit: string | null;
}

/** Options of createConfigSnapshot. Directories are explicit; only the CLI resolves config. */
export interface CreateSnapshotOptions {
  /** Directory the patterns and the recorded paths are relative to. */
  cwd: string;
  /** Why the snapshot is taken; required and non-empty. */
  reason: string;
  /** fast-glob patterns relative to cwd (default: DEFAULT_SNAPSHOT_PATTERNS). `.git` and `node_modules` are always skipped. */
  patterns?: readonly string[];
  /**
   * Whether `patterns` find every config file of the install (its configured set), so a file they
   * no longer find is no longer in force: the event says `full: true`. Default: true when `patterns`
   * is omitted (the default set), else false (some files only, as `snapshot --configs`).
   */
  full?: boolean;
  /** Where snapshots are stored (default `<cwd>/audit/snapshots`). */
  snapshotDir?: string;
  /** When given, a `config` / `ConfigSnapshot` event is appended to the audit log in this directory. */
  logDir?: string;
  /** Take a snapshot even when no file matches (default false: SNAPSHOT_NO_FILES). */
  allowEmpty?: boolean;
  /** Files larger than this are hashed but not stored (default 5 MiB). */
  maxFileBytes?: number;
  /** Redaction settings (default on, the built-in rules); false turns it off. */
  redaction?: boolean | RedactionOptions;
  /** Clock returning epoch microseconds (integer). Default: the wall clock. */
  clock?: () => number;
  /** Who takes the snapshot (default: the OS user name and host name). */
  actor?: { user?: string; host?: string };
  /** Timeout for each git command in milliseconds (default 30 s). */
  gitTimeoutMs?: number;
  /** fsync objects and the record before resolving (default true). */
  durable?: boolean;
  /** Told what the snapshot passed over (a stored record dated in the future); the CLI prints it on stderr. */
  onWarning?: (message: string) => void;
}

/** Options of startupSnapshot: createConfigSnapshot's, with the switch and a default reason. */
export interface StartupSnapshotOptions extends Omit<CreateSnapshotOptions, 'reason'> {
  /** SNAPSHOT_AUTO_STARTUP: false makes startupSnapshot a no-op (default true). */
  autoStartup?: boolean;
  /** Default "startup". */
  reason?: string;
}

/** The comparison of two snapshots (`snapshot diff <a> <b>`). */
export interface SnapshotComparison {
  readonly a: string;
  readonly b: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
  /** Unified diff per added, removed or changed path (on redacted stored content). */
  readonly diffs: Readonly<Record<string, string>>;
}
