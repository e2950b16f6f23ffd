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
 *
 * A file sink loads the addon when it is made, so an install that cannot lock — the package
 * missing, no prebuilt binary for this platform, a binary the loader rejects — fails once, when the
 * logger is created, with ADDON_UNAVAILABLE and what fixes it, instead of every write failing
 * later in the hot path. Only what writes logs loads it: `verify` keeps working on such an install.
 */
import { createRequire } from 'node:module';
import { AuditpackError } from '../errors.js';

interface NativeLock {
  waitForLockSync(fd: number, offset?: number, length?: number): void;
  tryLock(fd: number, offset?: number, length?: number): boolean;
  unlock(fd: number, offset?: number, length?: number): void;
}

/**
 * Blocking exclusive lock and its release, on a file descriptor: on the whole file, or on the
 * byte range [offset, offset + length) when given (a range may lie past the end of the file).
 */
export interface FileLock {
  /** Blocks until this fd holds the exclusive lock. */
  lock(fd: number, offset?: number, length?: number): void;
  /** Takes the exclusive lock if it is free; false when another open file holds it. Never blocks. */
  tryLock(fd: number, offset?: number, length?: number): boolean;
  unlock(fd: number, offset?: number, length?: number): void;
}

/** The npm package of the native lock addon. */
export const LOCK_ADDON = 'fs-native-extensions';

/** Why the lock addon could not be loaded (`details.reason` of ADDON_UNAVAILABLE). */
export type AddonFailure = 'not-installed' | 'no-prebuilt' | 'other-node-line' | 'load-failed';

const require = createRequire(import.meta.url);
let loaded: FileLock | undefined;

/**
 * The lock functions; loads the native addon on first use (importing auditpack loads nothing) and
 * keeps it (per thread). Throws AuditpackError ADDON_UNAVAILABLE when it cannot be loaded.
 */
export function loadFileLock(): FileLock {
  if (loaded) return loaded;
  let native: Partial<NativeLock>;
  try {
    native = require(LOCK_ADDON) as Partial<NativeLock>;
  } catch (err) {
    throw addonError(err);
  }
  const { waitForLockSync, tryLock, unlock } = native;
  if (typeof waitForLockSync !== 'function' || typeof tryLock !== 'function' || typeof unlock !== 'function') {
    throw addonError(
      new Error(`${LOCK_ADDON} has no waitForLockSync/tryLock/unlock functions (an incompatible version)`),
    );
  }
  loaded = {
    lock: (fd, offset = 0, length = 0) => waitForLockSync(fd, offset, length),
    tryLock: (fd, offset = 0, length = 0) => tryLock(fd, offset, length),
    unlock: (fd, offset = 0, length = 0) => unlock(fd, offset, length),
  };
  return loaded;
}

/** Classifies a failed load of the lock addon and says what fixes it. */
export function addonError(err: unknown): AuditpackError {
  const reason = classify(err);
  const cause = causeText(err);
  const where = installRoot();
  const inDir = where ? ` in ${where}` : '';
  const node = `Node.js ${process.version} (NODE_MODULE_VERSION ${process.versions.modules}, ${process.platform}-${process.arch})`;
  const reinstall = `reinstall the dependencies with this Node.js (\`npm ci\`${inDir}) — README, "Node.js lines and the native addon"`;
  let message: string;
  if (reason === 'not-installed') {
    message = `the native lock addon ${LOCK_ADDON} is not installed: run \`npm install\`${inDir}. Cause: ${cause}`;
  } else if (reason === 'no-prebuilt') {
    message = `the native lock addon ${LOCK_ADDON} has no binary for this platform (${process.platform}-${process.arch}${isMusl() ? '-musl' : ''}); it ships prebuilt binaries for Linux (glibc) x64/arm64, macOS and Windows — if this platform is one of them, ${reinstall}. Cause: ${cause}`;
  } else if (reason === 'other-node-line') {
    const built = /NODE_MODULE_VERSION (\d+)/.exec(cause)?.[1] ?? '?';
    message = `the native lock addon ${LOCK_ADDON} was built for another Node.js line (NODE_MODULE_VERSION ${built}) than this ${node}: ${reinstall}. Cause: ${cause}`;
  } else {
    message = `the native lock addon ${LOCK_ADDON} cannot be loaded by ${node}: ${reinstall}. Cause: ${cause}`;
  }
  return new AuditpackError('ADDON_UNAVAILABLE', message, {
    cause: err,
    details: {
      addon: LOCK_ADDON,
      reason,
      node: process.version,
      nodeModuleVersion: process.versions.modules,
      platform: `${process.platform}-${process.arch}`,
      fix: reason === 'not-installed' ? 'npm install' : 'npm ci',
    },
  });
}

function classify(err: unknown): AddonFailure {
  const code = (err as { code?: unknown } | null)?.code;
  const text = causeText(err);
  // The package itself is missing (not a module it requires: the message names the package).
  if (
    (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
    text.includes(`Cannot find module '${LOCK_ADDON}'`)
  )
    return 'not-installed';
  // require-addon found no binary for this host among the package's prebuilds.
  if (code === 'ADDON_NOT_FOUND') return 'no-prebuilt';
  if (text.includes('NODE_MODULE_VERSION')) return 'other-node-line';
  return 'load-failed';
}

/** The error's message and its causes' (require-addon wraps the loader's error), on one line. */
function causeText(err: unknown): string {
  const parts: string[] = [];
  for (
    let e: unknown = err, depth = 0;
    e !== undefined && e !== null && depth < 4;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const m = (e as { message?: unknown }).message;
    parts.push(typeof m === 'string' ? m : String(e));
  }
  // Node's "Require stack:" lists every importer: long, and the message already names the module.
  return parts
    .map((p) => p.split(/\nRequire stack:/)[0] as string)
    .join(': ')
    .replace(/\s*\n\s*/g, ' ');
}

/** The directory to run npm in: the one holding the node_modules that holds the addon, if it resolves. */
function installRoot(): string | undefined {
  try {
    const p = require.resolve(`${LOCK_ADDON}/package.json`);
    const i = p.lastIndexOf('node_modules');
    return i > 0 ? p.slice(0, i - 1) : undefined;
  } catch {
    return undefined;
  }
}

function isMusl(): boolean {
  const report =
    process.platform === 'linux'
      ? (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
      : undefined;
  return report !== undefined && report.header?.glibcVersionRuntime === undefined;
}
