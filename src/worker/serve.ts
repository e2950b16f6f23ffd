/**
 * The thread side of the worker primitive: a worker module is one line,
 * `serveJobs(setupSomething)`. It builds the handler from the start-up data, says it runs (shared
 * flag: the caller may block on it while it cannot receive messages), then answers each job with
 * its result or its error. Jobs start in arrival order; an async handler may overlap the next job,
 * and the caller re-orders answers (thread.ts).
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { AuditpackError } from '../errors.js';
import type { AnswerMessage, JobMessage, SetupJobs, ThreadData, WireError } from './protocol.js';

/** An error as it crosses to the caller: AuditpackErrors keep code and details. */
export function toWireError(err: unknown): WireError {
  if (err instanceof AuditpackError)
    return { code: err.code, message: err.message, stack: err.stack, details: err.details, typed: true };
  const e = err instanceof Error ? err : new Error(String(err));
  return { code: 'INTERNAL', message: e.message, stack: e.stack, details: undefined, typed: false };
}

/** Runs as a worker thread: answers the jobs the caller posts (see startThread). */
export function serveJobs<I, J, R>(setup: SetupJobs<I, J, R>): void {
  const port = parentPort;
  if (port === null) throw new Error('serveJobs must run in a worker thread');
  const data = workerData as ThreadData<I>;
  const handler = setup(data.init);
  const running = new Int32Array(data.running);
  Atomics.store(running, 0, 1);
  Atomics.notify(running, 0);
  const fail = (id: number, err: unknown): void => {
    const error = toWireError(err);
    try {
      port.postMessage({ id, ok: false, error, threadId } satisfies AnswerMessage<R>);
    } catch {
      // details that cannot be cloned: the code and message still go
      port.postMessage({ id, ok: false, error: { ...error, details: undefined }, threadId } satisfies AnswerMessage<R>);
    }
  };
  const answer = (id: number, result: R): void => {
    try {
      const transfer = handler.transfer?.(result) ?? [];
      port.postMessage({ id, ok: true, result, threadId } satisfies AnswerMessage<R>, transfer);
    } catch (err) {
      fail(id, err);
    }
  };
  port.on('message', (m: JobMessage<J>) => {
    let out: R | Promise<R>;
    try {
      out = handler.run(m.job);
    } catch (err) {
      fail(m.id, err);
      return;
    }
    if (out instanceof Promise)
      out.then(
        (r) => answer(m.id, r),
        (err: unknown) => fail(m.id, err),
      );
    else answer(m.id, out);
  });
}
