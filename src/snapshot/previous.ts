/** Which stored record a new snapshot counts its changes from. */
import { createHash } from 'node:crypto';
import { ConfigEventIndex } from './config-events.js';
import { readChained } from './record-chained.js';
import { idTimePart, parseRecord, readRecord, recordPath } from './store.js';
import type { ConfigSnapshot } from './types.js';
import { type WholeBefore, wholeConfigBefore } from './whole-before.js';

/** A stored record dated later than now by more than this (clock skew between hosts) is never taken as the previous one. */
export const FUTURE_RECORD_SKEW_MICROS = 5 * 60 * 1_000_000;

/**
 * The newest stored record that is not dated in the future: a record dated later than now by more
 * than FUTURE_RECORD_SKEW_MICROS was not written by this clock's snapshots (a planted record, or a
 * host whose clock ran ahead). Taken as the previous one, it would stay the newest forever and
 * every later snapshot would count its changes from it; it is passed over, with a warning, and
 * stays a record no ConfigSnapshot counts from (verify and the pack show it as unchained).
 */
export function previousIdOf(
  ids: readonly string[],
  micros: number,
  onWarning: ((message: string) => void) | undefined,
): string | undefined {
  const limit = idTimePart(micros + FUTURE_RECORD_SKEW_MICROS);
  let i = ids.length - 1;
  while (i >= 0 && (ids[i] as string).slice(0, limit.length) > limit) i--;
  const future = ids.slice(i + 1);
  if (future.length > 0)
    onWarning?.(
      `${future.length} stored snapshot record(s) dated in the future (${future.slice(0, 3).join(', ')}${future.length > 3 ? ', …' : ''}) ` +
        'not taken as the previous snapshot: auditpack did not write them now (a record planted in the store, or a clock that ran ahead); check them',
    );
  return ids[i];
}

/** Unrecorded records passed over at most while looking for the previous one (then none is taken: every file counts as added). */
export const MAX_UNRECORDED_PASSED = 64;

/**
 * The previous record when the snapshot is logged: the newest one {@link previousIdOf} allows whose
 * own ConfigSnapshot event the log holds (or whose day's log was pruned: 'unknown'). The snapshot
 * store is writable by whoever can write a file there; only the chained log vouches for a record. A
 * record no event records (a snapshot killed before its event, or a record planted in the store,
 * dated in the past between two honest ones) is passed over, with a warning: counted from, it
 * would make this snapshot's chained `changed_files` leave out what it hides. Without a log dir
 * nothing can vouch, and the newest allowed record is taken as before. The record comes back parsed
 * from the bytes whose hash the chain vouched for, never from a second read (at41 F1). `before` is the
 * whole config in force after that record (wholeConfigBefore): what a new snapshot's changes are
 * counted from (a narrow one's only over what it looks at: narrowConfigBefore).
 */
export async function previousRecord(
  snapshotDir: string,
  logDir: string | undefined,
  ids: readonly string[],
  micros: number,
  onWarning: ((message: string) => void) | undefined,
): Promise<
  { id: string; record: ConfigSnapshot; before?: ConfigSnapshot; walkOn?: WholeBefore['walkOn'] } | undefined
> {
  const newest = previousIdOf(ids, micros, onWarning);
  if (newest === undefined) return undefined;
  if (logDir === undefined) return { id: newest, record: await readRecord(snapshotDir, newest) };
  const passed: string[] = [];
  let found:
    | { id: string; record: ConfigSnapshot; before?: ConfigSnapshot; walkOn?: WholeBefore['walkOn'] }
    | undefined;
  const index = new ConfigEventIndex({ logDir });
  for (let i = ids.lastIndexOf(newest); i >= 0 && passed.length < MAX_UNRECORDED_PASSED; i--) {
    const id = ids[i] as string;
    const got = await readChained(snapshotDir, index, id).catch(() => undefined);
    if (got !== undefined && got.chained !== false) {
      const record = parseRecord(got.bytes.toString('utf8'), id, recordPath(snapshotDir, id));
      // Changes are counted from the whole config in force, not a narrow record alone.
      const sha256 = createHash('sha256').update(got.bytes).digest('hex');
      const whole = await wholeConfigBefore(snapshotDir, index, { id, record, sha256 });
      found = { id, record, before: whole.record, ...(whole.walkOn === undefined ? {} : { walkOn: whole.walkOn }) };
      break;
    }
    passed.push(id);
  }
  if (passed.length > 0)
    onWarning?.(
      `${passed.length} stored snapshot record(s) that no ConfigSnapshot event in the audit log records (${passed.slice(0, 3).join(', ')}${passed.length > 3 ? ', …' : ''}) ` +
        `not taken as the previous snapshot: a snapshot killed before its event, or a record planted in the store; this snapshot counts its changes from ${found === undefined ? 'no snapshot (every file added)' : `snapshot ${found.id}, the newest one the log records`}; check them`,
    );
  return found;
}
