/**
 * The file sink's locks (docs/FORMAT.md, "Concurrency"): `.audit.lock`, which writers take around
 * each append, held only while its path still names the locked file; and the lock on one byte of
 * the day file under which each write goes out, only when the file still ends where the writer's
 * head says. Together they keep one chain when the lock file is removed while writers run.
 */
import { closeSync, fstatSync, ftruncateSync, lstatSync, mkdirSync, writeSync, constants as fsc } from 'node:fs';
import { join } from 'node:path';
import { AuditpackError } from '../errors.js';
import { LOG_LOCK_FILE } from '../format/dir-names.js';
import { openRegular } from './day-file.js';
import type { FileLock } from './lock.js';

export const LOCK_FILE_NAME = LOG_LOCK_FILE;
/** Mode of the day files and the lock file. */
export const LOG_FILE_MODE = 0o640;

/**
 * The byte range of a day file its writers lock around each write (see appendAt): one byte far past
 * any real file's end, so that where locks are mandatory (Windows) readers of the lines are never
 * blocked by it. Every writer locks the same range, so it excludes them from each other.
 */
const DAY_LOCK_OFFSET = 2 ** 50;

/**
 * How many times in a row a writer may find the lock file gone from under its lock, or a day file
 * moved on by another writer, before it gives up on this append (LOCK_FAILED; batched events stay
 * buffered, durable calls reject). Each retry means someone else made progress.
 */
export const MAX_LOCK_RETRIES = 1_000;

/** `.audit.lock` of a logs directory, opened once and kept; reopened when its path moves on. */
export class LockFileHandle {
  private readonly path: string;
  private fd: number | undefined;
  /** Device and inode of the file open as fd (fstat once, at open: an fd's file never changes). */
  private dev = -1;
  private ino = -1;

  constructor(
    private readonly dir: string,
    private readonly lock: FileLock,
  ) {
    this.path = join(dir, LOCK_FILE_NAME);
  }

  /**
   * Takes the lock on `.audit.lock` and returns its fd. A lock on a file no longer at that path
   * excludes nobody (a writer opening the path now locks another file), so after locking, the path
   * must still name the locked file (same device and inode); if it does not (the file was removed
   * or replaced while this writer held its fd), the fd is dropped and the file at the path now is
   * opened and locked instead. This is the usual discipline for lock files that can be unlinked.
   */
  acquire(): number;
  /**
   * `wait` false: takes the lock only if it is free, else returns undefined at once (another
   * process holds it); the caller buffers and tries again later instead of blocking its thread.
   * `onWait`, when the lock is busy and the call waits: told true before the blocking wait and
   * false after it (the writer thread publishes it, so the main thread never waits on a thread that
   * itself waits for another process).
   */
  acquire(wait: false): number | undefined;
  acquire(wait: true, onWait?: (waiting: boolean) => void): number;
  acquire(wait = true, onWait?: (waiting: boolean) => void): number | undefined {
    for (let tries = 0; ; tries++) {
      const fd = this.open();
      try {
        if (!wait || onWait !== undefined) {
          if (!this.lock.tryLock(fd)) {
            if (!wait) return undefined;
            onWait?.(true);
            try {
              this.lock.lock(fd);
            } finally {
              onWait?.(false);
            }
          }
        } else this.lock.lock(fd);
      } catch (err) {
        // A CLI's bounded wait (lock-wait.ts) ran out: its own code, saying who to look for.
        if (err instanceof AuditpackError && err.code === 'LOG_LOCK_TIMEOUT') throw err;
        throw new AuditpackError('LOCK_FAILED', `cannot lock ${this.path}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (this.pathNamesLocked()) return fd;
      this.fd = undefined;
      try {
        closeSync(fd); // releases its lock
      } catch {
        // already closed
      }
      if (tries === MAX_LOCK_RETRIES) throw retriesExhausted(this.path, 'was removed or replaced');
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
  }

  /** Whether the lock file's path still names the file open as fd (device and inode). */
  private pathNamesLocked(): boolean {
    try {
      const now = lstatSync(this.path, { throwIfNoEntry: false });
      return now !== undefined && now.ino === this.ino && now.dev === this.dev;
    } catch {
      return false;
    }
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o750 });
      const fd = openRegular(this.path, fsc.O_RDWR | fsc.O_CREAT, LOG_FILE_MODE);
      try {
        const st = fstatSync(fd);
        this.dev = st.dev;
        this.ino = st.ino;
      } catch (err) {
        closeSync(fd);
        throw err;
      }
      this.fd = fd;
    } catch (err) {
      throw writeError(err, 0, `cannot open the audit log directory ${this.dir}`);
    }
    return this.fd;
  }
}

/**
 * Appends `data` to the day file open as `fd` under the lock on its DAY_LOCK_OFFSET byte, when the
 * file is still `expected` bytes long: the check and the write are one step for every writer, so
 * two writers whose lock file was removed under them still cannot both append after the same line.
 * Undefined (nothing written) when the file has another size.
 *
 * `whole`: the data must land entirely or not at all. A write cut short (EFBIG, a quota, a
 * byte-granular FUSE or NFS space error) is undone while the lock is still held: the file is cut
 * back to `expected`, removing only the bytes this call wrote, never acknowledged and never read
 * by another writer (they wait for this lock). Used for a torn tail's recovery, whose own tear
 * would leave the fragment terminated with nothing describing it (docs/FORMAT.md, "Torn lines").
 */
export function appendAt(
  lock: FileLock,
  fd: number,
  data: Buffer,
  expected: number,
  whole = false,
): { written: number; error?: unknown } | undefined {
  try {
    lock.lock(fd, DAY_LOCK_OFFSET, 1);
  } catch (error) {
    return { written: 0, error };
  }
  try {
    if (fstatSync(fd).size !== expected) return undefined;
    const r = writeAllCounting(fd, data);
    return whole && r.error !== undefined && r.written > 0 ? undoPartial(fd, expected, r) : r;
  } catch (error) {
    return { written: 0, error };
  } finally {
    try {
      lock.unlock(fd, DAY_LOCK_OFFSET, 1);
    } catch {
      // Closing the fd releases it anyway.
    }
  }
}

/**
 * Cuts the file back to `expected` after a write of `r.written` bytes that then failed, when the
 * file ends exactly where that write left it (a writer that ignores the lock may have appended
 * since: its bytes are never cut). Written 0 when undone; otherwise the bytes stay and the next
 * writer finds them as a torn tail.
 */
function undoPartial(
  fd: number,
  expected: number,
  r: { written: number; error?: unknown },
): { written: number; error?: unknown } {
  try {
    if (fstatSync(fd).size !== expected + r.written) return r;
    ftruncateSync(fd, expected);
    return { written: 0, error: r.error };
  } catch {
    return r;
  }
}

function writeAllCounting(fd: number, data: Buffer): { written: number; error?: unknown } {
  let off = 0;
  try {
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    return { written: off };
  } catch (error) {
    return { written: off, error };
  }
}

export function retriesExhausted(path: string, what: string): AuditpackError {
  return new AuditpackError(
    'LOCK_FAILED',
    `${path} ${what} ${MAX_LOCK_RETRIES} times in a row while this writer tried to append: is something removing the lock file in a loop?`,
    { details: { path } },
  );
}

/** A file-system failure of the sink as LOG_WRITE_FAILED (an AuditpackError passes through). */
export function writeError(err: unknown, written: number, what: string): AuditpackError {
  if (err instanceof AuditpackError) return err;
  const errno = (err as NodeJS.ErrnoException).code;
  return new AuditpackError('LOG_WRITE_FAILED', `${what}: ${(err as Error).message}`, {
    cause: err,
    details: { written, errno },
  });
}
