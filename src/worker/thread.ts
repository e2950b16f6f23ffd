/**
 * The one way auditpack puts work on a second thread (the logger's writer, the export's scan, the
 * verifier's hashing). What every user gets:
 * - the compiled worker module, from dist/ or next to the caller (script.ts): never a TypeScript loader;
 * - results in submission order: a job's promise settles only after every earlier job's has, whether
 *   the thread or this thread ran it;
 * - errors typed: an AuditpackError thrown in the thread arrives with its code and details, anything
 *   else as INTERNAL with the thread's stack as cause;
 * - a fallback, never a loss: when threads are off, the module is missing, or the thread fails to
 *   start or dies, jobs run on this thread with the same handler (or, for a caller that keeps its own
 *   fallback, are rejected with WORKER_FAILED); the reason is in stats(), workerActivity() and
 *   NODE_DEBUG=auditpack;
 * - no hanging process: the thread is unref'd whenever it holds no job;
 * - no early exit: while close() waits for the thread to end, the thread holds the process.
 */
import { debuglog } from 'node:util';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { AuditpackError, type AuditpackErrorCode } from '../errors.js';
import { noteActivity } from './activity.js';
import { reassertHeapFlags } from './heap-flags.js';
import type { AnswerMessage, JobHandler, JobMessage, SetupJobs, ThreadData, WireError } from './protocol.js';
import { findWorkerScript } from './script.js';

const debug = debuglog('auditpack');

/** How to start a thread. */
export interface ThreadOptions<I, J, R> {
  /** Names the thread in errors, stats and debug output ("export scan"). */
  readonly name: string;
  /** The compiled worker module: `new URL('./x-worker.js', import.meta.url)`; it calls serveJobs. */
  readonly script: URL;
  /** Start-up data (structured-cloned; SharedArrayBuffers are shared). */
  readonly init: I;
  /** The handler the worker module serves, run on this thread when jobs run here. */
  readonly inline?: SetupJobs<I, J, R>;
  /** false: no thread, every job runs here (default true). */
  readonly threads?: boolean;
  /**
   * When the thread dies with jobs unanswered: re-run them here in order ('inline', the default
   * with an inline handler), or reject them with WORKER_FAILED ('reject': the caller knows what a
   * half-done job left behind).
   */
  readonly onCrash?: 'inline' | 'reject';
  /**
   * The thread's V8 heap limits. Only cap the young generation (COMPACT_THREAD_HEAP): a capped old
   * generation makes the thread die of ERR_WORKER_OUT_OF_MEMORY on a large job.
   */
  readonly resourceLimits?: ResourceLimits;
  /**
   * A thread that has not run its handler this long after it was started is given up as one that
   * failed to start (its jobs re-run here, or are rejected): a thread that came up and never ran
   * (a module load that never ends) otherwise held its jobs for good. Default START_LIMIT_MS.
   */
  readonly startLimitMs?: number;
}

/** How long a thread may take to run its handler before it is given up (a loaded machine took 2-10 s). */
export const START_LIMIT_MS = 30_000;

/**
 * Heap limits for a thread that works through bounded batches (the export's scan, verify's
 * hashing): a young generation of 6 MB (2 MB semi-spaces) instead of V8's default of up to 48 MB.
 * The batches' garbage is short-lived and the thread's live data is small, so the larger young
 * generation only added to the process's peak RSS (docs/PERFORMANCE.md, "Peak RSS").
 */
export const COMPACT_THREAD_HEAP: ResourceLimits = Object.freeze({ maxYoungGenerationSizeMb: 6 });

/** How long a caller waits at most for its thread to run (JobThread.whenRunning). */
export const THREAD_START_WAIT_MS = 5_000;
/**
 * Input smaller than this is worked through on the calling thread: starting a thread (its modules
 * loaded, its heap made) costs about 0.15 s of CPU and tens of ms, more than the second core saves
 * on a few MB; and its heap, once made, lets the caller's young generation grow until the caller
 * hears the thread is online (heap-flags.ts), which a caller busy for seconds after a small input
 * (the end of a day carried from 500,000 open orders) hears only then: its young generation had
 * grown to V8's 2 × 16 MB.
 */
export const THREADS_FROM_BYTES = 8 * 1024 * 1024;

/**
 * Input from this size on is worth waiting for the thread before the work starts: while a thread
 * makes its heap, V8 lets the caller's young generation grow (heap-flags.ts), and on a large
 * input the caller allocates enough in that window for it to double and stay so. A smaller input's
 * young generation grows little, and the thread's start-up (~0.15 s) is then worth overlapping.
 */
export const WAIT_FOR_THREAD_FROM_BYTES = 32 * 1024 * 1024;

/** Where a JobThread's jobs run and why. */
export interface ThreadStats {
  readonly name: string;
  /** 'thread' while a thread takes jobs; 'inline' once jobs run on the caller's thread. */
  readonly mode: 'thread' | 'inline';
  /** Why jobs run inline (threads off, module missing, failed to start, stopped, closed). */
  readonly reason: string | undefined;
  /** The worker's threadId, once it answered. */
  readonly threadId: number | undefined;
  readonly threadJobs: number;
  readonly inlineJobs: number;
}

type Outcome<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: AuditpackError };

interface Pending<R> {
  readonly id: number;
  readonly job: unknown;
  where: 'thread' | 'here';
  outcome: Outcome<R> | undefined;
  resolve(r: R): void;
  reject(e: AuditpackError): void;
}

/** Atomics.waitAsync (ES2024; every Node.js this runs on has it), which the compiler's lib predates. */
interface AtomicsWaitAsync {
  waitAsync(
    a: Int32Array,
    index: number,
    value: number,
    timeoutMs: number,
  ): { async: false; value: string } | { async: true; value: Promise<string> };
}

/** Any thrown value as an AuditpackError (INTERNAL unless it already is one). */
export function asAuditpackError(err: unknown, context: string): AuditpackError {
  if (err instanceof AuditpackError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AuditpackError('INTERNAL', `${context}: ${message}`, { cause: err });
}

function fromWire(e: WireError, name: string): AuditpackError {
  const cause = e.stack === undefined ? undefined : Object.assign(new Error(e.message), { stack: e.stack });
  if (!e.typed) return new AuditpackError('INTERNAL', `${name} thread: ${e.message}`, { cause });
  return new AuditpackError(e.code as AuditpackErrorCode, e.message, { cause, details: e.details });
}

/** A worker thread taking jobs, with ordered results and an inline fallback. See the file comment. */
export class JobThread<I, J, R> {
  private worker: Worker | undefined;
  private here: JobHandler<J, R> | undefined;
  /** Jobs from `head` on are unsettled or wait for an earlier one; slots before `head` are emptied. */
  private queue: (Pending<R> | undefined)[] = [];
  private head = 0;
  private readonly byId = new Map<number, Pending<R>>();
  private readonly running = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  private onThread = 0;
  private reason: string | undefined;
  private threadId: number | undefined;
  private threadJobs = 0;
  private inlineJobs = 0;
  private closed = false;
  private heapMade = false;

  constructor(private readonly options: ThreadOptions<I, J, R>) {
    this.start();
  }

  /** 'thread' while jobs go to the thread. */
  get mode(): 'thread' | 'inline' {
    return this.worker === undefined ? 'inline' : 'thread';
  }

  /** Jobs handed to the thread and not answered yet. */
  get jobsInThread(): number {
    return this.onThread;
  }

  stats(): ThreadStats {
    return {
      name: this.options.name,
      mode: this.mode,
      reason: this.reason,
      threadId: this.threadId,
      threadJobs: this.threadJobs,
      inlineJobs: this.inlineJobs,
    };
  }

  /** Runs a job in the thread (or here, once jobs run here). `transfer`: buffers of the job to move. */
  run(job: J, transfer: ArrayBuffer[] = []): Promise<R> {
    const worker = this.worker;
    if (worker === undefined) return this.runHere(job);
    const p = this.enqueue(job, 'thread');
    if (++this.onThread === 1) worker.ref(); // while it holds a job, the thread keeps the process alive
    try {
      worker.postMessage({ id: p.id, job } satisfies JobMessage<J>, transfer);
    } catch (err) {
      // A job that cannot be cloned is a bug of the caller: say so, do not run it elsewhere.
      this.answered();
      p.outcome = { ok: false, error: asAuditpackError(err, `${this.options.name}: job not sent`) };
      this.settle();
    }
    return p.promise;
  }

  /** Runs a job on this thread now; its result still settles in submission order. */
  runHere(job: J): Promise<R> {
    const p = this.enqueue(job, 'here');
    this.execHere(p);
    return p.promise;
  }

  /**
   * Blocks until the thread runs its handler (at most `timeoutMs`). A caller about to block on shared
   * memory must not wait on a thread that never started: while blocked it cannot hear that it failed.
   */
  waitUntilRunning(timeoutMs: number): boolean {
    if (this.worker === undefined) return false;
    if (Atomics.load(this.running, 0) !== 1) Atomics.wait(this.running, 0, 0, timeoutMs);
    const running = Atomics.load(this.running, 0) === 1;
    if (running) this.threadHeapMade();
    return running;
  }

  /**
   * waitUntilRunning without blocking this thread: resolves true once the thread runs its handler,
   * false once it is lost (it ended or failed before it ran: blocked, a caller could not hear of
   * that and sat the whole timeout out) or after `timeoutMs`.
   */
  async whenRunning(timeoutMs: number): Promise<boolean> {
    if (this.worker === undefined) return false;
    if (Atomics.load(this.running, 0) !== 1) {
      const w = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.running, 0, 0, timeoutMs);
      // A pending waitAsync does not hold the event loop: a timer does, for as long as the wait.
      const hold = setTimeout(() => undefined, timeoutMs);
      if (w.async) await w.value;
      clearTimeout(hold);
    }
    const running = this.worker !== undefined && Atomics.load(this.running, 0) === 1;
    if (running) this.threadHeapMade();
    return running;
  }

  /** Ends the thread. Jobs it has not answered are rejected (WORKER_FAILED); jobs here finish. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const w = this.worker;
    if (w === undefined) return;
    this.giveUp(undefined, new AuditpackError('WORKER_FAILED', `${this.options.name}: closed before it answered`));
    await w.terminate();
  }

  private start(): void {
    const { name, threads, script, init, resourceLimits } = this.options;
    if (threads === false) return this.fallBack('threads turned off');
    const found = findWorkerScript(script);
    if ('missing' in found) return this.fallBack(found.missing);
    const workerData: ThreadData<I> = { init, running: this.running.buffer as SharedArrayBuffer };
    let w: Worker;
    try {
      // execArgv: [] — the thread must not inherit the app's flags (`--input-type` alone stops it).
      w = new Worker(found.url, { workerData, execArgv: [], name, resourceLimits });
    } catch (err) {
      return this.fallBack(`cannot start a thread: ${(err as Error).message}`);
    }
    noteActivity(name, { started: true });
    this.worker = w;
    w.once('online', () => this.threadHeapMade());
    // Unref'd: a thread holding jobs holds the process, so the limit is heard whenever it matters.
    setTimeout(() => {
      if (this.worker === w && Atomics.load(this.running, 0) !== 1)
        this.lost(`it did not run within ${(this.options.startLimitMs ?? START_LIMIT_MS) / 1000} s`, undefined);
    }, this.options.startLimitMs ?? START_LIMIT_MS).unref();
    w.on('message', (m: AnswerMessage<R>) => this.onAnswer(m));
    w.on('error', (err) => this.lost(err.message, err));
    w.on('exit', (code) => this.lost(`exited with code ${code}`, undefined));
    // After the 'message' listener, never before: Node.js refs the thread's message port when a
    // worker gets its first 'message' listener, which undid an unref() made before it (a thread never
    // given a job kept the process alive). Nothing else unrefs the thread once it is given up:
    // terminate() refs it until it has exited, which close() awaits (an 'online' handler that
    // unref'd it again let the process end in that wait, exit 13).
    w.unref();
  }

  private enqueue(job: unknown, where: 'thread' | 'here'): Pending<R> & { promise: Promise<R> } {
    let resolve!: (r: R) => void;
    let reject!: (e: AuditpackError) => void;
    const promise = new Promise<R>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A caller that stops listening (it failed first) must not turn this into an unhandled rejection.
    promise.catch(() => undefined);
    const p = { id: this.nextId++, job, where, outcome: undefined, resolve, reject, promise };
    this.queue.push(p);
    this.byId.set(p.id, p);
    return p;
  }

  private execHere(p: Pending<R>): void {
    this.inlineJobs++;
    noteActivity(this.options.name, { inlineJob: true });
    const done = (outcome: Outcome<R>): void => {
      p.outcome = outcome;
      this.settle();
    };
    const failed = (err: unknown): void => done({ ok: false, error: asAuditpackError(err, this.options.name) });
    try {
      this.here ??= this.makeHere();
      const out = this.here.run(p.job as J);
      if (out instanceof Promise) out.then((value) => done({ ok: true, value }), failed);
      else done({ ok: true, value: out });
    } catch (err) {
      failed(err);
    }
  }

  private makeHere(): JobHandler<J, R> {
    const setup = this.options.inline;
    if (setup === undefined)
      throw new AuditpackError(
        'WORKER_FAILED',
        `${this.options.name}: no thread (${this.reason}) and no inline handler`,
      );
    return setup(this.options.init);
  }

  private onAnswer(m: AnswerMessage<R>): void {
    const p = this.byId.get(m.id);
    if (p === undefined || p.where !== 'thread' || p.outcome !== undefined) return;
    this.threadId = m.threadId;
    this.threadHeapMade();
    this.threadJobs++;
    noteActivity(this.options.name, { threadJob: m.threadId });
    this.answered();
    p.outcome = m.ok ? { ok: true, value: m.result } : { ok: false, error: fromWire(m.error, this.options.name) };
    this.settle();
  }

  /**
   * The thread's heap exists (it is online, running or answered): making it reset the process's heap
   * flags, so the chosen ones are set again (heap-flags.ts). Once per thread, at the first sign, since
   * a busy caller may hear of the thread first from a blocking wait or an answer.
   */
  private threadHeapMade(): void {
    if (this.heapMade) return;
    this.heapMade = true;
    reassertHeapFlags();
  }

  private answered(): void {
    if (--this.onThread === 0) this.worker?.unref();
  }

  /** Settles finished jobs from the front, so results come out in submission order. */
  private settle(): void {
    const q = this.queue;
    while (this.head < q.length) {
      const p = q[this.head] as Pending<R>;
      if (p.outcome === undefined) break;
      // Emptied at once: a settled job's result (a batch's output bytes) must not live on until the
      // queue is next compacted, or up to a thousand results stay in memory.
      q[this.head] = undefined;
      this.head++;
      this.byId.delete(p.id);
      if (p.outcome.ok) p.resolve(p.outcome.value);
      else p.reject(p.outcome.error);
    }
    if (this.head > 1024 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
  }

  private fallBack(reason: string): void {
    this.reason = reason;
    noteActivity(this.options.name, { fallback: reason });
    debug('%s: jobs run on the calling thread (%s)', this.options.name, reason);
  }

  /** The thread failed to start or stopped: its unanswered jobs run here, or are rejected. */
  private lost(what: string, cause: Error | undefined): void {
    if (this.worker === undefined) return;
    const started = Atomics.load(this.running, 0) === 1;
    const reason = started ? `the thread stopped: ${what}` : `the thread failed to start: ${what}`;
    const error = new AuditpackError('WORKER_FAILED', `${this.options.name}: ${reason}`, {
      cause,
      details: { worker: this.options.name, started },
    });
    this.giveUp(reason, error);
  }

  /** `reason`: why the thread was lost (undefined: closed on purpose, not a fallback). */
  private giveUp(reason: string | undefined, error: AuditpackError): void {
    const w = this.worker as Worker;
    this.worker = undefined;
    this.onThread = 0;
    Atomics.notify(this.running, 0); // whenRunning's waiters: the thread will not run
    void w.terminate().catch(() => undefined);
    if (reason === undefined) this.reason = 'closed';
    else this.fallBack(reason);
    const rerun = !this.closed && this.options.onCrash !== 'reject' && this.options.inline !== undefined;
    // Collected first: re-running a job here settles (and empties) queue slots while we go.
    const lost: Pending<R>[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const p = this.queue[i];
      if (p !== undefined && p.where === 'thread' && p.outcome === undefined) lost.push(p);
    }
    for (const p of lost) {
      p.where = 'here';
      if (rerun) this.execHere(p);
      else p.outcome = { ok: false, error };
    }
    this.settle();
  }
}

/** Starts a thread for jobs (see JobThread); never throws: without a thread, jobs run here. */
export function startThread<I, J, R>(options: ThreadOptions<I, J, R>): JobThread<I, J, R> {
  return new JobThread(options);
}
