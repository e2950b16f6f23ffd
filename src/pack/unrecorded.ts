/**
 * A pack in place whose export was never recorded: an export (plain or `--force`) killed after the
 * pack was renamed into place and before its PackExported event was chained. The re-run finds it,
 * checks it before vouching for it (its own hashes, its `data/audit.jsonl` against the day's log,
 * then the caller's full check: verify's, with the signing key), puts its `.tar.gz` in order (a
 * stale one of the superseded version moves to that version's name) and records the missing event.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { scanLines } from '../chain/lines.js';
import { AuditpackError, wrapFsError } from '../errors.js';
import {
  archiveFileName,
  EXPORT_EVENT,
  EXPORT_EVENT_FIELD,
  PACK_PATH,
  type PackManifest,
  SIGNATURE_FILE,
} from '../format/pack.js';
import { pathExists as exists } from '../fsx/dirs.js';
import { readTarGz } from '../fsx/tar-read.js';
import { dayOfLogFileName, logFileName } from '../rotation/index.js';
import { chainEndFields, recordExport, resumedResult } from './export-record.js';
import type { ExportPackOptions, ExportResult } from './export-types.js';
import { packHashProblem } from './intact.js';
import { nextVersion, packDirName } from './layout.js';
import { compressPack } from './publish.js';

const EXPORT_MARK = Buffer.from(JSON.stringify(EXPORT_EVENT.event), 'latin1');

/** The manifest hashes the PackExported events of `date` record, in the log files dated `fromDay` or later. */
export async function recordedExports(logDir: string, date: string, fromDay: number): Promise<Set<string>> {
  const found = new Set<string>();
  let names: string[];
  try {
    names = readdirSync(logDir).sort();
  } catch (err) {
    throw wrapFsError(err, 'read directory', logDir);
  }
  for (const name of names) {
    const n = dayOfLogFileName(name);
    if (n === undefined || n < fromDay) continue;
    await scanLines(
      join(logDir, name),
      (l) => {
        const b = l.bytes;
        if (b === undefined || !l.terminated || b.indexOf(EXPORT_MARK) === -1) return;
        try {
          const o = JSON.parse(b.toString('utf8')) as Record<string, unknown>;
          if (o.category !== EXPORT_EVENT.category || o.event !== EXPORT_EVENT.event) return;
          const sha = o[EXPORT_EVENT_FIELD.manifestSha256];
          if (o[EXPORT_EVENT_FIELD.date] === date && typeof sha === 'string') found.add(sha);
        } catch {
          /* not an event: `verify logs` reports the line */
        }
      },
      { noFollow: true },
    ).catch((err: unknown) => {
      throw err instanceof AuditpackError ? err : wrapFsError(err, 'read', join(logDir, name));
    });
  }
  return found;
}

/**
 * undefined when the pack's `data/audit.jsonl` (its hash as the pack lists it, already checked) is
 * the day's log file (a partial pack's: the start of it, the day went on); else why not. A full pack
 * of only the start of the day is not the export of that day.
 */
export function logCopyProblem(manifest: PackManifest, logDir: string, day: number): string | undefined {
  const entry = manifest.files[PACK_PATH.log];
  if (entry === undefined) return `its manifest.json lists no ${PACK_PATH.log}`;
  const logFile = join(logDir, logFileName(day));
  let fd: number;
  try {
    fd = openSync(logFile, 'r');
  } catch {
    return entry.size === 0 ? undefined : `its ${PACK_PATH.log} has ${entry.size} bytes, but ${logFile} is not there`;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < entry.size || (size > entry.size && manifest.partial !== true))
      return `its ${PACK_PATH.log} has ${entry.size} bytes, ${logFile} ${size}`;
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let at = 0; at < entry.size; ) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, entry.size - at), at);
      if (n === 0) return `${logFile} ended while read`;
      hash.update(buf.subarray(0, n));
      at += n;
    }
    return hash.digest('hex') === entry.sha256 ? undefined : `its ${PACK_PATH.log} is not ${logFile}`;
  } finally {
    closeSync(fd);
  }
}

/** The sha256 of `<date>/manifest.json` inside a `.tar.gz`, or undefined when it cannot be read. */
async function tarManifestSha256(path: string, date: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  let seen = false;
  try {
    await readTarGz(path, (e) => {
      if (e.type !== 'file' || e.name !== `${date}/${PACK_PATH.manifestJson}`) return undefined;
      seen = true;
      return { write: (c) => hash.update(c), end: () => undefined };
    });
  } catch {
    return undefined;
  }
  return seen ? hash.digest('hex') : undefined;
}

/**
 * The day's `.tar.gz` beside an unrecorded pack: kept when it holds the pack (its manifest.json),
 * else moved to the name of the version it holds (the superseded one the pack names, or the next
 * free `.vN`). Returns whether a `.tar.gz` of the pack is in place.
 */
export async function settleArchive(
  artifactsDir: string,
  date: string,
  manifest: PackManifest,
  manifestHash: string,
): Promise<boolean> {
  const dest = join(artifactsDir, archiveFileName(date));
  if (!exists(dest)) return false;
  const held = await tarManifestSha256(dest, date);
  if (held === manifestHash) return true;
  const s = manifest.supersedes;
  const name =
    s !== null && s !== undefined && held !== undefined && s.manifest_sha256 === held
      ? s.moved_to
      : packDirName(date, nextVersion(artifactsDir, date));
  const aside = join(artifactsDir, archiveFileName(name));
  if (exists(aside))
    throw new AuditpackError(
      'PACK_EXISTS',
      `${dest} does not hold the pack ${date}/ and ${aside} exists; not moving it. Verify the artifacts directory`,
      { details: { path: dest, date } },
    );
  try {
    renameSync(dest, aside);
  } catch (err) {
    throw wrapFsError(err, 'rename', `${dest} -> ${aside}`);
  }
  return false;
}

/**
 * The re-run's work on a pack in place that no PackExported event of its day records (`manifestHash`
 * is its manifest.json's): check it, settle its `.tar.gz` (built when `compress`), record the event.
 * A pack that does not check out is refused (PACK_EXISTS), never vouched for.
 */
export async function finishUnrecorded(
  options: ExportPackOptions,
  day: number,
  finalDir: string,
  manifest: PackManifest,
  manifestHash: string,
  leftovers: string[],
): Promise<ExportResult> {
  const { date, artifactsDir } = options;
  const problem =
    packHashProblem(finalDir) ??
    logCopyProblem(manifest, options.logDir, day) ??
    (await options.checkUnrecorded?.(finalDir));
  if (problem !== undefined)
    throw new AuditpackError(
      'PACK_EXISTS',
      `a pack for ${date} is at ${finalDir} but no PackExported event records it, and it does not check out (${problem}): not recording it. It was not made by an export of this log (or was changed since): verify it; --force makes a new version (this one is kept)`,
      { details: { path: finalDir, date, unrecorded: true } },
    );
  let archive: string | null = (await settleArchive(artifactsDir, date, manifest, manifestHash))
    ? join(artifactsDir, archiveFileName(date))
    : null;
  if (archive === null && options.compress === true) archive = await compressPack(artifactsDir, date, null);
  const s = manifest.supersedes;
  await recordExport(options.logDir, options.loggerClock, {
    date,
    path: finalDir,
    manifest_sha256: manifestHash,
    events: manifest.events.total,
    malformed_lines: manifest.events.malformed_lines,
    signed: exists(join(finalDir, SIGNATURE_FILE)),
    ...chainEndFields(manifest),
    ...(s ? { supersedes: s.manifest_sha256, moved_to: s.moved_to } : {}),
    resumed: 'event',
  });
  const superseded = s ? { path: join(artifactsDir, s.moved_to), manifestSha256: s.manifest_sha256 } : null;
  const r = { date, path: finalDir, manifest, manifestSha256: manifestHash, archive, superseded };
  return resumedResult({ ...r, leftoversRemoved: leftovers }, 'event');
}
