import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compactDate,
  dayNumberOf,
  dayNumberOfIsoDate,
  dayOfLogFileName,
  isoDate,
  logDayOfIsoDate,
  logFileName,
  MICROS_PER_DAY,
} from '../../src/rotation/index.js';

describe('UTC days from epoch microseconds', () => {
  it('puts the last microsecond of a day and the first of the next in different days', () => {
    const midnight = Date.UTC(2025, 8, 9) * 1000;
    expect(logFileName(dayNumberOf(midnight - 1))).toBe('audit-20250908.jsonl');
    expect(logFileName(dayNumberOf(midnight))).toBe('audit-20250909.jsonl');
  });

  it('handles days before 1970 and leap days', () => {
    expect(isoDate(dayNumberOf(-1))).toBe('1969-12-31');
    expect(isoDate(dayNumberOf(Date.UTC(2024, 1, 29, 23, 59, 59, 999) * 1000))).toBe('2024-02-29');
  });

  it('round-trips any day through its file name and ISO date (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -700_000, max: 2_900_000 }), (day) => {
        expect(dayOfLogFileName(logFileName(day))).toBe(day);
        expect(dayNumberOfIsoDate(isoDate(day))).toBe(day);
        expect(compactDate(day)).toBe(isoDate(day).replaceAll('-', ''));
      }),
    );
  });

  it('every microsecond of a day maps to that day (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 30_000 }),
        fc.integer({ min: 0, max: MICROS_PER_DAY - 1 }),
        (day, offset) => {
          expect(dayNumberOf(day * MICROS_PER_DAY + offset)).toBe(day);
        },
      ),
    );
  });

  it('rejects names and dates that are not real', () => {
    for (const bad of [
      'audit-20250230.jsonl',
      'audit-2025090.jsonl',
      'audit-20250908.jsonl.bak',
      'xaudit-20250908.jsonl',
      'audit-20251301.jsonl',
    ]) {
      expect(dayOfLogFileName(bad)).toBeUndefined();
    }
    for (const bad of ['2025-02-30', '2025-9-8', '20250908', '2025-13-01', ''])
      expect(dayNumberOfIsoDate(bad)).toBeUndefined();
  });
});

describe('logDayOfIsoDate: a day a log can be dated', () => {
  it('is a real YYYY-MM-DD from 1970-01-01 on; USAGE for anything else', () => {
    expect(logDayOfIsoDate('1970-01-01')).toBe(0);
    expect(logDayOfIsoDate('9999-12-31')).toBe(dayNumberOfIsoDate('9999-12-31'));
    for (const [date, message] of [
      ['0000-01-01', '0000-01-01 is before 1970-01-01'],
      ['1969-12-31', '1969-12-31 is before 1970-01-01'],
      ['2026-02-30', 'expected a date as YYYY-MM-DD'],
      ['+10000-01-01', 'expected a date as YYYY-MM-DD'],
    ] as const)
      expect(() => logDayOfIsoDate(date)).toThrow(
        expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(message) }),
      );
  });
});
