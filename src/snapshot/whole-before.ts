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

/**
 * Records walked back at most for the whole config (then the files gathered so far are the state:
 * the rest count as added, as before). A narrow snapshot walks on past it for the files it looked at
 * (`WholeBefore.walkOn`; at48 F6).
 */
export const MAX_RECORDS_WALKED = 64;

type Vouched = { id: string; record: ConfigSnapshot; sha256: string };

/** The whole config before a snapshot, and how to walk on past MAX_RECORDS_WALKED when the walk was cut there. */
export interface WholeBefore {
  readonly record: ConfigSnapshot;
  /**
   * Given when the walk stopped at MAX_RECORDS_WALKED: the same record, the walk gone on (each
   * record vouched by its event, as above) until every path of `paths` is held, or to the last full
   * record or the first one that cannot be vouched: bounded by the chain, not by a count.
   */
  readonly walkOn?: (paths: ReadonlySet<string>) => Promise<ConfigSnapshot>;
}

/**
 * The previous record with the files of the older records in force under it (a narrow previous
 * record only): `previous` itself when its event says it covered the whole config, or when the walk
 * cannot go on (an older record missing or not vouched); the files gathered so far past
 * MAX_RECORDS_WALKED (with `walkOn`).
 */
export async function wholeConfigBefore(
  snapshotDir: string,
  index: ConfigEventIndex,
  previous: Vouched,
): Promise<WholeBefore> {
  const files: Record<string, SnapshotFileEntry> = Object.create(null);
  const seen = new Set<string>();
  const cut = await walkBack(snapshotDir, index, files, previous, seen, MAX_RECORDS_WALKED);
  const record =
    Object.keys(files).length === Object.keys(previous.record.files).length
      ? previous.record
      : { ...previous.record, files };
  if (cut === undefined) return { record };
  return {
    record,
    walkOn: async (paths) => {
      const more: Record<string, SnapshotFileEntry> = Object.assign(Object.create(null), files);
      await walkBack(snapshotDir, index, more, cut, new Set(seen), Number.POSITIVE_INFINITY, paths);
      return { ...previous.record, files: more };
    },
  };
}

/**
 * Walks back from `at` along `previous_snapshot_id`, each record vouched by its event: a file takes
 * the entry of the newest record holding it. Stops at a record whose event says it covered the whole
 * config, at one that cannot be read or vouched, at an id met before, or once `until` is all held;
 * returns the next record when `limit` records were walked (undefined otherwise).
 */
async function walkBack(
  snapshotDir: string,
  index: ConfigEventIndex,
  files: Record<string, SnapshotFileEntry>,
  from: Vouched,
  seen: Set<string>,
  limit: number,
  until?: ReadonlySet<string>,
): Promise<Vouched | undefined> {
  let at: Vouched | undefined = from;
  for (let n = 0; at !== undefined; n++) {
    if (n >= limit) return at;
    if (seen.has(at.id)) return undefined;
    seen.add(at.id);
    for (const [p, e] of Object.entries(at.record.files)) if (!Object.hasOwn(files, p)) files[p] = e;
    if (until !== undefined && [...until].every((p) => Object.hasOwn(files, p))) return undefined;
    if (await coversWhole(index, at.id, at.sha256)) return undefined;
    const older: string | null | undefined = at.record.previous_snapshot_id;
    at = typeof older === 'string' ? await vouched(snapshotDir, index, older) : undefined;
  }
  return undefined;
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

async function vouched(snapshotDir: string, index: ConfigEventIndex, id: string): Promise<Vouched | undefined> {
  const got = await readChained(snapshotDir, index, id).catch(() => undefined);
  if (got === undefined || got.chained === false) return undefined;
  try {
    const record = parseRecord(got.bytes.toString('utf8'), id, recordPath(snapshotDir, id));
    return { id, record, sha256: createHash('sha256').update(got.bytes).digest('hex') };
  } catch {
    return undefined;
  }
}
