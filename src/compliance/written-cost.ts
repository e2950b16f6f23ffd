/**
 * What a value costs in the compliance state file, cheaply and never under: the open orders' budget
 * (`max_open_order_bytes`) is counted by writtenCost on every new order (one regular-expression test,
 * not an encoding), and the state is measured at each day's end (carry.ts fitOpenOrders) without
 * writing it.
 */

/** Names JSON writes as they are, one byte a character: printable ASCII but the quote and the backslash. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * At least the bytes `v` takes in the state file, its quotes aside: its length when every character
 * is plain, else 6 a character. JSON writes a control character or a lone surrogate as `\uXXXX` (6
 * bytes), the quote and the backslash as 2, and UTF-8 takes up to 3 bytes a UTF-16 unit: a count
 * of characters let names of control characters make a state six times the budget.
 */
export function writtenCost(v: string | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return PLAIN.test(v) ? v.length : v.length * 6;
}

/** The characters of a number in JSON, without making its text for a whole number (most are). */
export function numberBytes(v: number): number {
  if (!Number.isFinite(v)) return 4;
  if (!Number.isSafeInteger(v)) return String(v).length;
  let n = v < 0 ? 2 : 1;
  for (let a = Math.abs(v); a >= 10; a = Math.floor(a / 10)) n++;
  return n;
}

/**
 * At least the UTF-8 bytes of `JSON.stringify(v)` (its keys sorted or not) for `v` of JSON's
 * values: strings by writtenCost, exact for printable ASCII.
 */
export function jsonBytesAtMost(v: unknown): number {
  if (typeof v === 'string') return writtenCost(v) + 2;
  if (typeof v === 'number') return numberBytes(v);
  if (typeof v === 'boolean') return 5;
  if (v === null || typeof v !== 'object') return 4;
  let n = 1;
  if (Array.isArray(v)) for (const x of v) n += jsonBytesAtMost(x) + 1;
  else {
    const o = v as Record<string, unknown>;
    for (const k in o) if (Object.hasOwn(o, k)) n += writtenCost(k) + 4 + jsonBytesAtMost(o[k]);
  }
  return n < 2 ? 2 : n;
}

/** jsonBytesAtMost of an object with these keys, its values aside. */
export function frameBytes(keys: readonly string[]): number {
  return keys.reduce((n, k) => n + writtenCost(k) + 4, 1);
}
