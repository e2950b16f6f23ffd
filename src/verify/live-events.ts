/**
 * The PackExported and PackPruned events of the live log files, kept within one budget for all of
 * them (archive-live.ts reads every file from the newest pack's day on, future days included, so a
 * per-file bound is no bound). Only what the checks ask is kept: for each (day, manifest) of the
 * export events, the first one read (checkExportEvents names it) and the newest in chain order
 * (checkCurrentRecorded: a day's newest export, and the newest naming a version), with how many
 * it stands for; for each (day, path, manifest) of the prune events, the first one read
 * (checkPrunes). A log that repeats an event costs nothing more; one with more distinct events than
 * the budget has the rest counted, not checked (ARCHIVE_LIVE_LOG_UNCHECKED).
 */
import type { ExportEvent, PruneEvent } from './chain-events.js';
import type { StampEvent } from './stamp-record.js';

/** Distinct events kept from all the live files together, at most: an honest log has a few a day. */
export const MAX_LIVE_EVENTS = 100_000;

interface Kept {
  readonly e: ExportEvent;
  /** Its place in the order read. */
  readonly at: number;
}

interface Pair {
  readonly first: Kept;
  newest: Kept;
  n: number;
}

/** Whether `a` is before `b` in chain order (the day of its log, then its seq), as inChainOrder sorts. */
function before(a: ExportEvent, b: ExportEvent): boolean {
  const da = a.logDay ?? '';
  const db = b.logDay ?? '';
  return da < db || (da === db && a.seq - b.seq < 0);
}

/** Collects the live log's events, in the order read, within the budget. */
export class LiveEvents {
  private readonly pairs = new Map<string, Pair>();
  private readonly prunes = new Map<string, PruneEvent>();
  private readonly stamps = new Map<string, StampEvent>();
  private read = 0;
  /** Distinct events not kept (over the budget), and the file of the first of them. */
  dropped = 0;
  droppedFrom: string | undefined;

  constructor(readonly budget = MAX_LIVE_EVENTS) {}

  private room(where: string): boolean {
    if (this.pairs.size + this.prunes.size + this.stamps.size < this.budget) return true;
    this.dropped++;
    this.droppedFrom ??= where;
    return false;
  }

  addExport(e: ExportEvent): void {
    const at = this.read++;
    const k = `${e.date}\u0000${e.manifestSha256}`;
    const p = this.pairs.get(k);
    if (p !== undefined) {
      p.n++;
      // The last read of the newest, as a stable sort leaves it.
      if (!before(e, p.newest.e)) p.newest = { e, at };
    } else if (this.room(e.where)) {
      const kept = { e, at };
      this.pairs.set(k, { first: kept, newest: kept, n: 1 });
    }
  }

  /** A PackTimestamped event: the first of each (manifest, token) kept. */
  addStamp(e: StampEvent): void {
    const k = `${e.manifestSha256}\u0000${e.tsaSerial ?? ''}\u0000${e.tsaTime ?? ''}`;
    if (!this.stamps.has(k) && this.room(e.where)) this.stamps.set(k, e);
  }

  /** The first of each distinct PackTimestamped event, in the order read. */
  stampEvents(): StampEvent[] {
    return [...this.stamps.values()];
  }

  addPrune(e: PruneEvent): void {
    const k = `${e.date}\u0000${e.path}\u0000${e.manifestSha256 ?? ''}`;
    if (!this.prunes.has(k) && this.room(e.where)) this.prunes.set(k, e);
  }

  /**
   * The kept export events in the order read: the first of each (day, manifest), and its newest
   * (when another) standing for the rest (`count`). In chain order their newest of a day, and of a
   * manifest, is the one all of them have: the checks find what they would in every event.
   */
  exportEvents(): ExportEvent[] {
    const kept: Kept[] = [];
    for (const p of this.pairs.values()) {
      if (p.newest === p.first) {
        kept.push(p.n === 1 ? p.first : { e: { ...p.first.e, count: p.n }, at: p.first.at });
        continue;
      }
      kept.push(p.first, { e: { ...p.newest.e, count: p.n - 1 }, at: p.newest.at });
    }
    return kept.sort((a, b) => a.at - b.at).map((k) => k.e);
  }

  /** The first of each distinct prune event, in the order read. */
  pruneEvents(): PruneEvent[] {
    return [...this.prunes.values()];
  }
}
