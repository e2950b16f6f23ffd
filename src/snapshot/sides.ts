/**
 * Diff sides: what a snapshot stored of a file (text, binary, too large, unavailable), the diff
 * text between two sides, and which paths were added, removed or changed between two records.
 */
import { binaryDiff, unifiedDiff } from './unified-diff.js';
import { readObject } from './store.js';
import { decodeText } from './scan.js';
import type { SnapshotChanges, SnapshotFileEntry } from './types.js';

/** Records and objects read at once. */
export const READ_CONCURRENCY = 16;

/** One side of a diff, as far as it can be known. */
export type Side =
  | { kind: 'text'; text: string }
  | { kind: 'binary' }
  | { kind: 'too_large'; hash: string; size: number }
  | { kind: 'unavailable'; reason: string };

/** Loads the stored content of `paths` from a record's entries. */
export async function loadSides(
  snapshotDir: string,
  rec: { files: Readonly<Record<string, SnapshotFileEntry>> },
  paths: readonly string[],
): Promise<Map<string, Side>> {
  const out = new Map<string, Side>();
  await mapLimit(paths, READ_CONCURRENCY, async (p) => {
    const e = Object.hasOwn(rec.files, p) ? rec.files[p] : undefined;
    if (!e) return;
    if (e.withheld) {
      // No hash named: a record made before keyed hashes holds a plain one, which would let a
      // short secret be guessed; the diff is written into new records and packs.
      out.set(p, { kind: 'unavailable', reason: 'not stored: binary holding a secret' });
      return;
    }
    if (!e.stored || !e.object) {
      out.set(p, { kind: 'too_large', hash: e.hash, size: e.size });
      return;
    }
    if (e.binary) {
      out.set(p, { kind: 'binary' });
      return;
    }
    try {
      const bytes = await readObject(snapshotDir, e.object);
      out.set(p, { kind: 'text', text: decodeText(bytes).text });
    } catch (err) {
      out.set(p, { kind: 'unavailable', reason: err instanceof Error ? err.message : String(err) });
    }
  });
  return out;
}

/**
 * The diff text between two sides (null: the file does not exist on that side). When the files'
 * bytes differ but their redacted texts are equal, the change was to a redacted value: the text
 * says so (without saying what), rather than showing nothing.
 */
export function diffSides(path: string, a: Side | null, b: Side | null, aLabel: string, bLabel: string): string {
  if (a?.kind === 'text' || a === null) {
    if (b === null || b.kind === 'text') {
      const text = unifiedDiff(
        { path, label: aLabel, text: a === null ? null : a.text },
        { path, label: bLabel, text: b === null ? null : b.text },
      );
      if (text !== '' || a === null || b === null) return text;
      return `Files a/${path} (${aLabel}) and b/${path} (${bLabel}) differ only in redacted values\n`;
    }
  }
  if (a?.kind === 'binary' || b?.kind === 'binary') {
    return binaryDiff(a === null ? null : { path, label: aLabel }, b === null ? null : { path, label: bLabel });
  }
  const left = a === null ? '/dev/null' : `a/${path} (${aLabel})`;
  const right = b === null ? '/dev/null' : `b/${path} (${bLabel})`;
  const why = [a, b]
    .map((s) =>
      s?.kind === 'too_large'
        ? `not stored: ${s.size} bytes, over the size limit (sha256 ${s.hash})`
        : s?.kind === 'unavailable'
          ? `unavailable: ${s.reason}`
          : undefined,
    )
    .filter((x) => x !== undefined);
  return `Files ${left} and ${right} differ; no content diff (${why.join('; ')})\n`;
}

/**
 * Added, removed and changed paths between two file maps (by the files' own hashes). `rawOf`, when
 * `b` was just read: each file's plain SHA-256, so that a record made before keyed hashes (whose
 * redacted files carry a plain one) still matches an unchanged file.
 */
export function compareEntries(
  a: Readonly<Record<string, SnapshotFileEntry>> | undefined,
  b: Readonly<Record<string, SnapshotFileEntry>>,
  rawOf?: ReadonlyMap<string, string>,
): SnapshotChanges {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  const before = a ?? {};
  for (const p of Object.keys(b)) {
    if (!Object.hasOwn(before, p)) added.push(p);
    else {
      const was = (before[p] as SnapshotFileEntry).hash;
      if (was !== (b[p] as SnapshotFileEntry).hash && was !== rawOf?.get(p)) changed.push(p);
    }
  }
  for (const p of Object.keys(before)) if (!Object.hasOwn(b, p)) removed.push(p);
  return { added: added.sort(byCodeUnit), removed: removed.sort(byCodeUnit), changed: changed.sort(byCodeUnit) };
}

/** Orders strings by UTF-16 code unit (the order records list their paths in). */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Maps with at most `limit` calls in flight, keeping order. Rejects with the first error. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
  return out;
}
