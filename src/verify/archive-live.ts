/**
 * The archive against the live log (docs/FORMAT.md "An artifacts directory"). Nothing inside the
 * newest pack pins its last line: no later pack links to it, and without a signature a forger can
 * edit that line and recompute every hash the pack holds. The live log pins it twice — the line
 * after it links to its hash (`prev`), and the export's own chained `PackExported` event records
 * the pack's manifest hash (and, since this check exists, where its chain ends) — so, given the
 * live logs, verify holds the newest pack to the line after it and every pack to its export event.
 * One pass over the live files from the newest pack's day on also collects the PackPruned events.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type ScannedLine, scanLines } from '../chain/lines.js';
import { SEQ_SALVAGE_RE, TAIL_LENGTH, TAIL_RE } from '../format/log-line.js';
import { PACK_PATH, PRUNED_LEDGER } from '../format/pack.js';
import { dayOfLogFileName, isoDate } from '../rotation/index.js';
import type { LedgerEntry, PackInfo } from './archive-ledger.js';
import { type ExportEvent, exportEventOf, type PruneEvent, pruneEventOf } from './chain-events.js';
import { LiveEvents } from './live-events.js';

export type { ExportEvent } from './chain-events.js';
import type { Findings } from './report.js';
import { type StampEvent, stampEventOf } from './stamp-record.js';
import { FragmentWatch } from '../format/recovered-line.js';

/** Where the newest pack with events ends: what the live log must continue. */
export interface PackTail {
  readonly name: string;
  readonly date: string;
  readonly lastSeq: number;
  readonly endHash: string;
}

/** A line of the live log at the tail's seq or the one after it. */
interface TailLine {
  readonly file: string;
  readonly line: number;
  /** The line's own hash (at `lastSeq`) or its `prev` (at `lastSeq + 1`). */
  readonly hash: string;
}

/** What one pass over the live files found. */
export interface LiveLog {
  readonly files: number;
  readonly pruneEvents: readonly PruneEvent[];
  readonly exportEvents: readonly ExportEvent[];
  /** The PackTimestamped events (the first of each manifest and token). */
  readonly stampEvents: readonly StampEvent[];
  /**
   * The live lines with the tail's last seq (their hash), and with the next seq (their prev): the
   * first that holds the tail's hash and the first that does not, all checkLiveTail asks.
   */
  readonly atLast: readonly TailLine[];
  readonly afterLast: readonly TailLine[];
  /** The seq of the live log's last line and its file: where the live chain ends. */
  readonly end: { readonly seq: number; readonly file: string } | undefined;
  /** Distinct events over the budget (live-events.ts), not kept: how many, from which file on. */
  readonly unchecked?: { readonly events: number; readonly from: string; readonly budget: number };
}

/** A line's seq is in its head: `{"ts":…,"iso_ts":"…","seq":N,` lies within these bytes. */
const HEAD_BYTES = 96;
const HEX64 = /^[0-9a-f]{64}$/;

/** Keeps `l` unless a line as like the tail's hash (or as unlike it) is kept already: two at most. */
function keepOne(list: TailLine[], l: TailLine, endHash: string): void {
  const holds = l.hash === endHash;
  if (!list.some((x) => (x.hash === endHash) === holds)) list.push(l);
}

/** Finds the live lines at the tail's last seq and the one after it (into lists shared by the files). */
class TailTap {
  /** The seq of the last line read: a live log that ends before the pack's chain lost its tail. */
  endSeq: number | undefined;
  constructor(
    private readonly file: string,
    private readonly tail: PackTail,
    private readonly atLast: TailLine[],
    private readonly afterLast: TailLine[],
  ) {}

  push(l: ScannedLine): void {
    const b = l.bytes;
    if (b === undefined || !l.terminated) return;
    const m = SEQ_SALVAGE_RE.exec(b.toString('latin1', 0, Math.min(b.length, HEAD_BYTES)));
    if (m === null) return;
    const seq = Number(m[1]);
    this.endSeq = seq;
    const { lastSeq, endHash } = this.tail;
    if (seq === lastSeq) keepOne(this.atLast, { file: this.file, line: l.lineNumber, hash: l.hash }, endHash);
    else if (seq === lastSeq + 1) {
      const prev = TAIL_RE.exec(b.toString('latin1', Math.max(0, b.length - TAIL_LENGTH)))?.[1];
      if (prev !== undefined) keepOne(this.afterLast, { file: this.file, line: l.lineNumber, hash: prev }, endHash);
    }
  }
}

/** What the scan of the live files keeps: the events within one budget, and the tail's lines. */
interface LiveSink {
  readonly events: LiveEvents;
  readonly atLast: TailLine[];
  readonly afterLast: TailLine[];
}

/**
 * Scans one live file, of the day `logDay`, into `sink` (its events; with `wantTail`, its lines at
 * the tail's seqs). Returns the seq of its last line (null: not looked for, or no line), or
 * undefined when it could not be read.
 */
async function scanLiveFile(
  logDir: string,
  name: string,
  logDay: string,
  tail: PackTail | undefined,
  wantTail: boolean,
  sink: LiveSink,
): Promise<number | null | undefined> {
  const tailTap = tail === undefined || !wantTail ? undefined : new TailTap(name, tail, sink.atLast, sink.afterLast);
  // Recovery first (docs/FORMAT.md "Torn lines and recovery"): a line's events wait for the next
  // line, which may recover it (then it was never an event).
  const watch = new FragmentWatch(name);
  let pending: (() => void) | undefined;
  const ok = await scanLines(
    join(logDir, name),
    (l) => {
      if (!watch.recovers(l)) pending?.();
      pending = undefined;
      tailTap?.push(l);
      const p = pruneEventOf(l, name);
      const e = exportEventOf(l, name);
      const s = e === undefined && p === undefined ? stampEventOf(l, name) : undefined;
      if (p === undefined && e === undefined && s === undefined) return;
      watch.hold(l);
      pending = () => {
        if (p !== undefined) sink.events.addPrune(p);
        if (e !== undefined) sink.events.addExport({ ...e, logDay });
        if (s !== undefined) sink.events.addStamp({ ...s, logDay });
      };
    },
    { noFollow: true },
  ).then(
    () => true,
    () => false,
  );
  if (ok) pending?.();
  return ok ? (tailTap?.endSeq ?? null) : undefined;
}

/**
 * Reads the live log files dated `from` or later, once. Unreadable files are skipped: `verify logs`
 * is the check of the live log itself. When no file is dated `from` or later, the newest earlier
 * file is read for where the live chain ends only (a live log whose tail was deleted ends before
 * the archive does). The events of all the files share one `budget` (live-events.ts; default
 * MAX_LIVE_EVENTS): whatever the files hold, what is kept is bounded.
 */
export async function readLiveLog(
  logDir: string,
  from: string | undefined,
  tail: PackTail | undefined,
  budget?: number,
): Promise<LiveLog> {
  let names: string[];
  try {
    names = await readdir(logDir);
  } catch {
    names = [];
  }
  const sink: LiveSink = { events: new LiveEvents(budget), atLast: [], afterLast: [] };
  let files = 0;
  let end: LiveLog['end'];
  let before: { name: string; day: string } | undefined;
  for (const name of names.sort()) {
    const n = dayOfLogFileName(name);
    if (n === undefined) continue;
    const day = isoDate(n);
    if (from !== undefined && day < from) {
      before = { name, day };
      continue;
    }
    // Once the line after the tail is found, later files cannot hold the tail's seqs.
    const endSeq = await scanLiveFile(logDir, name, day, tail, sink.afterLast.length === 0, sink);
    if (endSeq === undefined) continue;
    files++;
    if (endSeq !== null) end = { seq: endSeq, file: name };
  }
  if (files === 0 && before !== undefined && tail !== undefined) {
    // Where it ends, only: its events and lines are not kept.
    const skip = { events: new LiveEvents(0), atLast: [], afterLast: [] };
    const endSeq = await scanLiveFile(logDir, before.name, before.day, tail, true, skip);
    if (typeof endSeq === 'number') end = { seq: endSeq, file: before.name };
  }
  const { events, atLast, afterLast } = sink;
  const unchecked =
    events.droppedFrom === undefined
      ? undefined
      : { events: events.dropped, from: events.droppedFrom, budget: events.budget };
  return {
    files,
    pruneEvents: events.pruneEvents(),
    exportEvents: events.exportEvents(),
    stampEvents: events.stampEvents(),
    atLast,
    afterLast,
    end,
    ...(unchecked === undefined ? {} : { unchecked }),
  };
}

/** The newest current pack with events: where the archive's chain ends. */
export function packTailOf(current: readonly PackInfo[]): PackTail | undefined {
  for (let i = current.length - 1; i >= 0; i--) {
    const p = current[i] as PackInfo;
    const c = p.report.manifest.chain;
    if (c === undefined || c.lastSeq === null || c.endHash === null || !HEX64.test(c.endHash)) continue;
    return { name: p.name, date: p.date, lastSeq: c.lastSeq, endHash: c.endHash };
  }
  return undefined;
}

const short = (h: string | null | undefined): string => (typeof h === 'string' ? `${h.slice(0, 16)}…` : 'none');

/**
 * The newest pack's last line against the live log: the line itself, and the link of the line after
 * it. One line that holds is enough for each (a torn fragment recovered at the same seq stands beside
 * the real line; a forger of the pack cannot add a line to the live log that fits the forged hash).
 */
export function checkLiveTail(tail: PackTail, live: LiveLog, f: Findings): void {
  const manifest = `${tail.name}/${PACK_PATH.manifestJson}`;
  const at = live.atLast.find((l) => l.hash !== tail.endHash);
  if (at !== undefined && !live.atLast.some((l) => l.hash === tail.endHash)) {
    f.add(
      'ARCHIVE_LIVE_LOG_MISMATCH',
      'error',
      manifest,
      `the live log's line seq ${tail.lastSeq} (${at.file} line ${at.line}) hashes to ${short(at.hash)}, but ${tail.name}'s chain ends with ${short(tail.endHash)} at that seq: the pack's last line is not the log's (edited after export, every hash in the pack recomputed)`,
    );
  }
  const next = live.afterLast.find((l) => l.hash !== tail.endHash);
  if (next !== undefined && !live.afterLast.some((l) => l.hash === tail.endHash)) {
    f.add(
      'ARCHIVE_LIVE_LOG_MISMATCH',
      'error',
      manifest,
      `the live log's line seq ${tail.lastSeq + 1} (${next.file} line ${next.line}) links to ${short(next.hash)}, but ${tail.name}'s chain ends with ${short(tail.endHash)}: the pack's last line is not the one the log continues`,
    );
  }
  if (
    live.atLast.length === 0 &&
    live.afterLast.length === 0 &&
    live.end !== undefined &&
    live.end.seq < tail.lastSeq
  ) {
    f.add(
      'ARCHIVE_LIVE_LOG_MISMATCH',
      'error',
      manifest,
      `the live log ends at seq ${live.end.seq} (${live.end.file}), before ${tail.name}'s chain ends (seq ${tail.lastSeq}): the live log is behind the archive, which no legitimate history produces (its tail was deleted, or the pack was made from another log)`,
    );
  } else if (live.atLast.length === 0 && live.afterLast.length === 0) {
    f.add(
      'ARCHIVE_TAIL_UNCHECKED',
      'warning',
      manifest,
      `the live log (${live.files} file${live.files === 1 ? '' : 's'} read from ${tail.date} on) holds neither the line seq ${tail.lastSeq} nor the one after it: ${tail.name}'s last line is pinned only by its signature`,
    );
  }
}

/**
 * Every PackExported event of the packs' own logs (`recorded`) and of the live log (when read)
 * against the archive: the pack it recorded must be there (any version, or a `.tar.gz`) with that
 * manifest hash, or in the pruned ledger. One finding per recorded manifest (the newest pack's log
 * and the live file of its day hold the same events).
 */
export function checkExportEvents(
  all: readonly PackInfo[],
  pruned: readonly LedgerEntry[],
  recorded: readonly ExportEvent[],
  live: LiveLog | undefined,
  f: Findings,
): void {
  const key = (date: string, sha: string | undefined): string => `${date}\u0000${sha}`;
  const events = [
    ...recorded.map((e) => ({ e, at: e.where })),
    ...(live?.exportEvents ?? []).map((e) => ({ e, at: `the live ${e.where}` })),
  ];
  const named = new Set(events.map(({ e }) => key(e.date, e.manifestSha256)));
  const seen = new Set<string>();
  for (const { e, at: where } of events) {
    if (seen.has(key(e.date, e.manifestSha256))) continue;
    seen.add(key(e.date, e.manifestSha256));
    const same = (p: PackInfo): boolean => p.date === e.date && p.report.manifest.manifestSha256 === e.manifestSha256;
    if (all.some(same)) continue;
    if (pruned.some((x) => x.exportDate === e.date && x.rawSha === e.manifestSha256)) continue;
    const at = `the PackExported event seq ${e.seq} in ${where} records ${e.date} with manifest ${short(e.manifestSha256)}`;
    const current = all.find((p) => p.date === e.date && p.version === undefined && p.report.manifest.manifestSha256);
    // A current version that an export of its day recorded too is an earlier export's pack, not this
    // one changed: the pack this event recorded is gone (checkCurrentRecorded names the rollback).
    const earlier = current !== undefined && named.has(key(e.date, current.report.manifest.manifestSha256));
    if (current === undefined || earlier) {
      f.add(
        'ARCHIVE_PACK_MISSING',
        'error',
        e.date,
        `${at}, but no pack of that day with that manifest is in the archive or ${PRUNED_LEDGER}: a pack removed without a prune${earlier ? ` (the current ${current?.name} is an earlier export of that day)` : ''}`,
      );
      continue;
    }
    const end = current.report.manifest.chain?.endHash;
    const chain =
      typeof e.endHash === 'string' && end !== undefined && end !== e.endHash
        ? `; its chain ended with ${short(e.endHash)}, the pack's ends with ${short(end)}: the pack's log was edited`
        : '';
    f.add(
      'ARCHIVE_EXPORT_MISMATCH',
      'error',
      `${current.name}/${PACK_PATH.manifestJson}`,
      `${at}, but ${current.name}/manifest.json hashes to ${short(current.report.manifest.manifestSha256)}${chain}: the pack was changed after it was exported`,
    );
  }
}

/** The PackTimestamped events the packs' own logs hold (every version and `.tar.gz`), named by pack. */
export function packStampEvents(packs: readonly PackInfo[]): StampEvent[] {
  return packs.flatMap((p) =>
    (p.report.stampEvents ?? []).map((e) => ({ ...e, where: `${p.name}/${e.where}`, logDay: p.date })),
  );
}

/** The PackExported events the packs' own logs hold (every version and `.tar.gz`), named by pack. */
export function packExportEvents(packs: readonly PackInfo[]): ExportEvent[] {
  return packs.flatMap((p) =>
    (p.report.exportEvents ?? []).map((e) => ({ ...e, where: `${p.name}/${e.where}`, logDay: p.date })),
  );
}

/**
 * Until when the packs' logs record exports: the end of the newest current pack's day, or its
 * making when earlier (a partial pack's log ends then). Undefined: no current pack.
 */
export function packLogsCoverUntil(current: readonly PackInfo[]): number | undefined {
  const newest = current[current.length - 1];
  if (newest === undefined) return undefined;
  const dayEnd = Date.parse(`${newest.date}T00:00:00Z`) + 86_400_000;
  const made = Date.parse(newest.report.manifest.createdAt ?? '');
  return Number.isFinite(made) ? Math.min(made, dayEnd) : dayEnd;
}

/** The events in chain order: by the day of the log each is in, then by `seq`. */
function inChainOrder(events: readonly ExportEvent[]): ExportEvent[] {
  return [...events].sort((a, b) => {
    const da = a.logDay ?? '';
    const db = b.logDay ?? '';
    return da < db ? -1 : da > db ? 1 : a.seq - b.seq;
  });
}

/**
 * The current version of each day against the export events of that day, in the packs' logs and
 * (`liveRead`) the live log: a real export, `--force` included, records its own event, so when the
 * logs recorded that day's exports, the newest of them (in chain order) must be the current
 * version's manifest. A current pack that only names a superseded version (`supersedes`) whose event
 * is there is a faked re-export: the real pack renamed `.vN`, a forged one put in its place with
 * every hash recomputed (its `previous_pack` and chain still link, as the real pack's did). A current
 * pack that an earlier event names while a later one names another manifest is a re-export rolled
 * back (its pack removed or renamed `.vN`, the older version put back). The event of an export made
 * after the newest pack's log ends is in the live log alone: without it (`liveRead` false) a version
 * no event names, made (by its `created_at`) after then, is named by a warning, not taken for a
 * forgery; the newest pack has its own warning (noteUncheckedTail).
 */
export function checkCurrentRecorded(
  current: readonly PackInfo[],
  events: readonly ExportEvent[],
  liveRead: boolean,
  f: Findings,
): void {
  const covered = packLogsCoverUntil(current);
  const newest = current[current.length - 1];
  for (const p of current) {
    const sha = p.report.manifest.manifestSha256;
    const day = inChainOrder(events.filter((e) => e.date === p.date));
    const last = day[day.length - 1];
    const file = `${p.name}/${PACK_PATH.manifestJson}`;
    if (sha !== undefined && last === undefined && p !== newest && madeWhereLogsRead(p, current, liveRead)) {
      // Checked against the live log, a link to it is an error: export links only a version the
      // log records (it says so and links none otherwise), so a later pack linking this one was
      // made by an export that did not ask, or is forged; the link would pin a pack put in place.
      // A log that records no export at all (events turned off) vouches for no pack: warnings.
      const linker =
        liveRead && events.length > 0
          ? current.find((q) => q.report.manifest.previousPack?.manifestSha256 === sha)
          : undefined;
      f.add(
        'ARCHIVE_EXPORT_UNRECORDED',
        linker !== undefined ? 'error' : 'warning',
        file,
        `no PackExported event of ${p.date} is in the logs read (the packs' own logs${liveRead ? ' and the live log' : ''}), though the log of the day it was made (${p.report.manifest.createdAt?.slice(0, 10)}) is among them: ${linker !== undefined ? `yet ${linker.name}'s previous_pack links it, and an export links only a version the log records` : "its manifest is pinned by the later packs' links and its signature, not by its export's event"} (an export killed before recording it, or a pack put there: \`auditpack export --date ${p.date}\` keeps it aside as a \`.vN\` version, unvouched, and exports the day afresh; or exported with another log directory, or without recording the event)`,
      );
    }
    if (sha === undefined || last === undefined || last.manifestSha256 === sha) continue;
    const own = day.filter((e) => e.manifestSha256 === sha).pop();
    if (own !== undefined) {
      f.add(
        'ARCHIVE_EXPORT_MISMATCH',
        'error',
        file,
        `the PackExported event seq ${own.seq} in ${own.where} records this version (manifest ${short(sha)}), but a later one, seq ${last.seq} in ${last.where}, records ${p.date} with manifest ${short(last.manifestSha256)}: the current version is not the day's newest export (a re-export rolled back, its pack removed or renamed and an older version put back in its place)`,
      );
      continue;
    }
    const n = day.reduce((sum, e) => sum + (e.count ?? 1), 0);
    const recorded = `the logs record ${n} export${n === 1 ? '' : 's'} of ${p.date} (the last: PackExported seq ${last.seq} in ${last.where}, manifest ${short(last.manifestSha256)}), none of this current version (manifest ${short(sha)})`;
    const made = Date.parse(p.report.manifest.createdAt ?? '');
    if (!liveRead && !(Number.isFinite(made) && covered !== undefined && made < covered)) {
      if (p !== newest)
        f.add(
          'ARCHIVE_EXPORT_UNRECORDED',
          'warning',
          file,
          `${recorded}; it says it was made after the newest pack's log ends, where only the live log can record its export, and the live log was not read: nothing but its signature pins it. Give --log-dir`,
        );
      continue;
    }
    f.add(
      'ARCHIVE_EXPORT_MISMATCH',
      'error',
      file,
      `${recorded}: a real export or --force re-export records its own event, so this pack was put in place without one (a faked re-export), or its export was killed before recording it; the archive cannot tell them apart. \`auditpack export --date ${p.date}\` (without --force) keeps this pack aside as a \`.vN\` version, unvouched, and exports the day afresh from the log: then look at that version`,
    );
  }
}

/**
 * Whether the log of the day `p` was made (its `created_at`) was read: a current pack's day (its
 * log is in that pack, up to the pack's making), or with the live log, the newest pack's day or later.
 */
function madeWhereLogsRead(p: PackInfo, current: readonly PackInfo[], liveRead: boolean): boolean {
  const made = p.report.manifest.createdAt?.slice(0, 10);
  if (made === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(made)) return false;
  const newest = current[current.length - 1];
  if (liveRead && newest !== undefined && made >= newest.date) return true;
  const holder = current.find((q) => q.date === made);
  return (
    holder !== undefined &&
    holder.report.manifest.createdAt !== undefined &&
    holder.report.manifest.createdAt > (p.report.manifest.createdAt ?? '')
  );
}

/** Distinct live events over the budget were counted, not kept: the checks above did not see them. */
export function checkLiveUnchecked(live: LiveLog, f: Findings): void {
  const u = live.unchecked;
  if (u === undefined) return;
  f.add(
    'ARCHIVE_LIVE_LOG_UNCHECKED',
    'warning',
    u.from,
    `the live log holds more distinct PackExported and PackPruned events than the ${u.budget.toLocaleString('en-US')} verify keeps (an honest log has a few a day): ${u.events.toLocaleString('en-US')} more, from this file on, were not checked against the archive. \`auditpack verify\` the logs directory checks every line`,
  );
}

/** The newest pack has an export event in the live log, or the log cannot vouch for its manifest. */
export function checkNewestRecorded(newest: PackInfo, live: LiveLog, f: Findings): void {
  // An event of that day with another hash is ARCHIVE_EXPORT_MISMATCH already.
  if (newest.report.manifest.manifestSha256 === undefined || live.exportEvents.some((e) => e.date === newest.date))
    return;
  f.add(
    'ARCHIVE_EXPORT_UNRECORDED',
    'warning',
    `${newest.name}/${PACK_PATH.manifestJson}`,
    `no PackExported event in the live log (${live.files} file${live.files === 1 ? '' : 's'} read from ${newest.date} on) records this manifest: the newest pack's manifest is pinned only by its signature (exported with another log directory, or without recording the event?)`,
  );
}

/**
 * Without the live log, nothing in the archive pins the newest pack's last line but its
 * signature: say so, as a warning unless the signature was checked against a trusted key.
 */
export function noteUncheckedTail(tail: PackTail, packs: readonly PackInfo[], trusted: boolean, f: Findings): void {
  const signed = packs.find((p) => p.name === tail.name)?.report.checked.signed === 1;
  const why = !signed
    ? 'it is not signed, so anyone who can write the archive can edit that line and recompute every hash in the pack'
    : trusted
      ? 'its signature, checked against a trusted key, is what protects it'
      : 'its signature was not checked against a trusted key (--pubkey, --allowed-signers), and any key signs for itself';
  f.add(
    'ARCHIVE_TAIL_UNCHECKED',
    signed && trusted ? 'info' : 'warning',
    `${tail.name}/${PACK_PATH.manifestJson}`,
    `the newest pack's last line (seq ${tail.lastSeq}, hash ${short(tail.endHash)}) is pinned by no later pack, and the live log was not read: ${why}. Give --log-dir to hold it to the live log`,
  );
}
