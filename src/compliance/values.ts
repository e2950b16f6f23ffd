/**
 * How the checks read a field's value: text (a string, or a number as its text), ids, numbers
 * (a number, or a numeric string: a price logged as "1.00010"), and how a finding writes a number.
 */

/**
 * A text field: a non-empty string, or a finite number as its decimal text (as JSON.parse gives
 * it: a numeric trader id is that id); else null (text-fields.ts holds values that are no text).
 */
export function str(v: unknown): string | null {
  return typeof v === 'string' ? (v !== '' ? v : null) : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
}
/** An id: a non-empty string, or a finite number as text. */
export function idOf(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
}
/** A finite number, from a number or a numeric string. */
export function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const d = plainDecimal(v);
  if (!Number.isNaN(d)) return d;
  if (v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}
/**
 * A value the event gives (neither absent nor JSON null) that is no finite number: "1e400",
 * Infinity, "NaN", "5,000,000". Such a quantity or price cannot be held to a limit, so it is a
 * finding of its own rather than a value the checks skip.
 */
export function unreadableNumber(v: unknown): boolean {
  return v !== undefined && v !== null && num(v) === null;
}
/** A number with thousands separators. */
export function fmt(n: number): string {
  // Thousands separators by hand: toLocaleString costs microseconds, and a day may have many findings.
  const [int, frac] = String(n).split('.');
  const grouped = (int as string).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/** 10 to the power of 0..15, each an exact double. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
/** Digits a plain decimal may have in all: below 10^15 < 2^53, its digits as an integer are exact. */
const MAX_DIGITS = 15;

/**
 * `v` as Number(v) reads it when `v` is a plain decimal (`-?D+(.D+)?`, at most 15 digits in all),
 * else NaN (the caller then asks Number). Number() of a string is a call into the runtime, and a
 * day's prices are logged as text ("1.00010"): it was ~5% of the checks' time. Exact, not close:
 * the digits as an integer m and 10^f (f the digits after the point) are both exact doubles, and
 * IEEE 754 division rounds m / 10^f correctly, which is what Number() gives for the decimal m·10^-f
 * (ECMA-262 StringToNumber: the nearest double). Clinger's fast path (PLDI 1990, "How to read
 * floating point numbers accurately").
 */
export function plainDecimal(v: string): number {
  const n = v.length;
  if (n > MAX_DIGITS + 2) return Number.NaN; // a sign, the digits and a point at most
  let i = n > 0 && v.charCodeAt(0) === 45 ? 1 : 0; // '-'
  const start = i;
  let m = 0;
  let point = -1;
  for (; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c >= 48 && c <= 57) m = m * 10 + (c - 48);
    // A point between digits, once.
    else if (c === 46 && point < 0 && i > start && i < n - 1) point = i;
    else return Number.NaN;
  }
  const digits = n - start - (point < 0 ? 0 : 1);
  if (digits === 0 || digits > MAX_DIGITS) return Number.NaN;
  const d = point < 0 ? m : m / (POW10[n - 1 - point] as number);
  return start === 1 ? -d : d;
}
