/**
 * What a prune records of the config in force before it removes log files (docs/FORMAT.md,
 * "LogPruned"; docs/decisions.md). Without it, a config unchanged for longer than both retention
 * windows loses its last vouched record (the snapshot's day file and the pack holding its copy),
 * and every export after that would say CONFIG_OF_RECORD_UNKNOWN though nothing changed.
 */
import { join } from 'node:path';
import { advanceHeld, carriedOf, type HeldConfig, heldConfigOf } from '../format/config-in-force.js';
import { linesContaining, parseObjectLine } from '../fsx/lines-containing.js';
import { dayOfLogFileName } from '../rotation/index.js';
import { listLogs } from './logs.js';
import { removalsBefore } from './removals.js';

const CONFIG_MARK = Buffer.from('"ConfigSnapshot"');

/**
 * For each of `doomed` (day files of `logDir` about to be removed), the config in force at its
 * end: the snapshots in force for some config path, newest first (`advanceHeld`), the first being
 * the last ConfigSnapshot event (not `recovered`) of the chain up to its last line. The chain
 * is walked day by day: a file still in the directory gives its own last such event; a file removed
 * earlier gives the `config_in_force` its LogPruned event (in a file still here) carried. A removed
 * file whose LogPruned event is not found, or carried none, leaves the config unknown until a later
 * file records a snapshot: a doomed file then gets no entry (never a guess). A removed file whose
 * LogPruned event carried `config_in_force` only (an earlier version) counts as that snapshot alone,
 * the whole config, as that version read it. Read from the log itself (never from the snapshot
 * store), so the fact stays vouched by the chain.
 */
export async function configsInForce(logDir: string, doomed: readonly string[]): Promise<Map<string, HeldConfig[]>> {
  const out = new Map<string, HeldConfig[]>();
  const doomedDays = doomed.map(dayOfLogFileName).filter((d): d is number => d !== undefined);
  if (doomedDays.length === 0) return out;
  const last = Math.max(...doomedDays);
  const present = new Map<number, string>();
  for (const l of listLogs(logDir)) present.set(dayOfLogFileName(l.file) as number, l.file);
  const removed = await removedBefore(logDir, [...present.values()], present, last);
  const days = [...new Set([...present.keys(), ...removed.keys()])].filter((d) => d <= last).sort((a, b) => a - b);
  const doomedSet = new Set(doomed);
  let state: HeldConfig[] | undefined;
  for (const d of days) {
    const file = present.get(d);
    if (file === undefined) {
      state = removed.get(d) ?? undefined;
      continue;
    }
    const lines = await linesContaining(join(logDir, file), CONFIG_MARK);
    for (const line of lines ?? []) {
      const ev = heldConfigOf(parseObjectLine(line));
      if (ev !== undefined) state = advanceHeld(state ?? [], ev);
    }
    if (doomedSet.has(file) && state !== undefined) out.set(file, state);
  }
  return out;
}

/**
 * The files removed earlier (by day, no longer in the directory, dated before `last`) that the
 * LogPruned events of the present files record, each with the config in force it carried (null:
 * none, or written by a version without the field).
 */
async function removedBefore(
  logDir: string,
  files: readonly string[],
  present: ReadonlyMap<number, string>,
  last: number,
): Promise<Map<number, HeldConfig[] | null>> {
  const removed = new Map<number, HeldConfig[] | null>();
  for (const { day, ev } of await removalsBefore(logDir, files, present, last)) {
    // A file recorded twice (a prune killed after its event, run again): one that carried a config wins.
    const carried = carriedOf(ev);
    if (!removed.has(day) || removed.get(day) === null) removed.set(day, carried);
  }
  return removed;
}
