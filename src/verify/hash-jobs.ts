/**
 * Hashing a pack's files off the main thread (issue 5, "Performance"): while the main thread checks
 * the log's chain line by line, a worker thread streams the other payload files (hashing them and
 * counting CSV rows) and computes audit.jsonl's whole-file digest. The machine has two cores; this
 * is how `verify` keeps up with `sha256sum -c` while doing far more.
 *
 * The worker runs the compiled hash-worker.js next to this file. Where that file does not exist
 * (running from TypeScript sources, as the unit tests do) the same jobs run inline: same results.
 */
import { createHash } from 'node:crypto';
import { constants as fsc, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { wrapFsError } from '../errors.js';
import { CsvCounter, type CsvStats } from './csv-count.js';

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
    return { size: 0, sha256: '', csv: undefined, error: { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message } };
  }
  try {
    const h = createHash('sha256');
    const counter = job.csv ? new CsvCounter() : undefined;
    const buf = Buffer.allocUnsafe(CHUNK);
    let size = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, size);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      h.update(chunk);
      counter?.write(chunk);
      size += bytesRead;
    }
    return { size, sha256: h.digest('hex'), csv: counter?.finish(), error: undefined };
  } catch (err) {
    return { size: 0, sha256: '', csv: undefined, error: { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message } };
  } finally {
    await fh.close();
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

/** Runs the jobs in a worker thread when the compiled worker exists, else inline. */
export function hashInBackground(jobs: readonly HashJob[]): Promise<HashResult[]> {
  if (!workerAvailable || jobs.length === 0) return hashInline(jobs);
  return new Promise((resolve) => {
    let settled = false;
    const w = new Worker(WORKER_URL, { workerData: { jobs } });
    const fallback = (): void => {
      if (settled) return;
      settled = true;
      resolve(hashInline(jobs));
    };
    w.once('message', (results: HashResult[]) => {
      settled = true;
      resolve(results);
      void w.terminate();
    });
    w.once('error', fallback);
    w.once('exit', fallback);
  });
}

/** Turns a job's read error into the AuditpackError the caller throws (the check cannot run). */
export function throwIfFailed(job: HashJob, r: HashResult): void {
  if (r.error === undefined) return;
  const e = Object.assign(new Error(r.error.message), { code: r.error.code });
  throw wrapFsError(e, 'read', job.path);
}
