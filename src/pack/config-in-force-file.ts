/**
 * A pack's `data/config_in_force.json` (docs/FORMAT.md, "config_in_force.json"): for every config
 * file the chain's events name back to the newest full snapshot (and
 * `configs/compliance_policy.yaml` always), the
 * snapshot record holding it at the end of the day, decided as the compliance report's start policy
 * is (ConfigEventIndex.holderAt: the chain's ConfigSnapshot events in log order; the store is asked
 * only for the records the chain names, by id and record hash). A record lost on the way, or a day
 * the chain cannot tell about, makes a file unknown with the reason, never an older record: and then
 * `other_files` is unknown too, since the records past the gap may name files not listed.
 */
import { posix } from 'node:path';
import {
  type ConfigInForceEntry,
  CONFIG_IN_FORCE_SCHEMA,
  type InForceRecord,
  POLICY_CONFIG_PATH,
  type RedactedAgain,
  renderConfigInForce,
} from '../format/config-in-force-file.js';
import type { ConfigInForce, HeldConfig } from '../format/config-in-force.js';
import type { ConfigEventIndex } from '../snapshot/config-events.js';
import { recordAsLogged } from '../snapshot/store.js';
import type { ConfigSnapshot } from '../snapshot/types.js';
import type { Redactor } from '../redaction/index.js';

/** What the export says of data/config_snapshot.json, and the rules the file's names pass through. */
export interface InForceOptions {
  /** data/config_snapshot.json's snapshot and record hash (null: it names no record). */
  readonly named: ConfigInForce | null;
  /** The export's redactor, the one data/config_snapshot.json passed through (at40 F7). */
  readonly redactor: Redactor;
  /** Said when data/config_snapshot.json is that snapshot's record redacted again, not its bytes. */
  readonly redactedAgain?: RedactedAgain;
}

/** Config files listed at most; past it `other_files` says the rest is not listed (a bound on what a store makes us write). */
const MAX_LISTED = 65536;

/**
 * The file's text for day `day` (`date`), from the chain (`index`) and the snapshot store's records
 * it names. Each record is read once, however many files it holds. The paths and reasons written
 * pass through the export's redactor, as data/config_snapshot.json's names do: a record written under
 * older rules whose file name holds a secret must not carry it into the pack here either.
 */
export async function configInForceText(
  index: ConfigEventIndex,
  snapshotDir: string,
  date: string,
  day: number,
  options: InForceOptions,
): Promise<string> {
  const records = new Map<string, Promise<ConfigSnapshot | string>>();
  const recordOf = (e: HeldConfig): Promise<ConfigSnapshot | string> => {
    const key = `${e.snapshot_id} ${e.record_sha256}`;
    let p = records.get(key);
    if (p === undefined) {
      p = recordAsLogged(snapshotDir, e.snapshot_id, e.record_sha256);
      records.set(key, p);
    }
    return p;
  };
  const pending = new Set<string>([POLICY_CONFIG_PATH]);
  const done = new Map<string, InForceRecord>();
  const note = (paths: Iterable<string>): void => {
    for (const p of paths) if (!done.has(p) && done.size + pending.size < MAX_LISTED) pending.add(p);
  };
  let gap: string | undefined;
  let over = false;
  // The chain's newest event (a PackExported event's config_of_record, read from the day's file and
  // the next) holds every file its record holds — the walk would stop at it for each — so only the
  // other files are walked for (past a narrow snapshot).
  const newest = await index.configOfRecord(day, false);
  const first = new Map<string, ConfigInForce>();
  let newestRead = false;
  if (newest.kind === 'event') {
    const rec = await recordOf(newest.snapshot);
    if (typeof rec !== 'string') {
      const names = Object.keys(rec.files);
      if (names.length >= MAX_LISTED) over = true;
      note(names);
      for (const p of names) first.set(p, newest.snapshot);
      newestRead = true;
    }
  }
  // Every file a record the chain still holds names (at40 F1): one walk over every event back to
  // the first that decides the whole config (a full snapshot's, `full: true`), noting the paths each
  // names (its record's files when it names none); a full snapshot ends it, so what it leaves out is
  // not listed. An event of an earlier version, or a lost record, leaves the rest unknown.
  // The usual night: the newest event is a full snapshot's (its event, or a PackExported event's
  // config_of_record, says so): its record's files are every file in force, nothing is walked.
  const whole = newest.kind === 'event' && newest.full === true && newestRead;
  const listed = whole
    ? ({ kind: 'none' } as const)
    : await index.holderAt<never>(day, null, async (e) => {
        if (e.paths !== undefined) {
          if (done.size + pending.size + e.paths.length >= MAX_LISTED) over = true;
          note(e.paths);
          return 'no';
        }
        const rec = await recordOf(e);
        if (typeof rec === 'string') return { lost: rec };
        if (done.size + pending.size + Object.keys(rec.files).length >= MAX_LISTED) over = true;
        note(Object.keys(rec.files));
        return 'no';
      });
  if (listed.kind === 'unknown') gap = listed.why;
  while (pending.size > 0) {
    const path = pending.values().next().value as string; // any order: the file is sorted when rendered
    pending.delete(path);
    const held = first.get(path);
    if (held !== undefined) {
      done.set(path, { snapshot_id: held.snapshot_id, record_sha256: held.record_sha256 });
      continue;
    }
    const got = await index.holderAt<ConfigInForce>(day, path, async (e) => {
      if (e.paths !== undefined) note(e.paths);
      const rec = await recordOf(e);
      if (typeof rec === 'string') return { lost: rec } as const;
      const names = Object.keys(rec.files);
      if (done.size + pending.size + names.length >= MAX_LISTED) over = true;
      note(names);
      return Object.hasOwn(rec.files, path) ? { snapshot_id: e.snapshot_id, record_sha256: e.record_sha256 } : 'no';
    });
    if (got.kind === 'found') done.set(path, got.value);
    else if (got.kind === 'none') done.set(path, null);
    else {
      done.set(path, { unknown: got.why });
      gap ??= got.why;
    }
  }
  const files = redactedEntries(done, options.redactor);
  const other =
    gap !== undefined
      ? {
          unknown: options.redactor.redactString(
            `the chain's walk back from the end of ${date} met what it cannot tell (${gap}): a record past it may name files not listed here`,
          ),
        }
      : over
        ? { unknown: `more than ${MAX_LISTED} config files: the rest are not listed` }
        : null;
  return renderConfigInForce({
    schema: CONFIG_IN_FORCE_SCHEMA,
    export_date: date,
    config_snapshot: options.named,
    files,
    other_files: other,
    ...(options.redactedAgain === undefined ? {} : { config_snapshot_redacted_again: options.redactedAgain }),
  });
}

/**
 * The entries with their paths (and reasons) redacted. Two names the rules redact to one are one
 * entry: its record when they agree, else unknown (which of them is meant cannot be said).
 */
function redactedEntries(done: ReadonlyMap<string, InForceRecord>, redactor: Redactor): ConfigInForceEntry[] {
  const out = new Map<string, InForceRecord>();
  const same = (a: InForceRecord, b: InForceRecord): boolean => JSON.stringify(a) === JSON.stringify(b);
  for (const [raw, record] of done) {
    // A record written before snapshots normalised their paths may spell one `./configs/a.yaml`:
    // the entry is the canonical name (at40 F2), merged as below with the file's other spelling.
    const path = redactor.redactString(canonicalPath(raw));
    const r = record !== null && 'unknown' in record ? { unknown: redactor.redactString(record.unknown) } : record;
    const had = out.get(path);
    if (had === undefined && !out.has(path)) out.set(path, r);
    else if (!same(had as InForceRecord, r))
      out.set(path, {
        unknown: 'config files whose names the redaction rules redact to this one are held by different records',
      });
  }
  return [...out].map(([path, record]) => ({ path, record }));
}

/** A record key as snapshots now write it: posix-normalised (`./a`, `a//b`, `a/../b` folded); an absolute or `../` one kept so. */
function canonicalPath(p: string): string {
  const n = posix.normalize(p);
  return n === '.' || n === '' ? p : n.endsWith('/') && n.length > 1 ? n.slice(0, -1) : n;
}
