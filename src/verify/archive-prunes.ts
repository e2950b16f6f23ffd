/**
 * pruned.jsonl against the chained PackPruned events (docs/FORMAT.md "What a prune leaves
 * behind"): every entry needs its event, every event its entry. The events come from the current
 * packs' logs and, when given, the live logs directory.
 */
import { PRUNED_LEDGER } from '../format/pack.js';
import type { LedgerEntry, PackInfo } from './archive-ledger.js';
import type { PruneEvent } from './chain-events.js';
import type { Findings } from './report.js';

/** The newest current pack: its day and when it was made. */
export interface NewestPack {
  readonly date: string;
  readonly createdAt: string | undefined;
}

const key = (date: string, path: string | undefined, sha: string | null): string =>
  `${date}\u0000${path ?? ''}\u0000${sha ?? ''}`;
const entryKey = (e: LedgerEntry): string => key(e.exportDate, e.path, e.rawSha);
const eventKey = (e: PruneEvent): string => key(e.date, e.path, e.manifestSha256);

/** Checks the ledger and the PackPruned events against each other. */
export function checkPrunes(
  packs: readonly PackInfo[],
  pruned: readonly LedgerEntry[],
  live: readonly PruneEvent[] | undefined,
  newest: NewestPack | undefined,
  now: number,
  f: Findings,
): void {
  const events: PruneEvent[] = [];
  for (const p of packs)
    if (p.version === undefined)
      events.push(...p.report.pruneEvents.map((e) => ({ ...e, where: `${p.name}/${e.where}` })));
  if (live !== undefined) events.push(...live);
  checkEntriesHaveEvents(pruned, events, live, newest, now, f);
  const entryKeys = new Set(pruned.map(entryKey));
  const seen = new Set<string>();
  for (const e of events) {
    const k = eventKey(e);
    if (entryKeys.has(k) || seen.has(k)) continue;
    seen.add(k);
    f.add(
      'ARCHIVE_LEDGER_INCOMPLETE',
      'error',
      PRUNED_LEDGER,
      `the PackPruned event seq ${e.seq} in ${e.where} (${e.path}, manifest ${e.manifestSha256?.slice(0, 16) ?? 'null'}…) has no line in ${PRUNED_LEDGER}: the ledger was cut or edited`,
    );
  }
}

/** Each ledger entry has its event, or (without the live logs) is a recent prune still awaiting one. */
function checkEntriesHaveEvents(
  pruned: readonly LedgerEntry[],
  events: readonly PruneEvent[],
  live: readonly PruneEvent[] | undefined,
  newest: NewestPack | undefined,
  now: number,
  f: Findings,
): void {
  const afterNewest = prunedAfterNewest(newest, now);
  const byKey = new Set(events.map(eventKey));
  // The entries after the last one with its event may be a prune whose events are still only in the live log.
  let lastCovered = -1;
  pruned.forEach((e, i) => {
    if (byKey.has(entryKey(e))) lastCovered = i;
  });
  pruned.forEach((e, i) => {
    if (byKey.has(entryKey(e))) return;
    const what = `line ${e.line} (${e.path ?? e.exportDate}, manifest ${e.rawSha?.slice(0, 16) ?? 'null'}…) has no PackPruned event in the chain`;
    if (live === undefined && i > lastCovered && afterNewest(e)) {
      f.add(
        'ARCHIVE_PRUNE_AWAITING_EVIDENCE',
        'warning',
        PRUNED_LEDGER,
        `${what} yet: a prune after the newest pack was made has its event in the live log until the next export; give --log-dir to check it now`,
        e.line,
      );
    } else {
      f.add(
        'ARCHIVE_PRUNE_UNRECORDED',
        'error',
        PRUNED_LEDGER,
        `${what}${live === undefined ? '' : ' (nor in the live log)'}: a pack removed and the ledger edited to hide it?`,
        e.line,
      );
    }
  });
}

/**
 * A prune whose event can only be in the live log: it happened after the newest pack was made (or
 * on a day no pack covers yet), and not in the future.
 */
function prunedAfterNewest(newest: NewestPack | undefined, now: number): (e: LedgerEntry) => boolean {
  const newestMade = newest?.createdAt === undefined ? undefined : Date.parse(newest.createdAt);
  return (e) =>
    e.prunedAt !== undefined &&
    e.prunedAt <= now &&
    (newest === undefined ||
      newestMade === undefined ||
      e.prunedAt > newestMade ||
      new Date(e.prunedAt).toISOString().slice(0, 10) > newest.date);
}
