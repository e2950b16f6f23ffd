/**
 * Byte sinks for writing the files of a pack: an in-memory one (a batch's output), and a file writer that
 * hashes every byte and fsyncs. Synchronous on purpose: the export's
 * single read loop calls them from inside `scanLines`' callback, and bounded synchronous writes
 * keep memory flat (no queue of pending async writes can build up).
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsync, fsyncSync, openSync, writeSync, constants as fsConstants, fstatSync } from 'node:fs';
import { promisify } from 'node:util';
import { wrapFsError } from '../errors.js';

/** What a finished file is: its size and SHA-256. */
export interface WrittenFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** mtime after the last write, ISO UTC. */
  readonly modified: string;
}

const BUFFER_BYTES = 256 * 1024;
const fsyncOnPool = promisify(fsync);
/** Longest text appended at once: its UTF-8 (3 bytes a UTF-16 unit at most) fits a file writer's buffer. */
const PIECE_CHARS = Math.floor(BUFFER_BYTES / 3);

/**
 * A byte buffer with the few appends the export needs: text, single bytes, slices of a line,
 * slices with `"` doubled (inside a quoted CSV field). Subclasses decide what happens when full.
 */
export abstract class ByteSink {
  protected buf: Buffer;
  protected pos = 0;

  constructor(initial: number) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Makes room for `n` more bytes. */
  protected abstract room(n: number): void;

  /** Appends text (UTF-8). */
  write(s: string): void {
    if (s.length > PIECE_CHARS) {
      this.writeLong(s);
      return;
    }
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /**
   * A long text in pieces that fit the buffer: room for the whole text at 3 bytes a character
   * would replace the buffer with one three times the text (a 9 MB compliance state written
   * whole took a 27 MB buffer, kept until the file was finished). A surrogate pair is never cut,
   * so the bytes are those of the whole text's UTF-8 encoding.
   */
  private writeLong(s: string): void {
    for (let i = 0; i < s.length; ) {
      let end = Math.min(i + PIECE_CHARS, s.length);
      const last = s.charCodeAt(end - 1);
      if (end < s.length && last >= 0xd800 && last <= 0xdbff) end--;
      const piece = s.slice(i, end);
      this.room(piece.length * 3);
      this.pos += this.buf.write(piece, this.pos, 'utf8');
      i = end;
    }
  }

  /** Appends one byte. */
  byte(b: number): void {
    if (this.pos === this.buf.length) this.room(1);
    this.buf[this.pos++] = b;
  }

  /** Appends `src[start, end)`. */
  slice(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.room(n);
    if (n < 32) {
      const b = this.buf;
      let p = this.pos;
      for (let i = start; i < end; i++) b[p++] = src[i] as number;
      this.pos = p;
    } else {
      this.pos += Buffer.prototype.copy.call(src, this.buf, this.pos, start, end); // no view object per call
    }
  }

  /** Appends `src[start, end)` with every `"` doubled. */
  sliceDoublingQuotes(src: Uint8Array, start: number, end: number): void {
    this.room(2 * (end - start));
    const b = this.buf;
    let p = this.pos;
    let i = start;
    let nextQuote = -1; // where the next `"` at or after i is, once searched for natively (end: none)
    while (i < end) {
      // A run of other bytes, one by one up to LONG_RUN of them, then natively.
      const limit = Math.min(end, i + LONG_RUN);
      let c = 0;
      while (i < limit) {
        c = src[i] as number;
        if (c === 0x22) break;
        b[p++] = c;
        i++;
      }
      if (i === limit) {
        if (i === end) break;
        if (nextQuote < i) nextQuote = boundedIndexOf(src, 0x22, i, end);
        p += copyRun(src, b, p, i, nextQuote);
        i = nextQuote;
        continue;
      }
      b[p++] = 0x22; // the quote at i, doubled
      b[p++] = 0x22;
      i++;
    }
    this.pos = p;
  }

  /**
   * Appends JSON text `src[start, end)` with every `"` doubled and every `;` before `=`, `+`, `-`
   * or `@` written as the JSON escape `\u003b` (docs/FORMAT.md, "Formula injection"), in one pass.
   */
  sliceJsonDoublingQuotes(src: Uint8Array, start: number, end: number): void {
    this.room(4 * (end - start)); // `;=` (2 bytes) becomes `\u003b=` (7)
    const b = this.buf;
    let p = this.pos;
    let i = start;
    // Where the next `"` and `;` at or after i are, once searched for natively (end: none): each
    // searched again only when passed, so a long text costs one scan of each byte, never one per run.
    let nextQuote = -1;
    let nextSemicolon = -1;
    while (i < end) {
      const limit = Math.min(end, i + LONG_RUN);
      let c = 0;
      while (i < limit) {
        c = src[i] as number;
        if (c === 0x22 || c === 0x3b) break;
        b[p++] = c;
        i++;
      }
      if (i === limit) {
        if (i === end) break;
        if (nextQuote < i) nextQuote = boundedIndexOf(src, 0x22, i, end);
        if (nextSemicolon < i) nextSemicolon = boundedIndexOf(src, 0x3b, i, end);
        const j = Math.min(nextQuote, nextSemicolon);
        p += copyRun(src, b, p, i, j);
        i = j;
        continue;
      }
      i++;
      if (c === 0x22) {
        b[p++] = 0x22;
        b[p++] = 0x22;
        continue;
      }
      const d = src[i]; // the byte after the `;`
      if (i < end && (d === 0x3d || d === 0x2b || d === 0x2d || d === 0x40)) {
        for (const u of SEMICOLON_ESCAPE) b[p++] = u;
      } else b[p++] = 0x3b;
    }
    this.pos = p;
  }
}

/**
 * Bytes of a run (no `"`, no `;`) copied one by one before the rest of the run is found and copied
 * natively: a native search and copy cost about 0.25 µs, what the loop spends on ~100 bytes, so only
 * long text (the 4 KB lines' notes) goes native, and short values keep the plain loop's speed.
 */
const LONG_RUN = 256;

/**
 * The index of the first `byte` in `src[i, end)`, else `end`: memchr (Buffer.indexOf), over a view
 * bounded by `end` unless `end` is the buffer's own end (no view needed then).
 */
export function boundedIndexOf(src: Uint8Array, byte: number, i: number, end: number): number {
  if (end === src.length) {
    const k = Buffer.prototype.indexOf.call(src, byte, i);
    return k === -1 ? end : k;
  }
  const k = Buffer.prototype.indexOf.call(Buffer.prototype.subarray.call(src, i, end), byte);
  return k === -1 ? end : i + k;
}

/** Copies `src[i, j)` to `b` at `p`; the bytes copied. */
function copyRun(src: Uint8Array, b: Buffer, p: number, i: number, j: number): number {
  return j > i ? Buffer.prototype.copy.call(src, b, p, i, j) : 0;
}

/** `\u003b`, a JSON string's `;` spelled so that no formula character follows a `;` byte. */
const SEMICOLON_ESCAPE = Buffer.from('\\u003b', 'latin1');

/** A growable in-memory sink: `view()` gives the bytes written, `clear()` empties it. */
export class GrowableByteSink extends ByteSink {
  constructor(initial = 64 * 1024) {
    super(initial);
  }

  protected room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const g = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(g, 0, 0, this.pos);
    this.buf = g;
  }

  /** Bytes written since the last clear (a view: copy it before writing again). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Empties the sink (keeps its memory). */
  clear(): void {
    this.pos = 0;
  }
}

/** Writes a new file (O_EXCL) through a fixed buffer, hashing every byte written. */
export class HashingWriter extends ByteSink {
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  private size = 0;
  private closed = false;

  constructor(readonly path: string) {
    super(BUFFER_BYTES);
    try {
      this.fd = openSync(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
    } catch (err) {
      throw wrapFsError(err, 'create', path);
    }
  }

  protected room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  /** Appends bytes the caller may reuse afterwards (written through, not kept). */
  writeBytes(b: Uint8Array): void {
    if (b.length < BUFFER_BYTES >> 2) {
      this.slice(b, 0, b.length);
      return;
    }
    this.flush();
    this.put(b);
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.put(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  private put(b: Uint8Array): void {
    this.hash.update(b);
    let off = 0;
    try {
      while (off < b.length) off += writeSync(this.fd, b, off, b.length - off);
    } catch (err) {
      throw wrapFsError(err, 'write', this.path);
    }
    this.size += b.length;
  }

  /** Flushes, fsyncs and closes; returns the size and hash. */
  finish(): WrittenFile {
    this.flush();
    try {
      fsyncSync(this.fd);
      return this.closeWritten();
    } catch (err) {
      throw wrapFsError(err, 'write', this.path);
    }
  }

  /**
   * finish() with the fsync on libuv's thread pool: the caller renders and writes its next file
   * while the disk makes this one durable (an fsync waits for the device: several ms each).
   */
  async finishAsync(): Promise<WrittenFile> {
    this.flush();
    try {
      await fsyncOnPool(this.fd);
      return this.closeWritten();
    } catch (err) {
      throw wrapFsError(err, 'write', this.path);
    }
  }

  private closeWritten(): WrittenFile {
    const st = fstatSync(this.fd);
    this.closed = true;
    closeSync(this.fd);
    return Object.freeze({
      path: this.path,
      size: this.size,
      sha256: this.hash.digest('hex'),
      modified: st.mtime.toISOString(),
    });
  }

  /** Closes without caring about errors (after a failure elsewhere). */
  abandon(): void {
    if (this.closed) return; // never close a descriptor number the OS may have reused
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}

/** Writes a whole new file, fsynced; returns its size and hash. `content` may come in pieces (a text made as it is written). */
export function writeNewFile(path: string, content: string | Uint8Array | Iterable<string>): WrittenFile {
  const w = new HashingWriter(path);
  try {
    writeContent(w, content);
    return w.finish();
  } catch (err) {
    w.abandon();
    throw err;
  }
}

/**
 * writeNewFile whose fsync runs on the thread pool: the file is written when this returns (the
 * promise), durable when the promise settles. Write the next file meanwhile; await them all before
 * the files are published. On an error the file is closed.
 */
export function writeNewFileSoon(
  path: string,
  content: string | Uint8Array | Iterable<string | Uint8Array>,
): Promise<WrittenFile> {
  const w = new HashingWriter(path);
  try {
    writeContent(w, content);
  } catch (err) {
    w.abandon();
    throw err;
  }
  return w.finishAsync().catch((err: unknown) => {
    w.abandon();
    throw err;
  });
}

function writeContent(w: HashingWriter, content: string | Uint8Array | Iterable<string | Uint8Array>): void {
  if (typeof content === 'string') w.write(content);
  else if (content instanceof Uint8Array) w.writeBytes(content);
  else for (const piece of content) typeof piece === 'string' ? w.write(piece) : w.writeBytes(piece);
}
