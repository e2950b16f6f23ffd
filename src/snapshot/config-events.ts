/**
 * The ConfigSnapshot events of the chain, read once per day file: what vouches for a stored
 * snapshot record. The store and the artifacts directory are writable by an attacker; only the
 * chained log vouches. After log retention removed a day's file, its lines are still the chain's
 * where a pack's `data/audit.jsonl` (directory or `.tar.gz`) has exactly the `sha256` that a
 * `LogPruned` event records for the removed file (docs/FORMAT.md, "LogPruned"): a vouched copy.
 * A removed file with no vouched copy left is *unknown*, never taken as holding the event, unless
 * a LogPruned event read here carries the record as its file's `config_in_force` (what the prune
 * read from the chain before removing the file): a config unchanged for longer than the retention
 * windows stays recorded.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { linesContaining, parseObjectLine } from '../fsx/lines-containing.js';
import { openRegular } from '../fsx/regular.js';
import { readTarGz, TAR_BOUNDS } from '../fsx/tar-read.js';
import { LOG_PRUNED_EVENT, WRITER_EVENT_CATEGORY } from '../format/writer-events.js';
import { type ConfigInForce, CONFIG_IN_FORCE_FIELD, parseConfigInForce } from '../format/config-in-force.js';
import { PACK_PATH } from '../format/pack.js';
import { dayOfLogFileName, isoDate, logFileName } from '../rotation/index.js';
import { GENESIS_HASH } from '../chain/hash.js';

const CONFIG_MARK = Buffer.from('"ConfigSnapshot"');
/** How far a first line is looked for (1 MiB): a log line is far shorter; no newline by then, nothing is proven. */
const MAX_FIRST_LINE = 1 << 20;
const PRUNED_MARK = Buffer.from(JSON.stringify(LOG_PRUNED_EVENT));

/**
 * One day file's ConfigSnapshot events (id → the record hashes they vouch for), or why there are
 * none: `absent` (no file, and the chain shows the day held no event), `removed` (removed by
 * retention, no vouched copy left), `gone` (no file and no record of its removal, before the oldest
 * kept file, and nothing shows the day held no event): the last two are unknown.
 */
type DayEvents = Map<string, Set<string>> | 'absent' | 'removed' | 'gone';

/** A log file's lines that matter here: ConfigSnapshot events, LogPruned records, its first line. */
interface DayLines {
  config: Map<string, Set<string>>;
  pruned: Map<string, Removal>;
  first: Buffer | undefined;
}

/**
 * What a LogPruned event records of the file it removed: its sha256 and, when written, its size
 * where its chain ended (`last_seq`, `end_hash`), and the config in force at its end.
 */
interface Removal {
  sha256: string;
  size: number | undefined;
  end: { seq: number; hash: string } | undefined;
  inForce: ConfigInForce | undefined;
}

/**
 * What the chain says of a snapshot record: recorded (and the day file holding its event), not
 * recorded (`otherHash`: an event names it with another record hash), or unknown (`why` says which
 * day file is missing and why nothing vouches for what it held).
 */
export type ChainRecording =
  | { readonly recorded: true; readonly day: number }
  | { readonly recorded: false; readonly otherHash: boolean }
  | { readonly recorded: 'unknown'; readonly why: string };

/** Where to look: the trusted log directory and, for removed day files, the packs' copies. */
export interface ConfigEventSources {
  logDir: string;
  /** The artifacts directory whose packs may hold a vouched copy of a removed day file. */
  artifactsDir?: string | undefined;
}

/**
 * Answers "does a ConfigSnapshot event of the chain record this id with this record hash?", each
 * day file read at most once (an export asks for every stored record of the day: a store flooded
 * with planted records costs one pass per day file, not one per record).
 */
export class ConfigEventIndex {
  private readonly days = new Map<number, Promise<DayEvents>>();
  private kept: number[] | undefined;
  /** File name → what the LogPruned events read so far record of it; the kept files read so far. */
  private readonly removed = new Map<string, Removal>();
  private prunedScanned = 0;
  /** `id sha256` of every config_in_force the LogPruned events read so far carry. */
  private readonly inForce = new Set<string>();

  constructor(private readonly sources: ConfigEventSources) {}

  /**
   * true when an event (not `recovered`) written by the snapshot itself records `id` with `sha256`,
   * looked for in the day file of the id's day and the day after (a snapshot of 23:59 logged after
   * midnight); 'unknown' when it is not found and one of those files was removed by retention with
   * no vouched copy left, or is gone with no record (before the oldest kept file) and the chain
   * does not link across its day (eventless); else false. Such a file's event is still vouched
   * when a LogPruned event of the kept files (or of a copy read) carries the record as a removed
   * file's `config_in_force`: then true.
   */
  async chained(day: number, id: string, sha256: string): Promise<boolean | 'unknown'> {
    return (await this.recording(day, id, sha256)).recorded;
  }

  /**
   * As `chained`, with where the event is and why an answer is unknown: the one look-up of the
   * export's config part and of the compliance policy (both halves of a pack ask the same chain).
   */
  async recording(day: number, id: string, sha256: string): Promise<ChainRecording> {
    let why: string | undefined;
    let otherHash = false;
    for (const d of [day, day + 1]) {
      const ev = await this.dayEvents(d);
      if (ev === 'removed' || ev === 'gone') why ??= unknownWhy(d, ev);
      else if (ev !== 'absent') {
        const hashes = ev.get(id);
        if (hashes?.has(sha256) === true) return { recorded: true, day: d };
        if (hashes !== undefined) otherHash = true;
      }
    }
    if (why === undefined) return { recorded: false, otherHash };
    // Its day file and every copy gone: a LogPruned event carrying it as config_in_force still vouches.
    await this.scanKept(() => false);
    return this.inForce.has(`${id} ${sha256}`) ? { recorded: true, day } : { recorded: 'unknown', why };
  }

  /**
   * Why what day `day`'s file (or the next day's) held is unknown, said as it is (removed by
   * retention, or gone with no record); undefined when both are known.
   */
  async unknownWhy(day: number): Promise<string | undefined> {
    for (const d of [day, day + 1]) {
      const ev = await this.dayEvents(d);
      if (ev === 'removed' || ev === 'gone') return unknownWhy(d, ev);
    }
    return undefined;
  }

  /**
   * The sha256 a LogPruned event (of a kept day file, or of a vouched copy of a removed one)
   * records for day `day`'s file, when retention removed it; undefined when the file is there or no
   * such event is found.
   */
  async removal(day: number): Promise<string | undefined> {
    const name = logFileName(day);
    if ((await this.keptDays()).includes(day)) return undefined;
    return (await this.removalOf(name, day))?.sha256;
  }

  /**
   * Whether the chain shows that day `day` had no log file: none in the log directory, and either
   * after the oldest kept file or linked across by the chain (its `absent`). False when it has a
   * file or the chain cannot tell.
   */
  async noFile(day: number): Promise<boolean> {
    if ((await this.keptDays()).includes(day)) return false;
    return (await this.dayEvents(day)) === 'absent';
  }

  private dayEvents(day: number): Promise<DayEvents> {
    let p = this.days.get(day);
    if (p === undefined) {
      p = this.readDay(day);
      this.days.set(day, p);
    }
    return p;
  }

  private async readDay(day: number): Promise<DayEvents> {
    const name = logFileName(day);
    const live = await linesContaining(join(this.sources.logDir, name), CONFIG_MARK);
    if (live !== undefined) return configOf(live);
    const kept = await this.keptDays();
    const removal = await this.removalOf(name, day);
    if (removal === undefined) {
      // No record of a removal: a day after the oldest kept file had no log; one before it is gone
      // without a record (removed by hand, or by a version without LogPruned) unless the chain
      // shows that no event was written on it (a machine down that day): nothing else decides.
      if (kept.length > 0 && day > (kept[0] as number)) return 'absent';
      return (await this.eventless(day)) ? 'absent' : 'gone';
    }
    const copy = await this.vouchedCopy(day, removal);
    return copy === undefined ? 'removed' : copy.config;
  }

  /**
   * Whether the chain shows that no event was written on `day` (it has no file and no LogPruned
   * record): the next day file the log dir or the LogPruned events know of (X, kept or a vouched
   * copy) starts with a line linked to where the newest recorded removal before `day` (W) ended
   * (its `end_hash`, `last_seq` + 1), or with the first line ever when no removal before `day` is
   * recorded. A day file between W and X, whatever its day, would have been a link in between.
   * Called after removalOf has read every LogPruned event it can reach.
   */
  private async eventless(day: number): Promise<boolean> {
    let before: Removal | undefined;
    let beforeDay = Number.NEGATIVE_INFINITY;
    let next = Number.POSITIVE_INFINITY;
    for (const [file, r] of this.removed) {
      const d = dayOfLogFileName(file);
      if (d === undefined || d === day) continue;
      if (d < day && d > beforeDay) [before, beforeDay] = [r, d];
      if (d > day && d < next) next = d;
    }
    for (const d of await this.keptDays()) if (d > day && d < next) next = d;
    if (next === Number.POSITIVE_INFINITY || (before !== undefined && before.end === undefined)) return false;
    const line = await this.firstLineOf(next);
    const ev = line === undefined ? undefined : parseObjectLine(line);
    if (ev === undefined) return false;
    const want = before?.end ?? { seq: 0, hash: GENESIS_HASH };
    return ev.seq === want.seq + 1 && ev.prev === want.hash;
  }

  /** The first line of day `d`'s file: the kept file's, else its vouched copy's. */
  private async firstLineOf(d: number): Promise<Buffer | undefined> {
    if ((await this.keptDays()).includes(d))
      return firstLine(join(this.sources.logDir, logFileName(d))).catch(() => undefined);
    const removal = this.removed.get(logFileName(d));
    return removal === undefined ? undefined : (await this.vouchedCopy(d, removal))?.first;
  }

  private async keptDays(): Promise<number[]> {
    if (this.kept === undefined) {
      let names: string[] = [];
      try {
        names = await readdir(this.sources.logDir);
      } catch {
        names = [];
      }
      this.kept = names
        .map(dayOfLogFileName)
        .filter((d): d is number => d !== undefined)
        .sort((a, b) => a - b);
    }
    return this.kept;
  }

  /**
   * What a LogPruned event records of the removed file `name`: read from the kept files
   * (oldest first, each once, stopping when found), then from the vouched copies of removed files
   * newer than it (a LogPruned event is written into the day file of the prune, itself removed later).
   */
  private async removalOf(name: string, day: number): Promise<Removal | undefined> {
    await this.scanKept(() => this.removed.has(name));
    if (this.removed.has(name)) return this.removed.get(name);
    // Removed files newer than `day` whose copies are vouched may record it (newest removal first).
    for (const [file, removal] of [...this.removed].reverse()) {
      const d = dayOfLogFileName(file);
      if (d === undefined || d <= day || this.days.has(d)) continue;
      const copy = await this.vouchedCopy(d, removal);
      this.days.set(d, Promise.resolve(copy === undefined ? 'removed' : copy.config));
      if (copy !== undefined) this.addPruned(copy.pruned);
      if (this.removed.has(name)) return this.removed.get(name);
    }
    return undefined;
  }

  /** Reads the LogPruned events of the kept files not read yet (oldest first, each once) until `done`. */
  private async scanKept(done: () => boolean): Promise<void> {
    const kept = await this.keptDays();
    while (!done() && this.prunedScanned < kept.length) {
      const d = kept[this.prunedScanned++] as number;
      const lines = await linesContaining(join(this.sources.logDir, logFileName(d)), PRUNED_MARK);
      if (lines !== undefined) this.addPruned(prunedOf(lines));
    }
  }

  private addPruned(found: Map<string, Removal>): void {
    for (const [file, r] of found) {
      if (!this.removed.has(file)) this.removed.set(file, r);
      if (r.inForce !== undefined) this.inForce.add(`${r.inForce.snapshot_id} ${r.inForce.record_sha256}`);
    }
  }

  /** The lines of the pack copy of day `day`'s log whose bytes hash to the removal's sha256, if a pack holds one. */
  private async vouchedCopy(day: number, removal: Removal): Promise<DayLines | undefined> {
    const dir = this.sources.artifactsDir;
    if (dir === undefined) return undefined;
    const date = isoDate(day);
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => packOfDate(n, date) !== undefined).sort();
    } catch {
      return undefined;
    }
    for (const n of names) {
      const bytes = await packLog(join(dir, n), packOfDate(n, date) as PackFile, removal.size).catch(() => undefined);
      if (bytes !== undefined && createHash('sha256').update(bytes).digest('hex') === removal.sha256)
        return linesOf(bytes);
    }
    return undefined;
  }
}

type PackFile = { kind: 'dir' } | { kind: 'tar'; root: string };

/** Whether artifacts entry `n` is a pack (or `.tar.gz`) of `date`: `D`, `D.vN`, and their `.tar.gz`. */
function packOfDate(n: string, date: string): PackFile | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}(?:\.v[1-9]\d{0,5})?)(\.tar\.gz)?$/.exec(n);
  if (m === null || !(m[1] as string).startsWith(date)) return undefined;
  return m[2] === undefined ? { kind: 'dir' } : { kind: 'tar', root: m[1] as string };
}

/**
 * The bytes of a pack's `data/audit.jsonl` (a directory, or a `.tar.gz` whose root is `root` or the
 * day), never through a link or a FIFO (artifacts/ is the attacker's to write), and only when its
 * size is the removed file's (when recorded): a planted copy costs no more than the real one.
 */
async function packLog(path: string, f: PackFile, size: number | undefined): Promise<Buffer | undefined> {
  if (f.kind === 'dir') {
    const fh = await openRegular(join(path, PACK_PATH.log));
    try {
      return size === undefined || (await fh.stat()).size === size ? await fh.readFile() : undefined;
    } finally {
      await fh.close();
    }
  }
  const want = new Set([`${f.root}/${PACK_PATH.log}`, `${f.root.slice(0, 10)}/${PACK_PATH.log}`]);
  const chunks: Buffer[] = [];
  let seen = false;
  await readTarGz(
    path,
    (e) => {
      if (e.type !== 'file' || !want.has(e.name) || seen || (size !== undefined && e.size !== size)) return undefined;
      seen = true;
      return { write: (c) => chunks.push(Buffer.from(c)), end: () => undefined };
    },
    TAR_BOUNDS,
  );
  return seen ? Buffer.concat(chunks) : undefined;
}

function linesOf(bytes: Buffer): DayLines {
  const config: Buffer[] = [];
  const pruned: Buffer[] = [];
  const nl0 = bytes.indexOf(0x0a);
  const first = nl0 === -1 ? undefined : bytes.subarray(0, nl0);
  for (let s = 0; s < bytes.length; ) {
    const nl = bytes.indexOf(0x0a, s);
    const e = nl === -1 ? bytes.length : nl;
    const line = bytes.subarray(s, e);
    if (line.indexOf(CONFIG_MARK) !== -1) config.push(line);
    else if (line.indexOf(PRUNED_MARK) !== -1) pruned.push(line);
    s = e + 1;
  }
  return { config: configOf(config), pruned: prunedOf(pruned), first };
}

/** The ConfigSnapshot events (not `recovered`: chained late, they vouch for nothing) of these lines. */
function configOf(lines: Buffer[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of lines) {
    const ev = parseObjectLine(line);
    if (ev?.category !== 'config' || ev.event !== 'ConfigSnapshot' || ev.recovered === true) continue;
    if (typeof ev.snapshot_id !== 'string' || typeof ev.record_sha256 !== 'string') continue;
    let set = out.get(ev.snapshot_id);
    if (set === undefined) out.set(ev.snapshot_id, (set = new Set()));
    set.add(ev.record_sha256);
  }
  return out;
}

/** The LogPruned events of these lines: removed file name → its sha256 and size. */
function prunedOf(lines: Buffer[]): Map<string, Removal> {
  const out = new Map<string, Removal>();
  for (const line of lines) {
    const ev = parseObjectLine(line);
    if (ev?.category !== WRITER_EVENT_CATEGORY || ev.event !== LOG_PRUNED_EVENT) continue;
    if (typeof ev.file !== 'string' || typeof ev.sha256 !== 'string' || out.has(ev.file)) continue;
    const end =
      Number.isSafeInteger(ev.last_seq) && (ev.last_seq as number) >= 1 && typeof ev.end_hash === 'string'
        ? { seq: ev.last_seq as number, hash: ev.end_hash }
        : undefined;
    out.set(ev.file, {
      sha256: ev.sha256,
      size: Number.isSafeInteger(ev.size) ? (ev.size as number) : undefined,
      end,
      inForce: parseConfigInForce(ev[CONFIG_IN_FORCE_FIELD]),
    });
  }
  return out;
}

/** Why day `d`'s events are unknown: said as it is (a file retention removed, or one gone unrecorded). */
function unknownWhy(d: number, ev: 'removed' | 'gone'): string {
  return ev === 'removed'
    ? `the log file of ${isoDate(d)} (${logFileName(d)}) was removed by log retention and no pack holds a copy its LogPruned event vouches for`
    : `the log file of ${isoDate(d)} (${logFileName(d)}) is not in the log directory, before its oldest file, and no LogPruned event records its removal (removed by hand or by a version that did not record it, or the day had no file: the chain cannot tell)`;
}

/** A file's first line (without its \n), read up to MAX_FIRST_LINE bytes; undefined when it has none. */
async function firstLine(path: string): Promise<Buffer | undefined> {
  const fh = await openRegular(path);
  try {
    const buf = Buffer.allocUnsafe(MAX_FIRST_LINE);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const nl = buf.subarray(0, bytesRead).indexOf(0x0a);
    return nl === -1 ? undefined : Buffer.from(buf.subarray(0, nl));
  } finally {
    await fh.close();
  }
}
