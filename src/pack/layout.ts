/**
 * Names and places in the artifacts directory (docs/FORMAT.md, "Export packs"):
 * `YYYY-MM-DD/` (current pack), `YYYY-MM-DD.vN/` (a superseded version), `YYYY-MM-DD[.vN].tar.gz`,
 * `pruned.jsonl`, and `.tmp-*` build directories.
 */
import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import {
  PACK_PATH,
  PACK_VERSION_MAX,
  type PackName,
  PRUNED_LEDGER,
  parseArchiveName,
  parsePackName,
} from '../format/pack.js';
import { sha256File } from '../fsx/digest.js';
import { isNotRegularFile, readRegularSync } from '../fsx/regular.js';
import { parsePrunedLedger } from '../format/pruned-ledger.js';

/** Prefix of temporary build directories and files inside the artifacts dir. */
export { TMP_PREFIX } from '../format/dir-names.js';
// Pack names and the ledger's name are part of the pack format (src/format/pack.ts).
export { PRUNED_LEDGER, parseArchiveName, parsePackName, type PackName } from '../format/pack.js';

/** The name of a pack directory. */
export function packDirName(date: string, version: number | null = null): string {
  return version === null ? date : `${date}.v${version}`;
}

/** One entry of the artifacts directory that looks like a pack or an archive. */
export interface PackEntry extends PackName {
  /** File name inside the artifacts dir. */
  readonly name: string;
  readonly kind: 'pack' | 'archive';
  /** What the entry is, without following symlinks. */
  readonly type: 'dir' | 'file' | 'symlink' | 'other';
}

function typeOf(d: Dirent): PackEntry['type'] {
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isDirectory()) return 'dir';
  if (d.isFile()) return 'file';
  return 'other';
}

/** Pack-named directories and archives in the artifacts dir (none when it does not exist), sorted by name. */
export function listPackEntries(artifactsDir: string): PackEntry[] {
  let dirents: Dirent[];
  try {
    dirents = readdirSync(artifactsDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw wrapFsError(err, 'read directory', artifactsDir);
  }
  const out: PackEntry[] = [];
  for (const d of dirents) {
    const p = parsePackName(d.name);
    if (p) out.push({ ...p, name: d.name, kind: 'pack', type: typeOf(d) });
    const a = parseArchiveName(d.name);
    if (a) out.push({ ...a, name: d.name, kind: 'archive', type: typeOf(d) });
  }
  return out.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

/**
 * SHA-256 of a pack's manifest.json bytes, or undefined when it cannot be read. A pack is hostile
 * input: a link in the manifest's place is never read through (nor a FIFO waited on).
 */
export function manifestSha256(packDir: string): string | undefined {
  try {
    return sha256File(join(packDir, PACK_PATH.manifestJson), { followLinks: false }).sha256;
  } catch {
    return undefined;
  }
}

/**
 * manifestSha256 for a pack a new one will link to: a manifest that is a link or a FIFO is an
 * error (READ_FAILED, ENOTREG), not a pack passed over for an older one in silence.
 */
function linkedManifestSha256(packDir: string): string | undefined {
  const path = join(packDir, PACK_PATH.manifestJson);
  try {
    return sha256File(path, { followLinks: false }).sha256;
  } catch (err) {
    if (isNotRegularFile(err)) throw wrapFsError(err, 'read', path);
    return undefined;
  }
}

/** One line of pruned.jsonl. */
export interface PrunedEntry {
  readonly export_date: string;
  readonly manifest_sha256: string | null;
  /** The pruned directory's name (`YYYY-MM-DD` or `YYYY-MM-DD.vN`). */
  readonly path: string;
  readonly pruned_at: string;
}

/**
 * The entries of pruned.jsonl that meet its schema (src/format/pruned-ledger.ts) and name the
 * pruned directory: what export links a new pack to. A damaged line is skipped, never fatal;
 * verify reports it.
 */
export function readPrunedLedger(artifactsDir: string): PrunedEntry[] {
  let text: string;
  try {
    // A FIFO in its place is refused (never waited on), a symbolic link never read through: both errors.
    text = readRegularSync(join(artifactsDir, PRUNED_LEDGER)).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw wrapFsError(err, 'read', join(artifactsDir, PRUNED_LEDGER));
  }
  const out: PrunedEntry[] = [];
  for (const e of parsePrunedLedger(text).entries) {
    if (e.path === undefined) continue;
    out.push({
      export_date: e.export_date,
      manifest_sha256: e.manifest_sha256,
      path: e.path,
      pruned_at: e.pruned_at ?? '',
    });
  }
  return out;
}

/** The newest pack (or pruned.jsonl entry) dated before `date`: what `previous_pack` records. */
export function findPreviousPack(
  artifactsDir: string,
  date: string,
): { export_date: string; manifest_sha256: string } | null {
  let best: { export_date: string; manifest_sha256: string } | null = null;
  // Newest first: only the pack linked to (and any newer one whose manifest cannot be read) is read.
  for (const e of listPackEntries(artifactsDir).reverse()) {
    if (e.kind !== 'pack' || e.version !== null || e.type !== 'dir' || e.date >= date) continue;
    const sha = linkedManifestSha256(join(artifactsDir, e.name));
    if (sha === undefined) continue;
    best = { export_date: e.date, manifest_sha256: sha };
    break;
  }
  for (const p of readPrunedLedger(artifactsDir)) {
    if (parsePackName(p.path)?.version !== null || p.export_date >= date || p.manifest_sha256 === null) continue;
    if (best === null || p.export_date > best.export_date)
      best = { export_date: p.export_date, manifest_sha256: p.manifest_sha256 };
  }
  return best;
}

/**
 * The oldest pack (or pruned.jsonl entry) dated after `date`: what a back-filled day records as
 * `inserted_before` (docs/FORMAT.md, "Back-filling a missed day"). Null when `date` is the newest.
 */
export function findNextPack(
  artifactsDir: string,
  date: string,
): { export_date: string; manifest_sha256: string } | null {
  let best: { export_date: string; manifest_sha256: string } | null = null;
  // Oldest first: only the pack linked to (and any older one whose manifest cannot be read) is read.
  for (const e of listPackEntries(artifactsDir)) {
    if (e.kind !== 'pack' || e.version !== null || e.type !== 'dir' || e.date <= date) continue;
    const sha = linkedManifestSha256(join(artifactsDir, e.name));
    if (sha === undefined) continue;
    best = { export_date: e.date, manifest_sha256: sha };
    break;
  }
  for (const p of readPrunedLedger(artifactsDir)) {
    if (parsePackName(p.path)?.version !== null || p.export_date <= date || p.manifest_sha256 === null) continue;
    if (best === null || p.export_date < best.export_date)
      best = { export_date: p.export_date, manifest_sha256: p.manifest_sha256 };
  }
  return best;
}

/** The highest version number of `date` in the artifacts dir (a dir or an archive), 0 when there is none. */
export function highestVersion(artifactsDir: string, date: string): number {
  let max = 0;
  for (const e of listPackEntries(artifactsDir))
    if (e.date === date && e.version !== null && e.version > max) max = e.version;
  return max;
}

/**
 * The next free version number for `date` (1 + the highest `.vN` of a dir or archive). Past
 * PACK_VERSION_MAX there is none: a pack moved to `.v1000000` would be outside the format, which
 * no checker reads as a pack, so its recorded export would look deleted. A version that high is
 * not one export made (it may be a file put there to cause exactly that): PACK_EXISTS, nothing moved.
 */
export function nextVersion(artifactsDir: string, date: string): number {
  const max = highestVersion(artifactsDir, date);
  if (max >= PACK_VERSION_MAX) {
    const path = join(artifactsDir, packDirName(date, max));
    throw new AuditpackError(
      'PACK_EXISTS',
      `${path} (or its .tar.gz) exists: a pack name has no version after .v${PACK_VERSION_MAX}, so no pack of ${date} can be moved aside; nothing was moved. A version that high is not one export made: look at it`,
      { details: { path, date } },
    );
  }
  return max + 1;
}
