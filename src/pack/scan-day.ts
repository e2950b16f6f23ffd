/**
 * The export's one pass over a day's log: a single streaming read (src/chain/lines.ts) feeds the
 * byte-exact copy `data/audit.jsonl`, both CSVs, `data/alerts.jsonl`, the event counts and the
 * chain facts. Malformed lines never stop it: they are counted and described.
 *
 * Lines are cut into batches (BATCH_BYTES). A worker thread (src/pack/scan-worker.ts, started by the
 * worker primitive in src/worker/) processes batches on the second core; this thread hands a batch
 * to it through a fixed ring of SLOTS shared slots when one is free and otherwise processes the batch
 * itself, so both cores stay busy whatever their speeds (docs/decisions.md). Results are written in
 * batch order (the primitive settles jobs in submission order), so the files are the same as from a
 * single thread. Memory stays bounded: the ring is fixed and at most a few batch results wait to be
 * written.
 */
import { basename, join } from 'node:path';
import type { AlertFilterConfig } from '../config.js';
import { scanLines, type ScannedLine } from '../chain/lines.js';
import { PAYLOAD_NAME } from '../format/pack.js';
import { AuditpackError, isSystemError, wrapFsError } from '../errors.js';
import {
  asAuditpackError,
  COMPACT_THREAD_HEAP,
  type JobThread,
  startThread,
  type ThreadStats,
  THREAD_START_WAIT_MS,
  THREADS_FROM_BYTES,
  WAIT_FOR_THREAD_FROM_BYTES,
} from '../worker/index.js';
import { CSV_RULES, type CsvRules, csvHeader, FILL_COLUMNS, ORDER_COLUMNS } from './csv.js';
import { recoversFragment } from '../format/event-line.js';
import { RECOVERY } from '../format/log-line.js';
import {
  BatchProcessor,
  FactsAccumulator,
  outputsInto,
  LINE_COMPLETE,
  LINE_FRAGMENT,
  LINE_TOO_LONG,
  LINE_UNTERMINATED,
  META,
} from './day-events.js';
import { HashingWriter, type WrittenFile } from '../fsx/byte-sink.js';
import { QueuedFileWriter } from '../fsx/queued-writer.js';
import { LineTreeAccumulator, lineSubtrees } from '../merkle/index.js';
import {
  BATCH_BYTES,
  BATCH_LINES,
  DIGEST_BYTES,
  Gate,
  MAX_UNWRITTEN,
  makeScanInit,
  SCAN_THREAD,
  type ScanInit,
  type RecordsConsumer,
  type ScanAnswer,
  type ScanJob,
  type ScanResult,
  setupScan,
  SLOTS,
  TABLE_INTS,
  type WaitingBatch,
  whenBoth,
} from './scan-jobs.js';
import { EntryTable } from '../json/line-scanner.js';
import { hexInto } from '../json/byte-slices.js';
import type { DayFacts, DayScanFacts, DerivedSinks, ScanDayOptions } from './scan-types.js';
import { BatchDigests, type DerivedDigests, type DigestAnswer, digestJob, NO_OUTPUT } from './scan-digests.js';
export { MAX_REPORTED_MALFORMED, type MalformedLine } from './day-events.js';
export type { RecordsConsumer } from './scan-jobs.js';
export type { DayFacts, DayScanFacts, DerivedSinks, PayloadSink, ScanDayOptions } from './scan-types.js';
export type { DerivedDigest, DerivedDigests } from './scan-digests.js';

/**
 * The export's derivation of a day's payload from its log lines: fed the lines in order (push),
 * it writes orders.csv, fills.csv and alerts.jsonl into the sinks and gathers the counts and chain
 * facts. Export feeds it from the log file; verify feeds it a pack's data/audit.jsonl and compares
 * what comes out with the pack's files, so the two can never derive differently.
 */
export class DayScanner {
  private readonly acc = new FactsAccumulator();
  private nextToWrite = 0;
  private failure: AuditpackError | undefined;
  private wake: (() => void) | undefined;
  private readonly thread: JobThread<ScanInit, ScanJob, ScanAnswer>;
  private readonly ring: ScanInit;
  private readonly bufs: Buffer[];
  private readonly metas: Float64Array[];
  private readonly digestBufs: Buffer[];
  private readonly tableBufs: Int32Array[];
  private batchId = 0;
  private buf: Buffer = Buffer.allocUnsafe(BATCH_BYTES);
  private readonly meta = new Float64Array(META * BATCH_LINES);
  /** Each line's SHA-256 (DIGEST_BYTES a line): its leaf and the tree's nodes are hashed with the batch. */
  private readonly digests = Buffer.allocUnsafe(DIGEST_BYTES * BATCH_LINES);
  /** The entry tables of the batch's lines that came read (push's `read`); ints used of it. */
  private readonly tables: Int32Array | undefined;
  private tablesUsed = 0;
  /** Lines in the batches cut before this one: the index of its first line. */
  private first = 0;
  private used = 0;
  private count = 0;
  private endHash: string | null = null;
  /** The line before, while it is still in the batch (a recovery right after it makes it a fragment). */
  private readonly before = { hash: '', length: 0, offset: 0 };
  /**
   * Every line is a leaf, malformed ones and a torn tail too: the tree commits to the file's lines.
   * Each batch's lines are hashed into subtrees where the batch is processed; joined here in order.
   */
  private readonly tree = new LineTreeAccumulator();
  private haveBefore = false;
  /** For batches with nothing ahead of them: processed and written at once, from views (no copies). */
  private readonly local: BatchProcessor;
  /** With onRecords: the first line number of the batch being cut, and of each batch not yet written with its lines' digests. */
  private firstLine = 0;
  private readonly waiting: WaitingBatch[] = [];
  /** Digest buffers onRecords is done with, for the next batches (at most as many as ever waited at once). */
  private readonly spareDigests: Buffer[] = [];
  /**
   * With onRecords: batch buffers onRecords is done with. A batch's bytes are kept until its records
   * are fed (they point into them), and the next batch is cut into a spare one: no copy.
   */
  private readonly spareBufs: Buffer[] = [];
  /** Buffers of written batches' outputs, for the next batches' (day-events.ts outputsInto): at most one a batch in flight. */
  private readonly spareOutputs: ArrayBuffer[] = [];
  /** Opened when a batch is written: the read waits at it while too many are not (room). */
  private readonly gate = new Gate();
  /** Where the outputs go: the sinks, or (`'digest'`) only into the derived files' digests (scan-digests.ts). */
  private readonly sinks: DerivedSinks | undefined;
  /** With `'digest'`: the thread's handler keeps the digests (There) when there is a thread, else this one (Here). */
  private readonly sumsThere: boolean;
  private readonly sumsHere: BatchDigests | undefined;
  /** DigestJob buffers given back, for the next batches' outputs. */
  private readonly spareSums: ArrayBuffer[] = [];
  private sumsEnd: DerivedDigests | null = null;

  /**
   * `sinks`: where the derived bytes go, or `'digest'`: only their sizes and SHA-256 are wanted
   * (derivedDigests), made on the thread (verify: it took a tenth of the reading thread on long lines);
   * `file`: the log file's own name (`audit-YYYYMMDD.jsonl`), which a recovery event must name;
   * `threads`: hand batches to a worker thread; `onRecords`: also take the compliance checks' records;
   * `preRead`: push() may be given the lines' entry tables (the caller read them as events already);
   * `csvRules`: the CSV cell rules to write by (verify passes the pack's own, manifest.json `csv_rules`).
   */
  constructor(
    sinks: DerivedSinks | 'digest',
    alertFilter: AlertFilterConfig,
    private readonly file: string | undefined,
    threads: boolean,
    private readonly onRecords?: RecordsConsumer,
    preRead = false,
    csvRules: CsvRules = CSV_RULES,
  ) {
    this.sinks = sinks === 'digest' ? undefined : sinks;
    this.sinks?.orders.write(csvHeader(ORDER_COLUMNS));
    this.sinks?.fills.write(csvHeader(FILL_COLUMNS));
    this.local = new BatchProcessor(alertFilter, onRecords !== undefined, csvRules);
    this.ring = makeScanInit(alertFilter, threads, onRecords !== undefined, preRead, csvRules, sinks === 'digest');
    this.tables = preRead ? new Int32Array(TABLE_INTS) : undefined;
    this.tableBufs = this.ring.tables.map((t) => new Int32Array(t));
    this.bufs = this.ring.bufs.map((b) => Buffer.from(b));
    this.metas = this.ring.metas.map((m) => new Float64Array(m));
    this.digestBufs = this.ring.digests.map((d) => Buffer.from(d));
    this.thread = startThread({
      name: SCAN_THREAD,
      script: new URL('./scan-worker.js', import.meta.url),
      init: this.ring,
      inline: (init) => setupScan(init, this.local),
      threads,
      resourceLimits: COMPACT_THREAD_HEAP,
    });
    this.sumsThere = sinks === 'digest' && this.thread.mode === 'thread';
    this.sumsHere = sinks === 'digest' && !this.sumsThere ? new BatchDigests() : undefined;
  }

  /** Waits, at most `timeoutMs`, until the thread runs or is lost (JobThread.whenRunning). */
  async untilRunning(timeoutMs: number): Promise<void> {
    await this.thread.whenRunning(timeoutMs);
  }

  /** Where the batches ran (thread or here) and why. */
  threadStats(): ThreadStats {
    return this.thread.stats();
  }

  /** Writes a batch's result, in batch order whichever thread made it; `own`: not views of this thread's processor's. */
  private write(r: ScanResult, own = true): void {
    if (this.failure) return;
    try {
      for (let i = 0; i < r.tree.sizes.length; i++)
        this.tree.addSubtree(r.tree.roots[i] as string, r.tree.sizes[i] as number);
      if (this.sinks === undefined) this.sumsHere?.add(r.id, r.orders, r.fills, r.alerts);
      else {
        this.sinks.orders.writeBytes(r.orders);
        this.sinks.fills.writeBytes(r.fills);
        this.sinks.alerts.writeBytes(r.alerts);
      }
      if (this.onRecords !== undefined) {
        const w = this.waiting.shift() as WaitingBatch;
        this.onRecords(
          r.records,
          w.buf.subarray(0, w.used),
          w.firstLine,
          w.digests.subarray(0, w.lines * DIGEST_BYTES),
        );
        this.spareDigests.push(w.digests);
        if (w.buf.length === BATCH_BYTES) this.spareBufs.push(w.buf);
      }
      // The sinks and onRecords keep nothing of the outputs (PayloadSink, RecordsConsumer): the buffer is free.
      const b = r.orders.buffer;
      if (own && b instanceof ArrayBuffer && b.byteLength > 0) this.spareOutputs.push(b);
      this.acc.merge(r.delta);
      this.nextToWrite++;
    } catch (err) {
      this.failure = asAuditpackError(err, 'export scan');
    }
    this.woken();
  }

  private fail(err: AuditpackError): void {
    this.failure ??= err;
    this.woken();
  }

  private woken(): void {
    this.wake?.();
    if (this.room() === undefined) this.gate.open();
  }

  /** Undefined while the read may cut more batches, else a promise for when it may (MAX_UNWRITTEN). */
  room(): Promise<void> | undefined {
    const behind = this.failure === undefined && this.batchId - this.nextToWrite > MAX_UNWRITTEN;
    return behind ? this.gate.wait() : undefined;
  }

  /** A free slot of the ring while the thread takes batches, else -1. */
  private freeSlot(): number {
    if (this.thread.mode !== 'thread' || this.used > BATCH_BYTES) return -1;
    for (let i = 0; i < SLOTS && i < this.bufs.length; i++) if (Atomics.load(this.ring.state, i) === 0) return i;
    return -1;
  }

  private dispatch(): void {
    if (this.count === 0) return;
    if (this.failure) throw this.failure;
    const id = this.batchId++;
    if (this.onRecords !== undefined) {
      const d = this.spareDigests.pop() ?? Buffer.allocUnsafeSlow(DIGEST_BYTES * BATCH_LINES);
      this.digests.copy(d, 0, 0, this.count * DIGEST_BYTES);
      this.waiting.push({ firstLine: this.firstLine, digests: d, lines: this.count, buf: this.buf, used: this.used });
    }
    const slot = this.freeSlot();
    if (slot < 0 && this.sumsThere) return this.hashThere(id);
    if (slot < 0 && this.nextToWrite === id) {
      // Every earlier batch is written: this one can be written now, from the processor's own
      // buffers. Copying each result instead (it might have to wait) doubled the export's peak RSS.
      try {
        const r = this.local.process(id, this.buf, this.used, this.meta, this.count, false, this.tables);
        this.write({ ...r, tree: lineSubtrees(this.digests, this.first, this.count) }, false);
      } catch (err) {
        this.fail(asAuditpackError(err, 'export scan'));
      }
      this.next();
      return;
    }
    let result: Promise<ScanAnswer>;
    const { used, count, first, tables } = this;
    if (slot >= 0) {
      this.buf.copy(this.bufs[slot] as Buffer, 0, 0, used);
      (this.metas[slot] as Float64Array).set(this.meta.subarray(0, count * META));
      this.digests.copy(this.digestBufs[slot] as Buffer, 0, 0, count * DIGEST_BYTES);
      if (tables !== undefined) (this.tableBufs[slot] as Int32Array).set(tables.subarray(0, this.tablesUsed));
      Atomics.store(this.ring.owner, slot, id);
      Atomics.store(this.ring.state, slot, 1);
      const spare = this.spareOutputs.pop();
      result = this.thread.run({ id, slot, used, count, first, spare }, spare === undefined ? [] : [spare]);
    } else {
      // Processed now, synchronously: the buffers are reused by the next batch.
      const spare = this.spareOutputs.pop();
      const local = { id, buf: this.buf, meta: this.meta, digests: this.digests, tables, used, count, first, spare };
      result = this.thread.runHere(local);
    }
    result.then(
      (r) => this.write(r as ScanResult),
      (e: AuditpackError) => this.fail(e),
    );
    this.next();
  }

  /**
   * With the digests on the thread, a batch no slot is free for: processed here, its outputs sent
   * there to be hashed in turn (after every batch handed over before it: the thread's messages come
   * in the order posted), and written once they are, so the read waits while many are (room).
   */
  private hashThere(id: number): void {
    try {
      const r = this.local.process(id, this.buf, this.used, this.meta, this.count, false, this.tables);
      const job = digestJob(id, r.orders, r.fills, r.alerts, this.spareSums.pop());
      // The records point into the processor's buffers, which the next batch reuses: they are copied.
      const own = outputsInto(r.records, NO_OUTPUT, NO_OUTPUT, NO_OUTPUT, this.spareOutputs.pop());
      const done = { ...r, ...own, tree: lineSubtrees(this.digests, this.first, this.count) };
      this.thread.run(job, [job.buf]).then(
        (a) => {
          const back = (a as DigestAnswer).buf;
          if (back.byteLength > 0) this.spareSums.push(back);
          this.write(done);
        },
        (e: AuditpackError) => this.fail(e),
      );
    } catch (err) {
      this.fail(asAuditpackError(err, 'export scan'));
    }
    this.next();
  }

  /** The batch is handed over: the next one starts empty, after its lines. */
  private next(): void {
    // The records point into this batch's bytes until they are fed: the next batch gets a buffer of its own.
    if (this.onRecords !== undefined) this.buf = this.spareBufs.pop() ?? Buffer.allocUnsafe(BATCH_BYTES);
    this.first += this.count;
    this.used = 0;
    this.count = 0;
    this.tablesUsed = 0;
  }

  /**
   * The next line of the log, in order (its bytes are copied: a view is fine). `read`: the line was
   * read as an event by src/format/event-line.ts's reader, which left its entries in this table
   * (offsets into `l.bytes`); the batch takes them instead of reading the line again (only with
   * `preRead`). `category`: with `read`, the category that reader read the line as.
   */
  push(l: ScannedLine, read?: EntryTable, category?: string): void {
    if (l.terminated) this.endHash = l.hash;
    const complete = l.terminated && l.bytes !== undefined;
    // A recovery event right after a line makes that line a recovered fragment (docs/FORMAT.md
    // "Torn lines"), never an event, whatever its bytes. A line the same reader already read as an
    // event of another category is no recovery: the search of its bytes is skipped.
    const meta = this.meta;
    const c = this.count;
    const mayRecover = read === undefined || category === undefined || category === RECOVERY.category;
    if (
      complete &&
      mayRecover &&
      this.haveBefore &&
      c > 0 &&
      meta[(c - 1) * META + 4] === LINE_COMPLETE &&
      recoversFragment(l.bytes as Buffer, this.before, this.file)
    ) {
      meta[(c - 1) * META + 4] = LINE_FRAGMENT;
    }
    this.haveBefore = complete;
    if (complete) {
      this.before.hash = l.hash;
      this.before.length = l.length;
      this.before.offset = l.offset;
    }
    const len = complete ? l.length : 0;
    const tables = complete ? this.tables : undefined;
    // A table larger than the whole area (a hostile line of many keys) is not taken: the line is read again.
    const ints = read === undefined || tables === undefined ? 0 : EntryTable.intsFor(read.count);
    const given = ints > 0 && ints <= TABLE_INTS;
    if (
      this.count === BATCH_LINES ||
      this.used + len > this.buf.length ||
      (given && this.tablesUsed + ints > TABLE_INTS)
    ) {
      this.dispatch();
      if (len > this.buf.length) this.buf = Buffer.allocUnsafe(len); // a line longer than a batch: this thread does it
    }
    if (this.onRecords !== undefined && this.count === 0) this.firstLine = l.lineNumber;
    if (l.hash.length !== 64 || hexInto(this.digests, l.hash, this.count * DIGEST_BYTES, 32) !== DIGEST_BYTES)
      throw new RangeError('a line hash is 64 hex digits');
    const o = this.count * META;
    meta[o] = this.used;
    // TypedArray set, not Buffer copy: no copy()'s argument handling per line (the batch was cut to fit).
    if (len > 0) {
      this.buf.set(l.bytes as Buffer, this.used);
      this.used += len;
    }
    meta[o + 1] = complete ? this.used : this.used + l.length; // for malformed kinds only the length matters
    meta[o + 2] = l.lineNumber;
    meta[o + 3] = l.offset;
    meta[o + 4] = complete ? LINE_COMPLETE : l.terminated ? LINE_TOO_LONG : LINE_UNTERMINATED;
    meta[o + 5] = given ? this.tablesUsed : -1;
    if (given) this.tablesUsed = (read as EntryTable).writeTo(tables as Int32Array, this.tablesUsed, meta[o] as number);
    this.count++;
  }

  /** After the last line: waits for every batch to be written and returns the facts. */
  async finish(): Promise<DayScanFacts> {
    this.dispatch();
    while (this.nextToWrite < this.batchId) {
      if (this.failure) throw this.failure;
      await new Promise<void>((res) => {
        this.wake = res;
      });
      this.wake = undefined;
    }
    if (this.failure) throw this.failure;
    if (this.sumsThere) this.sumsEnd = ((await this.thread.run({ end: this.batchId })) as DigestAnswer).digests ?? null;
    else this.sumsEnd = this.sumsHere?.end(this.batchId) ?? null;
    const f = this.acc.facts();
    return {
      events: f.events,
      rows: f.rows,
      chain: { first_seq: f.first_seq, last_seq: f.last_seq, start_prev: f.start_prev, end_hash: this.endHash },
      malformed: f.malformed,
      lineTree: { leaves: this.tree.size, root: this.tree.root().toString('hex') },
    };
  }

  /**
   * With `'digest'` sinks, after finish: the derived files' sizes and SHA-256, or null when the thread
   * was lost with batches it had hashed (the caller derives them again).
   */
  derivedDigests(): DerivedDigests | null {
    return this.sumsEnd;
  }

  /** Stops the worker thread, if any (always call it). */
  async close(): Promise<void> {
    await this.thread.close();
  }
}

/** Reads the day's log once and writes data/audit.jsonl, orders.csv, fills.csv and alerts.jsonl. */
export async function scanDay(options: ScanDayOptions): Promise<DayFacts> {
  const writers: HashingWriter[] = [];
  let scanner: DayScanner | undefined;
  // The log's copy is the one large file: written on the thread pool while this thread scans on.
  // Three buffers in flight leave one of libuv's four pool threads for the read ahead.
  let audit: QueuedFileWriter | undefined;
  try {
    audit = await QueuedFileWriter.create(join(options.dataDir, PAYLOAD_NAME.log), 3);
    const copy = audit;
    for (const name of [PAYLOAD_NAME.orders, PAYLOAD_NAME.fills, PAYLOAD_NAME.alerts])
      writers.push(new HashingWriter(join(options.dataDir, name)));
    const [orders, fills, alerts] = writers as [HashingWriter, HashingWriter, HashingWriter];
    const sc = new DayScanner(
      { orders, fills, alerts },
      options.alertFilter,
      basename(options.logFile),
      // A log of a known size under THREADS_FROM_BYTES is scanned here (worker/thread.ts says why).
      options.threads !== false && (options.totalBytes === undefined || options.totalBytes >= THREADS_FROM_BYTES),
      options.onRecords,
    );
    scanner = sc;
    const totalBytes = options.totalBytes ?? 0;
    // Nothing is read until the thread made its heap, which lets this thread's young generation grow (heap-flags.ts).
    if (totalBytes >= WAIT_FOR_THREAD_FROM_BYTES) await sc.untilRunning(THREAD_START_WAIT_MS);
    let read = 0;
    let nextProgress = 8 * 1024 * 1024;
    try {
      const tap = options.onLine;
      await scanLines(
        options.logFile,
        (l) => {
          sc.push(l);
          tap?.(l);
        },
        {
          // Views, not a copy of every line: DayScanner.push copies each line into its batch at
          // once, so a per-line copy only doubled the bytes moved and fed the collector (it was
          // most of the export's garbage on 4 KB lines).
          view: true,
          onChunk: (chunk) => {
            copy.write(chunk);
            read += chunk.length;
            if (options.onProgress !== undefined && read >= nextProgress) {
              nextProgress = read + 8 * 1024 * 1024;
              options.onProgress(read, totalBytes);
            }
          },
          afterChunk: () => whenBoth(sc.room(), copy.ready()),
        },
      );
    } catch (err) {
      // No log for the day: a valid, empty pack (weekends exist). Anything else is an error; one
      // not of the file system (a bug in what runs on the lines) stays as it is: INTERNAL.
      if (err instanceof AuditpackError || !isSystemError(err)) throw err;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw wrapFsError(err, 'read', options.logFile);
    }
    const facts = await sc.finish();
    const files: Record<string, WrittenFile> = { [PAYLOAD_NAME.log]: await copy.finish() };
    for (const [name, w] of [
      [PAYLOAD_NAME.orders, orders],
      [PAYLOAD_NAME.fills, fills],
      [PAYLOAD_NAME.alerts, alerts],
    ] as const)
      files[name] = w.finish();
    return { ...facts, files };
  } catch (err) {
    for (const w of writers) w.abandon();
    await audit?.abandon();
    throw err;
  } finally {
    await scanner?.close();
  }
}
