/** Which stored record a new snapshot counts its changes from. */
import { idTimePart } from './store.js';

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
