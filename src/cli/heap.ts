/**
 * The garbage collector's settings for the CLI process, made once at start-up (bin/auditpack.js)
 * before any work. V8 sizes its heap for throughput: the young generation grows to 2 × 16 MB
 * semi-spaces and the old generation is collected only when it has doubled or more, so an export
 * or verify, whose live data is small (about 30 MB: batches, open orders, the tree's frontier) but
 * which allocates gigabytes of short-lived strings, peaked at ~200 MB of mostly garbage, and more as
 * the day grew (docs/PERFORMANCE.md, "Peak RSS"). Kept here:
 * - the young generation at its first size (1 MB semi-spaces): the batches' garbage dies young anyway;
 * - the old generation collected once it grew by a quarter over what survived the last collection
 *   (V8 lets it grow by 8 MB at least): a half let a 10M-event verify's old space, ~29 MB live, reach
 *   ~43 MB before each collection (docs/PERFORMANCE.md, pm18).
 * V8 undoes the first whenever a worker thread makes its heap; src/worker sets it again then
 * (worker/heap-flags.ts).
 * A library user's process keeps its own settings; a user who sets a heap flag of these (in
 * NODE_OPTIONS or on node's command line) keeps it too.
 */
import { setProcessHeapFlags } from '../worker/heap-flags.js';

/** The V8 flags set, and the flags whose presence means the user chose for themselves. */
export const COMPACT_HEAP_FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=25'] as const;
const USER_CHOICES = ['semi-space', 'heap-growing', 'optimize-for-size'];

/**
 * Sets COMPACT_HEAP_FLAGS unless `nodeOptions`/`execArgv` (the process's NODE_OPTIONS and
 * process.execArgv) already set one of them. Returns the flags set. Call once, at start-up: the
 * flags are the whole process's (every thread's heap).
 */
export function useCompactHeap(nodeOptions: string | undefined, execArgv: readonly string[]): readonly string[] {
  const given = `${nodeOptions ?? ''} ${execArgv.join(' ')}`.replaceAll('_', '-');
  if (USER_CHOICES.some((c) => given.includes(c))) return [];
  setProcessHeapFlags(COMPACT_HEAP_FLAGS);
  return COMPACT_HEAP_FLAGS;
}
