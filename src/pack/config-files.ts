/**
 * The config part of a pack: `data/config_snapshot.json` (the latest snapshot taken at or before
 * the end of the day, or a fresh one when there is none, or none when which one is unknown) and `data/config.diff` (every diff
 * recorded by that day's snapshots, in unified format, after a `#` header line).
 */
import { readFile } from 'node:fs/promises';
import { compileRedactor } from '../redaction/index.js';
import {
  createConfigSnapshot,
  recordChained,
  snapshotDiffText,
  snapshotsOnDay,
  type ConfigSnapshot,
  type CreateSnapshotOptions,
  redactionOptionsOf,
} from '../snapshot/index.js';
import { ConfigEventIndex } from '../snapshot/config-events.js';
import { previousIdOf } from '../snapshot/previous.js';
import { latestRecordedOnOrBefore, MAX_UNRECORDED_SKIPPED } from '../snapshot/read.js';
import { redactedCopy } from '../snapshot/redacted-copy.js';
import { listSnapshotIds, readRecord, recordPath, timestampOfId } from '../snapshot/store.js';
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
   * The export's look-up of the chain (over the snapshot options' `logDir` and `artifactsDir`),
   * shared with the compliance part: made here when not given.
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
  // Records dated in the future are passed over and warned of (latestNotFuture). With a log, only
  // a record its own ConfigSnapshot event vouches for is the day's config: the store is writable by
  // anyone who can write a file there (a record planted dated in the past).
  let latest = await latestNotFuture(so.snapshotDir, date, options.nowMs, warn);
  // One index for every look-up of the export: each day file is read once, however many records
  // the store holds (a store flooded with planted records must not cost a scan per record).
  const index =
    so.logDir === undefined
      ? undefined
      : (options.configEvents ?? new ConfigEventIndex({ logDir: so.logDir, artifactsDir: options.artifactsDir }));
  // Unknown (CONFIG_OF_RECORD_UNKNOWN): the newest record's day file was removed by log retention
  // with no vouched copy left, or the look-up gave up after MAX_UNRECORDED_SKIPPED unrecorded
  // records (planted ones can hide the recorded record behind them). Then neither that record
  // (perhaps planted), nor an older one (perhaps replaced by it), nor a fresh snapshot taken now (a
  // later config passed off as the day's) is the day's config: said, and nothing is picked.
  let unknown: string | undefined;
  if (so.logDir !== undefined) {
    const found = await latestRecordedOnOrBefore({ snapshotDir: so.snapshotDir, date, logDir: so.logDir, index });
    latest = found.record;
    if (found.unknown !== undefined) {
      // Said as it is: a day file retention removed, or one gone with no record of its removal.
      const day = dayNumberOfIsoDate(timestampOfId(found.unknown).slice(0, 10));
      const why = (day === undefined ? undefined : await index?.unknownWhy(day)) ?? 'its day file is not at hand';
      unknown = `CONFIG_OF_RECORD_UNKNOWN: whether snapshot ${found.unknown} (the newest stored record at or before ${date}) is recorded cannot be told: ${why}; data/config_snapshot.json names no config of record. Way out: a fresh \`auditpack snapshot --reason …\` records the config in force again, and the exports of its day onward name it`;
    } else if (latest === undefined && found.passed.length >= MAX_UNRECORDED_SKIPPED)
      unknown = configUnknown(date, found.passed);
    if (unknown !== undefined) warn(unknown);
  }
  if (latest === undefined && unknown === undefined && so.takeIfMissing !== false) {
    const { takeIfMissing: _t, ...create } = so;
    latest = await createConfigSnapshot({
      ...create,
      // The fresh snapshot passes over the same records: said once.
      onWarning: (m) => {
        if (!warnings.includes(m)) warn(m);
      },
      reason: `export ${date}: no snapshot existed at or before the end of the day`,
      allowEmpty: true,
    });
  }
  // What the store holds is passed through the logger's rules before it reaches the pack: a record
  // planted in the store, or one written under older rules, must not carry a secret into it.
  const redactor = compileRedactor(redactionOptionsOf(so.redaction));
  let snapshotJson: string | Buffer;
  if (latest === undefined) {
    const reason = unknown ?? 'no config snapshot exists';
    snapshotJson = `${JSON.stringify({ snapshot: null, reason }, null, 2)}\n`;
  } else {
    const redacted = redactedCopy(latest, redactor);
    // The record's own bytes when the rules change nothing in it, so an auditor can match it
    // against the snapshot store (and its ConfigSnapshot event) exactly.
    try {
      snapshotJson = redacted.changed
        ? `${JSON.stringify(redacted.value, null, 2)}\n`
        : await readFile(recordPath(so.snapshotDir, latest.snapshot_id));
    } catch {
      snapshotJson = `${JSON.stringify(redacted.value, null, 2)}\n`;
    }
  }

  let diffText: string;
  if (!options.includeDiffs) {
    diffText = header('not included (EXPORT_INCLUDE_CONFIG_DIFFS=false)');
  } else {
    const day = await snapshotsOnDay({ snapshotDir: so.snapshotDir, date });
    const parts: string[] = [];
    let withDiffs = 0;
    let unrecorded = 0;
    for (const stored of day) {
      const s = redactedCopy(stored, redactor).value as ConfigSnapshot;
      const text = snapshotDiffText(s);
      const own = await ownMark(s.snapshot_id, so, index);
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
    diffText =
      parts.length === 0
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
  return { snapshotJson, diffText, snapshotId: latest?.snapshot_id ?? null, warnings };
}

/** CONFIG_OF_RECORD_UNKNOWN: the warning (and config_snapshot.json's reason) when the look-up gave up. */
function configUnknown(date: string, passed: readonly string[]): string {
  return (
    `CONFIG_OF_RECORD_UNKNOWN: the config in force at the end of ${date} is unknown: the newest ${passed.length} stored snapshot record(s) at or before it ` +
    `(${oneLine(passed.slice(0, 3).join(', '), 200)}${passed.length > 3 ? ', …' : ''}) are recorded by no ConfigSnapshot event in the audit log, ` +
    `and the look-up stops there (planted records can hide the recorded one): no record and no fresh snapshot is taken as the day's config. ` +
    'Look at the store (auditpack snapshot list), move the unrecorded records aside, and export the day again'
  );
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
): Promise<ConfigSnapshot | undefined> {
  const ids = await listSnapshotIds(snapshotDir);
  const micros = nowMs * 1000;
  previousIdOf(ids, micros, warn);
  const limit = date.replaceAll('-', '');
  const found = previousIdOf(
    ids.filter((id) => id.slice(0, 8) <= limit),
    micros,
    undefined,
  );
  return found === undefined ? undefined : readRecord(snapshotDir, found);
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
async function ownMark(id: string, so: PackSnapshotOptions, index: ConfigEventIndex | undefined): Promise<string> {
  if (index === undefined) return '';
  const chained = await recordChained(so.snapshotDir, index, id).catch(() => 'unknown' as const);
  return chained === false
    ? ' [UNCHAINED: no ConfigSnapshot event in the audit log records this snapshot; its record is not evidence]'
    : '';
}

/** Store text on a header line: one line, no control characters (a planted record's timestamp is any string), at most `max` characters. */
function oneLine(text: string, max = Number.POSITIVE_INFINITY): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
