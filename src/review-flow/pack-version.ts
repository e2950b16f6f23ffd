/**
 * The pack versions of a day as review sees them: the current pack (`YYYY-MM-DD/`, the one a
 * review acts on), the superseded `.vN` versions it replaced, and the link from each to its parent
 * (`supersedes` in manifest.json). A version is named by its manifest hash, which never changes.
 */
import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditpackError } from '../errors.js';
import { PACK_PATH, TAGMANIFEST } from '../format/pack.js';
import { listPackEntries, packDirName } from '../pack/layout.js';

/** One pack version of a day. */
export interface PackVersion {
  /** Directory name: `YYYY-MM-DD` (current) or `YYYY-MM-DD.vN`. */
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
  const v = /\.v(\d+)$/.exec(name)?.[1];
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

/** Every readable version of a day, newest first: the current pack, then `.vN` from the highest N. */
export async function packVersions(artifactsDir: string, date: string): Promise<PackVersion[]> {
  const names = listPackEntries(artifactsDir)
    .filter((e) => e.kind === 'pack' && e.type === 'dir' && e.date === date)
    .sort((a, b) => (b.version ?? Number.MAX_SAFE_INTEGER) - (a.version ?? Number.MAX_SAFE_INTEGER))
    .map((e) => e.name);
  const out: PackVersion[] = [];
  for (const n of names) {
    const v = await readPackVersion(artifactsDir, n);
    if (v !== undefined) out.push(v);
  }
  return out;
}

/** The days that have a pack directory, sorted. */
export function packDays(artifactsDir: string): string[] {
  const days = new Set(
    listPackEntries(artifactsDir)
      .filter((e) => e.kind === 'pack')
      .map((e) => e.date),
  );
  return [...days].sort();
}

async function readBounded(path: string, max: number): Promise<Buffer | undefined> {
  const st = await lstat(path).catch(() => undefined);
  if (st === undefined || !st.isFile() || st.size > max) return undefined;
  return readFile(path).catch(() => undefined);
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
