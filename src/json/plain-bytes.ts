/**
 * Whether a run of bytes holds a byte that ends plain JSON string content other than the quote: a
 * backslash or a control byte (below 0x20). A line without either can have its strings skipped
 * with a native search for the closing quote (src/json/line-scanner.ts), instead of a JavaScript
 * loop over every byte: on 4 KB lines that loop was most of verify's time.
 *
 * Four bytes at a time ("Bit Twiddling Hacks", S. E. Anderson: `hasless` and `haszero`): for a
 * 32-bit word x, `(x - 0x20202020) & ~x & 0x80808080` is non-zero exactly when some byte of x is
 * below 0x20, and the same of `x ^ 0x5c5c5c5c` with 0x01010101 exactly when some byte is 0x5c. Both
 * are exact for the question "is there such a byte" (not for which one), which is all that is asked.
 */

/** Aligned 32-bit views, one per backing store seen last (a line is a view into a read chunk). */
let lastStore: ArrayBufferLike | undefined;
let lastWords: Int32Array<ArrayBufferLike> = new Int32Array(0);

/** Stores above this size get a view per call: the cache must not keep a large buffer alive. */
const CACHED_STORE_MAX = 16 * 1024 * 1024;

function wordsOf(store: ArrayBufferLike): Int32Array<ArrayBufferLike> {
  if (store.byteLength > CACHED_STORE_MAX) return new Int32Array(store, 0, store.byteLength >>> 2);
  if (store !== lastStore) {
    lastStore = store;
    lastWords = new Int32Array(store, 0, store.byteLength >>> 2);
  }
  return lastWords;
}

/** True when a byte is below 0x20 or is a backslash. */
function stopByte(c: number): boolean {
  return c < 0x20 || c === 0x5c;
}

/** True when `b[start, end)` holds a backslash or a byte below 0x20. */
export function hasEscapeOrControl(b: Uint8Array, start: number, end: number): boolean {
  const base = b.byteOffset;
  let p = start;
  // Word offsets are computed in 32-bit integers: a view that far into its store goes byte by byte.
  if (base + end > 0x7ffffff0) {
    for (; p < end; p++) if (stopByte(b[p] as number)) return true;
    return false;
  }
  // Bytes before the first aligned word, and short runs, one at a time.
  const firstWord = (base + p + 3) & ~3;
  const head = Math.min(end, firstWord - base);
  for (; p < head; p++) if (stopByte(b[p] as number)) return true;
  const w = wordsOf(b.buffer);
  let i = (base + p) >>> 2;
  const wordsEnd = (base + end) >>> 2;
  for (; i < wordsEnd; i++) {
    const x = w[i] as number;
    const y = x ^ 0x5c5c5c5c;
    if ((((x - 0x20202020) & ~x) | ((y - 0x01010101) & ~y)) & 0x80808080) return true;
  }
  for (p = Math.max(p, (i << 2) - base); p < end; p++) if (stopByte(b[p] as number)) return true;
  return false;
}
