/**
 * A bounded wait for the log lock, for the command-line tools' own events and checks.
 *
 * The library's writers wait for `.audit.lock` without limit: an application's logger buffers
 * while it waits (its own thread tries the lock and retries on a timer, writer.ts; the writer
 * thread blocks in `waitForLockSync`), and nothing is lost. A command run from cron has no
 * one to buffer for: a writer stopped while it holds the lock (SIGSTOP, a debugger, ^Z, a frozen
 * VM guest) keeps it for good, and a command that waits without limit hangs for good. So the CLI
 * sets a bound for its process (AUDITPACK_LOCK_TIMEOUT, default 30 s); past it a write fails with
 * LOG_LOCK_TIMEOUT, naming the lock file and how to find its holder. The bound is a process-wide
 * setting and not an option of every library function that records an event: only the CLI sets
 * it (src/cli/main.ts), and a writer thread (another isolate) never sees it, so an application's
 * logger keeps waiting as before. The wait polls the non-blocking lock with a synchronous sleep
 * (Atomics.wait): the writers' append is synchronous, and so must its wait be.
 */
import { join } from 'node:path';
import { AuditpackError } from '../errors.js';
import { LOG_LOCK_FILE } from '../format/dir-names.js';
import type { FileLock } from './lock.js';

let processWaitMs: number | undefined;

/**
 * Sets how long this process's log writers (made from now on) and export's head check wait for the
 * log lock, in ms; undefined or 0: without limit (the library's default). Set only by the CLI.
 */
export function setLockWaitDefault(ms: number | undefined): void {
  processWaitMs = ms !== undefined && ms > 0 ? ms : undefined;
}

/** The bound set by setLockWaitDefault; undefined: wait without limit. */
export function lockWaitDefault(): number | undefined {
  return processWaitMs;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for `ms` milliseconds (Atomics.wait on a value nobody changes). */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Tries the exclusive lock on `fd` (the whole file, or the byte range given) until it is taken or
 * `waitMs` has passed: true when taken. Sleeps 1 ms between tries, doubling up to 50 ms. A budget
 * of 0 tries once.
 */
export function pollLock(lock: FileLock, fd: number, waitMs: number, offset = 0, length = 0): boolean {
  const deadline = Date.now() + waitMs;
  let delay = 1;
  for (;;) {
    if (lock.tryLock(fd, offset, length)) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    sleepSync(Math.min(delay, left));
    delay = Math.min(delay * 2, 50);
  }
}

/** The seconds a bound is, as the messages print it. */
function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** Says who holds the log lock and what to do: the tail of LOG_LOCK_TIMEOUT and of export's warning. */
export function lockHolderHint(lockPath: string): string {
  return `A writer stopped or hung while holding it (SIGSTOP, ^Z, a debugger, a frozen VM) keeps it for good: \`fuser -v ${lockPath}\` or \`lsof ${lockPath}\` names the process; resume it (kill -CONT) or end it, then run the command again. AUDITPACK_LOCK_TIMEOUT sets the wait in seconds (0: without limit)`;
}

/** LOG_LOCK_TIMEOUT: the lock at `lockPath` was not free within `waitMs`. */
export function lockTimeoutError(lockPath: string, waitMs: number, what = 'the log lock'): AuditpackError {
  return new AuditpackError(
    'LOG_LOCK_TIMEOUT',
    `waited ${seconds(waitMs)} for ${what} ${lockPath}, held by another process all that time; the event was not written. ${lockHolderHint(lockPath)}`,
    { details: { path: lockPath, waited_ms: waitMs } },
  );
}

/**
 * `base` with a bounded `lock`: it polls for up to `waitMs`, then throws LOG_LOCK_TIMEOUT. After one
 * timeout, later calls try once and fail at once while the lock is still held: a logger's close()
 * retries its writes for a few seconds, and must not wait the whole bound again each time.
 */
export function boundedFileLock(base: FileLock, waitMs: number, logDir: string): FileLock {
  const lockPath = join(logDir, LOG_LOCK_FILE);
  let timedOut = false;
  return {
    lock(fd, offset = 0, length = 0) {
      if (pollLock(base, fd, timedOut ? 0 : waitMs, offset, length)) {
        timedOut = false;
        return;
      }
      timedOut = true;
      // The day file's write lock (a range past its end) is held only by a writer that holds
      // .audit.lock too, or whose lock file was removed under it: name the directory's lock file.
      throw lockTimeoutError(
        lockPath,
        waitMs,
        offset === 0 && length === 0 ? 'the log lock' : 'a day file write lock beside the log lock',
      );
    },
    tryLock: (fd, offset, length) => base.tryLock(fd, offset, length),
    unlock: (fd, offset, length) => base.unlock(fd, offset, length),
  };
}
