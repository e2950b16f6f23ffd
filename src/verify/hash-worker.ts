/**
 * The worker thread of hash-jobs.ts: hashes the files it is given and posts the results back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { hashInline, type HashJob } from './hash-jobs.js';

const { jobs } = workerData as { jobs: HashJob[] };
parentPort?.postMessage(await hashInline(jobs));
