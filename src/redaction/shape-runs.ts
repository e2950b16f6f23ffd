/**
 * Hand-written finders for shapes whose pattern is not linear in the regex engine on hostile text.
 *
 * The jwt shape (rules 14: `eyJ` + a header of 4 or more, then a payload of 4 or more or an empty one
 * before a signature of 4 or more, then optionally a JWE's two more segments; no segment bounded)
 * would scan a whole run at every `eyJ` it is tried at, and backtrack as much when no `.` follows:
 * 1 MB of `ops_eyJ` (or `-eyJ`, `_eyJ`) repeated took 4-11 s with rules 13's pattern, bounded at 8,192
 * a segment. Here the segments' class excludes `.`, so a segment can only end where its run of the
 * class ends: the run's end is found once per run (cached, as the candidates of a pass move forward)
 * and each `eyJ` costs a few comparisons.
 */

/**
 * A run of `[A-Za-z0-9_-]`, the class of the jwt pattern's segments, from `lastIndex`: `test` moves
 * `lastIndex` to the run's end without building a match (faster than a loop over `charCodeAt`).
 */
const RUN = /[A-Za-z0-9_-]*/y;

/**
 * The last runs found: [from, to) holds only segment characters and `to` does not, so every query
 * in [from, to] ends at `to`. A candidate looks at most five runs (its segments), and candidates
 * only move forward in a pass, so six slots answer every repeated query: each run is scanned once.
 * Valid for one text: resetRuns() at the start of every pass over a new string.
 */
const SLOTS = 6;
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

const DOT = 46;

/**
 * The end of the jwt shape's match at `c` (sticky), or -1: the same match as its pattern in the rule
 * table (kept for the fingerprint and the documentation), whatever the segments' lengths. The header
 * is the whole run after `eyJ` (4 or more, then `.`); then a payload run of 4 or more, with the
 * optional `.` and signature run after it (a JWS, or an unsecured JWT's empty signature), or an empty
 * payload and a signature run of 4 or more (a detached payload, RFC 7515 appendix F; a JWE with an
 * empty encrypted key, `alg: dir`); then, when `.`, a run, `.` and a non-empty run follow, those two
 * segments too (a JWE's ciphertext and tag: RFC 7516's five segments).
 */
export function jwtMatchEnd(s: string, c: number): number {
  if (s.charCodeAt(c) !== 101 || s.charCodeAt(c + 1) !== 121 || s.charCodeAt(c + 2) !== 74) return -1; // eyJ
  const a = c + 3;
  const e1 = runEnd(s, a);
  if (e1 - a < 4 || s.charCodeAt(e1) !== DOT) return -1;
  const b = e1 + 1;
  const e2 = runEnd(s, b);
  let e3: number;
  if (e2 - b >= 4) {
    if (s.charCodeAt(e2) !== DOT) return e2;
    e3 = runEnd(s, e2 + 1);
  } else {
    if (e2 !== b || s.charCodeAt(b) !== DOT) return -1;
    e3 = runEnd(s, b + 1);
    if (e3 - (b + 1) < 4) return -1;
  }
  if (s.charCodeAt(e3) !== DOT) return e3;
  const e4 = runEnd(s, e3 + 1);
  if (s.charCodeAt(e4) !== DOT) return e3;
  const e5 = runEnd(s, e4 + 1);
  return e5 > e4 + 1 ? e5 : e3;
}
