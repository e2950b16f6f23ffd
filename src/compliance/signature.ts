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
 * signature, keep the text as their key (RecentOrders.byText): they never equal a NUL-free one,
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
const PRIME = 0x01000193;

/** The hash of a part's text (FNV-1a over its length and UTF-16 units); name-key.ts keeps it with each fold. */
export function textHash(t: string): number {
  let x = Math.imul(0x811c9dc5 ^ t.length, PRIME);
  for (let i = 0; i < t.length; i++) x = Math.imul(x ^ t.charCodeAt(i), PRIME);
  return x | 0;
}

/** null and "null" have one text. */
const NULL_TEXT = textHash('null');
const NULL_NUMBER = 0x6e756c6c;

function mix(h: number, v: number): number {
  const x = Math.imul(h ^ v, PRIME);
  return x ^ (x >>> 15);
}

function mixNumber(h: number, v: number | null): number {
  if (v === null) return mix(h, NULL_NUMBER);
  f64[0] = v + 0; // -0 + 0 is 0: "0" either way
  return mix(mix(h, u32[0] as number), u32[1] as number);
}

/**
 * The signature's hash from its text parts' textHash (symbol, side, strategy, user, account), in 30
 * bits: a small integer V8 never boxes when the hash is passed on (RecentOrders.find, set) or keys the map.
 */
function partsHash(
  q: SignatureParts,
  symbol: number,
  side: number,
  strategy: number,
  user: number,
  account: number,
): number {
  let h = 0x811c9dc5 | 0;
  h = mix(h, symbol);
  h = mix(h, side);
  h = mixNumber(h, q.qty);
  h = mixNumber(h, q.price);
  h = mix(h, strategy);
  h = mix(h, user);
  return mix(h, account) & 0x3fffffff;
}

const textPart = (v: string | null): number => (v === null ? NULL_TEXT : textHash(v));

/** A hash of the parts, equal for parts of equal text. */
export function signatureHash(q: SignatureParts): number {
  return partsHash(
    q,
    textPart(q.symbol),
    textPart(q.side),
    textPart(q.strategy),
    textPart(q.user),
    textPart(q.account),
  );
}

/** The key of `q` in EngineState's recent orders: its hash, or null when a part holds a NUL (keyed by its text). */
export function recentHash(q: SignatureParts): number | null {
  return hasNul(q) ? null : signatureHash(q);
}

/** A text part's textHash and NUL, made once (name-key.ts FoldedName). */
export interface HashedText {
  readonly hash: number;
  readonly nul: boolean;
}

const hashedPart = (v: HashedText | null): number => (v === null ? NULL_TEXT : v.hash);
const nulPart = (v: HashedText | null): boolean => v?.nul === true;

/**
 * recentHash(q) for parts whose texts are given with their hashes: `q`'s symbol, side, strategy,
 * user and account are these texts (null for null), so no part's characters are read again.
 */
export function hashedRecentHash(
  q: SignatureParts,
  symbol: HashedText | null,
  side: HashedText | null,
  strategy: HashedText | null,
  user: HashedText | null,
  account: HashedText | null,
): number | null {
  if (nulPart(symbol) || nulPart(side) || nulPart(strategy) || nulPart(user) || nulPart(account)) return null;
  return partsHash(
    q,
    hashedPart(symbol),
    hashedPart(side),
    hashedPart(strategy),
    hashedPart(user),
    hashedPart(account),
  );
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
