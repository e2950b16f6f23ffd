/**
 * The verifier's second thread (hash-jobs.ts): hashes the files it is given and checks a log range
 * when asked (log-range.ts). Both run at once, interleaved at their reads.
 */
import { serveJobs } from '../worker/index.js';
import { setupBackground } from './hash-jobs.js';

serveJobs(setupBackground);
