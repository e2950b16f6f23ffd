/**
 * The duplicate window's latest order per signature (order-store.ts holds the orders, their risk
 * checks and overrides), shaped for the garbage collector. A dropped recent order is reused for the
 * next signature, so the nodes stay in the old generation and are updated in place; a line's
 * SHA-256 is kept as its 32 bytes in a shared slab (DigestSlab) when it arrives as bytes, its hex
 * made only for a finding or the carried state. None of this changes what the checks find or carry.
 */
import { copyDigest, DIGEST_SIZE, hexDigest, viewOf } from './line-evidence.js';
import { type SignatureParts, signatureText } from './signature.js';
import type { Linked } from './state.js';
import type { Evidence } from './types.js';

/**
 * Line digests, 32 bytes each at a number given once to each reused node: one buffer for all (it
 * only grows with the number of nodes ever held at once, as they are reused).
 */
export class DigestSlab {
  buf: Buffer = Buffer.alloc(0);
  /** `buf` as a DataView (copyDigest). */
  view: DataView = viewOf(this.buf);
  /** Numbers given so far. */
  private count = 0;

  /** The byte offset of a new digest place. */
  place(): number {
    const at = this.count++ * DIGEST_SIZE;
    if (at + DIGEST_SIZE > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, 1024 * DIGEST_SIZE));
      this.buf.copy(next);
      this.buf = next;
      this.view = viewOf(next);
    }
    return at;
  }
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
    this.inSlab = copyDigest(ev, this.slab.view, this.at);
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
 * The latest new order with one signature (symbol, side, quantity, price, strategy, user, account),
 * as a node of RecentOrders.list (recent-orders.ts): updated in place when the signature comes again (one lookup
 * per new order), and reused for another signature once dropped (RecentOrders.set). Its parts
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
  /** The key in RecentOrders.byText, or null when it is found by `hash` (RecentOrders.byHash). */
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
