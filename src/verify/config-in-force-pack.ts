/**
 * data/config_in_force.json in a pack directory, and in an artifacts directory: the entries a
 * pack's own log does not bind are held to the other logs at hand (config-in-force.ts says what
 * is checked). In an artifacts directory those are the current packs' logs of the snapshot's day
 * and the day after, and with `--log-dir` the chain itself (the kept day files, and the pack
 * copies of removed ones that a LogPruned event vouches for: ConfigEventIndex.recording).
 */
import { join } from 'node:path';
import { linesContaining, parseObjectLine } from '../fsx/lines-containing.js';
import { recoveredIn } from '../format/recovered-line.js';
import { recoveryFileFor } from './anchor-lines.js';
import { configSnapshotOf } from '../format/config-in-force.js';
import { PACK_PATH } from '../format/pack.js';
import { isoDate } from '../rotation/index.js';
import { ConfigEventIndex } from '../snapshot/config-events.js';
import { dayOfSnapshotId } from '../snapshot/config-event-lines.js';
import type { PackInfo } from './archive-ledger.js';
import { isFile, readBoundedBuffer, readSnapshotFile } from './compliance-bytes.js';
import { judgeNewestRecord } from './config-of-record.js';
import {
  addUnbound,
  type ConfigSnapshotTap,
  judgeConfigInForce,
  MAX_CONFIG_IN_FORCE_BYTES,
  type UnboundEntries,
} from './config-in-force.js';
import type { Findings } from './report.js';

/** A pack report → the entries of its data/config_in_force.json its own log does not bind. */
export const unboundInForceOf = new WeakMap<object, readonly UnboundEntries[]>();

/**
 * Reads the pack directory's two files (bounded, never through a link) and judges them; the info
 * finding for what stays unbound (`say`: false when the caller, an artifacts directory's check,
 * holds those entries to more logs and says what stays unbound itself). `tap`: the ConfigSnapshot
 * events of the pack's log (undefined: no log read).
 */
export async function checkConfigInForceDir(
  dir: string,
  f: Findings,
  tap: ConfigSnapshotTap | undefined,
  exportDate: string | undefined,
  say = true,
): Promise<UnboundEntries[]> {
  const path = join(dir, PACK_PATH.configInForce);
  const bytes = await readBoundedBuffer(path, MAX_CONFIG_IN_FORCE_BYTES);
  // Present but unread: over the bound (a link or a FIFO is the file-set rule's finding).
  const judged = bytes ?? ((await isFile(path)) ? 'too-large' : undefined);
  const snap = await readSnapshotFile(join(dir, PACK_PATH.configSnapshot), MAX_CONFIG_IN_FORCE_BYTES);
  // With config_in_force.json or without (a forger may drop it: it is optional).
  judgeNewestRecord(f, snap, tap);
  if (judged === undefined) return [];
  const unbound = judgeConfigInForce(f, judged, snap, tap, exportDate);
  if (say) addUnbound(f, PACK_PATH.configInForce, unbound, `the pack's ${PACK_PATH.log}`);
  return unbound;
}

/**
 * The entries of the current packs that their own logs left unbound, held to the other packs' logs
 * and, with `logDir`, to the chain: a ConfigSnapshot event of the snapshot with another record hash
 * is CONFIG_IN_FORCE_MISMATCH. What stays unbound is said once (CONFIG_IN_FORCE_UNBOUND, info),
 * naming what was looked in: the packs' own checks leave it to this one.
 */
export async function checkConfigsInForce(
  artifactsDir: string,
  packs: readonly PackInfo[],
  logDir: string | undefined,
  f: Findings,
): Promise<void> {
  const current = new Set(packs.filter((p) => p.version === undefined).map((p) => p.name));
  const index = logDir === undefined ? undefined : new ConfigEventIndex({ logDir, artifactsDir });
  const left: UnboundEntries[] = [];
  const leftIn = new Set<string>();
  for (const p of packs) {
    if (p.version !== undefined) continue;
    for (const u of unboundInForceOf.get(p.report) ?? []) {
      const day = dayOfSnapshotId(u.snapshot_id);
      const inPacks = day === undefined ? undefined : await otherInPackLogs(artifactsDir, current, day, u);
      let other = inPacks === 'recorded' ? undefined : inPacks;
      let bound = inPacks === 'recorded';
      if (day !== undefined && other === undefined && !bound && index !== undefined) {
        const got = await index.recording(day, u.snapshot_id, u.record_sha256).catch(() => undefined);
        if (got?.recorded === false && got.otherHash) other = `the log directory ${logDir}`;
        bound = got?.recorded === true;
      }
      if (other === undefined && !bound) {
        left.push(u);
        leftIn.add(p.name);
      }
      if (other !== undefined)
        f.add(
          'CONFIG_IN_FORCE_MISMATCH',
          'error',
          `${p.name}/${PACK_PATH.configInForce}`,
          `${u.path}: snapshot ${u.snapshot_id} with record_sha256 ${u.record_sha256}, but its ConfigSnapshot event in ${other} records another record hash`,
        );
    }
  }
  const names = [...leftIn];
  const where = names.length === 1 ? `${names[0]}/${PACK_PATH.configInForce}` : '.';
  const packsSaid = `${names.length === 1 ? 'pack' : 'packs'} ${names.slice(0, 5).join(', ')}${names.length > 5 ? `, and ${names.length - 5} more` : ''}`;
  const by = `the logs at hand (their own pack's, in ${packsSaid}; a current pack's of the snapshot's day or the day after${logDir === undefined ? '' : `; the chain in ${logDir}`})`;
  addUnbound(
    f,
    where,
    left,
    by,
    logDir === undefined
      ? 'verify the artifacts directory with --log-dir to hold them to the chain'
      : "the chain's files of those days are removed with nothing that vouches for what they held, or hold no such event",
  );
}

/**
 * Where a current pack's log of the snapshot's day or the day after records it with another hash;
 * 'recorded' when one records it with the entry's; undefined when none records it.
 * @internal exported for its tests
 */
export async function otherInPackLogs(
  artifactsDir: string,
  current: ReadonlySet<string>,
  day: number,
  u: UnboundEntries,
): Promise<string | 'recorded' | undefined> {
  const needle = Buffer.from(`"snapshot_id":${JSON.stringify(u.snapshot_id)}`);
  for (const name of [isoDate(day), isoDate(day + 1)]) {
    if (!current.has(name)) continue;
    const where = `${name}/${PACK_PATH.log}`;
    // A line the next line recovers is no event (docs/FORMAT.md "Torn lines and recovery").
    const recovers = recoveredIn(recoveryFileFor(name));
    const lines = (await linesContaining(join(artifactsDir, where), needle, { recovers }).catch(() => undefined)) ?? [];
    let same = false;
    let other = false;
    for (const line of lines) {
      const c = configSnapshotOf(parseObjectLine(line));
      if (c?.snapshot_id !== u.snapshot_id) continue;
      if (c.record_sha256 === u.record_sha256) same = true;
      else other = true;
    }
    if (other && !same) return where;
    if (same) return 'recorded';
  }
  return undefined;
}
