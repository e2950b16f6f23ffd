/**
 * What a prune records of the packs it keeps because they do not verify, before it removes log
 * files (docs/FORMAT.md, "LogPruned" `kept_unverified`; docs/decisions.md). The PackKept events that
 * say such a pack was still here sit in the files log retention removes in turn; the set carried on
 * each LogPruned event keeps the chain's word, so a pack deleted by hand later and hidden by a ledger
 * line claiming an earlier prune is contradicted by every later prune's record.
 */
import { join } from 'node:path';
import { KEEP_EVENT, KEPT_UNVERIFIED_FIELD, PRUNE_EVENT } from '../format/pack.js';
import { parseKeptUnverified, type KeptUnverified } from '../format/kept-unverified.js';
import { WRITER_EVENT_CATEGORY } from '../format/writer-events.js';
import { linesContaining, parseObjectLine } from '../fsx/lines-containing.js';
import { dayOfLogFileName } from '../rotation/index.js';
import { listLogs } from './logs.js';
import { removalsBefore } from './removals.js';

const KEEP_MARK = Buffer.from(JSON.stringify(KEEP_EVENT.event));
const PRUNE_MARK = Buffer.from(JSON.stringify(PRUNE_EVENT.event));

/**
 * For each of `doomed` (day files of `logDir` about to be removed), the packs kept unverified at its
 * end, when there are any: the chain walked day by day, a PackKept event adding its (date, path), a
 * PackPruned event of the same date and path taking it out; a file removed earlier gives the set its
 * LogPruned event carried (none when it carried none, or was written by an earlier version: the set
 * only ever names what the chain said, never a guess).
 */
export async function keptUnverified(logDir: string, doomed: readonly string[]): Promise<Map<string, KeptUnverified>> {
  const out = new Map<string, KeptUnverified>();
  const doomedDays = doomed.map(dayOfLogFileName).filter((d): d is number => d !== undefined);
  if (doomedDays.length === 0) return out;
  const last = Math.max(...doomedDays);
  const present = new Map<number, string>();
  for (const l of listLogs(logDir)) present.set(dayOfLogFileName(l.file) as number, l.file);
  const removed = await carriedBefore(logDir, present, last);
  const days = [...new Set([...present.keys(), ...removed.keys()])].filter((d) => d <= last).sort((a, b) => a - b);
  const doomedSet = new Set(doomed);
  let state = new Map<string, { date: string; path: string }>();
  for (const d of days) {
    const file = present.get(d);
    if (file === undefined) {
      state = new Map((removed.get(d) ?? []).map((k) => [keyOf(k), k]));
      continue;
    }
    for (const line of (await linesContaining(join(logDir, file), [KEEP_MARK, PRUNE_MARK])) ?? []) {
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

/** The sets the LogPruned events of the present files carried for files removed earlier (dated before `last`). */
async function carriedBefore(
  logDir: string,
  present: ReadonlyMap<number, string>,
  last: number,
): Promise<Map<number, KeptUnverified>> {
  const removed = new Map<number, KeptUnverified>();
  for (const { day, ev } of await removalsBefore(logDir, present.values(), present, last)) {
    // A file recorded twice (a prune killed after its event, run again): the larger set wins.
    const carried = parseKeptUnverified(ev[KEPT_UNVERIFIED_FIELD]) ?? [];
    if ((removed.get(day)?.length ?? -1) < carried.length) removed.set(day, carried);
  }
  return removed;
}
