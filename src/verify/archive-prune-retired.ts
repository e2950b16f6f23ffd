/**
 * A `pruned.jsonl` line whose PackPruned event retention removed (docs/decisions.md "A ledger line
 * whose PackPruned event log retention removed"). Prune writes the event into the log of the prune's
 * day; that day file and the pack holding its copy are later removed in turn, and nothing of the
 * chain records the event any more. Such a line is not taken as recorded: it is an info (or, without
 * the live logs, a warning) only when what is left still bounds it — its prune day has no log file
 * and no pack left, a LogPruned event records the removal of that day's file or a later one, and it
 * was pruned after its day plus the retention it claims. A prune day whose log file or pack is
 * still here needs its event there, an error as before. So does a prune day the chain shows had no
 * log file (docs/decisions.md "A ledger line claiming a prune on a day without a log"): the pack (or
 * the removed file a LogPruned event of the packs' logs records) before it and the pack after it
 * link directly, or (with the live logs) the ConfigEventIndex finds it `absent`.
 * Prune chains its PackPruned events before removing a pack, so no pack was pruned on such a day.
 */
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { linesContaining, parseObjectLine } from '../fsx/lines-containing.js';
import { PACK_PATH, PRUNE_EVENT } from '../format/pack.js';
import { recoveredIn } from '../format/recovered-line.js';
import { LOG_PRUNED_EVENT, WRITER_EVENT_CATEGORY } from '../format/writer-events.js';
import { dayNumberOfIsoDate, dayOfLogFileName, isoDate, logFileName } from '../rotation/index.js';
import { ConfigEventIndex } from '../snapshot/config-events.js';
import type { LedgerEntry } from './archive-ledger.js';
import { type KeptNote, keptNotesInFile } from './kept-events.js';

const LOG_PRUNED_MARK = Buffer.from(JSON.stringify(LOG_PRUNED_EVENT));
const PRUNE_MARK = Buffer.from(JSON.stringify(PRUNE_EVENT.event));
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** What the archive and the live logs hold of the removed day files. */
export interface RetiredContext {
  /** The days of every pack in the directory (current, `.vN`, `.tar.gz`): whose log is still here. */
  readonly packDays: ReadonlySet<string>;
  /** The live logs directory, when given. */
  readonly logDir: string | undefined;
  /** The current packs' directories, newest first: their logs' LogPruned events, without the live logs. */
  readonly packDirs: readonly string[];
  /**
   * What each of packDirs' logs says of the packs kept unverified (its PackKept events and LogPruned
   * `kept_unverified` sets), as the pack's check found them in its pass over the log.
   */
  readonly packKept: readonly (readonly KeptNote[])[];
  /** The current packs' spans of the chain, oldest first (manifest.json's, held to their logs elsewhere). */
  readonly spans: readonly PackSpan[];
  /** The artifacts directory: vouched copies of removed day files, for the chain's links across a day. */
  readonly artifactsDir: string;
  /** The pack directories in the directory (any version), by name: a kept pack still here was not deleted. */
  readonly packNames?: ReadonlySet<string>;
}

/** The newest day a chained record says a pack (by date and path) was kept unverified, and which record. */
export interface KeptRecord {
  readonly day: string;
  readonly where: string;
}

/**
 * Where a current pack's log starts and ends in the chain (manifest.json `chain`), or where a
 * removed day file ended (its LogPruned event's `last_seq`, `end_hash`; no start).
 */
export interface PackSpan {
  readonly name: string;
  readonly date: string;
  readonly firstSeq: number | null;
  readonly startPrev: string | null;
  readonly lastSeq: number | null;
  readonly endHash: string | null;
}

/** The oldest span starting after day `p` (its first line's seq and prev), if any. */
function firstAfter(spans: readonly PackSpan[], p: string): PackSpan | undefined {
  let after: PackSpan | undefined;
  for (const s of spans)
    if (s.date > p && s.firstSeq !== null && s.startPrev !== null && (after === undefined || s.date < after.date))
      after = s;
  return after;
}

/** Whether `after`'s first line follows `before`'s last (seq + 1, prev = its hash). */
const follows = (before: PackSpan, after: PackSpan): boolean =>
  before.lastSeq !== null && after.firstSeq === before.lastSeq + 1 && after.startPrev === before.endHash;

/**
 * The two spans the chain links directly across day `p` (the newest ending before it, the oldest
 * starting after it: the latter's first line follows the former's last), or undefined. Then no line
 * was written between them: no day file of `p`, no event of a prune on it.
 */
export function linkedAcross(spans: readonly PackSpan[], p: string): { before: string; after: string } | undefined {
  let before: PackSpan | undefined;
  for (const s of spans)
    if (s.date < p && s.lastSeq !== null && s.endHash !== null && (before === undefined || s.date > before.date))
      before = s;
  const after = firstAfter(spans, p);
  if (before === undefined || after === undefined || !follows(before, after)) return undefined;
  return { before: before.name, after: after.name };
}

/** Why a line without its event is not an error, or the error's reason. */
export type RetiredVerdict =
  | { readonly kind: 'recorded' }
  | { readonly kind: 'retired'; readonly day: string }
  | { readonly kind: 'unchecked'; readonly day: string; readonly newestRemoved: string | undefined }
  | { readonly kind: 'error'; readonly reason: string };

/** The day a line claims it was pruned on (UTC), when `pruned_at` is an instant. */
export function pruneDayOf(e: LedgerEntry): string | undefined {
  return e.prunedAt === undefined ? undefined : new Date(e.prunedAt).toISOString().slice(0, 10);
}

/**
 * The bound every line must meet, checkable without its event: retention prunes packs dated before
 * the prune's day minus the retention, so the prune day is after the pack's day (the later of
 * `export_date` and `path`'s date) plus the retention the line claims (0 when it claims none).
 */
export function prunedTooSoon(e: LedgerEntry, packDay: string): string | undefined {
  const p = pruneDayOf(e);
  const d = dayNumberOfIsoDate(packDay);
  const pd = p === undefined ? undefined : dayNumberOfIsoDate(p);
  if (pd === undefined || d === undefined) return 'it has no pruned_at to bound it';
  const r = e.fields.retention_days ?? 0;
  if (pd > d + r) return undefined;
  return `it claims a prune on ${p}, not after its day ${packDay} plus the ${r} days of retention it claims: no retention removes a pack that early`;
}

/** Judges lines without their event against what retention left (the removed logs read once, lazily). */
export class RetiredEvidence {
  private removed: Promise<{ oldestKept: string | undefined; newestRemoved: string | undefined }> | undefined;
  /** Kept log files read for PackPruned events, by day number. */
  private readonly kept = new Map<number, Promise<Set<string>>>();
  /** The chain's day files (kept, removed, or none), read lazily: which days had no file. */
  private index: ConfigEventIndex | undefined;
  /** Where the removed day files each current pack's log records ended (by index in packDirs), read once, lazily. */
  private readonly ends = new Map<number, Promise<PackSpan[]>>();

  /** The PackKept events and LogPruned `kept_unverified` sets of the packs' (and live) logs, gathered once, lazily. */
  private keptRecords: Promise<Map<string, KeptRecord>> | undefined;

  /** `ledger`: every line, so that a line contradicted by a keep is excused by a later prune of the same pack. */
  constructor(
    private readonly ctx: RetiredContext,
    private readonly ledger: readonly LedgerEntry[] = [],
  ) {}

  /** The verdict for `e`, pruned on day `p` (bounded already by prunedTooSoon). */
  async judge(e: LedgerEntry, p: string): Promise<RetiredVerdict> {
    const kept = await this.keptAfter(e, p);
    if (kept !== undefined)
      return {
        kind: 'error',
        reason: `${kept.where} says the pack was still kept on ${kept.day} (it did not verify), after its claimed prune on ${p}: evidence that does not verify is never pruned, so it was deleted by hand`,
      };
    if (this.ctx.packDays.has(p))
      return {
        kind: 'error',
        reason: `a pack of its prune day ${p} is still here, and its log (a copy of that day's file) holds no such event`,
      };
    const across = await this.linkedAcrossDay(p);
    if (across !== undefined)
      return {
        kind: 'error',
        reason: `the chain links ${across.before}'s last line directly to ${across.after}'s first: nothing was logged on its prune day ${p} (no log file), so no prune ran that day (a prune chains its PackPruned events before removing a pack)`,
      };
    const { oldestKept, newestRemoved } = await this.removedLogs();
    if (this.ctx.logDir !== undefined) {
      if ((await this.keptOrNeverRemoved(p, oldestKept)) === true) {
        if (await this.inKeptLog(e, p)) return { kind: 'recorded' };
        return {
          kind: 'error',
          reason: `the log file of its prune day ${p} is kept (or was never removed), and holds no such event`,
        };
      }
      const noLog = await this.noLogOn(e, p, oldestKept);
      if (noLog === 'recorded') return { kind: 'recorded' };
      if (noLog !== undefined) return { kind: 'error', reason: noLog };
      if (newestRemoved === undefined || newestRemoved < p)
        return {
          kind: 'error',
          reason: `no LogPruned event in the live logs records the removal of ${p}'s log file or a later one (${newestRemoved === undefined ? 'none found' : `the newest removed is ${newestRemoved}`}): that file was not removed by retention`,
        };
      return { kind: 'retired', day: p };
    }
    return newestRemoved !== undefined && newestRemoved >= p
      ? { kind: 'retired', day: p }
      : { kind: 'unchecked', day: p, newestRemoved };
  }

  /**
   * The newest chained record that the pack `e` names was kept because it did not verify, when it is
   * dated after `p`: a PackKept event (the day of its `iso_ts`), or a LogPruned event whose `kept_unverified` names it
   * (the removed file's day: no PackPruned of it up to that file's end, while an honest prune on `p`
   * chains its PackPruned on `p` or the day after). Not when a pack of that name is here (a
   * re-export kept the name), or another ledger line of the same pack claims a prune on that day or
   * later (the pack was pruned again after a re-export; that line is judged on its own).
   */
  private async keptAfter(e: LedgerEntry, p: string): Promise<KeptRecord | undefined> {
    const path = e.path ?? e.exportDate;
    const rec = (await this.readKeptOnce()).get(keptKey(e.exportDate, path));
    if (rec === undefined || rec.day < p || this.ctx.packNames?.has(path) === true) return undefined;
    // Kept on the claimed prune day itself: an honest prune late that day chains its PackPruned in
    // the file of p or p+1. Excused only when neither file is read (no current pack of either day,
    // nor the live file): one that is read would hold the event, and the line would be recorded.
    if (rec.day === p && !(await this.eitherFileRead(p))) return undefined;
    for (const o of this.ledger) {
      const od = o === e ? undefined : pruneDayOf(o);
      if (od !== undefined && o.exportDate === e.exportDate && (o.path ?? o.exportDate) === path && od >= rec.day)
        return undefined;
    }
    return rec;
  }

  /** Whether the day file of `p` or of the day after is read: a current pack's log of that day, or the live file. */
  private async eitherFileRead(p: string): Promise<boolean> {
    const day = dayNumberOfIsoDate(p);
    if (day === undefined) return false;
    for (const d of [p, isoDate(day + 1)]) {
      if (this.ctx.spans.some((s) => s.date === d)) return true;
      if (this.ctx.logDir !== undefined && (await this.liveDays()).has(d)) return true;
    }
    return false;
  }

  /**
   * Whether the live log file of day `d` is kept, or `d` is not older than `oldestKept` (the oldest
   * kept file newer than every removal recorded): then a file of `d` was never removed. A file older
   * than a recorded removal that retention kept (the log of a pack kept because it did not verify)
   * vouches for its own day only, not for the days after it whose files retention removed.
   */
  private async keptOrNeverRemoved(d: string, oldestKept: string | undefined): Promise<boolean> {
    return (oldestKept !== undefined && d >= oldestKept) || (await this.liveDays()).has(d);
  }

  private liveDaysRead: Promise<Set<string>> | undefined;
  private liveDays(): Promise<Set<string>> {
    const logDir = this.ctx.logDir;
    this.liveDaysRead ??= (async () => {
      const out = new Set<string>();
      if (logDir === undefined) return out;
      for (const f of await readdir(logDir).catch(() => [] as string[])) {
        const d = dayOfLogFileName(f);
        if (d !== undefined) out.add(isoDate(d));
      }
      return out;
    })();
    return this.liveDaysRead;
  }

  /**
   * The packs a chained record says are kept (a PackKept event, a LogPruned `kept_unverified`) that
   * are neither in the directory (by name) nor accounted for by a ledger line or a PackPruned event
   * (`pruned`: the keys `date\0path` of the events read) of the same date and path: deleted by hand
   * without even a ledger line. Evidence that does not verify is never pruned.
   */
  async keptMissing(pruned: ReadonlySet<string>): Promise<{ date: string; path: string; rec: KeptRecord }[]> {
    const kept = await this.readKeptOnce();
    if (kept.size === 0) return [];
    const accounted = new Set(pruned);
    for (const o of this.ledger) accounted.add(keptKey(o.exportDate, o.path ?? o.exportDate));
    const out: { date: string; path: string; rec: KeptRecord }[] = [];
    for (const [k, rec] of kept) {
      const [date, path] = k.split('\u0000') as [string, string];
      if (this.ctx.packNames?.has(path) === true || accounted.has(k)) continue;
      out.push({ date, path, rec });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  private readKeptOnce(): Promise<Map<string, KeptRecord>> {
    this.keptRecords ??= this.readKept();
    return this.keptRecords;
  }

  /**
   * The newest keep each pack has in the current packs' logs (as their checks found them: packKept)
   * and, with --log-dir, the live logs (read here).
   */
  private async readKept(): Promise<Map<string, KeptRecord>> {
    const out = new Map<string, KeptRecord>();
    const note = (n: KeptNote, name: string): void => {
      const k = keptKey(n.date, n.path);
      const had = out.get(k);
      if (had === undefined || n.day > had.day)
        out.set(k, {
          day: n.day,
          where:
            n.logPruned === undefined
              ? `a PackKept event in ${name}`
              : `the LogPruned event of ${n.logPruned}'s file in ${name} (kept_unverified)`,
        });
    };
    this.ctx.packDirs.forEach((d, i) => {
      for (const n of this.ctx.packKept[i] ?? []) note(n, `${basename(d)}'s log`);
    });
    if (this.ctx.logDir !== undefined) {
      const logDir = this.ctx.logDir;
      for (const f of (await readdir(logDir).catch(() => [] as string[])).sort())
        if (dayOfLogFileName(f) !== undefined)
          for (const n of await keptNotesInFile(join(logDir, f))) note(n, `the live log ${f}`);
    }
    return out;
  }

  /**
   * With the live logs: why the chain shows that day `p` had no log file, so that no prune ran on it
   * (its LogPruned records and first lines link across `p`: the ConfigEventIndex's `absent`), and
   * that the next day's file (a prune at midnight) holds no such event either: it had no file, or it
   * is kept without the event, or a pack of it is here (its events were read). 'recorded' when the
   * next day's kept file holds the event; undefined when the chain cannot tell.
   */
  private async noLogOn(
    e: LedgerEntry,
    p: string,
    oldestKept: string | undefined,
  ): Promise<string | 'recorded' | undefined> {
    const day = dayNumberOfIsoDate(p);
    const logDir = this.ctx.logDir;
    if (day === undefined || logDir === undefined) return undefined;
    this.index ??= new ConfigEventIndex({ logDir, artifactsDir: this.ctx.artifactsDir });
    if (!(await this.index.noFile(day))) return undefined;
    const next = isoDate(day + 1);
    const why = `the chain links across its prune day ${p} (the LogPruned records and the next file's first line show no log file was written that day), so no prune ran that day`;
    if (await this.keptOrNeverRemoved(next, oldestKept))
      return (await this.pruneEventsOf(day + 1)).has(ledgerKey(e))
        ? 'recorded'
        : `${why}, and the kept file of ${next} holds no such event`;
    if (this.ctx.packDays.has(next))
      return `${why}, and the pack of ${next} (its log a copy of that day's file) holds no such event`;
    if (await this.index.noFile(day + 1)) return `${why}, nor on ${next}`;
    return undefined;
  }

  /**
   * The spans the chain links directly across day `p`: two current packs, or else the oldest pack
   * after `p` and the removed day file before `p` whose end (a LogPruned event's `last_seq`,
   * `end_hash`) its first line follows. That removal is looked for in the packs' logs newest first,
   * up to the first holding a removal older than the pack (retention removes the oldest files first:
   * there is the newest such removal); a link is proof whichever removal it is.
   */
  private async linkedAcrossDay(p: string): Promise<{ before: string; after: string } | undefined> {
    const direct = linkedAcross(this.ctx.spans, p);
    if (direct !== undefined) return direct;
    const after = firstAfter(this.ctx.spans, p);
    if (after === undefined) return undefined;
    for (let i = 0; i < this.ctx.packDirs.length; i++) {
      const older = (await this.removalEndsIn(i)).filter((s) => s.date < after.date);
      if (older.length === 0) continue;
      const end = older.find((s) => s.date < p && follows(s, after));
      return end === undefined ? undefined : { before: end.name, after: after.name };
    }
    return undefined;
  }

  /** Where each removed day file that a LogPruned event of the `i`th current pack's log records ended, read once. */
  private removalEndsIn(i: number): Promise<PackSpan[]> {
    let ends = this.ends.get(i);
    if (ends === undefined) {
      ends = this.readRemovalEnds(this.ctx.packDirs[i] as string);
      this.ends.set(i, ends);
    }
    return ends;
  }

  /** The removals a pack's log records, as spans with no start (chained events: the pack's log is held to the chain). */
  private async readRemovalEnds(dir: string): Promise<PackSpan[]> {
    const out: PackSpan[] = [];
    // A link or FIFO in artifacts/ is the attacker's: never read through.
    // A line the next line recovers is no event (docs/FORMAT.md "Torn lines and recovery"); a pack's
    // day is its name's, not asked here (any file name, as the Python checker's log_events).
    const lines = await linesContaining(join(dir, PACK_PATH.log), LOG_PRUNED_MARK, {
      followLinks: false,
      terminatedOnly: true,
      recovers: recoveredIn(undefined),
    });
    for (const line of lines ?? []) {
      const ev = parseObjectLine(line);
      if (ev?.category !== WRITER_EVENT_CATEGORY || ev.event !== LOG_PRUNED_EVENT) continue;
      if (typeof ev.date !== 'string' || !DATE_RE.test(ev.date) || typeof ev.end_hash !== 'string') continue;
      if (!Number.isSafeInteger(ev.last_seq) || (ev.last_seq as number) < 1) continue;
      out.push({
        name: `${ev.date}'s removed log file (LogPruned in ${basename(dir)})`,
        date: ev.date,
        firstSeq: null,
        startPrev: null,
        lastSeq: ev.last_seq as number,
        endHash: ev.end_hash,
      });
    }
    return out;
  }

  private removedLogs(): Promise<{ oldestKept: string | undefined; newestRemoved: string | undefined }> {
    this.removed ??= this.readRemoved();
    return this.removed;
  }

  /**
   * The newest day whose file a LogPruned event records as removed, and the oldest kept day file
   * newer than it (from which on no file was removed): retention removes the oldest files first, so
   * the newest file holding a LogPruned event holds the newest removal (files read newest first,
   * stopping there). A file retention kept past its time (the log of a pack kept because it did not
   * verify) is older than removals: it is no bound for the days after it. A removal of a day whose
   * file is here is no removal. Without the live logs, the current packs' logs stand for them
   * (oldest kept: none known).
   */
  private async readRemoved(): Promise<{ oldestKept: string | undefined; newestRemoved: string | undefined }> {
    let files: string[];
    let live: string[] = [];
    if (this.ctx.logDir !== undefined) {
      const logDir = this.ctx.logDir;
      const days = (await readdir(logDir).catch(() => [] as string[]))
        .map(dayOfLogFileName)
        .filter((d): d is number => d !== undefined)
        .sort((a, b) => b - a);
      live = days.map(isoDate);
      files = days.map((d) => join(logDir, logFileName(d)));
    } else files = this.ctx.packDirs.map((d) => join(d, PACK_PATH.log));
    const here = new Set(live);
    // The oldest kept day file newer than `removed` (all of them when none is): newest first.
    const oldestAfter = (removed: string | undefined): string | undefined => {
      let oldest: string | undefined;
      for (const d of live) {
        if (removed !== undefined && d <= removed) break;
        oldest = d;
      }
      return oldest;
    };
    for (const file of files) {
      // A link or FIFO in artifacts/ is the attacker's: never read through.
      const lines = await linesContaining(file, LOG_PRUNED_MARK, {
        followLinks: false,
        terminatedOnly: true,
        recovers: recoveredIn(this.ctx.logDir === undefined ? undefined : basename(file)),
      });
      let newest: string | undefined;
      for (const line of lines ?? []) {
        const ev = parseObjectLine(line);
        if (ev?.category !== WRITER_EVENT_CATEGORY || ev.event !== LOG_PRUNED_EVENT) continue;
        const d = ev.date;
        // A removal of a kept day's file is no removal (its file is here to read).
        if (typeof d !== 'string' || !DATE_RE.test(d) || here.has(d)) continue;
        if (newest === undefined || d > newest) newest = d;
      }
      if (newest !== undefined) return { oldestKept: oldestAfter(newest), newestRemoved: newest };
    }
    return { oldestKept: oldestAfter(undefined), newestRemoved: undefined };
  }

  /**
   * Whether the kept log file of day `p` (or the next: a prune running at midnight) holds the line's
   * event. The live pass reads only from the newest pack's day on; a log kept longer than the packs
   * holds the event of a prune whose pack is gone. Each file is read once, however many lines
   * (forged ones included) name its day.
   */
  private async inKeptLog(e: LedgerEntry, p: string): Promise<boolean> {
    const day = dayNumberOfIsoDate(p);
    if (day === undefined) return false;
    const key = ledgerKey(e);
    for (const d of [day, day + 1]) if ((await this.pruneEventsOf(d)).has(key)) return true;
    return false;
  }

  /** The PackPruned events (date, path, manifest) of the kept log file of day `d`, read once. */
  private pruneEventsOf(d: number): Promise<Set<string>> {
    let p = this.kept.get(d);
    if (p === undefined) {
      p = this.readPruneEvents(d);
      this.kept.set(d, p);
    }
    return p;
  }

  private async readPruneEvents(d: number): Promise<Set<string>> {
    const out = new Set<string>();
    if (this.ctx.logDir === undefined) return out;
    const name = logFileName(d);
    const lines = await linesContaining(join(this.ctx.logDir, name), PRUNE_MARK, {
      terminatedOnly: true,
      recovers: recoveredIn(name),
    });
    for (const line of lines ?? []) {
      const ev = parseObjectLine(line);
      if (ev?.category !== PRUNE_EVENT.category || ev.event !== PRUNE_EVENT.event) continue;
      if (typeof ev.date !== 'string' || typeof ev.path !== 'string') continue;
      out.add(`${ev.date}\u0000${ev.path}\u0000${typeof ev.manifest_sha256 === 'string' ? ev.manifest_sha256 : ''}`);
    }
    return out;
  }
}

/** The key a keep is matched to a ledger line by: date and path (whatever manifest the line claims). */
export const keptKey = (date: string, path: string): string => `${date}\u0000${path}`;

/** The key a PackPruned event matches a ledger line by: date, path, manifest. */
function ledgerKey(e: LedgerEntry): string {
  return `${e.exportDate}\u0000${e.path ?? ''}\u0000${e.rawSha ?? ''}`;
}
