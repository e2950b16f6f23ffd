/**
 * verifyPath: decides what a path is — a log file, the logs directory, a pack (directory or
 * .tar.gz), the artifacts directory, or a roll-up — and verifies it accordingly.
 */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { wrapFsError } from '../errors.js';
import { ARTIFACTS_LOCK_FILE, LOG_LOCK_FILE, PLACEHOLDER_FILES } from '../format/dir-names.js';
import { dayOfLogFileName } from '../rotation/index.js';
import { verifyArchive, type VerifyArchiveOptions } from './archive.js';
import { verifyLog, verifyLogDir } from './log.js';
import { PACK_PATH, PACK_TAR_LIKE, parseArchiveName, parsePackName, PRUNED_LEDGER } from '../format/pack.js';
import { ROLLUP_LOCK, ROLLUP_RECORD } from '../format/rollup.js';
import { verifyRollup } from './rollup.js';
import { verifyRollupDir } from './rollup-dir.js';
import { verifyPack } from './pack.js';
import type { PackReport } from './pack-report.js';
import { lostNoteOnChain } from './archive-policy.js';
import { withRollupStandaloneNote, withStandaloneNotes } from './pack-standalone.js';
import { Findings, makeReport, type Problem, type VerifyReport } from './report.js';
import { withPackReview } from './reviews.js';

/** What a path was taken to be. */
export type PathKind =
  | 'log'
  | 'log-dir'
  | 'pack'
  | 'pack-tar'
  | 'archive'
  | 'rollup'
  | 'rollup-dir'
  | 'empty'
  | 'unknown';

const DAY_LIKE = /^\d{4}-\d{2}-\d{2}(?:\.v\d+)?$/;

/** A day directory holding a pack: its manifest.json, or a bag (bagit.txt) that is not a roll-up. */
function holdsPack(dir: string): boolean {
  if (existsSync(join(dir, PACK_PATH.manifestJson))) return true;
  return existsSync(join(dir, PACK_PATH.bagit)) && !existsSync(join(dir, ROLLUP_RECORD));
}

/**
 * A roll-ups directory (`rollup --out`): nothing in it looks like a pack or an artifacts directory
 * (no `YYYY-MM-DD[.vN].tar.gz`, no pruned.jsonl, no export lock, no day directory holding a pack),
 * and it holds `rollup`'s lock or a day directory holding a roll-up (rollup.json). A directory
 * holding both kinds is verified as an artifacts directory, which names the roll-ups in it as
 * unexpected: a pack can never hide behind a roll-up. Looks at every day directory.
 */
function isRollupsDir(path: string, names: readonly string[]): boolean {
  if (names.includes(PRUNED_LEDGER) || names.includes(ARTIFACTS_LOCK_FILE)) return false;
  if (names.some((n) => PACK_TAR_LIKE.test(n))) return false;
  const days = names.filter((n) => DAY_LIKE.test(n));
  if (days.some((n) => holdsPack(join(path, n)))) return false;
  return names.includes(ROLLUP_LOCK) || days.some((n) => existsSync(join(path, n, ROLLUP_RECORD)));
}

/**
 * What only an artifacts directory holds: a pack (`YYYY-MM-DD[.vN]`, `.tar.gz`), `pruned.jsonl`, or
 * the lock export and prune take on it.
 */
function holdsArtifacts(names: readonly string[]): boolean {
  return (
    names.includes(PRUNED_LEDGER) ||
    names.includes(ARTIFACTS_LOCK_FILE) ||
    names.some((n) => parsePackName(n) !== undefined || parseArchiveName(n) !== undefined)
  );
}

/** Classifies a path by looking at it (never by trusting its name alone for directories). */
export async function detectPathKind(path: string): Promise<PathKind> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
  const name = basename(path);
  if (st.isFile()) {
    if (/\.(tar\.gz|tgz)$/.test(name)) return 'pack-tar';
    return 'log';
  }
  if (!st.isDirectory()) return 'unknown';
  let names: string[];
  try {
    names = await readdir(path);
  } catch (err) {
    throw wrapFsError(err, 'read directory', path);
  }
  // A roll-up is a bag too; its rollup.json (and no manifest.json) tells it from a pack.
  if (names.includes(ROLLUP_RECORD) && !names.includes(PACK_PATH.manifestJson)) return 'rollup';
  if (names.includes(PACK_PATH.bagit) || names.includes(PACK_PATH.manifestJson) || names.includes(PACK_PATH.manifest))
    return 'pack';
  // A log file's name never outweighs packs or roll-ups: whoever can write an artifacts directory
  // could otherwise plant one and have its packs go unchecked, a logs directory's check ignoring
  // them (at58 F1). A directory holding both is checked as what it holds besides the logs.
  const rollups = isRollupsDir(path, names);
  if (!rollups && !holdsArtifacts(names) && names.some((n) => dayOfLogFileName(n) !== undefined)) return 'log-dir';
  if (rollups) return 'rollup-dir';
  if (holdsArtifacts(names)) return 'archive';
  if (names.includes(LOG_LOCK_FILE)) return 'log-dir';
  if (parsePackName(name) !== undefined) return 'pack';
  const visible = names.filter((n) => !PLACEHOLDER_FILES.includes(n));
  return visible.length === 0 ? 'empty' : 'unknown';
}

/**
 * Verifies whatever `path` is. A directory that is none of the known kinds, or empty, gives a
 * report with a finding (UNRECOGNISED_PATH, EMPTY_DIRECTORY). Throws PATH_NOT_FOUND when the path
 * does not exist.
 */
export async function verifyPath(path: string, options: VerifyArchiveOptions = {}): Promise<VerifyReport> {
  return withTsaCaNote(await verifyKind(path, options), options);
}

/**
 * Trust anchors found, not given: a token that chains to them proves only as much as the file
 * they came from, which whoever rewrites the log or the packs may also have pointed at a CA of
 * their own (whose TSA then dates tokens in the past). Said once, when a token was checked.
 */
function withTsaCaNote(report: VerifyReport, options: VerifyArchiveOptions): VerifyReport {
  const from = options.timestamps?.tsaCaUnpinned;
  if (from === undefined || options.timestamps?.tsaCa === undefined) return report;
  if ((report.checked.timestamped ?? 0) + (report.checked.anchors ?? 0) === 0) return report;
  const note: Problem = {
    code: 'TSA_CA_UNPINNED',
    severity: 'warning',
    file: '.',
    detail: `the trusted TSA certificates were read from ${from}, found in the configuration (tsa.ca) rather than named by whoever runs verify: anyone who can write the configuration can point it at a CA of their own, whose TSA dates tokens in the past; give --tsa-ca (or AUDITPACK_TSA_CA) naming a copy you trust`,
  };
  return { ...report, problems: [...report.problems, note] };
}

/** A "record lost" note the live chain contradicts (at45 F1), a pack directory's or a `.tar.gz`'s: only with --log-dir. */
async function withLostNote(full: PackReport, options: VerifyArchiveOptions): Promise<PackReport> {
  const lost = options.logDir === undefined ? undefined : await lostNoteOnChain(full, options.logDir);
  return lost === undefined ? full : { ...full, ok: false, problems: [...full.problems, lost] };
}

async function verifyKind(path: string, options: VerifyArchiveOptions): Promise<VerifyReport> {
  const kind = await detectPathKind(path);
  switch (kind) {
    case 'log':
      return verifyLog(path, {
        full: options.full === true,
        ...(options.timestamps ? { timestamps: options.timestamps } : {}),
      });
    case 'log-dir':
      return verifyLogDir(path, {
        full: options.full === true,
        ...(options.timestamps ? { timestamps: options.timestamps } : {}),
      });
    // A pack named alone: nothing outside it pins it, so say what that leaves unproven.
    case 'pack': {
      const held = await withLostNote(await verifyPack(path, { ...options, keepProvenance: true }), options);
      return withPackReview(path, await withStandaloneNotes(held, await realpath(path), options), {
        signers: options.reviewSigners,
        logDir: options.logDir,
        unpinned: options.reviewSignersUnpinned,
      });
    }
    case 'pack-tar': {
      // The notes' files come from the check's own pass over the stream (no second read of the archive).
      const held = await withLostNote(await verifyPack(path, { ...options, keepProvenance: true }), options);
      return withPackReview(path, await withStandaloneNotes(held, undefined, options), {
        signers: options.reviewSigners,
        logDir: options.logDir,
        unpinned: options.reviewSignersUnpinned,
      });
    }
    case 'archive':
      return verifyArchive(path, options);
    // A roll-up named alone: the same warning as a pack's when no trusted key pins it.
    case 'rollup':
      return withRollupStandaloneNote(await verifyRollup(path, options), options);
    // Every day, then the days side by side (one trusted-key note for the whole directory).
    case 'rollup-dir':
      return verifyRollupDir(path, options);
    case 'empty': {
      const f = new Findings();
      f.add('EMPTY_DIRECTORY', 'error', '.', 'the directory is empty: there is nothing to verify');
      return makeReport('empty', path, {}, f);
    }
    default: {
      const f = new Findings();
      const st = await lstat(path).catch(() => undefined);
      f.add(
        'UNRECOGNISED_PATH',
        'error',
        '.',
        st?.isDirectory() === true
          ? 'neither a pack, a logs directory (audit-YYYYMMDD.jsonl files) nor an artifacts directory (YYYY-MM-DD packs)'
          : 'not a regular file or directory',
      );
      return makeReport('empty', path, {}, f);
    }
  }
}
