/**
 * The snapshot store (docs/FORMAT.md, "Config snapshots"):
 *
 * ```
 * <snapshotDir>/<snapshot_id>.json       one record per snapshot, mode 0444, never rewritten
 * <snapshotDir>/objects/ab/cdef…         file contents by SHA-256 of the stored bytes, mode 0444
 * ```
 *
 * Both are written to a temporary file, fsynced, then `link()`ed into place: link fails if the
 * name exists, so nothing is ever overwritten and a reader never sees a half-written file. Two
 * snapshots in the same microsecond get consecutive counters in their ids.
 */
import { hash as oneShotHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fdatasync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { link, mkdir, open, readdir, unlink } from 'node:fs/promises';
import { readRegular } from '../fsx/regular.js';
import { join } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import { isoMicros } from '../format/log-line.js';
import { SNAPSHOT_FORMAT, type ConfigSnapshot } from './types.js';
import { TMP_PREFIX } from '../format/dir-names.js';

/** `20250908T075250.590693Z-000`. */
export const SNAPSHOT_ID_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{6})Z-(\d{3})$/;

const HEX64 = /^[0-9a-f]{64}$/;
const KEYED = /^hmac-sha256:[0-9a-f]{64}$/;

/** The prefix that marks a keyed `hash` in a record (keyed-hash.ts): `hmac-sha256:` and 64 lowercase hex. */
export const KEYED_HASH_PREFIX = 'hmac-sha256:';

/** True when a record's `hash` is a keyed hash (else it is the plain SHA-256 hex of the bytes). */
export function isKeyedHash(s: unknown): s is string {
  return typeof s === 'string' && KEYED.test(s);
}
const OBJECTS = 'objects';
const MAX_COUNTER = 999;

/** SHA-256 hex of bytes. */
export function sha256Hex(data: Uint8Array | string): string {
  return oneShotHash('sha256', data, 'hex');
}

/** The time part of a snapshot id for an epoch-microsecond instant: `20250908T075250.590693Z`. */
export function idTimePart(micros: number): string {
  const iso = isoMicros(micros); // 2025-09-08T07:52:50.590693Z
  return iso.replace(/[-:]/g, '');
}

/** The snapshot id with a counter. */
export function snapshotIdOf(micros: number, counter: number): string {
  return `${idTimePart(micros)}-${String(counter).padStart(3, '0')}`;
}

/** True for a well-formed snapshot id (the only names ever joined into a path). */
export function isSnapshotId(s: unknown): s is string {
  return typeof s === 'string' && SNAPSHOT_ID_PATTERN.test(s);
}

/** ISO timestamp (with µs) that a snapshot id encodes. */
export function timestampOfId(id: string): string {
  const m = SNAPSHOT_ID_PATTERN.exec(id);
  if (!m) throw new AuditpackError('USAGE', `not a snapshot id: ${JSON.stringify(id)}`);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`;
}

/** Ids of the stored snapshots, oldest first. A missing directory holds none. */
export async function listSnapshotIds(snapshotDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(snapshotDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw wrapFsError(err, 'reading snapshot directory', snapshotDir);
  }
  const ids: string[] = [];
  for (const n of names) {
    if (n.endsWith('.json') && isSnapshotId(n.slice(0, -5))) ids.push(n.slice(0, -5));
  }
  return ids.sort();
}

/** Path of a record file. `id` must be a valid id (checked). */
export function recordPath(snapshotDir: string, id: string): string {
  if (!isSnapshotId(id)) throw new AuditpackError('SNAPSHOT_NOT_FOUND', `not a snapshot id: ${JSON.stringify(id)}`);
  return join(snapshotDir, `${id}.json`);
}

/** Path of a stored object. `hash` must be 64 lowercase hex (checked: records are untrusted input). */
export function objectPath(snapshotDir: string, hash: string): string {
  if (!HEX64.test(hash)) throw new AuditpackError('SNAPSHOT_CORRUPT', `not an object hash: ${JSON.stringify(hash)}`);
  return join(snapshotDir, OBJECTS, hash.slice(0, 2), hash.slice(2));
}

/**
 * Reads a stored object and checks its bytes against its name, so a store edited after the fact
 * cannot pass off other content as a snapshot's.
 */
export async function readObject(snapshotDir: string, hash: string): Promise<Buffer> {
  const path = objectPath(snapshotDir, hash);
  let bytes: Buffer;
  try {
    bytes = await readRegular(path); // a FIFO or a link in the store is refused, never waited on
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AuditpackError('SNAPSHOT_CORRUPT', `stored object ${hash} is missing from ${snapshotDir}`, {
        cause: err,
        details: { path },
      });
    }
    throw wrapFsError(err, 'reading stored object', path);
  }
  if (sha256Hex(bytes) !== hash) {
    throw new AuditpackError(
      'SNAPSHOT_CORRUPT',
      `stored object ${path} does not match its hash (altered after it was written)`,
      { details: { path } },
    );
  }
  return bytes;
}

/** Options for the write path. */
export interface WriteOptions {
  /** fsync files and directories before a record refers to them (default true). */
  durable: boolean;
}

/** Objects written per batch: each batch's files are fsynced together, then renamed into place. */
const OBJECT_BATCH = 64;

/**
 * Writes the objects not yet in the store. Each is written to a temporary file, fsynced (when
 * durable) and renamed to its name, so an object name never holds partial content. Renaming
 * onto an existing name could only ever replace identical bytes (the name is their hash).
 * Small files are written with synchronous calls in batches, yielding between batches; the
 * fsyncs of a batch run in parallel on the thread pool, so the file system can commit them together.
 * Resolves with the number of objects created.
 */
export async function writeObjects(
  snapshotDir: string,
  objects: ReadonlyMap<string, Uint8Array>,
  opts: WriteOptions,
): Promise<number> {
  const missing = [...objects.keys()].filter((hash) => !existsSync(objectPath(snapshotDir, hash)));
  if (missing.length === 0) return 0;
  const dirs = new Set(missing.map((h) => join(snapshotDir, OBJECTS, h.slice(0, 2))));
  for (const dir of dirs) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw wrapFsError(err, 'creating', dir);
    }
  }
  const tag = `${process.pid}-${randomBytes(6).toString('hex')}`;
  for (let i = 0; i < missing.length; i += OBJECT_BATCH) {
    const batch: { fd: number; tmp: string; final: string }[] = [];
    try {
      for (const hash of missing.slice(i, i + OBJECT_BATCH)) {
        const final = objectPath(snapshotDir, hash);
        const tmp = `${final}.tmp-${tag}`;
        let fd: number;
        try {
          fd = openSync(tmp, 'wx', 0o444);
        } catch (err) {
          throw wrapFsError(err, 'writing', tmp);
        }
        batch.push({ fd, tmp, final });
        writeAllSync(fd, objects.get(hash) as Uint8Array, tmp);
      }
      if (opts.durable) {
        await Promise.all(
          batch.map(
            (b) =>
              new Promise<void>((resolve, reject) => {
                fdatasync(b.fd, (err) => (err ? reject(wrapFsError(err, 'syncing', b.tmp)) : resolve()));
              }),
          ),
        );
      }
      for (const b of batch) {
        closeSync(b.fd);
        b.fd = -1;
        try {
          renameSync(b.tmp, b.final);
        } catch (err) {
          throw wrapFsError(err, 'writing', b.final);
        }
      }
    } finally {
      for (const b of batch) {
        if (b.fd !== -1) {
          try {
            closeSync(b.fd);
          } catch {
            // closing after a failure
          }
        }
        try {
          unlinkSync(b.tmp);
        } catch {
          // renamed, or never created
        }
      }
    }
  }
  if (opts.durable) await Promise.all([...dirs, join(snapshotDir, OBJECTS)].map((d) => syncDir(d)));
  return missing.length;
}

function writeAllSync(fd: number, bytes: Uint8Array, path: string): void {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (err) {
      throw wrapFsError(err, 'writing', path);
    }
  }
}

/**
 * Writes `bytes` under `final` only if that name does not exist: temp file, fsync, link, unlink.
 * Resolves false when the name already existed (nothing changed). `mode` defaults to read-only.
 */
export async function writeExclusive(
  dir: string,
  final: string,
  bytes: Uint8Array | string,
  opts: WriteOptions & { mode?: number },
): Promise<boolean> {
  const tmp = join(dir, `${TMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    const fh = await open(tmp, 'wx', opts.mode ?? 0o444);
    try {
      await fh.writeFile(bytes);
      if (opts.durable) await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw wrapFsError(err, 'writing', tmp);
  }
  try {
    await link(tmp, final);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw wrapFsError(err, 'writing', final);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** fsyncs a directory so the names created in it survive a crash. */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    // Some file systems refuse fsync on directories (EINVAL); the data itself was synced.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL' && (err as NodeJS.ErrnoException).code !== 'EISDIR') {
      throw wrapFsError(err, 'syncing', dir);
    }
  } finally {
    await fh?.close();
  }
}

/**
 * Writes a new record with the first free id for `micros` at or after `firstCounter`.
 * `build(id)` returns the record for an id. Resolves with the id and the bytes written.
 */
export async function writeRecord(
  snapshotDir: string,
  micros: number,
  firstCounter: number,
  build: (id: string) => string,
  opts: WriteOptions,
): Promise<{ id: string; json: string }> {
  try {
    await mkdir(snapshotDir, { recursive: true });
  } catch (err) {
    throw wrapFsError(err, 'creating', snapshotDir);
  }
  for (let counter = firstCounter; counter <= MAX_COUNTER; counter++) {
    const id = snapshotIdOf(micros, counter);
    const json = build(id);
    if (await writeExclusive(snapshotDir, recordPath(snapshotDir, id), json, opts)) {
      if (opts.durable) await syncDir(snapshotDir);
      return { id, json };
    }
  }
  throw new AuditpackError(
    'WRITE_FAILED',
    `more than ${MAX_COUNTER + 1} snapshots in one microsecond in ${snapshotDir}`,
  );
}

/** The first counter not used by `ids` for this instant. */
export function nextCounter(ids: readonly string[], micros: number): number {
  const prefix = `${idTimePart(micros)}-`;
  let counter = 0;
  for (const id of ids) {
    if (id.startsWith(prefix)) counter = Math.max(counter, Number(id.slice(prefix.length)) + 1);
  }
  return counter;
}

/** Reads and checks a record. SNAPSHOT_NOT_FOUND if absent, SNAPSHOT_CORRUPT if it is not a record. */
export async function readRecord(snapshotDir: string, id: string): Promise<ConfigSnapshot> {
  return (await readRecordBytes(snapshotDir, id)).record;
}

/**
 * Snapshot `id`'s stored record when its bytes hash to `sha` (the record hash its ConfigSnapshot event
 * logged), else what is wrong with it, said as it is: missing (deleted?), unreadable, changed after it
 * was logged, not a record. The one reader of a record the chain names (the export's config of record,
 * the compliance timeline's starting policy): a record is read once, hashed and parsed from the same bytes.
 */
export async function recordAsLogged(snapshotDir: string, id: string, sha: string): Promise<ConfigSnapshot | string> {
  const got = await recordBytesAsLogged(snapshotDir, id, sha);
  return typeof got === 'string' ? got : got.record;
}

/**
 * recordAsLogged with the bytes that were hashed and parsed: what a pack copies must be those bytes,
 * never a second read of the file (a store writer could swap it in between and put another record,
 * of another snapshot, into a signed pack).
 */
export async function recordBytesAsLogged(
  snapshotDir: string,
  id: string,
  sha: string,
): Promise<{ record: ConfigSnapshot; bytes: Buffer } | string> {
  const path = recordPath(snapshotDir, id);
  let bytes: Buffer;
  try {
    bytes = await readRegular(path);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'does not hold its record (deleted?)'
      : 'holds no readable record of it';
  }
  const got = sha256Hex(bytes);
  if (got !== sha)
    return `holds its record with another record_sha256 (${got.slice(0, 16)}…, not the logged ${sha.slice(0, 16)}…: changed after it was logged)`;
  try {
    return { record: parseRecord(bytes.toString('utf8'), id, path), bytes };
  } catch {
    return 'holds a record of it that does not parse';
  }
}

/** Reads and parses a record once (readRecord), with the bytes parsed. */
export async function readRecordBytes(
  snapshotDir: string,
  id: string,
): Promise<{ record: ConfigSnapshot; bytes: Buffer }> {
  const bytes = await readRecordFile(snapshotDir, id);
  return { record: parseRecord(bytes.toString('utf8'), id, recordPath(snapshotDir, id)), bytes };
}

/**
 * A record's bytes, read once and not parsed: a caller that both hashes a record (to ask the chain
 * whether it logged it) and uses it parses these same bytes (parseRecord), never a second read.
 * SNAPSHOT_NOT_FOUND if absent.
 */
export async function readRecordFile(snapshotDir: string, id: string): Promise<Buffer> {
  const path = recordPath(snapshotDir, id);
  try {
    return await readRegular(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AuditpackError('SNAPSHOT_NOT_FOUND', `no snapshot ${id} in ${snapshotDir}`, {
        details: { id, snapshotDir },
      });
    }
    throw wrapFsError(err, 'reading snapshot', path);
  }
}

/** Parses record JSON defensively: records are files anyone with access could have edited. */
export function parseRecord(text: string, id: string, where: string): ConfigSnapshot {
  let rec: unknown;
  try {
    rec = JSON.parse(text);
  } catch (err) {
    throw new AuditpackError('SNAPSHOT_CORRUPT', `${where} is not valid JSON`, { cause: err });
  }
  const bad = (what: string): AuditpackError =>
    new AuditpackError('SNAPSHOT_CORRUPT', `${where}: ${what}`, { details: { id } });
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) throw bad('not a JSON object');
  const r = rec as Record<string, unknown>;
  if (r.format !== SNAPSHOT_FORMAT) throw bad(`unknown format ${JSON.stringify(r.format)}`);
  if (r.snapshot_id !== id) throw bad(`snapshot_id ${JSON.stringify(r.snapshot_id)} does not match the file name`);
  if (typeof r.timestamp !== 'string' || typeof r.reason !== 'string')
    throw bad('timestamp and reason must be strings');
  if (!isPlainObject(r.files) || !isPlainObject(r.diffs)) throw bad('files and diffs must be objects');
  for (const [path, e] of Object.entries(r.files)) {
    if (!isPlainObject(e)) throw bad(`files[${JSON.stringify(path)}] is not an object`);
    const entry = e as Record<string, unknown>;
    if (
      typeof entry.hash !== 'string' ||
      !(HEX64.test(entry.hash) || KEYED.test(entry.hash)) ||
      typeof entry.size !== 'number' ||
      typeof entry.stored !== 'boolean'
    ) {
      throw bad(`files[${JSON.stringify(path)}] lacks hash, size or stored`);
    }
    if (entry.stored && (typeof entry.object !== 'string' || !HEX64.test(entry.object)))
      throw bad(`files[${JSON.stringify(path)}] is stored without an object hash`);
  }
  for (const [path, d] of Object.entries(r.diffs)) {
    if (typeof d !== 'string') throw bad(`diffs[${JSON.stringify(path)}] is not a string`);
  }
  if (r.previous_snapshot_id !== null && !isSnapshotId(r.previous_snapshot_id))
    throw bad('previous_snapshot_id is not an id');
  const stringList = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const c = r.changes as Record<string, unknown> | undefined;
  if (!isPlainObject(c) || !stringList(c.added) || !stringList(c.removed) || !stringList(c.changed))
    throw bad('changes must hold added, removed and changed lists');
  if (!stringList(r.head_changes)) throw bad('head_changes must be a list of paths');
  if (!isPlainObject(r.redaction) || typeof r.redaction.rules !== 'string')
    throw bad('redaction must say which rules were used');
  if (r.git !== null && (!isPlainObject(r.git) || typeof r.git.dirty !== 'boolean'))
    throw bad('git must be null or hold commit, branch and dirty');
  return rec as ConfigSnapshot;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
