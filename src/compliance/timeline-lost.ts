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
 * log order; an id logged twice keeps its first place).
 */
export async function periodLogOrder(
  index: ConfigEventIndex,
  period: { from: string; to: string },
): Promise<ReadonlyMap<string, number>> {
  const first = dayNumberOfIsoDate(period.from);
  const last = dayNumberOfIsoDate(period.to);
  const order = new Map<string, number>();
  if (first === undefined || last === undefined) return order;
  for (let d = first; d <= last; d++)
    for (const e of (await index.eventsOf(d)) ?? [])
      if (!order.has(e.snapshot_id)) order.set(e.snapshot_id, order.size);
  return order;
}

/**
 * Sorts a period's policies by time, and policies of one time by their events' places in the log
 * (`order`; one not there after those that are): two snapshots taken in one microsecond (ids
 * `…-000`, `…-001`) whose first one's record was lost keep their log order, so the report's last
 * policy is the one in force at the period's end (at43 F2). PolicyTimeline's stable sort by time
 * keeps it.
 */
export function byTimeThenLog<T extends { readonly from_us: number; readonly snapshot_id: string | null }>(
  entries: T[],
  order: ReadonlyMap<string, number>,
): void {
  const place = (e: T): number => (e.snapshot_id === null ? -1 : (order.get(e.snapshot_id) ?? order.size));
  entries.sort((a, b) => (a.from_us === b.from_us ? place(a) - place(b) : a.from_us < b.from_us ? -1 : 1));
}
