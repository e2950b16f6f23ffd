/**
 * One read of the kept day files of a logs directory for the prune's carried-forward walks (config
 * in force, packs kept unverified): the lines holding their marks, and the LogPruned events that
 * record the files removed earlier (the chain's own record of each removal). Each file is read once,
 * whatever the number of walks: a nightly prune over a long log retention reads many large files.
 */
import { join } from 'node:path';
import { LOG_PRUNED_EVENT, WRITER_EVENT_CATEGORY } from '../format/writer-events.js';
import { linesContaining, parseObjectLine } from '../fsx/lines-containing.js';
import { dayOfLogFileName } from '../rotation/index.js';
import { GENESIS_HASH, hashLine, isHashHex } from '../chain/hash.js';
import { EventReader } from '../format/event-line.js';
import { recoveredIn } from '../format/recovered-line.js';
import { listLogs } from './logs.js';

const PRUNED_MARK = Buffer.from(JSON.stringify(LOG_PRUNED_EVENT));

/** A LogPruned event recording a file removed earlier, with the removed file's day. */
export interface Removal {
  readonly day: number;
  readonly ev: Record<string, unknown>;
}

/** What the walks read of a logs directory up to the last doomed file (readKeptLogs). */
export interface KeptLogs {
  /** The day of the newest doomed file: the walks stop after it. */
  readonly last: number;
  /** The day files present, by day. */
  readonly present: ReadonlyMap<number, string>;
  /** For each present file dated up to `last`, its lines holding any of the marks asked, in file order. */
  readonly lines: ReadonlyMap<string, readonly Buffer[]>;
  /**
   * Every LogPruned event of the present files whose `file` is a day file dated before `last` and
   * no longer present, in file order (a file recorded twice, by a prune killed after its event and
   * run again, is given twice: each walk picks by its own rule).
   */
  readonly removals: readonly Removal[];
  /**
   * Whether the oldest present file provably starts the chain: its first line is an event at `seq`
   * 1 after the genesis hash, and the chain continues from it into the next present file (the hash
   * of its last line is that file's first `prev`; nothing to continue into when it is the only
   * one). When it does not and no LogPruned event records a file before it, the files before it
   * were removed with no record (by hand, or by a tool that wrote none), or it was put there: the
   * walks cannot tell what the chain held before the next file.
   */
  readonly startsChain: boolean;
  /**
   * The present files dated up to `last`, after the oldest day the walks visit, whose first line
   * does not continue the chain from the day before them: its `prev` is not the hash of the last
   * line of the present file before it, nor the `end_hash` a LogPruned event recorded for the removed
   * file before it (a record without `end_hash`, of an earlier version or an empty day, tells
   * nothing: linked). Files between them were removed with no record (or one of them put there):
   * the walks cannot tell what the chain held there. Empty files count as absent (nothing to link).
   */
  readonly unlinked: ReadonlySet<number>;
}

/**
 * Reads each present day file of `logDir` once: the lines holding any of `marks` (of files dated up
 * to the newest of `doomed`) and the LogPruned events of every file. Undefined when `doomed` names
 * no day file (nothing to walk).
 */
export async function readKeptLogs(
  logDir: string,
  doomed: readonly string[],
  marks: readonly Buffer[],
): Promise<KeptLogs | undefined> {
  const doomedDays = doomed.map(dayOfLogFileName).filter((d): d is number => d !== undefined);
  if (doomedDays.length === 0) return undefined;
  const last = Math.max(...doomedDays);
  const present = new Map<number, string>();
  for (const l of listLogs(logDir)) present.set(dayOfLogFileName(l.file) as number, l.file);
  const lines = new Map<string, Buffer[]>();
  const prunedLines: Buffer[] = [];
  // The chain's ends of each file read (first line, hash of the last), oldest first (listLogs sorts), to tell where it breaks.
  const ends: FileEnds[] = [];
  for (const [day, file] of present) {
    // A file after `last` is searched for its LogPruned events only: each mark is one more pass over the bytes.
    const searched = day <= last ? [...marks, PRUNED_MARK] : [PRUNED_MARK];
    // Its first line links it to the file before; the last line of a file up to `last`, to the next.
    const withLastLine = day <= last;
    const first = { recovered: false };
    const recovers = firstKept(recoveredIn(file), first);
    const found =
      (await linesContaining(join(logDir, file), searched, { withFirstLine: true, withLastLine, recovers })) ?? [];
    const lastLine = found[found.length - 1];
    // A recovered first line is the file's first line (for the links) but no event (for the walks).
    const events = first.recovered ? found.slice(1) : found;
    if (found.length > 0)
      ends.push({
        day,
        first: found[0] as Buffer,
        lastHash: withLastLine && lastLine ? hashLine(lastLine) : undefined,
      });
    if (day <= last)
      lines.set(
        file,
        events.filter((l) => marks.some((m) => l.includes(m))),
      );
    prunedLines.push(...events.filter((l) => l.includes(PRUNED_MARK)));
  }
  const removals = removalsOf(prunedLines, present, last);
  return { last, present, lines, removals, ...linksOf(ends, removals, last) };
}

/**
 * linesContaining's `recovers` for readKeptLogs: a found line that the next line recovers is left
 * out (docs/FORMAT.md "Torn lines and recovery": never an event), except the file's first line,
 * which stays its first line and is said recovered (`first.recovered`) for the caller to pass over.
 */
function firstKept(
  recovered: (next: Buffer, line: Buffer, offset: number) => boolean,
  first: { recovered: boolean },
): (next: Buffer, line: Buffer, offset: number) => boolean {
  return (next, line, offset) => {
    if (!recovered(next, line, offset)) return false;
    if (offset !== 0) return true;
    first.recovered = true;
    return false;
  };
}

/**
 * A day of the chain as the walks see it: a present file (its first line) or a removed one the
 * LogPruned events record, with the hashes its chain may end with (the hash of a present file's
 * last line; a removed file's recorded `end_hash`). `ends` undefined: nothing tells (a removal
 * recorded without `end_hash`, by an earlier version or for an empty day).
 */
interface ChainDay {
  readonly day: number;
  readonly first: Buffer | undefined;
  readonly ends: ReadonlySet<string> | undefined;
}

/** A present file's ends: its first line and (for a file up to `last`) the hash of its last line. */
interface FileEnds {
  readonly day: number;
  readonly first: Buffer;
  readonly lastHash: string | undefined;
}

/** startsChain and unlinked (KeptLogs) of the present files' ends and the removals recorded. */
function linksOf(
  files: readonly FileEnds[],
  removals: readonly Removal[],
  last: number,
): { startsChain: boolean; unlinked: Set<number> } {
  // A file recorded twice (a prune killed after its event, run again): either record's end_hash links.
  const removed = new Map<number, Set<string>>();
  for (const { day, ev } of removals) {
    const ends = removed.get(day) ?? new Set<string>();
    if (isHashHex(ev.end_hash)) ends.add(ev.end_hash);
    removed.set(day, ends);
  }
  const days: ChainDay[] = [
    ...files.map((f) => ({ day: f.day, first: f.first, ends: new Set(f.lastHash === undefined ? [] : [f.lastHash]) })),
    ...[...removed].map(([day, ends]) => ({ day, first: undefined, ends: ends.size > 0 ? ends : undefined })),
  ].sort((x, y) => x.day - y.day);
  const unlinked = new Set<number>();
  for (let i = 1; i < days.length; i++) {
    const d = days[i] as ChainDay;
    if (d.first !== undefined && d.day <= last && !continues(days[i - 1] as ChainDay, d)) unlinked.add(d.day);
  }
  const [oldest, next] = days;
  const startsChain =
    oldest?.first !== undefined && isChainStart(oldest.first) && (next === undefined || continues(oldest, next));
  return { startsChain, unlinked };
}

/**
 * Whether the chain runs from `before`'s end into `after`'s first line (its `prev` one of the hashes
 * `before` may end with); true when nothing tells where `before` ended.
 */
function continues(before: ChainDay, after: ChainDay): boolean {
  if (before.ends === undefined) return true;
  const prev = after.first === undefined ? undefined : parseObjectLine(after.first)?.prev;
  return typeof prev === 'string' && before.ends.has(prev);
}

/** Whether `line` (a file's first) is the chain's first line: an event at `seq` 1, `prev` the genesis hash. */
function isChainStart(line: Buffer): boolean {
  const r = new EventReader().read(line, 0, line.length);
  return r.ok && r.ev.seq === 1 && r.ev.prev === GENESIS_HASH;
}

/** The LogPruned events of `found` recording a day file dated before `last` and no longer present. */
function removalsOf(found: readonly Buffer[], present: ReadonlyMap<number, string>, last: number): Removal[] {
  const out: Removal[] = [];
  for (const line of found) {
    const ev = parseObjectLine(line);
    if (ev?.category !== WRITER_EVENT_CATEGORY || ev.event !== LOG_PRUNED_EVENT || typeof ev.file !== 'string')
      continue;
    const day = dayOfLogFileName(ev.file);
    if (day === undefined || day >= last || present.has(day)) continue;
    out.push({ day, ev });
  }
  return out;
}

/**
 * The days a walk visits, oldest first: the present files and the removed files the LogPruned
 * events record (`removed`'s keys), up to `last`.
 */
export function walkDays(logs: KeptLogs, removed: ReadonlyMap<number, unknown>): number[] {
  return [...new Set([...logs.present.keys(), ...removed.keys()])].filter((d) => d <= logs.last).sort((a, b) => a - b);
}
