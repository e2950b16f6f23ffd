/**
 * The lines of a day file (or of a pack's copy of one) that ConfigEventIndex reads: ConfigSnapshot,
 * LogPruned and PackExported events parsed, and a pack's copy of a removed day file found and read
 * (config-events.ts says what vouches for it).
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseObjectLine } from '../fsx/lines-containing.js';
import { openRegular } from '../fsx/regular.js';
import { readTarGz, TAR_BOUNDS } from '../fsx/tar-read.js';
import { recoversLine } from '../format/event-line.js';
import { LOG_PRUNED_EVENT, WRITER_EVENT_CATEGORY } from '../format/writer-events.js';
import {
  carriedOf,
  type ConfigInForce,
  type HeldConfig,
  heldConfigOf,
  parseConfigInForce,
} from '../format/config-in-force.js';
import { PACK_PATH } from '../format/pack.js';
import { dayNumberOfIsoDate, isoDate, logFileName } from '../rotation/index.js';

export const CONFIG_MARK = Buffer.from('"ConfigSnapshot"');
export const PRUNED_MARK = Buffer.from(JSON.stringify(LOG_PRUNED_EVENT));
/** How far a first line is looked for (1 MiB): a log line is far shorter; no newline by then, nothing is proven. */
const MAX_FIRST_LINE = 1 << 20;

/**
 * A day file's ConfigSnapshot events: id → the record hashes they vouch for, and the events in the
 * file's order (with the paths each names, when it does).
 */
export class DayConfig extends Map<string, Set<string>> {
  readonly order: HeldConfig[] = [];
}

/**
 * The config of record at the end of a day, as the chain decides it (never the store): the newest
 * ConfigSnapshot event (`event`, with where it was found), none (the chain never recorded one), or
 * unknown (`why`: a day file in between is gone and nothing vouches for what it held).
 */
export type ChainConfigOfRecord =
  | {
      readonly kind: 'event';
      readonly snapshot: ConfigInForce;
      readonly where: string;
      /** true: the event says what the whole config is (`full: true`, or no `paths`); false: some files; undefined: cannot be told. */
      readonly full?: boolean;
    }
  | { readonly kind: 'none' }
  | { readonly kind: 'unknown'; readonly why: string };

/** The PackExported field that carries the config of record at the end of the exported day (docs/FORMAT.md). */
export const CONFIG_OF_RECORD_FIELD = 'config_of_record';
export const EXPORTED_MARK = Buffer.from('"PackExported"');

/** A log file's lines that matter here: ConfigSnapshot events, LogPruned records, its first line. */
export interface DayLines {
  config: DayConfig;
  pruned: Map<string, Removal>;
  first: Buffer | undefined;
}

/**
 * What a LogPruned event records of the file it removed: its sha256 and, when written, its size
 * where its chain ended (`last_seq`, `end_hash`), and the config in force at its end: the newest
 * snapshot (`inForce`) and every snapshot in force for some path (`held`, newest first: its
 * `configs_in_force`, or `config_in_force` alone as the whole config).
 */
export interface Removal {
  sha256: string;
  size: number | undefined;
  end: { seq: number; hash: string } | undefined;
  inForce: ConfigInForce | undefined;
  held: HeldConfig[] | undefined;
}

export type PackFile = { kind: 'dir' } | { kind: 'tar'; root: string };

/** Whether artifacts entry `n` is a pack (or `.tar.gz`) of `date`: `D`, `D.vN`, and their `.tar.gz`. */
export function packOfDate(n: string, date: string): PackFile | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}(?:\.v[1-9]\d{0,5})?)(\.tar\.gz)?$/.exec(n);
  if (m === null || !(m[1] as string).startsWith(date)) return undefined;
  return m[2] === undefined ? { kind: 'dir' } : { kind: 'tar', root: m[1] as string };
}

/**
 * The bytes of a pack's `data/audit.jsonl` (a directory, or a `.tar.gz` whose root is `root` or the
 * day), never through a link or a FIFO (artifacts/ is the attacker's to write), and only when its
 * size is the removed file's (when recorded): a planted copy costs no more than the real one.
 */
export async function packLog(path: string, f: PackFile, size: number | undefined): Promise<Buffer | undefined> {
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

/** The ConfigSnapshot and LogPruned lines of a day file's bytes (its name `name`), a recovered fragment left out. */
export function linesOf(bytes: Buffer, name: string): DayLines {
  const config: Buffer[] = [];
  const pruned: Buffer[] = [];
  const nl0 = bytes.indexOf(0x0a);
  const first = nl0 === -1 ? undefined : bytes.subarray(0, nl0);
  for (let s = 0; s < bytes.length; ) {
    const nl = bytes.indexOf(0x0a, s);
    const e = nl === -1 ? bytes.length : nl;
    const line = bytes.subarray(s, e);
    const to = line.indexOf(CONFIG_MARK) !== -1 ? config : line.indexOf(PRUNED_MARK) !== -1 ? pruned : undefined;
    if (to !== undefined && !recoveredLine(bytes, line, s, e, name)) to.push(line);
    s = e + 1;
  }
  return { config: configOf(config), pruned: prunedOf(pruned), first };
}

/**
 * Whether `line` (bytes s..e of a day file's `bytes`) is a recovered torn write: the terminated
 * line after it is a TornLineRecovered event that describes it (docs/FORMAT.md "Torn lines and
 * recovery", rule 4), so it is never an event.
 */
function recoveredLine(bytes: Buffer, line: Buffer, s: number, e: number, name: string): boolean {
  if (e >= bytes.length) return false;
  const nl = bytes.indexOf(0x0a, e + 1);
  return nl !== -1 && recoversLine(bytes.subarray(e + 1, nl), line, s, name);
}

/** The ConfigSnapshot events (not `recovered`: chained late, they vouch for nothing) of these lines. */
export function configOf(lines: Buffer[]): DayConfig {
  const out = new DayConfig();
  for (const line of lines) {
    const ev = parseObjectLine(line);
    if (ev?.category !== 'config' || ev.event !== 'ConfigSnapshot' || ev.recovered === true) continue;
    if (typeof ev.snapshot_id !== 'string' || typeof ev.record_sha256 !== 'string') continue;
    let set = out.get(ev.snapshot_id);
    if (set === undefined) out.set(ev.snapshot_id, (set = new Set()));
    set.add(ev.record_sha256);
    const held = heldConfigOf(ev);
    const base = { snapshot_id: ev.snapshot_id, record_sha256: ev.record_sha256 };
    out.order.push({
      ...base,
      ...(held?.paths === undefined ? {} : { paths: held.paths }),
      ...(held?.full === undefined ? {} : { full: held.full }),
    });
  }
  return out;
}

/** The PackExported events of these lines (of file `name`) that carry a `config_of_record`, in order. */
export function exportedOf(lines: Buffer[], name: string): { day: number; value: ChainConfigOfRecord }[] {
  const out: { day: number; value: ChainConfigOfRecord }[] = [];
  for (const line of lines) {
    if (line.indexOf(EXPORTED_MARK) === -1) continue;
    const ev = parseObjectLine(line);
    if (ev?.category !== 'system' || ev.event !== 'PackExported' || typeof ev.date !== 'string') continue;
    const e = dayNumberOfIsoDate(ev.date);
    if (e === undefined || !Object.hasOwn(ev, CONFIG_OF_RECORD_FIELD)) continue;
    const v = ev[CONFIG_OF_RECORD_FIELD];
    const c = parseConfigInForce(v);
    const where = `the config_of_record of the PackExported event of ${ev.date} in ${name}`;
    if (v === null) out.push({ day: e, value: { kind: 'none' } });
    else if (c !== undefined) {
      const full = (v as Record<string, unknown>).full;
      out.push({
        day: e,
        value: { kind: 'event', snapshot: c, where, ...(typeof full === 'boolean' ? { full } : {}) },
      });
    }
  }
  return out;
}

/** The LogPruned events of these lines: removed file name → its sha256 and size. */
export function prunedOf(lines: Buffer[]): Map<string, Removal> {
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
      ...inForceOf(ev),
    });
  }
  return out;
}

/** A LogPruned event's config in force at its file's end (config-in-force.ts). */
function inForceOf(ev: Record<string, unknown>): Pick<Removal, 'inForce' | 'held'> {
  const held = carriedOf(ev) ?? undefined;
  return {
    inForce:
      held?.[0] === undefined ? undefined : { snapshot_id: held[0].snapshot_id, record_sha256: held[0].record_sha256 },
    held,
  };
}

/** Why day `d`'s events are unknown: said as it is (a file retention removed, or one gone unrecorded). */
/** The day a snapshot id (`YYYYMMDDT…`) is dated, undefined when it names none. */
export function dayOfSnapshotId(id: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T/.exec(id);
  return m === null ? undefined : dayNumberOfIsoDate(`${m[1]}-${m[2]}-${m[3]}`);
}

export function unknownWhy(d: number, ev: 'removed' | 'gone'): string {
  return ev === 'removed'
    ? `the log file of ${isoDate(d)} (${logFileName(d)}) was removed by log retention and no pack holds a copy its LogPruned event vouches for`
    : `the log file of ${isoDate(d)} (${logFileName(d)}) is not in the log directory, before its oldest file, and no LogPruned event records its removal (removed by hand or by a version that did not record it, or the day had no file: the chain cannot tell)`;
}

/** A file's first line (without its \n), read up to MAX_FIRST_LINE bytes; undefined when it has none. */
export async function firstLine(path: string): Promise<Buffer | undefined> {
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

/** The lines of the pack copy (in artifacts directory `dir`) of day `day`'s log whose bytes hash to the removal's sha256, if a pack holds one. */
export async function vouchedCopy(
  dir: string | undefined,
  day: number,
  removal: Removal,
): Promise<DayLines | undefined> {
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
      return linesOf(bytes, logFileName(day));
  }
  return undefined;
}
