/**
 * The day's order-to-trade counts (RTS 9 Art. 3), one entry per symbol under the fold, kept until the
 * day's end judges them: the number of order messages, of trades, the name as first logged and the
 * line that first named it (a finding's evidence). A day of a few hundred symbols costs nothing either
 * way; an options desk quotes hundreds of thousands of contracts a day, each its own symbol, and there
 * an object per symbol with an evidence object and its hash as 64-character text cost ~300 bytes of
 * heap each (~100 MB for 500,000 contracts). Here an entry is a number: its fold and its name kept as
 * bytes (order-ids.ts, as the order store keeps ids: the name only where the fold changed it), found
 * by a table of entry numbers over those bytes (slot-index.ts), its counts in paged arrays
 * (paged.ts), its first line (digest, seq, line number) as a record (line-evidence.ts putLine). The
 * fold and the name as strings in a Map and an array had cost ~110 bytes an entry (~57 MB of the
 * 500,000-contract day's heap); about 45 as bytes. The folds, the names and the first lines are in
 * pieces of which 256 KiB each stay in memory, the rest in the checks' temporary file (spill.ts): the
 * names and lines are read again only at the day's end, the folds at a lookup the recent ones miss.
 * Nothing it counts or finds changes (test/compliance/otr-counts.test.ts holds it to the objects
 * it replaced).
 */
import type { Evidence } from './types.js';
import { LINE_RECORD, lineAt, putLine } from './line-evidence.js';
import { OrderIds } from './order-ids.js';
import { PAGE, PagedU8, PagedU32Exact } from './paged.js';
import { PagedStrings } from './paged-strings.js';
import { SpilledBytes } from './spill.js';
import { SlotIndex } from './slot-index.js';

/** The most entries `recent` holds. */
const RECENT = 4096;
/** An entry whose name, as first logged, is not its fold: the name is kept apart (in `names`). */
const RENAMED = 1;

/** Order-to-trade counts by folded symbol, in the order the symbols were first seen. */
export class OtrCounts {
  /**
   * The entries of the folds last looked up, as strings (a day of a few hundred symbols finds each
   * here, by the string's own hash, as fast as the Map by fold it replaced did; a table over bytes
   * hashes the fold at each lookup); emptied when RECENT are held, so it stays small.
   */
  private readonly recent = new Map<string, number>();
  /** Each entry's fold, the table's key. */
  private readonly keys = new OrderIds();
  private readonly index = new SlotIndex(this.keys);
  /** The name as first logged where it is not its fold (RENAMED); '' where it is. */
  private readonly names = new OrderIds();
  private readonly renamed = new PagedU8();
  private count = 0;
  private readonly orders = new PagedU32Exact();
  private readonly trades = new PagedU32Exact();
  private readonly file = new PagedStrings();
  /**
   * The first line's digest, then its seq and line number as float64s (LINE_RECORD bytes an
   * entry), read only at the day's end: past 256 KiB in the checks' temporary file (spill.ts).
   */
  private readonly lines = new SpilledBytes(LINE_RECORD);
  /** Hashes held as text where their bytes would not give the same text back (copyDigest). */
  private readonly hexes = new Map<number, string>();
  /** Pages made so far (kept through `clear`, reused the next day). */
  private pages = 0;

  /** Symbols counted since the last clear. */
  get size(): number {
    return this.count;
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
    for (let i = 0; i < this.count; i++)
      yield {
        name: this.renamed.get(i) === RENAMED ? this.names.get(i) : this.keys.get(i),
        orders: this.orders.get(i),
        trades: this.trades.get(i),
        first: this.first(i),
      };
  }

  /** Entry `i`'s first line. */
  private first(i: number): Evidence {
    return lineAt(this.lines.page(i), this.lines.at(i), this.file.get(i) as string, this.hexes.get(i));
  }

  /** Forgets every symbol (the day ended); the pages stay for the next day's. */
  clear(): void {
    this.index.clear();
    this.keys.forget();
    this.names.forget();
    this.count = 0;
    this.hexes.clear();
    this.recent.clear();
  }

  private entry(key: string, name: string, ev: Evidence): number {
    let i = this.recent.get(key);
    if (i !== undefined) return i;
    i = this.index.get(key);
    if (i === undefined) i = this.add(key, name, ev);
    if (this.recent.size === RECENT) this.recent.clear();
    this.recent.set(key, i);
    return i;
  }

  private add(key: string, name: string, ev: Evidence): number {
    const i = this.count++;
    if (i === this.pages * PAGE) {
      for (const a of [this.orders, this.trades, this.renamed, this.file, this.lines]) a.addPage();
      this.pages++;
    }
    this.keys.set(i, key);
    this.index.set(key, i);
    if (name === key) this.renamed.set(i, 0);
    else {
      this.renamed.set(i, RENAMED);
      this.names.set(i, name);
    }
    this.orders.set(i, 0);
    this.trades.set(i, 0);
    this.file.set(i, ev.file);
    if (!putLine(ev, this.lines.view(i), this.lines.at(i))) this.hexes.set(i, ev.line_sha256);
    return i;
  }
}
