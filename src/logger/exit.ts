/**
 * Flushing on the way out: one set of process handlers shared by every live logger, installed when
 * the first logger that wants it is made (never at import) and removed when the last one closes.
 *
 * On SIGINT/SIGTERM we flush synchronously; if nobody else listens for that signal we then re-raise
 * it, so the process still ends as it would have without us (exit status, parent sees the signal).
 * If the app has its own handler, the decision to exit stays the app's.
 *
 * A flush that fails on the way out (disk full, EIO) can no longer reach the app through a promise
 * or an `error` listener, so it goes to stderr, and a process that was ending with status 0 ends
 * with the error's exit code instead: events that could not be written are never dropped in
 * silence. The message names the code, errno and count only, never event content.
 */
import { writeSync } from 'node:fs';
import { exitCodeFor, isAuditpackError } from '../errors.js';

const flushers = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
let installed = false;

function flushAll(): void {
  for (const f of flushers) {
    try {
      f();
    } catch (err) {
      // One logger's failure must not keep the others from flushing.
      reportExitFailure(err);
    }
  }
}

/** Says on stderr that events were lost on the way out, and makes a clean exit status say it too. */
function reportExitFailure(err: unknown): void {
  const typed = isAuditpackError(err);
  const text = typed ? `${err.code}: ${err.message}` : String((err as Error)?.message ?? err);
  try {
    writeSync(2, `auditpack: ${text}\n`);
  } catch {
    // stderr closed: the exit status below still says it.
  }
  if (!process.exitCode) process.exitCode = typed ? exitCodeFor(err.code) : 1;
}

function onSignal(signal: NodeJS.Signals): void {
  flushAll();
  if (process.listenerCount(signal) === 1) {
    uninstall();
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', flushAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', flushAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/** Registers a synchronous flush to run on exit and on SIGINT/SIGTERM. Returns the unregister function. */
export function registerExitFlush(flush: () => void): () => void {
  flushers.add(flush);
  install();
  return () => {
    flushers.delete(flush);
    if (flushers.size === 0) uninstall();
  };
}
