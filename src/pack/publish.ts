/**
 * Publishing a built pack atomically: its files made read-only and fsynced, an older pack of the
 * day moved aside under the next free `.vN` (never overwritten), the build directory renamed into
 * place and the artifacts directory fsynced; and the `.tar.gz`, built aside and renamed likewise.
 */
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import {
  archiveFileName,
  PACK_FILES,
  PAYLOAD_DIR,
  PAYLOAD_DIR_NAME,
  PAYLOAD_FILES,
  SIGNATURE_FILE,
  TAG_FILES,
  TAGMANIFEST,
} from '../format/pack.js';
import { fsyncDir, pathExists as exists } from '../fsx/dirs.js';
import { listPackEntries, manifestSha256, nextVersion, packDirName, TMP_PREFIX } from './layout.js';
import { TAR_DIR_MODE, type TarEntry, writeTarGz } from './tar.js';

/** What a new pack supersedes: the old pack's manifest hash and where it moves (or moved) to. */
export interface Supersede {
  readonly manifest_sha256: string | null;
  readonly moved_to: string;
}

/** Read-only, then durable: the payload and tag files 0444, the directories 0555, each fsynced. */
export function sealBuild(dir: string, payload: readonly string[], signed: boolean): void {
  const dataDir = join(dir, PAYLOAD_DIR_NAME);
  for (const name of payload) chmodSync(join(dataDir, name), 0o444);
  for (const name of [...TAG_FILES, TAGMANIFEST, ...(signed ? [SIGNATURE_FILE] : [])])
    chmodSync(join(dir, name), 0o444);
  chmodSync(dataDir, 0o555);
  fsyncDir(dataDir);
  fsyncDir(dir);
  chmodSync(dir, 0o555);
}

/**
 * Moves the sealed build `tmp` to `finalDir`, first moving an existing pack aside to
 * `superseded.moved_to` (unless a killed run already did: `interrupted`). Returns what the new
 * pack superseded, as exportPack reports it.
 */
export function publishBuild(
  artifactsDir: string,
  date: string,
  tmp: string,
  finalDir: string,
  superseded: Supersede | null,
  interrupted: Supersede | undefined,
): { readonly path: string; readonly manifestSha256: string | null } | null {
  let result: { path: string; manifestSha256: string | null } | null = null;
  if (superseded !== null && interrupted !== undefined) {
    result = { path: join(artifactsDir, interrupted.moved_to), manifestSha256: interrupted.manifest_sha256 };
  } else if (superseded !== null) {
    // A new version never overwrites: the old pack moves aside under the next free .vN.
    const movedTo = join(artifactsDir, superseded.moved_to);
    if (exists(movedTo)) throw new AuditpackError('PACK_EXISTS', `${movedTo} appeared during the export; try again`);
    renameOrThrow(finalDir, movedTo);
    result = { path: movedTo, manifestSha256: superseded.manifest_sha256 };
  }
  if (exists(finalDir))
    throw new AuditpackError('PACK_EXISTS', `a pack for ${date} appeared at ${finalDir} during the export`, {
      details: { path: finalDir },
    });
  renameOrThrow(tmp, finalDir);
  fsyncDir(artifactsDir);
  return result;
}

/**
 * When no current pack of `date` exists but a `.vN` version does that no pack supersedes (a
 * `--force` or a re-run over an unrecorded pack killed between its two renames, or a version put
 * there by hand), what the new pack supersedes. Whether that version was ever recorded is the
 * log's to say, never this directory's: the caller asks it (export.ts).
 */
export function interruptedSupersede(artifactsDir: string, date: string): Supersede | undefined {
  // The highest version that is a directory: a `.vN.tar.gz` (or any file) at a higher name, put
  // there or left by hand, holds no pack to link and must not hide the version the killed run moved.
  let version = 0;
  for (const e of listPackEntries(artifactsDir))
    if (e.date === date && e.kind === 'pack' && e.type === 'dir' && e.version !== null && e.version > version)
      version = e.version;
  if (version < 1) return undefined;
  const name = packDirName(date, version);
  return { manifest_sha256: manifestSha256(join(artifactsDir, name)) ?? null, moved_to: name };
}

/** Writes `<date>.tar.gz` of the pack (built as `.tmp-…`, fsynced, renamed); an older archive moves to `.vN` too. */
export async function compressPack(
  artifactsDir: string,
  date: string,
  movedTo: string | null,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Promise<string> {
  const dest = join(artifactsDir, archiveFileName(date));
  const tmp = join(artifactsDir, `${TMP_PREFIX}${archiveFileName(`${date}-${process.pid}-${Date.now()}`)}`);
  const packDir = join(artifactsDir, date);
  const entries: TarEntry[] = [];
  const mt = (p: string): number => Math.floor(statSync(p).mtimeMs / 1000);
  entries.push({ name: `${date}/`, mode: TAR_DIR_MODE, mtime: mt(packDir) });
  const top = PACK_FILES.filter((f) => f.place !== 'payload').map((f) => f.name);
  for (const n of top)
    if (exists(join(packDir, n)))
      entries.push({ name: `${date}/${n}`, source: join(packDir, n), mode: 0o444, mtime: mt(join(packDir, n)) });
  entries.push({ name: `${date}/${PAYLOAD_DIR}`, mode: TAR_DIR_MODE, mtime: mt(join(packDir, PAYLOAD_DIR_NAME)) });
  for (const n of PAYLOAD_FILES)
    if (exists(join(packDir, PAYLOAD_DIR_NAME, n)))
      entries.push({
        name: `${date}/${PAYLOAD_DIR}${n}`,
        source: join(packDir, PAYLOAD_DIR_NAME, n),
        mode: 0o444,
        mtime: mt(join(packDir, PAYLOAD_DIR_NAME, n)),
      });
  try {
    const total = entries.reduce((n, e) => n + (e.source === undefined ? 0 : statSync(e.source).size), 0);
    let done = 0;
    await writeTarGz(tmp, entries, onProgress && ((n: number) => onProgress((done += n), total)));
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    if (exists(dest)) {
      const aside = join(artifactsDir, archiveFileName(movedTo ?? packDirName(date, nextVersion(artifactsDir, date))));
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

function renameOrThrow(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    throw wrapFsError(err, 'rename', `${from} -> ${to}`);
  }
}
