/**
 * What a prune records of the packs it keeps because they do not verify, before it removes log
 * files (docs/FORMAT.md, "LogPruned" `kept_unverified`; docs/decisions.md). The PackKept events that
 * say such a pack was still here sit in the files log retention removes in turn; the set carried on
 * each LogPruned event keeps the chain's word, so a pack deleted by hand later and hidden by a ledger
 * line claiming an earlier prune is contradicted by every later prune's record.
 */
import { KEEP_EVENT, KEPT_UNVERIFIED_FIELD, PRUNE_EVENT } from '../format/pack.js';
import { parseKeptUnverified, type KeptUnverified } from '../format/kept-unverified.js';
import { WRITER_EVENT_CATEGORY } from '../format/writer-events.js';
import { parseObjectLine } from '../fsx/lines-containing.js';
import { type KeptLogs, readKeptLogs, walkDays } from './removals.js';

/** The marks of the lines this walk reads (PackKept and PackPruned events). */
export const KEPT_MARKS: readonly Buffer[] = [
  Buffer.from(JSON.stringify(KEEP_EVENT.event)),
  Buffer.from(JSON.stringify(PRUNE_EVENT.event)),
];

/**
 * For each of `doomed` (day files of `logDir` about to be removed), the packs kept unverified at its
 * end, when there are any: the chain walked day by day, a PackKept event adding its (date, path), a
 * PackPruned event of the same date and path taking it out; a file removed earlier gives the set its
 * LogPruned event carried (none when it carried none, or was written by an earlier version: the set
 * only ever names what the chain said, never a guess). (A prune reads the files once for this walk
 * and the config-in-force one: carriedForward.)
 */
export async function keptUnverified(logDir: string, doomed: readonly string[]): Promise<Map<string, KeptUnverified>> {
  const logs = await readKeptLogs(logDir, doomed, KEPT_MARKS);
  return logs === undefined ? new Map() : keptUnverifiedOf(logs, doomed);
}

/** keptUnverified over the lines `logs` read (they hold KEPT_MARKS' lines up to the last doomed file). */
export function keptUnverifiedOf(logs: KeptLogs, doomed: readonly string[]): Map<string, KeptUnverified> {
  const out = new Map<string, KeptUnverified>();
  const removed = carriedBefore(logs);
  const doomedSet = new Set(doomed);
  let state = new Map<string, { date: string; path: string }>();
  for (const d of walkDays(logs, removed)) {
    const file = logs.present.get(d);
    if (file === undefined) {
      state = new Map((removed.get(d) ?? []).map((k) => [keyOf(k), k]));
      continue;
    }
    for (const line of logs.lines.get(file) ?? []) {
      if (!KEPT_MARKS.some((m) => line.includes(m))) continue;
      const ev = parseObjectLine(line);
      if (ev?.category !== WRITER_EVENT_CATEGORY || typeof ev.date !== 'string' || typeof ev.path !== 'string')
        continue;
      const k = { date: ev.date, path: ev.path };
      if (ev.event === KEEP_EVENT.event) state.set(keyOf(k), k);
      else if (ev.event === PRUNE_EVENT.event) state.delete(keyOf(k));
    }
    if (doomedSet.has(file) && state.size > 0)
      out.set(
        file,
        [...state.values()].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1)),
      );
  }
  return out;
}

const keyOf = (k: { date: string; path: string }): string => `${k.date}\u0000${k.path}`;

/** The sets the LogPruned events of the present files carried for files removed earlier. */
function carriedBefore(logs: KeptLogs): Map<number, KeptUnverified> {
  const removed = new Map<number, KeptUnverified>();
  for (const { day, ev } of logs.removals) {
    // A file recorded twice (a prune killed after its event, run again): the larger set wins.
    const carried = parseKeptUnverified(ev[KEPT_UNVERIFIED_FIELD]) ?? [];
    if ((removed.get(day)?.length ?? -1) < carried.length) removed.set(day, carried);
  }
  return removed;
}
