/** Reading the snapshot store: listing, resolving ids, one file's stored content, comparing two snapshots. */
import { AuditpackError } from '../errors.js';
import { compareEntries, byCodeUnit, diffSides, loadSides, mapLimit, READ_CONCURRENCY } from './sides.js';
import { existingSnapshotKey } from './keyed-hash.js';
import { redactedPathName } from './path-names.js';
import { redactedForReading } from './redacted-copy.js';
import type { RedactionOptions } from '../redaction/index.js';
import { listSnapshotIds, readObject, readRecord } from './store.js';
import type { ConfigSnapshot, SnapshotComparison, SnapshotSummary } from './types.js';

/**
 * How a reading function treats what it read: `redaction` (the logger's rules, `true` for the
 * built-in ones) passes every string and key of the result through the redactor, as a pack does;
 * without it the record comes back as stored. The store is a directory anyone with write access
 * can plant a record in, so what is shown to a person is read with it (the CLI always does).
 */
export interface SnapshotReadOptions {
  snapshotDir: string;
  redaction?: boolean | RedactionOptions;
}

/** Summaries of the stored snapshots, newest first. Throws SNAPSHOT_CORRUPT on a damaged record. */
export async function listSnapshots(options: SnapshotReadOptions): Promise<SnapshotSummary[]> {
  const ids = await listSnapshotIds(options.snapshotDir);
  const records = await mapLimit(ids, READ_CONCURRENCY, (id) => readRecord(options.snapshotDir, id));
  return redactedForReading(records.reverse().map(summaryOf), options.redaction);
}

function summaryOf(r: ConfigSnapshot): SnapshotSummary {
  const c = r.changes ?? { added: [], removed: [], changed: [] };
  return {
    snapshot_id: r.snapshot_id,
    timestamp: r.timestamp,
    reason: r.reason,
    file_count: Object.keys(r.files).length,
    changed_count: c.added.length + c.removed.length + c.changed.length,
    git_commit: r.git?.commit ?? null,
  };
}

/** Reads one snapshot record. SNAPSHOT_NOT_FOUND if there is none with that id. */
export async function readSnapshot(options: SnapshotReadOptions & { id: string }): Promise<ConfigSnapshot> {
  return redactedForReading(await readRecord(options.snapshotDir, options.id), options.redaction);
}

/**
 * Resolves what a person typed to a snapshot id: an exact id, `latest`, or a unique prefix of an
 * id. SNAPSHOT_NOT_FOUND if none matches, USAGE if a prefix is ambiguous.
 */
export async function resolveSnapshotId(options: { snapshotDir: string; ref: string }): Promise<string> {
  const ids = await listSnapshotIds(options.snapshotDir);
  const ref = options.ref.trim();
  if (ref === 'latest') {
    const last = ids.at(-1);
    if (last === undefined) throw new AuditpackError('SNAPSHOT_NOT_FOUND', `no snapshots in ${options.snapshotDir}`);
    return last;
  }
  if (ids.includes(ref)) return ref;
  const matches = ref === '' ? [] : ids.filter((id) => id.startsWith(ref));
  if (matches.length === 1) return matches[0] as string;
  if (matches.length > 1)
    throw new AuditpackError(
      'USAGE',
      `${JSON.stringify(ref)} matches ${matches.length} snapshots: ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', …' : ''}`,
    );
  throw new AuditpackError('SNAPSHOT_NOT_FOUND', `no snapshot ${JSON.stringify(ref)} in ${options.snapshotDir}`, {
    details: { id: ref },
  });
}

/**
 * The content of one file as stored at a snapshot (redacted where secrets were found; the bytes
 * are checked against their hash). SNAPSHOT_NOT_FOUND if the snapshot has no such file or the file
 * was too large to store.
 */
export async function readSnapshotFile(options: { snapshotDir: string; id: string; file: string }): Promise<Buffer> {
  return snapshotFileOf(await readRecord(options.snapshotDir, options.id), options);
}

/**
 * readSnapshotFile of a record already read (and hashed): the file's object is the one this record
 * names, not one a second read of the record could name (at41 F1). readObject checks its hash.
 */
export async function snapshotFileOf(
  rec: ConfigSnapshot,
  options: { snapshotDir: string; id: string; file: string },
): Promise<Buffer> {
  const file = await recordedNameIn(rec, options.snapshotDir, options.file.replace(/\\/g, '/').replace(/^\.\//, ''));
  const entry = Object.hasOwn(rec.files, file) ? rec.files[file] : undefined;
  if (!entry) {
    throw new AuditpackError(
      'SNAPSHOT_NOT_FOUND',
      `snapshot ${options.id} has no file ${JSON.stringify(options.file)}`,
      { details: { id: options.id, file: options.file } },
    );
  }
  if (entry.withheld) {
    // No hash named: a record made before keyed hashes holds a plain one, which would let a short
    // secret be guessed by anyone who reads stderr.
    throw new AuditpackError(
      'SNAPSHOT_NOT_FOUND',
      `${file} at snapshot ${options.id} is binary and holds a secret (or is a key store): content not stored`,
      { details: { id: options.id, file } },
    );
  }
  if (!entry.stored || !entry.object) {
    throw new AuditpackError(
      'SNAPSHOT_NOT_FOUND',
      `${file} was ${entry.size} bytes at snapshot ${options.id}, over the size limit: hashed (sha256 ${entry.hash}), content not stored`,
      { details: { id: options.id, file, hash: entry.hash } },
    );
  }
  return readObject(options.snapshotDir, entry.object);
}

/**
 * The name `file` has in the record: itself, or, for a path recorded under a placeholder because
 * it holds a secret (path-names.ts), that placeholder, so the file can be asked for by its path.
 */
async function recordedNameIn(rec: ConfigSnapshot, snapshotDir: string, file: string): Promise<string> {
  if (Object.hasOwn(rec.files, file)) return file;
  const key = await existingSnapshotKey(snapshotDir).catch(() => undefined);
  if (key === undefined) return file;
  const name = redactedPathName(file, key);
  return Object.hasOwn(rec.files, name) ? name : file;
}

/** Compares two snapshots: files added, removed and changed (by hash), with unified diffs of the stored content. */
export async function diffSnapshots(
  options: SnapshotReadOptions & { a: string; b: string },
): Promise<SnapshotComparison> {
  const [ra, rb] = await Promise.all([
    readRecord(options.snapshotDir, options.a),
    readRecord(options.snapshotDir, options.b),
  ]);
  const changes = compareEntries(ra.files, rb.files);
  const [sa, sb] = await Promise.all([
    loadSides(options.snapshotDir, ra, [...changes.removed, ...changes.changed]),
    loadSides(options.snapshotDir, rb, [...changes.added, ...changes.changed]),
  ]);
  const diffs: Record<string, string> = Object.create(null);
  const la = `snapshot ${ra.snapshot_id}`;
  const lb = `snapshot ${rb.snapshot_id}`;
  const added = new Set(changes.added);
  const removed = new Set(changes.removed);
  for (const p of [...changes.added, ...changes.removed, ...changes.changed].sort(byCodeUnit)) {
    const a = added.has(p) ? null : (sa.get(p) ?? null);
    const b = removed.has(p) ? null : (sb.get(p) ?? null);
    const text = diffSides(p, a, b, la, lb);
    if (text !== '') diffs[p] = text;
  }
  return redactedForReading({ a: ra.snapshot_id, b: rb.snapshot_id, ...changes, diffs }, options.redaction);
}

/**
 * The latest snapshot taken at or before the end of a UTC day (`YYYY-MM-DD`), or undefined if none
 * was taken by then. Reads one record. A daily pack records the config in force at its day's end.
 */
export async function latestSnapshotOnOrBefore(options: {
  snapshotDir: string;
  date: string;
}): Promise<ConfigSnapshot | undefined> {
  checkDate(options.date);
  const ids = await listSnapshotIds(options.snapshotDir);
  // Ids sort by time; the day is the id's first 8 digits.
  const limit = options.date.replaceAll('-', '');
  let found: string | undefined;
  for (const id of ids) if (id.slice(0, 8) <= limit) found = id;
  return found === undefined ? undefined : readRecord(options.snapshotDir, found);
}

/** Every snapshot taken on a UTC day (`YYYY-MM-DD`), oldest first. A daily pack lists them. */
export async function snapshotsOnDay(options: { snapshotDir: string; date: string }): Promise<ConfigSnapshot[]> {
  checkDate(options.date);
  const day = options.date.replaceAll('-', '');
  const ids = (await listSnapshotIds(options.snapshotDir)).filter((id) => id.slice(0, 8) === day);
  return mapLimit(ids, READ_CONCURRENCY, (id) => readRecord(options.snapshotDir, id));
}

/**
 * All of a snapshot's diffs as one unified-diff text, paths in order, each section's `---`/`+++`
 * lines naming its sides. '' when the snapshot recorded no diffs.
 */
export function snapshotDiffText(snapshot: ConfigSnapshot): string {
  return Object.keys(snapshot.diffs)
    .sort(byCodeUnit)
    .map((p) => snapshot.diffs[p] as string)
    .join('');
}

function checkDate(date: string): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new AuditpackError('USAGE', `expected a date as YYYY-MM-DD, got ${JSON.stringify(date)}`);
  }
}
