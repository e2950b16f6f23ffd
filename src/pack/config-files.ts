/**
 * The config part of a pack: `data/config_snapshot.json` (the config of record at the end of the
 * day: with a log, the snapshot the chain's newest ConfigSnapshot event names, ConfigEventIndex
 * configOfRecord; a fresh one when the chain never recorded one; none when it is unknown or its
 * record is missing or changed in the store) and `data/config.diff` (every diff
 * recorded by that day's snapshots, in unified format, after a `#` header line).
 */
import { AuditpackError } from '../errors.js';
import { compileRedactor, REDACTION_RULES_VERSION } from '../redaction/index.js';
import type { RedactedAgain } from '../format/config-in-force-file.js';
import type { ConfigInForce } from '../format/config-in-force.js';
import {
  recordChained,
  snapshotDiffText,
  snapshotsOnDay,
  type ConfigSnapshot,
  type CreateSnapshotOptions,
  redactionOptionsOf,
} from '../snapshot/index.js';
import { ConfigEventIndex } from '../snapshot/config-events.js';
import { previousIdOf } from '../snapshot/previous.js';
import { takeConfigSnapshot } from '../snapshot/create.js';
import { chainedIn } from '../snapshot/record-chained.js';
import { redactedCopy } from '../snapshot/redacted-copy.js';
import { configInForceText } from './config-in-force-file.js';
import {
  listSnapshotIds,
  parseRecord,
  readRecordBytes,
  readRecordFile,
  recordBytesAsLogged,
  recordPath,
  sha256Hex,
} from '../snapshot/store.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';

/** Where snapshots live, and how to take a fresh one when the day has none. */
export interface PackSnapshotOptions extends Omit<CreateSnapshotOptions, 'reason' | 'allowEmpty'> {
  snapshotDir: string;
  /** Take a fresh snapshot when none exists at or before the day's end (default true). */
  takeIfMissing?: boolean;
}

export interface CollectedConfig {
  readonly snapshotJson: string | Buffer;
  readonly diffText: string;
  /** The snapshot included, if any. */
  readonly snapshotId: string | null;
  /** What the export passed over, for the caller to show (a stored record dated in the future). */
  readonly warnings: readonly string[];
  /** data/config_in_force.json's text: with a log only (the chain decides it), else undefined (no file). */
  readonly inForceJson?: string;
}

/** Gathers config_snapshot.json and config.diff for `date`. */
export async function collectConfig(options: {
  date: string;
  snapshot: PackSnapshotOptions | false;
  includeDiffs: boolean;
  /** The export's clock (epoch ms): a record dated later than it by more than 5 minutes is passed over. */
  nowMs: number;
  /** The artifacts directory, whose packs hold the vouched copies of day files retention removed. */
  artifactsDir?: string;
  /**
   * The export's look-up of the chain (over the export's log and `artifactsDir`), shared with the
   * compliance part: it decides the config of record. When not given, one over the snapshot
   * options' `logDir` is made here, or, with neither, the store's newest record is taken.
   */
  configEvents?: ConfigEventIndex;
}): Promise<CollectedConfig> {
  const { date } = options;
  const header = (what: string): string => `# auditpack config diffs for ${date}: ${what}\n`;
  if (options.snapshot === false) {
    return {
      snapshotJson: `${JSON.stringify({ snapshot: null, reason: 'config snapshots were not configured for this export' }, null, 2)}\n`,
      diffText: header('not included (no snapshot store configured)'),
      snapshotId: null,
      warnings: [],
    };
  }
  const so = options.snapshot;
  const warnings: string[] = [];
  const warn = (m: string): void => {
    if (!warnings.includes(m)) warnings.push(m);
    so.onWarning?.(m);
  };
  // Records dated in the future are passed over and warned of (latestNotFuture). With a log, the
  // chain alone says which snapshot is the day's config: the store is writable by anyone who can
  // write a file there (a record planted dated in the past, or the recorded one deleted).
  // One index for every look-up of the export: each day file is read once, however many records
  // the store holds (a store flooded with planted records must not cost a scan per record).
  const index =
    options.configEvents ??
    (so.logDir === undefined
      ? undefined
      : new ConfigEventIndex({ logDir: so.logDir, artifactsDir: options.artifactsDir }));
  // Unknown (CONFIG_OF_RECORD_UNKNOWN): a day file the walk back needs was removed by log retention
  // with nothing left that vouches for what it held, or the snapshot the chain names is missing from
  // the store or changed there (at25 F1, F4). Then neither an older record (a rollback), nor a fresh
  // snapshot taken now (a later config passed off as the day's) is the day's config: said, and
  // nothing is picked. A stored record no event records is no candidate at all (at25 F2).
  let unknown: string | undefined;
  const day = dayNumberOfIsoDate(date);
  // With a log the store's newest record of the day is only warned of (dated in the future), never
  // read: a file there that no event names (garbage, at28 F3) must not fail the export.
  const byChain = index !== undefined && day !== undefined;
  // `latest` and the bytes it was parsed from (and, with a log, hashed): the pack copies these bytes,
  // never a second read of the file (a store writer swapping it in between: at40 F6).
  let { record: latest, bytes: latestBytes } = await latestNotFuture(
    so.snapshotDir,
    date,
    options.nowMs,
    warn,
    !byChain,
  );
  // The SHA-256 the chain logs for `latest`'s record (with a log).
  let latestSha: string | undefined;
  if (index !== undefined && day !== undefined) {
    ({ latest, bytes: latestBytes, unknown, sha: latestSha } = await recordOfChain(index, so.snapshotDir, date, day));
    if (unknown !== undefined) warn(unknown);
  }
  if (latest === undefined && unknown === undefined && so.takeIfMissing !== false) {
    const { takeIfMissing: _t, ...create } = so;
    // The bytes copied are the bytes written and logged, never a read back from the store (a store
    // writer replacing the file in between: at41 F2); their id is the one just taken.
    const taken = await takeConfigSnapshot({
      ...create,
      // The fresh snapshot passes over the same records: said once.
      onWarning: (m) => {
        if (!warnings.includes(m)) warn(m);
      },
      reason: `export ${date}: no snapshot existed at or before the end of the day`,
      allowEmpty: true,
    });
    latest = taken.record;
    latestBytes = Buffer.from(taken.json, 'utf8');
  }
  // What the store holds is passed through the logger's rules before it reaches the pack: a record
  // planted in the store, or one written under older rules, must not carry a secret into it.
  const redactor = compileRedactor(redactionOptionsOf(so.redaction));
  let snapshotJson: string | Buffer;
  // Said in data/config_in_force.json when the file is not the record's bytes (verify warns of it).
  let redactedAgain: RedactedAgain | undefined;
  // data/config_snapshot.json's snapshot and its record's SHA-256, named in data/config_in_force.json
  // so both checkers hold the file to it; null when it names no record.
  let named: ConfigInForce | null = null;
  if (latest === undefined) {
    const reason = unknown ?? 'no config snapshot exists';
    snapshotJson = `${JSON.stringify({ snapshot: null, reason }, null, 2)}\n`;
  } else {
    const redacted = redactedCopy(latest, redactor);
    // The record's own bytes when the rules change nothing in it, so an auditor can match it
    // against the snapshot store (and its ConfigSnapshot event) exactly.
    snapshotJson =
      redacted.changed || latestBytes === undefined ? `${JSON.stringify(redacted.value, null, 2)}\n` : latestBytes;
    const recordSha = latestSha ?? (latestBytes === undefined ? sha256Hex(snapshotJson) : sha256Hex(latestBytes));
    if (redacted.changed && latestBytes !== undefined)
      redactedAgain = { snapshot_id: latest.snapshot_id, record_sha256: recordSha, rules: REDACTION_RULES_VERSION };
    named = { snapshot_id: latest.snapshot_id, record_sha256: recordSha };
  }

  const diffText = options.includeDiffs
    ? await diffTextOf(so, date, index, redactor, warn)
    : header('not included (EXPORT_INCLUDE_CONFIG_DIFFS=false)');
  // Per config file, the record in force at the day's end (a narrow snapshot names its files only).
  const inForceJson = byChain
    ? await configInForceText(index, so.snapshotDir, date, day, { named, redactor, redactedAgain })
    : undefined;
  return {
    snapshotJson,
    diffText,
    snapshotId: latest?.snapshot_id ?? null,
    warnings,
    ...(inForceJson === undefined ? {} : { inForceJson }),
  };
}

/** config.diff: every diff the day's records hold, in unified format, after a `#` header line. */
async function diffTextOf(
  so: PackSnapshotOptions,
  date: string,
  index: ConfigEventIndex | undefined,
  redactor: ReturnType<typeof compileRedactor>,
  warn: (m: string) => void,
): Promise<string> {
  const header = (what: string): string => `# auditpack config diffs for ${date}: ${what}\n`;
  const day = await recordsOfDay(so.snapshotDir, date, index);
  const parts: string[] = [];
  let withDiffs = 0;
  let unrecorded = 0;
  for (const stored of day) {
    if (typeof stored === 'string') {
      // A file no event records that is no record: listed, marked, and said (its content cannot be).
      unrecorded++;
      warn(
        `snapshot ${stored}: its record in the snapshot store ${so.snapshotDir} cannot be read or does not parse, and no ConfigSnapshot event in the audit log records it: not evidence, passed over (remove it, or put back its record from a pack if it was yours)`,
      );
      parts.push(`# snapshot ${oneLine(stored)}: its record cannot be read or does not parse${OWN_MARK}\n`);
      continue;
    }
    const s = redactedCopy(stored.record, redactor).value as ConfigSnapshot;
    const text = snapshotDiffText(s);
    // Decided on the bytes listed (recordsOfDay hashed them), never on a second read (at41 F5).
    const own = stored.chained === false ? OWN_MARK : '';
    const mark = own !== '' ? own : await unchainedMark(s.previous_snapshot_id, so, index);
    if (own !== '') unrecorded++;
    // A marked record is listed even with no diff: "no differences recorded" must not stand for
    // a snapshot counted from a record nothing vouches for.
    if (text === '' && mark === '') continue;
    if (text !== '') withDiffs++;
    parts.push(
      `# snapshot ${oneLine(s.snapshot_id)} at ${oneLine(s.timestamp, 64)} (${oneLine(s.reason)})${mark}\n${text === '' ? '' : text.endsWith('\n') ? text : `${text}\n`}`,
    );
  }
  const unrecordedNote = unrecorded === 0 ? '' : `, ${unrecorded} no ConfigSnapshot event records (UNCHAINED)`;
  return parts.length === 0
    ? header(
        day.length === 0
          ? 'no config snapshots were taken on this day'
          : `${day.length} snapshot(s), no differences recorded`,
      )
    : header(
        withDiffs === 0
          ? `${day.length} snapshot(s), no differences recorded${unrecordedNote}`
          : `${withDiffs} snapshot(s) with differences${unrecordedNote}`,
      ) + parts.join('');
}

/**
 * The config of record at the end of `date` as the chain decides it (its newest ConfigSnapshot
 * event then); only then is its record looked up in the store, by id and record hash. `unknown`
 * (CONFIG_OF_RECORD_UNKNOWN) when the chain cannot tell, or the store lost or changed the record.
 */
async function recordOfChain(
  index: ConfigEventIndex,
  snapshotDir: string,
  date: string,
  day: number,
): Promise<{ latest: ConfigSnapshot | undefined; bytes?: Buffer; unknown: string | undefined; sha?: string }> {
  const chain = await index.configOfRecord(day);
  if (chain.kind === 'none') return { latest: undefined, unknown: undefined };
  if (chain.kind === 'unknown')
    return {
      latest: undefined,
      unknown: `CONFIG_OF_RECORD_UNKNOWN: the config in force at the end of ${date} cannot be told: ${chain.why}; data/config_snapshot.json names no config of record. Way out: a fresh \`auditpack snapshot --reason …\` records the config in force again, and the exports of its day onward name it`,
    };
  const { snapshot_id: id, record_sha256: sha } = chain.snapshot;
  const stored = await recordBytesAsLogged(snapshotDir, id, sha);
  if (typeof stored !== 'string') return { latest: stored.record, bytes: stored.bytes, unknown: undefined, sha };
  return {
    latest: undefined,
    unknown: `CONFIG_OF_RECORD_UNKNOWN: the config of record at the end of ${date} is snapshot ${oneLine(id, 128)} (${chain.where}), and the snapshot store ${stored}: data/config_snapshot.json names no config of record, and neither an older record nor a fresh snapshot is taken in its place. Way out: put its record back as ${recordPath(snapshotDir, id)} (a recorded pack naming it holds its bytes in data/config_snapshot.json; their sha256 must be ${sha}), or take a fresh \`auditpack snapshot --reason …\`: the exports of its day onward name it`,
  };
}

/**
 * The latest snapshot taken at or before the end of `date`, passing over a record dated in the
 * future by the export's clock, as `snapshot` passes it over as the previous one (previous.ts): a
 * record planted with a later date (or written by a clock that ran ahead) must not become a partial
 * pack's config of record. Warned of whenever the store holds one, as `snapshot` warns, whatever the
 * day: the same store feeds the pack, and a silent export would leave only `snapshot` to say it.
 */
async function latestNotFuture(
  snapshotDir: string,
  date: string,
  nowMs: number,
  warn: (m: string) => void,
  read: boolean,
): Promise<{ record: ConfigSnapshot | undefined; bytes?: Buffer }> {
  const ids = await listSnapshotIds(snapshotDir);
  const micros = nowMs * 1000;
  previousIdOf(ids, micros, warn);
  const limit = date.replaceAll('-', '');
  const found = previousIdOf(
    ids.filter((id) => id.slice(0, 8) <= limit),
    micros,
    undefined,
  );
  return found === undefined || !read ? { record: undefined } : readRecordBytes(snapshotDir, found);
}

/**
 * Every record dated `date`, oldest first (snapshotsOnDay); with a log, each read once, hashed, and
 * parsed from those bytes, with whether the chain vouches for them (chainedIn: false lists it marked
 * UNCHAINED; at41 F5). A file that cannot be read or does not parse comes back as its id when no
 * ConfigSnapshot event records its bytes (the store is anyone's to write: at28 F3). One the chain
 * records, or any without a log, is SNAPSHOT_CORRUPT.
 */
async function recordsOfDay(
  snapshotDir: string,
  date: string,
  index: ConfigEventIndex | undefined,
): Promise<({ record: ConfigSnapshot; chained?: boolean | 'unknown' } | string)[]> {
  if (index === undefined) return (await snapshotsOnDay({ snapshotDir, date })).map((record) => ({ record }));
  const ids = (await listSnapshotIds(snapshotDir)).filter((id) => id.slice(0, 8) === date.replaceAll('-', ''));
  const out: ({ record: ConfigSnapshot; chained: boolean | 'unknown' } | string)[] = [];
  for (const id of ids) {
    let bytes: Buffer;
    try {
      bytes = await readRecordFile(snapshotDir, id);
    } catch (err) {
      if (!(err instanceof AuditpackError) || err.code === 'SNAPSHOT_NOT_FOUND') throw err;
      out.push(id);
      continue;
    }
    const chained = await chainedIn(index, id, sha256Hex(bytes)).catch(() => 'unknown' as const);
    try {
      out.push({ record: parseRecord(bytes.toString('utf8'), id, recordPath(snapshotDir, id)), chained });
    } catch (err) {
      if (!(err instanceof AuditpackError) || chained === true) throw err;
      out.push(id);
    }
  }
  return out;
}

/**
 * A diff counted from a snapshot whose record no ConfigSnapshot event in the log vouches for (it
 * was stored, then its snapshot was killed or met a full log disk): said on its header line, so
 * the pack does not pass that diff off as the chain's. Nothing is said without a log directory.
 */
async function unchainedMark(
  previous: string | null,
  so: PackSnapshotOptions,
  index: ConfigEventIndex | undefined,
): Promise<string> {
  if (previous === null || index === undefined) return '';
  const chained = await recordChained(so.snapshotDir, index, previous).catch(() => 'unknown' as const);
  return chained === false
    ? ` [UNCHAINED: counted from snapshot ${previous}, whose ConfigSnapshot event the audit log does not hold]`
    : '';
}

/**
 * The mark of a record that no ConfigSnapshot event of the log records (its own event, with its
 * record's SHA-256): a snapshot killed before its event, or a record planted in the store. Its
 * diff is listed, never passed off as the chain's. Nothing is said without a log directory.
 */
const OWN_MARK =
  ' [UNCHAINED: no ConfigSnapshot event in the audit log records this snapshot; its record is not evidence]';

/** Store text on a header line: one line, no control characters (a planted record's timestamp is any string), at most `max` characters. */
function oneLine(text: string, max = Number.POSITIVE_INFINITY): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
