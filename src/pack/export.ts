/**
 * `exportPack`: turns one UTC day of the audit log into a BagIt pack an auditor can check on their
 * own (the format is docs/FORMAT.md, "Export packs").
 *
 * Nothing lost, nothing overwritten: the pack is built in `.tmp-*` inside the artifacts dir, every
 * file fsynced and made read-only, then renamed into place and the parent fsynced. A crash leaves
 * either no pack or a complete one. An existing pack is never overwritten: without `force` the
 * export fails with PACK_EXISTS; with it, the old pack is renamed `YYYY-MM-DD.vN` and the new
 * manifest's `supersedes` records its manifest hash.
 *
 * A run killed at any point is finished by the next one (it holds the artifacts lock, so every
 * `.tmp-*` entry is a dead run's and is removed): a pack whose `.tar.gz` is missing gets it, after
 * its hashes are checked again; a `--force` killed between moving the old pack aside and moving the
 * new one in is completed with `supersedes` naming the version moved aside, as a recorded one only
 * when a PackExported event records it (else `supersedes_unrecorded`, as for any pack no event records).
 *
 * Only a day that has ended is exported (by `now`): today only as an explicit `partial` pack
 * (marked `"partial": true` in manifest.json, and superseded by the full export without `force`),
 * a future day never (DATE_NOT_ENDED).
 */
import { createHash, createPublicKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ALERT_FILTER } from '../config.js';
import { AuditpackError, isAuditpackError, wrapFsError } from '../errors.js';
import { archiveFileName, PAYLOAD_DIR_NAME, PAYLOAD_FILES, PAYLOAD_NAME, type PackManifest } from '../format/pack.js';
import { makeWritable, pathExists as exists, removeTree } from '../fsx/dirs.js';
import { loadFileLock } from '../logger/index.js';
import { logFileName } from '../rotation/index.js';
import { lockArtifacts, removeLeftovers } from './artifacts-lock.js';
import { CONFIG_OF_RECORD_FIELD, ConfigEventIndex } from '../snapshot/config-events.js';
import { checkDayHeadKept, withHeadWarning } from './day-head.js';
import { buildManifest, stampBag, writeTagFiles } from './bag.js';
import { COMPLIANCE_FILES, startPackCompliance, type PackComplianceOptions } from './compliance-files.js';
import { collectConfig } from './config-files.js';
import type { ExportPackOptions, ExportResult } from './export-types.js';
import { type WrittenFile, writeNewFileSoon } from '../fsx/byte-sink.js';
import { packHashProblem } from './intact.js';
import { chainEndFields, readManifest, recordExport, resumedResult } from './export-record.js';
import { isUnrecorded, moveArchiveAside, recordedExports, settleArchive } from './unrecorded.js';
import { findNextPack, findPreviousPack, manifestSha256, nextVersion, packDirName, TMP_PREFIX } from './layout.js';
import { compressPack, interruptedSupersede, publishBuild, type Supersede, sealBuild } from './publish.js';
import { recordedPrevious } from './previous-recorded.js';
import { type DayFacts, scanDay } from './scan-day.js';
import { checkExportDate } from './export-date.js';
import { recoverDayTail } from './day-tail.js';
import { closeDay } from './day-close.js';

export { PACK_FORMAT, PAYLOAD_FILES, TAG_FILES, type PackManifest } from '../format/pack.js';
export type { ExportPackOptions, ExportProgress, ExportResult } from './export-types.js';
export { checkExportDate } from './export-date.js';

/** Builds the pack for one day. See the module comment for the guarantees. */
export async function exportPack(options: ExportPackOptions): Promise<ExportResult> {
  const { date, logDir, artifactsDir } = options;
  const now = options.now ?? Date.now;
  const partial = options.partial === true;
  const day = checkExportDate(date, now(), partial);
  try {
    if (!statSync(logDir).isDirectory())
      throw new AuditpackError('LOGS_DIR_MISSING', `logs directory ${logDir} is not a directory`, {
        details: { path: logDir },
      });
  } catch (err) {
    if (err instanceof AuditpackError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AuditpackError('LOGS_DIR_MISSING', `logs directory ${logDir} does not exist`, {
        details: { path: logDir },
      });
    }
    throw wrapFsError(err, 'read', logDir);
  }
  // A day file cut since its writers' last append is refused before anything is written (day-head.ts).
  const headWarning = checkDayHeadKept(logDir, day);
  await refusePrunedDay(options, day);
  // The export is recorded in the log at the end: an install that cannot log fails before writing a pack.
  if (options.recordEvent !== false) loadFileLock();
  try {
    mkdirSync(artifactsDir, { recursive: true });
  } catch (err) {
    throw wrapFsError(err, 'create directory', artifactsDir);
  }
  const release = await lockArtifacts(artifactsDir);
  try {
    const leftovers = removeLeftovers(artifactsDir, makeWritable);
    const r = await exportLocked(options, day, partial, now, leftovers).catch((err: unknown) => {
      throw headWarning !== undefined && isAuditpackError(err, 'LOG_LOCK_TIMEOUT')
        ? withHeadWarning(err, headWarning)
        : err;
    });
    return headWarning === undefined ? r : Object.freeze({ ...r, warnings: [headWarning, ...r.warnings] });
  } finally {
    release();
  }
}

/**
 * A day whose log file retention removed (a LogPruned event records it) is not exported again: the
 * pack built from the missing file would hold no events, and a re-run would set the recorded pack
 * aside for it (its PackExported event may have gone with the removed files too). Its packs are
 * what is left of the day; nothing is written.
 */
async function refusePrunedDay(options: ExportPackOptions, day: number): Promise<void> {
  if (exists(join(options.logDir, logFileName(day)))) return;
  const sha = await new ConfigEventIndex({ logDir: options.logDir }).removal(day);
  if (sha === undefined) return;
  throw new AuditpackError(
    'LOG_DAY_PRUNED',
    `the log file of ${options.date} (${logFileName(day)}) was removed by log retention (a LogPruned event records it, sha256 ${sha.slice(0, 16)}…): its pack is what is left of the day; not exporting it again. Verify the artifacts directory`,
    { details: { date: options.date, file: logFileName(day), sha256: sha } },
  );
}

/** exportPack's work, under the artifacts lock: what is there decides between a new pack, a new version and finishing a killed run. */
async function exportLocked(
  options: ExportPackOptions,
  day: number,
  partial: boolean,
  now: () => number,
  leftovers: string[],
): Promise<ExportResult> {
  const { date, artifactsDir } = options;
  const finalDir = join(artifactsDir, packDirName(date));
  const archivePath = join(artifactsDir, archiveFileName(date));
  const existing = exists(finalDir);
  const existingArchive = options.compress === true && exists(archivePath);
  // A pack in place that no PackExported event records (an export killed before recording it, or a
  // pack put there): never vouched for. It is kept as the next version and the day exported afresh.
  // Asked of the log before anything the pack says of itself is believed (its `"partial": true`),
  // and under --force too, whose event then says the version it superseded was never recorded.
  const unrecorded = existing && options.recordEvent !== false ? await isUnrecorded(options, day, finalDir) : false;
  // A recorded partial pack of a day that has now ended is replaced by the full one, no --force needed.
  const replacePartial = existing && !partial && !unrecorded && readManifest(finalDir)?.partial === true;
  const force = options.force === true || unrecorded;
  if (existing && !existingArchive && options.compress === true && !force && !replacePartial) {
    return finishArchive(options, finalDir, leftovers);
  }
  if ((existing || existingArchive) && !force && !replacePartial) {
    throw new AuditpackError(
      'PACK_EXISTS',
      `a pack for ${date} already exists at ${existing ? finalDir : archivePath}; use --force to make a new version (the old one is kept)`,
      {
        details: { path: existing ? finalDir : archivePath, date },
      },
    );
  }
  // Every move aside below needs a version name (nextVersion): refused here, before anything moves.
  if (existing || exists(archivePath)) nextVersion(artifactsDir, date);
  // A .tar.gz beside the current pack that holds another version (a --force killed before its new
  // .tar.gz) goes to the name of the version it holds, not the one this --force moves aside.
  const warnings: string[] = [];
  if (existing && force) {
    const m = readManifest(finalDir);
    const h = manifestSha256(finalDir);
    const moved = m !== undefined && h !== undefined ? await settleArchive(artifactsDir, date, m, h) : undefined;
    if (moved !== undefined) warnings.push(moved);
  }
  // A --force (or a re-run over an unrecorded pack) killed after moving the old pack aside and
  // before moving the new one in; or a version put there by hand, which looks the same. It is
  // linked as a recorded version only when a PackExported event of the day records its manifest.
  const interrupted = existing ? undefined : interruptedSupersede(artifactsDir, date);
  const interruptedUnrecorded =
    interrupted !== undefined &&
    options.recordEvent !== false &&
    (interrupted.manifest_sha256 === null ||
      !(await recordedExports(options.logDir, date, day)).has(interrupted.manifest_sha256));
  // A torn tail the export's own event would recover after the pack is cut goes in the pack (day-tail.ts);
  // then an ended day still the newest is closed, so no late write lands in its file after the read (day-close.ts).
  if (options.recordEvent !== false) {
    await recoverDayTail(options.logDir, day, options.loggerClock);
    if (!partial) await closeDay(options.logDir, day, options.loggerClock);
  }
  let tmp: string;
  try {
    tmp = mkdtempSync(join(artifactsDir, `${TMP_PREFIX}${date}-`));
  } catch (err) {
    throw wrapFsError(err, 'create directory in', artifactsDir);
  }
  let moved = false;
  try {
    const result = await buildAndPublish(options, {
      day,
      partial,
      now,
      leftovers,
      tmp,
      finalDir,
      existing,
      interrupted,
      unrecorded: unrecorded || interruptedUnrecorded,
      warnings,
    });
    moved = true;
    return result;
  } finally {
    if (!moved) removeTree(tmp);
  }
}

/** Where a new pack is built and what it replaces. */
interface Build {
  readonly day: number;
  readonly partial: boolean;
  readonly now: () => number;
  readonly leftovers: string[];
  readonly tmp: string;
  readonly finalDir: string;
  /** A current pack of the day exists (it is superseded). */
  readonly existing: boolean;
  /** What a killed `--force` moved aside. */
  readonly interrupted: Supersede | undefined;
  /** The pack superseded (the current one, or the version a killed run moved aside) no PackExported event records: never vouched for. */
  readonly unrecorded: boolean;
  /** Said before the build (an archive that held another pack, moved aside). */
  readonly warnings: readonly string[];
}

/** The payload written: the files by name, which of them the pack lists, and the scanned facts. */
interface Payload {
  readonly files: Record<string, WrittenFile>;
  readonly payload: readonly string[];
  readonly facts: DayFacts;
  readonly totalBytes: number;
  readonly compliance: ExportResult['compliance'] | undefined;
  readonly warnings: readonly string[];
  /** The PackExported `config_of_record` field: the chain's config of record at the day's end (omitted when unknown). */
  readonly configOfRecord: Record<string, unknown>;
}

/** Builds the pack in `b.tmp`, publishes it, compresses it and records the export. */
async function buildAndPublish(options: ExportPackOptions, b: Build): Promise<ExportResult> {
  const { date, artifactsDir } = options;
  const p = await writePayload(options, b);
  const alertFilter = options.alertFilter ?? DEFAULT_ALERT_FILTER;
  const superseded: Supersede | null = b.existing
    ? {
        manifest_sha256: manifestSha256(b.finalDir) ?? null,
        moved_to: packDirName(date, nextVersion(artifactsDir, date)),
      }
    : (b.interrupted ?? null);
  // Linked only when the log records it (previous-recorded.ts); else said, never linked in silence.
  const link =
    options.recordEvent === false
      ? { previous: findPreviousPack(artifactsDir, date) }
      : await recordedPrevious(artifactsDir, options.logDir, date);
  const manifest: PackManifest = buildManifest(p.payload, p.files, {
    date,
    createdAt: new Date(b.now()).toISOString(),
    partial: b.partial,
    version: options.version,
    facts: p.facts,
    previous: link.previous,
    superseded,
    // A back-filled day (a later pack exists): it records that pack, whose previous_pack skips it.
    insertedBefore: findNextPack(artifactsDir, date),
    alertFilter,
  });
  const manifestText = writeTagFiles(b.tmp, manifest, p.payload, p.files, options.signingKey);
  const { timestamped, serial, timestampError } = await stampBag(b.tmp, options.tsa);
  const progress = { bytesRead: p.totalBytes, totalBytes: p.totalBytes };
  options.onProgress?.({ phase: 'finish', ...progress });

  sealBuild(b.tmp, p.payload, options.signingKey !== undefined);
  const supersededResult = publishBuild(artifactsDir, date, b.tmp, b.finalDir, superseded, b.interrupted);
  const manifestHash = sha256Text(manifestText);
  // The superseded pack's .tar.gz goes aside with it (settleArchive left at D.tar.gz only an archive
  // of that pack), never kept beside the new D/ as if it were its archive: a reader of D.tar.gz
  // would take the old version for the current one. Kept, not removed: a version is never lost.
  // (With --compress, compressPack moves it before putting the new archive in its place.)
  if (b.existing && options.compress !== true && superseded !== null)
    moveArchiveAside(artifactsDir, date, superseded.moved_to);
  let archive: string | null = null;
  if (options.compress === true) {
    const report = options.onProgress;
    archive = await compressPack(
      artifactsDir,
      date,
      b.existing ? (superseded?.moved_to ?? null) : null,
      report && ((bytesRead, totalBytes) => report({ phase: 'compress', bytesRead, totalBytes })),
    );
  }
  if (options.recordEvent !== false) {
    await recordExport(options.logDir, options.loggerClock, {
      date,
      path: b.finalDir,
      manifest_sha256: manifestHash,
      events: manifest.events.total,
      malformed_lines: manifest.events.malformed_lines,
      signed: options.signingKey !== undefined,
      ...chainEndFields(manifest),
      ...(options.tsa !== undefined ? { timestamped: timestamped !== null } : {}),
      // The token's own time and serial: verify holds the token the pack holds to them.
      ...(timestamped !== null ? { tsa_time: timestamped.toISOString(), tsa_serial: serial ?? null } : {}),
      ...(supersededResult ? { supersedes: superseded?.manifest_sha256 ?? null, moved_to: superseded?.moved_to } : {}),
      ...(b.unrecorded ? { supersedes_unrecorded: true } : {}),
      ...p.configOfRecord,
    });
  }
  return Object.freeze({
    date,
    path: b.finalDir,
    manifest,
    manifestSha256: manifestHash,
    signed: options.signingKey !== undefined,
    archive,
    superseded: supersededResult && { ...supersededResult, unrecorded: b.unrecorded },
    timestamped,
    timestampError,
    malformed: p.facts.malformed,
    compliance: p.compliance ?? { critical: 0, warning: 0, info: 0, total: 0 },
    resumed: b.interrupted !== undefined ? 'supersede' : null,
    leftoversRemoved: b.leftovers,
    warnings: [...b.warnings, ...(link.warning === undefined ? [] : [link.warning]), ...p.warnings],
  });
}

/** Scans the day's log into data/ (log, CSVs, alerts), then the config files and the compliance files. */
async function writePayload(options: ExportPackOptions, b: Build): Promise<Payload> {
  const { date } = options;
  const dataDir = join(b.tmp, PAYLOAD_DIR_NAME);
  mkdirSync(dataDir);
  const logFile = join(options.logDir, logFileName(b.day));
  let totalBytes = 0;
  try {
    totalBytes = statSync(logFile).size;
  } catch {
    /* no log for the day: an empty pack */
  }
  // One look-up of the chain's ConfigSnapshot events for both halves of the pack (the config files
  // and the compliance policy): they cannot disagree on which snapshot the chain records, and each
  // day file (or vouched pack copy) is read once.
  const configEvents = new ConfigEventIndex({ logDir: options.logDir, artifactsDir: options.artifactsDir });
  const compliance =
    options.compliance === false
      ? undefined
      : await startPackCompliance(
          date,
          withLogDir(
            options.compliance ??
              (options.snapshot ? { cwd: options.snapshot.cwd, snapshotDir: options.snapshot.snapshotDir } : undefined),
            options.logDir,
          ),
          {
            artifactsDir: options.artifactsDir,
            logDir: options.logDir,
            configEvents,
            redaction: options.snapshot ? options.snapshot.redaction : undefined,
            signedBy: options.signingKey === undefined ? undefined : createPublicKey(options.signingKey),
          },
        );
  const listed =
    compliance === undefined
      ? PAYLOAD_FILES.filter((n) => !(COMPLIANCE_FILES as readonly string[]).includes(n))
      : PAYLOAD_FILES;
  const facts = await scanDay({
    logFile,
    dataDir,
    alertFilter: options.alertFilter ?? DEFAULT_ALERT_FILTER,
    totalBytes,
    ...(compliance ? { onRecords: compliance.onRecords } : {}),
    ...(options.onProgress
      ? {
          onProgress: (bytesRead: number, total: number) =>
            options.onProgress?.({ phase: 'scan', bytesRead, totalBytes: total }),
        }
      : {}),
  });
  options.onProgress?.({ phase: 'config', bytesRead: totalBytes, totalBytes });
  const config = await collectConfig({
    date,
    snapshot: options.snapshot ?? false,
    includeDiffs: options.includeConfigDiffs !== false,
    nowMs: b.now(),
    artifactsDir: options.artifactsDir,
    // The export's log decides the config of record, as it decides the policies: a library caller's
    // `snapshot.logDir` (absent, or another directory) only says where a fresh snapshot is logged.
    configEvents,
  });
  const files: Record<string, WrittenFile> = { ...facts.files };
  // Each file is written at once and fsynced on the thread pool while the next is made: the
  // fsyncs wait for the disk together, not one after another. All settle (each closed) before
  // the pack is published or an error goes on (the caller then removes the directory).
  const durable: Promise<void>[] = [];
  const write = (name: string, content: string | Uint8Array | Iterable<string | Uint8Array>): void => {
    durable.push(writeNewFileSoon(join(dataDir, name), content).then((w) => void (files[name] = w)));
  };
  const checked = await allDurable(durable, () => {
    write(PAYLOAD_NAME.configSnapshot, config.snapshotJson);
    write(PAYLOAD_NAME.configDiff, config.diffText);
    if (config.inForceJson !== undefined) write(PAYLOAD_NAME.configInForce, config.inForceJson);
    const c = compliance?.finish({
      chainEndHash: facts.chain.end_hash,
      firstSeq: facts.chain.first_seq,
      lastSeq: facts.chain.last_seq,
      signingKey: options.signingKey,
      version: options.version,
    });
    // One rendering alive at a time: each text is garbage once its file is written.
    for (const [name, render] of Object.entries(c?.files ?? {})) write(name, render());
    return c;
  });
  // data/config_in_force.json only when written (with a log: the chain decides it).
  const payload = listed.filter((n) => n !== PAYLOAD_NAME.configInForce || files[n] !== undefined);
  return {
    files,
    payload,
    facts,
    totalBytes,
    compliance: checked?.report.totals,
    warnings: [...config.warnings, ...(compliance?.warnings ?? [])],
    configOfRecord: await configOfRecordField(options, configEvents, b.day),
  };
}

/**
 * What the PackExported event records as the config of record at the end of the exported day (the
 * chain's newest ConfigSnapshot event then, ConfigEventIndex.configOfRecord): the next export
 * reads the chain back to this event only, not every kept file. Null when the chain holds none;
 * omitted when it cannot be told, or when no snapshot store is configured.
 */
async function configOfRecordField(
  options: ExportPackOptions,
  index: ConfigEventIndex,
  day: number,
): Promise<Record<string, unknown>> {
  if (!options.snapshot) return {};
  const c = await index.configOfRecord(day);
  if (c.kind === 'unknown') return {};
  if (c.kind === 'none') return { [CONFIG_OF_RECORD_FIELD]: null };
  const { snapshot_id, record_sha256 } = c.snapshot;
  // `full` (when the event tells): the next export's config_in_force.json need walk no further back.
  return {
    [CONFIG_OF_RECORD_FIELD]: { snapshot_id, record_sha256, ...(c.full === undefined ? {} : { full: c.full }) },
  };
}

function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The pack exists but its archive does not (a run killed while compressing): build the archive. */
async function finishArchive(options: ExportPackOptions, finalDir: string, leftovers: string[]): Promise<ExportResult> {
  const { date, artifactsDir } = options;
  const problem = packHashProblem(finalDir);
  if (problem !== undefined) {
    throw new AuditpackError(
      'PACK_EXISTS',
      `a pack for ${date} exists at ${finalDir} without its .tar.gz, but it does not verify (${problem}); not archiving it. Verify it; --force makes a new version (the old one is kept)`,
      {
        details: { path: finalDir, date },
      },
    );
  }
  const manifest = readManifest(finalDir);
  const manifestHash = manifestSha256(finalDir);
  if (manifest === undefined || manifestHash === undefined)
    throw new AuditpackError(
      'PACK_EXISTS',
      `a pack for ${date} exists at ${finalDir} but its manifest.json cannot be read`,
      { details: { path: finalDir, date } },
    );
  const archive = await compressPack(artifactsDir, date, null);
  if (options.recordEvent !== false) {
    await recordExport(options.logDir, options.loggerClock, {
      date,
      path: finalDir,
      manifest_sha256: manifestHash,
      events: manifest.events.total,
      ...chainEndFields(manifest),
      resumed: 'archive',
    });
  }
  const r = { date, path: finalDir, manifest, manifestSha256: manifestHash, archive, superseded: null };
  return resumedResult({ ...r, leftoversRemoved: leftovers }, 'archive');
}

/** The policy's source with the log that must record its snapshots (an unrecorded one does not count). */
function withLogDir(o: PackComplianceOptions | undefined, logDir: string): PackComplianceOptions | undefined {
  return o === undefined ? undefined : { ...o, logDir };
}

/** `make()`'s value once every promise it pushed onto `pending` settled; its error, else the first write's. */
async function allDurable<T>(pending: Promise<void>[], make: () => T): Promise<T> {
  let made: { value: T } | undefined;
  let error: unknown;
  try {
    made = { value: make() };
  } catch (err) {
    error = err;
  }
  const settled = await Promise.allSettled(pending);
  if (made === undefined) throw error;
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return made.value;
}
