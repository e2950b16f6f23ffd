/**
 * Snapshots dated outside the period whose ConfigSnapshot event the chain files among the period's
 * own log files: a writer whose clock was behind, whose event came late (a `late` line in a file
 * that already existed, a day or more after its id's day; at45 F3), or one whose clock was ahead
 * at the id (an id dated after the period; at48 F2). A snapshot takes effect where its event is
 * filed in the log, whatever its id's day: the config of record takes such an event where the chain
 * has it (ConfigEventIndex.configOfRecord: the last event of the files up to the day's, whatever its
 * id's day), so the policy timeline takes it there too: its policy governs the lines after its
 * event, as a period's own snapshot's does. Its id and record hash are the event's; the store is
 * asked for that record only (a record whose bytes are not the logged ones is lost: timeline-lost.ts
 * notes it and puts the built-in policy in force at its event).
 */
import { dayNumberOfIsoDate } from '../rotation/index.js';
import type { ConfigEventIndex } from '../snapshot/config-events.js';
import { recordAsLogged } from '../snapshot/store.js';
import type { ConfigSnapshot } from '../snapshot/types.js';

/** A snapshot dated outside the period, logged in it, with its record as the event logged it. */
export interface OffDaySnapshot {
  readonly snapshot_id: string;
  readonly record_sha256: string;
  readonly record: ConfigSnapshot;
}

/**
 * The ConfigSnapshot events (not `recovered`) of the period's files (days `from`..`to`, in log
 * order) of snapshots dated before `from` or after `to` that may hold `rel` (their `paths` name it,
 * or they have none), each with its record when the store gives it with the logged record_sha256.
 * An id logged twice keeps its first event.
 */
export async function offDaySnapshotsOfPeriod(
  index: ConfigEventIndex,
  snapshotDir: string,
  rel: string,
  period: { from: string; to: string },
): Promise<OffDaySnapshot[]> {
  const first = dayNumberOfIsoDate(period.from);
  const last = dayNumberOfIsoDate(period.to);
  if (first === undefined || last === undefined) return [];
  const start = period.from.replaceAll('-', '');
  const end = period.to.replaceAll('-', '');
  const out: OffDaySnapshot[] = [];
  const seen = new Set<string>();
  for (let d = first; d <= last; d++) {
    for (const e of (await index.eventsOf(d)) ?? []) {
      const day = e.snapshot_id.slice(0, 8);
      if ((day >= start && day <= end) || seen.has(e.snapshot_id)) continue;
      if (e.paths !== undefined && !e.paths.includes(rel)) continue;
      seen.add(e.snapshot_id);
      const record = await recordAsLogged(snapshotDir, e.snapshot_id, e.record_sha256);
      if (typeof record !== 'string') out.push({ snapshot_id: e.snapshot_id, record_sha256: e.record_sha256, record });
    }
  }
  return out;
}
