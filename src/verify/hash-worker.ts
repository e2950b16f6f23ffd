/**
 * The worker thread of hash-jobs.ts: hashes the files it is given and posts the results back; checks
 * a log range when asked (log-range.ts). Both run at once, interleaved at their reads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { hashInline, type HashJob, type WorkerAnswer } from './hash-jobs.js';
import { checkLogRange, type LogRangeJob } from './log-range.js';

const port = parentPort;
if (port !== null) {
  const post = (m: WorkerAnswer): void => port.postMessage(m);
  port.on('message', (m: { type: 'log'; job: LogRangeJob }) => {
    void checkLogRange(m.job).then((result) => post({ type: 'log', result }));
  });
  const { jobs } = workerData as { jobs: HashJob[] };
  post({ type: 'hashes', results: await hashInline(jobs) });
}
