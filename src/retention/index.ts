/**
 * Retention: plan, then carry out, the removal of packs past the window and, for
 * `auditpack prune`, of log files past AUDIT_RETENTION_DAYS.
 *
 * Safety rules, each guarding a way to destroy evidence:
 * - Only entries named like packs (`YYYY-MM-DD`, `YYYY-MM-DD.vN`, their `.tar.gz`) directly inside
 *   the artifacts dir are candidates; symlinks are never followed or removed; anything else is left.
 * - Each pruned pack's manifest hash is appended (and fsynced) to `pruned.jsonl` before the pack is
 *   removed, so the day-to-day chain of `previous_pack` hashes stays checkable.
 * - A log file is removed only when its day has a pack that verifies and whose `data/audit.jsonl`
 *   is byte-identical to the log (same size and SHA-256): nothing in the log can be lost.
 * - A wrong clock must not destroy data: when the newest pack or log is dated after today (UTC),
 *   or both are more than MAX_EVIDENCE_GAP_DAYS before it (a clock that jumped forward), pruning is
 *   refused with CLOCK_SKEW and nothing is removed. And the newest current pack is always kept.
 * - Evidence that does not verify is never deleted: a pack or archive due for removal is verified
 *   first (src/verify); one with an error stays, and the result says why.
 * - Removal is atomic from the archive's point of view: under the artifacts lock a pack directory
 *   is first renamed to a `.tmp-` name (which verify ignores), then deleted; a prune killed in
 *   between leaves a leftover the next export or prune removes, never a half-deleted pack.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import { createAuditLogger, loadFileLock } from '../logger/index.js';
import { lockArtifacts, removeLeftovers } from '../pack/artifacts-lock.js';
import { appendDurably } from '../fsx/append.js';
import { fsyncDir, makeWritable } from '../fsx/dirs.js';
import { sha256File } from '../fsx/digest.js';
import { listPackEntries, manifestSha256, PRUNED_LEDGER, TMP_PREFIX, type PackEntry } from '../pack/layout.js';
import { dayOfLogFileName, isoDate } from '../rotation/index.js';
import { verifyPack } from '../verify/index.js';

/**
 * When the newest log and the newest pack are both more than this many days before today, the
 * clock is taken to have jumped forward (CLOCK_SKEW): a live system logs or exports every day. Not
 * the retention window: a jump shorter than the window would still prune packs before their time.
 */
export const MAX_EVIDENCE_GAP_DAYS = 31;

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
  }[];
  /** Log files past the window that stay, with the reason. */
  readonly keptLogs: readonly KeptLog[];
  /** Pack-named entries that are not what they claim (symlinks, files) and are left alone. */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  /** Stale `.tmp-*` build leftovers to remove. */
  readonly staleTemp: readonly string[];
}

function todayOf(nowMs: number): number {
  return Math.floor(nowMs / 86_400_000);
}

/**
 * Plans pruning. Reads only. Throws CLOCK_SKEW when the newest pack or log is dated after today.
 */
export function planPrune(options: PlanPruneOptions): PrunePlan {
  const nowMs = options.now ?? Date.now();
  const today = todayOf(nowMs);
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
  const newestPack = entries.reduce<string | undefined>(
    (m, e) => (m === undefined || e.date > m ? e.date : m),
    undefined,
  );
  const newestLog = clockLogs.reduce<string | undefined>(
    (m, l) => (m === undefined || l.date > m ? l.date : m),
    undefined,
  );
  for (const [what, d] of [
    ['pack', newestPack],
    ['log', newestLog],
  ] as const) {
    if (d !== undefined && d > todayIso) {
      throw new AuditpackError(
        'CLOCK_SKEW',
        `refusing to prune: the newest ${what} is dated ${d}, after today (${todayIso}) by this machine's clock; fix the clock. Nothing was removed.`,
        {
          details: { newest: d, today: todayIso },
        },
      );
    }
  }
  checkEvidenceGap(newestPack, newestLog, today, 'refusing to prune', 'Nothing was removed.');

  const packCutoff = isoDate(today - options.retentionDays);
  const newestCurrent = entries
    .filter((e) => e.kind === 'pack' && e.version === null && e.type === 'dir')
    .reduce<string | undefined>((m, e) => (m === undefined || e.date > m ? e.date : m), undefined);
  const packs: { name: string; date: string; manifest_sha256: string | null; relied_on?: string }[] = [];
  const archives: string[] = [];
  const skipped: { name: string; reason: string }[] = [];
  const unverified = new Set<string>();
  for (const e of entries) {
    if (e.date >= packCutoff) continue;
    if (e.date === newestCurrent) {
      skipped.push({ name: e.name, reason: 'the newest pack is always kept' });
      continue;
    }
    if (options.keepDates?.includes(e.date) === true) {
      skipped.push({ name: e.name, reason: 'just exported' });
      continue;
    }
    const bad = wrongType(e);
    if (bad !== undefined) {
      skipped.push({ name: e.name, reason: bad });
      continue;
    }
    if (e.kind === 'pack') {
      // Evidence that does not verify is what an investigation needs: it is never pruned.
      const intact = checkPackIntact(join(options.artifactsDir, e.name));
      if (!intact.ok) {
        skipped.push({ name: e.name, reason: `kept: ${intact.reason}` });
        unverified.add(e.name);
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
    } else if (unverified.has(e.name.slice(0, -'.tar.gz'.length))) {
      skipped.push({ name: e.name, reason: 'kept: its pack directory does not verify' });
    } else if (options.archived !== undefined && !packs.some((p) => `${p.name}.tar.gz` === e.name)) {
      // Entries are sorted, so a pack directory comes before its own .tar.gz.
      skipped.push({
        name: e.name,
        reason: 'kept: its pack directory is not removed with an archived copy to rely on',
      });
    } else archives.push(e.name);
  }

  const logs: { file: string; date: string; size: number; sha256: string }[] = [];
  const keptLogs: KeptLog[] = [];
  let logCutoff: string | null = null;
  if (options.logs) {
    checkDays(options.logs.retentionDays, 'log retention days');
    logCutoff = isoDate(today - options.logs.retentionDays);
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
      else logs.push({ file: l.file, date: l.date, size: check.size, sha256: check.sha256 });
    }
  }

  // Every `.tmp-` entry: carrying out waits for the artifacts lock, so by then none is a live build.
  const staleTemp: string[] = [];
  try {
    for (const name of readdirSync(options.artifactsDir)) {
      if (name.startsWith(TMP_PREFIX)) staleTemp.push(name);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw wrapFsError(err, 'read directory', options.artifactsDir);
  }

  return Object.freeze({ today: todayIso, packCutoff, logCutoff, packs, archives, logs, keptLogs, skipped, staleTemp });
}

/**
 * CLOCK_SKEW when the newest pack and the newest log (each when there is one) are both more than
 * MAX_EVIDENCE_GAP_DAYS before `today`: the clock jumped forward, or nothing was logged or exported
 * for that long. Writing any log line (`auditpack log system ClockConfirmed`) confirms the clock.
 */
export function checkEvidenceGap(
  newestPack: string | undefined,
  newestLog: string | undefined,
  today: number,
  doing: string,
  after: string,
): void {
  const newest = [newestPack, newestLog]
    .filter((d): d is string => d !== undefined)
    .sort()
    .pop();
  if (newest === undefined) return;
  const newestDay = Math.floor(Date.parse(`${newest}T00:00:00Z`) / 86_400_000);
  const gap = today - newestDay;
  if (gap <= MAX_EVIDENCE_GAP_DAYS) return;
  throw new AuditpackError(
    'CLOCK_SKEW',
    `${doing}: the newest log or pack is dated ${newest}, ${gap} days before today (${isoDate(today)}) by this machine's clock: the clock looks wrong (jumped forward). ${after} If the clock is right and nothing was logged or exported for ${gap} days, confirm it by logging an event (auditpack log system ClockConfirmed) and run again.`,
    { details: { newest, today: isoDate(today), gapDays: gap } },
  );
}

/**
 * The clock check of an export of the default day: CLOCK_SKEW when today is far past the newest log
 * and pack (see checkEvidenceGap), before anything is written.
 */
export function checkExportClock(options: { artifactsDir: string; logDir: string; now?: number }): void {
  const today = todayOf(options.now ?? Date.now());
  const newestPack = listPackEntries(options.artifactsDir).reduce<string | undefined>(
    (m, e) => (m === undefined || e.date > m ? e.date : m),
    undefined,
  );
  const newestLog = listLogsIfAny(options.logDir).reduce<string | undefined>(
    (m, l) => (m === undefined || l.date > m ? l.date : m),
    undefined,
  );
  checkEvidenceGap(newestPack, newestLog, today, 'refusing to export', 'Nothing was written.');
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

function listLogs(logDir: string): { file: string; date: string }[] {
  let names: string[];
  try {
    names = readdirSync(logDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AuditpackError('LOGS_DIR_MISSING', `logs directory ${logDir} does not exist`, {
        details: { path: logDir },
      });
    }
    throw wrapFsError(err, 'read directory', logDir);
  }
  const out: { file: string; date: string }[] = [];
  for (const file of names) {
    const day = dayOfLogFileName(file);
    if (day !== undefined) out.push({ file, date: isoDate(day) });
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}

function listLogsIfAny(logDir: string): { file: string; date: string }[] {
  try {
    return listLogs(logDir);
  } catch {
    return [];
  }
}

/**
 * Whether a pack verifies (every payload file matches manifest-sha256.txt, and manifest.json agrees)
 * and its data/audit.jsonl is byte-identical to `logFile`. A small self-contained check so retention
 * does not depend on the full verifier; see src/verify for the auditor's one.
 */
export function checkPackHoldsLog(
  packDir: string,
  logFile: string,
): { ok: true; size: number; sha256: string } | { ok: false; reason: string } {
  const intact = checkPackIntact(packDir);
  if (!intact.ok) return intact;
  try {
    const log = sha256File(logFile);
    if (log.sha256 !== intact.auditSha256) {
      return {
        ok: false,
        reason:
          'the log differs from the copy in its pack (lines written after the export?); re-export with --force first',
      };
    }
    return { ok: true, size: log.size, sha256: log.sha256 };
  } catch (err) {
    return { ok: false, reason: `cannot read the log: ${(err as Error).message}` };
  }
}

/** Whether a pack's payload matches manifest-sha256.txt and manifest.json (the check above, without the log). */
function checkPackIntact(packDir: string): { ok: true; auditSha256: string } | { ok: false; reason: string } {
  try {
    const manifestText = readFileSync(join(packDir, 'manifest-sha256.txt'), 'utf8');
    const listed = new Map<string, string>();
    for (const line of manifestText.split('\n')) {
      if (line === '') continue;
      const m = /^([0-9a-f]{64}) {2}(data\/[A-Za-z0-9._-]+)$/.exec(line);
      if (!m) return { ok: false, reason: 'pack does not verify: malformed manifest-sha256.txt' };
      listed.set(m[2] as string, m[1] as string);
    }
    if (!listed.has('data/audit.jsonl'))
      return { ok: false, reason: 'pack does not verify: data/audit.jsonl is not in its manifest' };
    const json = JSON.parse(readFileSync(join(packDir, 'manifest.json'), 'utf8')) as {
      files?: Record<string, { sha256?: unknown; size?: unknown }>;
    };
    for (const [path, sha] of listed) {
      const actual = sha256File(join(packDir, path));
      if (actual.sha256 !== sha)
        return { ok: false, reason: `pack does not verify: ${path} does not match its manifest` };
      const entry = json.files?.[path];
      if (entry?.sha256 !== sha || entry.size !== actual.size)
        return { ok: false, reason: `pack does not verify: manifest.json disagrees on ${path}` };
    }
    return { ok: true, auditSha256: listed.get('data/audit.jsonl') as string };
  } catch (err) {
    return { ok: false, reason: `pack does not verify: ${(err as Error).message}` };
  }
}

export interface CarryOutOptions {
  artifactsDir: string;
  /** Where the log files are (required when the plan removes logs). */
  logDir?: string;
  /** Record PackPruned/LogPruned system events in this logs dir (default: logDir; false: none). */
  eventLogDir?: string | false;
  now?: number;
  loggerClock?: () => number;
}

/** What was removed. */
export interface PruneResult {
  readonly packs: readonly {
    readonly name: string;
    readonly date: string;
    readonly manifest_sha256: string | null;
    readonly relied_on?: string;
  }[];
  readonly archives: readonly string[];
  readonly logs: readonly { readonly file: string; readonly date: string; readonly sha256: string }[];
  readonly staleTemp: readonly string[];
}

/**
 * Drops from a plan every pack and archive that does not verify (an error finding): evidence that
 * does not verify is never deleted. They move to `skipped`, with the first errors as the reason.
 */
export async function withoutUnverified(plan: PrunePlan, artifactsDir: string): Promise<PrunePlan> {
  const skipped = [...plan.skipped];
  const bad = new Set<string>();
  for (const name of [...plan.packs.map((p) => p.name), ...plan.archives]) {
    let reason: string | undefined;
    try {
      const report = await verifyPack(join(artifactsDir, name));
      const errors = report.problems.filter((p) => p.severity === 'error');
      if (errors.length > 0)
        reason = errors
          .slice(0, 3)
          .map((p) => `${p.code} ${p.file}`)
          .join(', ');
    } catch (err) {
      reason = (err as Error).message;
    }
    if (reason !== undefined) {
      bad.add(name);
      skipped.push({ name, reason: `does not verify (${reason}): kept as evidence, never pruned; investigate it` });
    }
  }
  if (bad.size === 0) return plan;
  return Object.freeze({
    ...plan,
    packs: plan.packs.filter((p) => !bad.has(p.name)),
    archives: plan.archives.filter((a) => !bad.has(a)),
    skipped,
  });
}

/** Carries out a plan: ledger first (fsynced), then removal, then system events. */
export async function carryOutPrune(
  plan: PrunePlan,
  options: CarryOutOptions & { verified?: boolean },
): Promise<PruneResult> {
  const { artifactsDir } = options;
  if (options.verified !== true) plan = await withoutUnverified(plan, artifactsDir);
  const release = existsSync(artifactsDir) ? await lockArtifacts(artifactsDir) : undefined;
  try {
    return await carryOutLocked(plan, options);
  } finally {
    release?.();
  }
}

async function carryOutLocked(plan: PrunePlan, options: CarryOutOptions): Promise<PruneResult> {
  const { artifactsDir } = options;
  const prunedAt = new Date(options.now ?? Date.now()).toISOString();
  const events: { event: string; fields: Record<string, unknown> }[] = [];
  // Removal is recorded in the log afterwards: an install that cannot log must fail before removing anything.
  if (options.eventLogDir !== false && (options.eventLogDir ?? options.logDir) !== undefined) loadFileLock();
  const removedLogs: { file: string; date: string; sha256: string }[] = [];

  if (plan.logs.length > 0) {
    if (options.logDir === undefined)
      throw new AuditpackError('USAGE', 'carryOutPrune: logDir is required to remove log files');
    for (const l of plan.logs) {
      const path = join(options.logDir, l.file);
      // Re-check right before removing: the log must still be exactly what the pack holds.
      const now = sha256File(path);
      if (now.sha256 !== l.sha256) continue;
      const st = lstatSync(path);
      if (!st.isFile()) continue;
      try {
        rmSync(path);
      } catch (err) {
        throw wrapFsError(err, 'remove', path);
      }
      removedLogs.push({ file: l.file, date: l.date, sha256: l.sha256 });
      events.push({ event: 'LogPruned', fields: { file: l.file, date: l.date, size: l.size, sha256: l.sha256 } });
    }
    fsyncDir(options.logDir);
  }

  const removedPacks: PruneResult['packs'][number][] = [];
  if (plan.packs.length > 0) {
    const ledger = plan.packs
      .map(
        (p) =>
          `${JSON.stringify({ export_date: p.date, manifest_sha256: p.manifest_sha256, path: p.name, pruned_at: prunedAt, ...(p.relied_on !== undefined ? { relied_on: p.relied_on } : {}) })}\n`,
      )
      .join('');
    appendDurably(join(artifactsDir, PRUNED_LEDGER), ledger);
    // The PackPruned events go into the chain (durably) before anything is removed: a prune killed
    // after removing a pack but before logging it would leave a ledger entry no chained event backs.
    await recordEvents(
      options,
      plan.packs.map((p) => ({
        event: 'PackPruned',
        fields: {
          date: p.date,
          path: p.name,
          manifest_sha256: p.manifest_sha256,
          ...(p.relied_on !== undefined ? { relied_on: p.relied_on } : {}),
        },
      })),
    );
    for (const p of plan.packs) {
      const dir = join(artifactsDir, p.name);
      let st;
      try {
        st = lstatSync(dir);
      } catch {
        continue; // already gone
      }
      if (!st.isDirectory()) continue; // replaced by a symlink since planning: never followed
      // Out of the archive's view in one step, then deleted: a kill in between leaves a leftover.
      const doomed = join(artifactsDir, `${TMP_PREFIX}pruned-${p.name}-${process.pid}`);
      try {
        renameSync(dir, doomed);
        fsyncDir(artifactsDir);
        makeWritable(doomed);
        rmSync(doomed, { recursive: true });
      } catch (err) {
        throw wrapFsError(err, 'remove', dir);
      }
      removedPacks.push(p);
    }
  }
  const removedArchives: string[] = [];
  for (const a of plan.archives) {
    const path = join(artifactsDir, a);
    try {
      if (!lstatSync(path).isFile()) continue;
      rmSync(path);
      removedArchives.push(a);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw wrapFsError(err, 'remove', path);
    }
  }
  // Under the lock every `.tmp-` entry is a killed run's (those planned and any since).
  const removedTemp = existsSync(artifactsDir) ? removeLeftovers(artifactsDir, makeWritable) : [];
  if (removedPacks.length + removedArchives.length + removedTemp.length > 0) fsyncDir(artifactsDir);

  await recordEvents(options, events);
  return Object.freeze({ packs: removedPacks, archives: removedArchives, logs: removedLogs, staleTemp: removedTemp });
}

/** Appends system events (durably) to the event log dir of `options`, if any. */
async function recordEvents(
  options: CarryOutOptions,
  events: readonly { event: string; fields: Record<string, unknown> }[],
): Promise<void> {
  const eventDir = options.eventLogDir === undefined ? options.logDir : options.eventLogDir;
  if (eventDir === false || eventDir === undefined || events.length === 0) return;
  const logger = createAuditLogger({
    logDir: eventDir,
    handleExit: false,
    durability: 'durable',
    ...(options.loggerClock ? { clock: options.loggerClock } : {}),
  });
  try {
    await Promise.all(events.map((e) => logger.log('system', e.event, e.fields)));
  } finally {
    await logger.close();
  }
}

/** Options of prune: plan + carry out, or only plan with dryRun. */
export interface PruneOptions extends PlanPruneOptions {
  dryRun?: boolean;
  /** Where to record system events (default: logs.logDir; false: none). */
  eventLogDir?: string | false;
  loggerClock?: () => number;
}

/** Plans and (unless dryRun) carries out pruning. */
export async function prune(options: PruneOptions): Promise<{ plan: PrunePlan; result: PruneResult | null }> {
  const plan = await withoutUnverified(planPrune(options), options.artifactsDir);
  if (options.dryRun === true) return { plan, result: null };
  const result = await carryOutPrune(plan, {
    verified: true,
    artifactsDir: options.artifactsDir,
    ...(options.logs ? { logDir: options.logs.logDir } : {}),
    ...(options.eventLogDir !== undefined ? { eventLogDir: options.eventLogDir } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
    ...(options.loggerClock ? { loggerClock: options.loggerClock } : {}),
  });
  return { plan, result };
}
