/**
 * The export scan's worker thread: processes batches of lines (scan-jobs.ts) on the second core
 * while the reading thread reads, hashes, copies and processes batches of its own.
 */
import { serveJobs } from '../worker/index.js';
import { setupScan } from './scan-jobs.js';

serveJobs(setupScan);
