/**
 * Planning a prune: which packs, archives and log files are past their window and may go, which
 * stay and why. Reads only; carrying a plan out is carry-out.ts.
 */
import type { KeyObject } from 'node:crypto';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import { TMP_PREFIX } from '../format/dir-names.js';
import { listPackEntries, manifestSha256, type PackEntry } from '../pack/layout.js';
import { archiveFileName, PACK_ARCHIVE_SUFFIX, SIGNATURE_FILE } from '../format/pack.js';
import { isoDate } from '../rotation/index.js';
import { checkEvidenceGap, checkNothingAfterToday, newestDate, todayOf } from './clock.js';
import { checkPackHoldsLog, checkPackIntact, listLogs, listLogsIfAny, type PackChainEnd } from './logs.js';

export interface PlanPruneOptions {
  artifactsDir: string;
  /** Packs dated before today − retentionDays (UTC) are pruned. */
  retentionDays: number;
  /** Also plan log files: the logs dir and its window. */
  logs?: { logDir: string; retentionDays: number };
  /** Now, epoch ms (default Date.now). */
  now?: number;
  /** Dates whose packs stay whatever their age (the export that just ran keeps its own pack). */
  keepDates?: readonly string[];
  /** A logs dir whose newest log takes part in the clock check, without its logs being pruned. */
  clockCheckLogDir?: string;
  /**
   * When packs are archived off the machine: a pack (and its `.tar.gz`) is removed only if this
   * says its archived copy is verified, and the plan records what it relied on.
   */
  archived?: (pack: {
    readonly name: string;
    readonly date: string;
    readonly manifest_sha256: string | null;
  }) => { ok: true; reliedOn: string } | { ok: false; reason: string };
  /**
   * The signing key: a prune signs its pruned.jsonl lines with it, and without it a signed pack is
   * kept (a line nobody can sign would not prove the pack went by retention; docs/FORMAT.md).
   */
  signingKey?: KeyObject;
}

/** A log file that stays, and why. */
export interface KeptLog {
  readonly file: string;
  readonly date: string;
  readonly reason: string;
}

/** What pruning would do. */
export interface PrunePlan {
  readonly today: string;
  /** Packs dated before this date are pruned. */
  readonly packCutoff: string;
  /** Logs dated before this date are pruned (null when logs were not planned). */
  readonly logCutoff: string | null;
  /** Pack directories (current and superseded versions) to remove. */
  readonly packs: readonly {
    readonly name: string;
    readonly date: string;
    readonly manifest_sha256: string | null;
    readonly relied_on?: string;
  }[];
  /** Archives (`.tar.gz`) to remove. */
  readonly archives: readonly string[];
  /** Log files to remove (each checked against its pack). */
  readonly logs: readonly {
    readonly file: string;
    readonly date: string;
    readonly size: number;
    readonly sha256: string;
    /** Where the file's chain ends (its pack's `chain`), recorded in its LogPruned event; null for an empty day. */
    readonly end: PackChainEnd | null;
  }[];
  /** Log files past the window that stay, with the reason. */
  readonly keptLogs: readonly KeptLog[];
  /** Pack-named entries that are not what they claim (symlinks, files) and are left alone. */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  /**
   * The pack directories past the window kept because they do not verify (among `skipped`): each
   * gets a chained PackKept event when the plan is carried out (absent: none).
   */
  readonly unverified?: readonly UnverifiedPack[];
  /** Stale `.tmp-*` build leftovers to remove. */
  readonly staleTemp: readonly string[];
}

/** A pack directory kept because it does not verify: what its PackKept event names. */
export interface UnverifiedPack {
  readonly name: string;
  readonly date: string;
  readonly manifest_sha256: string | null;
}

type PlannedPack = PrunePlan['packs'][number];
type Skipped = { name: string; reason: string };

/**
 * Plans pruning. Reads only. Throws CLOCK_SKEW when the newest pack or log is dated after today.
 */
export function planPrune(options: PlanPruneOptions): PrunePlan {
  const today = todayOf(options.now ?? Date.now());
  const todayIso = isoDate(today);
  checkDays(options.retentionDays, 'retention days');
  const entries = listPackEntries(options.artifactsDir);
  const logFiles = options.logs ? listLogs(options.logs.logDir) : [];
  const clockLogs = options.logs
    ? logFiles
    : options.clockCheckLogDir !== undefined
      ? listLogsIfAny(options.clockCheckLogDir)
      : [];

  // A wrong clock must not destroy data.
  const newestPack = newestDate(entries);
  const newestLog = newestDate(clockLogs);
  checkNothingAfterToday(newestPack, newestLog, todayIso);
  checkEvidenceGap(newestPack, newestLog, today, 'refusing to prune', 'Nothing was removed.');

  const packCutoff = isoDate(today - options.retentionDays);
  const { packs, archives, skipped, unverified } = planPacks(entries, packCutoff, options);
  const { logs, keptLogs, logCutoff } = planLogs(entries, logFiles, today, options);
  const staleTemp = listTemp(options.artifactsDir);
  return Object.freeze({
    today: todayIso,
    packCutoff,
    logCutoff,
    packs,
    archives,
    logs,
    keptLogs,
    skipped,
    ...(unverified.length > 0 ? { unverified } : {}),
    staleTemp,
  });
}

/** The packs and archives dated before `packCutoff` that may go, and those that stay with the reason. */
function planPacks(
  entries: readonly PackEntry[],
  packCutoff: string,
  options: PlanPruneOptions,
): { packs: PlannedPack[]; archives: string[]; skipped: Skipped[]; unverified: UnverifiedPack[] } {
  const newestCurrent = newestDate(entries.filter((e) => e.kind === 'pack' && e.version === null && e.type === 'dir'));
  const packs: PlannedPack[] = [];
  const archives: string[] = [];
  const skipped: Skipped[] = [];
  const unverified = new Set<string>();
  const failing: UnverifiedPack[] = [];
  for (const e of entries) {
    if (e.date >= packCutoff) continue;
    const kept = keptReason(e, newestCurrent, options);
    if (kept !== undefined) {
      skipped.push({ name: e.name, reason: kept });
      continue;
    }
    if (e.kind === 'pack' && options.signingKey === undefined && isSigned(join(options.artifactsDir, e.name))) {
      skipped.push({
        name: e.name,
        reason:
          'kept: a signed pack is pruned only with the signing key, which signs its pruned.jsonl line (AUDITPACK_SIGNING_KEY)',
      });
      unverified.add(e.name);
      continue;
    }
    if (e.kind === 'pack') {
      // Evidence that does not verify is what an investigation needs: it is never pruned.
      const intact = checkPackIntact(join(options.artifactsDir, e.name));
      if (!intact.ok) {
        skipped.push({ name: e.name, reason: `kept: ${intact.reason}` });
        unverified.add(e.name);
        failing.push(unverifiedPack(options.artifactsDir, e));
        continue;
      }
      const pack = {
        name: e.name,
        date: e.date,
        manifest_sha256: manifestSha256(join(options.artifactsDir, e.name)) ?? null,
      };
      const a = options.archived?.(pack);
      if (a !== undefined && !a.ok) skipped.push({ name: e.name, reason: `kept: ${a.reason}` });
      else packs.push(a === undefined ? pack : { ...pack, relied_on: a.reliedOn });
    } else if (unverified.has(e.name.slice(0, -PACK_ARCHIVE_SUFFIX.length))) {
      skipped.push({ name: e.name, reason: 'kept: its pack directory does not verify' });
    } else if (options.archived !== undefined && !packs.some((p) => archiveFileName(p.name) === e.name)) {
      // Entries are sorted, so a pack directory comes before its own .tar.gz.
      skipped.push({
        name: e.name,
        reason: 'kept: its pack directory is not removed with an archived copy to rely on',
      });
    } else archives.push(e.name);
  }
  return { packs, archives, skipped, unverified: failing };
}

/** What the PackKept event of a pack directory kept because it does not verify names. */
export function unverifiedPack(artifactsDir: string, e: { name: string; date: string }): UnverifiedPack {
  return { name: e.name, date: e.date, manifest_sha256: manifestSha256(join(artifactsDir, e.name)) ?? null };
}

/** Why an entry past the window stays whatever its contents (undefined: it is a candidate). */
function keptReason(e: PackEntry, newestCurrent: string | undefined, options: PlanPruneOptions): string | undefined {
  if (e.date === newestCurrent) return 'the newest pack is always kept';
  if (options.keepDates?.includes(e.date) === true) return 'just exported';
  return wrongType(e);
}

/** The log files past the log window whose pack holds them byte for byte, and those that stay. */
function planLogs(
  entries: readonly PackEntry[],
  logFiles: readonly { file: string; date: string }[],
  today: number,
  options: PlanPruneOptions,
): { logs: PrunePlan['logs'][number][]; keptLogs: KeptLog[]; logCutoff: string | null } {
  const logs: PrunePlan['logs'][number][] = [];
  const keptLogs: KeptLog[] = [];
  if (!options.logs) return { logs, keptLogs, logCutoff: null };
  checkDays(options.logs.retentionDays, 'log retention days');
  const logCutoff = isoDate(today - options.logs.retentionDays);
  const currentPacks = new Map(
    entries.filter((e) => e.kind === 'pack' && e.version === null && e.type === 'dir').map((e) => [e.date, e.name]),
  );
  for (const l of logFiles) {
    if (l.date >= logCutoff) continue;
    const path = join(options.logs.logDir, l.file);
    const packName = currentPacks.get(l.date);
    if (packName === undefined) {
      keptLogs.push({ file: l.file, date: l.date, reason: 'no pack for this day (export it first)' });
      continue;
    }
    const check = checkPackHoldsLog(join(options.artifactsDir, packName), path);
    if (!check.ok) keptLogs.push({ file: l.file, date: l.date, reason: check.reason });
    else logs.push({ file: l.file, date: l.date, size: check.size, sha256: check.sha256, end: check.end });
  }
  return { logs, keptLogs, logCutoff };
}

/** Every `.tmp-` entry: carrying out waits for the artifacts lock, so by then none is a live build. */
function listTemp(artifactsDir: string): string[] {
  const staleTemp: string[] = [];
  try {
    for (const name of readdirSync(artifactsDir)) {
      if (name.startsWith(TMP_PREFIX)) staleTemp.push(name);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw wrapFsError(err, 'read directory', artifactsDir);
  }
  return staleTemp;
}

function wrongType(e: PackEntry): string | undefined {
  if (e.type === 'symlink') return 'a symlink (never followed or removed)';
  if (e.kind === 'pack' && e.type !== 'dir') return 'not a directory';
  if (e.kind === 'archive' && e.type !== 'file') return 'not a regular file';
  return undefined;
}

function checkDays(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0)
    throw new AuditpackError('USAGE', `${what} must be a whole number ≥ 0, got ${String(n)}`);
}

/** Whether a pack directory holds a signature (its signature file, not followed through a link). */
function isSigned(dir: string): boolean {
  try {
    return lstatSync(join(dir, SIGNATURE_FILE)).isFile();
  } catch {
    return false;
  }
}
