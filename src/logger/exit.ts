/**
 * Flushing on the way out: one set of process handlers shared by every live logger, installed when
 * the first logger that wants it is made (never at import) and removed when the last one closes.
 *
 * On SIGINT/SIGTERM/SIGHUP (and the other ending signals below) we flush synchronously; if nobody else listens for that signal we then re-raise
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

/**
 * A registered flush; `final` is true on `'exit'` (nothing runs after it but other exit listeners);
 * `ending` is false on a signal the app listens for itself (the process goes on: no last chance).
 */
type ExitFlush = (final: boolean, ending: boolean) => void;

const flushers = new Set<ExitFlush>();
let signals: NodeJS.Signals[] = [];
let installed = false;

/**
 * The signals flushed on: SIGINT and SIGTERM; SIGHUP too (a dropped ssh session, a closed terminal,
 * a supervisor's stop: its default action ends the process without `'exit'`), and SIGBREAK
 * (Ctrl+Break) on Windows. Node resets every signal but SIGPIPE and SIGXFSZ to its default action at
 * start-up, so even under `nohup` a Node process ends on SIGHUP (measured: status 129); the re-raise
 * below keeps that ending when nobody else listens.
 */
function flushSignals(): NodeJS.Signals[] {
  if (process.platform === 'win32') return ['SIGINT', 'SIGTERM', 'SIGBREAK'];
  return ['SIGINT', 'SIGTERM', 'SIGHUP', ...OTHER_ENDING_SIGNALS];
}

/**
 * The other signals whose default action ends a Node process without `'exit'` and that a process is
 * sent on purpose: SIGUSR2 (nodemon's restart), SIGQUIT (Ctrl+\), SIGALRM and SIGVTALRM (timers),
 * SIGXCPU (a CPU-time limit). Left alone: SIGUSR1 (Node's inspector), SIGPROF (V8's profiler uses
 * it), SIGXFSZ and SIGPIPE (Node ignores them: a write fails instead), and the signals of a fault
 * (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT: nothing can run safely) and SIGKILL/SIGSTOP.
 */
const OTHER_ENDING_SIGNALS: readonly NodeJS.Signals[] = ['SIGUSR2', 'SIGQUIT', 'SIGALRM', 'SIGVTALRM', 'SIGXCPU'];

/**
 * `ending` false: a signal the app handles itself, so the process goes on. A failed flush then loses
 * nothing: its events stay buffered and are tried again, and the loggers' `error` listeners heard
 * why. Reporting them as lost (and ending a clean run with status 74) would be a false alarm; if the
 * process does end without writing them, the exit flush reports it then.
 */
function flushAll(final: boolean, ending = true): void {
  for (const f of flushers) {
    try {
      f(final, ending);
    } catch (err) {
      // One logger's failure must not keep the others from flushing.
      if (ending) reportExitFailure(err);
    }
  }
}

const onExit = (): void => flushAll(true);

/**
 * Says on stderr that events were lost on the way out, and makes a clean exit status say it too.
 * Also for a write after the exit flush (an event logged in a later `'exit'` listener).
 */
export function reportExitFailure(err: unknown): void {
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
  // Only this handler listens: the signal is raised again below and ends the process.
  const ending = process.listenerCount(signal) === 1;
  flushAll(false, ending);
  if (ending) {
    uninstall();
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  signals = flushSignals();
  for (const s of signals) process.on(s, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', onExit);
  for (const s of signals) process.off(s, onSignal);
}

/**
 * Registers a synchronous flush to run on exit (`final` true) and on SIGINT, SIGTERM and SIGHUP
 * (SIGBREAK for SIGHUP on Windows). Returns the unregister function.
 */
export function registerExitFlush(flush: ExitFlush): () => void {
  flushers.add(flush);
  install();
  return () => {
    flushers.delete(flush);
    if (flushers.size === 0) uninstall();
  };
}
