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
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { linesContaining, parseObjectLine } from '../fsx/lines-containing.js';
import type { HeldConfig } from '../format/config-in-force.js';
import { recoveredIn } from '../format/recovered-line.js';
import { dayOfLogFileName, logFileName } from '../rotation/index.js';
import { prunedEnd, wholeEnd } from './whole-config-walk.js';
import { GENESIS_HASH } from '../chain/hash.js';
import {
  type ChainConfigOfRecord,
  CONFIG_MARK,
  configOf,
  DayConfig,
  dayOfSnapshotId,
  EXPORTED_MARK,
  exportedOf,
  firstLine,
  PRUNED_MARK,
  prunedOf,
  type Removal,
  unknownWhy,
  vouchedCopy,
} from './config-event-lines.js';

export { type ChainConfigOfRecord, CONFIG_OF_RECORD_FIELD } from './config-event-lines.js';

/**
 * One day file's ConfigSnapshot events (id → the record hashes they vouch for), or why there are
 * none: `absent` (no file, and the chain shows the day held no event), `removed` (removed by
 * retention, no vouched copy left), `gone` (no file and no record of its removal, before the oldest
 * kept file, and nothing shows the day held no event): the last two are unknown.
 */
type DayEvents = DayConfig | 'absent' | 'removed' | 'gone';

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
  /** The removed files whose vouched copies' LogPruned events nextKnownBelow added to `removed`. */
  private readonly chased = new Set<number>();
  private prunedScanned = 0;
  /** `id sha256` of every config_in_force the LogPruned events read so far carry. */
  private readonly inForce = new Set<string>();
  private readonly ofRecord = new Map<number, Promise<ChainConfigOfRecord>>();
  /** Kept file day → its PackExported events that carry a config_of_record (each file read once). */
  private readonly exported = new Map<number, Promise<{ day: number; value: ChainConfigOfRecord }[]>>();

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
    if (this.inForce.has(`${id} ${sha256}`)) return { recorded: true, day };
    // The chain does tell when a config_in_force names the id with another record hash: changed.
    if ([...this.inForce].some((k) => k.startsWith(`${id} `))) return { recorded: false, otherHash: true };
    return { recorded: 'unknown', why };
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

  /**
   * The config of record at the end of day `day`, decided by the chain alone (docs/decisions.md,
   * "The chain decides the config of record"): the last ConfigSnapshot event (not `recovered`) of
   * the day files up to `day` (and of the next day's file, one whose snapshot is dated `day` or
   * before: a snapshot of 23:59 logged after midnight). The files are read newest first and the
   * walk stops at the first that decides: a file holding such an event; a kept file holding a
   * PackExported event of the day before it or later (up to `day`) that carries the
   * `config_of_record` its export read (so a nightly export reads the exported day's file and the
   * next, not every kept file); a removed file whose LogPruned event carries `config_in_force`.
   * A removed file that decides nothing (no such field, no vouched copy) makes it unknown; before
   * the oldest file the chain knows of, none when the chain starts there (its first line), else
   * unknown. The store is asked nothing here: a record deleted from it cannot roll the answer back,
   * and a record no event records is no candidate.
   */
  configOfRecord(day: number, nextDay = true): Promise<ChainConfigOfRecord> {
    const key = nextDay ? day : -day - 1;
    let p = this.ofRecord.get(key);
    if (p === undefined) {
      p = this.walkOfRecord(day, nextDay);
      this.ofRecord.set(key, p);
    }
    return p;
  }

  /**
   * Where a walk back from a day stops, at day `d` (`kept`: the kept files' days; `bound` holds the
   * floor once known): 'skip' after the newest kept file (no file was removed by retention there:
   * nothing to read; with no kept file at all the floor ends the walk, skipping every day never
   * would); below the floor (the oldest kept file and the removals every kept file's LogPruned events
   * record) the chain's answer, none when it starts there, else unknown; undefined: walk on.
   */
  private async walkEnd(
    d: number,
    kept: readonly number[],
    bound: WalkBound,
  ): Promise<'skip' | { kind: 'none' } | { kind: 'unknown'; why: string } | undefined> {
    if (kept.length > 0 && d > (kept.at(-1) as number)) return 'skip';
    if (bound.floor === undefined && (kept.length === 0 || d < (kept[0] as number))) {
      await this.scanKept(() => false);
      bound.floor = Math.min(kept[0] ?? d, ...[...this.removed.keys()].map((f) => dayOfLogFileName(f) ?? d));
    }
    if (bound.floor === undefined || d >= bound.floor) return undefined;
    const ev = await this.dayEvents(d);
    return ev === 'absent' ? { kind: 'none' } : { kind: 'unknown', why: unknownWhy(d, ev === 'removed' ? ev : 'gone') };
  }

  private async walkOfRecord(day: number, nextDay: boolean): Promise<ChainConfigOfRecord> {
    const kept = await this.keptDays();
    if (!nextDay && kept.includes(day + 1)) {
      // The export of `day` (its event in the next file) read the same, unless the next file holds
      // an event of a snapshot dated `day` or before (logged after midnight): then it read that too.
      const next = await this.dayEvents(day + 1);
      const late = next instanceof DayConfig && next.order.some((e) => (dayOfSnapshotId(e.snapshot_id) ?? day) <= day);
      const exported = late ? undefined : await this.exportedOfRecord(day + 1, day, day);
      if (exported !== undefined) return exported;
    }
    if (kept.length === 0) {
      // No log file at all: a chain that never started recorded no snapshot, unless a LogPruned
      // event (in a vouched pack copy) records files removed before.
      await this.scanKept(() => false);
      if (this.removed.size === 0) return { kind: 'none' };
    }
    const bound: WalkBound = {};
    for (let d = nextDay ? day + 1 : day; ; d--) {
      const end = await this.walkEnd(d, kept, bound);
      if (end === 'skip') continue;
      if (end !== undefined) return end;
      const isKept = kept.includes(d);
      if (!isKept && d <= day) {
        const r = await this.removalOf(logFileName(d), d);
        if (r?.inForce !== undefined)
          return {
            kind: 'event',
            snapshot: r.inForce,
            where: `the config_in_force of the LogPruned event of ${logFileName(d)}`,
          };
      }
      const ev = await this.dayEvents(d);
      if (ev === 'removed' || ev === 'gone') return { kind: 'unknown', why: unknownWhy(d, ev) };
      if (ev !== 'absent') {
        for (let i = ev.order.length - 1; i >= 0; i--) {
          const e = ev.order[i] as HeldConfig;
          const idDay = dayOfSnapshotId(e.snapshot_id);
          if (d <= day || (idDay !== undefined && idDay <= day))
            return {
              kind: 'event',
              // Its id and record hash only: the PackExported event's config_of_record carries them as they are.
              snapshot: { snapshot_id: e.snapshot_id, record_sha256: e.record_sha256 },
              where: `a ConfigSnapshot event of ${logFileName(d)}`,
              ...(e.full !== undefined ? { full: e.full } : e.paths === undefined ? { full: true } : {}),
            };
        }
      }
      if (isKept) {
        const exported = await this.exportedOfRecord(d, d - 1, day);
        if (exported !== undefined) return exported;
      } else if (d <= day && d > (kept[0] ?? d)) d = (await this.nextKnownBelow(d, kept)) + 1;
    }
  }

  /**
   * The `config_of_record` of the last PackExported event in kept file `d` exporting a day from
   * `from` to `to` (the chain's events of the files after it were already read: none after it).
   */
  private async exportedOfRecord(d: number, from: number, to: number): Promise<ChainConfigOfRecord | undefined> {
    await this.dayEvents(d); // reads the kept file's PackExported events with its ConfigSnapshot ones
    let p = this.exported.get(d);
    if (p === undefined) {
      p = Promise.resolve([]);
      this.exported.set(d, p);
    }
    let found: ChainConfigOfRecord | undefined;
    for (const { day: e, value } of await p) if (e >= from && e <= to) found = value;
    return found;
  }

  /**
   * The snapshot holding `path` at the end of day `day`'s file, decided by the chain in LOG order
   * (never by the ids, the writer's clock: at28 F2): its ConfigSnapshot events are walked back,
   * newest logged first, from that file down; an event naming its paths without `path` is passed;
   * any other is put to `holds` (which reads its record, by id and record hash): 'no' (its record
   * holds no such file) walks on, a value ends the walk (found), `{lost}` makes it unknown (an
   * older one is never taken in its place). 'skip' (it holds the file, but what it holds is not to
   * be used: a policy that does not parse) walks on to the one before it, even past a full
   * snapshot's event, which holds it (at52 H3b); one named by a LogPruned event is unknown (the
   * removed file's events before it cannot be told). A full snapshot's event (`full: true`) that
   * does not hold it ends the walk: none (at40 F4). A removed file with no vouched copy is crossed by its
   * LogPruned event: the holder its `configs_in_force` names (or its `config_in_force`, when that
   * holds the file), else unknown. Before the oldest file the chain knows of: none when the chain
   * starts there (its first line), else unknown. With `path` null every event and LogPruned entry
   * is put to `holds` up to the first that decides the whole config (a full event, one without
   * `paths`, a `configs_in_force` list): none then; an event of an earlier version with `paths` and
   * no `full`, or a list ending in an entry without `paths`, is unknown (what it left out cannot be told).
   */
  async holderAt<T>(
    day: number,
    path: string | null,
    holds: (e: HeldConfig) => Promise<T | 'no' | 'skip' | { lost: string }>,
  ): Promise<{ kind: 'found'; value: T } | { kind: 'none' } | { kind: 'unknown'; why: string; snapshot?: HeldConfig }> {
    const kept = await this.keptDays();
    if (kept.length === 0) {
      await this.scanKept(() => false);
      if (this.removed.size === 0) return { kind: 'none' };
    }
    const judge = (v: T | 'no' | 'skip' | { lost: string }, e: HeldConfig, where: string) => {
      if (v === 'no') return undefined;
      if (v === 'skip')
        return {
          kind: 'unknown' as const,
          why: `${where} names snapshot ${e.snapshot_id}, whose ${path} is not to be used, and what was in force before it cannot be told`,
        };
      if (typeof v === 'object' && v !== null && 'lost' in v)
        return { kind: 'unknown' as const, why: `${where} names it, and the snapshot store ${v.lost}`, snapshot: e };
      return { kind: 'found' as const, value: v as T };
    };
    const ask = async (e: HeldConfig, where: string) => judge(await holds(e), e, where);
    const bound: WalkBound = {};
    for (let d = day; ; d--) {
      const end = await this.walkEnd(d, kept, bound);
      if (end === 'skip') continue;
      if (end !== undefined) return end;
      if (!kept.includes(d)) {
        const r = await this.removalOf(logFileName(d), d);
        const end = r === undefined ? undefined : await prunedEnd(r, logFileName(d), path, ask);
        if (end !== undefined) return end;
      }
      const ev = await this.dayEvents(d);
      if (ev === 'removed' || ev === 'gone') return { kind: 'unknown', why: unknownWhy(d, ev) };
      if (ev === 'absent' && !kept.includes(d) && d > (kept[0] ?? d)) d = (await this.nextKnownBelow(d, kept)) + 1;
      if (ev === 'absent') continue;
      for (let i = ev.order.length - 1; i >= 0; i--) {
        const e = ev.order[i] as HeldConfig;
        const where = `a ConfigSnapshot event of ${logFileName(d)}`;
        if (path === null) {
          const end = (await ask(e, where)) ?? wholeEnd(e, where);
          if (end !== undefined) return end;
          continue;
        }
        const v = e.paths === undefined || e.paths.includes(path) ? await holds(e) : 'no';
        if (v === 'skip') continue; // it holds the file, not to be used: the one before it decides
        const got = judge(v, e, where);
        if (got !== undefined) return got;
        if (e.full === true) return { kind: 'none' }; // a full snapshot without it: not in force
      }
    }
  }

  /** Day `day`'s ConfigSnapshot events in log order ([] for a day with none); undefined when unknown. */
  async eventsOf(day: number): Promise<readonly HeldConfig[] | undefined> {
    const ev = await this.dayEvents(day);
    return ev instanceof DayConfig ? ev.order : ev === 'absent' ? [] : undefined;
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
    // Its PackExported events in the same pass (configOfRecord's bound): the file is read once. A
    // marked line that the next line recovers is a torn write, never an event (FORMAT rule 4).
    const live = await linesContaining(join(this.sources.logDir, name), [CONFIG_MARK, EXPORTED_MARK], {
      recovers: recoveredIn(name),
    });
    if (live !== undefined) {
      if (!this.exported.has(day)) this.exported.set(day, Promise.resolve(exportedOf(live, name)));
      return configOf(live.filter((l) => l.indexOf(CONFIG_MARK) !== -1));
    }
    const kept = await this.keptDays();
    const removal = await this.removalOf(name, day);
    if (removal === undefined) {
      // No record of a removal: a day after the oldest kept file had no log; one before it is gone
      // without a record (removed by hand, or by a version without LogPruned) unless the chain
      // shows that no event was written on it (a machine down that day): nothing else decides.
      if (kept.length > 0 && day > (kept[0] as number)) return 'absent';
      return (await this.eventless(day)) ? 'absent' : 'gone';
    }
    const copy = await vouchedCopy(this.sources.artifactsDir, day, removal);
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
    return removal === undefined ? undefined : (await vouchedCopy(this.sources.artifactsDir, d, removal))?.first;
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
   * The newest day before `d` with a kept file or a recorded removal (at28 F4): the days between have
   * neither, so are `absent`. Reads the LogPruned events of the kept files and of the vouched copies above it.
   */
  private async nextKnownBelow(d: number, kept: readonly number[]): Promise<number> {
    await this.scanKept(() => false);
    for (;;) {
      const known = this.removed.size;
      const days = [...kept, ...[...this.removed.keys()].map((f) => dayOfLogFileName(f) ?? d)];
      const to = Math.max(...days.filter((r) => r < d));
      for (const [file, removal] of [...this.removed]) {
        const r = dayOfLogFileName(file);
        if (r === undefined || r <= to || this.chased.has(r)) continue;
        this.chased.add(r);
        const copy = await vouchedCopy(this.sources.artifactsDir, r, removal);
        if (!this.days.has(r)) this.days.set(r, Promise.resolve(copy === undefined ? 'removed' : copy.config));
        if (copy !== undefined) this.addPruned(copy.pruned);
      }
      if (known === this.removed.size) return to;
    }
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
      const copy = await vouchedCopy(this.sources.artifactsDir, d, removal);
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
      const name = logFileName(d);
      const lines = await linesContaining(join(this.sources.logDir, name), PRUNED_MARK, {
        recovers: recoveredIn(name),
      });
      if (lines !== undefined) this.addPruned(prunedOf(lines));
    }
  }

  private addPruned(found: Map<string, Removal>): void {
    for (const [file, r] of found) {
      if (!this.removed.has(file)) this.removed.set(file, r);
      // Every snapshot still in force for some path at the file's end is vouched, not the newest only.
      for (const h of r.held ?? []) this.inForce.add(`${h.snapshot_id} ${h.record_sha256}`);
    }
  }
}

/** A backward walk's floor, found once (ConfigEventIndex.walkEnd). */
interface WalkBound {
  floor?: number;
}
