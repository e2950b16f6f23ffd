/**
 * Flushing on the way out: one set of process handlers shared by every live logger, installed when
 * the first logger that wants it is made (never at import) and removed when the last one closes.
 *
 * On SIGINT/SIGTERM we flush synchronously; if nobody else listens for that signal we then re-raise
 * it, so the process still ends as it would have without us (exit status, parent sees the signal).
 * If the app has its own handler, the decision to exit stays the app's.
 */
const flushers = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
let installed = false;

function flushAll(): void {
  for (const f of flushers) {
    try {
      f();
    } catch {
      // One logger's failure must not keep the others from flushing.
    }
  }
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
