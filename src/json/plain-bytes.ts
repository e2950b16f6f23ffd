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

/**
 * The same question sixteen bytes at a time (WebAssembly SIMD, in every Node since 16.4): the
 * four-bytes-at-a-time loop above was still the reading thread's largest JavaScript cost on 4 KB
 * lines. The run is copied into the module's memory (a native copy) and one call tests it:
 * `i8x16.lt_u` against 0x20 and `i8x16.eq` against 0x5c, or-ed together, `v128.any_true` at the
 * end. The function first stores sixteen spaces after the run, so the last block reads no stop byte
 * that is not in the run. Exact, like the word test; both are held equal to a byte loop by the tests.
 *
 * (module (memory (export "m") 1)
 *   (func (export "s") (param $n i32) (result i32) (local $i i32) (local $acc v128) (local $v v128)
 *     (v128.store (local.get $n) (v128.const i8x16 0x20 ...))
 *     (block (loop
 *       (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
 *       (local.set $acc (v128.or (local.get $acc) (v128.or
 *         (i8x16.lt_u (local.tee $v (v128.load (local.get $i))) (v128.const i8x16 0x20 ...))
 *         (i8x16.eq (local.get $v) (v128.const i8x16 0x5c ...)))))
 *       (local.set $i (i32.add (local.get $i) (i32.const 16)))
 *       (br 0)))
 *     (v128.any_true (local.get $acc))))
 */
function simdModule(): Uint8Array {
  const spaces = Array(16).fill(0x20);
  const backslashes = Array(16).fill(0x5c);
  const body = [
    ...[0x02, 0x01, 0x7f, 0x02, 0x7b], // locals: one i32, two v128
    ...[0x20, 0x00, 0xfd, 0x0c, ...spaces, 0xfd, 0x0b, 0x00, 0x00],
    ...[0x02, 0x40, 0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01],
    ...[0x20, 0x01, 0xfd, 0x00, 0x00, 0x00, 0x22, 0x03, 0xfd, 0x0c, ...spaces, 0xfd, 0x26],
    ...[0x20, 0x03, 0xfd, 0x0c, ...backslashes, 0xfd, 0x23, 0xfd, 0x50],
    ...[0x20, 0x02, 0xfd, 0x50, 0x21, 0x02, 0x20, 0x01, 0x41, 0x10, 0x6a, 0x21, 0x01, 0x0c, 0x00, 0x0b, 0x0b],
    ...[0x20, 0x02, 0xfd, 0x53, 0x0b],
  ];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f], // type: (i32) -> i32
    ...[0x03, 0x02, 0x01, 0x00], // one function of that type
    ...[0x05, 0x03, 0x01, 0x00, 0x01], // one memory of one page
    ...[0x07, 0x09, 0x02, 0x01, 0x6d, 0x02, 0x00, 0x01, 0x73, 0x00, 0x00], // exports "m", "s"
    ...[0x0a, body.length + 2, 0x01, body.length, ...body],
  ]);
}

/** Bytes a call tests at most: a page less the sixteen stored after the run. */
const PIECE = 65536 - 16;
/** Shorter runs stay in JavaScript: the copy and the call cost more than the word loop there. */
const SIMD_MIN = 256;

let simd: { mem: Uint8Array; test: (n: number) => number } | null | undefined;

/** The part of the WebAssembly API used here (the project's TypeScript libraries do not declare it). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { m: { buffer: ArrayBuffer }; s: (n: number) => number } };
}

/** The module, made on first use (importing this file makes nothing); null when it cannot be. */
function simdTester(): typeof simd {
  if (simd !== undefined) return simd;
  try {
    const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
    const inst = new wasm.Instance(new wasm.Module(simdModule()));
    simd = { mem: new Uint8Array(inst.exports.m.buffer), test: inst.exports.s };
  } catch {
    simd = null;
  }
  return simd;
}

/** True when `b[start, end)` holds a backslash or a byte below 0x20. */
export function hasEscapeOrControl(b: Uint8Array, start: number, end: number): boolean {
  const t = end - start >= SIMD_MIN ? simdTester() : null;
  if (t == null) return hasEscapeOrControlWords(b, start, end);
  for (let p = start; p < end; p += PIECE) {
    const n = Math.min(PIECE, end - p);
    t.mem.set(b.subarray(p, p + n));
    if (t.test(n) !== 0) return true;
  }
  return false;
}

/** `hasEscapeOrControl` four bytes at a time, in JavaScript (short runs, and where there is no SIMD). */
export function hasEscapeOrControlWords(b: Uint8Array, start: number, end: number): boolean {
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
