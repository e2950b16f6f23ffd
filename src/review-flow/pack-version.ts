/**
 * The pack versions of a day as review sees them: the current pack (`YYYY-MM-DD/`, the one a
 * review acts on), the superseded `.vN` versions it replaced, and the link from each to its parent
 * (`supersedes` in manifest.json). A version is named by its manifest hash, which never changes.
 */
import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { readRegular } from '../fsx/regular.js';
import { join } from 'node:path';
import { AuditpackError } from '../errors.js';
import { PACK_ARCHIVE_SUFFIX, PACK_PATH, TAGMANIFEST } from '../format/pack.js';
import { listPackEntries, packDirName } from '../pack/layout.js';
import { readTarGz, type TarEntrySink } from '../verify/tar.js';

/** One pack version of a day. */
export interface PackVersion {
  /** Directory name: `YYYY-MM-DD` (current) or `YYYY-MM-DD.vN`; `….tar.gz` for a pack kept only as one. */
  readonly name: string;
  readonly dir: string;
  readonly date: string;
  /** null for the current pack. */
  readonly version: number | null;
  readonly manifestSha256: string;
  readonly tagmanifestSha256: string;
  /** The parent version this one replaced (`export --force`), as manifest.json records it. */
  readonly parent: { readonly manifestSha256: string; readonly movedTo: string } | null;
  /** A pack of a day that had not ended (`export --partial`): never submitted for review. */
  readonly partial: boolean;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Reads a pack version's identity; undefined when its manifest.json or tag manifest cannot be read. */
export async function readPackVersion(artifactsDir: string, name: string): Promise<PackVersion | undefined> {
  const dir = join(artifactsDir, name);
  const st = await lstat(dir).catch(() => undefined);
  if (st === undefined || !st.isDirectory()) return undefined;
  const manifest = await readBounded(join(dir, PACK_PATH.manifestJson), MAX_MANIFEST_BYTES);
  const tag = await readBounded(join(dir, TAGMANIFEST), 64 * 1024);
  return versionOf(name, dir, manifest, tag);
}

/**
 * A pack kept only as `.tar.gz` (after archive and prune): its identity read from the archive's
 * manifest.json and tag manifest (streamed, bounded; nothing extracted). Undefined when unreadable.
 */
export async function readTarPackVersion(artifactsDir: string, name: string): Promise<PackVersion | undefined> {
  const path = join(artifactsDir, name);
  const st = await lstat(path).catch(() => undefined);
  if (st === undefined || !st.isFile()) return undefined;
  const wanted: Readonly<Record<string, number>> = {
    [PACK_PATH.manifestJson]: MAX_MANIFEST_BYTES,
    [TAGMANIFEST]: 64 * 1024,
  };
  const got = new Map<string, Buffer>();
  try {
    await readTarGz(path, (e) => {
      const rel = e.name.replace(/^[^/]+\//, '');
      const max = Object.hasOwn(wanted, rel) ? wanted[rel] : undefined;
      if (e.type !== 'file' || max === undefined || e.size > max || got.has(rel) || !/^[^/]+\//.test(e.name))
        return undefined;
      return collect((b) => got.set(rel, b));
    });
  } catch {
    return undefined;
  }
  return versionOf(name, path, got.get(PACK_PATH.manifestJson), got.get(TAGMANIFEST));
}

function collect(done: (b: Buffer) => void): TarEntrySink {
  const parts: Buffer[] = [];
  return { write: (c) => void parts.push(c), end: () => done(Buffer.concat(parts)) };
}

function versionOf(
  name: string,
  dir: string,
  manifest: Buffer | undefined,
  tag: Buffer | undefined,
): PackVersion | undefined {
  if (manifest === undefined || tag === undefined) return undefined;
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(manifest.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (m === null || typeof m !== 'object' || typeof m.export_date !== 'string') return undefined;
  const sup = m.supersedes as Record<string, unknown> | null | undefined;
  const parent =
    sup !== null && typeof sup === 'object' && typeof sup.manifest_sha256 === 'string'
      ? { manifestSha256: sup.manifest_sha256, movedTo: typeof sup.moved_to === 'string' ? sup.moved_to : '?' }
      : null;
  const v = /\.v(\d+)(?:\.tar\.gz)?$/.exec(name)?.[1];
  return {
    name,
    dir,
    date: m.export_date,
    version: v === undefined ? null : Number(v),
    manifestSha256: sha256(manifest),
    tagmanifestSha256: sha256(tag),
    parent,
    partial: m.partial === true,
  };
}

/** The current pack of a day, the one review acts on. Throws PATH_NOT_FOUND when there is none. */
export async function currentPack(artifactsDir: string, date: string): Promise<PackVersion> {
  const v = await readPackVersion(artifactsDir, packDirName(date));
  if (v === undefined)
    throw new AuditpackError('PATH_NOT_FOUND', `no readable pack for ${date} in ${artifactsDir}`, {
      details: { date, path: join(artifactsDir, packDirName(date)) },
    });
  if (v.date !== date)
    throw new AuditpackError('REVIEW_BLOCKED', `${v.name}/manifest.json names ${v.date}: the pack does not verify`);
  return v;
}

/**
 * Every readable version of a day, newest first: the current pack, then `.vN` from the highest N;
 * a version kept only as `.tar.gz` (its directory archived and pruned) is read from the archive.
 */
export async function packVersions(artifactsDir: string, date: string): Promise<PackVersion[]> {
  const entries = listPackEntries(artifactsDir).filter((e) => e.date === date);
  const dirs = new Set(entries.filter((e) => e.kind === 'pack' && e.type === 'dir').map((e) => e.name));
  const names = entries
    .filter(
      (e) =>
        (e.kind === 'pack' && e.type === 'dir') ||
        (e.kind === 'archive' && e.type === 'file' && !dirs.has(e.name.slice(0, -PACK_ARCHIVE_SUFFIX.length))),
    )
    .sort((a, b) => (b.version ?? Number.MAX_SAFE_INTEGER) - (a.version ?? Number.MAX_SAFE_INTEGER));
  const out: PackVersion[] = [];
  for (const e of names) {
    const v =
      e.kind === 'pack' ? await readPackVersion(artifactsDir, e.name) : await readTarPackVersion(artifactsDir, e.name);
    if (v !== undefined) out.push(v);
  }
  return out;
}

/** The days that have a pack (a directory or a `.tar.gz`), sorted. */
export function packDays(artifactsDir: string): string[] {
  const days = new Set(listPackEntries(artifactsDir).map((e) => e.date));
  return [...days].sort();
}

async function readBounded(path: string, max: number): Promise<Buffer | undefined> {
  const st = await lstat(path).catch(() => undefined);
  if (st === undefined || !st.isFile() || st.size > max) return undefined;
  return readRegular(path).catch(() => undefined); // never waits on a FIFO, never follows a link
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
