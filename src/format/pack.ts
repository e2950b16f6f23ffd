/**
 * The export pack's format, written once (docs/FORMAT.md, "Export packs"): which files a pack
 * holds and where, the exact bytes of its tag files, and the canonical form of manifest.json.
 * The exporter writes through these functions and the verifier checks against them, so the two
 * cannot drift apart. A capability that adds a file to packs adds one row to PACK_FILES (and,
 * for a new manifest.json field, one entry to MANIFEST_FIELDS with its canonical form).
 */

import { PACK_TOKEN_FILE, PACK_TSA_CERTS_FILE } from './anchor.js';

/** `format` of manifest.json. */
export const PACK_FORMAT = 'auditpack-pack/1';

/**
 * Where a file of a pack lives and who vouches for it:
 * - `payload`: under `data/`, listed in manifest-sha256.txt and in manifest.json `files`;
 * - `tag`: at the root, listed in tagmanifest-sha256.txt (so the signature covers it);
 * - `tagmanifest`: tagmanifest-sha256.txt itself (what signatures and timestamps are made over);
 * - `detached`: at the root, made over tagmanifest-sha256.txt and so listed in no manifest
 *   (a signature, a timestamp token).
 */
export type PackFilePlace = 'payload' | 'tag' | 'tagmanifest' | 'detached';

/** One file a pack may hold. */
export interface PackFileSpec {
  /** Name relative to `data/` for payload files, else relative to the pack root. */
  readonly name: string;
  readonly place: PackFilePlace;
  /** False for a file only some packs have (the signature when no key is configured). */
  readonly required: boolean;
  /** Root files are read into memory by the verifier: at most this many bytes. */
  readonly maxBytes?: number;
}

/**
 * Every file a pack may hold. Nothing else may be in a pack: a file not in this table is a
 * finding (an extra payload file could carry anything past an auditor's tools).
 */
export const PACK_FILES: readonly PackFileSpec[] = Object.freeze([
  { name: 'alerts.jsonl', place: 'payload', required: true },
  { name: 'audit.jsonl', place: 'payload', required: true },
  // The compliance files (src/compliance): packs made before they existed do not have them, and
  // verify then skips the compliance re-check (src/verify/compliance.ts).
  { name: 'compliance_findings.csv', place: 'payload', required: false },
  { name: 'compliance_report.json', place: 'payload', required: false },
  // The checks' state at the start and at the end of the day (docs/FORMAT.md, "Compliance state"):
  // the end is what the next day's pack starts from, the start is what this day's checks started from.
  { name: 'compliance_state.json', place: 'payload', required: false },
  { name: 'compliance_state_start.json', place: 'payload', required: false },
  { name: 'config.diff', place: 'payload', required: true },
  // Per config file, the snapshot record holding it at the day's end (docs/FORMAT.md,
  // "config_in_force.json"): packs made before it existed, or without a log, do not have it.
  { name: 'config_in_force.json', place: 'payload', required: false },
  { name: 'config_snapshot.json', place: 'payload', required: true },
  { name: 'fills.csv', place: 'payload', required: true },
  { name: 'orders.csv', place: 'payload', required: true },
  { name: 'report.html', place: 'payload', required: false },
  { name: 'bag-info.txt', place: 'tag', required: true, maxBytes: 64 * 1024 },
  { name: 'bagit.txt', place: 'tag', required: true, maxBytes: 4 * 1024 },
  { name: 'manifest-sha256.txt', place: 'tag', required: true, maxBytes: 1024 * 1024 },
  { name: 'manifest.json', place: 'tag', required: true, maxBytes: 4 * 1024 * 1024 },
  { name: 'tagmanifest-sha256.txt', place: 'tagmanifest', required: true, maxBytes: 64 * 1024 },
  { name: 'tagmanifest-sha256.txt.sig', place: 'detached', required: false, maxBytes: 64 * 1024 },
  // An RFC 3161 token over the tag manifest and the certificates it carries (src/format/anchor.ts);
  // the token's bound is src/anchor/token.ts MAX_TOKEN_BYTES.
  { name: PACK_TOKEN_FILE, place: 'detached', required: false, maxBytes: 32 * 1024 },
  { name: PACK_TSA_CERTS_FILE, place: 'detached', required: false, maxBytes: 256 * 1024 },
] as const satisfies readonly PackFileSpec[]);

const namesAt = (place: PackFilePlace): readonly string[] =>
  Object.freeze(
    PACK_FILES.filter((f) => f.place === place)
      .map((f) => f.name)
      .sort(compareBytes),
  );

/** The payload files, under data/, in manifest order (sorted). */
export const PAYLOAD_FILES: readonly string[] = namesAt('payload');
/** The tag files listed in tagmanifest-sha256.txt, in order (sorted). */
export const TAG_FILES: readonly string[] = namesAt('tag');
/** The tag manifest. */
export const TAGMANIFEST = 'tagmanifest-sha256.txt';
/** The OpenSSH signature of the tag manifest. */
export const SIGNATURE_FILE = 'tagmanifest-sha256.txt.sig';

/** Byte bounds of the files at a pack's root, by name (what the verifier reads into memory). */
export const ROOT_FILE_BOUNDS: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(PACK_FILES.filter((f) => f.place !== 'payload').map((f) => [f.name, f.maxBytes ?? 64 * 1024])),
);

/** The spec of a file by its path relative to the pack root (`data/x` for payload), or undefined. */
export function packFileSpec(rel: string): PackFileSpec | undefined {
  if (rel.startsWith('data/')) {
    const name = rel.slice(5);
    return PACK_FILES.find((f) => f.place === 'payload' && f.name === name);
  }
  return PACK_FILES.find((f) => f.place !== 'payload' && f.name === rel);
}

/** Orders strings by their UTF-8 bytes (for ASCII names, by code unit), as manifests are sorted. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** bagit.txt, exactly. */
export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';

/** The labels of bag-info.txt, in the order they are written. */
export const BAG_INFO_LABELS = Object.freeze([
  'Bagging-Date',
  'Payload-Oxum',
  'External-Identifier',
  'Export-Date',
  'Auditpack-Version',
] as const);

/** What bag-info.txt says. */
export interface BagInfo {
  /** UTC date the pack was made (created_at's date). */
  readonly baggingDate: string;
  readonly payloadBytes: number;
  readonly payloadFiles: number;
  /** The exported day. */
  readonly exportDate: string;
  readonly version: string;
}

/** bag-info.txt's exact bytes. */
export function renderBagInfo(b: BagInfo): string {
  const values: Record<(typeof BAG_INFO_LABELS)[number], string> = {
    'Bagging-Date': b.baggingDate,
    'Payload-Oxum': `${b.payloadBytes}.${b.payloadFiles}`,
    'External-Identifier': `auditpack-${b.exportDate}`,
    'Export-Date': b.exportDate,
    'Auditpack-Version': b.version,
  };
  return BAG_INFO_LABELS.map((l) => `${l}: ${values[l]}\n`).join('');
}

/** A checksum file (manifest-sha256.txt, tagmanifest-sha256.txt): `<hex>  <path>\n`, sorted by path as bytes. */
export function renderChecksumFile(entries: readonly { readonly path: string; readonly sha256: string }[]): string {
  return [...entries]
    .sort((a, b) => compareBytes(a.path, b.path))
    .map((e) => `${e.sha256}  ${e.path}\n`)
    .join('');
}

/** The alert filter in force, as manifest.json records it (docs/FORMAT.md, "Payload files"). */
export interface RecordedAlertFilter {
  readonly categories: readonly string[];
  readonly events: readonly string[];
  readonly severities: readonly string[];
}

/** A link to another pack: its day and the SHA-256 of its manifest.json bytes. */
export interface PackLink {
  readonly export_date: string;
  readonly manifest_sha256: string;
}

/** manifest.json, as written. */
export interface PackManifest {
  readonly format: typeof PACK_FORMAT;
  readonly created_at: string;
  readonly export_date: string;
  /** Present (true) only on a pack of a day that had not ended when it was made (export --partial). */
  readonly partial?: true;
  readonly auditpack_version: string;
  readonly files: Readonly<
    Record<string, { readonly size: number; readonly sha256: string; readonly modified: string }>
  >;
  readonly summary: { readonly total_files: number; readonly total_size: number };
  readonly events: {
    readonly total: number;
    readonly by_category: Readonly<Record<string, number>>;
    readonly malformed_lines: number;
    readonly late: number;
  };
  readonly rows: { readonly orders: number; readonly fills: number; readonly alerts: number };
  readonly chain: {
    readonly first_seq: number | null;
    readonly last_seq: number | null;
    readonly start_prev: string | null;
    readonly end_hash: string | null;
  };
  readonly previous_pack: PackLink | null;
  readonly supersedes: { readonly manifest_sha256: string | null; readonly moved_to: string } | null;
  /** The rules that selected data/alerts.jsonl. */
  readonly alert_filter: RecordedAlertFilter;
  /** A back-filled day: the pack, dated after this one, that existed when this one was made. */
  readonly inserted_before: PackLink | null;
  /**
   * The RFC 6962 tree over data/audit.jsonl's lines (docs/FORMAT.md, "The line tree"); absent in
   * packs made before it existed.
   */
  readonly line_tree?: LineTree;
  /**
   * The CSV cell rules orders.csv and fills.csv were written by (docs/FORMAT.md, "Formula
   * injection"): 2 or 3 (this build writes 3); absent in packs made before it existed, which were
   * written by rules 1.
   */
  readonly csv_rules?: number;
}

/** manifest.json `line_tree`: the number of lines (leaves) and the tree's root, hex. */
export interface LineTree {
  readonly leaves: number;
  readonly root: string;
}

/** The top-level fields of manifest.json, in the order they are written. */
export const MANIFEST_FIELDS = Object.freeze([
  'format',
  'created_at',
  'export_date',
  'partial',
  'auditpack_version',
  'files',
  'summary',
  'events',
  'rows',
  'chain',
  'previous_pack',
  'supersedes',
  'alert_filter',
  'inserted_before',
  'line_tree',
  'csv_rules',
] as const satisfies readonly (keyof PackManifest)[]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The object with exactly `keys`, in that order (absent keys stay absent). */
function pick(v: unknown, keys: readonly string[]): unknown {
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const k of keys) if (Object.hasOwn(v, k)) out[k] = v[k];
  return out;
}

/** An object's entries sorted by key as bytes (a null-prototype object: "__proto__" is a legal key). */
function sortedKeys(v: unknown, each: (x: unknown) => unknown = (x) => x): unknown {
  if (!isObj(v)) return v;
  const out = Object.create(null) as Obj;
  for (const k of Object.keys(v).sort(compareBytes)) out[k] = each(v[k]);
  return out;
}

/** Canonical shapes of the nested fields: key order, and nothing else kept. */
const NESTED: Readonly<Record<string, (v: unknown) => unknown>> = {
  files: (v) => sortedKeys(v, (x) => pick(x, ['size', 'sha256', 'modified'])),
  summary: (v) => pick(v, ['total_files', 'total_size']),
  events: (v) => {
    const e = pick(v, ['total', 'by_category', 'malformed_lines', 'late']);
    if (isObj(e) && 'by_category' in e) e.by_category = sortedKeys(e.by_category);
    return e;
  },
  rows: (v) => pick(v, ['orders', 'fills', 'alerts']),
  chain: (v) => pick(v, ['first_seq', 'last_seq', 'start_prev', 'end_hash']),
  previous_pack: (v) => pick(v, ['export_date', 'manifest_sha256']),
  supersedes: (v) => pick(v, ['manifest_sha256', 'moved_to']),
  alert_filter: (v) => pick(v, ['categories', 'events', 'severities']),
  inserted_before: (v) => pick(v, ['export_date', 'manifest_sha256']),
  line_tree: (v) => pick(v, ['leaves', 'root']),
};

/**
 * The canonical text of a manifest: the documented fields in the documented order, nested keys
 * likewise (`files` and `by_category` sorted), `JSON.stringify(…, null, 2)` and a final `\n`.
 * Given a parsed manifest.json, a byte difference from its own text means it was re-serialised,
 * reordered, or holds a field the format does not have.
 */
export function renderManifest(m: PackManifest | Readonly<Record<string, unknown>>): string {
  const out: Obj = {};
  for (const k of MANIFEST_FIELDS) {
    if (!Object.hasOwn(m, k)) continue;
    const v = (m as Obj)[k];
    const shape = NESTED[k];
    out[k] = shape === undefined ? v : shape(v);
  }
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** A path relative to the pack root that the file table defines; a typo fails at load, not in a check. */
function known(rel: string): string {
  if (packFileSpec(rel) === undefined) throw new Error(`${rel} is not a file of the pack table`);
  return rel;
}

/**
 * The paths of a pack's files relative to its root, by role: what writers and readers name
 * instead of spelling the literal again.
 */
export const PACK_PATH = Object.freeze({
  bagit: known('bagit.txt'),
  bagInfo: known('bag-info.txt'),
  manifest: known('manifest-sha256.txt'),
  manifestJson: known('manifest.json'),
  tagmanifest: known(TAGMANIFEST),
  signature: known(SIGNATURE_FILE),
  log: known('data/audit.jsonl'),
  alerts: known('data/alerts.jsonl'),
  orders: known('data/orders.csv'),
  fills: known('data/fills.csv'),
  configSnapshot: known('data/config_snapshot.json'),
  configDiff: known('data/config.diff'),
  configInForce: known('data/config_in_force.json'),
  complianceReport: known('data/compliance_report.json'),
  complianceFindings: known('data/compliance_findings.csv'),
  complianceState: known('data/compliance_state.json'),
  complianceStateStart: known('data/compliance_state_start.json'),
  reportHtml: known('data/report.html'),
});

/** The payload directory of a pack (BagIt's `data/`), with its slash. */
export const PAYLOAD_DIR = 'data/';
/** The payload directory's own name, for joining paths. */
export const PAYLOAD_DIR_NAME = 'data';

/** A payload file's name under `data/`, from its PACK_PATH. */
function underData(path: string): string {
  if (!path.startsWith(PAYLOAD_DIR)) throw new Error(`${path} is not a payload path`);
  return path.slice(PAYLOAD_DIR.length);
}

/** The payload files' names under `data/`, by role (PACK_PATH without the `data/`). */
export const PAYLOAD_NAME = Object.freeze({
  log: underData(PACK_PATH.log),
  alerts: underData(PACK_PATH.alerts),
  orders: underData(PACK_PATH.orders),
  fills: underData(PACK_PATH.fills),
  configSnapshot: underData(PACK_PATH.configSnapshot),
  configDiff: underData(PACK_PATH.configDiff),
  configInForce: underData(PACK_PATH.configInForce),
  complianceReport: underData(PACK_PATH.complianceReport),
  complianceFindings: underData(PACK_PATH.complianceFindings),
  complianceState: underData(PACK_PATH.complianceState),
  complianceStateStart: underData(PACK_PATH.complianceStateStart),
  reportHtml: underData(PACK_PATH.reportHtml),
});

/** The ledger of pruned packs, in the artifacts directory. */
export const PRUNED_LEDGER = 'pruned.jsonl';

/** The archive form of a pack: `<pack name>.tar.gz`. */
export const PACK_ARCHIVE_SUFFIX = '.tar.gz';

/** The archive file name of a pack (`YYYY-MM-DD[.vN]` → `YYYY-MM-DD[.vN].tar.gz`). */
export function archiveFileName(packName: string): string {
  return `${packName}${PACK_ARCHIVE_SUFFIX}`;
}

/**
 * The highest version a pack name can carry (`.v1` to `.v999999`, PACK_NAME below): export refuses
 * to move a pack aside beyond it rather than to a name no checker reads as a pack.
 */
export const PACK_VERSION_MAX = 999_999;

const PACK_NAME = /^(\d{4}-\d{2}-\d{2})(?:\.v([1-9]\d{0,5}))?$/;

/** A pack-shaped name: its date and version (null for the current pack). */
export interface PackName {
  readonly date: string;
  readonly version: number | null;
}

/** True when `date` is `YYYY-MM-DD` naming a real calendar day. */
function isCalendarDate(date: string): boolean {
  const t = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === date;
}

/** Parses `YYYY-MM-DD` or `YYYY-MM-DD.vN` (a real calendar date); undefined for anything else. */
export function parsePackName(name: string): PackName | undefined {
  const m = PACK_NAME.exec(name);
  if (m === null || !isCalendarDate(m[1] as string)) return undefined;
  return { date: m[1] as string, version: m[2] === undefined ? null : Number(m[2]) };
}

/** Named as a .tar.gz pack (`YYYY-MM-DD[.vN].tar.gz`), whether or not its date is a real one. */
export const PACK_TAR_LIKE = /^\d{4}-\d{2}-\d{2}(?:\.v\d+)?\.tar\.gz$/;

/** Parses `YYYY-MM-DD[.vN].tar.gz`; undefined for anything else. */
export function parseArchiveName(name: string): PackName | undefined {
  if (!name.endsWith(PACK_ARCHIVE_SUFFIX)) return undefined;
  return parsePackName(name.slice(0, -PACK_ARCHIVE_SUFFIX.length));
}

/** The chained event each prune writes, which the archive check holds against the ledger. */
export const PRUNE_EVENT = Object.freeze({ category: 'system', event: 'PackPruned' } as const);

/**
 * The chained event each prune writes for each pack past its window that it keeps because the pack
 * does not verify (`date`, `path`, `manifest_sha256`), every run while it stays: the chain's word
 * that the pack was still there, which a ledger line claiming an earlier prune of it contradicts.
 */
export const KEEP_EVENT = Object.freeze({ category: 'system', event: 'PackKept' } as const);

/**
 * The `LogPruned` field carrying the packs kept unverified at the removed file's end (`[{date, path}]`):
 * every `PackKept` of the chain up to that line, less those a later `PackPruned` of the same date and
 * path removed (docs/FORMAT.md "LogPruned").
 */
export const KEPT_UNVERIFIED_FIELD = 'kept_unverified';

/**
 * The chained event each export writes (docs/FORMAT.md "Versions, crashes and retention"): the
 * log's own record of the pack it made. It pins the pack's manifest hash and where its chain ends,
 * which nothing inside the newest pack can (no later pack links to it yet).
 */
export const EXPORT_EVENT = Object.freeze({ category: 'system', event: 'PackExported' } as const);

/**
 * The chained event an export writes before it reads an ended day whose file is still the newest
 * (docs/FORMAT.md "Events reserved for the writer"): it opens a later day's file, so every event
 * stamped on that day from then on goes there marked `late`, and the day's file is final when read.
 * Its one field, `date`, is the day (`YYYY-MM-DD`); no checker gives it any other meaning.
 */
export const DAY_CLOSED_EVENT = Object.freeze({ category: 'system', event: 'DayClosed' } as const);

/** The fields of DAY_CLOSED_EVENT. */
export const DAY_CLOSED_FIELD = Object.freeze({ date: 'date' } as const);

/**
 * The chained event `auditpack anchor --pack` writes when it adds a token to a pack (fields `path`,
 * `tsa_time`, `tsa_serial`, `manifest_sha256`): verify holds the pack's token to it.
 */
export const STAMP_EVENT = Object.freeze({ category: 'system', event: 'PackTimestamped' } as const);

/** The fields of EXPORT_EVENT a checker reads. `last_seq`/`end_hash` are absent in older logs. */
export const EXPORT_EVENT_FIELD = Object.freeze({
  date: 'date',
  manifestSha256: 'manifest_sha256',
  lastSeq: 'last_seq',
  endHash: 'end_hash',
} as const);
