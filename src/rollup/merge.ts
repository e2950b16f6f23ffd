/**
 * The firm-wide orders.csv and fills.csv: every verified host's rows merged by (iso_ts, host, seq)
 * in one streaming k-way merge. Memory is bounded by the number of hosts times a small reorder
 * window per file: a host's rows are in seq order, which can stray slightly from time order when
 * several processes share its log, and the window puts them back in time order. A row that strays
 * further is still written (never dropped) and counted as out of order.
 *
 * The same pass estimates clock skew between hosts (RTS 25): a fill on one host stamped before the
 * order's OrderAccepted on another host is proof that the fill host's clock is behind the order
 * host's by at least the difference.
 */
import { compareBytes } from '../format/pack.js';
import { ROLLUP_HOST_COLUMN } from '../format/rollup.js';
import { CsvRecordReader, csvFields } from '../fsx/csv-records.js';
import { MinHeap, ReorderWindow } from './heap.js';
import { SkewTracker } from './skew.js';

/** Reorder window per source file, rows. */
const WINDOW = 1024;

interface Row {
  readonly iso: string;
  readonly host: string;
  readonly seq: number;
  readonly rest: Buffer;
  readonly event: string;
  readonly orderId: string;
}

const less = (a: Row, b: Row): boolean =>
  a.iso !== b.iso ? a.iso < b.iso : a.host !== b.host ? compareBytes(a.host, b.host) < 0 : a.seq < b.seq;

/** One host file with its reorder window. */
class Source {
  private readonly window = new ReorderWindow<Row>(less);
  readonly header: string;
  private done = false;

  constructor(
    private readonly reader: CsvRecordReader,
    readonly host: string,
    readonly kind: 'orders' | 'fills',
  ) {
    this.header = reader.next()?.toString('utf8') ?? '';
    this.refill();
  }

  private refill(): void {
    while (!this.done && this.window.size < WINDOW) {
      const rec = this.reader.next();
      if (rec === undefined) {
        this.done = true;
        break;
      }
      const comma = rec.indexOf(0x2c);
      const [iso, seq, event, orderId] = csvFields(rec, 4) as [string, string, string, string];
      this.window.push({ iso, host: this.host, seq: Number(seq), rest: rec.subarray(comma + 1), event, orderId });
    }
  }

  peek(): Row | undefined {
    return this.window.peek();
  }

  take(): Row | undefined {
    const r = this.window.pop();
    this.refill();
    return r;
  }

  close(): void {
    this.reader.close();
  }
}

/** Where a merged file goes. */
export interface RowSink {
  write(b: Buffer | string): void;
}

export interface MergeInput {
  readonly host: string;
  readonly ordersCsv: string;
  readonly fillsCsv: string;
}

export interface MergeResult {
  readonly rows: { readonly orders: number; readonly fills: number };
  /** Rows written out of (iso_ts, host, seq) order, per host. */
  readonly outOfOrder: Readonly<Record<string, number>>;
  readonly skew: SkewTracker;
}

/** The merged header: the host file's, with `host` after `iso_ts`. */
function mergedHeader(h: string): string {
  return h.replace(/^iso_ts,/, `iso_ts,${ROLLUP_HOST_COLUMN},`);
}

/**
 * Merges the hosts' CSVs into `orders` and `fills`. Hosts' headers must agree (they are written by
 * one format); a host whose header differs is skipped and named in the result's `skipped`.
 */
export function mergeHostCsvs(inputs: readonly MergeInput[], out: { orders: RowSink; fills: RowSink }): MergeResult {
  const sources: Source[] = [];
  try {
    for (const i of inputs) {
      sources.push(new Source(new CsvRecordReader(i.ordersCsv), i.host, 'orders'));
      sources.push(new Source(new CsvRecordReader(i.fillsCsv), i.host, 'fills'));
    }
    const headerOf = (k: 'orders' | 'fills') => sources.find((s) => s.kind === k)?.header;
    out.orders.write(mergedHeader(headerOf('orders') ?? 'iso_ts,seq\r\n'));
    out.fills.write(mergedHeader(headerOf('fills') ?? 'iso_ts,seq\r\n'));
    return runMerge(sources, out);
  } finally {
    for (const s of sources) s.close();
  }
}

/**
 * The source to take from next: `s` again while its next row still comes first (a run of one host's
 * rows costs no heap operation), else the heap's first, with `s` back in the heap.
 */
function nextSource(heap: MinHeap<Source>, s: Source): Source | undefined {
  const mine = s.peek();
  if (mine === undefined) return heap.pop();
  const top = heap.peek()?.peek();
  if (top === undefined || !less(top, mine)) return s;
  heap.push(s);
  return heap.pop();
}

function runMerge(sources: readonly Source[], out: { orders: RowSink; fills: RowSink }): MergeResult {
  const heap = new MinHeap<Source>((a, b) => less(a.peek() as Row, b.peek() as Row));
  for (const s of sources) if (s.peek() !== undefined) heap.push(s);
  const rows = { orders: 0, fills: 0 };
  const outOfOrder: Record<string, number> = Object.create(null);
  const skew = new SkewTracker();
  let last: Row | undefined;
  for (let s = heap.pop(); s !== undefined; s = nextSource(heap, s)) {
    const r = s.take() as Row;
    if (last !== undefined && less(r, last)) outOfOrder[r.host] = (outOfOrder[r.host] ?? 0) + 1;
    else last = r;
    const sink = s.kind === 'orders' ? out.orders : out.fills;
    sink.write(`${r.iso},${r.host},`);
    sink.write(r.rest);
    rows[s.kind]++;
    skew.observe(s.kind, r.event, r.orderId, r.host, r.iso);
  }
  return { rows, outOfOrder, skew };
}
