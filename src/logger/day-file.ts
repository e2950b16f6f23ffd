/**
 * Opening and reading the tail of a day file, shared by the sink and the anchor check.
 */
import { closeSync, fdatasyncSync, constants as fsc, fstatSync, openSync, readSync } from 'node:fs';
import { hashLine } from '../chain/index.js';
import { AuditpackError } from '../errors.js';
import { LINE_BOUND_BYTES } from '../format/torn-write.js';

/**
 * Opens a log or lock file without following a symbolic link (a link would send audit events, or
 * the lock's head cache, wherever it points) and without blocking (a FIFO would hang the caller);
 * anything but a regular file is refused.
 */
export function openRegular(path: string, flags: number, mode?: number): number {
  const fd = openSync(path, flags | fsc.O_NOFOLLOW | fsc.O_NONBLOCK, mode);
  let regular = false;
  try {
    regular = fstatSync(fd).isFile();
  } finally {
    if (!regular) closeSync(fd);
  }
  if (!regular) {
    throw new AuditpackError('LOG_WRITE_FAILED', `${path} is not a regular file; nothing was written to it`, {
      details: { written: 0, errno: 'ENOTREG' },
    });
  }
  return fd;
}

export interface Tail {
  size: number;
  /** seq of the last complete line; NaN when the file has no complete line. */
  lastSeq: number;
  lastHash: string;
  /** Bytes after the last "\n", if any. */
  fragment: Buffer | undefined;
}

/**
 * The longest last complete line a writer reads to chain on from it. A line over the bound on a line
 * is no line the logger wrote (verify reports it, LOG_LINE_TOO_LONG), but a writer still chains on
 * from one (it must go on logging: promise 1) as long as reading it stays cheap; past this, refused.
 */
export const MAX_LAST_LINE_BYTES = 256 * 1024 * 1024;

/**
 * Reads backwards from the end of a file until it holds the last complete line (and the fragment
 * after it, if any). Reads grow 64 KiB → 32 MiB at most; lines the logger writes are bounded (~1 MiB).
 *
 * Threat: a tail longer than the bound on a line (16 MiB) is no torn write (docs/FORMAT.md, "Torn
 * lines and recovery"), and neither it nor a last line over the bound can be hashed without reading
 * it whole: a hand-made 20 GiB tail would hold the log lock for minutes, and one past 2 GiB does not
 * fit in a buffer. Only the last 16 MiB + 1 bytes are read for the fragment, and a longer tail is
 * refused (LOG_WRITE_FAILED, errno ETAILINVALID), nothing written, as a day file that is not a
 * regular file is. A last complete line over the bound is read and chained on from (the writer goes
 * on logging; verify reports the line) up to MAX_LAST_LINE_BYTES, and refused the same way past it.
 */
export function readTail(path: string): Tail {
  const fd = openRegular(path, fsc.O_RDONLY);
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return { size, lastSeq: Number.NaN, lastHash: '', fragment: undefined };
    let window = Math.min(size, 64 * 1024);
    for (;;) {
      const buf = Buffer.allocUnsafe(window);
      readFully(fd, buf, size - window);
      const lastNl = buf.lastIndexOf(10);
      if (buf.length - lastNl - 1 > LINE_BOUND_BYTES)
        throw tailOverBound(path, size, 'bytes with no newline: no torn write (LOG_TAIL_INVALID)');
      if (lastNl === -1 && window < size) {
        window = Math.min(size, window * 4, LINE_BOUND_BYTES + 1);
        continue;
      }
      const fragment = lastNl === buf.length - 1 ? undefined : Buffer.from(buf.subarray(lastNl + 1));
      if (lastNl === -1) {
        // The whole file is one unterminated fragment: the chain continues from before this file.
        return { size, lastSeq: Number.NaN, lastHash: '', fragment };
      }
      // Not lastIndexOf(10, -1) when the window starts at that "\n": a negative offset counts from the
      // buffer's end and would find the same "\n" again (an empty "last line": at55 F1).
      const prevNl = lastNl === 0 ? -1 : buf.lastIndexOf(10, lastNl - 1);
      if (prevNl === -1 && window < size) {
        // The fragment, the line's "\n", the line and the "\n" before it.
        const cap = buf.length - lastNl - 1 + MAX_LAST_LINE_BYTES + 2;
        if (window >= cap)
          throw tailOverBound(path, size, `one line over ${MAX_LAST_LINE_BYTES} bytes (LOG_LINE_TOO_LONG)`);
        window = Math.min(size, window * 4, cap);
        continue;
      }
      const line = buf.subarray(prevNl + 1, lastNl);
      return { size, lastSeq: seqOf(line, buf, prevNl), lastHash: hashLine(line), fragment };
    }
  } finally {
    closeSync(fd);
  }
}

/** A day file whose end no writer can go on from (readTail): typed, with nothing written. */
function tailOverBound(path: string, size: number, what: string): AuditpackError {
  return new AuditpackError(
    'LOG_WRITE_FAILED',
    `${path} (${size} bytes) ends in more than the bound on a line (${LINE_BOUND_BYTES}) of ${what}; a writer reads no further and writes nothing to it: move the file aside (it is evidence) and verify the log`,
    { details: { written: 0, errno: 'ETAILINVALID', path } },
  );
}

/**
 * SHA-256 of the line whose "\n" is the last byte before offset `end`, or undefined when no line
 * ends there. Reads backwards from `end` as readTail does from the end of the file.
 */
export function hashOfLineEndingAt(path: string, end: number): string | undefined {
  const fd = openRegular(path, fsc.O_RDONLY);
  try {
    let window = Math.min(end, 64 * 1024);
    for (;;) {
      if (window < 2) return undefined;
      const buf = Buffer.allocUnsafe(window);
      readFully(fd, buf, end - window);
      if (buf[window - 1] !== 10) return undefined;
      const prevNl = buf.lastIndexOf(10, window - 2);
      if (prevNl === -1 && window < end) {
        window = Math.min(end, window * 4);
        continue;
      }
      return hashLine(buf.subarray(prevNl + 1, window - 1));
    }
  } finally {
    closeSync(fd);
  }
}

/** seq of a line; if it does not parse, the seq of the nearest earlier parseable line in view, else 0. */
function seqOf(line: Buffer, buf: Buffer, lineStart: number): number {
  const s = parseSeq(line);
  if (s !== undefined) return s;
  let end = lineStart;
  while (end > 0) {
    const start = buf.lastIndexOf(10, end - 1);
    const earlier = parseSeq(buf.subarray(start + 1, end));
    // Lines between it and the last one are counted, so the next seq still follows on.
    if (earlier !== undefined) return earlier + countNewlines(buf, end, lineStart) + 1;
    end = start;
  }
  return 0;
}

function countNewlines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = from + 1; i <= to && i < buf.length; i++) if (buf[i] === 10) n++;
  return n;
}

function parseSeq(line: Buffer): number | undefined {
  try {
    const v = (JSON.parse(line.toString('utf8')) as { seq?: unknown }).seq;
    return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

function readFully(fd: number, buf: Buffer, position: number): void {
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, position + off);
    if (n === 0) break;
    off += n;
  }
}

/** fsyncs a directory (a new file's entry); some file systems refuse it, and the file data is synced anyway. */
export function syncDirectory(dir: string): void {
  try {
    const dfd = openSync(dir, fsc.O_RDONLY);
    try {
      fdatasyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some file systems refuse fsync on directories; the file data itself is synced.
  }
}
