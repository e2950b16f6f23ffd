/**
 * A full collection of a worker thread's own heap every so many jobs. A thread that runs a long
 * pass of small jobs (the export's scan, verify's payload derivation: one job a batch of 256 KiB)
 * promotes a little of each job's garbage (what a young collection found still in flight) and,
 * its old generation never reaching V8's first limit for it, never ran a full collection: on the
 * 10M-event day the derivation thread's old space grew from 6.8 to 9.9 MB by the end of the pass,
 * and grows with the day (docs/PERFORMANCE.md, pm19). A full collection every FULL_GC_EVERY_JOBS
 * jobs keeps it near what is live (its heap ~9.5 MB at the end instead of ~15).
 *
 * V8 gives a script its `gc` only under `--expose-gc`: the flag is set just long enough to make a
 * context that has it, then unset, so no other context of the process gets one (a process started
 * with the flag keeps it: its own `gc` is used).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { JobHandler } from './protocol.js';

/** Jobs between two full collections of the thread's heap (256 MiB of a day's log in scan batches). */
export const FULL_GC_EVERY_JOBS = 1024;

let collect: (() => void) | null | undefined;

/** A full collection of this thread's heap now; false when V8 gives no way to ask for one. */
export function fullGc(): boolean {
  if (collect === undefined) collect = obtainGc();
  collect?.();
  return collect !== null;
}

function obtainGc(): (() => void) | null {
  const own: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as () => void;
  try {
    setFlagsFromString('--expose-gc');
    const got: unknown = runInNewContext('gc');
    return typeof got === 'function' ? (got as () => void) : null;
  } catch {
    return null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/**
 * `handler`, with a full collection of the thread's heap (`collect`) before every `every`-th job.
 */
export function withFullGc<J, R>(
  handler: JobHandler<J, R>,
  every = FULL_GC_EVERY_JOBS,
  collect: () => unknown = fullGc,
): JobHandler<J, R> {
  let jobs = 0;
  const run = handler.run.bind(handler);
  return {
    ...handler,
    run(job) {
      if (++jobs % every === 0) collect();
      return run(job);
    },
  };
}
