/**
 * The config in force at the end of a log file, as a `LogPruned` event records it for the file it
 * removes (docs/FORMAT.md, "LogPruned"): the `snapshot_id` and `record_sha256` of the last
 * `config`/`ConfigSnapshot` event (not `recovered`) of the chain up to that file's last line. Once
 * retention has removed both the snapshot's day file and the pack holding its copy, this is what
 * still vouches that the chain recorded the snapshot: a config unchanged for longer than the
 * retention windows stays the config of record.
 */

/** The LogPruned field that carries it. */
export const CONFIG_IN_FORCE_FIELD = 'config_in_force';

/** A snapshot the chain recorded, by id and the SHA-256 of its stored record. */
export interface ConfigInForce {
  readonly snapshot_id: string;
  readonly record_sha256: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The longest `snapshot_id`, in characters (Unicode code points, as every length bound of the format). */
export const MAX_SNAPSHOT_ID_CHARS = 128;

/**
 * Whether a string holds 1 to `max` characters, counted as Unicode code points (a surrogate pair is
 * one, a lone surrogate one), as docs/FORMAT.md counts lengths: the same count in every language
 * (Python's `len`), never JavaScript's UTF-16 units (an astral character would count twice).
 */
export function hasCharsWithin(s: string, max: number): boolean {
  if (s === '') return false;
  if (s.length <= max) return true;
  if (s.length > 2 * max) return false;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    if (++n > max) return false;
  }
  return true;
}

/** The value of a `config_in_force` field, if it has the documented shape (hostile input: else undefined). */
export function parseConfigInForce(v: unknown): ConfigInForce | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const { snapshot_id, record_sha256 } = v as Record<string, unknown>;
  if (typeof snapshot_id !== 'string' || !hasCharsWithin(snapshot_id, MAX_SNAPSHOT_ID_CHARS)) return undefined;
  if (typeof record_sha256 !== 'string' || !SHA256_HEX.test(record_sha256)) return undefined;
  return { snapshot_id, record_sha256 };
}

/**
 * The snapshot a parsed log line records when it is a `config`/`ConfigSnapshot` event written by
 * the snapshot itself (an event marked `recovered` was chained late by another writer and vouches
 * for nothing); undefined for any other line.
 */
export function configSnapshotOf(ev: Record<string, unknown> | undefined): ConfigInForce | undefined {
  if (ev?.category !== 'config' || ev.event !== 'ConfigSnapshot' || ev.recovered === true) return undefined;
  return parseConfigInForce({ snapshot_id: ev.snapshot_id, record_sha256: ev.record_sha256 });
}

/**
 * The ConfigSnapshot field that names the config paths the snapshot recorded (its record's `files`
 * keys, sorted). A snapshot may cover some files only (`--configs configs/risk.yaml`): the files it
 * leaves out keep the version an earlier snapshot recorded. An event without it (earlier versions)
 * counts as the whole config, as before.
 */
export const SNAPSHOT_PATHS_FIELD = 'paths';

/**
 * The ConfigSnapshot field that says whether the snapshot covered every config file (`true`: taken
 * over the install's configured patterns, so a file it does not record is no longer config: not in
 * force) or some files only (`false`: `--configs`). Events of earlier versions lack it and are read
 * as before (a walk passes them for a file they leave out).
 */
export const SNAPSHOT_FULL_FIELD = 'full';

/** The LogPruned field that carries every snapshot still in force for some config path (docs/FORMAT.md). */
export const CONFIGS_IN_FORCE_FIELD = 'configs_in_force';

/**
 * A snapshot in force for some config paths: the ones for which it holds the newest recorded
 * version (`paths`), or, without `paths`, every path no newer entry names (an event without
 * `paths`: the whole config, which ends what came before it).
 */
export interface HeldConfig extends ConfigInForce {
  readonly paths?: readonly string[];
  /**
   * A ConfigSnapshot event's `full`. Without `paths` (the list left out or cut: at42 F3) its record
   * says which files it holds, and `full` whether it ends the rest. A LogPruned list carries it on
   * its entry without `paths` only, and only `true` (at43 F3): that entry's record is then the whole
   * config, and a file it does not hold is held by no snapshot (none), not unknown.
   */
  readonly full?: boolean;
}

/** Bounds on hostile input: entries of a configs_in_force list, paths per entry, bytes per path. */
const MAX_HELD = 4096;
const MAX_PATHS = 65536;
const MAX_PATH_CHARS = 4096;

/** A `paths` value, if it has the documented shape (a list of non-empty strings); else undefined. */
export function parsePaths(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length > MAX_PATHS) return undefined;
  for (const p of v) if (typeof p !== 'string' || p === '' || p.length > MAX_PATH_CHARS) return undefined;
  return [...new Set(v as string[])].sort();
}

/**
 * The value of a `configs_in_force` field, if it has the documented shape: a non-empty list, newest
 * first, of `{snapshot_id, record_sha256, paths?}`, only its last entry without `paths`, and that
 * one only may carry `full: true` (any other `full` is malformed). Else undefined (hostile input:
 * the reader falls back to `config_in_force`, the whole config).
 */
export function parseConfigsInForce(v: unknown): HeldConfig[] | undefined {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_HELD) return undefined;
  const out: HeldConfig[] = [];
  for (const [i, e] of v.entries()) {
    const c = parseConfigInForce(e);
    if (c === undefined) return undefined;
    const raw = (e as Record<string, unknown>)[SNAPSHOT_PATHS_FIELD];
    const full = (e as Record<string, unknown>)[SNAPSHOT_FULL_FIELD];
    if (raw === undefined) {
      if (i !== v.length - 1 || (full !== undefined && full !== true)) return undefined;
      out.push(full === true ? { ...c, full } : c);
      continue;
    }
    if (full !== undefined) return undefined;
    const paths = parsePaths(raw);
    if (paths === undefined) return undefined;
    out.push({ ...c, paths });
  }
  return out;
}

/**
 * Whether the logger's bounds (or its redaction) changed an event's `paths`: a `validation` note or a
 * `redacted` entry on `paths` or one of its items (`paths: array of 3001 items cut to 256`,
 * `paths[7]: string of ... cut`). Such a list no longer names every file the record holds: read
 * as one it would end (or pass) files the snapshot recorded (at42 F3).
 */
export function pathsAltered(ev: Record<string, unknown>): boolean {
  for (const field of ['validation', 'redacted']) {
    const notes = ev[field];
    if (!Array.isArray(notes)) continue;
    for (const n of notes) if (typeof n === 'string' && /^paths(?:[:[]|$)/.test(n)) return true;
  }
  return false;
}

/**
 * As configSnapshotOf, with the paths the event names and its `full`. No `paths` (an event of an
 * earlier version, or one whose list the writer left out or the logger's bounds cut: its record
 * says which files it holds), or a malformed value: none. Without `paths` and without `full`, the
 * whole config (earlier versions); with `full`, what `full` says, the files read from the record.
 */
export function heldConfigOf(ev: Record<string, unknown> | undefined): HeldConfig | undefined {
  const c = configSnapshotOf(ev);
  if (c === undefined || ev === undefined) return c;
  const full = ev[SNAPSHOT_FULL_FIELD];
  const paths = pathsAltered(ev) ? undefined : parsePaths(ev[SNAPSHOT_PATHS_FIELD]);
  if (typeof full !== 'boolean') return paths === undefined ? c : { ...c, paths };
  return paths === undefined ? { ...c, full } : { ...c, paths, full };
}

/**
 * The snapshots in force after snapshot `ev` is recorded on top of `held` (newest first): `ev` first;
 * each earlier one keeps the paths `ev` does not name, and is dropped when it keeps none. An `ev`
 * without paths (the whole config) ends the list, and so does a full one (`full: true`): it is then
 * the only entry, with its paths, so a file it does not record is held by no entry (not in force).
 * The first entry always names the newest snapshot (so `config_in_force` is the first entry without
 * its paths), even one that recorded no file. Only a full event without paths (its list left out:
 * too many files) carries `full: true` into its entry (at43 F3): a file its record does not hold is
 * then none, not unknown; every other entry carries no `full`.
 */
export function advanceHeld(held: readonly HeldConfig[], ev: HeldConfig): HeldConfig[] {
  const id = { snapshot_id: ev.snapshot_id, record_sha256: ev.record_sha256 };
  const head: HeldConfig =
    ev.paths === undefined ? (ev.full === true ? { ...id, full: true } : id) : { ...id, paths: ev.paths };
  if (ev.paths === undefined || ev.full === true) return [head];
  const named = new Set(ev.paths);
  const out: HeldConfig[] = [head];
  for (const h of held) {
    if (h.paths === undefined) {
      out.push(h); // the whole config: still in force for every path no newer entry names
      break;
    }
    const paths = h.paths.filter((p) => !named.has(p));
    if (paths.length > 0) out.push({ snapshot_id: h.snapshot_id, record_sha256: h.record_sha256, paths });
  }
  return out;
}

/**
 * The entry of `held` (newest first) that holds the newest recorded version of `path`: the first
 * naming it, else the entry without paths (the whole config), else undefined (no snapshot in the
 * list recorded it).
 */
export function holderOf(held: readonly HeldConfig[], path: string): HeldConfig | undefined {
  for (const h of held) if (h.paths === undefined || h.paths.includes(path)) return h;
  return undefined;
}

/**
 * The snapshots in force a LogPruned event carries: its `configs_in_force` when well formed and
 * headed by its `config_in_force`, else `config_in_force` alone (the whole config), else null.
 */
export function carriedOf(ev: Record<string, unknown>): HeldConfig[] | null {
  const last = parseConfigInForce(ev[CONFIG_IN_FORCE_FIELD]);
  if (last === undefined) return null;
  const all = parseConfigsInForce(ev[CONFIGS_IN_FORCE_FIELD]);
  const head = all?.[0];
  if (all === undefined || head?.snapshot_id !== last.snapshot_id || head.record_sha256 !== last.record_sha256)
    return [last];
  return all;
}
