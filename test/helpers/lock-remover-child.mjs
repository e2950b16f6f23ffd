// Removes a logs directory's lock file over and over, as an operator or a cleanup cron might while
// writers run (docs/FORMAT.md, "Concurrency"). Used by test/logger/lock-removed.test.ts.
// usage: node lock-remover-child.mjs <lockPath>   runs until killed; prints "removed <n>" at each removal.
import { unlinkSync } from 'node:fs';

const [path] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));
let removed = 0;
process.stdout.write('ready\n');
for (;;) {
  try {
    unlinkSync(path);
    removed++;
    process.stdout.write(`removed ${removed}\n`);
  } catch {
    // not there (yet): a writer recreates it
  }
  // 0.2 ms between attempts: often enough to fall inside writers' appends, without starving them.
  Atomics.wait(pause, 0, 0, 0.2);
}
