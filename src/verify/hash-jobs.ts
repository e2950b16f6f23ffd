/**
 * Work off the main thread, for speed: while the main thread checks the first part of
 * the log's chain line by line (and hashes the whole log in the same reads), a worker thread streams
 * the other payload files (hashing them and counting CSV rows) and checks the rest of the log
 * (log-range.ts). The machine has two cores; this is how `verify` keeps up with `sha256sum -c` while
 * doing far more.
 *
 * The worker runs the compiled hash-worker.js next to this file. Where that file does not exist
 * (running from TypeScript sources, as the unit tests do) the same jobs run inline: same results.
 */
import { createHash } from 'node:crypto';
import { constants as fsc, existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { wrapFsError } from '../errors.js';
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
export async function hashOne(job: HashJob): Promise<HashResult> {
  let fh;
  try {
    fh = await open(job.path, fsc.O_RDONLY | fsc.O_NOFOLLOW);
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
    const size = await readAhead(fh, 0, (chunk) => {
      h.update(chunk);
      counter?.write(chunk);
    });
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

/**
 * Feeds `use` the file's bytes from `offset` to its end, chunk by chunk, reading the next chunk (in
 * libuv's thread pool) while `use` works on this one. Returns the offset of the end.
 */
export async function readAhead(fh: FileHandle, offset: number, use: (chunk: Buffer) => void): Promise<number> {
  let buf = Buffer.allocUnsafe(CHUNK);
  let spare = Buffer.allocUnsafe(CHUNK);
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

/** Runs jobs one after the other in this thread. */
export async function hashInline(jobs: readonly HashJob[]): Promise<HashResult[]> {
  const out: HashResult[] = [];
  for (const j of jobs) out.push(await hashOne(j));
  return out;
}

const WORKER_URL = new URL('./hash-worker.js', import.meta.url);
const workerAvailable = WORKER_URL.protocol === 'file:' && existsSync(fileURLToPath(WORKER_URL));

/** Work handed to a second thread: file hashes now, a log range when asked. */
export interface Background {
  /** The hash results, in job order. */
  readonly hashes: Promise<HashResult[]>;
  /** Checks the lines of a log from a line start to its end (log-range.ts); at most once. */
  checkLogRange(job: LogRangeJob): Promise<RangeSummary>;
  /** Ends the worker; call once every answer wanted is in. */
  close(): void;
}

/** Messages from hash-worker.ts. */
export type WorkerAnswer =
  | { readonly type: 'hashes'; readonly results: HashResult[] }
  | { readonly type: 'log'; readonly result: RangeSummary };

/**
 * Starts hashing the jobs in a worker thread when the compiled worker exists, else in this thread
 * (same results). If the worker fails, the hashes are computed here and a log range is answered
 * as not clean (so the caller checks it itself).
 */
export function startBackground(jobs: readonly HashJob[]): Background {
  if (!workerAvailable) {
    return { hashes: hashInline(jobs), checkLogRange: (job) => checkLogRange(job), close: () => undefined };
  }
  const w = new Worker(WORKER_URL, { workerData: { jobs } });
  let resolveHashes!: (r: HashResult[]) => void;
  let resolveLog: ((r: RangeSummary) => void) | undefined;
  let hashesIn = false;
  const hashes = new Promise<HashResult[]>((resolve) => {
    resolveHashes = resolve;
  });
  w.on('message', (m: WorkerAnswer) => {
    if (m.type === 'hashes') {
      hashesIn = true;
      resolveHashes(m.results);
    } else resolveLog?.(m.result);
  });
  const failed = (): void => {
    if (!hashesIn) {
      hashesIn = true;
      void hashInline(jobs).then(resolveHashes);
    }
    resolveLog?.({ clean: false });
  };
  w.once('error', failed);
  w.once('exit', failed);
  return {
    hashes,
    checkLogRange: (job) =>
      new Promise((resolve) => {
        resolveLog = resolve;
        w.postMessage({ type: 'log', job });
      }),
    close: () => {
      w.removeAllListeners('exit');
      void w.terminate();
    },
  };
}

/** Turns a job's read error into the AuditpackError the caller throws (the check cannot run). */
export function throwIfFailed(job: HashJob, r: HashResult): void {
  if (r.error === undefined) return;
  const e = Object.assign(new Error(r.error.message), { code: r.error.code });
  throw wrapFsError(e, 'read', job.path);
}
