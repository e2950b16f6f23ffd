/**
 * Write-behind for the writer thread (offload-worker.ts): every `WRITE_BEHIND_BYTES` it appends, it
 * asks the kernel to put the day file's data on disk (fdatasync on libuv's pool, off the thread),
 * while it keeps appending. Without it a busy day's data all stays dirty in the page cache until
 * close() or flush(): the kernel's own write-back starts only after 30 s or past its background
 * threshold (`vm.dirty_expire_centisecs`, `vm.dirty_background_ratio`), so the fdatasync at close
 * wrote the whole run at once (1.6 GB for 3M events) and close() took as long as the disk needed
 * for it. With write-behind, close() only waits for the last few megabytes.
 *
 * It changes no guarantee: the sink's own fdatasync (FileSink.sync, close, exit) still runs on the
 * sink's descriptor and still reports a write-back error. The flush here opens the file on a
 * descriptor of its own and ignores what it reports: since Linux 4.13 each open file description
 * sees a write-back error that happened since it was opened (errseq_t, `Documentation/filesystems/
 * vfs.rst`, "Handling errors during writeback"), so consuming an error on this descriptor does not
 * hide it from the sink's. At worst (a file moved away, a FIFO put in its place) the flush does nothing.
 * Closing that descriptor releases no writer's lock: the day-file and lock-file locks are held per
 * open file description (lock.ts: OFD locks, flock, LockFileEx), not per process as POSIX record
 * locks are, where closing any descriptor of a file drops every lock the process holds on it.
 */
import { close, fdatasync, constants as fsc, open } from 'node:fs';
import { join } from 'node:path';
import { logFileName } from '../rotation/index.js';

/** Bytes appended between two write-behind flushes (a default batch is about 1 MiB). */
export const WRITE_BEHIND_BYTES = 32 * 1024 * 1024;

/** Starts an fdatasync of the day file every `every` bytes appended to it; one at a time. */
export class WriteBehind {
  private bytes = 0;
  private running: Promise<void> | undefined;
  /** Flushes started so far. */
  started = 0;

  constructor(
    private readonly dir: string,
    private readonly every: number = WRITE_BEHIND_BYTES,
  ) {}

  /** `bytes` more were appended to day `day`'s file: past `every` since the last flush started, start one. */
  wrote(day: number, bytes: number): void {
    this.bytes += bytes;
    if (this.bytes < this.every || this.running !== undefined) return;
    this.bytes = 0;
    this.started++;
    this.running = flushFile(join(this.dir, logFileName(day))).then(() => {
      this.running = undefined;
    });
  }

  /** Resolves once no flush is running (before the thread closes its sink and ends). */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}

/** fdatasync of the file at `path` on a read-only descriptor of its own; never rejects. */
function flushFile(path: string): Promise<void> {
  return new Promise((resolve) => {
    open(path, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK, (err, fd) => {
      if (err) return resolve();
      fdatasync(fd, () => close(fd, () => resolve()));
    });
  });
}
