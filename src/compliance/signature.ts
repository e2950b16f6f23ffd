/**
 * A new order's duplicate signature (symbol, side, quantity, price, strategy, user, account) found
 * without a string per order. The signature is defined by its text (signatureText: the parts as
 * template-literal text joined by NUL, as carried states record it); building that text for every
 * new order (thirteen pieces, two numbers as text, then flattened to be hashed by the map) was about
 * a tenth of all the reading thread's allocation. Two signatures whose parts hold no NUL have equal
 * texts exactly when each part has the same text (one NUL between each of seven parts: the NULs
 * cannot shift), so such a signature is found by a hash of its parts and compared part by part with
 * the text's rules (null reads as "null"; a number as its shortest round-trip text, so 0 and -0
 * are one and otherwise equal text means equal number). A part holding a NUL, and a carried state's
 * signature, keep the text as their key (EngineState.recentKeys): they never equal a NUL-free one,
 * whose text has exactly six NULs.
 */

/** A signature's parts, as the duplicate check reads them from a new order. */
export interface SignatureParts {
  symbol: string | null;
  side: string | null;
  qty: number;
  price: number | null;
  strategy: string | null;
  user: string | null;
  account: string | null;
}

/** An empty parts holder (one per engine, refilled for each new order). */
export function signatureParts(): SignatureParts {
  return { symbol: null, side: null, qty: 0, price: null, strategy: null, user: null, account: null };
}

/** Copies `from`'s parts into `to`. */
export function copyParts(to: SignatureParts, from: SignatureParts): void {
  to.symbol = from.symbol;
  to.side = from.side;
  to.qty = from.qty;
  to.price = from.price;
  to.strategy = from.strategy;
  to.user = from.user;
  to.account = from.account;
}

/** The signature's text: its key in a carried state, and in memory when `hasNul`. */
export function signatureText(q: SignatureParts): string {
  return `${q.symbol}\u0000${q.side}\u0000${q.qty}\u0000${q.price}\u0000${q.strategy}\u0000${q.user}\u0000${q.account}`;
}

const nul = (v: string | null): boolean => v?.includes('\u0000') === true;

/** True when a part holds a NUL: only the text tells such a signature from another. */
export function hasNul(q: SignatureParts): boolean {
  return nul(q.symbol) || nul(q.side) || nul(q.strategy) || nul(q.user) || nul(q.account);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function mixText(h: number, v: string | null): number {
  const t = v ?? 'null'; // null and "null" have one text
  let x = Math.imul(h ^ t.length, 0x01000193);
  for (let i = 0; i < t.length; i++) x = Math.imul(x ^ t.charCodeAt(i), 0x01000193);
  return x;
}

function mixNumber(h: number, v: number | null): number {
  if (v === null) return Math.imul(h ^ 0x6e756c6c, 0x01000193);
  f64[0] = v + 0; // -0 + 0 is 0: "0" either way
  return Math.imul(Math.imul(h ^ (u32[0] as number), 0x01000193) ^ (u32[1] as number), 0x01000193);
}

/** A hash of the parts (FNV-1a style), equal for parts of equal text. */
export function signatureHash(q: SignatureParts): number {
  let h = 0x811c9dc5 | 0;
  h = mixText(h, q.symbol);
  h = mixText(h, q.side);
  h = mixNumber(h, q.qty);
  h = mixNumber(h, q.price);
  h = mixText(h, q.strategy);
  h = mixText(h, q.user);
  return mixText(h, q.account) | 0;
}

/** The key of `q` in EngineState's recent orders: its hash, or null when a part holds a NUL (keyed by its text). */
export function recentHash(q: SignatureParts): number | null {
  return hasNul(q) ? null : signatureHash(q);
}

const sameText = (a: string | null, b: string | null): boolean =>
  a === b || (a === null ? b === 'null' : b === null && a === 'null');

/** True when the NUL-free signatures `a` and `b` have the same text. */
export function sameSignature(a: SignatureParts, b: SignatureParts): boolean {
  return (
    a.qty === b.qty &&
    a.price === b.price &&
    sameText(a.symbol, b.symbol) &&
    sameText(a.side, b.side) &&
    sameText(a.strategy, b.strategy) &&
    sameText(a.user, b.user) &&
    sameText(a.account, b.account)
  );
}
