/**
 * A pack's `data/config_in_force.json` (docs/FORMAT.md, "config_in_force.json"): per config file,
 * the snapshot record holding it at the end of the exported day, as the chain decides it. The
 * config of record (`data/config_snapshot.json`) names the newest snapshot only; after a narrow
 * snapshot (`auditpack snapshot --configs configs/risk.yaml`) the other files' records in force are
 * named here. Written by export (src/pack/config-in-force-file.ts), read by verify
 * (src/verify/config-in-force.ts) and by tools/auditpack_check.py: every value is hostile input there.
 */
import { isUtf8 } from 'node:buffer';
import { type ConfigInForce, hasCharsWithin, parseConfigInForce } from './config-in-force.js';

/** The file's `schema`. */
export const CONFIG_IN_FORCE_SCHEMA = 'auditpack-config-in-force/1';

/** The config file always listed (the compliance policy's place in the config). */
export const POLICY_CONFIG_PATH = 'configs/compliance_policy.yaml';

/** What the file says of one config file: its record, none (`null`), or unknown with the reason. */
export type InForceRecord = ConfigInForce | null | { readonly unknown: string };

/** One entry of `files`. */
export interface ConfigInForceEntry {
  readonly path: string;
  readonly record: InForceRecord;
}

/** The file's content. */
export interface ConfigInForceFile {
  readonly schema: typeof CONFIG_IN_FORCE_SCHEMA;
  readonly export_date: string;
  /**
   * The snapshot `data/config_snapshot.json` is the record of, with that record's SHA-256 (the file's
   * bytes hash to it unless `config_snapshot_redacted_again` says otherwise), or null when the file
   * names no record. Absent in files of earlier versions (then nothing binds the file's snapshot).
   */
  readonly config_snapshot?: ConfigInForce | null;
  /** Sorted by path (as UTF-8 bytes), each path once. */
  readonly files: readonly ConfigInForceEntry[];
  /** Any config file not in `files`: null (no record reached names one), or unknown (the walk met a gap). */
  readonly other_files: null | { readonly unknown: string };
  /**
   * Present only when `data/config_snapshot.json` is not the record's own bytes: export redacted
   * the stored record again under rules `rules` (a record written under older rules, or planted,
   * that today's rules catch a secret in) and wrote that copy. Absent otherwise (the file's bytes
   * are then those of every pack without it).
   */
  readonly config_snapshot_redacted_again?: RedactedAgain;
}

/**
 * `config_snapshot_redacted_again`: the snapshot whose record was redacted again, the SHA-256 of
 * the record's bytes in the store (what its ConfigSnapshot event logs), and the rules version.
 */
export interface RedactedAgain {
  readonly snapshot_id: string;
  readonly record_sha256: string;
  readonly rules: number;
}

/**
 * The file's bytes at most, for its writer and its readers alike (docs/FORMAT.md): export never
 * writes more (entries past it are left out and `other_files` says so), a checker reads no more.
 * Also the bound on data/config_snapshot.json where the config_in_force.json check reads it.
 */
export const MAX_CONFIG_IN_FORCE_BYTES = 16 * 1024 * 1024;

/** Bounds on hostile input; lengths in characters (Unicode code points: hasCharsWithin). */
const MAX_ENTRIES = 65536;
const MAX_PATH_CHARS = 4096;
const MAX_REASON_CHARS = 8192;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * The file's exact bytes (two-space JSON, entries sorted by path, a final newline), never more than
 * MAX_CONFIG_IN_FORCE_BYTES: past it the entries that fit are kept (the policy file's first, then by
 * path) and `other_files` says how many are left out, as past MAX_ENTRIES.
 */
export function renderConfigInForce(v: ConfigInForceFile): string {
  const files = [...v.files].sort((a, b) => byBytes(a.path, b.path));
  const text = renderSorted(v, files, v.other_files);
  return Buffer.byteLength(text, 'utf8') <= MAX_CONFIG_IN_FORCE_BYTES ? text : renderWithin(v, files);
}

function renderSorted(
  v: ConfigInForceFile,
  sorted: readonly ConfigInForceEntry[],
  otherFiles: ConfigInForceFile['other_files'],
): string {
  const other = otherFiles === null ? null : { record: 'unknown', reason: otherFiles.unknown };
  const again = v.config_snapshot_redacted_again;
  const out = {
    schema: v.schema,
    export_date: v.export_date,
    ...(v.config_snapshot === undefined
      ? {}
      : {
          config_snapshot:
            v.config_snapshot === null
              ? null
              : { snapshot_id: v.config_snapshot.snapshot_id, record_sha256: v.config_snapshot.record_sha256 },
        }),
    files: sorted.map(renderEntry),
    other_files: other,
    ...(again === undefined
      ? {}
      : {
          config_snapshot_redacted_again: {
            snapshot_id: again.snapshot_id,
            record_sha256: again.record_sha256,
            rules: again.rules,
          },
        }),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/**
 * The file within its byte bound: each entry's share of the bytes is its own two-space JSON plus
 * the four spaces of indentation on each of its lines and the ",\n" between entries; the entries
 * are taken while they fit (policy file first, then by path), and the result is measured again.
 */
function renderWithin(v: ConfigInForceFile, sorted: readonly ConfigInForceEntry[]): string {
  const order = [
    ...sorted.filter((e) => e.path === POLICY_CONFIG_PATH),
    ...sorted.filter((e) => e.path !== POLICY_CONFIG_PATH),
  ];
  const cost = order.map((e) => {
    const own = JSON.stringify(renderEntry(e), null, 2);
    return Buffer.byteLength(own, 'utf8') + 4 * own.split('\n').length + 2;
  });
  let room = MAX_CONFIG_IN_FORCE_BYTES;
  for (;;) {
    const other = { unknown: leftOutReason(sorted.length, sorted.length, v.other_files) };
    let left = room - Buffer.byteLength(renderSorted(v, [], other), 'utf8') - 16;
    let n = 0;
    while (n < order.length && left >= (cost[n] as number)) left -= cost[n++] as number;
    const kept = order.slice(0, n).sort((a, b) => byBytes(a.path, b.path));
    const text = renderSorted(v, kept, { unknown: leftOutReason(order.length - n, order.length, v.other_files) });
    const size = Buffer.byteLength(text, 'utf8');
    if (size <= MAX_CONFIG_IN_FORCE_BYTES || n === 0) return text;
    room -= size - MAX_CONFIG_IN_FORCE_BYTES; // not reached while the costs above are exact: measured anyway
  }
}

/** `other_files`' reason when entries are left out for the byte bound (an earlier reason kept after it). */
function leftOutReason(left: number, total: number, before: ConfigInForceFile['other_files']): string {
  const why = `${left} of ${total} config files are not listed: the file would be larger than ${MAX_CONFIG_IN_FORCE_BYTES} bytes`;
  const text = before === null ? why : `${why}; ${before.unknown}`;
  return hasCharsWithin(text, MAX_REASON_CHARS) ? text : Array.from(text).slice(0, MAX_REASON_CHARS).join('');
}

function renderEntry(e: ConfigInForceEntry): Record<string, unknown> {
  const r = e.record;
  if (r === null) return { path: e.path, record: null };
  if ('unknown' in r) return { path: e.path, record: 'unknown', reason: r.unknown };
  return { path: e.path, record: { snapshot_id: r.snapshot_id, record_sha256: r.record_sha256 } };
}

/**
 * The file's content if it meets the schema, else the reason it does not (hostile input: never
 * throws). Paths must be unique and sorted as the writer sorts them (by their UTF-8 bytes, a lone
 * surrogate taken as U+FFFD, as Buffer.from encodes it): every writer has, and a checker that let
 * another order pass would accept bytes no writer makes (at42).
 */
export function parseConfigInForceFile(bytes: Buffer | string): ConfigInForceFile | { invalid: string } {
  // Strict UTF-8, as every JSON file of a pack: a lossy decode would pass bytes another reader rejects.
  if (typeof bytes !== 'string' && !isUtf8(bytes)) return { invalid: 'it is not UTF-8' };
  let v: unknown;
  try {
    v = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch {
    return { invalid: 'it is not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { invalid: 'it is not a JSON object' };
  const o = v as Record<string, unknown>;
  // Every version wrote a subset of these members: another (config_snapshot renamed, say, which would
  // read as a file of an earlier version) is no writer's (at58).
  const stray = strayMember(o, FILE_MEMBERS);
  if (stray !== undefined) return { invalid: stray };
  if (o.schema !== CONFIG_IN_FORCE_SCHEMA) return { invalid: `its schema is not ${CONFIG_IN_FORCE_SCHEMA}` };
  if (typeof o.export_date !== 'string' || !DATE_RE.test(o.export_date))
    return { invalid: 'export_date is not a YYYY-MM-DD date' };
  if (!Array.isArray(o.files) || o.files.length > MAX_ENTRIES) return { invalid: 'files is not a list' };
  const files: ConfigInForceEntry[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of o.files.entries()) {
    const e = parseEntry(raw);
    if (typeof e === 'string') return { invalid: `files[${i}]: ${e}` };
    if (seen.has(e.path)) return { invalid: `files[${i}]: path ${e.path} is listed twice` };
    const prev = files.at(-1);
    if (prev !== undefined && byBytes(prev.path, e.path) >= 0)
      return { invalid: `files[${i}]: not sorted by path (as UTF-8 bytes) after files[${i - 1}]` };
    seen.add(e.path);
    files.push(e);
  }
  let other: ConfigInForceFile['other_files'];
  if (o.other_files === null) other = null;
  else {
    const u = o.other_files as Record<string, unknown> | undefined;
    if (typeof u !== 'object' || u === null || u.record !== 'unknown' || !isReason(u.reason))
      return { invalid: 'other_files is neither null nor {"record": "unknown", "reason": …}' };
    other = { unknown: u.reason as string };
  }
  let named: ConfigInForce | null | undefined;
  if (Object.hasOwn(o, 'config_snapshot')) {
    named = o.config_snapshot === null ? null : parseConfigInForce(o.config_snapshot);
    if (named === undefined)
      return { invalid: 'config_snapshot is neither null nor {"snapshot_id": …, "record_sha256": …}' };
  }
  // A file naming config_snapshot (the writer of that version on) holds canonical paths only (at40 F2).
  const odd = named === undefined ? -1 : files.findIndex((e) => !isCanonicalPath(e.path));
  if (odd !== -1)
    return { invalid: `files[${odd}]: path ${files[odd]?.path} is not canonical (./, //, or .. after a name)` };
  const base = {
    schema: CONFIG_IN_FORCE_SCHEMA,
    export_date: o.export_date,
    ...(named === undefined ? {} : { config_snapshot: named }),
    files,
    other_files: other,
  } as const;
  let parsed: ConfigInForceFile = base;
  if (Object.hasOwn(o, 'config_snapshot_redacted_again')) {
    const again = parseRedactedAgain(o.config_snapshot_redacted_again);
    if (again === undefined)
      return {
        invalid:
          'config_snapshot_redacted_again is not {"snapshot_id": …, "record_sha256": …, "rules": a positive integer}',
      };
    parsed = { ...base, config_snapshot_redacted_again: again };
  }
  // A file naming config_snapshot (the writer of that version on) is exactly the bytes its writer
  // makes of what it says: a member added, moved or re-spaced is bytes no export writes (at58 F5).
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  if (named !== undefined && renderConfigInForce(parsed) !== text)
    return {
      invalid:
        'it is not the bytes its writer makes (JSON.stringify(…, null, 2) of the documented members, in their order, and a newline): a member added, moved or re-spaced',
    };
  return parsed;
}

function parseRedactedAgain(v: unknown): RedactedAgain | undefined {
  const c = parseConfigInForce(v);
  if (c === undefined) return undefined;
  const rules = (v as Record<string, unknown>).rules;
  if (typeof rules !== 'number' || !Number.isSafeInteger(rules) || rules < 1) return undefined;
  return { snapshot_id: c.snapshot_id, record_sha256: c.record_sha256, rules };
}

function isReason(v: unknown): boolean {
  return typeof v === 'string' && hasCharsWithin(v, MAX_REASON_CHARS);
}

/** The members a file and an entry may have, in the order the writer writes them. */
const FILE_MEMBERS = [
  'schema',
  'export_date',
  'config_snapshot',
  'files',
  'other_files',
  'config_snapshot_redacted_again',
];
const ENTRY_MEMBERS = ['path', 'record', 'reason'];

/** Why `o` has a member outside `known`, naming it, or undefined. */
function strayMember(o: Record<string, unknown>, known: readonly string[]): string | undefined {
  const k = Object.keys(o).find((m) => !known.includes(m));
  return k === undefined ? undefined : `${JSON.stringify(k).slice(0, 80)}: a member the schema does not define`;
}

function parseEntry(raw: unknown): ConfigInForceEntry | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not an object';
  const e = raw as Record<string, unknown>;
  const stray = strayMember(e, ENTRY_MEMBERS);
  if (stray !== undefined) return stray;
  if (typeof e.path !== 'string' || !hasCharsWithin(e.path, MAX_PATH_CHARS)) return 'path is not a file path';
  if (e.record === null) return { path: e.path, record: null };
  if (e.record === 'unknown') {
    if (!isReason(e.reason)) return 'a record "unknown" without a reason';
    return { path: e.path, record: { unknown: e.reason as string } };
  }
  const c = parseConfigInForce(e.record);
  if (c === undefined) return 'record is not null, "unknown" or {snapshot_id, record_sha256}';
  return { path: e.path, record: c };
}

/**
 * Whether `p` is a path as snapshots record it (posix-normalised): no empty segment but an absolute
 * path's first (no `//`, no trailing `/`), no `.` segment, no `..` after a name (a leading run of
 * `..` is a path outside the root recorded by an earlier version).
 */
export function isCanonicalPath(p: string): boolean {
  let named = false;
  for (const [i, s] of p.split('/').entries()) {
    if (s === '.' || (s === '' && i !== 0)) return false;
    if (s !== '..') named = true;
    else if (named) return false;
  }
  return true;
}

/** The entry's snapshot, when it names one. */
export function recordOfEntry(e: ConfigInForceEntry): ConfigInForce | undefined {
  const r = e.record;
  return r === null || 'unknown' in r ? undefined : r;
}
