/**
 * The command registry. Each command file declares its options and action; heavy library code is
 * imported lazily inside the action, so `auditpack --help` stays fast.
 */
import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { defineAnchor } from './anchor.js';
import { defineCheck } from './check.js';
import { defineArchive } from './archive.js';
import { defineDemo } from './demo.js';
import { defineExport } from './export.js';
import { defineKeygen } from './keygen.js';
import { defineLog } from './log.js';
import { definePrune } from './prune.js';
import { defineSnapshot } from './snapshot.js';
import { defineVerify } from './verify.js';

/** A command definition: adds one command to the program. */
export type DefineCommand = (program: Command, io: CliIO) => void;

export const COMMANDS: readonly DefineCommand[] = [
  defineLog,
  defineSnapshot,
  defineExport,
  defineVerify,
  defineCheck,
  defineAnchor,
  definePrune,
  defineArchive,
  defineKeygen,
  defineDemo,
];
