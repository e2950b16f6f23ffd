/**
 * The duplicate check's window: the latest new order of each signature (symbol, side, quantity,
 * price, strategy, user, account) within `duplicate_window_ms`, found by the signature's hash or,
 * for a signature told apart only by its text, by that text (signature.ts). Its nodes are reused
 * once dropped, so a day of new orders makes no object per order here.
 */
import { DigestSlab, RecentOrder } from './slot.js';
import { copyParts, signatureParts, sameSignature, type SignatureParts, signatureText } from './signature.js';
import { Chain } from './state.js';
import type { Evidence } from './types.js';

/** At most this many signatures are held (the oldest update is dropped beyond). */
const MAX_RECENT = 1_000_000;

/** The recent new orders by signature, oldest update first. */
export class RecentOrders {
  /** Where the recent orders' line digests are kept. */
  private readonly slab = new DigestSlab();
  /** Dropped recent orders, reused (they stay in the old generation). */
  private readonly free: RecentOrder[] = [];
  /** New orders' signatures within the duplicate window, oldest update first. */
  readonly list = new Chain<RecentOrder>(MAX_RECENT, (r) => {
    this.forget(r);
    this.free.push(r);
  });
  /** Recent orders by signature hash, NUL-free signatures only (signature.ts); a hash's others via `sameHash`. */
  readonly byHash = new Map<number, RecentOrder>();
  /** Recent orders by signature text: signatures with a NUL in a part, and a carried state's. */
  readonly byText = new Map<string, RecentOrder>();
  /** The duplicate check's parts of the new order being checked (refilled for each). */
  readonly parts: SignatureParts = signatureParts();

  /**
   * The recent order of signature `q`, if any. `hash`: recentHash(q), which the caller passes on to
   * `set` (one hash per new order).
   */
  find(q: SignatureParts, hash: number | null): RecentOrder | undefined {
    if (hash === null || this.byText.size > 0) {
      const r = this.byText.get(signatureText(q));
      if (r !== undefined || hash === null) return r;
    }
    for (let r = this.byHash.get(hash) ?? null; r !== null; r = r.sameHash) if (sameSignature(r, q)) return r;
    return undefined;
  }

  /**
   * The latest new order with signature `q` is `id` (a kept id), at `tUs` (last in the order of
   * update); `hash`: recentHash(q); `held`: find(q, hash).
   */
  set(
    q: SignatureParts,
    hash: number | null,
    tUs: number,
    id: string,
    ev: Evidence,
    held: RecentOrder | undefined,
  ): void {
    let r = held;
    if (r === undefined) {
      r = this.take();
      if (hash === null) this.byText.set((r.text = signatureText(q)), r);
      else {
        copyParts(r, q);
        r.hash = hash;
        r.sameHash = this.byHash.get(r.hash) ?? null;
        this.byHash.set(r.hash, r);
      }
    } else this.list.remove(r);
    r.set(tUs, id, ev);
    this.list.push(r);
  }

  /** `set` for a carried state's entry, keyed by its signature's text. */
  setText(key: string, tUs: number, id: string, ev: Evidence): void {
    let r = this.byText.get(key);
    if (r === undefined) {
      r = this.take();
      this.byText.set((r.text = key), r);
    } else this.list.remove(r);
    r.set(tUs, id, ev);
    this.list.push(r);
  }

  private take(): RecentOrder {
    const r = this.free.pop() ?? new RecentOrder(this.slab);
    r.text = null;
    r.sameHash = null;
    return r;
  }

  /** Takes `r` out of the lookup that finds it. */
  private forget(r: RecentOrder): void {
    if (r.text !== null) {
      this.byText.delete(r.text);
      return;
    }
    const first = this.byHash.get(r.hash);
    if (first === r) {
      if (r.sameHash === null) this.byHash.delete(r.hash);
      else this.byHash.set(r.hash, r.sameHash);
    } else
      for (let p = first ?? null; p !== null; p = p.sameHash)
        if (p.sameHash === r) {
          p.sameHash = r.sameHash;
          break;
        }
    r.sameHash = null;
  }
}
