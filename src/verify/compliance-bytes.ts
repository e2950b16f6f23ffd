/**
 * The bytes verify's compliance re-check reads from a pack (bounded, never through a link or a
 * FIFO), their digests, and the pack's config snapshot record held to what its log recorded.
 */
import { createHash } from 'node:crypto';
import { type FileHandle, lstat } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { PACK_PATH } from '../format/pack.js';
import { digestHandle } from '../fsx/digest.js';
import { openRegular } from '../fsx/regular.js';
import type { Findings } from './report.js';

const LOG = PACK_PATH.log;

/** ConfigSnapshot record hashes of the pack's own snapshot kept, at most (a log could repeat one). */
export const MAX_LOGGED_RECORDS = 1000;

/**
 * The pack's data/config_snapshot.json against the ConfigSnapshot events of its snapshot in the
 * pack's log: export copies the record's own bytes, whose SHA-256 the event logged, so a record
 * whose policy hash was rewritten (to vouch for a laxer policy recorded in the report) no longer
 * hashes to what the chain holds. Nothing to hold when the log has no event of that snapshot (taken
 * on an earlier day, or at export time). True when it differs.
 */
export function snapshotRecordLogged(
  f: Findings,
  record: { readonly id: string; readonly sha256: string; readonly redactedAgain?: boolean | undefined } | undefined,
  logged: readonly (string | null)[],
): boolean {
  if (record === undefined || logged.length === 0 || logged.includes(record.sha256)) return false;
  // `redactedAgain`: the file is the record redacted again at export (data/config_in_force.json
  // says so and gives the record's hash, `sha256` here): that hash is what the event must log.
  const what = record.redactedAgain
    ? `the file is its record redacted again, whose sha256 ${PACK_PATH.configInForce} gives as ${record.sha256}`
    : `the file hashes to ${record.sha256}`;
  f.add(
    'COMPLIANCE_REPORT_MISMATCH',
    'error',
    PACK_PATH.configSnapshot,
    `snapshot ${record.id}: ${what}, but its ConfigSnapshot event in ${LOG} records ${String(logged[0])}: the record the report's policies are held to is not the one logged`,
  );
  return true;
}

export async function isFile(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isFile();
  } catch {
    return false;
  }
}

/** The file's bytes, or undefined when it is missing, not a regular file or larger than `max`. */
export function readBoundedBuffer(p: string, max: number): Promise<Buffer | undefined> {
  return ifRegularFile(p, () => readBoundedBytes(p, max));
}

/** What `use` gives for the regular file at `p`; undefined when it is none or `use` fails. */
async function ifRegularFile<T>(p: string, use: () => Promise<T | undefined>): Promise<T | undefined> {
  if (!(await isFile(p))) return undefined;
  try {
    return await use();
  } catch {
    return undefined;
  }
}

/** The SHA-256 of a file's bytes (undefined stays undefined): the bytes need not be kept. */
export function digestOf(file: Buffer | undefined): string | undefined {
  return file === undefined ? undefined : createHash('sha256').update(file).digest('hex');
}

/**
 * Whether a file (by the SHA-256 of its bytes, {@link digestOf}) holds exactly the UTF-8 encoding of
 * what export renders. Compared as bytes, not as decoded text: a lone surrogate (an id cut inside a
 * UTF-16 pair) is written as U+FFFD, so the rendering and the file's decoding differ as strings while
 * the bytes are the same. By digest, so that a report of many findings is not held three times (the
 * file, the rendering and its encoding) at verify's end.
 */
export function sameBytes(fileSha256: string | undefined, rendered: string): boolean {
  return fileSha256 === createHash('sha256').update(rendered, 'utf8').digest('hex');
}

/**
 * The SHA-256 of what {@link readBoundedBuffer} would return, undefined where it would be, read in
 * 1 MiB pieces: a file verify only hashes (the recorded end state, tens of megabytes on a day of
 * many open orders and up to MAX_STATE_BYTES) is never held whole.
 */
export function digestBoundedBuffer(p: string, max: number): Promise<string | undefined> {
  return ifRegularFile(p, () => digestBoundedBytes(p, max));
}

/** The SHA-256 of what {@link readBoundedBytes} would return (the same errors), read in 1 MiB pieces. */
export async function digestBoundedBytes(p: string, max: number): Promise<string | undefined> {
  const fh = await openRegular(p);
  try {
    const { size } = await fh.stat();
    // As readHandle: at most `size` bytes from the start, fewer when the file shrank meanwhile.
    return size > max ? undefined : (await digestHandle(fh, ['sha256'], size)).digests.sha256.toString('hex');
  } finally {
    await fh.close();
  }
}

/** The file's bytes, or undefined when it is larger than `max` (never follows a link). */
export async function readBoundedBytes(p: string, max: number): Promise<Buffer | undefined> {
  const fh = await openRegular(p); // a FIFO is refused, never waited on
  try {
    const { size } = await fh.stat();
    return size > max ? undefined : await readHandle(fh, size);
  } finally {
    await fh.close();
  }
}

/**
 * At most `size` bytes (its fstat's size) of an open file, from its start: fewer when it shrank
 * meanwhile, never more. Read through the handle, so that the bytes are the file that was opened and
 * sized, not whatever is at its path by then.
 */
async function readHandle(fh: FileHandle, size: number): Promise<Buffer> {
  const buf = Buffer.alloc(size);
  let off = 0;
  while (off < size) {
    const { bytesRead } = await fh.read(buf, off, size - off, off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return buf.subarray(0, off);
}

/** A file over its in-memory bound: the SHA-256 of all its bytes and the snapshot id its opening gives. */
export interface LargeSnapshotFile {
  readonly large: true;
  readonly sha256: string;
  /** From the record's canonical opening (`{\n  "format": "…",\n  "snapshot_id": "…"`), else undefined. */
  readonly id: string | undefined;
}

/** Bytes read for a large record's opening: export writes `format`, then `snapshot_id`, first. */
export const OPENING_BYTES = 4096;
/**
 * Matched on the opening read as Latin-1 (one character a byte), so that its bounds count bytes and
 * nothing depends on how a decoder replaces bad UTF-8 (the Python checker matches the same bytes the
 * same way); the id's bytes must then be UTF-8 and a JSON string.
 */
const OPENING =
  /^\{\n {2}"format": "(?:[^"\\\n]|\\[^\n]){0,256}",\n {2}"snapshot_id": ("(?:[^"\\\n]|\\[^\n]){1,1024}"),\n/;

/**
 * data/config_snapshot.json: its bytes when at most `max`, else (an honest record can pass any
 * bound: config files of up to 5 MiB each, their diffs) its SHA-256, streamed, and its snapshot id
 * from its opening; undefined when missing or not a regular file. A large file is never taken for
 * "no record" (at41 F4: an honest pack failed).
 */
export async function readSnapshotFile(p: string, max: number): Promise<Buffer | LargeSnapshotFile | undefined> {
  let fh: FileHandle;
  try {
    fh = await openRegular(p); // missing, a link, a FIFO, a directory: refused, no record read
  } catch {
    return undefined;
  }
  try {
    // One open: the file sized here is the one read, whole or streamed; the path is not opened
    // again, so a file put in its place after this open is never what is read.
    const { size } = await fh.stat();
    if (size <= max) return await readHandle(fh, size);
    const hash = createHash('sha256');
    const buf = Buffer.alloc(1024 * 1024);
    let opening = Buffer.alloc(0);
    for (let pos = 0; ; ) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      if (pos === 0) opening = Buffer.from(buf.subarray(0, Math.min(bytesRead, OPENING_BYTES)));
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    return largeSnapshotOf(hash.digest('hex'), opening);
  } catch {
    return undefined;
  } finally {
    await fh.close();
  }
}

/** A large record's facts from its SHA-256 and its first bytes (at most {@link OPENING_BYTES} are looked at). */
export function largeSnapshotOf(sha256: string, opening: Buffer): LargeSnapshotFile {
  const m = OPENING.exec(opening.subarray(0, OPENING_BYTES).toString('latin1'));
  const idBytes = m === null ? undefined : Buffer.from(m[1] as string, 'latin1');
  let id: string | undefined;
  try {
    id = idBytes === undefined || !isUtf8(idBytes) ? undefined : (JSON.parse(idBytes.toString('utf8')) as string);
  } catch {
    id = undefined;
  }
  return { large: true, sha256, id: id === '' ? undefined : id };
}
