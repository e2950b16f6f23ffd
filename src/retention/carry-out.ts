/**
 * Carrying out a prune plan, under the artifacts lock: the LogPruned events (durably), then the
 * log files, then the ledger (fsynced) and the chained PackPruned events, then the packs (renamed
 * out of view, then deleted), archives and leftovers. Every removal is recorded before it happens:
 * a prune killed or failing part-way leaves records of files still there, which verify accepts
 * (docs/FORMAT.md, rule 3 of the logs directory), never a file gone without a record.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync, lstatSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import { type RetentionSource, renderPrunedLine } from '../format/pruned-ledger.js';
import { appendDurably } from '../fsx/append.js';
import { fsyncDir, makeWritable } from '../fsx/dirs.js';
import { sha256File } from '../fsx/digest.js';
import { createAuditLogger, loadFileLock } from '../logger/index.js';
import { recordWriterEvent } from '../logger/child.js';
import { lockArtifacts, removeLeftovers } from '../pack/artifacts-lock.js';
import { TMP_PREFIX } from '../format/dir-names.js';
import { KEEP_EVENT, KEPT_UNVERIFIED_FIELD, PRUNED_LEDGER } from '../format/pack.js';
import { LOG_PRUNED_EVENT } from '../format/writer-events.js';
import { CONFIG_IN_FORCE_FIELD, CONFIGS_IN_FORCE_FIELD, type HeldConfig } from '../format/config-in-force.js';
import { signSshsig } from '../signing/sshsig.js';
import { verifyPack } from '../verify/index.js';
import { carriedForward } from './carried-forward.js';
import { type PrunePlan, unverifiedPack } from './plan.js';

export interface CarryOutOptions {
  artifactsDir: string;
  /** Where the log files are (required when the plan removes logs). */
  logDir?: string;
  /** Record PackPruned/LogPruned system events in this logs dir (default: logDir; false: none). */
  eventLogDir?: string | false;
  now?: number;
  loggerClock?: () => number;
  /** Signs each pruned.jsonl line (docs/FORMAT.md): a signed archive's packs go only with their key. */
  signingKey?: KeyObject;
  /**
   * Where the plan's retention came from, recorded with it on each pruned.jsonl line so an auditor
   * sees what setting removed each pack (default `caller`: a program gave the number).
   */
  retentionSource?: RetentionSource;
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
  const unverified = [...(plan.unverified ?? [])];
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
      const pack = plan.packs.find((p) => p.name === name);
      if (pack !== undefined) unverified.push(unverifiedPack(artifactsDir, pack));
      skipped.push({ name, reason: `does not verify (${reason}): kept as evidence, never pruned; investigate it` });
    }
  }
  if (bad.size === 0) return plan;
  return Object.freeze({
    ...plan,
    packs: plan.packs.filter((p) => !bad.has(p.name)),
    archives: plan.archives.filter((a) => !bad.has(a)),
    skipped,
    ...(unverified.length > 0 ? { unverified } : {}),
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
  // Removal is recorded in the log: an install that cannot log must fail before removing anything.
  if (options.eventLogDir !== false && (options.eventLogDir ?? options.logDir) !== undefined) loadFileLock();
  await recordKept(plan, options);
  const removedLogs = await removeLogs(plan, options);
  const removedPacks = await removePacks(plan, options, prunedAt);
  const removedArchives = removeArchives(plan, artifactsDir);
  // Under the lock every `.tmp-` entry is a killed run's (those planned and any since).
  const removedTemp = existsSync(artifactsDir) ? removeLeftovers(artifactsDir, makeWritable) : [];
  if (removedPacks.length + removedArchives.length + removedTemp.length > 0) fsyncDir(artifactsDir);
  return Object.freeze({ packs: removedPacks, archives: removedArchives, logs: removedLogs, staleTemp: removedTemp });
}

/**
 * Removes the plan's log files that are still exactly what their pack holds. Their LogPruned events
 * go into the chain (durably) first: a prune killed between the two leaves an event naming a file
 * that is still there (verify then relies on the event of the day before it), never a removed file
 * no event records (LOG_FILE_REMOVAL_UNRECORDED for good).
 */
async function removeLogs(plan: PrunePlan, options: CarryOutOptions): Promise<PruneResult['logs'][number][]> {
  const removedLogs: { file: string; date: string; sha256: string }[] = [];
  if (plan.logs.length === 0) return removedLogs;
  const { logDir } = options;
  if (logDir === undefined) throw new AuditpackError('USAGE', 'carryOutPrune: logDir is required to remove log files');
  // The log must still be exactly what the pack holds, and a regular file.
  const unchanged = (l: PrunePlan['logs'][number]): boolean => {
    const path = join(logDir, l.file);
    return sha256File(path).sha256 === l.sha256 && lstatSync(path).isFile();
  };
  const doomed = plan.logs.filter(unchanged);
  // Read from the log before anything goes, under the artifacts lock: what the index would lose.
  const { inForce, kept } = await carriedForward(
    logDir,
    doomed.map((l) => l.file),
  );
  await recordEvents(
    options,
    doomed.map((l) => ({
      event: LOG_PRUNED_EVENT,
      fields: {
        file: l.file,
        date: l.date,
        size: l.size,
        sha256: l.sha256,
        // Where the removed file's chain ended: the oldest kept file must start right after it.
        ...(l.end !== null ? { last_seq: l.end.last_seq, end_hash: l.end.end_hash } : {}),
        // The config in force at the file's end: still vouched once the file and its pack are gone.
        ...inForceFields(inForce.get(l.file)),
        // The packs kept unverified at the file's end: still said once the files recording it are gone.
        ...(kept.has(l.file) ? { [KEPT_UNVERIFIED_FIELD]: kept.get(l.file) } : {}),
      },
    })),
  );
  for (const l of doomed) {
    // Checked again right before removing (recording took time); a file that changed stays.
    if (!unchanged(l)) continue;
    const path = join(logDir, l.file);
    try {
      rmSync(path);
    } catch (err) {
      throw wrapFsError(err, 'remove', path);
    }
    removedLogs.push({ file: l.file, date: l.date, sha256: l.sha256 });
  }
  fsyncDir(logDir);
  return removedLogs;
}

/** Ledger lines (fsynced), then the chained PackPruned events, then each pack out of view and deleted. */
async function removePacks(
  plan: PrunePlan,
  options: CarryOutOptions,
  prunedAt: string,
): Promise<PruneResult['packs'][number][]> {
  const { artifactsDir, signingKey } = options;
  const removedPacks: PruneResult['packs'][number][] = [];
  if (plan.packs.length === 0) return removedPacks;
  // The plan's window: packs dated before today − retention days go (planPrune).
  const retentionDays = Math.round((Date.parse(plan.today) - Date.parse(plan.packCutoff)) / 86_400_000);
  const ledger = plan.packs
    .map((p) =>
      renderPrunedLine({
        export_date: p.date,
        manifest_sha256: p.manifest_sha256,
        path: p.name,
        pruned_at: prunedAt,
        retention_days: retentionDays,
        retention_source: options.retentionSource ?? 'caller',
        ...(p.relied_on !== undefined ? { relied_on: p.relied_on } : {}),
        ...(signingKey !== undefined ? { sign: (m: Buffer) => signSshsig(m, signingKey) } : {}),
      }),
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
  for (const p of plan.packs) if (removePackDir(artifactsDir, p.name)) removedPacks.push(p);
  return removedPacks;
}

/**
 * A chained PackKept event for each pack past its window kept because it does not verify, every run
 * while it stays: the chain's word that it was still here, which outlives the files that record it
 * through the LogPruned events' `kept_unverified` (a pack deleted by hand later and hidden by a
 * ledger line claiming an earlier prune is contradicted; docs/FORMAT.md).
 */
async function recordKept(plan: PrunePlan, options: CarryOutOptions): Promise<void> {
  await recordEvents(
    options,
    (plan.unverified ?? []).map((p) => ({
      event: KEEP_EVENT.event,
      fields: { date: p.date, path: p.name, manifest_sha256: p.manifest_sha256 },
    })),
  );
}

/** Removes one pack directory (never through a symlink); false when it is gone or no longer a directory. */
function removePackDir(artifactsDir: string, name: string): boolean {
  const dir = join(artifactsDir, name);
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return false; // already gone
  }
  if (!st.isDirectory()) return false; // replaced by a symlink since planning: never followed
  // Out of the archive's view in one step, then deleted: a kill in between leaves a leftover.
  const doomed = join(artifactsDir, `${TMP_PREFIX}pruned-${name}-${process.pid}`);
  try {
    renameSync(dir, doomed);
    fsyncDir(artifactsDir);
    makeWritable(doomed);
    rmSync(doomed, { recursive: true });
  } catch (err) {
    throw wrapFsError(err, 'remove', dir);
  }
  return true;
}

/** Removes the plan's `.tar.gz` files that are still regular files. */
function removeArchives(plan: PrunePlan, artifactsDir: string): string[] {
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
  return removedArchives;
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
    await Promise.all(events.map((e) => recordWriterEvent(logger, 'system', e.event, e.fields)));
  } finally {
    await logger.close();
  }
}

/**
 * The LogPruned fields of the config in force at a removed file's end: `config_in_force` (the newest
 * snapshot) and, when it says more than that (some snapshot named its paths, or a full snapshot's
 * entry without them carries `full`), `configs_in_force`:
 * every snapshot still in force for some config path, still vouched once the file and its pack are gone.
 */
function inForceFields(held: readonly HeldConfig[] | undefined): Record<string, unknown> {
  const head = held?.[0];
  if (held === undefined || head === undefined) return {};
  const last = { snapshot_id: head.snapshot_id, record_sha256: head.record_sha256 };
  // A full snapshot's entry without paths says more: a file its record does not hold is none (at43 F3).
  if (held.length === 1 && head.paths === undefined && head.full !== true) return { [CONFIG_IN_FORCE_FIELD]: last };
  return { [CONFIG_IN_FORCE_FIELD]: last, [CONFIGS_IN_FORCE_FIELD]: held };
}
