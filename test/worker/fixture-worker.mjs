// The thread side of the primitive's tests: the compiled primitive (dist/, built by the vitest
// global setup) serving fixture-jobs.mjs.
import { AuditpackError } from '../../dist/errors.js';
import { serveJobs } from '../../dist/worker/index.js';
import { setupFixture, useErrorClass } from './fixture-jobs.mjs';

useErrorClass(AuditpackError);
serveJobs(setupFixture);
