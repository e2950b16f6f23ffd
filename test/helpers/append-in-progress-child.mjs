// A writer caught in the middle of an append, for the export tests: it holds the log lock (as every
// writer does around its write), finishes the line it had begun after <holdMs>, and releases.
// usage: node append-in-progress-child.mjs <logDir> <dayFile> <restHex> <holdMs>
// Prints "locked" once it holds the lock; exits 0 after releasing it.
import { appendFileSync, closeSync, constants as fsc, openSync } from 'node:fs';
import { join } from 'node:path';
import { loadFileLock } from '../../dist/logger/lock.js';

const [dir, dayFile, restHex, holdRaw] = process.argv.slice(2);
const lock = loadFileLock();
const fd = openSync(join(dir, '.audit.lock'), fsc.O_RDWR | fsc.O_CREAT, 0o600);
lock.lock(fd);
process.stdout.write('locked\n');
await new Promise((r) => setTimeout(r, Number(holdRaw)));
appendFileSync(join(dir, dayFile), Buffer.from(restHex, 'hex'));
lock.unlock(fd);
closeSync(fd);
