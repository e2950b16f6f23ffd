/**
 * The period's policy snapshots that the chain records but the store cannot give (at42 F2): a
 * ConfigSnapshot event of the period's own log files naming the policy file (its `paths` hold it, or
 * it has none, so its record must be read to tell) whose record is missing, unreadable, or bytes
 * whose SHA-256 is not the logged record_sha256. Its policy is unknown from its event on: the
 * timeline puts the built-in policy in force there, never an older record or the file on disk
 * (which whoever can write the store can edit first).
 */
import { dayNumberOfIsoDate, logFileName } from '../rotation/index.js';
import type { ConfigEventIndex } from '../snapshot/config-events.js';
import { recordAsLogged } from '../snapshot/store.js';

/** A snapshot of the period whose record the store lost, and why (said as the store answers). */
export interface LostPolicySnapshot {
  readonly snapshot_id: string;
  readonly why: string;
}

/**
 * The period's events (days `from`..`to`, their own files) naming `rel` whose record is lost.
 * `reads`: id → the SHA-256 of the bytes the timeline already read for it (null: unreadable), so a
 * record is judged on the bytes that were used, never on a second read a store writer could swap;
 * `used`: the ids whose policy the timeline put in force. Other ids are read here once.
 */
export async function lostPolicySnapshots(
  index: ConfigEventIndex,
  snapshotDir: string,
  rel: string,
  period: { from: string; to: string },
  reads: ReadonlyMap<string, string | null>,
  used: ReadonlySet<string>,
): Promise<LostPolicySnapshot[]> {
  const first = dayNumberOfIsoDate(period.from);
  const last = dayNumberOfIsoDate(period.to);
  if (first === undefined || last === undefined) return [];
  const out: LostPolicySnapshot[] = [];
  const seen = new Set<string>();
  for (let d = first; d <= last; d++) {
    const events = await index.eventsOf(d);
    for (const e of events ?? []) {
      if (e.paths !== undefined && !e.paths.includes(rel)) continue;
      if (used.has(e.snapshot_id) || seen.has(e.snapshot_id)) continue;
      seen.add(e.snapshot_id);
      const why = await lostWhy(snapshotDir, e, reads);
      if (why !== undefined)
        out.push({
          snapshot_id: e.snapshot_id,
          why: `its ConfigSnapshot event in ${logFileName(d)} names it, and the snapshot store ${why}`,
        });
    }
  }
  return out;
}

async function lostWhy(
  snapshotDir: string,
  e: { snapshot_id: string; record_sha256: string },
  reads: ReadonlyMap<string, string | null>,
): Promise<string | undefined> {
  const read = reads.get(e.snapshot_id);
  if (read === null) return 'holds no readable record of it';
  if (read !== undefined)
    return read === e.record_sha256
      ? undefined
      : `holds its record with another record_sha256 (${read.slice(0, 16)}…, not the logged ${e.record_sha256.slice(0, 16)}…: changed after it was logged)`;
  const rec = await recordAsLogged(snapshotDir, e.snapshot_id, e.record_sha256);
  return typeof rec === 'string' ? rec : undefined;
}

/**
 * Id → the place of its ConfigSnapshot event in the period's own log files (days `from`..`to`, in
 * log order; an id logged twice keeps its last place: the event after which it is in force, as the
 * engine switches at each of its events).
 */
export async function periodLogOrder(
  index: ConfigEventIndex,
  period: { from: string; to: string },
): Promise<ReadonlyMap<string, number>> {
  const first = dayNumberOfIsoDate(period.from);
  const last = dayNumberOfIsoDate(period.to);
  const order = new Map<string, number>();
  if (first === undefined || last === undefined) return order;
  let n = 0;
  for (let d = first; d <= last; d++) for (const e of (await index.eventsOf(d)) ?? []) order.set(e.snapshot_id, n++);
  return order;
}

/**
 * Sorts a period's policies in the order their events take force (at48 F1/F5): the one in force
 * from the start first, then by the place of each one's event in the period's log (`order`), so
 * the last is the one in force after the period's last event, which `config_snapshot.json` (the
 * chain's last event) records. A snapshot's id (its writer's clock) is not its place: one whose
 * writer's clock was behind, logged after the period's own, sorts after it. One not there (its
 * event in the next day's file: a snapshot of 23:59 logged after midnight) after those that are,
 * by time; two of one place (none) by time (ids `…-000`, `…-001` of one microsecond keep their log
 * order: at43 F2).
 */
export function byLogOrder<T extends { readonly from_us: number; readonly snapshot_id: string | null }>(
  entries: T[],
  order: ReadonlyMap<string, number>,
): void {
  const place = (e: T): number =>
    e.from_us === Number.NEGATIVE_INFINITY
      ? -1
      : e.snapshot_id === null
        ? order.size
        : (order.get(e.snapshot_id) ?? order.size);
  entries.sort((a, b) => place(a) - place(b) || (a.from_us === b.from_us ? 0 : a.from_us < b.from_us ? -1 : 1));
}
