/**
 * The cross-process lock on a logs directory: an exclusive kernel lock on the whole lock file,
 * taken and released around each append.
 *
 * Why this module and not fs-ext's flock: fs-ext's native init keeps V8 handles of the isolate
 * that loaded it in process-wide statics and resets them on every load. Loaded again in a second
 * isolate (a worker thread, such as the logger's writer thread) after the first one died, it
 * touches freed handles and aborts the whole process ("Check failed: node->IsInUse()"). Any
 * number of loggers in the main thread and in worker threads must be able to lock, so the lock
 * comes from fs-native-extensions, a Node-API addon (one instance per isolate, safe in workers)
 * that ships prebuilt binaries. On Linux it takes an open-file-description lock
 * (fcntl F_OFD_SETLKW on the whole file), on macOS flock(2), on Windows LockFileEx: all held per
 * open file, so two loggers of one process exclude each other like two processes do, and all
 * released by the kernel when the holder dies (kill -9 never stalls the other writers).
 */
import { createRequire } from 'node:module';
import { AuditpackError } from '../errors.js';

interface NativeLock {
  waitForLockSync(fd: number): void;
  unlock(fd: number): void;
}

/** Blocking exclusive lock and its release, on a file descriptor. */
export interface FileLock {
  /** Blocks until this fd holds the exclusive lock. */
  lock(fd: number): void;
  unlock(fd: number): void;
}

const require = createRequire(import.meta.url);
let loaded: FileLock | undefined;

/** The lock functions; loads the native module on first use (importing auditpack loads nothing). */
export function loadFileLock(): FileLock {
  if (loaded) return loaded;
  let native: NativeLock;
  try {
    native = require('fs-native-extensions') as NativeLock;
  } catch (err) {
    throw new AuditpackError('LOCK_FAILED', `the native lock module (fs-native-extensions) could not be loaded: ${(err as Error).message}`, { cause: err });
  }
  loaded = { lock: (fd) => native.waitForLockSync(fd), unlock: (fd) => native.unlock(fd) };
  return loaded;
}
