/**
 * The day's order-to-trade counts (RTS 9 Art. 3), one entry per symbol under the fold, kept until the
 * day's end judges them: the number of order messages, of trades, the name as first logged and the
 * line that first named it (a finding's evidence). A day of a few hundred symbols costs nothing either
 * way; an options desk quotes hundreds of thousands of contracts a day, each its own symbol, and there
 * an object per symbol with an evidence object and its hash as 64-character text cost ~300 bytes of
 * heap each (~100 MB for 500,000 contracts). Here an entry is its index in a Map and its numbers in
 * paged arrays (paged.ts), its hash as 32 bytes (copyDigest): no object of its own. Nothing it counts
 * or finds changes (test/compliance/otr-counts.test.ts holds it to the objects it replaced).
 */
import type { Evidence } from './types.js';
import { copyDigest, DIGEST_SIZE, hexDigest } from './line-evidence.js';
import { PAGE, PagedBytes, PagedF64, PagedStrings, PagedU32Exact } from './paged.js';

/** Order-to-trade counts by folded symbol, in the order the symbols were first seen. */
export class OtrCounts {
  private readonly index = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly orders = new PagedF64();
  private readonly trades = new PagedF64();
  private readonly file = new PagedStrings();
  private readonly seq = new PagedU32Exact();
  private readonly line = new PagedU32Exact();
  private readonly digests = new PagedBytes(DIGEST_SIZE);
  /** Hashes held as text where their bytes would not give the same text back (copyDigest). */
  private readonly hexes = new Map<number, string>();
  /** Pages made so far (kept through `clear`, reused the next day). */
  private pages = 0;

  /** Symbols counted since the last clear. */
  get size(): number {
    return this.names.length;
  }

  /** One more order message (new, modify, cancel) of the symbol under fold `key`, named `name`, at `ev`. */
  countOrder(key: string, name: string, ev: Evidence): void {
    const i = this.entry(key, name, ev);
    this.orders.set(i, this.orders.get(i) + 1);
  }

  /** One more trade of the symbol under fold `key`, named `name`, at `ev`. */
  countTrade(key: string, name: string, ev: Evidence): void {
    const i = this.entry(key, name, ev);
    this.trades.set(i, this.trades.get(i) + 1);
  }

  /** Each symbol's counts and first line, in the order first seen. */
  *entries(): Generator<{ name: string; orders: number; trades: number; first: Evidence }> {
    for (let i = 0; i < this.names.length; i++)
      yield {
        name: this.names[i] as string,
        orders: this.orders.get(i),
        trades: this.trades.get(i),
        first: {
          file: this.file.get(i) as string,
          seq: this.seq.get(i),
          line: this.line.get(i),
          line_sha256: this.hexes.get(i) ?? hexDigest(this.digests.page(i), this.digests.at(i)),
        },
      };
  }

  /** Forgets every symbol (the day ended); the pages stay for the next day's. */
  clear(): void {
    this.index.clear();
    this.names.length = 0;
    this.hexes.clear();
  }

  private entry(key: string, name: string, ev: Evidence): number {
    let i = this.index.get(key);
    if (i !== undefined) return i;
    i = this.names.length;
    if (i === this.pages * PAGE) {
      for (const a of [this.orders, this.trades, this.file, this.seq, this.line, this.digests]) a.addPage();
      this.pages++;
    }
    this.index.set(key, i);
    this.names.push(name);
    this.orders.set(i, 0);
    this.trades.set(i, 0);
    this.file.set(i, ev.file);
    this.seq.set(i, ev.seq);
    this.line.set(i, ev.line);
    if (!copyDigest(ev, this.digests.view(i), this.digests.at(i))) this.hexes.set(i, ev.line_sha256);
    return i;
  }
}
