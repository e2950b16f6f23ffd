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

/** `000` … `999`: the microsecond digits of a head. */
const MICRO_DIGITS: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** `000Z"` … `999Z"`. */
const MICRO_DIGITS_Z: readonly string[] = MICRO_DIGITS.map((d) => `${d}Z"`);

/**
 * Formats the start of a line, `{"ts":<sec>.<µs>,"iso_ts":"<ISO with µs>Z"`. Everything up to
 * the millisecond is cached (the date-time part per second, the two prefixes per millisecond) and
 * the last three digits come from a table, so a call is four string concatenations and allocates
 * nothing else.
 */
export function createHeadFormatter(): (micros: number) => string {
  let cachedSecond = Number.NaN;
  let cachedIso = '';
  let cachedMilli = Number.NaN;
  /** `{"ts":<sec>.<ms>` and `,"iso_ts":"<ISO>.<ms>` of cachedMilli. */
  let ts = '';
  let iso = '';
  return (micros: number): string => {
    const sec = Math.floor(micros / 1_000_000);
    const frac = micros - sec * 1_000_000;
    if (sec !== cachedSecond) {
      cachedSecond = sec;
      cachedIso = new Date(sec * 1000).toISOString().slice(0, 19);
      cachedMilli = Number.NaN;
    }
    if (!(frac >= 0 && frac < 1_000_000)) {
      // Not seen for any safe integer (test/logger/clock.test.ts); kept so that the text cannot differ.
      const f = frac < 100_000 ? String(frac).padStart(6, '0') : String(frac);
      return `{"ts":${sec}.${f},"iso_ts":"${cachedIso}.${f}Z"`;
    }
    const ms = Math.floor(frac / 1000);
    if (ms !== cachedMilli) {
      cachedMilli = ms;
      const m = MICRO_DIGITS[ms] as string;
      ts = `{"ts":${sec}.${m}`;
      iso = `,"iso_ts":"${cachedIso}.${m}`;
    }
    const us = frac - ms * 1000;
    return ts + (MICRO_DIGITS[us] as string) + iso + (MICRO_DIGITS_Z[us] as string);
  };
}

/** ISO-8601 UTC with microseconds for an epoch-microsecond instant. */
export function isoMicros(micros: number): string {
  const sec = Math.floor(micros / 1_000_000);
  const frac = String(micros - sec * 1_000_000).padStart(6, '0');
  return `${new Date(sec * 1000).toISOString().slice(0, 19)}.${frac}Z`;
}
