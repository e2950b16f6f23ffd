/**
 * Strings by slot as 2-byte codes (the order store's symbol, strategy, venue, time in force and
 * files; the order-to-trade counts' files): paged as paged.ts's numbers are.
 */
import { OrderIds } from './order-ids.js';
import { PAGE, PAGE_SHIFT } from './paged.js';

const MASK = PAGE - 1;

/**
 * Uint16 entries by slot, a page made at the first write of anything but 0 into it (0 until then):
 * a field some days never set (the latest risk check's file, on a day without risk checks) takes
 * no page.
 */
class PagedU16 {
  private readonly pages: (Uint16Array | null)[] = [];
  get(i: number): number {
    const p = this.pages[i >>> PAGE_SHIFT];
    return p === null || p === undefined ? 0 : (p[i & MASK] as number);
  }
  set(i: number, v: number): void {
    const k = i >>> PAGE_SHIFT;
    let p = this.pages[k];
    if (p === null || p === undefined) {
      if (v === 0) return;
      if (k >= this.pages.length) throw new RangeError('no such page');
      p = new Uint16Array(PAGE);
      this.pages[k] = p;
    }
    p[i & MASK] = v;
  }
  addPage(): void {
    this.pages.push(null);
  }
}

/** The values a PagedStrings table holds at most (code 0 is null, the last code "kept apart"). */
export const MAX_CODED = 4094;
/** The longest value a PagedStrings table holds (a longer one is kept apart, by slot). */
export const MAX_CODED_LENGTH = 64;
const APART = MAX_CODED + 1;

/**
 * A string (or null) by slot, as a 2-byte code into a table of the values seen: a day's orders
 * repeat a few symbols, venues, strategies and file names, and a plain array of them cost 8 bytes a
 * slot (0.7 MB a field at 88,000 slots) in the old generation, scanned by every full collection.
 * The table is bounded (MAX_CODED values of at most MAX_CODED_LENGTH characters, ~0.5 MB at most,
 * kept while the store lives); a value it cannot take is kept apart by slot, as bytes (order-ids.ts
 * OrderIds, made at the first such value): an options desk's orders each name a contract of their
 * own, and as strings in a Map by slot the symbols of its open and recently closed orders held
 * ~8 MB of heap (500,000 contracts a day); as bytes they take ~4 bytes a slot and their pieces past
 * 256 KiB go to the checks' temporary file (spill.ts).
 */
export class PagedStrings {
  private readonly codes = new PagedU16();
  private readonly table: (string | null)[] = [null];
  private readonly codeOf = new Map<string, number>();
  private apart: OrderIds | undefined;
  /** Slots whose value is kept apart. */
  private apartCount = 0;
  get(i: number): string | null {
    const c = this.codes.get(i);
    return c === APART ? (this.apart as OrderIds).get(i) : (this.table[c] as string | null);
  }
  set(i: number, v: string | null): void {
    if (this.apartCount > 0 && this.codes.get(i) === APART) {
      (this.apart as OrderIds).clear(i);
      this.apartCount--;
    }
    if (v === null) return this.codes.set(i, 0);
    let c = this.codeOf.get(v);
    if (c === undefined) {
      if (v.length > MAX_CODED_LENGTH || this.table.length > MAX_CODED) {
        this.apart ??= new OrderIds();
        this.apart.set(i, v);
        this.apartCount++;
        return this.codes.set(i, APART);
      }
      c = this.table.length;
      this.table.push(v);
      this.codeOf.set(v, c);
    }
    this.codes.set(i, c);
  }
  /** Slots whose value is kept apart (tests). */
  get keptApart(): number {
    return this.apartCount;
  }
  addPage(): void {
    this.codes.addPage();
  }
}
