/**
 * Strings decoded from a batch's bytes (src/compliance/records.ts): ByteInterner, which decodes a
 * value that repeats (a symbol, a side, an order's id) once and finds it again by its bytes, with
 * Buffer's own slice decoders (src/json/byte-slices.ts).
 */
import { latin1, utf8 } from '../json/byte-slices.js';

/** A DataView of exactly `b`'s bytes (ByteInterner.value reads a value's bytes four at a time through it). */
export function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** log2 of a table's slots: 1,024 slots of MAX_INTERNED bytes, 64 KiB a field. */
const SLOT_BITS = 10;
/** Longest value kept (longer ones are decoded each time); a multiple of 4, so each slot's bytes start aligned. */
export const MAX_INTERNED = 64;
/** Knuth's multiplicative constant, 2^32 / φ: the product's top bits pick the slot. */
const GOLDEN = 0x9e3779b1 | 0;

/**
 * Strings that repeat (symbols, sides, venues) decoded once, found again by their bytes: a hash of
 * the bytes picks one slot of a small table, and the slot's bytes are compared before its string
 * is taken, so a collision only costs a decode. The slots' bytes are kept in one buffer (a Buffer
 * per slot was two objects per miss, and order ids miss once per order). The hash and the
 * comparison read the bytes four at a time (the last four overlapping the word before): byte by
 * byte they were most of the records' feed on the export's reading thread. A value that cannot
 * be told from another by its hash (a crafted log) costs a decode, never a wrong string: a string
 * is only taken after all of its bytes compared equal.
 */
export class ByteInterner {
  private readonly bytes: Buffer;
  private readonly words: DataView;
  /** Each slot's byte length, -1 while empty. */
  private readonly lengths: Int32Array;
  private readonly strings: string[];
  /** 32 - log2 of the slots: the hash's top bits pick the slot. */
  private readonly shift: number;

  /** `slotBits`: log2 of the table's slots, 1 to 16 (tests make it small, so that values share slots). */
  constructor(slotBits = SLOT_BITS) {
    if (!Number.isInteger(slotBits) || slotBits < 1 || slotBits > 16) throw new RangeError('slotBits: 1 to 16');
    const slots = 1 << slotBits;
    this.bytes = Buffer.alloc(slots * MAX_INTERNED);
    this.words = viewOf(this.bytes);
    this.lengths = new Int32Array(slots).fill(-1);
    this.strings = new Array<string>(slots).fill('');
    this.shift = 32 - slotBits;
  }

  /**
   * `b[s, e)` as a string: Latin-1 when `ascii` (the caller knows the bytes are ASCII), else UTF-8
   * (valid). `v`: viewOf(b), made once per buffer by the caller.
   */
  value(b: Buffer, v: DataView, s: number, e: number, ascii: boolean): string {
    const n = e - s;
    if (n > MAX_INTERNED) return ascii ? latin1(b, s, e) : utf8(b, s, e);
    let h = n;
    if (n >= 4) {
      for (let k = s; k < e - 4; k += 4) h = Math.imul(h ^ v.getInt32(k, true), GOLDEN);
      h = Math.imul(h ^ v.getInt32(e - 4, true), GOLDEN);
    } else for (let k = s; k < e; k++) h = Math.imul(h ^ (b[k] as number), GOLDEN);
    const slot = h >>> this.shift;
    const at = slot * MAX_INTERNED;
    if (this.lengths[slot] === n && this.same(b, v, s, n, at)) return this.strings[slot] as string;
    const str = ascii ? latin1(b, s, e) : utf8(b, s, e);
    const c = this.bytes;
    for (let j = 0; j < n; j++) c[at + j] = b[s + j] as number;
    this.lengths[slot] = n;
    this.strings[slot] = str;
    return str;
  }

  /** Whether `b[s, s + n)` equals the n bytes kept at `at`. */
  private same(b: Buffer, v: DataView, s: number, n: number, at: number): boolean {
    const w = this.words;
    if (n < 4) {
      const c = this.bytes;
      for (let j = 0; j < n; j++) if (b[s + j] !== c[at + j]) return false;
      return true;
    }
    for (let j = 0; j < n - 4; j += 4) if (v.getInt32(s + j, true) !== w.getInt32(at + j, true)) return false;
    return v.getInt32(s + n - 4, true) === w.getInt32(at + n - 4, true);
  }
}
