/**
 * The compliance state across the kept packs (docs/FORMAT.md, "Compliance state"): each day's pack
 * starts its checks from `data/compliance_state_start.json`, which must be byte for byte the
 * previous day's kept pack's `data/compliance_state.json`. Each pack's own re-check holds its start
 * to its report and its end to its log; this holds the days to each other, so a state cannot be
 * swapped between packs (a kill switch left out of the next day) with every pack self-consistent.
 */
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_STATE_BYTES } from '../compliance/carry.js';
import { dayBefore } from '../compliance/carry-source.js';
import { PACK_PATH } from '../format/pack.js';
import type { PackInfo } from './archive-ledger.js';
import type { Findings } from './report.js';
import { sha256SmallFile } from '../fsx/digest.js';
import { openRegular, readRegular } from '../fsx/regular.js';

/**
 * Checks every current pack directory's start state against the previous day's end state. `all`
 * (current and superseded versions) tells a day that carried an earlier version of the day before
 * from one that started from a state no version of it ended with.
 */
export async function checkCarries(
  artifactsDir: string,
  current: readonly PackInfo[],
  f: Findings,
  all: readonly PackInfo[] = current,
): Promise<void> {
  const byDate = new Map(current.map((p) => [p.date, p]));
  for (const p of current) {
    const prev = byDate.get(dayBefore(p.date));
    if (prev === undefined) continue; // no kept pack of the day before (none made, or pruned)
    const start = sha256SmallFile(join(artifactsDir, p.name, PACK_PATH.complianceStateStart), MAX_STATE_BYTES);
    const end = sha256SmallFile(join(artifactsDir, prev.name, PACK_PATH.complianceState), MAX_STATE_BYTES);
    // Packs made before the state was carried hold neither file: nothing to hold them to.
    if (start === undefined || end === undefined) continue;
    const where = `${p.name}/${PACK_PATH.complianceStateStart}`;
    // A partial pack's state is the state at the time it was made, not at the end of its day.
    const partialFrom = await partialSource(artifactsDir, prev, start, end);
    if (partialFrom !== undefined) {
      f.add(
        'COMPLIANCE_CARRY_MISMATCH',
        'error',
        where,
        `the end state of the partial pack ${partialFrom} (made before ${prev.date} ended), not the state ${prev.date} ended with: the checks of ${p.date} missed the rest of ${prev.date}; re-export ${p.date} (export --force) after the full pack of ${prev.date}`,
      );
      continue;
    }
    if (start === end) continue;
    const made = p.report.manifest.createdAt ?? '';
    const prevMade = prev.report.manifest.createdAt ?? '';
    const before =
      made !== '' &&
      prevMade !== '' &&
      made < prevMade &&
      (await backFilled(
        artifactsDir,
        p,
        start,
        all.filter((v) => v.date === prev.date && v !== prev),
      ));
    f.add(
      'COMPLIANCE_CARRY_MISMATCH',
      before ? 'warning' : 'error',
      where,
      before
        ? `${p.date} was exported (${made}) before the pack of ${prev.date} (${prevMade}) and does not start from its state: re-export ${p.date} (export --force) so that its checks carry what ${prev.date} ended with`
        : `not the state the pack of ${prev.date} ends with (${prev.name}/${PACK_PATH.complianceState}): the checks of ${p.date} started from another state (swapped or edited)`,
    );
  }
}

/**
 * The partial pack of the day before whose end state a day started from, or undefined: the current
 * pack of that day when it is partial (and the start is its state), or the partial pack it
 * superseded (moved to `.vN`) whose state the start is.
 */
async function partialSource(
  artifactsDir: string,
  prev: PackInfo,
  start: string,
  end: string,
): Promise<string | undefined> {
  if (start === end) return (await isPartial(join(artifactsDir, prev.name))) ? prev.name : undefined;
  const old = prev.report.manifest.supersedes?.movedTo;
  // moved_to is read from a hostile manifest: a plain name in the artifacts directory only.
  if (old === undefined || old === '' || old === '.' || old === '..' || /[/\\]/.test(old)) return undefined;
  if (sha256SmallFile(join(artifactsDir, old, PACK_PATH.complianceState), MAX_STATE_BYTES) !== start) return undefined;
  return (await isPartial(join(artifactsDir, old))) ? old : undefined;
}

/** Whether a pack directory's manifest.json says `"partial": true` (false when it cannot be read). */
async function isPartial(packDir: string): Promise<boolean> {
  const bytes = await readSmall(join(packDir, PACK_PATH.manifestJson), MAX_MANIFEST_JSON_BYTES);
  if (bytes === undefined) return false;
  try {
    const m = JSON.parse(bytes.toString('utf8')) as unknown;
    return typeof m === 'object' && m !== null && (m as { partial?: unknown }).partial === true;
  } catch {
    return false;
  }
}

/** manifest.json's bound (docs/FORMAT.md, the pack's files). */
const MAX_MANIFEST_JSON_BYTES = 4 * 1024 * 1024;

/**
 * An open handle on the regular file at `path` (never through a link) of at most `max` bytes, or
 * undefined (not there, a link, not a regular file, too large). The caller closes it.
 */
async function openSmall(path: string, max: number): Promise<FileHandle | undefined> {
  let fh: FileHandle;
  try {
    fh = await openRegular(path); // a FIFO is refused, not waited on; a link is not followed
  } catch {
    return undefined;
  }
  let size: number;
  try {
    size = (await fh.stat()).size;
  } catch (err) {
    await fh.close();
    throw err;
  }
  if (size <= max) return fh;
  await fh.close();
  return undefined;
}

/** A regular file's bytes (never through a link) of at most `max` bytes; undefined otherwise. */
async function readSmall(path: string, max: number): Promise<Buffer | undefined> {
  const fh = await openSmall(path, max);
  if (fh === undefined) return undefined;
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/**
 * Whether a day exported before the current pack of the day before really did not start from it: it
 * says it carried no pack (a replay of the log, or nothing: the day before had no pack yet), or it
 * carried exactly what a superseded version of the day before ended with (re-exported since). A day
 * that says it carried the day before's pack but starts from a state no version of it ended with
 * took a forged or edited state: never excused by a later re-export of the day before.
 */
async function backFilled(
  artifactsDir: string,
  p: PackInfo,
  start: string,
  superseded: readonly PackInfo[],
): Promise<boolean> {
  const source = await carriedSource(join(artifactsDir, p.name, PACK_PATH.complianceReport));
  if (source === 'log' || source === 'none') return true;
  if (source !== 'pack') return false;
  for (const v of superseded)
    if (sha256SmallFile(join(artifactsDir, v.name, PACK_PATH.complianceState), MAX_STATE_BYTES) === start) return true;
  return false;
}

/** The report's `carried_in.source`, or undefined when the report or the field cannot be read. */
async function carriedSource(path: string): Promise<unknown> {
  try {
    // Never waits on a FIFO nor reads through a link (then: undefined).
    const report = JSON.parse((await readRegular(path)).toString('utf8')) as {
      carried_in?: { source?: unknown };
    } | null;
    return report?.carried_in?.source;
  } catch {
    return undefined;
  }
}
