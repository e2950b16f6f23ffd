#!/usr/bin/env node
// Calls the CLI and sets the exit code; nothing else (docs/errors.md lists the codes), apart from
// the garbage collector's settings for a process that is only the CLI (src/cli/heap.ts).
import { useCompactHeap } from '../dist/cli/heap.js';
import { main } from '../dist/cli/main.js';

useCompactHeap(process.env.NODE_OPTIONS, process.execArgv);
// The process stays until main has settled. Worker threads are unref'd while they hold no job, and
// on a loaded machine a moment came (about 1 run in 30 of a failing export under load, Node.js 26)
// when nothing else held the event loop while main still awaited: Node.js then ended the process
// with exit 13 ("unsettled top-level await") instead of the command's own code.
const alive = setInterval(() => {}, 2 ** 30);
try {
  process.exitCode = await main(process.argv.slice(2));
} finally {
  clearInterval(alive);
}
