/**
 * The command registry. Each command file declares its options and action; heavy library code is
 * imported lazily inside the action, so `auditpack --help` stays fast.
 */
import type { Command } from 'commander';
import type { CliIO } from './io.js';
import { defineAnchor } from './commands/anchor.js';
import { defineCheck } from './commands/check.js';
import { defineArchive } from './commands/archive.js';
import { defineDemo } from './commands/demo.js';
import { defineExport } from './commands/export.js';
import { defineKeygen } from './commands/keygen.js';
import { defineLog } from './commands/log.js';
import { definePrune } from './commands/prune.js';
import { defineReview } from './commands/review.js';
import { defineSnapshot } from './commands/snapshot.js';
import { defineTail } from './commands/tail.js';
import { defineVerify } from './commands/verify.js';
import { defineRollup } from './commands/rollup.js';
import { defineProve } from './commands/prove.js';
import { defineVerifyProof } from './commands/verify-proof.js';

/** A command definition: adds one command to the program. */
export type DefineCommand = (program: Command, io: CliIO) => void;

export const COMMANDS: readonly DefineCommand[] = [
  defineLog,
  defineSnapshot,
  defineExport,
  defineVerify,
  defineTail,
  defineCheck,
  defineAnchor,
  definePrune,
  defineArchive,
  defineReview,
  defineKeygen,
  defineDemo,
  defineRollup,
  defineProve,
  defineVerifyProof,
];
