/**
 * What a prune carries forward on the LogPruned event of each log file it removes (docs/FORMAT.md,
 * "LogPruned"): the config in force at the file's end and the packs kept unverified then. Both walks
 * run over one read of each kept day file (the four marks at once), not one read per walk and mark.
 */
import type { HeldConfig } from '../format/config-in-force.js';
import type { KeptUnverified } from '../format/kept-unverified.js';
import { CONFIG_MARK, configsInForceOf } from './config-in-force.js';
import { KEPT_MARKS, keptUnverifiedOf } from './kept-unverified.js';
import { readKeptLogs } from './removals.js';

/** What each doomed file's LogPruned event carries (a file with none of either is absent from that map). */
export interface CarriedForward {
  /** The config in force at the file's end (configsInForce). */
  readonly inForce: ReadonlyMap<string, HeldConfig[]>;
  /** The packs kept unverified at the file's end (keptUnverified). */
  readonly kept: ReadonlyMap<string, KeptUnverified>;
}

/** configsInForce and keptUnverified of `doomed` (day files of `logDir`), each kept file read once. */
export async function carriedForward(logDir: string, doomed: readonly string[]): Promise<CarriedForward> {
  const logs = await readKeptLogs(logDir, doomed, [CONFIG_MARK, ...KEPT_MARKS]);
  if (logs === undefined) return { inForce: new Map(), kept: new Map() };
  return { inForce: configsInForceOf(logs, doomed), kept: keptUnverifiedOf(logs, doomed) };
}
