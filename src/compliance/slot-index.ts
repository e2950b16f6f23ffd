/**
 * The slot of each order id (OrderStore.byId), as an open-addressing table of slot numbers: the
 * key of a slot is its id in the store's `ids` (kept as bytes, order-ids.ts: an incoming id is
 * compared with them without making a string), so the table holds 4 bytes a place and nothing per
 * id. A Map<string, number> kept for the same ids cost about 28 bytes a place of its table,
 * and after an hour of orders coming and going (deleted entries stay until it grows) its table
 * had three to four places a live id: 7.3 MB of heap for 76,000 ids on a 10M-event day, against
 * about 1 MB here. Nothing here changes what the checks find: only a lookup.
 *
 * Order ids are attacker-controlled: the hash is seeded per table from Math.random (a collision
 * list built for one run is useless for the next), and should a probe still run long (a collision
 * flood) the table gives up and becomes a plain Map for the rest of the run: never worse than one.
 */
import { PAGE, PagedI32 } from './paged.js';

/** A slot of the store (order-store.ts's Slot). */
type Slot = number;

/** The id of each slot, as the store keeps them (order-ids.ts OrderIds). */
export interface SlotKeys {
  /** Whether slot `slot`'s id is `id`. */
  equals(slot: Slot, id: string): boolean;
  /** Slot `slot`'s id. */
  get(slot: Slot): string;
}

/** No slot: the id is not in the table. */
const EMPTY = -1;
/** A probe this long means collisions nobody meant: fall back to a Map. */
const MAX_PROBE = 64;

/** The hash of `s` under `seed` (FNV-1a over UTF-16 units, then murmur3's finalizer); exported for the tests. */
export function hashOf(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Order id to slot, for ids kept in `keys` (the store's `ids`: `keys.get(slot)` is the slot's id for
 * as long as the table holds it). Linear probing, deletion by shifting back (no tombstones).
 */
export class SlotIndex {
  private places = new Int32Array(1024).fill(EMPTY);
  private mask = 1023;
  private count = 0;
  private readonly seed = (Math.random() * 0x100000000) >>> 0;
  /**
   * hashOf of each slot's id (as an int32), by slot, for as long as the table holds the slot: in
   * pages (paged.ts), as the store's slots are. An array grown by doubling held up to twice the
   * slots (4 MB at 500,000 open orders) and both arrays while it copied.
   */
  private readonly hashes = new PagedI32();
  /** The slots `hashes` has pages for. */
  private hashSlots = 0;
  private lastId = '';
  private lastHash = hashOf('', this.seed) | 0;
  /** Set once a probe ran past MAX_PROBE: every id is then kept here instead. */
  private flood: Map<string, Slot> | undefined;

  /** `maxProbe`: the probe length that turns the table into a Map (a test lowers it). */
  constructor(
    private readonly keys: SlotKeys,
    private readonly maxProbe = MAX_PROBE,
  ) {}

  get size(): number {
    return this.flood?.size ?? this.count;
  }

  /** The slot of `id`, or undefined. */
  get(id: string): Slot | undefined {
    if (this.flood !== undefined) return this.flood.get(id);
    const h = this.hash(id);
    const p = this.places;
    const hs = this.hashes;
    for (let i = h & this.mask, n = 0; n <= this.mask; i = (i + 1) & this.mask, n++) {
      const s = p[i] as number;
      if (s === EMPTY) return undefined;
      // The slot's hash first: an id of another hash is not read (its bytes are rarely in the cache).
      if (hs.get(s) === h && this.keys.equals(s, id)) return s;
    }
    return undefined;
  }

  /** Forgets every id (the table keeps its size, the seed its value). */
  clear(): void {
    if (this.flood !== undefined) {
      this.flood = undefined;
      this.places = new Int32Array(1024);
      this.mask = 1023;
    }
    this.places.fill(EMPTY);
    this.count = 0;
  }

  /** Keeps `slot` for `id` (not in the table; `keys.get(slot)` is `id`). */
  set(id: string, slot: Slot): void {
    if (this.flood !== undefined) {
      this.flood.set(id, slot);
      return;
    }
    this.insert(slot, this.hash(id), id);
  }

  /** `id`: the slot's, when the caller has it as a string (grow() does not make one: keys.get only on a flood). */
  private insert(slot: Slot, h: number, id?: string): void {
    if (2 * (this.count + 1) > this.places.length) {
      // Again from the top: grow() puts every id back through insert(), and a probe past the limit
      // there made the table a Map already (places empty: a second toMap() would forget every id).
      this.grow();
      this.set(id ?? this.keys.get(slot), slot);
      return;
    }
    while (slot >= this.hashSlots) {
      this.hashes.addPage();
      this.hashSlots += PAGE;
    }
    this.hashes.set(slot, h);
    const p = this.places;
    let i = h & this.mask;
    for (let n = 0; p[i] !== EMPTY; n++) {
      if (n === this.maxProbe) {
        this.toMap().set(id ?? this.keys.get(slot), slot);
        return;
      }
      i = (i + 1) & this.mask;
    }
    p[i] = slot;
    this.count++;
  }

  /** Forgets `id`; true when it was there. */
  delete(id: string): boolean {
    if (this.flood !== undefined) return this.flood.delete(id);
    const p = this.places;
    const m = this.mask;
    const h = this.hash(id);
    let i = h & m;
    for (let n = 0; ; i = (i + 1) & m, n++) {
      const s = p[i] as number;
      if (s === EMPTY || n > m) return false;
      if (this.hashes.get(s) === h && this.keys.equals(s, id)) break;
    }
    this.shiftBack(i);
    return true;
  }

  /**
   * delete(keys.get(slot)) for a slot the table may hold: found by the slot's kept hash and its
   * number, so the id is not read when it is there (delete by the id when it is not).
   */
  deleteSlot(slot: Slot): boolean {
    if (this.flood === undefined && slot < this.hashSlots) {
      const p = this.places;
      const m = this.mask;
      for (let i = this.hashes.get(slot) & m, n = 0; n <= m; i = (i + 1) & m, n++) {
        const s = p[i] as number;
        if (s === EMPTY) break;
        if (s === slot) {
          this.shiftBack(i);
          return true;
        }
      }
    }
    return this.delete(this.keys.get(slot));
  }

  /** Empties place `i`: shifts back the entries after it that probed past it, so every probe still finds its id. */
  private shiftBack(at: number): void {
    const p = this.places;
    const m = this.mask;
    let i = at;
    for (let j = (i + 1) & m; p[j] !== EMPTY; j = (j + 1) & m) {
      const home = this.hashes.get(p[j] as number) & m;
      if (((j - home) & m) >= ((j - i) & m)) {
        p[i] = p[j] as number;
        i = j;
      }
    }
    p[i] = EMPTY;
    this.count--;
  }

  /** hashOf(id) as an int32, the last id's remembered (set after a get that missed hashes it once). */
  private hash(id: string): number {
    if (id !== this.lastId) {
      this.lastId = id;
      this.lastHash = hashOf(id, this.seed) | 0;
    }
    return this.lastHash;
  }

  private grow(): void {
    const old = this.places;
    this.places = new Int32Array(old.length * 2).fill(EMPTY);
    this.mask = this.places.length - 1;
    this.count = 0;
    for (const s of old) if (s !== EMPTY) this.insert(s, this.hashes.get(s));
  }

  private toMap(): Map<string, Slot> {
    const m = new Map<string, Slot>();
    for (const s of this.places) if (s !== EMPTY) m.set(this.keys.get(s), s);
    this.places = new Int32Array(0);
    this.count = 0;
    this.flood = m;
    return m;
  }
}
