/**
 * A new file written through a few fixed buffers whose writes run on libuv's thread pool, so that
 * the thread that hashes and scans a day's log does not stop while the kernel holds a write back
 * (on a large log the page cache throttles a writer to the disk's speed: the export's synchronous
 * copy of a 2 GB log spent more time blocked in write() than hashing it). Memory stays bounded: at
 * most `slots` buffers are in flight, and `ready()` gives a promise to wait for when all are.
 * Bytes are hashed in order when handed over, and written at their own offsets.
 */
import { createHash } from 'node:crypto';
import { constants as fsConstants, fstat, fsync, open, write, writeSync, close, closeSync } from 'node:fs';
import { promisify } from 'node:util';
import { wrapFsError } from '../errors.js';
import type { WrittenFile } from './byte-sink.js';

const openAsync = promisify(open);
const fstatAsync = promisify(fstat);
const fsyncAsync = promisify(fsync);
const closeAsync = promisify(close);

/** Writes `b[off, len)` at `pos`, retrying short writes. */
function writeAll(fd: number, b: Buffer, len: number, pos: number, done: (err: Error | null) => void): void {
  let off = 0;
  const next = (err: Error | null, n: number): void => {
    if (err !== null) return done(err);
    off += n;
    if (off >= len) return done(null);
    write(fd, b, off, len - off, pos + off, next);
  };
  write(fd, b, 0, len, pos, next);
}

/** A new file (O_EXCL), hashed and written through `slots` buffers of `slotBytes` in flight at once. */
export class QueuedFileWriter {
  private readonly hash = createHash('sha256');
  private readonly free: Buffer[] = [];
  private inFlight = 0;
  private size = 0;
  private failure: Error | undefined;
  private waiters: (() => void)[] = [];
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    slots: number,
    private readonly slotBytes: number,
  ) {
    for (let i = 0; i < slots; i++) this.free.push(Buffer.allocUnsafe(slotBytes));
  }

  /** Creates the file; FS_* errors as the synchronous writer gives them. */
  static async create(path: string, slots = 4, slotBytes = 1024 * 1024): Promise<QueuedFileWriter> {
    try {
      const fd = await openAsync(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
      return new QueuedFileWriter(path, fd, Math.max(1, slots), slotBytes);
    } catch (err) {
      throw wrapFsError(err, 'create', path);
    }
  }

  /**
   * Hashes a copy of `b` and starts writing it; the caller may reuse `b` at once. With every
   * buffer in flight the rest is written here, synchronously (wait for `ready()` first to avoid
   * that). Throws the first write error: a full disk is an error, never a short file.
   */
  write(b: Uint8Array): void {
    if (this.failure !== undefined) throw wrapFsError(this.failure, 'write', this.path);
    let off = 0;
    while (off < b.length) {
      const slot = this.free.pop();
      if (slot === undefined) break;
      const n = Math.min(this.slotBytes, b.length - off);
      slot.set(b.subarray(off, off + n));
      this.hash.update(slot.subarray(0, n));
      this.inFlight++;
      writeAll(this.fd, slot, n, this.size, (err) => this.settled(slot, err));
      this.size += n;
      off += n;
    }
    if (off < b.length) this.writeHere(b.subarray(off));
  }

  /** Undefined when a buffer is free now, else a promise for when one is. */
  ready(): Promise<void> | undefined {
    return this.free.length > 0 ? undefined : this.room();
  }

  private writeHere(b: Uint8Array): void {
    this.hash.update(b);
    try {
      for (let off = 0; off < b.length; ) off += writeSync(this.fd, b, off, b.length - off, this.size + off);
    } catch (err) {
      throw wrapFsError(err, 'write', this.path);
    }
    this.size += b.length;
  }

  private settled(slot: Buffer, err: Error | null): void {
    this.inFlight--;
    this.free.push(slot);
    if (err !== null) this.failure ??= err;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  /** Resolves when a write settles. */
  private room(): Promise<void> {
    return new Promise<void>((res) => {
      this.waiters.push(res);
    });
  }

  private async drain(): Promise<void> {
    while (this.inFlight > 0) await this.room();
  }

  /** Waits for every write, fsyncs and closes; returns the size and hash. */
  async finish(): Promise<WrittenFile> {
    await this.drain();
    try {
      if (this.failure !== undefined) throw this.failure;
      await fsyncAsync(this.fd);
      const st = await fstatAsync(this.fd);
      this.closed = true;
      await closeAsync(this.fd);
      return Object.freeze({
        path: this.path,
        size: this.size,
        sha256: this.hash.digest('hex'),
        modified: st.mtime.toISOString(),
      });
    } catch (err) {
      throw wrapFsError(err, 'write', this.path);
    }
  }

  /** After a failure elsewhere: waits for the writes in flight, then closes (never a reused descriptor). */
  async abandon(): Promise<void> {
    await this.drain();
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}
