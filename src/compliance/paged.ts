/**
 * Arrays of numbers by slot, in pages of PAGE entries that are allocated once and kept for as long
 * as the store is: the store grows by a page and never copies or frees what it has.
 *
 * Why not one typed array grown by copying (×1.5, as the store did): each growth freed the old
 * arrays, and the largest of them (the digests, 64 bytes a slot: 3.8 MB at 59,000 slots) had come
 * from their own mmap. glibc answers the free of such a block by raising its mmap threshold to the
 * block's size (and its trim threshold to twice that), so from then on every allocation below it
 * (the scan's batches, V8's buffers) came from the malloc arenas, and the arenas kept about 10 MB of
 * freed memory the process never gave back (docs/PERFORMANCE.md, pm16). A page is never freed before
 * the store, so no such free happens.
 *
 * Separate classes per element type: each accessor's load stays monomorphic.
 */

/** log2 of the entries of a page. */
export const PAGE_SHIFT = 12;
/** The entries of a page (4096). */
export const PAGE = 1 << PAGE_SHIFT;
const MASK = PAGE - 1;

/** Float64 entries by slot. */
export class PagedF64 {
  private readonly pages: Float64Array[] = [];
  get(i: number): number {
    return (this.pages[i >>> PAGE_SHIFT] as Float64Array)[i & MASK] as number;
  }
  set(i: number, v: number): void {
    (this.pages[i >>> PAGE_SHIFT] as Float64Array)[i & MASK] = v;
  }
  /** One more page of zeros. */
  addPage(): void {
    this.pages.push(new Float64Array(PAGE));
  }
}

/**
 * Float64 entries by slot for a field most orders of some days never set (the latest risk check's
 * line, the reference price: none on a day without risk checks, where every order may stay open
 * all day): a page is made at the first write of anything but +0 into it, and reads as +0 until
 * then. On such a day the store holds no page of them (24 bytes a slot).
 */
export class SparsePagedF64 {
  private readonly pages: (Float64Array | null)[] = [];
  get(i: number): number {
    const p = this.pages[i >>> PAGE_SHIFT];
    return p === null || p === undefined ? 0 : (p[i & MASK] as number);
  }
  set(i: number, v: number): void {
    const k = i >>> PAGE_SHIFT;
    let p = this.pages[k];
    if (p === null || p === undefined) {
      if (Object.is(v, 0)) return; // what a page not made reads (-0 is kept: it makes the page)
      p = new Float64Array(PAGE);
      this.pages[k] = p;
    }
    p[i & MASK] = v;
  }
  /** One more page, made when first written. */
  addPage(): void {
    this.pages.push(null);
  }
}

/** The Uint32 code of an entry kept apart (PagedU32Exact): itself never kept in a page. */
const U32_APART = 0xffffffff;

/**
 * Numbers by slot that are nearly always whole and below 2^32 - 1 (a line's seq and line number, an
 * open order's name bytes), in 4 bytes each instead of a Float64's 8. Any other value (past
 * 2^32 - 2, negative, fractional, -0, NaN: a hostile or carried log may give any) is kept apart by
 * slot and reads back exactly (Object.is), as the Float64 did.
 */
export class PagedU32Exact {
  private readonly pages: Uint32Array[] = [];
  private readonly apart = new Map<number, number>();
  get(i: number): number {
    const v = (this.pages[i >>> PAGE_SHIFT] as Uint32Array)[i & MASK] as number;
    return v === U32_APART ? (this.apart.get(i) as number) : v;
  }
  set(i: number, v: number): void {
    if (this.apart.size > 0) this.apart.delete(i);
    let c = v;
    if (v >>> 0 !== v || v === U32_APART || (v === 0 && 1 / v < 0)) {
      this.apart.set(i, v);
      c = U32_APART;
    }
    (this.pages[i >>> PAGE_SHIFT] as Uint32Array)[i & MASK] = c;
  }
  addPage(): void {
    this.pages.push(new Uint32Array(PAGE));
  }
}

/**
 * A reference (or null) by slot for a field most orders of some days never set (the latest risk
 * check and override of an order: none on a day without risk checks, where every order may stay open
 * all day): plain arrays of PAGE entries, each made at the first non-null write into it, reading null
 * until then. A day that sets one in every page costs what one plain array by slot did (8 bytes a
 * slot); such a day costs nothing.
 */
export class SparsePagedRefs<T extends object> {
  private readonly pages: ((T | null)[] | null)[] = [];
  get(i: number): T | null {
    const p = this.pages[i >>> PAGE_SHIFT];
    return p === null || p === undefined ? null : (p[i & MASK] as T | null);
  }
  set(i: number, v: T | null): void {
    const k = i >>> PAGE_SHIFT;
    let p = this.pages[k];
    if (p === null || p === undefined) {
      if (v === null) return;
      p = new Array<T | null>(PAGE).fill(null);
      this.pages[k] = p;
    }
    p[i & MASK] = v;
  }
  /** One more page, made when first written. */
  addPage(): void {
    this.pages.push(null);
  }
}

/** Int32 entries by slot. */
export class PagedI32 {
  private readonly pages: Int32Array[] = [];
  get(i: number): number {
    return (this.pages[i >>> PAGE_SHIFT] as Int32Array)[i & MASK] as number;
  }
  set(i: number, v: number): void {
    (this.pages[i >>> PAGE_SHIFT] as Int32Array)[i & MASK] = v;
  }
  addPage(): void {
    this.pages.push(new Int32Array(PAGE));
  }
  /** Every entry 0 again (the pages kept). */
  zero(): void {
    for (const p of this.pages) p.fill(0);
  }
}

/** Uint8 entries by slot. */
export class PagedU8 {
  private readonly pages: Uint8Array[] = [];
  get(i: number): number {
    return (this.pages[i >>> PAGE_SHIFT] as Uint8Array)[i & MASK] as number;
  }
  set(i: number, v: number): void {
    (this.pages[i >>> PAGE_SHIFT] as Uint8Array)[i & MASK] = v;
  }
  addPage(): void {
    this.pages.push(new Uint8Array(PAGE));
  }
}
