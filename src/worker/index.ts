export { type WorkerActivity, workerActivity } from './activity.js';
export { type JobHandler, movableBuffers, type SetupJobs } from './protocol.js';
export { FULL_GC_EVERY_JOBS, fullGc, withFullGc } from './full-gc.js';
export { findWorkerScript, type ScriptLookup } from './script.js';
export { serveJobs } from './serve.js';
export {
  asAuditpackError,
  COMPACT_THREAD_HEAP,
  JobThread,
  startThread,
  type ThreadOptions,
  type ThreadStats,
  THREAD_START_WAIT_MS,
  THREADS_FROM_BYTES,
  WAIT_FOR_THREAD_FROM_BYTES,
} from './thread.js';
