/**
 * Work off the main thread, for speed: while the main thread checks the log's chain line by line,
 * a worker thread streams every payload file (hashing them, the log and alerts.jsonl included in
 * reads of their own, and counting CSV rows) and, when the log is cut (only on request), checks the
 * rest of the log (log-range.ts). The machine has two cores; this is how `verify` keeps up with `sha256sum -c` while
 * doing far more.
 *
 * The thread is started by the worker primitive (src/worker/), which runs the compiled
 * hash-worker.js, also under the unit tests; without a thread the same jobs run inline: same results.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { wrapFsError } from '../errors.js';
import { openRegular } from '../fsx/regular.js';
import { COMPACT_THREAD_HEAP, type SetupJobs, startThread, type ThreadStats } from '../worker/index.js';
import { CsvCounter, type CsvStats } from './csv-count.js';
import type { RangeSummary } from './log-facts.js';
import { checkLogRange, type LogRangeJob } from './log-range.js';

/** One file to hash; `csv` also counts its records and fingerprints its seq column. */
export interface HashJob {
  readonly path: string;
  readonly csv: boolean;
}

/** What hashing a file found. */
export interface HashResult {
  readonly size: number;
  readonly sha256: string;
  readonly csv: CsvStats | undefined;
  /** Set when the file could not be read: errno code and message. */
  readonly error: { readonly code: string | undefined; readonly message: string } | undefined;
}

const CHUNK = 1024 * 1024;

/** Hashes one file, opened without following a symbolic link. Never throws: errors are in the result. */
export async function hashOne(job: HashJob, bufs: ReadBuffers = readBuffers()): Promise<HashResult> {
  let fh;
  try {
    fh = await openRegular(job.path); // a FIFO is refused, never waited on; a link never followed
  } catch (err) {
    return {
      size: 0,
      sha256: '',
      csv: undefined,
      error: { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message },
    };
  }
  try {
    const h = createHash('sha256');
    const counter = job.csv ? new CsvCounter() : undefined;
    const size = await readAhead(
      fh,
      0,
      (chunk) => {
        h.update(chunk);
        counter?.write(chunk);
      },
      bufs,
    );
    return { size, sha256: h.digest('hex'), csv: counter?.finish(), error: undefined };
  } catch (err) {
    return {
      size: 0,
      sha256: '',
      csv: undefined,
      error: { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message },
    };
  } finally {
    await fh.close();
  }
}

/** readAhead's two chunk buffers. */
export type ReadBuffers = readonly [Buffer, Buffer];

/** Two chunk buffers for readAhead. */
export function readBuffers(): ReadBuffers {
  return [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
}

/**
 * Feeds `use` the file's bytes from `offset` to its end, chunk by chunk, reading the next chunk (in
 * libuv's thread pool) while `use` works on this one. Returns the offset of the end. `bufs`: the
 * two chunk buffers, free again when it returns (hashInline passes the same pair for every file).
 */
export async function readAhead(
  fh: FileHandle,
  offset: number,
  use: (chunk: Buffer) => void,
  bufs: ReadBuffers = readBuffers(),
): Promise<number> {
  let [buf, spare] = bufs;
  let next: Promise<{ bytesRead: number }> | undefined = fh.read(buf, 0, CHUNK, offset);
  let bytesRead: number;
  try {
    for (;;) {
      ({ bytesRead } = await next);
      next = undefined;
      if (bytesRead === 0) return offset;
      const chunk = buf.subarray(0, bytesRead);
      [buf, spare] = [spare, buf];
      next = fh.read(buf, 0, CHUNK, offset + bytesRead);
      use(chunk);
      offset += bytesRead;
    }
  } finally {
    if (next !== undefined) await next.catch(() => undefined);
  }
}

/**
 * Runs jobs one after the other in this thread, reading every file through the same two buffers:
 * a pair per file (2 MB each) stayed allocated until the thread's heap was next collected, which
 * its small heap seldom is (docs/PERFORMANCE.md, "Verify's young generation").
 */
export async function hashInline(jobs: readonly HashJob[]): Promise<HashResult[]> {
  const out: HashResult[] = [];
  const bufs = readBuffers();
  for (const j of jobs) out.push(await hashOne(j, bufs));
  return out;
}

/** A job of the verifier's second thread. */
export type BackgroundJob =
  | { readonly type: 'hashes'; readonly jobs: readonly HashJob[] }
  | { readonly type: 'log'; readonly job: LogRangeJob };

/** The handler hash-worker.ts serves; the same one runs here when no thread can. */
export const setupBackground: SetupJobs<undefined, BackgroundJob, HashResult[] | RangeSummary> = () => ({
  run: (j) => (j.type === 'hashes' ? hashInline(j.jobs) : checkLogRange(j.job)),
});

/** Name of the verifier's thread (stats, workerActivity, NODE_DEBUG=auditpack). */
export const BACKGROUND_THREAD = 'verify';

/** Work handed to a second thread: file hashes now, a log range when asked. */
export interface Background {
  /** The hash results, in job order. */
  readonly hashes: Promise<HashResult[]>;
  /** Checks the lines of a log from a line start to its end (log-range.ts); at most once. */
  checkLogRange(job: LogRangeJob): Promise<RangeSummary>;
  /**
   * Blocks until the thread runs (at most `timeoutMs`), and so has made its heap. Making it sets V8's
   * young-generation growth back to 2 for the whole process (src/worker/heap-flags.ts) until this
   * thread hears of it and sets the CLI's 1 again; a thread slow to start (a loaded machine) left
   * that window open for seconds while this thread read the alerts and parsed the recorded report,
   * and its young generation grew 2-4 × and stayed so to the end (docs/PERFORMANCE.md, "Verify's
   * young generation"). Waiting, this thread allocates nothing meanwhile; a thread lost before it
   * ran ends the wait at once.
   */
  untilRunning(timeoutMs: number): Promise<void>;
  /** Where the jobs ran. */
  stats(): ThreadStats;
  /** Ends the worker; call once every answer wanted is in. */
  close(): void;
}

/**
 * Starts hashing the jobs in a worker thread (src/worker/): the thread runs the compiled
 * hash-worker.js. Without a thread, or if it dies, the same jobs run on this thread: same results.
 * Both jobs run at once in the thread, interleaved at their reads.
 */
export function startBackground(jobs: readonly HashJob[], threads = true): Background {
  const t = startThread({
    name: BACKGROUND_THREAD,
    script: new URL('./hash-worker.js', import.meta.url),
    init: undefined,
    inline: setupBackground,
    threads,
    resourceLimits: COMPACT_THREAD_HEAP,
  });
  return {
    hashes: t.run({ type: 'hashes', jobs }) as Promise<HashResult[]>,
    checkLogRange: (job) => t.run({ type: 'log', job }) as Promise<RangeSummary>,
    untilRunning: async (timeoutMs) => void (await t.whenRunning(timeoutMs)),
    stats: () => t.stats(),
    close: () => void t.close(),
  };
}

/** Turns a job's read error into the AuditpackError the caller throws (the check cannot run). */
export function throwIfFailed(job: HashJob, r: HashResult): void {
  if (r.error === undefined) return;
  const e = Object.assign(new Error(r.error.message), { code: r.error.code });
  throw wrapFsError(e, 'read', job.path);
}
