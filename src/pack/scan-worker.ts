/**
 * The export scan's worker thread: processes batches of lines (scan-jobs.ts) on the second core
 * while the reading thread reads, hashes, copies and processes batches of its own. Its heap is
 * collected in full every so many batches (worker/full-gc.ts): a pass of many batches otherwise
 * grew it with the day.
 */
import { serveJobs, withFullGc } from '../worker/index.js';
import { setupScan } from './scan-jobs.js';

serveJobs((init: Parameters<typeof setupScan>[0]) => withFullGc(setupScan(init)));
