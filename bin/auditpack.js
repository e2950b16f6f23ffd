#!/usr/bin/env node
// Calls the CLI and sets the exit code; nothing else (docs/errors.md lists the codes), apart from
// the garbage collector's settings for a process that is only the CLI (src/cli/heap.ts).
import { useCompactHeap } from '../dist/cli/heap.js';

useCompactHeap(process.env.NODE_OPTIONS, process.execArgv);
// The CLI's modules are loaded after the settings, not before: what their loading allocates grew
// the young generation to 8 MB before the settings could keep it at its first size.
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
