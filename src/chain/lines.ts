/**
 * Streaming, byte-exact line scanning of log files, shared by the writer's recovery, export and
 * verify. Memory stays bounded whatever the file holds: a line longer than `maxLineBytes` is
 * still hashed (incrementally) and reported, but its bytes are not kept.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { open } from 'node:fs/promises';
import { hashLine } from './index.js';

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
  /** Open with O_NOFOLLOW: a symbolic link is an error (ELOOP), never followed. */
  noFollow?: boolean;
}

/** Default bound on a kept line: far above anything the logger writes (about 1 MiB at most). */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

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
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const chunkBytes = options.chunkBytes ?? 1024 * 1024;
  const view = options.view === true;
  const end = options.end ?? Number.POSITIVE_INFINITY;
  const fh = await open(path, options.noFollow === true ? fsc.O_RDONLY | fsc.O_NOFOLLOW : 'r');
  // Two buffers: the next chunk is read (by libuv's thread pool) while this one is scanned.
  let buf = Buffer.allocUnsafe(chunkBytes);
  let spare = Buffer.allocUnsafe(chunkBytes);
  const readInto = (b: Buffer, at: number): Promise<{ bytesRead: number }> => {
    const want = Math.min(chunkBytes, end - at);
    return want <= 0 ? Promise.resolve({ bytesRead: 0 }) : fh.read(b, 0, want, at);
  };
  let next: Promise<{ bytesRead: number }> | undefined;
  try {
    let fileOffset = options.start ?? 0; // offset of the current chunk in the file
    let lineNumber = (options.firstLineNumber ?? 1) - 1;
    // A line that spans chunks: its kept parts (while under the bound) and its running hash.
    let pending: Buffer[] = [];
    let pendingLen = 0;
    let pendingStart = 0;
    let pendingHash: Hash | undefined;

    const emit = (
      bytes: Buffer | undefined,
      length: number,
      offset: number,
      terminated: boolean,
      hash: string,
    ): void => {
      lineNumber++;
      onLine({ bytes, length, offset, lineNumber, terminated, hash });
    };

    next = readInto(buf, fileOffset);
    for (;;) {
      const { bytesRead } = await next;
      next = undefined;
      if (bytesRead === 0) break;
      // Views handed out below point into this chunk; the read in flight fills the other buffer.
      const chunk = buf.subarray(0, bytesRead);
      [buf, spare] = [spare, buf];
      next = readInto(buf, fileOffset + bytesRead);
      options.onChunk?.(chunk);
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(10, start);
        if (nl === -1) break;
        if (pendingLen === 0 && pendingHash === undefined) {
          // Fast path: the whole line is inside this chunk. Copied unless a view is asked for,
          // since buf is reused for the next read.
          const line = view ? chunk.subarray(start, nl) : Buffer.from(chunk.subarray(start, nl));
          emit(line.length <= maxLine ? line : undefined, line.length, fileOffset + start, true, hashLine(line));
        } else {
          const tail = chunk.subarray(start, nl);
          finishPending(tail, true);
        }
        start = nl + 1;
      }
      if (start < bytesRead) {
        const rest = chunk.subarray(start);
        if (pendingLen === 0 && pendingHash === undefined) pendingStart = fileOffset + start;
        addPending(rest);
      }
      fileOffset += bytesRead;
    }
    if (pendingLen > 0) finishPending(Buffer.alloc(0), false);
    return fileOffset;

    function addPending(part: Buffer): void {
      if (pendingHash === undefined && pendingLen + part.length > maxLine) {
        // Crossing the bound: switch to incremental hashing and drop the kept bytes.
        pendingHash = createHash('sha256');
        for (const p of pending) pendingHash.update(p);
        pending = [];
      }
      if (pendingHash !== undefined) pendingHash.update(part);
      else pending.push(Buffer.from(part));
      pendingLen += part.length;
    }

    function finishPending(tail: Buffer, terminated: boolean): void {
      addPending(tail);
      if (pendingHash !== undefined) {
        emit(undefined, pendingLen, pendingStart, terminated, pendingHash.digest('hex'));
      } else {
        const line = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingLen);
        emit(line, pendingLen, pendingStart, terminated, hashLine(line));
      }
      pending = [];
      pendingLen = 0;
      pendingHash = undefined;
    }
  } finally {
    // A callback threw while a read was in flight: let it settle before closing.
    if (next !== undefined) await next.catch(() => undefined);
    await fh.close();
  }
}
