/**
 * What a full snapshot counts its changes from: the whole config in force before it, not the
 * previous record alone (at42). After a narrow snapshot (`--configs`), the previous record holds the
 * files that snapshot named only; counted from it, a full snapshot called every other file "added"
 * and left out of `removed` a file renamed since the last full snapshot. The records are walked back
 * from the previous one along `previous_snapshot_id`, each read by id and vouched by its own
 * ConfigSnapshot event (id and record hash, as the previous record is), newest first: a file takes
 * the entry of the newest record holding it, and the walk stops at the first record whose event
 * says it covered the whole config (`full: true`, or an event of an earlier version without
 * `full`: read as the whole config, as before).
 */
import { createHash } from 'node:crypto';
import type { HeldConfig } from '../format/config-in-force.js';
import type { ConfigEventIndex } from './config-events.js';
import { dayOfSnapshotId } from './config-event-lines.js';
import { readChained } from './record-chained.js';
import { parseRecord, recordPath } from './store.js';
import type { ConfigSnapshot, SnapshotFileEntry } from './types.js';

/** Records walked back at most (then the files gathered so far are the state: the rest count as added, as before). */
export const MAX_RECORDS_WALKED = 64;

/**
 * The previous record with the files of the older records in force under it (a narrow previous
 * record only): `previous` itself when its event says it covered the whole config, or when the walk
 * cannot go on (an older record missing, not vouched, or past MAX_RECORDS_WALKED).
 */
export async function wholeConfigBefore(
  snapshotDir: string,
  index: ConfigEventIndex,
  previous: { id: string; record: ConfigSnapshot; sha256: string },
): Promise<ConfigSnapshot> {
  const files: Record<string, SnapshotFileEntry> = Object.create(null);
  let at: { id: string; record: ConfigSnapshot; sha256: string } | undefined = previous;
  for (let n = 0; at !== undefined && n < MAX_RECORDS_WALKED; n++) {
    for (const [p, e] of Object.entries(at.record.files)) if (!Object.hasOwn(files, p)) files[p] = e;
    if (await coversWhole(index, at.id, at.sha256)) break;
    const older: string | null | undefined = at.record.previous_snapshot_id;
    at = typeof older === 'string' ? await vouched(snapshotDir, index, older) : undefined;
  }
  if (Object.keys(files).length === Object.keys(previous.record.files).length) return previous.record;
  return { ...previous.record, files };
}

/**
 * What a narrow snapshot (`--configs`) counts its changes from: the whole config in force, over the
 * files it looked at only (`looked`: the recorded paths it scanned). So it records `added` and
 * `changed` for what it read, and no `removed`: a narrow record cannot say a file is gone (the walk
 * above would take the file back from an older record, and every later snapshot would call it
 * removed again), so removals are a full snapshot's to record (at48 F4). Counted from the whole
 * previous record, `--configs r.yaml` after a full snapshot said every other file was removed (fx44b).
 */
export function narrowConfigBefore(before: ConfigSnapshot, looked: ReadonlySet<string>): ConfigSnapshot {
  const files: Record<string, SnapshotFileEntry> = Object.create(null);
  for (const [p, e] of Object.entries(before.files)) if (looked.has(p)) files[p] = e;
  return { ...before, files };
}

/** Whether the event recording `id` with `sha256` says the snapshot covered the whole config; true when not found. */
async function coversWhole(index: ConfigEventIndex, id: string, sha256: string): Promise<boolean> {
  const day = dayOfSnapshotId(id);
  if (day === undefined) return true;
  for (const d of [day, day + 1]) {
    const ev = (await index.eventsOf(d))?.find((e: HeldConfig) => e.snapshot_id === id && e.record_sha256 === sha256);
    if (ev !== undefined) return ev.full !== false;
  }
  return true;
}

async function vouched(
  snapshotDir: string,
  index: ConfigEventIndex,
  id: string,
): Promise<{ id: string; record: ConfigSnapshot; sha256: string } | undefined> {
  const got = await readChained(snapshotDir, index, id).catch(() => undefined);
  if (got === undefined || got.chained === false) return undefined;
  try {
    const record = parseRecord(got.bytes.toString('utf8'), id, recordPath(snapshotDir, id));
    return { id, record, sha256: createHash('sha256').update(got.bytes).digest('hex') };
  } catch {
    return undefined;
  }
}
