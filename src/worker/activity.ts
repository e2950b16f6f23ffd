/**
 * What the worker threads of this process did, by thread name: how many jobs ran in a thread and how
 * many on the caller's thread, and why a thread was not used. Tests read it to prove that work really
 * crossed to a thread; NODE_DEBUG=auditpack prints the same events as they happen.
 */

/** Totals for one thread name since the process started. */
export interface WorkerActivity {
  /** Threads started (a start that then failed counts too). */
  readonly started: number;
  /** Jobs answered by a thread. */
  readonly threadJobs: number;
  /** Jobs run on the caller's thread: by choice, as a fallback, or re-run after a thread died. */
  readonly inlineJobs: number;
  /** The thread ids that answered (at most the last 16). */
  readonly threadIds: readonly number[];
  /** Why a thread was not used or stopped (at most the last 16). */
  readonly fallbacks: readonly string[];
}

interface Mutable {
  started: number;
  threadJobs: number;
  inlineJobs: number;
  threadIds: number[];
  fallbacks: string[];
}

const KEEP = 16;
const byName = new Map<string, Mutable>();

function entry(name: string): Mutable {
  let e = byName.get(name);
  if (e === undefined) {
    e = { started: 0, threadJobs: 0, inlineJobs: 0, threadIds: [], fallbacks: [] };
    byName.set(name, e);
  }
  return e;
}

/** @internal Counts one event of a thread named `name`. */
export function noteActivity(
  name: string,
  what: { started?: true; threadJob?: number; inlineJob?: true; fallback?: string },
): void {
  const e = entry(name);
  if (what.started) e.started++;
  if (what.inlineJob) e.inlineJobs++;
  if (what.threadJob !== undefined) {
    e.threadJobs++;
    if (!e.threadIds.includes(what.threadJob)) e.threadIds.push(what.threadJob);
    if (e.threadIds.length > KEEP) e.threadIds.shift();
  }
  if (what.fallback !== undefined) {
    e.fallbacks.push(what.fallback);
    if (e.fallbacks.length > KEEP) e.fallbacks.shift();
  }
}

/** A copy of the totals for threads named `name` (zeros when none ran). */
export function workerActivity(name: string): WorkerActivity {
  const e = entry(name);
  return { ...e, threadIds: [...e.threadIds], fallbacks: [...e.fallbacks] };
}
