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
 * new one in is completed with `supersedes` naming the version moved aside.
 *
 * Only a day that has ended is exported (by `now`): today only as an explicit `partial` pack
 * (marked `"partial": true` in manifest.json, and superseded by the full export without `force`),
 * a future day never (DATE_NOT_ENDED).
 */
import { createHash, type KeyObject } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ALERT_FILTER, type AlertFilterConfig } from '../config.js';
import { AuditpackError, isAuditpackError, wrapFsError } from '../errors.js';
import { timestampTagManifest, writePackToken, type TsaOptions } from '../anchor/pack.js';
import { createAuditLogger, loadFileLock } from '../logger/index.js';
import { dayNumberOfIsoDate, logFileName } from '../rotation/index.js';
import { signSshsig } from '../signing/index.js';
import { lockArtifacts, removeLeftovers } from './artifacts-lock.js';
import { fsyncDir, makeWritable, pathExists as exists, removeTree } from '../fsx/dirs.js';
import { writeNewFile, type WrittenFile } from './files.js';
import {
  BAGIT_TXT,
  PACK_FILES,
  PACK_FORMAT,
  PAYLOAD_FILES,
  renderBagInfo,
  renderChecksumFile,
  renderManifest,
  SIGNATURE_FILE,
  TAG_FILES,
  TAGMANIFEST,
  type PackManifest,
} from '../format/pack.js';
import { packHashProblem } from './intact.js';
import { findNextPack, findPreviousPack, manifestSha256, nextVersion, packDirName, TMP_PREFIX } from './layout.js';
import { scanDay, type MalformedLine } from './scan-day.js';
import { writeTarGz, type TarEntry } from './tar.js';
import { collectConfig, type PackSnapshotOptions } from './config-files.js';
import { COMPLIANCE_FILES, startPackCompliance, type PackComplianceOptions } from './compliance-files.js';

export { PACK_FORMAT, PAYLOAD_FILES, TAG_FILES, type PackManifest } from '../format/pack.js';

/** Progress of a long export, for a progress line on a terminal. */
export interface ExportProgress {
  readonly phase: 'scan' | 'config' | 'finish' | 'compress';
  readonly bytesRead: number;
  readonly totalBytes: number;
}

/** Options of exportPack. Directories are explicit; the CLI resolves them from config. */
export interface ExportPackOptions {
  /** The UTC day to export, `YYYY-MM-DD`. */
  date: string;
  /** Directory of the day files (must exist: LOGS_DIR_MISSING otherwise). */
  logDir: string;
  /** Where packs are written (created if missing). */
  artifactsDir: string;
  /** auditpack's version, written to bag-info.txt and manifest.json. */
  version: string;
  /** Make a new version when a pack exists (the old one is kept as `YYYY-MM-DD.vN`). */
  force?: boolean;
  /** Also write `YYYY-MM-DD.tar.gz`. */
  compress?: boolean;
  /**
   * Export today, which has not ended: the pack is marked `"partial": true` and a later export of
   * the day replaces it without `force`. Without it, today is refused (DATE_NOT_ENDED).
   */
  partial?: boolean;
  /** Sign tagmanifest-sha256.txt with this Ed25519 key (see src/signing). */
  signingKey?: KeyObject;
  /** Which events go to alerts.jsonl (default DEFAULT_ALERT_FILTER). */
  alertFilter?: AlertFilterConfig;
  /** Config snapshot sources; false leaves config_snapshot.json as `null` with a reason. */
  snapshot?: PackSnapshotOptions | false;
  /**
   * Where the compliance policy comes from (data/compliance_report.json, compliance_findings.csv,
   * report.html). Default: with `snapshot`, the policy as its snapshots recorded it (or the file in
   * its cwd); without, the built-in policy. `false` (@internal): no compliance files, the pack
   * layout of earlier versions; bench/compliance.ts measures what the checks cost with it.
   */
  compliance?: PackComplianceOptions | false;
  /** Include the day's config diffs in data/config.diff (default true). */
  includeConfigDiffs?: boolean;
  /**
   * Ask this TSA for an RFC 3161 token over tagmanifest-sha256.txt. A TSA that fails does not fail
   * the export: the pack is written without a token and `timestampError` says why.
   */
  tsa?: TsaOptions;
  /** Append a system/PackExported event to the audit log in logDir (default true). */
  recordEvent?: boolean;
  /** Clock (epoch ms) for created_at and Bagging-Date; default Date.now. */
  now?: () => number;
  /** Clock for the PackExported event (epoch µs), passed to the logger. */
  loggerClock?: () => number;
  onProgress?: (p: ExportProgress) => void;
}

/** What exportPack did. */
export interface ExportResult {
  readonly date: string;
  /** The pack directory. */
  readonly path: string;
  readonly manifest: PackManifest;
  /** SHA-256 of manifest.json's bytes. */
  readonly manifestSha256: string;
  readonly signed: boolean;
  /** The .tar.gz, when compress was asked for. */
  readonly archive: string | null;
  /** The pack this one superseded (now renamed), when force was used on an existing pack. */
  readonly superseded: { readonly path: string; readonly manifestSha256: string | null } | null;
  /** The token's time, when the pack got a token. */
  readonly timestamped: Date | null;
  /** Why the pack has no token although a TSA was configured (TSA_FAILED); add one later with anchorPack. */
  readonly timestampError: AuditpackError | null;
  /** Malformed lines carried into the pack (first 1000; the count is in manifest.events.malformed_lines). */
  readonly malformed: readonly MalformedLine[];
  /** Compliance findings per severity (data/compliance_report.json has them all). */
  readonly compliance: {
    readonly critical: number;
    readonly warning: number;
    readonly info: number;
    readonly total: number;
  };
  /**
   * What a killed earlier run left and this one finished: `archive` (the pack was there, its
   * `.tar.gz` was built now), `supersede` (the old version had been moved aside; the new pack now
   * names it). Null for an ordinary export.
   */
  readonly resumed: 'archive' | 'supersede' | null;
  /** `.tmp-*` leftovers of killed runs that were removed. */
  readonly leftoversRemoved: readonly string[];
}

/** Refuses a date that is malformed, before 1970, or has not ended yet by `nowMs` (today only as a partial pack). */
export function checkExportDate(date: string, nowMs: number, partial: boolean): number {
  const day = dayNumberOfIsoDate(date);
  if (day === undefined)
    throw new AuditpackError('USAGE', `expected a date as YYYY-MM-DD, got ${JSON.stringify(date)}`);
  if (day < 0)
    throw new AuditpackError('USAGE', `${date} is before 1970-01-01: no audit log is dated then`, {
      details: { date },
    });
  const today = Math.floor(nowMs / 86_400_000);
  if (day > today) {
    throw new AuditpackError(
      'DATE_NOT_ENDED',
      `${date} is in the future (today is ${isoDateOf(today)} UTC by this machine's clock); nothing was written`,
      { details: { date, today: isoDateOf(today) } },
    );
  }
  if (day === today && !partial) {
    throw new AuditpackError(
      'DATE_NOT_ENDED',
      `${date} is today (UTC) and has not ended; export it tomorrow, or pass --partial for a pack marked partial; nothing was written`,
      {
        details: { date, today: isoDateOf(today) },
      },
    );
  }
  if (partial && day !== today)
    throw new AuditpackError('USAGE', `--partial is only for today (${isoDateOf(today)}); ${date} has ended`, {
      details: { date },
    });
  return day;
}

function isoDateOf(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

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
    return await exportLocked(options, day, partial, now, leftovers);
  } finally {
    release();
  }
}

/** exportPack's work, under the artifacts lock. */
async function exportLocked(
  options: ExportPackOptions,
  day: number,
  partial: boolean,
  now: () => number,
  leftovers: string[],
): Promise<ExportResult> {
  const { date, logDir, artifactsDir } = options;
  const finalDir = join(artifactsDir, packDirName(date));
  const archivePath = join(artifactsDir, `${date}.tar.gz`);
  const existing = exists(finalDir);
  const existingArchive = options.compress === true && exists(archivePath);
  // A partial pack of a day that has now ended is replaced by the full one, no --force needed.
  const replacePartial = existing && !partial && readManifest(finalDir)?.partial === true;
  if (existing && !existingArchive && options.compress === true && options.force !== true && !replacePartial) {
    return finishArchive(options, finalDir, leftovers);
  }
  if ((existing || existingArchive) && options.force !== true && !replacePartial) {
    throw new AuditpackError(
      'PACK_EXISTS',
      `a pack for ${date} already exists at ${existing ? finalDir : archivePath}; use --force to make a new version (the old one is kept)`,
      {
        details: { path: existing ? finalDir : archivePath, date },
      },
    );
  }
  // A --force killed after moving the old pack aside and before moving the new one in.
  const interrupted = existing ? undefined : interruptedSupersede(artifactsDir, date);

  let tmp: string;
  try {
    tmp = mkdtempSync(join(artifactsDir, `${TMP_PREFIX}${date}-`));
  } catch (err) {
    throw wrapFsError(err, 'create directory in', artifactsDir);
  }
  let moved = false;
  try {
    const dataDir = join(tmp, 'data');
    mkdirSync(dataDir);
    const logFile = join(logDir, logFileName(day));
    let totalBytes = 0;
    try {
      totalBytes = statSync(logFile).size;
    } catch {
      /* no log for the day: an empty pack */
    }
    const compliance =
      options.compliance === false
        ? undefined
        : await startPackCompliance(
            date,
            options.compliance ??
              (options.snapshot ? { cwd: options.snapshot.cwd, snapshotDir: options.snapshot.snapshotDir } : undefined),
          );
    const payload =
      compliance === undefined
        ? PAYLOAD_FILES.filter((n) => !(COMPLIANCE_FILES as readonly string[]).includes(n))
        : PAYLOAD_FILES;
    const alertFilter = options.alertFilter ?? DEFAULT_ALERT_FILTER;
    const facts = await scanDay({
      logFile,
      dataDir,
      alertFilter,
      totalBytes,
      ...(compliance ? { onLine: compliance.onLine } : {}),
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
    });
    const files: Record<string, WrittenFile> = { ...facts.files };
    files['config_snapshot.json'] = writeNewFile(join(dataDir, 'config_snapshot.json'), config.snapshotJson);
    files['config.diff'] = writeNewFile(join(dataDir, 'config.diff'), config.diffText);
    const checked = compliance?.finish({
      chainEndHash: facts.chain.end_hash,
      firstSeq: facts.chain.first_seq,
      lastSeq: facts.chain.last_seq,
      signingKey: options.signingKey,
      version: options.version,
    });
    for (const [name, text] of Object.entries(checked?.files ?? {}))
      files[name] = writeNewFile(join(dataDir, name), text);

    const created = new Date(now());
    const createdAt = created.toISOString();
    const previous = findPreviousPack(artifactsDir, date);
    // A back-filled day (a later pack exists): it records that pack, whose previous_pack skips it.
    const insertedBefore = findNextPack(artifactsDir, date);
    const superseded = existing
      ? {
          manifest_sha256: manifestSha256(finalDir) ?? null,
          moved_to: packDirName(date, nextVersion(artifactsDir, date)),
        }
      : (interrupted ?? null);

    const manifestFiles: Record<string, { size: number; sha256: string; modified: string }> = {};
    let totalSize = 0;
    for (const name of payload) {
      const f = files[name] as WrittenFile;
      manifestFiles[`data/${name}`] = { size: f.size, sha256: f.sha256, modified: f.modified };
      totalSize += f.size;
    }
    const manifest: PackManifest = {
      format: PACK_FORMAT,
      created_at: createdAt,
      export_date: date,
      ...(partial ? { partial: true as const } : {}),
      auditpack_version: options.version,
      files: manifestFiles,
      summary: { total_files: payload.length, total_size: totalSize },
      events: facts.events,
      rows: facts.rows,
      chain: facts.chain,
      previous_pack: previous,
      supersedes: superseded,
      alert_filter: {
        categories: [...alertFilter.categories],
        events: [...alertFilter.events],
        severities: [...alertFilter.severities],
      },
      inserted_before: insertedBefore,
      line_tree: facts.lineTree,
    };
    const manifestText = renderManifest(manifest);
    const tags: Record<string, WrittenFile> = {};
    tags['bagit.txt'] = writeNewFile(join(tmp, 'bagit.txt'), BAGIT_TXT);
    tags['bag-info.txt'] = writeNewFile(
      join(tmp, 'bag-info.txt'),
      renderBagInfo({
        baggingDate: createdAt.slice(0, 10),
        payloadBytes: totalSize,
        payloadFiles: payload.length,
        exportDate: date,
        version: options.version,
      }),
    );
    tags['manifest-sha256.txt'] = writeNewFile(
      join(tmp, 'manifest-sha256.txt'),
      renderChecksumFile(payload.map((n) => ({ path: `data/${n}`, sha256: (files[n] as WrittenFile).sha256 }))),
    );
    tags['manifest.json'] = writeNewFile(join(tmp, 'manifest.json'), manifestText);
    const tagmanifest = renderChecksumFile(
      TAG_FILES.map((n) => ({ path: n, sha256: (tags[n] as WrittenFile).sha256 })),
    );
    writeNewFile(join(tmp, TAGMANIFEST), tagmanifest);
    if (options.signingKey !== undefined) {
      writeNewFile(join(tmp, SIGNATURE_FILE), signSshsig(Buffer.from(tagmanifest, 'utf8'), options.signingKey));
    }
    let timestamped: Date | null = null;
    let timestampError: AuditpackError | null = null;
    if (options.tsa !== undefined) {
      try {
        const granted = await timestampTagManifest(tmp, options.tsa);
        writePackToken(tmp, granted);
        timestamped = granted.facts.genTime;
      } catch (err) {
        if (!isAuditpackError(err, 'TSA_FAILED')) throw err;
        timestampError = err;
      }
    }
    options.onProgress?.({ phase: 'finish', bytesRead: totalBytes, totalBytes });

    // Read-only, then durable, then visible.
    for (const name of payload) chmodSync(join(dataDir, name), 0o444);
    for (const name of [...TAG_FILES, TAGMANIFEST, ...(options.signingKey ? [SIGNATURE_FILE] : [])])
      chmodSync(join(tmp, name), 0o444);
    chmodSync(dataDir, 0o555);
    fsyncDir(dataDir);
    fsyncDir(tmp);
    chmodSync(tmp, 0o555);

    let supersededResult: ExportResult['superseded'] = null;
    if (superseded !== null && interrupted !== undefined) {
      supersededResult = {
        path: join(artifactsDir, interrupted.moved_to),
        manifestSha256: interrupted.manifest_sha256,
      };
    } else if (superseded !== null) {
      // A new version never overwrites: the old pack moves aside under the next free .vN.
      const movedTo = join(artifactsDir, superseded.moved_to);
      if (exists(movedTo)) throw new AuditpackError('PACK_EXISTS', `${movedTo} appeared during the export; try again`);
      renameOrThrow(finalDir, movedTo);
      supersededResult = { path: movedTo, manifestSha256: superseded.manifest_sha256 };
    }
    if (exists(finalDir))
      throw new AuditpackError('PACK_EXISTS', `a pack for ${date} appeared at ${finalDir} during the export`, {
        details: { path: finalDir },
      });
    renameOrThrow(tmp, finalDir);
    moved = true;
    fsyncDir(artifactsDir);

    const manifestHash = createHash('sha256').update(manifestText).digest('hex');
    let archive: string | null = null;
    if (options.compress === true) {
      options.onProgress?.({ phase: 'compress', bytesRead: totalBytes, totalBytes });
      archive = await compressPack(artifactsDir, date, existing ? (superseded?.moved_to ?? null) : null);
    }
    if (options.recordEvent !== false) {
      await recordExport(logDir, options.loggerClock, {
        date,
        path: finalDir,
        manifest_sha256: manifestHash,
        events: manifest.events.total,
        malformed_lines: manifest.events.malformed_lines,
        signed: options.signingKey !== undefined,
        ...(options.tsa !== undefined ? { timestamped: timestamped !== null } : {}),
        ...(supersededResult
          ? { supersedes: superseded?.manifest_sha256 ?? null, moved_to: superseded?.moved_to }
          : {}),
      });
    }
    return Object.freeze({
      date,
      path: finalDir,
      manifest,
      manifestSha256: manifestHash,
      signed: options.signingKey !== undefined,
      archive,
      superseded: supersededResult,
      timestamped,
      timestampError,
      malformed: facts.malformed,
      compliance: checked?.report.totals ?? { critical: 0, warning: 0, info: 0, total: 0 },
      resumed: interrupted !== undefined ? 'supersede' : null,
      leftoversRemoved: leftovers,
    });
  } finally {
    if (!moved) removeTree(tmp);
  }
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
      resumed: 'archive',
    });
  }
  return Object.freeze({
    date,
    path: finalDir,
    manifest,
    manifestSha256: manifestHash,
    signed: exists(join(finalDir, 'tagmanifest-sha256.txt.sig')),
    archive,
    superseded: null,
    timestamped: null,
    timestampError: null,
    malformed: [],
    compliance: complianceTotals(finalDir),
    resumed: 'archive' as const,
    leftoversRemoved: leftovers,
  });
}

/**
 * When no current pack of `date` exists but a `.vN` version does that no pack supersedes (a
 * `--force` killed between its two renames), what the new pack supersedes.
 */
function interruptedSupersede(
  artifactsDir: string,
  date: string,
): { manifest_sha256: string | null; moved_to: string } | undefined {
  const version = nextVersion(artifactsDir, date) - 1;
  if (version < 1) return undefined;
  const name = packDirName(date, version);
  const dir = join(artifactsDir, name);
  try {
    if (!lstatSync(dir).isDirectory()) return undefined;
  } catch {
    return undefined; // only an archive of that version: nothing to link
  }
  return { manifest_sha256: manifestSha256(dir) ?? null, moved_to: name };
}

/** The finding totals in an existing pack's data/compliance_report.json (zeros when it has none). */
function complianceTotals(packDir: string): ExportResult['compliance'] {
  try {
    const t =
      (
        JSON.parse(readFileSync(join(packDir, 'data', 'compliance_report.json'), 'utf8')) as {
          totals?: Record<string, unknown>;
        }
      ).totals ?? {};
    const n = (k: string): number => (typeof t[k] === 'number' ? (t[k] as number) : 0);
    return { critical: n('critical'), warning: n('warning'), info: n('info'), total: n('total') };
  } catch {
    return { critical: 0, warning: 0, info: 0, total: 0 };
  }
}

/** manifest.json of a pack, or undefined when it cannot be read. */
function readManifest(packDir: string): PackManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(packDir, 'manifest.json'), 'utf8')) as PackManifest;
  } catch {
    return undefined;
  }
}

/** Writes `<date>.tar.gz` of the pack (built as `.tmp-…`, fsynced, renamed); an older archive moves to `.vN` too. */
async function compressPack(artifactsDir: string, date: string, movedTo: string | null): Promise<string> {
  const dest = join(artifactsDir, `${date}.tar.gz`);
  const tmp = join(artifactsDir, `${TMP_PREFIX}${date}-${process.pid}-${Date.now()}.tar.gz`);
  const packDir = join(artifactsDir, date);
  const entries: TarEntry[] = [];
  const mt = (p: string): number => Math.floor(statSync(p).mtimeMs / 1000);
  entries.push({ name: `${date}/`, mode: 0o555, mtime: mt(packDir) });
  const top = PACK_FILES.filter((f) => f.place !== 'payload').map((f) => f.name);
  for (const n of top)
    if (exists(join(packDir, n)))
      entries.push({ name: `${date}/${n}`, source: join(packDir, n), mode: 0o444, mtime: mt(join(packDir, n)) });
  entries.push({ name: `${date}/data/`, mode: 0o555, mtime: mt(join(packDir, 'data')) });
  for (const n of PAYLOAD_FILES)
    if (exists(join(packDir, 'data', n)))
      entries.push({
        name: `${date}/data/${n}`,
        source: join(packDir, 'data', n),
        mode: 0o444,
        mtime: mt(join(packDir, 'data', n)),
      });
  try {
    await writeTarGz(tmp, entries);
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    if (exists(dest)) {
      const aside = join(artifactsDir, `${movedTo ?? packDirName(date, nextVersion(artifactsDir, date))}.tar.gz`);
      if (exists(aside)) throw new AuditpackError('PACK_EXISTS', `${aside} exists; refusing to overwrite`);
      renameOrThrow(dest, aside);
    }
    renameOrThrow(tmp, dest);
    fsyncDir(artifactsDir);
    return dest;
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err instanceof AuditpackError ? err : wrapFsError(err, 'write', dest);
  }
}

async function recordExport(
  logDir: string,
  clock: (() => number) | undefined,
  fields: Record<string, unknown>,
): Promise<void> {
  const logger = createAuditLogger({ logDir, handleExit: false, durability: 'durable', ...(clock ? { clock } : {}) });
  try {
    await logger.log('system', 'PackExported', fields);
  } finally {
    await logger.close();
  }
}

function renameOrThrow(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    throw wrapFsError(err, 'rename', `${from} -> ${to}`);
  }
}
