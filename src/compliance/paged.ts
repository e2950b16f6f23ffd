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

/** `size` bytes by slot (the store's two line digests), in pages of PAGE slots. */
export class PagedBytes {
  private readonly pages: Buffer[] = [];
  constructor(private readonly size: number) {}
  /** The page that holds slot `i`'s bytes. */
  page(i: number): Buffer {
    return this.pages[i >>> PAGE_SHIFT] as Buffer;
  }
  /** Where slot `i`'s bytes start in its page. */
  at(i: number): number {
    return (i & MASK) * this.size;
  }
  addPage(): void {
    this.pages.push(Buffer.alloc(PAGE * this.size));
  }
}
