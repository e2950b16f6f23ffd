/**
 * What the checks keep about each order id, as a struct of arrays: a slot is a number, and an
 * order's fields are the slot's entries in typed arrays (times, quantities, prices, the symbol,
 * strategy, venue, time in force and files as 2-byte codes: paged-strings.ts), the id as bytes
 * (order-ids.ts), and its two lines (the opening one, the latest risk check's: digest, seq and line
 * number) as records read again only for a finding's evidence and at the day's end, past 256 KiB in
 * the checks' temporary file (spill.ts). The latest risk check and override, the latest risk
 * check's line, the reference price and the filled quantity are paged as they are first set
 * (SparsePagedRefs, SparsePagedF64, SpilledBytes): on a day without risk checks, or of resting
 * orders never filled, they cost nothing. The policy's hour of closed orders is the
 * largest thing the checks hold (tens of thousands of orders on a busy day): as objects (a slot,
 * two kept lines, boxed numbers) it cost about 600 bytes of heap an order, each object copied by
 * the young collections it lived through and then promoted. Here an order costs about 100 bytes and
 * no object of its own; a slot whose order is forgotten is reused for the next
 * order id. The typed arrays are paged (paged.ts): the store grows by a page of 4096 slots and
 * never copies or frees one, so growing does not raise glibc's mmap threshold. None of this changes
 * what the checks find or carry.
 */
import { LINE_RECORD, lineAt, putLine, seqAndLine } from './line-evidence.js';
import { OrderIds } from './order-ids.js';
import { PAGE, PagedF64, PagedI32, PagedU8, PagedU32Exact, SparsePagedF64, SparsePagedRefs } from './paged.js';
import { PagedStrings } from './paged-strings.js';
import { SlotIndex } from './slot-index.js';
import { SpilledBytes } from './spill.js';
import type { Linked } from './state.js';
import type { Evidence } from './types.js';
import { numberBytes, writtenCost } from './written-cost.js';

/** What becomes of an order: open until a final status. */
export type OrderStatus = 'open' | 'filled' | 'cancelled' | 'rejected' | 'expired';
const STATUSES: readonly OrderStatus[] = ['open', 'filled', 'cancelled', 'rejected', 'expired'];

/** A slot's order is in neither list (the slot holds only a risk check or an override). */
export const NO_ORDER = 0;
/** A slot's order is open (in EngineState.open). */
export const OPEN = 1;
/** A slot's order is closed and remembered (in EngineState.closed). */
export const CLOSED = 2;
/** No slot: the end of a list, an id no slot holds, a risk check or override keyed by a signal. */
export const NONE = -1;

/** A slot of the store: the index of its order's entries. */
export type Slot = number;

const OVERFILLED = 1;
const HAS_PRICE = 2;
const HAS_REF = 4;
/** The opening line's hash is the bytes at the slot's first digest place (else text, in `hexes`). */
const OPENED_BYTES = 8;
/** `{"file":,"line":,"line_sha256":,"seq":}`: an evidence's keys and punctuation as written. */
const EVIDENCE_FRAME = 39;

/** The latest risk check's hash is the bytes at the slot's second digest place. */
const RISK_BYTES = 16;

/**
 * The orders' fields by slot. `byId` finds the slot of an order id; slots no map holds (a carried
 * state's ghosts, EngineState) are taken with `take` and freed with `free` all the same.
 */
export class OrderStore {
  /** Each slot's order id ('' while free), as bytes: `ids.get(slot)` makes its string. */
  readonly ids = new OrderIds();
  /** The slot of each order id the checks hold anything about (keyed by `ids`: slot-index.ts). */
  readonly byId = new SlotIndex(this.ids);
  private cap = 0;
  private given = 0;
  private readonly freed: Slot[] = [];
  /** OPEN, CLOSED or NO_ORDER: which list `prev`/`next` link the slot into. */
  readonly ord = new PagedU8();
  readonly prev = new PagedI32();
  readonly next = new PagedI32();
  /** The order's acceptance time (the closed orders expire from it). */
  readonly tUs = new PagedF64();
  readonly qty = new PagedF64();
  /** Paged as first set to anything but +0 (paged.ts SparsePagedF64): resting orders are mostly unfilled. */
  readonly filled = new SparsePagedF64();
  private readonly statusCode = new PagedU8();
  private readonly flags = new PagedU8();
  private readonly priceV = new PagedF64();
  /** Set only with a risk check's reference price (paged.ts SparsePagedF64, as the risk line's fields). */
  private readonly refV = new SparsePagedF64();
  /**
   * The lines by slot, place 0 its opening line's, 1 its latest risk check's: apart, so that a day
   * without risk checks (every order open all day) makes no piece of the second. A line is a record
   * of LINE_RECORD bytes: its digest, then its seq and line number as float64 (exact, whatever the
   * log gave), read again only for a finding's evidence and at the day's end: past 256 KiB a place,
   * in the checks' temporary file (spill.ts).
   */
  private readonly lines = [new SpilledBytes(LINE_RECORD), new SpilledBytes(LINE_RECORD)] as const;
  /** The order's symbol, time in force (DAY until set), strategy and venue, as codes (paged.ts). */
  readonly symbol = new PagedStrings();
  readonly tif = new PagedStrings();
  /** Who sends its messages: a modify or cancel that does not repeat them is counted under these. */
  readonly strategy = new PagedStrings();
  readonly venue = new PagedStrings();
  /** The files of the opening line's and the latest risk check's evidence (null, read as '', until set). */
  private readonly file = new PagedStrings();
  private readonly riskFile = new PagedStrings();
  /** Hashes that came as text (a carried state, `auditpack check`'s hex), by 2 × slot (+1: the risk line's). */
  private readonly hexes = new Map<number, string>();
  /**
   * The latest risk check keyed by the slot's order (`o:<id>` in the carried state), null if none:
   * paged as first set (paged.ts SparsePagedRefs), none on a day without risk checks.
   */
  readonly risk = new SparsePagedRefs<RiskCheck>();
  /** The latest override keyed by the slot's order, null if none (paged as `risk`). */
  readonly override = new SparsePagedRefs<Override>();
  /** The bytes of names an open order holds, as EngineState last counted them (its openBytes). */
  readonly openCost = new PagedU32Exact();

  /** A slot for order id `id`, in no list and holding nothing (no map is told of it). */
  take(id: string): Slot {
    let i = this.freed.pop();
    if (i === undefined) {
      i = this.given++;
      if (i === this.cap) this.grow();
      this.tif.set(i, 'DAY');
    }
    this.ids.set(i, id);
    this.ord.set(i, NO_ORDER);
    this.prev.set(i, NONE);
    this.next.set(i, NONE);
    return i;
  }

  /** Gives slot `i` back for reuse (it is in no list and no map), dropping what it refers to. */
  free(i: Slot): void {
    this.ids.clear(i);
    this.symbol.set(i, null);
    this.strategy.set(i, null);
    this.venue.set(i, null);
    this.risk.set(i, null);
    this.override.set(i, null);
    if (this.hexes.size > 0) {
      this.hexes.delete(2 * i);
      this.hexes.delete(2 * i + 1);
    }
    this.freed.push(i);
  }

  /** One more page of slots (paged.ts: nothing is copied or freed). */
  private grow(): void {
    const fields = [this.ord, this.statusCode, this.flags, this.prev, this.next, this.tUs, this.qty, this.priceV];
    for (const a of [...fields, this.filled]) a.addPage();
    this.openCost.addPage();
    for (const a of [this.refV, this.risk, this.override]) a.addPage();
    for (const a of [this.symbol, this.tif, this.strategy, this.venue, this.file, this.riskFile]) a.addPage();
    for (const d of this.lines) d.addPage();
    this.cap += PAGE;
  }

  /** The order as the checks first saw it: its fields set from a new (or rejected) order's event. */
  setOrder(
    i: Slot,
    tUs: number,
    symbol: string | null,
    ev: Evidence,
    tif: string,
    qty: number,
    price: number | null,
    strategy: string | null,
    venue: string | null,
    status: OrderStatus,
  ): void {
    this.tUs.set(i, tUs);
    this.symbol.set(i, symbol);
    this.tif.set(i, tif);
    this.qty.set(i, qty);
    this.strategy.set(i, strategy);
    this.venue.set(i, venue);
    this.filled.set(i, 0);
    this.statusCode.set(i, STATUSES.indexOf(status));
    const risk = this.flags.get(i) & RISK_BYTES;
    this.flags.set(i, risk);
    this.setPrice(i, price);
    this.file.set(i, ev.file);
    this.keepLine(i, 0, ev, OPENED_BYTES);
  }

  /**
   * Keeps `ev`'s seq, line number and hash at line place `k` (0 opened, 1 risk) of slot `i`: the
   * hash as bytes, else as text.
   */
  private keepLine(i: Slot, k: number, ev: Evidence, bit: number): void {
    const d = this.lines[k] as SpilledBytes;
    if (putLine(ev, d.view(i), d.at(i))) {
      this.flags.set(i, this.flags.get(i) | bit);
      if (this.hexes.size > 0) this.hexes.delete(2 * i + k);
    } else {
      this.flags.set(i, this.flags.get(i) & ~bit);
      this.hexes.set(2 * i + k, ev.line_sha256);
    }
  }

  /** The evidence at line place `k` of slot `i`, its file `file`. */
  private lineOf(i: Slot, k: number, bit: number, file: string): Evidence {
    const d = this.lines[k] as SpilledBytes;
    const hex = this.flags.get(i) & bit ? undefined : (this.hexes.get(2 * i + k) ?? '');
    return lineAt(d.page(i), d.at(i), file, hex);
  }

  /** The evidence of the order's first line (or its rejection's, for one never seen open). */
  opened(i: Slot): Evidence {
    return this.lineOf(i, 0, OPENED_BYTES, this.file.get(i) ?? '');
  }

  /**
   * At least the bytes of `opened(i)` in the state file, its file name `room` characters longer,
   * without making its hex (64 characters, or a carried state's text).
   */
  openedBytesAtMost(i: Slot, room: number): number {
    const flags = this.flags.get(i);
    const hex = flags & OPENED_BYTES ? 64 : writtenCost(this.hexes.get(2 * i) ?? '');
    const file = writtenCost(this.file.get(i) ?? '') + room;
    const [seq, line] = seqAndLine(this.lines[0].page(i), this.lines[0].at(i));
    return EVIDENCE_FRAME + file + 2 + numberBytes(seq) + numberBytes(line) + hex + 2;
  }

  /** Keeps `ev` as the evidence of the latest risk check of slot `i`'s order. */
  setRiskLine(i: Slot, ev: Evidence): void {
    this.riskFile.set(i, ev.file);
    this.keepLine(i, 1, ev, RISK_BYTES);
  }

  /** The evidence of the latest risk check of slot `i`'s order. */
  riskLine(i: Slot): Evidence {
    return this.lineOf(i, 1, RISK_BYTES, this.riskFile.get(i) ?? '');
  }

  status(i: Slot): OrderStatus {
    return STATUSES[this.statusCode.get(i)] as OrderStatus;
  }
  setStatus(i: Slot, v: OrderStatus): void {
    this.statusCode.set(i, STATUSES.indexOf(v));
  }

  /** The limit price as last set (null for a market order); a modification's checks read it. */
  price(i: Slot): number | null {
    return this.flags.get(i) & HAS_PRICE ? this.priceV.get(i) : null;
  }
  setPrice(i: Slot, v: number | null): void {
    this.flags.set(i, v === null ? this.flags.get(i) & ~HAS_PRICE : this.flags.get(i) | HAS_PRICE);
    this.priceV.set(i, v ?? 0);
  }

  /** The reference price the order was checked against when accepted (a modification's collar). */
  ref(i: Slot): number | null {
    return this.flags.get(i) & HAS_REF ? this.refV.get(i) : null;
  }
  setRef(i: Slot, v: number | null): void {
    this.flags.set(i, v === null ? this.flags.get(i) & ~HAS_REF : this.flags.get(i) | HAS_REF);
    this.refV.set(i, v ?? 0);
  }

  overfilled(i: Slot): boolean {
    return (this.flags.get(i) & OVERFILLED) !== 0;
  }
  setOverfilled(i: Slot, v: boolean): void {
    this.flags.set(i, v ? this.flags.get(i) | OVERFILLED : this.flags.get(i) & ~OVERFILLED);
  }
}

/**
 * The order of last update of a set of slots, linked through the store's `prev`/`next` (a slot is
 * in at most one chain): `push` appends (the caller removes a slot first when it is updated), the
 * oldest beyond `maxEntries` is dropped, and `expire` drops from the front while the slots' times
 * are past the horizon, stopping at the first that is not (the carried state lists them in this
 * order), exactly as state.ts's Chain does for nodes.
 */
export class SlotChain {
  head: Slot = NONE;
  tail: Slot = NONE;
  size = 0;
  /**
   * `dropped`: told of each slot the chain drops itself (expired or beyond `maxEntries`).
   * `maxEntries` may be changed (the open orders' cap is the policy in force's `max_open_orders`):
   * the next push drops the oldest down to it.
   */
  constructor(
    private readonly st: OrderStore,
    public maxEntries: number,
    private readonly dropped: (i: Slot) => void,
  ) {}

  /** Appends `i` (not in a chain) as the latest updated. */
  push(i: Slot): void {
    const st = this.st;
    st.prev.set(i, this.tail);
    st.next.set(i, NONE);
    if (this.tail === NONE) this.head = i;
    else st.next.set(this.tail, i);
    this.tail = i;
    // open-orders cap (max_open_orders): a loop, as the cap may have been lowered since the last push.
    this.size++;
    while (this.size > this.maxEntries) {
      const h = this.head;
      this.remove(h);
      this.dropped(h);
    }
  }

  /** Takes `i` (in this chain) out. */
  remove(i: Slot): void {
    const st = this.st;
    const p = st.prev.get(i);
    const n = st.next.get(i);
    if (p === NONE) this.head = n;
    else st.next.set(p, n);
    if (n === NONE) this.tail = p;
    else st.prev.set(n, p);
    st.prev.set(i, NONE);
    st.next.set(i, NONE);
    this.size--;
  }

  /** Drops slots whose time is before `nowUs - horizonUs` from the front, up to the first that is not. */
  expire(nowUs: number, horizonUs: number): void {
    const st = this.st;
    for (let i = this.head; i !== NONE; ) {
      if (st.tUs.get(i) >= nowUs - horizonUs) break;
      const next = st.next.get(i);
      this.remove(i);
      this.dropped(i);
      i = next;
    }
  }

  /** The slots, oldest update first. */
  toArray(): Slot[] {
    const out: Slot[] = [];
    for (let i = this.head; i !== NONE; i = this.st.next.get(i)) out.push(i);
    return out;
  }
}

/** Evidence as a plain object of its four fields, in the order a report writes them. */
function copied(ev: Evidence): Evidence {
  return { file: ev.file, seq: ev.seq, line: ev.line, line_sha256: ev.line_sha256 };
}

/**
 * The latest risk check for an order or a signal, as a node of EngineState.risk. `slot` is the
 * order's whose check it is (key `o:<id>`), and then its evidence is kept in the slot (`riskLine`:
 * only a slot's latest risk check is in the list, and only those are read); otherwise `key` is its
 * key (`s:<signal>`, or what a carried state named) and it keeps its evidence itself.
 */
export class RiskCheck implements Linked<RiskCheck> {
  prev: RiskCheck | null = null;
  next: RiskCheck | null = null;
  private readonly own: Evidence | null;
  /** `slot`: the order's slot (NONE for a key's), whose risk line keeps the evidence in `store`. */
  constructor(
    readonly tUs: number,
    readonly pass: boolean,
    readonly failed: readonly string[],
    readonly refPrice: number | null,
    ev: Evidence,
    readonly slot: Slot,
    readonly key: string | null,
    private readonly store: OrderStore,
  ) {
    if (slot === NONE) this.own = copied(ev);
    else {
      this.own = null;
      store.setRiskLine(slot, ev);
    }
  }
  get ev(): Evidence {
    return this.own ?? this.store.riskLine(this.slot);
  }
}

/** The latest override for an order or a signal (who and why), as a node of EngineState.overrides. */
export class Override implements Linked<Override> {
  prev: Override | null = null;
  next: Override | null = null;
  private readonly kept: Evidence;
  constructor(
    readonly tUs: number,
    ev: Evidence,
    readonly text: string | undefined,
    readonly slot: Slot,
    readonly key: string | null,
  ) {
    this.kept = copied(ev);
  }
  get ev(): Evidence {
    return this.kept;
  }
}
