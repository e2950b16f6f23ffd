/**
 * pruned.jsonl against the chained PackPruned events (docs/FORMAT.md "What a prune leaves
 * behind"): every entry needs its event, every event its entry. The events come from the current
 * packs' logs and, when given, the live logs directory.
 */
import { PRUNED_LEDGER } from '../format/pack.js';
import type { LedgerEntry, PackInfo } from './archive-ledger.js';
import { keptKey, type RetiredContext, RetiredEvidence, pruneDayOf, prunedTooSoon } from './archive-prune-retired.js';
import type { PruneEvent } from './chain-events.js';
import type { Findings } from './report.js';

/** The newest current pack: its day and when it was made. */
export interface NewestPack {
  readonly date: string;
  readonly createdAt: string | undefined;
}

/** A pack directory's name (`YYYY-MM-DD` or `YYYY-MM-DD.vN`), as prune writes `path`; group 1 its day. */
const PACK_NAME_DAY = /^(\d{4}-\d{2}-\d{2})(?:\.v[1-9]\d*)?$/;

const key = (date: string, path: string | undefined, sha: string | null): string =>
  `${date}\u0000${path ?? ''}\u0000${sha ?? ''}`;
const entryKey = (e: LedgerEntry): string => key(e.exportDate, e.path, e.rawSha);
const eventKey = (e: PruneEvent): string => key(e.date, e.path, e.manifestSha256);

/**
 * The entries that may stand for a removed pack in the link checks (previous_pack, a gap in the
 * log, back-fills, supersedes, export events, reviews). Prune writes an entry's `export_date` and
 * `path` from the one pack it removes, so an entry whose path is a pack of another day vouches for
 * no day, and one whose pack is still here with the manifest it names removed nothing (an
 * interrupted prune). Either, taken at its `export_date`, would let one forged line pass off a day
 * that is in no pack as pruned and hide its ARCHIVE_DAY_MISSING. Their own findings are checkPrunes'.
 */
export function entriesThatRemoved(pruned: readonly LedgerEntry[], packs: readonly PackInfo[]): LedgerEntry[] {
  const here = new Set(packs.map((p) => `${p.name}\u0000${p.report.manifest.manifestSha256 ?? ''}`));
  return pruned.filter((e) => {
    const day = e.path === undefined ? undefined : PACK_NAME_DAY.exec(e.path)?.[1];
    if (day === undefined) return true;
    return day === e.exportDate && !(e.rawSha !== null && here.has(`${e.path}\u0000${e.rawSha}`));
  });
}

/**
 * Checks the ledger and the PackPruned events against each other. `retired`: what retention left of
 * the removed day files, for a line whose event went with them (archive-prune-retired.ts).
 */
export async function checkPrunes(
  packs: readonly PackInfo[],
  pruned: readonly LedgerEntry[],
  live: readonly PruneEvent[] | undefined,
  newest: NewestPack | undefined,
  now: number,
  retired: RetiredContext,
  f: Findings,
): Promise<void> {
  const events: PruneEvent[] = [];
  for (const p of packs)
    if (p.version === undefined)
      events.push(...p.report.pruneEvents.map((e) => ({ ...e, where: `${p.name}/${e.where}` })));
  if (live !== undefined) events.push(...live);
  const unrecorded = checkEntriesHaveEvents(pruned, events, live, newest, now, packs, f);
  const evidence = new RetiredEvidence(retired, pruned);
  await judgeRetired(unrecorded, evidence, live !== undefined, f);
  for (const m of await evidence.keptMissing(new Set(events.map((e) => keptKey(e.date, e.path))))) {
    f.add(
      'ARCHIVE_PACK_MISSING',
      'error',
      // A PackKept event's path is any string: named as the file only when it is a pack's name.
      PACK_NAME_DAY.test(m.path) ? m.path : PRUNED_LEDGER,
      `${m.rec.where} says the pack ${JSON.stringify(m.path)} (of ${m.date}) was kept on ${m.rec.day} because it did not verify, and it is neither here nor in ${PRUNED_LEDGER} (no PackPruned event of it either): evidence that does not verify is never pruned, so it was deleted by hand`,
    );
  }
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

/** A line without its event, and the finding it gets unless retention removed its event. */
interface Unrecorded {
  readonly e: LedgerEntry;
  readonly what: string;
  readonly day: string;
}

/**
 * Each ledger entry has its event, or (without the live logs) is a recent prune still awaiting one.
 * Returns the entries that may have had their event removed by retention, for judgeRetired.
 */
function checkEntriesHaveEvents(
  pruned: readonly LedgerEntry[],
  events: readonly PruneEvent[],
  live: readonly PruneEvent[] | undefined,
  newest: NewestPack | undefined,
  now: number,
  packs: readonly PackInfo[],
  f: Findings,
): Unrecorded[] {
  const retired: Unrecorded[] = [];
  const oldest = oldestKept(packs);
  const afterNewest = prunedAfterNewest(newest, now);
  const present = new Set(packs.map((p) => p.name));
  const stillHere = new Set(packs.map((p) => key(p.date, p.name, p.report.manifest.manifestSha256 ?? '')));
  const byKey = new Set(events.map(eventKey));
  // The entries after the last one with its event may be a prune whose events are still only in the live log.
  let lastCovered = -1;
  pruned.forEach((e, i) => {
    if (byKey.has(entryKey(e))) lastCovered = i;
  });
  pruned.forEach((e, i) => {
    if (byKey.has(entryKey(e))) return;
    const what = `line ${e.line} (${e.path ?? e.exportDate}, manifest ${e.rawSha?.slice(0, 16) ?? 'null'}…) has no PackPruned event in the chain`;
    // The pack it names is still here, the same day and manifest: it removed nothing. A prune killed between
    // its ledger lines and its events leaves this; the next prune records the events and removes it.
    if (e.rawSha !== null && stillHere.has(entryKey(e))) {
      f.add(
        'ARCHIVE_PRUNE_INTERRUPTED',
        'warning',
        PRUNED_LEDGER,
        `${what}, and the pack is still here with that manifest: a prune stopped before recording it, nothing was removed; the next prune completes it`,
        e.line,
      );
      return;
    }
    // (An entry whose pack is still there removed nothing: a prune killed before removing it. Only
    // an entry of that pack's own day: prune writes both from one pack.)
    const stillThere = present.has(e.path ?? '') && PACK_NAME_DAY.exec(e.path ?? '')?.[1] === e.exportDate;
    const outOfOrder = oldest !== undefined && prunedDay(e) > oldest.date && !stillThere;
    if (live === undefined && i > lastCovered && afterNewest(e) && !outOfOrder) {
      f.add(
        'ARCHIVE_PRUNE_AWAITING_EVIDENCE',
        'warning',
        PRUNED_LEDGER,
        `${what} yet: a prune after the newest pack was made has its event in the live log until the next export; give --log-dir to check it now`,
        e.line,
      );
    } else {
      const tail = live === undefined ? '' : ' (nor in the live log)';
      const day = pruneDayOf(e);
      const early = outOfOrder || day === undefined ? undefined : prunedTooSoon(e, prunedDay(e));
      // Pruned on a day whose log retention may have removed since: judged against what is left.
      if (!outOfOrder && day !== undefined && early === undefined && e.prunedAt !== undefined && e.prunedAt <= now) {
        retired.push({ e, what: `${what}${tail}`, day });
        return;
      }
      f.add(
        'ARCHIVE_PRUNE_UNRECORDED',
        'error',
        PRUNED_LEDGER,
        early !== undefined && !outOfOrder
          ? `${what}${tail}, and ${early}`
          : outOfOrder
            ? `${what}${live === undefined ? '' : ' (nor in the live log)'}, and its day is newer than the kept pack ${oldest?.name}: retention prunes oldest first, so a pack removed and the ledger edited to hide it?`
            : `${what}${live === undefined ? '' : ' (nor in the live log)'}: a pack removed and the ledger edited to hide it?`,
        e.line,
      );
    }
  });
  return retired;
}

/**
 * The lines whose events retention may have removed: an error when what is left contradicts it
 * (archive-prune-retired.ts), one info for all that it bounds, a warning each for what only the
 * live logs could settle.
 */
async function judgeRetired(
  lines: readonly Unrecorded[],
  evidence: RetiredEvidence,
  withLive: boolean,
  f: Findings,
): Promise<void> {
  const retired: Unrecorded[] = [];
  for (const u of lines) {
    const v = await evidence.judge(u.e, u.day);
    if (v.kind === 'recorded') continue;
    if (v.kind === 'retired') retired.push(u);
    else if (v.kind === 'unchecked')
      f.add(
        'ARCHIVE_PRUNE_EVIDENCE_PRUNED',
        'warning',
        PRUNED_LEDGER,
        `${u.what}: its prune day ${u.day} has no pack left, and no LogPruned event in the packs' logs records the removal of that day's log file or a later one (${v.newestRemoved === undefined ? 'none found' : `the newest removed is ${v.newestRemoved}`}); give --log-dir to check it`,
        u.e.line,
      );
    else
      f.add(
        'ARCHIVE_PRUNE_UNRECORDED',
        'error',
        PRUNED_LEDGER,
        `${u.what}, and ${v.reason}: a pack removed and the ledger edited to hide it?`,
        u.e.line,
      );
  }
  if (retired.length === 0) return;
  const first = retired[0] as Unrecorded;
  const last = retired[retired.length - 1] as Unrecorded;
  const one = retired.length === 1;
  const which = one ? `line ${first.e.line}` : `${retired.length} lines (${first.e.line} to ${last.e.line})`;
  const where = withLive ? 'in the live logs' : "in the packs' logs";
  f.add(
    'ARCHIVE_PRUNE_EVIDENCE_PRUNED',
    'info',
    PRUNED_LEDGER,
    `${which} pruned on ${first.day}${one ? '' : ` to ${last.day}`}: ${one ? 'its PackPruned event was' : 'their PackPruned events were'} in the log of the prune day, which log retention removed with the packs holding its copy (a LogPruned event ${where} records the removal of that day's file or a later one); each is bounded by its day plus the retention it claims, not vouched by an event`,
    first.e.line,
  );
}

/**
 * The oldest pack still in the directory (any version). Retention prunes the oldest days first, so
 * an entry without its event that is dated after it cannot be a prune still awaiting its event.
 */
function oldestKept(packs: readonly PackInfo[]): PackInfo | undefined {
  let oldest: PackInfo | undefined;
  for (const p of packs) if (oldest === undefined || p.date < oldest.date) oldest = p;
  return oldest;
}

/**
 * The day an entry removed: the later of its `export_date` and its `path`'s date (both are the
 * writer's, both attacker-chosen in a forged line; the later one is the one the rule must hold for).
 */
function prunedDay(e: LedgerEntry): string {
  const fromPath = e.path !== undefined && /^\d{4}-\d{2}-\d{2}(?:\.v\d+)?$/.test(e.path) ? e.path.slice(0, 10) : '';
  return fromPath > e.exportDate ? fromPath : e.exportDate;
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
