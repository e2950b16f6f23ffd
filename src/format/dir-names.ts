/**
 * Names in the logs and artifacts directories that are not records (docs/FORMAT.md "Files",
 * "Versions, crashes and retention"): the cross-process locks, the prefix of work in progress, and
 * placeholder files. Writers create them and checkers pass over them by these names, so the two
 * cannot drift apart: a checker that no longer recognised a lock would report it as a stray file,
 * and one that took a `.tmp-` leftover for a pack would verify half a pack.
 */

/** The log's cross-process lock and chain-position cache, in the logs directory (never a record). */
export const LOG_LOCK_FILE = '.audit.lock';

/** The lock export and prune hold on the artifacts directory while they change it. */
export const ARTIFACTS_LOCK_FILE = '.export.lock';

/**
 * The prefix of everything under construction or being removed in the artifacts directory (a pack
 * being built, a pack renamed away before deletion, a `.tar.gz` being written): never a pack, and
 * removed by the next export or prune. The snapshot store names its half-written files the same way.
 */
export const TMP_PREFIX = '.tmp-';

/**
 * The local archive ledger `archive push` keeps in the artifacts directory (src/archive/ledger.ts):
 * a record of what was uploaded, read by the archive commands, not by verify (the bucket is checked
 * against itself by `archive verify`). Verify names it only when it is not a regular file.
 */
export const ARCHIVE_LEDGER_FILE = 'archive-ledger.jsonl';

/** The prefix of a `.tar.gz` being downloaded by `archive pull` before it is renamed into place. */
export const PULL_TMP_PREFIX = `${TMP_PREFIX}pull-`;

/** Placeholder files (kept so an empty directory survives in git): neither records nor findings. */
export const PLACEHOLDER_FILES: readonly string[] = Object.freeze(['.keep', '.gitkeep']);
