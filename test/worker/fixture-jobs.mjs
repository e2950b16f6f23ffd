// Jobs for the worker primitive's tests (thread.test.ts): served in a thread by fixture-worker.mjs
// and run inline by the tests. Plain JavaScript, so the thread needs no build step of its own.
import { resourceLimits, threadId } from 'node:worker_threads';

let ErrorClass = Error;

/** The AuditpackError class of the side running the jobs (dist's in the thread, src's inline). */
export function useErrorClass(c) {
  ErrorClass = c;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function setupFixture(init) {
  if (init?.failSetupInThread && threadId !== 0) throw new Error('setup failed on purpose');
  return {
    async run(job) {
      switch (job.type) {
        case 'echo':
          if (job.delayMs) await sleep(job.delayMs);
          return { value: job.value, threadId };
        case 'typed':
          throw new ErrorClass(job.code, 'typed failure', { details: { n: 1 } });
        case 'plain':
          throw new TypeError('plain failure');
        case 'crash':
          // Only the thread dies; re-run here, the job succeeds.
          if (threadId !== 0) {
            await sleep(job.delayMs ?? 0);
            process.exit(7);
          }
          return { value: 'survived', threadId };
        case 'limits':
          // The heap limits this side runs with (empty on the main thread).
          return { value: { ...resourceLimits }, threadId };
        case 'hang':
          return new Promise(() => undefined);
        default:
          throw new Error(`unknown job ${job.type}`);
      }
    },
  };
}
