/**
 * Reading config files for a snapshot (phase 1): each file hashed, and its stored copy decided:
 * redacted text, binary, withheld (a binary holding a secret) or too large (hashed only).
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AuditpackError, isAuditpackError, quotePath } from '../errors.js';
import { digestHandle } from '../fsx/digest.js';
import { isoMicros } from '../format/log-line.js';
import { configFormatOf, redactConfigText } from '../redaction/config-text.js';
import type { Redactor } from '../redaction/index.js';
import { isKeyedHash, objectPath, sha256Hex } from './store.js';
import type { SnapshotKey } from './keyed-hash.js';
import { recordedPathOf, scrubPathMessage } from './path-names.js';
import type { SnapshotFileEntry } from './types.js';

/** git's rule: a NUL in the first 8000 bytes makes a file binary. */
const BINARY_SNIFF_BYTES = 8000;
/** Longest stretch of synchronous file reading before yielding to the event loop. */
const SLICE_MS = 10;

/** A file read in the first phase. */
export interface Scanned {
  /** The name the file is recorded under: its path, or a placeholder when that holds a secret (path-names.ts). */
  readonly path: string;
  /** Its path as discovered (relative to cwd, or absolute): never written anywhere. */
  readonly source: string;
  readonly entry: SnapshotFileEntry;
  /** Bytes to store when the object is new to the store. */
  readonly toWrite?: Buffer;
  /** The stored (redacted) text, when the file is text and was read now. */
  readonly storedText?: string;
  /**
   * Plain SHA-256 hex of the file's bytes, never written anywhere: to compare with HEAD's blob and
   * with records made before keyed hashes. `entry.hash` is this unless the file is redacted or withheld.
   */
  readonly rawHash: string;
}

export interface ScanContext {
  readonly cwd: string;
  readonly snapshotDir: string;
  readonly maxFileBytes: number;
  readonly redactor: Redactor;
  /** The previous snapshot's entries, reusable when its redaction rules are the same. */
  readonly reusable: Readonly<Record<string, SnapshotFileEntry>> | undefined;
  /** The store's key: redacted and withheld files are recorded by keyed hash (keyed-hash.ts). */
  readonly key: SnapshotKey;
}

export /**
 * Reads every file: synchronous system calls in slices of at most SLICE_MS, yielding to the event
 * loop between slices. Config files are small and usually in the page cache, where one promise
 * round trip per open/fstat/read/close costs far more than the call itself (measured: about 4×
 * slower for 1,000 files); the slices keep a trading app's event loop responsive meanwhile.
 */
async function scanAll(paths: readonly string[], ctx: ScanContext): Promise<Scanned[]> {
  const out: Scanned[] = [];
  let sliceStart = performance.now();
  for (const p of paths) {
    const name = recordedPathOf(p, ctx.redactor, ctx.key);
    out.push(scanFileSync(p, name, ctx) ?? (await scanLargeFile(p, name, ctx)));
    if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  if (scratch.length > 1024 * 1024) scratch = Buffer.allocUnsafe(0); // do not hold a large buffer for the process's life
  return out;
}

/**
 * Scans the file at `source`, recorded as `path`; undefined when it is over the size limit (hashed
 * by scanLargeFile instead).
 */
function scanFileSync(source: string, path: string, ctx: ScanContext): Scanned | undefined {
  const abs = isAbsolute(source) ? source : join(ctx.cwd, source);
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch (err) {
    throw readFailed(source, path, ctx, err);
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (st.size > BigInt(ctx.maxFileBytes)) return undefined;
    const mtime = isoMicros(Number(st.mtimeNs / 1000n));
    // Read into a reused scratch buffer: most files are unchanged and only hashed, so copying
    // (and collecting) 10 MB of buffers per snapshot would be wasted.
    const view = readAll(fd, Number(st.size), ctx.maxFileBytes);
    if (view === undefined) return undefined; // grew past the limit while being read
    const raw = sha256Hex(view);

    const prev = ctx.reusable !== undefined && Object.hasOwn(ctx.reusable, path) ? ctx.reusable[path] : undefined;
    if (
      prev?.stored &&
      prev.object &&
      sameBytes(prev.hash, raw, view, ctx.key) &&
      objectPresentSync(ctx.snapshotDir, prev.object)
    ) {
      // Same bytes, same rules: the stored copy and its redaction are the same; skip the work.
      const entry: SnapshotFileEntry = {
        hash: prev.redacted ? (isKeyedHash(prev.hash) ? prev.hash : ctx.key.hash(view)) : raw,
        size: view.length,
        mtime,
        stored: true,
        object: prev.object,
        ...(prev.binary ? { binary: true as const } : {}),
        ...(prev.redacted ? { redacted: true as const } : {}),
      };
      return { path, source, entry, rawHash: raw };
    }
    const buf = Buffer.from(view); // kept: to store, redact and diff
    if (isBinary(buf)) {
      // Binary content cannot be redacted in place: when it holds a secret (read as bytes, or as
      // UTF-16 text, which has a NUL in every ASCII character), or is a key store by its name,
      // only its keyed hash and size are recorded (a plain hash would let a short secret be guessed).
      if (binaryHoldsSecret(source, buf, ctx.redactor)) {
        const hash = ctx.key.hash(buf);
        return {
          path,
          source,
          entry: { hash, size: buf.length, mtime, stored: false, binary: true, withheld: true },
          rawHash: raw,
        };
      }
      const entry: SnapshotFileEntry = { hash: raw, size: buf.length, mtime, stored: true, object: raw, binary: true };
      return { path, source, entry, rawHash: raw, toWrite: buf };
    }
    const { text, encoding } = decodeText(buf);
    const red = redactConfigText(text, configFormatOf(source), ctx.redactor);
    if (!red.redacted) {
      return {
        path,
        source,
        entry: { hash: raw, size: buf.length, mtime, stored: true, object: raw },
        toWrite: buf,
        storedText: text,
        rawHash: raw,
      };
    }
    const stored = Buffer.from(red.text, encoding);
    // Keyed: the redacted copy is stored beside it, so a plain hash would let a short secret be guessed.
    const hash = ctx.key.hash(buf);
    return {
      path,
      source,
      entry: { hash, size: buf.length, mtime, stored: true, object: sha256Hex(stored), redacted: true },
      toWrite: stored,
      storedText: red.text,
      rawHash: raw,
    };
  } catch (err) {
    throw readFailed(source, path, ctx, err);
  } finally {
    try {
      closeSync(fd);
    } catch {
      // already failed; the read error is the one to report
    }
  }
}

let scratch = Buffer.allocUnsafe(0);

/**
 * Reads a whole file from `fd` into the scratch buffer; the view is valid until the next call.
 * Undefined if the file holds more than `max` bytes.
 */
function readAll(fd: number, sizeHint: number, max: number): Buffer | undefined {
  const want = Math.min(Math.max(sizeHint, 0), max) + 1;
  if (scratch.length < want) scratch = Buffer.allocUnsafe(Math.max(want, 64 * 1024));
  let n = 0;
  for (;;) {
    if (n === scratch.length) {
      if (n > max) return undefined;
      const bigger = Buffer.allocUnsafe(Math.min(scratch.length * 2, max + 1));
      scratch.copy(bigger, 0, 0, n);
      scratch = bigger;
    }
    const got = readSync(fd, scratch, n, scratch.length - n, null);
    if (got === 0) break;
    n += got;
  }
  return n > max ? undefined : scratch.subarray(0, n);
}

/** A file over the size limit: hashed in chunks without holding it, not stored. */
async function scanLargeFile(source: string, path: string, ctx: ScanContext): Promise<Scanned> {
  const abs = isAbsolute(source) ? source : join(ctx.cwd, source);
  let fh;
  try {
    fh = await open(abs, 'r');
  } catch (err) {
    throw readFailed(source, path, ctx, err);
  }
  try {
    const st = await fh.stat({ bigint: true });
    const { hash, size } = await hashStream(fh);
    return { path, source, entry: tooLarge(hash, size, isoMicros(Number(st.mtimeNs / 1000n))), rawHash: hash };
  } catch (err) {
    throw readFailed(source, path, ctx, err);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

function tooLarge(hash: string, size: number, mtime: string): SnapshotFileEntry {
  return { hash, size, mtime, stored: false, too_large: true };
}

async function hashStream(fh: import('node:fs/promises').FileHandle): Promise<{ hash: string; size: number }> {
  const { size, digests } = await digestHandle(fh, ['sha256']);
  return { hash: digests.sha256.toString('hex'), size };
}

/**
 * Whether a recorded `hash` names these bytes: a keyed one under the store's key, a plain one (any
 * file in a record made before keyed hashes, or one never redacted) by SHA-256.
 */
export function sameBytes(recorded: string, raw: string, bytes: Uint8Array, key: SnapshotKey): boolean {
  return isKeyedHash(recorded) ? key.hash(bytes) === recorded : recorded === raw;
}

function objectPresentSync(snapshotDir: string, hash: string): boolean {
  try {
    return statSync(objectPath(snapshotDir, hash)).isFile();
  } catch {
    return false;
  }
}

/** SNAPSHOT_READ_FAILED for the file at `source`, named as recorded (`path`): never a secret in a path. */
function readFailed(source: string, path: string, ctx: ScanContext, err: unknown): AuditpackError {
  if (isAuditpackError(err)) return err;
  const e = err as NodeJS.ErrnoException;
  const abs = isAbsolute(source) ? source : join(ctx.cwd, source);
  const why = scrubPathMessage(e?.message ?? String(err), abs, source, path, ctx.redactor);
  return new AuditpackError(
    'SNAPSHOT_READ_FAILED',
    `config file ${quotePath(path)} cannot be read: ${why}; no snapshot was written`,
    // The cause names the file by its path: kept only when that is the recorded name.
    { ...(path === source ? { cause: err } : {}), details: { path, errno: e?.code } },
  );
}

/** Key stores and key files: secret material whatever their bytes look like (gitleaks pkcs12-file). */
const KEY_STORE_NAME = /\.(?:p12|pfx|jks|jceks|keystore|bcfks|kdbx|gpg|pgp|asc|key)$/i;

/**
 * True when a binary file must not be stored: a key store by its name, or bytes whose text view
 * (Latin-1, with and without its NULs) holds something the redactor would replace.
 */
function binaryHoldsSecret(path: string, buf: Buffer, redactor: Redactor): boolean {
  if (!redactor.enabled) return false;
  if (KEY_STORE_NAME.test(path)) return true;
  // Latin-1 keeps every byte; without the NULs, UTF-16 text (ASCII in every other byte) reads as text.
  const raw = buf.toString('latin1');
  const format = configFormatOf(path);
  return (
    redactConfigText(raw.replace(/\u0000/g, ''), format, redactor).redacted ||
    redactConfigText(raw, format, redactor).redacted
  );
}

/** True when the bytes look binary by git's rule. */
export function isBinary(buf: Buffer): boolean {
  return buf.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

/** UTF-8 when valid, else Latin-1 (byte-preserving), so re-encoding gives back the same bytes. */
export function decodeText(buf: Buffer): { text: string; encoding: 'utf8' | 'latin1' } {
  return isUtf8(buf)
    ? { text: buf.toString('utf8'), encoding: 'utf8' }
    : { text: buf.toString('latin1'), encoding: 'latin1' };
}
