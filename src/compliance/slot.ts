/**
 * What the checks keep about one order id (a Slot), shaped for the garbage collector: an order is
 * remembered for the closed-order horizon (an hour by default), so everything it held was copied by
 * each young collection it lived through and then promoted, about 370 bytes an order (the slot, a
 * hex hash string, boxed prices). Here a slot whose order is forgotten is reused for the next
 * order id, so slots stay in the old generation and are updated in place; prices are held unboxed
 * (a number field that may be null boxes every number stored in it); the line's SHA-256 is kept as
 * its 32 bytes in a shared slab (DigestSlab) when it arrives as bytes, its hex made only for a
 * finding or the carried state. None of this changes what the checks find or carry.
 */
import { copyDigest, DIGEST_SIZE, hexDigest } from './line-evidence.js';
import { type SignatureParts, signatureText } from './signature.js';
import type { Linked } from './state.js';
import type { Evidence } from './types.js';

/** What becomes of an order: open until a final status. */
export type OrderStatus = 'open' | 'filled' | 'cancelled' | 'rejected' | 'expired';

/** A slot's order is in neither list (the slot holds only a risk check or an override). */
export const NO_ORDER = 0;
/** A slot's order is open (in EngineState.open). */
export const OPEN = 1;
/** A slot's order is closed and remembered (in EngineState.closed). */
export const CLOSED = 2;

/**
 * Line digests, 32 bytes each at a number given once to each reused node: one buffer for all (it
 * only grows with the number of nodes ever held at once, as they are reused).
 */
export class DigestSlab {
  buf: Buffer = Buffer.alloc(0);
  /** Numbers given so far. */
  private count = 0;

  /** The byte offset of a new digest place. */
  place(): number {
    const at = this.count++ * DIGEST_SIZE;
    if (at + DIGEST_SIZE > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, 1024 * DIGEST_SIZE));
      this.buf.copy(next);
      this.buf = next;
    }
    return at;
  }
}

/** Evidence as a plain object of its four fields, in the order a report writes them. */
function copied(ev: Evidence): Evidence {
  return { file: ev.file, seq: ev.seq, line: ev.line, line_sha256: ev.line_sha256 };
}

/**
 * A line's evidence kept in parts: file, seq and line, and its hash either as bytes in the slab
 * (when the evidence came as bytes) or as the text it came as.
 */
export class KeptLine {
  file = '';
  seq = 0;
  line = 0;
  /** The hash as text, when it did not come as bytes (a carried state, `auditpack check`'s hex). */
  hex = '';
  /** True when the hash is the 32 bytes at `at` in the slab. */
  inSlab = false;

  private readonly at: number;
  constructor(private readonly slab: DigestSlab) {
    this.at = slab.place();
  }

  set(ev: Evidence): void {
    this.file = ev.file;
    this.seq = ev.seq;
    this.line = ev.line;
    this.inSlab = copyDigest(ev, this.slab.buf, this.at);
    this.hex = this.inSlab ? '' : ev.line_sha256;
  }

  get ev(): Evidence {
    return {
      file: this.file,
      seq: this.seq,
      line: this.line,
      line_sha256: this.inSlab ? hexDigest(this.slab.buf, this.at) : this.hex,
    };
  }
}

/**
 * Everything the checks keep about one order id, found by one lookup (EngineState.slots): the order
 * as followed (open or closed), the latest risk check and override naming the order. A slot is
 * released when its order is in neither list and it holds no risk check and no override, and then
 * reused for another order id (EngineState.newSlot).
 */
export class Slot implements Linked<Slot> {
  /** OPEN, CLOSED or NO_ORDER: which list `prev`/`next` link it into (an order is never in both). */
  ord = NO_ORDER;
  prev: Slot | null = null;
  next: Slot | null = null;
  /** The order's acceptance time (the closed orders expire from it). */
  tUs = 0;
  symbol: string | null = null;
  tif = 'DAY';
  qty = 0;
  private priceV = 0;
  private hasPrice = false;
  private refV = 0;
  private hasRef = false;
  /** Who sends its messages: a modify or cancel that does not repeat them is counted under these. */
  strategy: string | null = null;
  venue: string | null = null;
  filled = 0;
  status: OrderStatus = 'open';
  overfilled = false;
  /** The latest risk check keyed by this order (`o:<id>` in the carried state). */
  risk: RiskCheck | null = null;
  /** The latest override keyed by this order. */
  override: Override | null = null;
  /** The evidence of the line that opened it (or closed it, for a rejection never seen open). */
  private readonly opened: KeptLine;
  /** The evidence of its latest risk check (RiskCheck reads it: only the slot's latest is read). */
  readonly riskLine: KeptLine;

  /** `slab`: where the digests of its lines are kept. */
  constructor(
    public id: string,
    slab: DigestSlab,
  ) {
    this.opened = new KeptLine(slab);
    this.riskLine = new KeptLine(slab);
  }

  /** The limit price as last set (null for a market order); a modification's checks read it. */
  get price(): number | null {
    return this.hasPrice ? this.priceV : null;
  }
  set price(v: number | null) {
    this.hasPrice = v !== null;
    this.priceV = v ?? 0;
  }

  /** The reference price the order was checked against when accepted (a modification's collar). */
  get ref(): number | null {
    return this.hasRef ? this.refV : null;
  }
  set ref(v: number | null) {
    this.hasRef = v !== null;
    this.refV = v ?? 0;
  }

  /** The order as the checks first saw it: its fields set from a new (or rejected) order's event. */
  setOrder(
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
    this.tUs = tUs;
    this.symbol = symbol;
    this.tif = tif;
    this.qty = qty;
    this.price = price;
    this.ref = null;
    this.strategy = strategy;
    this.venue = venue;
    this.filled = 0;
    this.status = status;
    this.overfilled = false;
    this.opened.set(ev);
  }

  /** The evidence of the order's first line. */
  get newRef(): Evidence {
    return this.opened.ev;
  }
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
  constructor(
    readonly tUs: number,
    readonly pass: boolean,
    readonly failed: readonly string[],
    readonly refPrice: number | null,
    ev: Evidence,
    readonly slot: Slot | null,
    readonly key: string | null,
  ) {
    if (slot === null) this.own = copied(ev);
    else {
      this.own = null;
      slot.riskLine.set(ev);
    }
  }
  get ev(): Evidence {
    return this.own ?? (this.slot as Slot).riskLine.ev;
  }
}

/**
 * The latest new order with one signature (symbol, side, quantity, price, strategy, user, account),
 * as a node of EngineState.recentNew: updated in place when the signature comes again (one lookup
 * per new order), and reused for another signature once dropped (EngineState.setRecent). Its parts
 * are kept, and it is found by their hash (signature.ts); `text` is its key instead when the
 * signature is only told apart by its text (a NUL in a part, or a carried state's key).
 */
export class RecentOrder implements Linked<RecentOrder>, SignatureParts {
  prev: RecentOrder | null = null;
  next: RecentOrder | null = null;
  tUs = 0;
  id = '';
  symbol: string | null = null;
  side: string | null = null;
  qty = 0;
  price: number | null = null;
  strategy: string | null = null;
  user: string | null = null;
  account: string | null = null;
  /** The key in EngineState.recentKeys, or null when it is found by `hash` (EngineState.recentHashes). */
  text: string | null = null;
  hash = 0;
  /** The next node of the same hash. */
  sameHash: RecentOrder | null = null;
  private readonly kept: KeptLine;
  constructor(slab: DigestSlab) {
    this.kept = new KeptLine(slab);
  }
  /** The signature's text, as a carried state records it. */
  get key(): string {
    return this.text ?? signatureText(this);
  }
  /** The signature's latest order. */
  set(tUs: number, id: string, ev: Evidence): void {
    this.tUs = tUs;
    this.id = id;
    this.kept.set(ev);
  }
  get ev(): Evidence {
    return this.kept.ev;
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
    readonly slot: Slot | null,
    readonly key: string | null,
  ) {
    this.kept = copied(ev);
  }
  get ev(): Evidence {
    return this.kept;
  }
}
