#!/usr/bin/env node
// Calls the CLI and sets the exit code; nothing else (docs/errors.md lists the codes), apart from
// the garbage collector's settings for a process that is only the CLI (src/cli/heap.ts).
import { useCompactHeap } from '../dist/cli/heap.js';
import { main } from '../dist/cli/main.js';

useCompactHeap(process.env.NODE_OPTIONS, process.execArgv);
process.exitCode = await main(process.argv.slice(2));
