/**
 * Where ConfigEventIndex.holderAt's walk ends: over every event (path null: the files the chain still
 * holds, for config_in_force.json) at an event or a LogPruned list that decides the whole config
 * (docs/FORMAT.md, "config_in_force.json"); for one path, at a removed day file's LogPruned event.
 */
import { type HeldConfig, holderOf } from '../format/config-in-force.js';
import type { Removal } from './config-event-lines.js';

/** Where a walk over every event stops at event `e` (holderAt, path null): none, unknown, or on. */
export function wholeEnd(
  e: HeldConfig,
  where: string,
): { kind: 'none' } | { kind: 'unknown'; why: string } | undefined {
  if (e.full === true || (e.paths === undefined && e.full === undefined)) return { kind: 'none' };
  if (e.full === false) return undefined;
  return {
    kind: 'unknown',
    why: `${where} (snapshot ${e.snapshot_id}, of an earlier version) does not say whether it covered every config file`,
  };
}

/**
 * Every entry of a LogPruned event's configs_in_force put to `ask` (holderAt, path null): the list is
 * the whole config, unless its last entry has no paths and no `full` (what it left out cannot be told).
 */
export async function everyHeld<R>(
  held: readonly HeldConfig[],
  where: string,
  ask: (e: HeldConfig, where: string) => Promise<R | undefined>,
): Promise<R | { kind: 'none' } | { kind: 'unknown'; why: string }> {
  for (const h of held) {
    const got = await ask(h, where);
    if (got !== undefined) return got;
  }
  const last = held.at(-1);
  // A last entry without paths stands for files that cannot be told, unless it is a full snapshot's (at43 F3).
  return last?.paths === undefined && last?.full !== true
    ? { kind: 'unknown', why: `${where} names snapshot ${last?.snapshot_id} for every file no newer entry names` }
    : { kind: 'none' };
}

/**
 * Where holderAt's walk ends at a removed day file (`name`) crossed by its LogPruned event `r`, for
 * `path` (null: every file): the holder its `configs_in_force` names (or its `config_in_force`),
 * put to `ask`; a list naming every snapshot in force for some path, each with its paths, none of
 * them `path`: none (no snapshot of the chain up to that file recorded it; the prune's walk met no
 * gap). An entry without paths whose record does not hold `path` is unknown (all the chain can tell
 * of the files it left out), unless it carries `full: true` (a full snapshot's, its list left out
 * for its size): then none, as the full event itself says (at43 F3). Undefined: the walk goes on
 * (no config recorded for the file).
 */
export async function prunedEnd<R>(
  r: Removal,
  name: string,
  path: string | null,
  ask: (e: HeldConfig, where: string) => Promise<R | undefined>,
): Promise<R | { kind: 'none' } | { kind: 'unknown'; why: string } | undefined> {
  const where = `the ${r.held === undefined ? 'config_in_force' : 'configs_in_force'} of the LogPruned event of ${name}`;
  if (path === null && r.held !== undefined) return everyHeld(r.held, where, ask);
  const h: HeldConfig | undefined = r.held === undefined ? r.inForce : holderOf(r.held, path ?? '');
  if (r.held !== undefined && h === undefined) return { kind: 'none' };
  if (h === undefined) return undefined;
  const got = await ask(h, where);
  if (got !== undefined || r.held === undefined) return got;
  if (h.paths === undefined && h.full === true) return { kind: 'none' };
  return {
    kind: 'unknown',
    why: `${where} names snapshot ${h.snapshot_id} ${h.paths === undefined ? 'for every file no newer entry names (all the chain can tell of them)' : `holding ${path}`}, and its record holds no such file`,
  };
}
