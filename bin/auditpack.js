#!/usr/bin/env node
// Calls the CLI and sets the exit code; nothing else (docs/errors.md lists the codes).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
