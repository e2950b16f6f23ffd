/**
 * Where host packs come from: a pack directory, an artifacts directory holding the day's pack as a
 * directory or only as `<date>.tar.gz`, or the archive's bucket (`<prefix><host>/<date>.tar.gz`,
 * each host archiving under its own prefix). A `.tar.gz` is unpacked into a private staging
 * directory and then read like any pack directory; the unpacked pack is what gets verified.
 *
 * Every tar header is hostile: only the files of one pack are unpacked (`<date>/` and
 * `<date>/data/`, plain names, regular files), so an entry can never land outside the staging
 * directory, be a link, or add a directory; anything else makes the source unusable.
 */
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AuditpackError } from '../errors.js';
import type { ArchiveSettings } from '../config.js';
import { archiveFileName, PACK_PATH, PAYLOAD_DIR } from '../format/pack.js';
import { HOST_NAME } from '../format/rollup.js';
import { readTarGz, type TarEntry, type TarEntrySink, TarFormatError } from '../verify/tar.js';
import { ArchiveStore } from '../archive/index.js';

const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Where a roll-up reads a bucket's host packs: `<prefix><host>/<date>.tar.gz`. */
export interface ArchiveSource {
  readonly settings: ArchiveSettings;
  /** Key prefix holding one prefix per host, empty or ending in `/`. */
  readonly prefix: string;
}

const isFile = (p: string): boolean => {
  try {
    return lstatSync(p).isFile();
  } catch {
    return false;
  }
};

/** The pack of `date` in a source: `<dir>/<date>/`, or `<dir>` itself when it is that pack. */
export function packDirOf(dir: string, date: string): string | undefined {
  const inside = join(dir, date);
  if (existsSync(join(inside, PACK_PATH.manifestJson))) return inside;
  if (basename(dir) === date && existsSync(join(dir, PACK_PATH.manifestJson))) return dir;
  return undefined;
}

/** What is at `p`, the link itself when it is one (undefined: nothing there). */
function kindAt(p: string): string | undefined {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(p);
  } catch {
    return undefined;
  }
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isFile()) return 'a file';
  return st.isFIFO() ? 'a FIFO' : 'a special file';
}

/** A source's pack or `.tar.gz` replaced by something else: the source is unusable (ROLLUP_SOURCE_INVALID). */
function notAPack(path: string, kind: string): AuditpackError {
  return new AuditpackError('ARCHIVE_PACK_INVALID', `${path} is ${kind}, named as a pack; never followed or read`, {
    details: { path },
  });
}

/**
 * The directory of the day's pack in a source: the pack itself, `<dir>/<date>/`, or `<dir>/<date>.tar.gz`
 * (or `dir` being a `.tar.gz` file) unpacked into a fresh directory under `stage`. Inside a host's
 * artifacts directory, hostile input, `<date>/` and `<date>.tar.gz` are a directory and a regular
 * file or nothing: a link or a FIFO in their place is never followed or opened. Without the pack
 * directory it makes the source unusable (thrown, ARCHIVE_PACK_INVALID); beside it, `note` is told.
 */
export async function locatePack(
  dir: string,
  date: string,
  stage: string,
  note?: (detail: string) => void,
): Promise<string | undefined> {
  const inside = kindAt(join(dir, date));
  if (inside !== undefined && inside !== 'a directory') throw notAPack(join(dir, date), inside);
  const found = packDirOf(dir, date);
  const beside = isFile(dir) ? undefined : join(dir, archiveFileName(date));
  const besideKind = beside === undefined ? undefined : kindAt(beside);
  if (beside !== undefined && besideKind !== undefined && besideKind !== 'a file') {
    if (found === undefined) throw notAPack(beside, besideKind);
    note?.(
      `${beside} is ${besideKind}, named as a pack; never followed or read (the pack directory ${date}/ was used)`,
    );
  }
  if (found !== undefined) return found;
  const tar = beside ?? dir;
  if (!isFile(tar)) return undefined;
  mkdirSync(stage, { recursive: true });
  let n = 0;
  while (true) {
    const dest = join(stage, `u${n++}`);
    try {
      mkdirSync(dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    await unpackPack(tar, date, dest);
    return join(dest, date);
  }
}

/** Unpacks the one pack of `date` in `tar` into `<dest>/<date>/`; throws on anything else in it. */
export async function unpackPack(tar: string, date: string, dest: string): Promise<void> {
  const root = join(dest, date);
  mkdirSync(join(root, PAYLOAD_DIR), { recursive: true });
  const open = new Set<number>();
  try {
    await readTarGz(tar, (e) => sinkFor(e, date, root, open));
  } catch (err) {
    for (const fd of open) closeSync(fd);
    const why = err instanceof Error ? err.message : String(err);
    throw new AuditpackError('ARCHIVE_PACK_INVALID', `${tar} is not a pack of ${date} as a .tar.gz: ${why}`, {
      cause: err,
    });
  }
}

function sinkFor(e: TarEntry, date: string, root: string, open: Set<number>): TarEntrySink | undefined {
  const parts = e.name.replace(/\/$/, '').split('/');
  if (parts[0] !== date) throw new TarFormatError(`${JSON.stringify(e.name.slice(0, 200))} is outside ${date}/`);
  const inData = parts.length === 3 && `${parts[1]}/` === PAYLOAD_DIR;
  const name = parts.length === 2 || inData ? (parts[parts.length - 1] as string) : undefined;
  if (e.type === 'directory' && (parts.length === 1 || (parts.length === 2 && `${parts[1]}/` === PAYLOAD_DIR)))
    return undefined;
  if (e.type !== 'file' || name === undefined || !PLAIN_NAME.test(name) || name === '..')
    throw new TarFormatError(`${JSON.stringify(e.name.slice(0, 200))} (${e.type}) is not a file of a pack`);
  // 'wx': a name given twice is refused, never overwritten.
  const fd = openSync(join(root, inData ? PAYLOAD_DIR : '', name), 'wx', 0o444);
  open.add(fd);
  return {
    write: (chunk) => {
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off);
    },
    end: () => {
      open.delete(fd);
      closeSync(fd);
    },
  };
}

/**
 * Downloads the current version of every `<prefix><host>/<date>.tar.gz` in the bucket into
 * `<stage>/<host>/`, and returns them as named sources.
 */
export async function fetchArchiveSources(
  a: ArchiveSource,
  date: string,
  stage: string,
): Promise<{ host: string; dir: string }[]> {
  const store = await ArchiveStore.open(a.settings);
  try {
    const name = archiveFileName(date);
    const out: { host: string; dir: string }[] = [];
    for (const v of await store.listVersions(a.prefix)) {
      if (!v.isLatest || v.deleteMarker) continue;
      const rest = v.key.slice(a.prefix.length).split('/');
      if (rest.length !== 2 || rest[1] !== name || !HOST_NAME.test(rest[0] as string)) continue;
      const host = rest[0] as string;
      const dir = join(stage, 'archive', host);
      mkdirSync(dir, { recursive: true });
      await store.getToFile(v.key, v.versionId, join(dir, name));
      out.push({ host, dir });
    }
    return out;
  } finally {
    store.close();
  }
}
