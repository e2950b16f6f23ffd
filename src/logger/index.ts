/**
 * The audit logger: createAuditLogger, its sinks, and the process-wide default logger.
 */
export { createAuditLogger, settleLog } from './logger.js';
export { FileSink, LOCK_FILE_NAME, type FileSinkOptions } from './file-sink.js';
export { loadFileLock, LOCK_ADDON, type AddonFailure, type FileLock } from './lock.js';
export { MemorySink } from './memory-sink.js';
export { systemClock, type MicrosClock } from './clock.js';
export { isoMicros, RESERVED_FIELDS } from '../format/log-line.js';
export { toSnakeCase } from './shapes.js';
export { LIMITS } from './walk.js';
export * from './types.js';
export * from './default.js';
export * from './trading.js';
