/**
 * Time for the audit trail: integer epoch microseconds, formatted without the local time zone.
 *
 * MiFID II RTS 25 asks for UTC with fine granularity. Date.now() has only milliseconds, so the
 * default clock adds performance.now()'s sub-millisecond part, and re-anchors to the wall clock
 * whenever they drift more than a millisecond apart (NTP steps, suspend), so it never wanders.
 */
import { performance } from 'node:perf_hooks';

/** Returns epoch microseconds as an integer. */
export type MicrosClock = () => number;

/** The default clock: wall-clock time with microsecond resolution. */
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
