/**
 * Streaming, byte-exact line splitting of logs, shared by the writer's recovery, export, compliance
 * and verify: one splitter (LineSplitter, push-based, for bytes that arrive as a stream such as a
 * tar entry) and one file reader (scanLines, which feeds the same splitter). Memory stays bounded
 * whatever the input holds: a line longer than `maxLineBytes` is still hashed (incrementally) and
 * reported, but its bytes are not kept.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { open } from 'node:fs/promises';
import { hashLine } from './index.js';
import { AuditpackError } from '../errors.js';

/** One line as found in the file. */
export interface ScannedLine {
  /** The line's bytes without "\n"; undefined when the line is longer than maxLineBytes. */
  readonly bytes: Buffer | undefined;
  /** Length of the line in bytes, without "\n". */
  readonly length: number;
  /** Byte offset of the line's first byte in the file. */
  readonly offset: number;
  /** 1-based line number. */
  readonly lineNumber: number;
  /** False only for a last line with no terminating "\n" (a torn tail). */
  readonly terminated: boolean;
  /** SHA-256 hex of the line's bytes (what the next line's `prev` must equal). */
  readonly hash: string;
}

export interface ScanOptions {
  /** Lines longer than this are hashed but not kept in memory (default 16 MiB). */
  maxLineBytes?: number;
  /** Read chunk size (default 1 MiB). */
  chunkBytes?: number;
  /** Called with each chunk as read, e.g. to hash the whole file in the same pass. */
  onChunk?: (chunk: Buffer) => void;
  /**
   * Called after each chunk is split: the next chunk waits for the promise it returns, if any
   * (a consumer that writes the chunks asynchronously holds the reading back while it is full).
   */
  afterChunk?: () => Promise<void> | undefined;
  /**
   * Hand out `bytes` as a view into the read buffer instead of a copy (faster). The view is valid
   * only during the `onLine` call: copy what must outlive it.
   */
  view?: boolean;
  /**
   * Scan only the bytes from `start` (default 0) up to `end` (default: the end of the file), as if
   * they were the whole file: a range that ends inside a line yields that line unterminated. Offsets
   * stay offsets in the file. Lets two threads check one log, each from a line start.
   */
  start?: number;
  end?: number;
  /** Line number of the range's first line (default 1). */
  firstLineNumber?: number;
  /**
   * Open with O_NOFOLLOW (the default): a symbolic link is refused (READ_FAILED, `details.errno`
   * ELOOP), never read through. Every file scanned is a day file or a pack's, whose formats forbid
   * links (docs/FORMAT.md, "Day files that are not regular files"); false follows one.
   */
  noFollow?: boolean;
}

/** Default bound on a kept line: far above anything the logger writes (about 1 MiB at most). */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
/** The bytes scanLines reads at a time unless told (chunkBytes). */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

/** Options of a LineSplitter. */
export interface SplitOptions {
  /** Lines longer than this are hashed but not kept in memory (default 16 MiB). */
  maxLineBytes?: number;
  /**
   * Hand out `bytes` of a line that lies inside one chunk as a view into that chunk instead of a
   * copy (faster). The view is valid only during the `onLine` call: copy what must outlive it.
   */
  view?: boolean;
  /** Offset of the first byte written (default 0): offsets reported are offsets in the whole input. */
  offset?: number;
  /** Line number of the first line (default 1). */
  firstLineNumber?: number;
}

/**
 * Splits bytes pushed in chunks into lines at "\n", calling `onLine` synchronously, in order,
 * from write() and end(). A line that spans chunks is kept as copies of its parts while under the
 * bound, then only hashed.
 */
export class LineSplitter {
  private readonly maxLine: number;
  private readonly view: boolean;
  /** Offset of the next chunk's first byte. */
  private offset: number;
  private lineNumber: number;
  /** A line that spans chunks: its kept parts (while under the bound) and its running hash. */
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private pendingStart = 0;
  private pendingHash: Hash | undefined;

  constructor(
    private readonly onLine: (line: ScannedLine) => void,
    options: SplitOptions = {},
  ) {
    this.maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.view = options.view === true;
    this.offset = options.offset ?? 0;
    this.lineNumber = (options.firstLineNumber ?? 1) - 1;
  }

  /** Offset just past the bytes written so far. */
  get position(): number {
    return this.offset;
  }

  /** Splits the next chunk. Unless `view`, nothing handed out points into it. */
  write(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      if (this.pendingLen === 0 && this.pendingHash === undefined) {
        // Fast path: the whole line is inside this chunk. Copied unless a view is asked for,
        // since the caller may reuse the chunk's memory.
        const line = this.view ? chunk.subarray(start, nl) : Buffer.from(chunk.subarray(start, nl));
        this.emit(
          line.length <= this.maxLine ? line : undefined,
          line.length,
          this.offset + start,
          true,
          hashLine(line),
        );
      } else this.finishPending(chunk.subarray(start, nl), true);
      start = nl + 1;
    }
    if (start < chunk.length) {
      if (this.pendingLen === 0 && this.pendingHash === undefined) this.pendingStart = this.offset + start;
      this.addPending(chunk.subarray(start));
    }
    this.offset += chunk.length;
  }

  /** The input ended: a last line without "\n" is reported unterminated (a torn tail). */
  end(): void {
    if (this.pendingLen > 0) this.finishPending(Buffer.alloc(0), false);
  }

  private emit(bytes: Buffer | undefined, length: number, offset: number, terminated: boolean, hash: string): void {
    this.lineNumber++;
    this.onLine({ bytes, length, offset, lineNumber: this.lineNumber, terminated, hash });
  }

  private addPending(part: Buffer): void {
    if (this.pendingHash === undefined && this.pendingLen + part.length > this.maxLine) {
      // Crossing the bound: switch to incremental hashing and drop the kept bytes.
      this.pendingHash = createHash('sha256');
      for (const p of this.pending) this.pendingHash.update(p);
      this.pending = [];
    }
    if (this.pendingHash !== undefined) this.pendingHash.update(part);
    else this.pending.push(Buffer.from(part));
    this.pendingLen += part.length;
  }

  private finishPending(tail: Buffer, terminated: boolean): void {
    this.addPending(tail);
    if (this.pendingHash !== undefined) {
      this.emit(undefined, this.pendingLen, this.pendingStart, terminated, this.pendingHash.digest('hex'));
    } else {
      const p = this.pending;
      const line = p.length === 1 ? (p[0] as Buffer) : Buffer.concat(p, this.pendingLen);
      this.emit(line, this.pendingLen, this.pendingStart, terminated, hashLine(line));
    }
    this.pending = [];
    this.pendingLen = 0;
    this.pendingHash = undefined;
  }
}

/**
 * O_NOFOLLOW's ELOOP (a symbolic link at `path`) as the refusal every reader of day files gives:
 * READ_FAILED naming the link, `details.errno` ELOOP; any other error as it was.
 */
export function linkRefused(err: unknown, path: string): unknown {
  if ((err as NodeJS.ErrnoException | undefined)?.code !== 'ELOOP') return err;
  return new AuditpackError('READ_FAILED', `${path} is a symbolic link; never followed, not read`, {
    cause: err,
    details: { path, errno: 'ELOOP' },
  });
}

/**
 * Calls `onLine` for every line of the file, in order, synchronously within the read loop.
 * Resolves with the file's total size (with `start`/`end`: the offset where reading stopped).
 * Rejects only when the file cannot be read.
 */
export async function scanLines(
  path: string,
  onLine: (line: ScannedLine) => void,
  options: ScanOptions = {},
): Promise<number> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const end = options.end ?? Number.POSITIVE_INFINITY;
  const splitter = new LineSplitter(onLine, {
    maxLineBytes: options.maxLineBytes,
    view: options.view,
    offset: options.start ?? 0,
    firstLineNumber: options.firstLineNumber,
  });
  // O_NONBLOCK: a FIFO (or other special file) in a day file's place opens at once and is refused
  // below, instead of blocking until a writer comes; it changes nothing for a regular file.
  const noFollow = options.noFollow !== false;
  const fh = await open(path, fsc.O_RDONLY | fsc.O_NONBLOCK | (noFollow ? fsc.O_NOFOLLOW : 0)).catch((err: unknown) => {
    throw noFollow ? linkRefused(err, path) : err;
  });
  if (!(await fh.stat()).isFile()) {
    await fh.close();
    throw new AuditpackError('READ_FAILED', `${path} is not a regular file; not read`, {
      details: { path, errno: 'ENOTREG' },
    });
  }
  // Two buffers: the next chunk is read (by libuv's thread pool) while this one is split.
  let buf = Buffer.allocUnsafe(chunkBytes);
  let spare = Buffer.allocUnsafe(chunkBytes);
  const readInto = (b: Buffer, at: number): Promise<{ bytesRead: number }> => {
    const want = Math.min(chunkBytes, end - at);
    return want <= 0 ? Promise.resolve({ bytesRead: 0 }) : fh.read(b, 0, want, at);
  };
  let next: Promise<{ bytesRead: number }> | undefined;
  try {
    next = readInto(buf, splitter.position);
    for (;;) {
      const { bytesRead } = await next;
      next = undefined;
      if (bytesRead === 0) break;
      // Views handed out point into this chunk; the read in flight fills the other buffer.
      const chunk = buf.subarray(0, bytesRead);
      [buf, spare] = [spare, buf];
      next = readInto(buf, splitter.position + bytesRead);
      options.onChunk?.(chunk);
      splitter.write(chunk);
      const room = options.afterChunk?.();
      if (room !== undefined) await room;
    }
    splitter.end();
    return splitter.position;
  } finally {
    // A callback threw while a read was in flight: let it settle before closing.
    if (next !== undefined) await next.catch(() => undefined);
    await fh.close();
  }
}
