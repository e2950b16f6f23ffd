/**
 * The order id of each slot of the order store (order-store.ts), kept as bytes rather than as a
 * string by slot. A string of an id such as `O-123456` is 24 bytes of heap (a 16-byte header on a
 * 64-bit V8 without pointer compression, Node's build) and a plain array's entry 8 more, all in the
 * old generation that every full collection marks: ~31 bytes a slot, and an open order may live
 * all day. Here a slot holds a 4-byte handle (paged, as paged.ts) to a block of a size class (12
 * bytes for such an id): 16 bytes, none of them on the heap.
 *
 * Ids are attacker-controlled: any length, any UTF-16 (lone surrogates too), and what is read back
 * must be what came in, unit for unit. So an id whose units are all below 256 is kept as Latin-1
 * (one byte a unit), any other as its UTF-16 code units (two bytes each, little-endian): no
 * transcoding (UTF-8 cannot hold a lone surrogate), and the choice is canonical, so two ids are
 * equal exactly when their kept bytes are. A block is a 2-byte header (the units, the top bit set
 * for UTF-16) and the units. Ids too long for the largest class (more than 510 Latin-1 or 255
 * UTF-16 units; the checks keep ids of at most 200, engine-state.ts keptId) are kept apart as
 * strings by slot, as before. A freed block goes to its class's free list; a class's blocks are in
 * pieces of 4 KiB (a piece holds blocks of one class only, none across two) kept while the store
 * lives: what the ids take is the most each class held at once, bounded as the slots are
 * (max_open_orders, max_open_order_bytes, the closed orders' and risk checks' caps). Past 256 KiB of
 * pieces the ones used least lately go to a temporary file (spill.ts): 500,000 open orders' ids
 * were 24 MB of memory all day, most of them read again only at the day's end; a lookup brings its
 * piece back (most lookups are of orders of the last minutes, whose pieces are still in memory).
 */
import { latin1 } from '../json/byte-slices.js';
import { PAGE, PagedI32 } from './paged.js';
import { PIECE_BYTES, PiecePool, SPILL_BUDGET } from './spill.js';
import { writtenCost } from './written-cost.js';

/**
 * The bytes of each class's blocks: a header of 2 and the units (a block of 12 holds `O-12345678`, one
 * of 40 a UUID). Steps of 4 bytes up to 32, then a quarter of the size or less: a block wastes at most
 * a fifth of itself over the id, so a long id costs about what its string did (24 bytes more than its
 * units), never a third more as classes of 1.5 times each other let it.
 */
const SIZES = [
  8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512,
] as const;
const LARGEST = 512;
/** The class of a block of `n` bytes (n ≤ LARGEST), by n. */
const CLASS_OF = (() => {
  const out = new Uint8Array(LARGEST + 1);
  for (let n = 0, c = 0; n <= LARGEST; n++) {
    while ((SIZES[c] as number) < n) c++;
    out[n] = c;
  }
  return out;
})();
const HEADER = 2;
const UTF16 = 0x8000;
/** A handle is `block << 5 | (class + 1)`; 0 is no id ('', a free slot's), and this one an id kept apart. */
const APART = 31;
const CLASS_MASK = 31;
/** The blocks a class may have, so that a handle stays a positive int32. */
const MAX_BLOCKS = 1 << 26;

/** Blocks of one size, in pieces of the ids' pool (spill.ts), with a free list. */
class BlockPages {
  /** The pool's number of each piece of this class's blocks. */
  readonly pieces: number[] = [];
  private readonly free: number[] = [];
  private made = 0;
  /** Blocks a piece holds. */
  readonly per: number;
  constructor(
    readonly size: number,
    private readonly pool: PiecePool,
  ) {
    this.per = Math.floor(PIECE_BYTES / size);
  }
  /** A block no id holds, or -1 when the class has no more. */
  take(): number {
    const b = this.free.pop();
    if (b !== undefined) return b;
    if (this.made === MAX_BLOCKS) return -1;
    if (this.made === this.pieces.length * this.per) this.pieces.push(this.pool.add());
    return this.made++;
  }
  give(b: number): void {
    this.free.push(b);
  }
  /** Every block free again, in the pieces it has (forget). */
  reset(): void {
    this.free.length = 0;
    this.made = 0;
  }
}

/** Every unit of `id` below 256 (kept as Latin-1). */
function oneByte(id: string): boolean {
  for (let k = 0; k < id.length; k++) if (id.charCodeAt(k) > 0xff) return false;
  return true;
}

/** A byte JSON writes as it is (written-cost.ts PLAIN): printable ASCII but `"` and `\`. */
function plainByte(c: number): boolean {
  return c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c;
}

/**
 * An id by slot ('' until set). `equals` compares a string with a slot's bytes without making a
 * string (the slot index's lookups, slot-index.ts); `get` makes one (a report, the carried state).
 */
export class OrderIds {
  private readonly handles = new PagedI32();
  /** The blocks' bytes, at most `budget` pieces of them in memory (spill.ts). */
  readonly pool: PiecePool;
  private readonly classes: BlockPages[];
  private readonly apart = new Map<number, string>();
  /** The slots the handles' pages cover. */
  private slots = 0;
  /** Where `block` put the handle's block: its page and its first byte. */
  private page: Buffer = Buffer.alloc(0);
  private at = 0;

  /** `budget`: the pieces of ids kept in memory (spill.ts; a test lowers it). */
  constructor(budget: number = SPILL_BUDGET) {
    this.pool = new PiecePool(budget);
    this.classes = SIZES.map((s) => new BlockPages(s, this.pool));
  }

  /** Keeps `id` as slot `i`'s, in place of what it held. */
  set(i: number, id: string): void {
    while (i >= this.slots) {
      this.handles.addPage();
      this.slots += PAGE;
    }
    this.clear(i);
    if (id === '') return;
    const n = id.length;
    const wide = !oneByte(id);
    const bytes = HEADER + (wide ? 2 * n : n);
    const c = bytes <= LARGEST ? (CLASS_OF[bytes] as number) : -1;
    const b = c < 0 ? -1 : (this.classes[c] as BlockPages).take();
    if (b < 0) {
      this.apart.set(i, id);
      this.handles.set(i, APART);
      return;
    }
    const h = (b << 5) | (c + 1);
    this.block(h, true);
    const page = this.page;
    let at = this.at;
    const head = wide ? n | UTF16 : n;
    page[at++] = head & 0xff;
    page[at++] = head >>> 8;
    if (wide)
      for (let j = 0; j < n; j++, at += 2) {
        const u = id.charCodeAt(j);
        page[at] = u & 0xff;
        page[at + 1] = u >>> 8;
      }
    else for (let j = 0; j < n; j++) page[at + j] = id.charCodeAt(j);
    this.handles.set(i, h);
  }

  /** Forgets slot `i`'s id (it reads '' after), giving its block back. */
  clear(i: number): void {
    const h = this.handle(i);
    if (h === 0) return;
    if (h === APART) this.apart.delete(i);
    else (this.classes[(h & CLASS_MASK) - 1] as BlockPages).give(h >>> 5);
    this.handles.set(i, 0);
  }

  /**
   * Forgets every slot's id at once (the order-to-trade counts at the day's end): the blocks and
   * their pieces are kept for the next ids. Clearing 500,000 slots one by one put every block on a
   * free list, arrays of 4 MB each held until the next day.
   */
  forget(): void {
    this.handles.zero();
    this.apart.clear();
    for (const c of this.classes) c.reset();
  }

  /** Slot `i`'s id, as it was set. */
  get(i: number): string {
    const h = this.handle(i);
    if (h === 0) return '';
    if (h === APART) return this.apart.get(i) as string;
    const n = this.block(h, false);
    const s = this.at + HEADER;
    return n & UTF16 ? this.page.toString('utf16le', s, s + 2 * (n & ~UTF16)) : latin1(this.page, s, s + n);
  }

  /** Whether slot `i`'s id is `id`, unit for unit, without making a string of it. */
  equals(i: number, id: string): boolean {
    const h = this.handle(i);
    if (h === 0) return id === '';
    if (h === APART) return this.apart.get(i) === id;
    const head = this.block(h, false);
    const n = id.length;
    if ((head & ~UTF16) !== n) return false;
    const page = this.page;
    let at = this.at + HEADER;
    // A UTF-16 block holds a unit over 255, a Latin-1 one none: units equal one by one make equal ids.
    if (head & UTF16) {
      for (let j = 0; j < n; j++, at += 2)
        if (id.charCodeAt(j) !== ((page[at] as number) | ((page[at + 1] as number) << 8))) return false;
      return true;
    }
    for (let j = 0; j < n; j++) if (id.charCodeAt(j) !== page[at + j]) return false;
    return true;
  }

  /** written-cost.ts writtenCost of slot `i`'s id, without making a string of it. */
  writtenCost(i: number): number {
    const h = this.handle(i);
    if (h === 0) return 0;
    if (h === APART) return writtenCost(this.apart.get(i) as string);
    const head = this.block(h, false);
    const n = head & ~UTF16;
    if (head & UTF16) return 6 * n; // a unit over 255: not plain
    const page = this.page;
    for (let j = this.at + HEADER; j < this.at + HEADER + n; j++) if (!plainByte(page[j] as number)) return 6 * n;
    return n;
  }

  private handle(i: number): number {
    return i < this.slots ? this.handles.get(i) : 0;
  }

  /**
   * Points `page` and `at` at the block of handle `h` (not 0, not APART), its piece brought into
   * memory (`write`: to be changed); its header. `page` is the block's until the pool is next asked.
   */
  private block(h: number, write: boolean): number {
    const pages = this.classes[(h & CLASS_MASK) - 1] as BlockPages;
    const b = h >>> 5;
    const k = (b / pages.per) | 0;
    const page = this.pool.bufs[this.pool.place(pages.pieces[k] as number, write)] as Buffer;
    const at = (b - k * pages.per) * pages.size;
    this.page = page;
    this.at = at;
    return (page[at] as number) | ((page[at + 1] as number) << 8);
  }
}
