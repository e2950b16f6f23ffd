/**
 * Clock skew between hosts from causality (RTS 25 asks each venue participant to keep its clocks
 * within a bound of UTC; a roll-up can only compare hosts with each other). An order accepted on
 * host A and filled on host B cannot be filled before it was accepted: a fill stamped earlier shows
 * B's clock behind A's by at least the difference. The evidence is a lower bound, found only where
 * an order crosses hosts; memory is bounded by a ten-minute window of recent orders and fills.
 */

const WINDOW_MICROS = 10 * 60 * 1_000_000;
const MAX_ENTRIES = 200_000;

/** Skew evidence for one host: how far behind another host its clock was shown to be, at least. */
export interface HostSkew {
  readonly behind_us: number;
  readonly behind_of: string;
  readonly order_id: string;
  readonly evidence: number;
}

const microsOf = (iso: string): number => {
  const ms = Date.parse(iso);
  const frac = /\.(\d{6})Z$/.exec(iso)?.[1];
  return frac === undefined ? ms * 1000 : Math.floor(ms / 1000) * 1_000_000 + Number(frac);
};

/** Watches the merged stream (in time order) for fills stamped before their order's acceptance on another host. */
export class SkewTracker {
  private readonly accepted = new Map<string, { host: string; us: number }>();
  /**
   * Fills seen before their order's acceptance, by order: when the first came, and per host the
   * earliest and how many (all `note` needs: the worst skew and the evidence count). A hostile
   * stream repeating one order's fills then costs one entry per host, not one per fill.
   */
  private readonly earlyFills = new Map<string, { first: number; byHost: Map<string, { us: number; n: number }> }>();
  private readonly worst = new Map<string, HostSkew>();

  observe(kind: 'orders' | 'fills', event: string, orderId: string, host: string, iso: string): void {
    if (orderId === '') return;
    const us = microsOf(iso);
    if (!Number.isFinite(us)) return;
    this.evict(us);
    if (kind === 'orders' && event === 'OrderAccepted') {
      this.accepted.set(orderId, { host, us });
      for (const [h, f] of this.earlyFills.get(orderId)?.byHost ?? [])
        if (h !== host) this.note(h, host, us - f.us, orderId, f.n);
      this.earlyFills.delete(orderId);
    } else if (kind === 'fills' && !this.accepted.has(orderId)) {
      let e = this.earlyFills.get(orderId);
      if (e === undefined) {
        if (this.earlyFills.size >= MAX_ENTRIES) return;
        this.earlyFills.set(orderId, (e = { first: us, byHost: new Map() }));
      }
      const f = e.byHost.get(host);
      if (f === undefined) e.byHost.set(host, { us, n: 1 });
      else {
        f.us = Math.min(f.us, us);
        f.n++;
      }
    }
  }

  /** `n` fills of `behind` shown early, the earliest by `us`. */
  private note(behind: string, of: string, us: number, orderId: string, n: number): void {
    const w = this.worst.get(behind);
    const evidence = (w?.evidence ?? 0) + n;
    if (w === undefined || us > w.behind_us)
      this.worst.set(behind, { behind_us: us, behind_of: of, order_id: orderId, evidence });
    else this.worst.set(behind, { ...w, evidence });
  }

  /** Maps are in insertion (= stream time) order: drop what is older than the window. */
  private evict(now: number): void {
    for (const [k, v] of this.accepted) {
      if (now - v.us <= WINDOW_MICROS && this.accepted.size <= MAX_ENTRIES) break;
      this.accepted.delete(k);
    }
    for (const [k, v] of this.earlyFills) {
      if (now - v.first <= WINDOW_MICROS) break;
      this.earlyFills.delete(k);
    }
  }

  /** The evidence per host whose clock was shown to be behind another's. */
  result(): ReadonlyMap<string, HostSkew> {
    return this.worst;
  }
}
