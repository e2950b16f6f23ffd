import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { describe, expect, it, vi } from 'vitest';
import { createHeadFormatter } from '../../src/format/log-line.js';
import { systemClock } from '../../src/logger/clock.js';

/** The head formatter as of commit a974b86 (`git show a974b86:src/logger/clock.ts`): the reference. */
function referenceHeadFormatter(): (micros: number) => string {
  let cachedSecond = Number.NaN;
  let cachedIso = '';
  return (micros: number): string => {
    const sec = Math.floor(micros / 1_000_000);
    const frac = micros - sec * 1_000_000;
    if (sec !== cachedSecond) {
      cachedSecond = sec;
      cachedIso = new Date(sec * 1000).toISOString().slice(0, 19);
    }
    const f = frac < 100_000 ? String(frac).padStart(6, '0') : String(frac);
    return `{"ts":${sec}.${f},"iso_ts":"${cachedIso}.${f}Z"`;
  };
}

const T0 = Date.UTC(2025, 8, 8, 7, 52, 50) * 1000 + 590_693;

describe('createHeadFormatter', () => {
  it('writes ts and iso_ts with six decimals', () => {
    const head = createHeadFormatter();
    expect(head(T0)).toBe('{"ts":1757317970.590693,"iso_ts":"2025-09-08T07:52:50.590693Z"');
    expect(head(T0 - 590_693 + 42)).toBe('{"ts":1757317970.000042,"iso_ts":"2025-09-08T07:52:50.000042Z"');
    expect(head(T0 + 409_307)).toBe('{"ts":1757317971.000000,"iso_ts":"2025-09-08T07:52:51.000000Z"');
  });

  it('is byte-identical to the reference for any safe integer, in any order (its caches never leak)', () => {
    const instant = fc.oneof(
      fc.integer({ min: T0 - 5_000_000, max: T0 + 5_000_000 }),
      fc.integer({ min: -1_000_000_000_000, max: 4_102_444_800_000_000 }),
      fc.maxSafeInteger(),
      fc.constantFrom(
        0,
        -1,
        999,
        1000,
        999_999,
        1_000_000,
        -1_000_000,
        -999_999,
        Number.MAX_SAFE_INTEGER,
        Number.MIN_SAFE_INTEGER,
        9_007_199_254_739_999,
      ),
    );
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 50 }), (list) => {
        const head = createHeadFormatter();
        const reference = referenceHeadFormatter();
        for (const t of list) {
          expect(head(t)).toBe(reference(t));
          // Neighbours: the same millisecond and second again, the next microsecond.
          expect(head(t + 1)).toBe(reference(t + 1));
          expect(head(t)).toBe(reference(t));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('matches the reference at both ends of the safe integers, around every second boundary there', () => {
    const head = createHeadFormatter();
    const reference = referenceHeadFormatter();
    for (const end of [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER + 5_000_000_000]) {
      for (let k = 0; k < 5000; k++) {
        const boundary = Math.floor(end / 1_000_000) * 1_000_000 - k * 1_000_000;
        for (const u of [boundary - 1, boundary, boundary + 1, boundary + 999, boundary + 1000]) {
          if (Number.isSafeInteger(u)) expect(head(u)).toBe(reference(u));
        }
      }
    }
  });
});

/** The latest fake wall time used so far (the clock's floor is per process, so later runs start after it). */
let W_LATEST = 0;

describe('systemClock: time never decreases within a process', () => {
  /** Drives Date.now() and performance.now() by hand. */
  function fakeSources(): { set(wallMs: number, perfMs: number): void; restore(): void } {
    let wall = 0;
    let perf = 0;
    const a = vi.spyOn(Date, 'now').mockImplementation(() => wall);
    const b = vi.spyOn(performance, 'now').mockImplementation(() => perf);
    return {
      set(w, p) {
        wall = w;
        perf = p;
      },
      restore() {
        a.mockRestore();
        b.mockRestore();
      },
    };
  }
  const W = 1_764_000_000_268; // an epoch millisecond

  it('the fine clock running ahead of Date.now() (…268999 then a re-anchor) does not step back', () => {
    const src = fakeSources();
    try {
      src.set(W, 1000);
      const clock = systemClock();
      src.set(W, 1000.9994);
      const a = clock(); // W ms + 999 µs: still within Date.now()'s millisecond
      src.set(W, 1001.0004); // perf says the next millisecond, Date.now() does not yet: re-anchor
      const b = clock();
      expect(a).toBe(W * 1000 + 999);
      expect(b).toBeGreaterThanOrEqual(a);
    } finally {
      src.restore();
    }
  });

  it('two loggers anchored apart, read in any interleaving, never step back; a real step back of more than a second is written', () => {
    const src = fakeSources();
    try {
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              which: fc.boolean(),
              dWall: fc.integer({ min: 0, max: 3 }),
              dPerf: fc.integer({ min: 0, max: 3000 }),
            }),
            { minLength: 2, maxLength: 200 },
          ),
          (steps) => {
            let wall = W + 10_000_000; // each run later than the last: the floor is per process
            let perf = 5000;
            src.set(wall, perf);
            const a = systemClock();
            src.set(wall, perf + 0.7);
            const b = systemClock();
            let last = 0;
            for (const s of steps) {
              wall += s.dWall;
              perf += s.dPerf / 1000;
              src.set(wall, perf);
              const t = (s.which ? a : b)();
              expect(t).toBeGreaterThanOrEqual(last);
              last = t;
            }
            W_LATEST = Math.max(W_LATEST, wall);
          },
        ),
      );
      // A real step of the wall clock back by an hour: written as it is (the verifier reports it).
      src.set(W_LATEST + 20_000_000, 900_000);
      const c = systemClock();
      const before = c();
      src.set(W_LATEST + 20_000_000 - 3_600_000, 900_001);
      expect(c()).toBeLessThan(before - 3_000_000_000);
    } finally {
      src.restore();
    }
  });
});
