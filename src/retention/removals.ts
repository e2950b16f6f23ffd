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
import { GENESIS_HASH } from '../chain/hash.js';
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
   * Whether the oldest present file starts the chain (its first line is `seq` 1 after the genesis
   * hash). When it does not and no LogPruned event records a file before it, the files before it
   * were removed with no record (by hand, or by a tool that wrote none): the walks cannot tell what
   * they held.
   */
  readonly startsChain: boolean;
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
  const oldest = Math.min(...present.keys());
  let startsChain = false;
  for (const [day, file] of present) {
    // A file after `last` is searched for its LogPruned events only: each mark is one more pass over the bytes.
    const searched = day <= last ? [...marks, PRUNED_MARK] : [PRUNED_MARK];
    const withFirstLine = day === oldest;
    const found = (await linesContaining(join(logDir, file), searched, { withFirstLine })) ?? [];
    if (withFirstLine) startsChain = isChainStart(found[0]);
    if (day <= last)
      lines.set(
        file,
        found.filter((l) => marks.some((m) => l.includes(m))),
      );
    prunedLines.push(...found.filter((l) => l.includes(PRUNED_MARK)));
  }
  return { last, present, lines, removals: removalsOf(prunedLines, present, last), startsChain };
}

/** Whether `line` (a file's first) is the chain's first line (`seq` 1, `prev` the genesis hash). */
function isChainStart(line: Buffer | undefined): boolean {
  const ev = line === undefined ? undefined : parseObjectLine(line);
  return ev?.seq === 1 && ev.prev === GENESIS_HASH;
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
