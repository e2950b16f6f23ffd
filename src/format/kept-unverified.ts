/**
 * The packs kept unverified at the end of a log file, as a `LogPruned` event records it for the
 * file it removes (docs/FORMAT.md, "LogPruned" `kept_unverified`): every `system`/`PackKept` event
 * of the chain up to that file's last line whose pack no later `system`/`PackPruned` of the same
 * `date` and `path` removed. A ledger line claiming a prune of such a pack before that day is
 * contradicted by the chain.
 */

/** One pack the set names: its day and its directory's name. */
export interface KeptPack {
  readonly date: string;
  readonly path: string;
}

/** The value of a `kept_unverified` field. */
export type KeptUnverified = readonly KeptPack[];

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PACK_NAME = /^\d{4}-\d{2}-\d{2}(?:\.v\d+)?$/;
/** More than any archive keeps: a longer list is hostile input, read no further. */
const MAX_ITEMS = 100_000;

/**
 * The items of a `kept_unverified` field that have the documented shape (hostile input: any other
 * item is passed over, a value that is no array is undefined).
 */
export function parseKeptUnverified(v: unknown): KeptUnverified | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: KeptPack[] = [];
  for (const item of v.slice(0, MAX_ITEMS)) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
    const { date, path } = item as Record<string, unknown>;
    if (typeof date === 'string' && DATE.test(date) && typeof path === 'string' && PACK_NAME.test(path))
      out.push({ date, path });
  }
  return out;
}
