/**
 * What crosses between a caller and its worker thread (src/worker/thread.ts and serve.ts). Internal:
 * both sides are always the same build.
 */

/** The code a worker thread runs for each job; the same code runs on the caller's thread inline. */
export interface JobHandler<J, R> {
  /** Does one job. A thrown AuditpackError reaches the caller with its code; anything else as INTERNAL. */
  run(job: J): R | Promise<R>;
  /** Buffers of a result to move to the caller rather than copy (they become unusable here). */
  transfer?(result: R): ArrayBuffer[];
}

/** Makes a thread's handler from its start-up data (called once per thread, or once inline). */
export type SetupJobs<I, J, R> = (init: I) => JobHandler<J, R>;

/** workerData of every thread started by startThread. */
export interface ThreadData<I> {
  readonly init: I;
  /** Int32 ×1: set to 1 by the thread once its handler is ready (Atomics.notify'd). */
  readonly running: SharedArrayBuffer;
}

/** A job sent to the thread. */
export interface JobMessage<J> {
  readonly id: number;
  readonly job: J;
}

/** An error as it crosses the thread boundary. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** False when the error was not an AuditpackError (the caller sees INTERNAL). */
  readonly typed: boolean;
}

/** The thread's answer to one job. */
export type AnswerMessage<R> =
  | { readonly id: number; readonly ok: true; readonly result: R; readonly threadId: number }
  | { readonly id: number; readonly ok: false; readonly error: WireError; readonly threadId: number };

/**
 * The buffers of `views` that can be moved to the other thread: each view's own ArrayBuffer, once,
 * when the view covers all of it and it is not empty. A view into a larger buffer (a Node Buffer of
 * the shared pool, a subarray) or a buffer already moved away is left out: it is copied instead.
 * Node.js 22 and later refuse the whole message when the list holds a pool buffer or a detached one
 * ("Cannot transfer object of unsupported type"); Node.js 20 moved them silently.
 */
export function movableBuffers(views: readonly ArrayBufferView[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const v of views) {
    const b = v.buffer;
    if (!(b instanceof ArrayBuffer) || b.byteLength === 0 || v.byteOffset !== 0) continue;
    if (v.byteLength !== b.byteLength || out.includes(b)) continue;
    out.push(b);
  }
  return out;
}
