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
  return (await readChained(snapshotDir, logDir, id))?.chained ?? false;
}

/**
 * Snapshot `id`'s record read once, with whether the chain vouches for those bytes (recordChained);
 * undefined when it cannot be read. A caller that goes on to use the record parses these bytes
 * (parseRecord): a second read could be another record (the store is anyone's to write: at41 F1).
 */
export async function readChained(
  snapshotDir: string,
  logDir: string | ConfigEventIndex,
  id: string,
): Promise<{ bytes: Buffer; chained: boolean | 'unknown' } | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readRegular(recordPath(snapshotDir, id));
  } catch {
    return undefined;
  }
  return { bytes, chained: await chainedIn(logDir, id, sha256Hex(bytes)) };
}
