/**
 * Whether a stored snapshot record is vouched for by a `config` / `ConfigSnapshot` event in the
 * log: the pack marks a diff counted from one that is not (docs/FORMAT.md, "The audit event").
 * Nothing here writes: a record the chain does not hold (a killed snapshot, a full log disk, or a
 * record planted in the store) stays unchained and is shown as such, never chained late.
 */
import { readRegular } from '../fsx/regular.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';
import { ConfigEventIndex } from './config-events.js';
import { recordPath, sha256Hex, timestampOfId } from './store.js';

/**
 * Whether a ConfigSnapshot event with this id and record hash, written by the snapshot itself, is
 * in the chain: looked for in the day file of the snapshot's day and of the day after (a snapshot
 * of 23:59 logged after midnight), a file removed by retention read from its vouched copy in a
 * pack (ConfigEventIndex). An event marked `recovered` (chained late by another snapshot, as a
 * writer between 1a07461 and fx21a did) vouches for nothing: that writer did not write the record.
 * 'unknown' when one of those files is gone and nothing left can say what it held: never
 * "recorded" for a caller choosing the config of record.
 */
export async function chainedIn(
  logDir: string | ConfigEventIndex,
  id: string,
  sha256: string,
): Promise<boolean | 'unknown'> {
  const day = dayNumberOfIsoDate(timestampOfId(id).slice(0, 10));
  if (day === undefined) return false;
  const index = typeof logDir === 'string' ? new ConfigEventIndex({ logDir }) : logDir;
  return index.chained(day, id, sha256);
}

/**
 * Whether snapshot `id`'s stored record is vouched for by a ConfigSnapshot event in the chain (as
 * chainedIn). Pass one ConfigEventIndex for many records: each day file is then read once.
 */
export async function recordChained(
  snapshotDir: string,
  logDir: string | ConfigEventIndex,
  id: string,
): Promise<boolean | 'unknown'> {
  let sha: string;
  try {
    sha = sha256Hex(await readRegular(recordPath(snapshotDir, id)));
  } catch {
    return false;
  }
  return chainedIn(logDir, id, sha);
}
