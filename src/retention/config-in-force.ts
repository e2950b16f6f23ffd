/**
 * What a prune records of the config in force before it removes log files (docs/FORMAT.md,
 * "LogPruned"; docs/decisions.md). Without it, a config unchanged for longer than both retention
 * windows loses its last vouched record (the snapshot's day file and the pack holding its copy),
 * and every export after that would say CONFIG_OF_RECORD_UNKNOWN though nothing changed.
 */
import { advanceHeld, carriedOf, type HeldConfig, heldConfigOf } from '../format/config-in-force.js';
import { parseObjectLine } from '../fsx/lines-containing.js';
import { type KeptLogs, readKeptLogs, walkDays } from './removals.js';

/** The mark of the lines this walk reads (ConfigSnapshot events). */
export const CONFIG_MARK = Buffer.from('"ConfigSnapshot"');

/**
 * For each of `doomed` (day files of `logDir` about to be removed), the config in force at its
 * end: the snapshots in force for some config path, newest first (`advanceHeld`), the first being
 * the last ConfigSnapshot event (not `recovered`) of the chain up to its last line. The chain
 * is walked day by day: a file still in the directory gives its own last such event; a file removed
 * earlier gives the `config_in_force` its LogPruned event (in a file still here) carried. A removed
 * file whose LogPruned event is not found, or carried none, leaves the config unknown until a later
 * file records a snapshot: a doomed file then gets no entry (never a guess). A removed file whose
 * LogPruned event carried `config_in_force` only (an earlier version) counts as that snapshot alone,
 * the whole config, as that version read it. Past such a gap (or past the oldest file when it does not
 * start the chain and no removal before it is recorded), the first snapshot is carried without its
 * `paths`: all the chain can tell, its record answering for the files it holds and any other file
 * unknown to a reader; with its paths, every file it left out would read as never recorded, and the
 * policy file on disk (anyone's to edit) would govern. Read from the log itself (never from the snapshot
 * store), so the fact stays vouched by the chain. (A prune reads the files once for this walk and
 * the kept-unverified one: carriedForward.)
 */
export async function configsInForce(logDir: string, doomed: readonly string[]): Promise<Map<string, HeldConfig[]>> {
  const logs = await readKeptLogs(logDir, doomed, [CONFIG_MARK]);
  return logs === undefined ? new Map() : configsInForceOf(logs, doomed);
}

/** configsInForce over the lines `logs` read (they hold CONFIG_MARK's lines up to the last doomed file). */
export function configsInForceOf(logs: KeptLogs, doomed: readonly string[]): Map<string, HeldConfig[]> {
  const out = new Map<string, HeldConfig[]>();
  const removed = removedBefore(logs);
  const doomedSet = new Set(doomed);
  let state: HeldConfig[] | undefined;
  const days = walkDays(logs, removed);
  // Whether the walk is past a day it cannot tell about (state undefined there): the oldest file not
  // provably starting the chain with no removal recorded before it, a kept file not linked to the day
  // before it, or a removed file whose LogPruned event carried no config. Undefined state with
  // no gap: the chain recorded no snapshot yet.
  let gap = days[0] !== undefined && logs.present.has(days[0]) && !logs.startsChain;
  for (const d of days) {
    const file = logs.present.get(d);
    if (file === undefined) {
      state = removed.get(d) ?? undefined;
      gap = state === undefined;
      continue;
    }
    // A kept file that does not continue the chain from the day before it (a kept file's last line, a
    // removed file's recorded end_hash): files were removed between them with no record, and what
    // they held is unknown.
    if (logs.unlinked.has(d)) {
      state = undefined;
      gap = true;
    }
    for (const line of logs.lines.get(file) ?? []) {
      if (!line.includes(CONFIG_MARK)) continue;
      const ev = heldConfigOf(parseObjectLine(line));
      if (ev === undefined) continue;
      // Past a gap, a snapshot of some files only never stands for the whole config as its `paths`
      // would say (every other file: no snapshot recorded it, so the file on disk would govern). It
      // is carried without paths: its record answers for the files it holds, and any other file is
      // unknown to a reader (holderAt), until a snapshot recording it is logged. A full snapshot
      // (`full: true`) says what the whole config is, gap or not: it alone, with its paths.
      state = state === undefined && gap && ev.full !== true ? [wholeOf(ev)] : advanceHeld(state ?? [], ev);
    }
    if (doomedSet.has(file) && state !== undefined) out.set(file, state);
  }
  return out;
}

/** `ev` without its paths: the whole config as far as the chain can tell. */
function wholeOf(ev: HeldConfig): HeldConfig {
  return { snapshot_id: ev.snapshot_id, record_sha256: ev.record_sha256 };
}

/**
 * The files removed earlier that the LogPruned events of the present files record, each with the
 * config in force it carried (null: none, or written by a version without the field).
 */
function removedBefore(logs: KeptLogs): Map<number, HeldConfig[] | null> {
  const removed = new Map<number, HeldConfig[] | null>();
  for (const { day, ev } of logs.removals) {
    // A file recorded twice (a prune killed after its event, run again): one that carried a config wins.
    const carried = carriedOf(ev);
    if (!removed.has(day) || removed.get(day) === null) removed.set(day, carried);
  }
  return removed;
}
