/**
 * A pack's data/config_in_force.json held to what is at hand (docs/FORMAT.md,
 * "config_in_force.json"): an entry naming the snapshot of data/config_snapshot.json must carry
 * the SHA-256 of that file's bytes (export copies the record's own bytes); an entry naming a
 * snapshot whose ConfigSnapshot event is a line of the pack's log (or, in an artifacts directory,
 * of a kept log with `--log-dir` or a vouched pack log: archive checks) with another record hash is
 * CONFIG_IN_FORCE_MISMATCH; an entry nothing at hand records is said unbound (info), never an error:
 * its event is in an earlier day's log, which this pack does not hold.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ScannedLine } from '../chain/lines.js';
import { parseObjectLine } from '../fsx/lines-containing.js';
import { configSnapshotOf } from '../format/config-in-force.js';
import {
  type ConfigInForceFile,
  MAX_CONFIG_IN_FORCE_BYTES,
  parseConfigInForceFile,
  type RedactedAgain,
  recordOfEntry,
} from '../format/config-in-force-file.js';
import { PACK_PATH } from '../format/pack.js';
import { FragmentWatch } from '../format/recovered-line.js';
import { type LargeSnapshotFile, readBoundedBuffer } from './compliance-bytes.js';
import { type Findings, printableName } from './report.js';

/** data/config_in_force.json and data/config_snapshot.json are read into memory up to this many bytes (export writes no more). */
export { MAX_CONFIG_IN_FORCE_BYTES };

const MARK = Buffer.from('"ConfigSnapshot"');
/** Snapshot ids kept from one log at most (a hostile log may hold millions of ConfigSnapshot lines). */
const MAX_IDS = 100_000;

/**
 * The ConfigSnapshot events of a pack's log, by snapshot id (the record hashes they log), taken
 * from the lines of the pass that checks the log: no second read.
 */
export class ConfigSnapshotTap {
  private readonly ids = new Map<string, Set<string>>();
  /** True when more ids came than are kept: an id not kept is then unbound, never a mismatch. */
  private overflow = false;
  /**
   * Recovery first (docs/FORMAT.md "Torn lines and recovery"): the event of the last line waits
   * for the next, which may recover that line (then it was never an event). Set `watch.file` to the
   * log's recovery file name (recoveryFileFor) before the first line.
   */
  readonly watch = new FragmentWatch();
  private pending: { snapshot_id: string; record_sha256: string } | undefined;
  private last: { snapshot_id: string; record_sha256: string } | undefined;

  /** Every line of the log, in order. `category`: its category when the log check read it as an event (others are not looked into). */
  push(l: ScannedLine, category?: string): void {
    if (this.watch.recovers(l)) this.pending = undefined;
    else this.settle();
    if (category !== undefined && category !== 'config') return;
    const b = l.bytes;
    if (b === undefined || !l.terminated || b.indexOf(MARK) === -1) return;
    const c = configSnapshotOf(parseObjectLine(b));
    if (c === undefined) return;
    this.watch.hold(l);
    this.pending = c;
  }

  /** The record hashes the log's ConfigSnapshot events give each snapshot id. */
  get logged(): ReadonlyMap<string, ReadonlySet<string>> {
    this.settle();
    return this.ids;
  }

  /** The log's last ConfigSnapshot event (the chain's newest at the log's end: config-of-record.ts). */
  get newest(): { readonly snapshot_id: string; readonly record_sha256: string } | undefined {
    this.settle();
    return this.last;
  }

  /** True when more ids came than are kept: an id not kept is then unbound, never a mismatch. */
  get full(): boolean {
    this.settle();
    return this.overflow;
  }

  private settle(): void {
    const c = this.pending;
    if (c === undefined) return;
    this.pending = undefined;
    this.last = c;
    const had = this.ids.get(c.snapshot_id);
    if (had !== undefined) had.add(c.record_sha256);
    else if (this.ids.size < MAX_IDS) this.ids.set(c.snapshot_id, new Set([c.record_sha256]));
    else this.overflow = true;
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
  snapshotBytes: Buffer | 'too-large' | LargeSnapshotFile | undefined,
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
  const held = ownSnapshotOf(snapshotBytes);
  if (held !== undefined && 'malformed' in held)
    f.add(
      'CONFIG_IN_FORCE_MISMATCH',
      'error',
      PACK_PATH.configSnapshot,
      `${held.malformed}: neither a snapshot record nor {"snapshot": null, …}, so ${where} cannot be held to it`,
    );
  const own = held === undefined || 'malformed' in held ? undefined : held;
  const unbound: UnboundEntries[] = [];
  const hold = (path: string, r: { snapshot_id: string; record_sha256: string }): void => {
    const logged = tap?.logged.get(r.snapshot_id);
    if (logged === undefined) unbound.push({ path, ...r });
    else if (!logged.has(r.record_sha256))
      f.add(
        'CONFIG_IN_FORCE_MISMATCH',
        'error',
        where,
        `${path}: snapshot ${r.snapshot_id} with record_sha256 ${r.record_sha256}, but its ConfigSnapshot event in ${PACK_PATH.log} records ${[...logged][0]}`,
      );
  };
  // Declared by export: data/config_snapshot.json is the record redacted again, not its bytes. The
  // entries of that snapshot (and the flag) then carry the record's hash, held to the log as any
  // entry is; the file itself cannot be matched, which is said (a warning a forger cannot avoid).
  const again = judgeRedactedAgain(f, v, own);
  if (again !== undefined) hold(PACK_PATH.configSnapshot, again);
  // The file's own hash held to its snapshot's event when that event is a line of the pack's log,
  // here and not only by step 8's compliance re-check, which skips a file it cannot read as a
  // record (the Python checker, which runs no re-check, holds it the same way: at41 F6, at42 F1).
  else if (own !== undefined && tap?.logged.has(own.id) === true)
    hold(PACK_PATH.configSnapshot, { snapshot_id: own.id, record_sha256: own.sha256 });
  // The file's own hash is held to its ConfigSnapshot event by step 8 (as before the field), and a
  // declared record hash just above: not held twice (nor said unbound in every pack of a later day).
  if (held === undefined || !('malformed' in held)) judgeNamed(f, v, own, again);
  for (const e of v.files) {
    const r = recordOfEntry(e);
    if (r === undefined) continue;
    if (own !== undefined && r.snapshot_id === own.id) {
      // Export writes an entry of a record only for a file it found in it: another path is a renamed entry.
      if (own.files !== undefined && !own.files.has(e.path))
        f.add(
          'CONFIG_IN_FORCE_MISMATCH',
          'error',
          where,
          `${printableName(e.path)}: snapshot ${r.snapshot_id}, whose record (${PACK_PATH.configSnapshot}) holds no such file`,
        );
      const expected = again?.record_sha256 ?? own.sha256;
      if (r.record_sha256 !== expected)
        f.add(
          'CONFIG_IN_FORCE_MISMATCH',
          'error',
          where,
          again === undefined
            ? `${e.path}: snapshot ${r.snapshot_id} with record_sha256 ${r.record_sha256}, but ${PACK_PATH.configSnapshot} (that snapshot's record) hashes to ${own.sha256}`
            : `${e.path}: snapshot ${r.snapshot_id} with record_sha256 ${r.record_sha256}, but config_snapshot_redacted_again gives that record's as ${expected}`,
        );
      continue;
    }
    hold(e.path, r);
  }
  return unbound;
}

/**
 * The file's `config_snapshot_redacted_again` when it holds: it names data/config_snapshot.json's
 * snapshot, and that file does not hash to the record_sha256 it gives (export writes it only when
 * the file is not the record's bytes: a flag on a file that matches is a false claim, an error).
 * The CONFIG_SNAPSHOT_REDACTED_AGAIN warning when it holds; CONFIG_IN_FORCE_INVALID when it does not.
 */
function judgeRedactedAgain(
  f: Findings,
  v: ConfigInForceFile,
  own: { id: string; sha256: string } | undefined,
): RedactedAgain | undefined {
  const again = v.config_snapshot_redacted_again;
  if (again === undefined) return undefined;
  const where = PACK_PATH.configInForce;
  if (own === undefined || own.id !== again.snapshot_id) {
    f.add(
      'CONFIG_IN_FORCE_INVALID',
      'error',
      where,
      `config_snapshot_redacted_again names snapshot ${again.snapshot_id}, but ${PACK_PATH.configSnapshot} ${own === undefined ? 'holds no snapshot record' : `is snapshot ${printableName(own.id)}`}`,
    );
    return undefined;
  }
  if (own.sha256 === again.record_sha256) {
    f.add(
      'CONFIG_IN_FORCE_INVALID',
      'error',
      where,
      `config_snapshot_redacted_again says ${PACK_PATH.configSnapshot} is snapshot ${printableName(own.id)} redacted again, but the file hashes to the record_sha256 it gives (${own.sha256}): it is the record's own bytes, the claim is false`,
    );
    return undefined;
  }
  f.add(
    'CONFIG_SNAPSHOT_REDACTED_AGAIN',
    'warning',
    PACK_PATH.configSnapshot,
    `${PACK_PATH.configSnapshot} is snapshot ${printableName(own.id)} redacted again under redaction rules ${again.rules} at export; it cannot be matched byte for byte to the record (sha256 ${again.record_sha256}) in the store: redact the store's record with rules ${again.rules} and compare`,
  );
  return again;
}

/**
 * The file's `config_snapshot` (absent in files of earlier versions: nothing to judge) held to
 * data/config_snapshot.json: the same snapshot (or, for null, no record), whose bytes hash to the
 * record_sha256 given, or, declared redacted again, whose record's hash the declaration gives. A
 * config_snapshot.json of another snapshot, or other bytes, is CONFIG_IN_FORCE_MISMATCH (at40 F6:
 * a record swapped into the pack at export).
 */
function judgeNamed(
  f: Findings,
  v: ConfigInForceFile,
  own: { id: string; sha256: string } | undefined,
  again: RedactedAgain | undefined,
): void {
  const named = v.config_snapshot;
  if (named === undefined) return;
  const bad = (m: string): void => {
    f.add('CONFIG_IN_FORCE_MISMATCH', 'error', PACK_PATH.configInForce, m);
  };
  if (named === null) {
    if (own !== undefined)
      bad(
        `config_snapshot is null (no config of record), but ${PACK_PATH.configSnapshot} is snapshot ${printableName(own.id)}`,
      );
    return;
  }
  if (own === undefined || own.id !== named.snapshot_id) {
    bad(
      `config_snapshot names snapshot ${named.snapshot_id}, but ${PACK_PATH.configSnapshot} ${own === undefined ? 'holds no snapshot record' : `is snapshot ${printableName(own.id)}`}`,
    );
    return;
  }
  const expected = again?.record_sha256 ?? own.sha256;
  if (named.record_sha256 !== expected)
    bad(
      again === undefined
        ? `config_snapshot names snapshot ${named.snapshot_id} with record_sha256 ${named.record_sha256}, but ${PACK_PATH.configSnapshot} hashes to ${own.sha256}`
        : `config_snapshot names snapshot ${named.snapshot_id} with record_sha256 ${named.record_sha256}, but config_snapshot_redacted_again gives that record's as ${expected}`,
    );
}

/** data/config_snapshot.json's snapshot and the record hash its ConfigSnapshot event must log. */
export interface HeldRecord {
  readonly id: string;
  readonly sha256: string;
  /** The file is the record redacted again (data/config_in_force.json gives `sha256`), not its bytes. */
  readonly redactedAgain?: boolean;
}

/**
 * What verify's compliance re-check holds data/config_snapshot.json's snapshot to in the log
 * (`file`: its id and the file's own hash): the record_sha256 `config_snapshot_redacted_again`
 * gives when it holds (as judgeRedactedAgain: same snapshot, not the file's own hash), else the
 * file's. No findings: the config_in_force.json check makes them.
 */
export async function recordHeldToLog(dir: string, file: HeldRecord | undefined): Promise<HeldRecord | undefined> {
  if (file === undefined) return undefined;
  const bytes = await readBoundedBuffer(join(dir, PACK_PATH.configInForce), MAX_CONFIG_IN_FORCE_BYTES);
  const v = bytes === undefined ? undefined : parseConfigInForceFile(bytes);
  const again = v === undefined || 'invalid' in v ? undefined : v.config_snapshot_redacted_again;
  if (again === undefined || again.snapshot_id !== file.id || again.record_sha256 === file.sha256) return file;
  return { id: file.id, sha256: again.record_sha256, redactedAgain: true };
}
/**
 * The info finding for entries nothing at hand records (`by`: what was looked in; `hint`: what to
 * do, by default what a pack verified alone can do: verify its artifacts directory with --log-dir).
 */
export function addUnbound(
  f: Findings,
  where: string,
  unbound: readonly UnboundEntries[],
  by: string,
  hint = "verify the artifacts directory with --log-dir, or the pack of the snapshot's day",
): void {
  if (unbound.length === 0) return;
  const ids = [...new Set(unbound.map((u) => u.snapshot_id))];
  const shown = ids.slice(0, 5).join(', ') + (ids.length > 5 ? `, and ${ids.length - 5} more` : '');
  f.add(
    'CONFIG_IN_FORCE_UNBOUND',
    'info',
    where,
    `${unbound.length} entr${unbound.length === 1 ? 'y names a snapshot' : 'ies name snapshots'} (${shown}) whose ConfigSnapshot event is not in ${by}: not checked here (${hint})`,
  );
}

/**
 * data/config_snapshot.json's snapshot id and the SHA-256 of its bytes, when it is a record; undefined
 * when it is absent or `{"snapshot": null, …}` (no config of record); else why it is neither (over its
 * bound, not UTF-8, not JSON, an object without a `snapshot_id`): read strictly, as the Python
 * checker does, so both hold config_in_force.json to the same file (a lossy decode would not).
 */
export function ownSnapshotOf(
  bytes: Buffer | 'too-large' | LargeSnapshotFile | undefined,
): { id: string; sha256: string; files?: ReadonlySet<string> } | { malformed: string } | undefined {
  if (bytes === undefined) return undefined;
  if (bytes === 'too-large') return { malformed: `larger than ${MAX_CONFIG_IN_FORCE_BYTES} bytes: not read` };
  // Past the in-memory bound (an honest record can be: at41 F4): its streamed hash and the id its opening gives.
  if (!Buffer.isBuffer(bytes))
    return bytes.id === undefined
      ? { malformed: `larger than ${MAX_CONFIG_IN_FORCE_BYTES} bytes, and its opening names no snapshot_id` }
      : { id: bytes.id, sha256: bytes.sha256 };
  if (!isUtf8(bytes)) return { malformed: 'not UTF-8' };
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { malformed: 'not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { malformed: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  const id = o.snapshot_id;
  if (typeof id === 'string' && id !== '') {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // The config files the record holds (its `files` keys), when it lists them: an entry naming this
    // snapshot must name one of them (at58 F6).
    const listed = o.files;
    const isMap = typeof listed === 'object' && listed !== null && !Array.isArray(listed);
    return isMap ? { id, sha256, files: new Set(Object.keys(listed)) } : { id, sha256 };
  }
  if (Object.hasOwn(o, 'snapshot') && o.snapshot === null) return undefined;
  return { malformed: 'an object with no snapshot_id' };
}
