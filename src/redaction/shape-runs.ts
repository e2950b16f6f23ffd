/**
 * Hand-written finders for shapes whose pattern is not linear in the regex engine on hostile text.
 *
 * The jwt pattern `eyJ[A-Za-z0-9_-]{4,8192}\.[A-Za-z0-9_-]{4,8192}\.?[A-Za-z0-9_-]{0,8192}` scans up
 * to 8,192 characters at every `eyJ` it is tried at, and backtracks as many when no `.` follows: 1 MB
 * of `ops_eyJ` (or `-eyJ`, `_eyJ`) repeated took 4-11 s. Here the segments' class excludes `.`, so a
 * segment can only end where its run of the class ends: the run's end is found once per run (cached,
 * as the candidates of a pass move forward) and each `eyJ` costs a few comparisons.
 */

/**
 * A run of `[A-Za-z0-9_-]`, the class of the jwt pattern's segments, from `lastIndex`: `test` moves
 * `lastIndex` to the run's end without building a match (faster than a loop over `charCodeAt`).
 */
const RUN = /[A-Za-z0-9_-]*/y;

/**
 * The last runs found: [from, to) holds only segment characters and `to` does not, so every query
 * in [from, to] ends at `to`. A candidate looks at most three runs (its segments), and candidates
 * only move forward in a pass, so four slots answer every repeated query: each run is scanned once.
 * Valid for one text: resetRuns() at the start of every pass over a new string.
 */
const SLOTS = 4;
const runFrom = new Int32Array(SLOTS);
const runTo = new Int32Array(SLOTS);
/** Slots holding a run of the current text (the first `used`), and the next to overwrite. */
let used = 0;
let nextSlot = 0;

/** Forgets the runs of the previous text (two stores: it runs once per redactShapes pass). */
export function resetRuns(): void {
  used = 0;
  nextSlot = 0;
}

/** The first index at or after `p` that holds no segment character (or the text's end). */
function runEnd(s: string, p: number): number {
  for (let k = 0; k < used; k++) {
    if (p >= (runFrom[k] as number) && p <= (runTo[k] as number)) return runTo[k] as number;
  }
  if (p >= s.length) return s.length; // (a sticky test past the end would set lastIndex to 0)
  RUN.lastIndex = p;
  RUN.test(s);
  const i = RUN.lastIndex;
  runFrom[nextSlot] = p;
  runTo[nextSlot] = i;
  nextSlot = (nextSlot + 1) % SLOTS;
  if (used < SLOTS) used++;
  return i;
}

const MAX = 8192;

/**
 * The end of the jwt pattern's match at `c` (sticky), or -1: the same match as the regex, which is
 * kept in the rule table for the fingerprint and the documentation. The first segment is the whole
 * run after `eyJ` (4 to 8,192 characters, then `.`); the second at least 4, greedy to 8,192; then,
 * only when the second run ended within 8,192 at a `.`, that `.` and up to 8,192 of the next run;
 * else, when the second run is longer, the optional `.` is empty and the third segment takes up to
 * 8,192 more of the same run.
 */
export function jwtMatchEnd(s: string, c: number): number {
  if (s.charCodeAt(c) !== 101 || s.charCodeAt(c + 1) !== 121 || s.charCodeAt(c + 2) !== 74) return -1; // eyJ
  const a = c + 3;
  const e1 = runEnd(s, a);
  if (e1 - a < 4 || e1 - a > MAX || s.charCodeAt(e1) !== 46) return -1;
  const b = e1 + 1;
  const e2 = runEnd(s, b);
  const l2 = e2 - b;
  if (l2 < 4) return -1;
  if (l2 > MAX) return b + Math.min(l2, 2 * MAX);
  if (s.charCodeAt(e2) !== 46) return e2;
  const d = e2 + 1;
  return d + Math.min(runEnd(s, d) - d, MAX);
}
