/**
 * A `pruned.jsonl` line whose PackPruned event retention removed (docs/decisions.md "A ledger line
 * whose PackPruned event log retention removed"). Prune writes the event into the log of the prune's
 * day; that day file and the pack holding its copy are later removed in turn, and nothing of the
 * chain records the event any more. Such a line is not taken as recorded: it is an info (or, without
 * the live logs, a warning) only when what is left still bounds it — its prune day has no log file
 * and no pack left, a LogPruned event records the removal of that day's file or a later one, and it
 * was pruned after its day plus the retention it claims. A prune day whose log file or pack is
 * still here needs its event there, an error as before.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { linesContaining, parseObjectLine } from '../fsx/lines-containing.js';
import { PACK_PATH, PRUNE_EVENT } from '../format/pack.js';
import { LOG_PRUNED_EVENT, WRITER_EVENT_CATEGORY } from '../format/writer-events.js';
import { dayNumberOfIsoDate, dayOfLogFileName, isoDate, logFileName } from '../rotation/index.js';
import type { LedgerEntry } from './archive-ledger.js';

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

  constructor(private readonly ctx: RetiredContext) {}

  /** The verdict for `e`, pruned on day `p` (bounded already by prunedTooSoon). */
  async judge(e: LedgerEntry, p: string): Promise<RetiredVerdict> {
    if (this.ctx.packDays.has(p))
      return {
        kind: 'error',
        reason: `a pack of its prune day ${p} is still here, and its log (a copy of that day's file) holds no such event`,
      };
    const { oldestKept, newestRemoved } = await this.removedLogs();
    if (this.ctx.logDir !== undefined) {
      if (oldestKept !== undefined && p >= oldestKept) {
        if (await this.inKeptLog(e, p)) return { kind: 'recorded' };
        return {
          kind: 'error',
          reason: `the log file of its prune day ${p} is kept (or was never removed), and holds no such event`,
        };
      }
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

  private removedLogs(): Promise<{ oldestKept: string | undefined; newestRemoved: string | undefined }> {
    this.removed ??= this.readRemoved();
    return this.removed;
  }

  /**
   * The oldest kept day file and the newest day whose file a LogPruned event records as removed:
   * retention removes the oldest files first, so the newest file holding a LogPruned event holds the
   * newest removal (files read newest first, stopping there). Without the live logs, the current
   * packs' logs stand for them (oldest kept: none known).
   */
  private async readRemoved(): Promise<{ oldestKept: string | undefined; newestRemoved: string | undefined }> {
    let files: string[];
    let oldestKept: string | undefined;
    if (this.ctx.logDir !== undefined) {
      const logDir = this.ctx.logDir;
      const days = (await readdir(logDir).catch(() => [] as string[]))
        .map(dayOfLogFileName)
        .filter((d): d is number => d !== undefined)
        .sort((a, b) => b - a);
      oldestKept = days.length === 0 ? undefined : isoDate(days[days.length - 1] as number);
      files = days.map((d) => join(logDir, logFileName(d)));
    } else files = this.ctx.packDirs.map((d) => join(d, PACK_PATH.log));
    for (const file of files) {
      // A link or FIFO in artifacts/ is the attacker's: never read through.
      const lines = await linesContaining(file, LOG_PRUNED_MARK, { followLinks: false, terminatedOnly: true });
      let newest: string | undefined;
      for (const line of lines ?? []) {
        const ev = parseObjectLine(line);
        if (ev?.category !== WRITER_EVENT_CATEGORY || ev.event !== LOG_PRUNED_EVENT) continue;
        const d = ev.date;
        // A removal of a kept day's file is no removal (its file is here to read).
        if (typeof d !== 'string' || !DATE_RE.test(d) || (oldestKept !== undefined && d >= oldestKept)) continue;
        if (newest === undefined || d > newest) newest = d;
      }
      if (newest !== undefined) return { oldestKept, newestRemoved: newest };
    }
    return { oldestKept, newestRemoved: undefined };
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
    const key = `${e.exportDate}\u0000${e.path ?? ''}\u0000${e.rawSha ?? ''}`;
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
    const lines = await linesContaining(join(this.ctx.logDir, logFileName(d)), PRUNE_MARK, { terminatedOnly: true });
    for (const line of lines ?? []) {
      const ev = parseObjectLine(line);
      if (ev?.category !== PRUNE_EVENT.category || ev.event !== PRUNE_EVENT.event) continue;
      if (typeof ev.date !== 'string' || typeof ev.path !== 'string') continue;
      out.add(`${ev.date}\u0000${ev.path}\u0000${typeof ev.manifest_sha256 === 'string' ? ev.manifest_sha256 : ''}`);
    }
    return out;
  }
}
