/**
 * Time for the audit trail: integer epoch microseconds, formatted without the local time zone.
 *
 * MiFID II RTS 25 asks for UTC with fine granularity. Date.now() has only milliseconds, so the
 * default clock adds performance.now()'s sub-millisecond part, and re-anchors to the wall clock
 * whenever they drift more than a millisecond apart (NTP steps, suspend), so it never wanders.
 *
 * Time never decreases within a process (this thread's loggers share one floor): a re-anchor pulls
 * the reading back by up to a millisecond (the finer clock ran ahead of Date.now(), which only
 * counts whole milliseconds), and two loggers anchored a moment apart disagree by as much. Either
 * would write a line dated before the one above it (a LOG_CLOCK_BACKWARDS warning on a clean log),
 * so such a reading is held at the last instant handed out. A real step of the wall clock back by
 * more than MAX_HOLD_US is not hidden: holding the time for longer would misdate events, so the
 * step is written as it is and the verifier reports it.
 */
import { performance } from 'node:perf_hooks';

/** Returns epoch microseconds as an integer. */
export type MicrosClock = () => number;

/** Backward steps up to this long are absorbed (the time holds); longer ones are real clock steps. */
export const MAX_HOLD_US = 1_000_000;

/** The latest instant any system clock of this thread handed out. */
let floor = 0;

/** The default clock: wall-clock time with microsecond resolution, never decreasing (see above). */
export function systemClock(): MicrosClock {
  let offset = Date.now() * 1000 - Math.round(performance.now() * 1000);
  return () => {
    const perf = Math.round(performance.now() * 1000);
    let t = perf + offset;
    const wall = Date.now() * 1000;
    // Within a millisecond of the wall clock, keep the finer reading; otherwise follow the wall clock.
    if (t < wall || t >= wall + 1000) {
      offset = wall - perf;
      t = wall;
    }
    if (t < floor && floor - t <= MAX_HOLD_US) return floor;
    floor = t;
    return t;
  };
}
