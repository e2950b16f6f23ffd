/**
 * The export's one pass over a day's log: a single streaming read (src/chain/lines.ts) feeds the
 * byte-exact copy `data/audit.jsonl`, both CSVs, `data/alerts.jsonl`, the event counts and the
 * chain facts. Memory stays bounded by the read chunk, a few line batches and the writers'
 * buffers, whatever the day's size. Malformed lines never stop it: they are counted and described.
 *
 * With the compiled build, the per-line work runs in a worker thread (src/pack/scan-worker.ts)
 * while this thread reads, hashes and copies: on a 2-core machine that roughly halves the wall
 * time (docs/PERFORMANCE.md). A slow worker cannot make memory grow: lines travel through a fixed
 * ring of 8 shared 1 MiB slots, and the reader waits (Atomics.wait) for a slot the worker still holds. From TypeScript sources
 * (unit tests) the same per-line code runs in-thread.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AlertFilterConfig } from '../config.js';
import { scanLines, type ScannedLine } from '../chain/lines.js';
import { AuditpackError, wrapFsError, type AuditpackErrorCode } from '../errors.js';
import { DayEventProcessor, type EventFacts, type MalformedLine } from './day-events.js';
import { HashingWriter, type WrittenFile } from './files.js';

export { MAX_REPORTED_MALFORMED, type MalformedLine } from './day-events.js';

/** Facts gathered in the pass. */
export interface DayFacts {
  readonly events: EventFacts['events'];
  readonly rows: EventFacts['rows'];
  readonly chain: {
    readonly first_seq: number | null;
    readonly last_seq: number | null;
    readonly start_prev: string | null;
    readonly end_hash: string | null;
  };
  /** The first MAX_REPORTED_MALFORMED malformed lines (the count is in events.malformed_lines). */
  readonly malformed: readonly MalformedLine[];
  /** Payload files written, by name under data/. */
  readonly files: Readonly<Record<string, WrittenFile>>;
}

export interface ScanDayOptions {
  /** The day's log file; may not exist (a day without events). */
  logFile: string;
  /** The pack's data/ directory (exists, empty). */
  dataDir: string;
  alertFilter: AlertFilterConfig;
  /** Called with bytes read so far and the file's size, about every 8 MiB. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** File size if known (for progress). */
  totalBytes?: number;
  /** Use a worker thread when the compiled worker is available (default true). */
  threads?: boolean;
}

const WORKER_URL = new URL('./scan-worker.js', import.meta.url);
/** A ring of shared slots between the reader and the worker: fixed memory, nothing to collect. */
const SLOTS = 8;
const SLOT_BYTES = 1024 * 1024;
const SLOT_LINES = 8192;
/** Numbers per line in a slot's meta: start, end, line number, file offset, kind. */
const META = 5;

/** The per-line sink: in this thread, or batches to a worker. */
interface LineSink {
  line(l: ScannedLine): void;
  finish(): Promise<EventFacts>;
  abandon(): void;
}

function inThreadSink(dataDir: string, alertFilter: AlertFilterConfig): LineSink {
  const p = new DayEventProcessor(dataDir, alertFilter);
  return {
    line(l) {
      if (!l.terminated) p.bad(l.lineNumber, l.offset, l.length, 'unterminated');
      else if (l.bytes === undefined) p.bad(l.lineNumber, l.offset, l.length, 'too-long');
      else p.line(l.bytes, 0, l.length, l.lineNumber, l.offset);
    },
    finish: async () => p.finish(),
    abandon: () => p.abandon(),
  };
}

function workerSink(dataDir: string, alertFilter: AlertFilterConfig): LineSink {
  // state[0..SLOTS): 1 while the worker owns that slot; state[SLOTS]: 1 once the worker failed.
  const state = new Int32Array(new SharedArrayBuffer(4 * (SLOTS + 1)));
  const bufs = Array.from({ length: SLOTS }, () => Buffer.from(new SharedArrayBuffer(SLOT_BYTES)));
  const metas = Array.from({ length: SLOTS }, () => new Float64Array(new SharedArrayBuffer(8 * META * SLOT_LINES)));
  const worker = new Worker(WORKER_URL, { workerData: { dataDir, alertFilter, state, bufs: bufs.map((b) => b.buffer), metas: metas.map((m) => m.buffer) } });
  let failure: AuditpackError | undefined;
  let resolveDone: (f: EventFacts) => void = () => undefined;
  let rejectDone: (e: unknown) => void = () => undefined;
  const done = new Promise<EventFacts>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  done.catch(() => undefined); // observed in finish(); never an unhandled rejection
  worker.on('message', (m: { type: 'done'; facts: EventFacts } | { type: 'error'; code: AuditpackErrorCode; message: string; stack?: string }) => {
    if (m.type === 'done') resolveDone(m.facts);
    else {
      failure = new AuditpackError(m.code, m.message, m.code === 'INTERNAL' ? { cause: new Error(m.stack ?? m.message) } : {});
      rejectDone(failure);
    }
  });
  worker.on('error', (err) => {
    failure = new AuditpackError('INTERNAL', `export worker failed: ${err.message}`, { cause: err });
    Atomics.store(state, SLOTS, 1);
    rejectDone(failure);
  });

  const checkFailed = (): void => {
    if (Atomics.load(state, SLOTS) !== 0) throw failure ?? new AuditpackError('INTERNAL', 'export worker failed');
  };
  let slot = -1;
  let used = 0;
  let count = 0;
  /** Takes the next slot of the ring, waiting (bounded memory) while the worker still owns it. */
  const acquire = (): void => {
    slot = (slot + 1) % SLOTS;
    while (Atomics.load(state, slot) !== 0) {
      checkFailed();
      Atomics.wait(state, slot, 1, 100);
    }
    checkFailed();
    used = 0;
    count = 0;
  };
  const post = (): void => {
    if (count === 0) return;
    Atomics.store(state, slot, 1);
    worker.postMessage({ type: 'batch', slot, used, count });
    acquire();
  };
  acquire();
  return {
    line(l) {
      const complete = l.terminated && l.bytes !== undefined;
      const len = complete ? l.length : 0;
      if (len > SLOT_BYTES) {
        // Longer than a slot (up to scanLines' 16 MiB bound): sent on its own, in order.
        post();
        checkFailed();
        worker.postMessage({ type: 'line', bytes: l.bytes, lineNumber: l.lineNumber, offset: l.offset });
        return;
      }
      if (count === SLOT_LINES || used + len > SLOT_BYTES) post();
      const buf = bufs[slot] as Buffer;
      const meta = metas[slot] as Float64Array;
      const o = count * META;
      meta[o] = used;
      if (len > 0) used += (l.bytes as Buffer).copy(buf, used);
      meta[o + 1] = complete ? used : used + l.length; // for malformed kinds only the length matters
      meta[o + 2] = l.lineNumber;
      meta[o + 3] = l.offset;
      meta[o + 4] = !l.terminated ? 2 : l.bytes === undefined ? 1 : 0;
      count++;
    },
    async finish() {
      if (count > 0) {
        Atomics.store(state, slot, 1);
        worker.postMessage({ type: 'batch', slot, used, count });
      }
      worker.postMessage({ type: 'end' });
      try {
        return await done;
      } finally {
        await worker.terminate();
      }
    },
    abandon() {
      void worker.terminate();
    },
  };
}

/** Reads the day's log once and writes data/audit.jsonl, orders.csv, fills.csv and alerts.jsonl. */
export async function scanDay(options: ScanDayOptions): Promise<DayFacts> {
  const useWorker = options.threads !== false && existsSync(fileURLToPath(WORKER_URL));
  const audit = new HashingWriter(join(options.dataDir, 'audit.jsonl'));
  let sink: LineSink | undefined;
  try {
    sink = useWorker ? workerSink(options.dataDir, options.alertFilter) : inThreadSink(options.dataDir, options.alertFilter);
    const s = sink;
    let endHash: string | null = null;
    let read = 0;
    let nextProgress = 8 * 1024 * 1024;
    const totalBytes = options.totalBytes ?? 0;
    try {
      await scanLines(
        options.logFile,
        (l) => {
          if (l.terminated) endHash = l.hash;
          s.line(l);
        },
        {
          onChunk: (chunk) => {
            audit.writeBytes(chunk);
            read += chunk.length;
            if (options.onProgress !== undefined && read >= nextProgress) {
              nextProgress = read + 8 * 1024 * 1024;
              options.onProgress(read, totalBytes);
            }
          },
        },
      );
    } catch (err) {
      // No log for the day: a valid, empty pack (weekends exist). Anything else is an error.
      if (err instanceof AuditpackError) throw err;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw wrapFsError(err, 'read', options.logFile);
    }
    const auditFile = audit.finish();
    const facts = await s.finish();
    return {
      events: facts.events,
      rows: facts.rows,
      chain: { first_seq: facts.first_seq, last_seq: facts.last_seq, start_prev: facts.start_prev, end_hash: endHash },
      malformed: facts.malformed,
      files: { 'audit.jsonl': auditFile, ...facts.files },
    };
  } catch (err) {
    audit.abandon();
    sink?.abandon();
    throw err;
  }
}
