/**
 * Where ConfigEventIndex.holderAt's walk over every event (path null: the files the chain still
 * holds, for config_in_force.json) ends: at an event or a LogPruned list that decides the whole
 * config (docs/FORMAT.md, "config_in_force.json").
 */
import type { HeldConfig } from '../format/config-in-force.js';

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

/** Every entry of a LogPruned event's configs_in_force put to `ask` (holderAt, path null): the list is the whole config. */
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
  return last?.paths === undefined
    ? { kind: 'unknown', why: `${where} names snapshot ${last?.snapshot_id} for every file no newer entry names` }
    : { kind: 'none' };
}
