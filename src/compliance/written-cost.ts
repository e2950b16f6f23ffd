/**
 * What a name costs in the compliance state file, cheaply and never under: the open orders' budget
 * (`max_open_order_bytes`) is counted with it on every new order, so it is one regular-expression
 * test, not an encoding.
 */

/** Names JSON writes as they are, one byte a character: printable ASCII but the quote and the backslash. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * At least the bytes `v` takes in the state file, its quotes aside: its length when every character
 * is plain, else 6 a character. JSON writes a control character or a lone surrogate as `\uXXXX` (6
 * bytes), the quote and the backslash as 2, and UTF-8 takes up to 3 bytes a UTF-16 unit: a count of characters let
 * names of control characters make a state six times the budget.
 */
export function writtenCost(v: string | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return PLAIN.test(v) ? v.length : v.length * 6;
}
