/**
 * A previous day's pack kept only as `<date>.tar.gz` (archived, its directory pruned) as a carry
 * source: its `manifest-sha256.txt` and `data/compliance_state.json` taken out of the archive in
 * memory, bounded, through the same bounded tar reader verify uses, then judged exactly as a pack
 * directory's (carry-source.ts). The archive is hostile: a member named twice (a tool extracting it
 * would keep the last, this reader the first, so which one counts is ambiguous), a link in place of
 * a file, a member over its bound or a malformed stream make the archive unusable, with a reason.
 */
import { lstatSync } from 'node:fs';
import { readTarGz, type TarEntry, type TarEntrySink, TarFormatError } from '../fsx/tar-read.js';
import { PACK_PATH } from '../format/pack.js';

/** The two members a carry needs, as found (undefined: not in the archive). */
export interface ArchivedStateFiles {
  readonly manifest: Buffer | undefined;
  readonly state: Buffer | undefined;
  /** `<date>/tagmanifest-sha256.txt`, which must list manifest-sha256.txt. */
  readonly tagmanifest: Buffer | undefined;
  /** `<date>/manifest.json`: a partial pack is no carry source. */
  readonly manifestJson: Buffer | undefined;
  /** `<date>/tagmanifest-sha256.txt.sig`: held to the export's key when the export signs. */
  readonly signature: Buffer | undefined;
}

/**
 * Reads `<date>/manifest-sha256.txt`, `<date>/manifest.json` and `<date>/data/compliance_state.json` out of `tarPath`.
 * Returns undefined when there is no such regular file, a string saying why the archive cannot be
 * used, or the members found (each at most its bound).
 */
export async function readArchivedStateFiles(
  tarPath: string,
  date: string,
  maxManifest: number,
  maxState: number,
): Promise<ArchivedStateFiles | string | undefined> {
  try {
    if (!lstatSync(tarPath).isFile()) return `${date}.tar.gz is not a regular file`;
  } catch {
    return undefined;
  }
  const wanted = new Map<string, number>([
    [`${date}/${PACK_PATH.manifest}`, maxManifest],
    [`${date}/${PACK_PATH.complianceState}`, maxState],
    [`${date}/${PACK_PATH.manifestJson}`, maxManifest],
    [`${date}/${PACK_PATH.tagmanifest}`, maxManifest],
    [`${date}/${PACK_PATH.signature}`, maxManifest],
  ]);
  const got = new Map<string, Buffer>();
  const onEntry = (e: TarEntry): TarEntrySink | undefined => {
    const max = wanted.get(e.name);
    if (max === undefined) return undefined;
    if (got.has(e.name)) throw new TarFormatError(`${e.name} is in it twice`);
    if (e.type !== 'file') throw new TarFormatError(`${e.name} is a ${e.type}, not a file`);
    if (e.size > max) throw new TarFormatError(`${e.name} is over ${max} bytes`);
    const chunks: Buffer[] = [];
    return { write: (c) => void chunks.push(Buffer.from(c)), end: () => void got.set(e.name, Buffer.concat(chunks)) };
  };
  try {
    await readTarGz(tarPath, onEntry);
  } catch (err) {
    return `${date}.tar.gz cannot be read: ${err instanceof Error ? err.message : String(err)}`;
  }
  return {
    manifest: got.get(`${date}/${PACK_PATH.manifest}`),
    state: got.get(`${date}/${PACK_PATH.complianceState}`),
    manifestJson: got.get(`${date}/${PACK_PATH.manifestJson}`),
    tagmanifest: got.get(`${date}/${PACK_PATH.tagmanifest}`),
    signature: got.get(`${date}/${PACK_PATH.signature}`),
  };
}
