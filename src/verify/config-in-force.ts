/**
 * A pack's data/config_in_force.json held to what is at hand (docs/FORMAT.md,
 * "config_in_force.json"): an entry naming the snapshot of data/config_snapshot.json must carry
 * the SHA-256 of that file's bytes (export copies the record's own bytes); an entry naming a
 * snapshot whose ConfigSnapshot event is a line of the pack's log (or, in an artifacts directory,
 * of a kept log with `--log-dir` or a vouched pack log: archive checks) with another record hash is
 * CONFIG_IN_FORCE_MISMATCH; an entry nothing at hand records is said unbound (info), never an error:
 * its event is in an earlier day's log, which this pack does not hold.
 */
import { createHash } from 'node:crypto';
import type { ScannedLine } from '../chain/lines.js';
import { parseObjectLine } from '../fsx/lines-containing.js';
import { configSnapshotOf } from '../format/config-in-force.js';
import { parseConfigInForceFile, recordOfEntry } from '../format/config-in-force-file.js';
import { PACK_PATH } from '../format/pack.js';
import type { Findings } from './report.js';

/** data/config_in_force.json and data/config_snapshot.json are read into memory up to this many bytes. */
export const MAX_CONFIG_IN_FORCE_BYTES = 16 * 1024 * 1024;

const MARK = Buffer.from('"ConfigSnapshot"');
/** Snapshot ids kept from one log at most (a hostile log may hold millions of ConfigSnapshot lines). */
const MAX_IDS = 100_000;

/**
 * The ConfigSnapshot events of a pack's log, by snapshot id (the record hashes they log), taken
 * from the lines of the pass that checks the log: no second read.
 */
export class ConfigSnapshotTap {
  readonly logged = new Map<string, Set<string>>();
  /** True when more ids came than are kept: an id not kept is then unbound, never a mismatch. */
  full = false;

  /** `category`: the line's category when the log check read it as an event (others are not looked into). */
  push(l: ScannedLine, category?: string): void {
    if (category !== undefined && category !== 'config') return;
    const b = l.bytes;
    if (b === undefined || !l.terminated || b.indexOf(MARK) === -1) return;
    const c = configSnapshotOf(parseObjectLine(b));
    if (c === undefined) return;
    const had = this.logged.get(c.snapshot_id);
    if (had !== undefined) had.add(c.record_sha256);
    else if (this.logged.size < MAX_IDS) this.logged.set(c.snapshot_id, new Set([c.record_sha256]));
    else this.full = true;
  }
}

/** What the pack's own check leaves to a check that has more logs at hand (archive-config-in-force). */
export interface UnboundEntries {
  readonly path: string;
  readonly snapshot_id: string;
  readonly record_sha256: string;
}

/**
 * Judges the file's bytes (`undefined`: not in the pack, nothing to judge; 'too-large': over its
 * bound). Returns the entries nothing in the pack binds (for a caller with more logs at hand).
 */
export function judgeConfigInForce(
  f: Findings,
  bytes: Buffer | 'too-large' | undefined,
  snapshotBytes: Buffer | undefined,
  tap: ConfigSnapshotTap | undefined,
  exportDate: string | undefined,
): UnboundEntries[] {
  const where = PACK_PATH.configInForce;
  if (bytes === undefined) return [];
  if (bytes === 'too-large') {
    f.add('CONFIG_IN_FORCE_INVALID', 'error', where, `larger than ${MAX_CONFIG_IN_FORCE_BYTES} bytes: not read`);
    return [];
  }
  const v = parseConfigInForceFile(bytes);
  if ('invalid' in v) {
    f.add('CONFIG_IN_FORCE_INVALID', 'error', where, `does not meet its schema: ${v.invalid}`);
    return [];
  }
  if (exportDate !== undefined && v.export_date !== exportDate)
    f.add(
      'CONFIG_IN_FORCE_INVALID',
      'error',
      where,
      `export_date is ${v.export_date}, the pack's day is ${exportDate}`,
    );
  const own = ownSnapshotOf(snapshotBytes);
  const unbound: UnboundEntries[] = [];
  for (const e of v.files) {
    const r = recordOfEntry(e);
    if (r === undefined) continue;
    if (own !== undefined && r.snapshot_id === own.id) {
      if (r.record_sha256 !== own.sha256)
        f.add(
          'CONFIG_IN_FORCE_MISMATCH',
          'error',
          where,
          `${e.path}: snapshot ${r.snapshot_id} with record_sha256 ${r.record_sha256}, but ${PACK_PATH.configSnapshot} (that snapshot's record) hashes to ${own.sha256}`,
        );
      continue;
    }
    const logged = tap?.logged.get(r.snapshot_id);
    if (logged === undefined) unbound.push({ path: e.path, ...r });
    else if (!logged.has(r.record_sha256))
      f.add(
        'CONFIG_IN_FORCE_MISMATCH',
        'error',
        where,
        `${e.path}: snapshot ${r.snapshot_id} with record_sha256 ${r.record_sha256}, but its ConfigSnapshot event in ${PACK_PATH.log} records ${[...logged][0]}`,
      );
  }
  return unbound;
}

/** The info finding for entries nothing at hand records (`by`: what was looked in). */
export function addUnbound(f: Findings, where: string, unbound: readonly UnboundEntries[], by: string): void {
  if (unbound.length === 0) return;
  const ids = [...new Set(unbound.map((u) => u.snapshot_id))];
  const shown = ids.slice(0, 5).join(', ') + (ids.length > 5 ? `, and ${ids.length - 5} more` : '');
  f.add(
    'CONFIG_IN_FORCE_UNBOUND',
    'info',
    where,
    `${unbound.length} entr${unbound.length === 1 ? 'y names a snapshot' : 'ies name snapshots'} (${shown}) whose ConfigSnapshot event is not in ${by}: not checked here (verify the artifacts directory with --log-dir, or the pack of the snapshot's day)`,
  );
}

/** data/config_snapshot.json's snapshot id and the SHA-256 of its bytes, when it is a record (not `{"snapshot": null}`). */
function ownSnapshotOf(bytes: Buffer | undefined): { id: string; sha256: string } | undefined {
  if (bytes === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const id = (v as Record<string, unknown> | null)?.snapshot_id;
  if (typeof id !== 'string' || id === '') return undefined;
  return { id, sha256: createHash('sha256').update(bytes).digest('hex') };
}
