/**
 * Where a pack's log is cut between two threads so that both finish together (the first thread
 * checks the part before the cut, the worker the part after it; findings never depend on it).
 * verify cuts only when asked (VerifyPackOptions.logSplit): by default the second core runs the
 * payload derivation, which costs less memory than a second checker.
 */
import { PACK_PATH, ROOT_FILE_BOUNDS } from '../format/pack.js';
import { lineStartAfter } from './log-range.js';

/** Below this size the log is checked by one thread. */
export const MIN_SPLIT_BYTES = 4 * 1024 * 1024;

/**
 * Measured costs per byte (ns, one core of the bench machine; docs/PERFORMANCE.md): checking a log
 * line by line, hashing a file whole, counting CSV records, scanning alerts.jsonl.
 */
const COST = { logCheck: 7, hash: 1.2, csv: 3.5, alerts: 9 };

/**
 * Where to cut the log so that both threads finish together: this thread checks [0, cut), hashes the
 * whole log and scans alerts.jsonl; the worker checks [cut, end), hashes and counts the other files.
 */
export async function cutFor(
  path: string,
  size: number,
  forced: number | 'none' | undefined,
  found: readonly { rel: string; size: number }[],
): Promise<number | undefined> {
  if (forced === 'none' || (forced === undefined && size < MIN_SPLIT_BYTES)) return undefined;
  let at = forced;
  if (at === undefined) {
    let mine = size * COST.hash;
    let theirs = 0;
    for (const x of found) {
      if (x.rel === PACK_PATH.alerts) mine += x.size * COST.alerts;
      else if (x.rel === PACK_PATH.orders || x.rel === PACK_PATH.fills) theirs += x.size * (COST.csv + COST.hash);
      else if (x.rel !== PACK_PATH.log && ROOT_FILE_BOUNDS[x.rel] === undefined) theirs += x.size * COST.hash;
    }
    // mine + cut * logCheck = theirs + (size - cut) * logCheck
    const share = (size * COST.logCheck + theirs - mine) / (2 * COST.logCheck);
    at = Math.round(Math.min(0.9 * size, Math.max(0.1 * size, share)));
  }
  if (at <= 0) return undefined;
  const start = at === 0 ? 0 : await lineStartAfter(path, at - 1);
  return start === undefined || start >= size ? undefined : start;
}
