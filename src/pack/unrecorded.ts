/**
 * A pack in place whose export was never recorded: an export (plain or `--force`) killed after the
 * pack was renamed into place and before its PackExported event was chained, or a pack put there
 * by hand. Nothing in the artifacts directory tells them apart, so a re-run never vouches for it:
 * it keeps it as the next version (`D.vN`, its `.tar.gz` beside it), exports the day afresh and
 * records the new pack's event with `supersedes_unrecorded: true` (export.ts).
 */
import { createHash } from 'node:crypto';
import { readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { scanLines } from '../chain/lines.js';
import { AuditpackError, wrapFsError } from '../errors.js';
import { archiveFileName, EXPORT_EVENT, EXPORT_EVENT_FIELD, PACK_PATH, type PackManifest } from '../format/pack.js';
import { fsyncDir, pathExists as exists } from '../fsx/dirs.js';
import { linesContaining } from '../fsx/lines-containing.js';
import { FragmentWatch, recoveredIn } from '../format/recovered-line.js';
import { readTarGz } from '../fsx/tar-read.js';
import { dayOfLogFileName } from '../rotation/index.js';
import { readManifest } from './export-record.js';
import type { ExportPackOptions } from './export-types.js';
import { manifestSha256, nextVersion, packDirName } from './layout.js';

const EXPORT_MARK = Buffer.from(JSON.stringify(EXPORT_EVENT.event), 'latin1');

/** The day files of `logDir` dated `fromDay` or later, by name (oldest first). */
function dayFilesFrom(logDir: string, fromDay: number): string[] {
  let names: string[];
  try {
    names = readdirSync(logDir).sort();
  } catch (err) {
    throw wrapFsError(err, 'read directory', logDir);
  }
  return names.filter((n) => {
    const d = dayOfLogFileName(n);
    return d !== undefined && d >= fromDay;
  });
}

/** Adds to `found` the manifest hashes the PackExported events of `date` in one log file record. */
async function exportsInFile(logDir: string, name: string, date: string, found: Set<string>): Promise<void> {
  // The few lines that name the event, found by a byte search over whole chunks (a day file of
  // hundreds of MB is read near the disk's speed, not split into lines); complete lines only.
  // A line the next line recovers is no event (docs/FORMAT.md "Torn lines and recovery").
  const recovers = recoveredIn(name);
  const lines = await linesContaining(join(logDir, name), EXPORT_MARK, {
    followLinks: false,
    terminatedOnly: true,
    recovers,
  });
  if (lines !== undefined) {
    for (const b of lines) addExport(b, date, found);
    return;
  }
  // Not a regular file (or gone): read as the log reader does, which says what is wrong with it.
  const watch = new FragmentWatch(name);
  let held: Buffer | undefined;
  await scanLines(
    join(logDir, name),
    (l) => {
      if (held !== undefined && !watch.recovers(l)) addExport(held, date, found);
      held = undefined;
      const b = l.bytes;
      if (b === undefined || !l.terminated || b.indexOf(EXPORT_MARK) === -1) return;
      watch.hold(l);
      held = Buffer.from(b);
    },
    { noFollow: true },
  ).catch((err: unknown) => {
    throw err instanceof AuditpackError ? err : wrapFsError(err, 'read', join(logDir, name));
  });
  if (held !== undefined) addExport(held, date, found);
}

/** Adds the manifest hash a line records when it is a PackExported event of `date`. */
function addExport(b: Buffer, date: string, found: Set<string>): void {
  try {
    const o = JSON.parse(b.toString('utf8')) as Record<string, unknown>;
    if (o.category !== EXPORT_EVENT.category || o.event !== EXPORT_EVENT.event) return;
    const sha = o[EXPORT_EVENT_FIELD.manifestSha256];
    if (o[EXPORT_EVENT_FIELD.date] === date && typeof sha === 'string') found.add(sha);
  } catch {
    /* not an event: `verify logs` reports the line */
  }
}

/** The manifest hashes the PackExported events of `date` record, in the log files dated `fromDay` or later. */
export async function recordedExports(logDir: string, date: string, fromDay: number): Promise<Set<string>> {
  const found = new Set<string>();
  for (const name of dayFilesFrom(logDir, fromDay)) await exportsInFile(logDir, name, date, found);
  return found;
}

/**
 * Whether a PackExported event of `date` in the log files dated `fromDay` or later records `sha`.
 * A full export of a day is recorded the day after it or later, so those files are read first,
 * oldest first, the day's own (a partial export's) last; the scan stops at the first that records it.
 */
export async function isRecordedExport(logDir: string, date: string, fromDay: number, sha: string): Promise<boolean> {
  const names = dayFilesFrom(logDir, fromDay);
  const own = names.filter((n) => dayOfLogFileName(n) === fromDay);
  const found = new Set<string>();
  for (const name of [...names.filter((n) => dayOfLogFileName(n) !== fromDay), ...own]) {
    await exportsInFile(logDir, name, date, found);
    if (found.has(sha)) return true;
  }
  return false;
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
 * The day's `.tar.gz` beside a pack about to be superseded: kept when it holds the pack (its
 * manifest.json), else moved to the name of the version it holds (the superseded one the pack names:
 * a `--force` killed before its new `.tar.gz`, said nothing of), or the next free `.vN`. That last
 * one holds no pack the day's record names (a `.tar.gz` put there, or a damaged one): kept, never
 * removed, and returned as a warning (`ARCHIVE_KEPT_ASIDE: …`), never moved in silence; verify
 * names it as an unrecorded version no recorded `supersedes` names (an error).
 */
export async function settleArchive(
  artifactsDir: string,
  date: string,
  manifest: PackManifest,
  manifestHash: string,
): Promise<string | undefined> {
  const dest = join(artifactsDir, archiveFileName(date));
  if (!exists(dest)) return undefined;
  const held = await tarManifestSha256(dest, date);
  if (held === manifestHash) return undefined;
  const s = manifest.supersedes;
  const known = s !== null && s !== undefined && held !== undefined && s.manifest_sha256 === held;
  const name = known ? s.moved_to : packDirName(date, nextVersion(artifactsDir, date));
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
  if (known) return undefined;
  return `ARCHIVE_KEPT_ASIDE: ${dest} held ${held === undefined ? 'no readable pack' : `a pack of ${date} (manifest ${held.slice(0, 16)}…)`} other than ${date}/ and than the version it supersedes: not built by an export of this pack (put there, or damaged). Kept as ${aside}, not vouched for; look at it: auditpack verify ${aside}`;
}

/**
 * Whether the current pack of `date` (at `finalDir`) is one no PackExported event of its day records
 * (in the log files dated `day` or later). A pack whose manifest.json cannot be read is not: the
 * caller refuses it as an existing pack.
 */
export async function isUnrecorded(options: ExportPackOptions, day: number, finalDir: string): Promise<boolean> {
  const hash = manifestSha256(finalDir);
  if (readManifest(finalDir) === undefined || hash === undefined) return false;
  return !(await recordedExports(options.logDir, options.date, day)).has(hash);
}

/** Moves `<date>.tar.gz`, when there is one, to `<movedTo>.tar.gz` (never over an existing file). */
export function moveArchiveAside(artifactsDir: string, date: string, movedTo: string): void {
  const dest = join(artifactsDir, archiveFileName(date));
  if (!exists(dest)) return;
  const aside = join(artifactsDir, archiveFileName(movedTo));
  if (exists(aside))
    throw new AuditpackError('PACK_EXISTS', `${aside} exists; not moving ${dest} there`, {
      details: { path: dest, date },
    });
  try {
    renameSync(dest, aside);
  } catch (err) {
    throw wrapFsError(err, 'rename', `${dest} -> ${aside}`);
  }
  fsyncDir(artifactsDir);
}
