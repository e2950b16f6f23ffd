/**
 * A pack's `data/config_in_force.json` (docs/FORMAT.md, "config_in_force.json"): for every config
 * file the records the chain's walk reaches name (and `configs/compliance_policy.yaml` always), the
 * snapshot record holding it at the end of the day, decided as the compliance report's start policy
 * is (ConfigEventIndex.holderAt: the chain's ConfigSnapshot events in log order; the store is asked
 * only for the records the chain names, by id and record hash). A record lost on the way, or a day
 * the chain cannot tell about, makes a file unknown with the reason, never an older record: and then
 * `other_files` is unknown too, since the records past the gap may name files not listed.
 */
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

/** Config files listed at most; past it `other_files` says the rest is not listed (a bound on what a store makes us write). */
const MAX_LISTED = 65536;

/**
 * The file's text for day `day` (`date`), from the chain (`index`) and the snapshot store's records
 * it names. Each record is read once, however many files it holds. `redactedAgain`: said when
 * data/config_snapshot.json is that snapshot's record redacted again under newer rules, not its bytes.
 */
export async function configInForceText(
  index: ConfigEventIndex,
  snapshotDir: string,
  date: string,
  day: number,
  redactedAgain?: RedactedAgain,
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
  // The usual night: the chain's newest event (a PackExported event's config_of_record, read from the
  // day's file and the next) holds every file its record holds — the walk would stop at it for each —
  // so only the other files are walked for (past a narrow snapshot), and no older file is read.
  const newest = await index.configOfRecord(day, false);
  const first = new Map<string, ConfigInForce>();
  if (newest.kind === 'event') {
    const rec = await recordOf(newest.snapshot);
    if (typeof rec !== 'string') {
      const names = Object.keys(rec.files);
      if (names.length >= MAX_LISTED) over = true;
      note(names);
      for (const p of names) first.set(p, newest.snapshot);
    }
  }
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
  const files: ConfigInForceEntry[] = [...done].map(([path, record]) => ({ path, record }));
  const other =
    gap !== undefined
      ? {
          unknown: `the chain's walk back from the end of ${date} met what it cannot tell (${gap}): a record past it may name files not listed here`,
        }
      : over
        ? { unknown: `more than ${MAX_LISTED} config files: the rest are not listed` }
        : null;
  return renderConfigInForce({
    schema: CONFIG_IN_FORCE_SCHEMA,
    export_date: date,
    files,
    other_files: other,
    ...(redactedAgain === undefined ? {} : { config_snapshot_redacted_again: redactedAgain }),
  });
}
