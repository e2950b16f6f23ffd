/**
 * Where a day's checks start from (docs/FORMAT.md, "Compliance state"): the state the day before
 * ended with, taken from that day's pack when the pack's manifest vouches for it, else from a
 * replay of that day's log, else nothing, and always said which (the report's `carried_in`). A
 * state file is hostile input: read bounded, without following a link, hash-checked against its
 * pack's manifest-sha256.txt and parsed field by field (carry-parse.ts).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { readSmallFile, sha256File } from '../fsx/digest.js';
import { archiveFileName, PACK_PATH } from '../format/pack.js';
import { dayNumberOfIsoDate, isoDate, logDayOfIsoDate, logFileName } from '../rotation/index.js';
import { verifySshsig } from '../signing/index.js';
import {
  type CarriedState,
  carriedStateJson,
  type StartingState,
  COMPLIANCE_STATE_FORMAT,
  MAX_STATE_BYTES,
  stateFileChunks,
} from './carry.js';
import { readArchivedStateFiles } from './carry-archive.js';
import { readMadeState, readStateFile } from './carry-file.js';
import { parseCarriedState } from './carry-parse.js';

/** The report's record of where its start state came from. */
export interface CarriedIn {
  /**
   * `pack`: the previous day's pack's state file; `log`: a replay of its log; `none`: nothing carried;
   * in a roll-up's merged report only, `rollup`: the previous day's roll-up's merged end state, or
   * `hosts`: the union of its host packs' start states.
   */
  readonly source: 'pack' | 'log' | 'none' | 'hosts' | 'rollup';
  /** The day whose end state this is (the day before the period). */
  readonly date: string;
  /** SHA-256 of the start state's bytes (data/compliance_state_start.json in a pack). */
  readonly state_sha256: string;
  /** SHA-256 of the replayed log file (source `log`), else null. */
  readonly log_sha256: string | null;
  /** In words: what was used, and why a better source was not (a pack missing, a hash that failed). */
  readonly note: string;
}

/** A start state: what the report records, the state, and its bytes. */
export interface StartState {
  readonly carried: CarriedIn;
  readonly state: StartingState;
  /**
   * The state file's bytes, as written into the pack (data/compliance_state_start.json): read
   * again from the previous pack's file, in pieces, when it came from one (READ_FAILED if they
   * changed since they were checked).
   */
  readonly bytes: () => Iterable<string | Uint8Array>;
  /**
   * COMPLIANCE_CARRY_GAP: nothing carried (no pack, no log of the day before), and an earlier pack
   * ended its day with config changes waiting for a snapshot that no report judges (at26 F2).
   */
  readonly warning?: string;
}

/** How many days before the day before a pack is looked for when nothing is carried. */
export const CARRY_GAP_LOOKBACK_DAYS = 31;

/** What resolving a start state needs. */
export interface StartStateOptions {
  /** The first day checked (`YYYY-MM-DD`). */
  readonly date: string;
  /** Where the previous day's pack is looked for (`<dir>/<day before>`). */
  readonly artifactsDir?: string | undefined;
  /** Where the previous day's log is looked for. */
  readonly logDir?: string | undefined;
  /**
   * Replays one day's log from an empty state: its end state file's pieces, the same each time they
   * are asked for; undefined when the file does not exist.
   */
  readonly replay: (path: string, name: string, date: string) => Promise<(() => Iterable<string>) | undefined>;
  /**
   * The public key the export signs with: the previous pack's state is then taken only from a pack
   * signed by it (a pack anyone could have re-made is not vouched for by this export's signature).
   */
  readonly signedBy?: KeyObject | undefined;
}

/** The day before `date` (`YYYY-MM-DD`). */
export function dayBefore(date: string): string {
  const d = dayNumberOfIsoDate(date);
  if (d === undefined) throw new Error(`not a date: ${date}`);
  return isoDate(d - 1);
}

/** The empty state at the end of `date`: what a day starts from when nothing is carried. */
export function emptyState(date: string): CarriedState {
  return {
    format: COMPLIANCE_STATE_FORMAT,
    date,
    end_us: 0,
    kill_switch: [],
    sessions: [],
    failed_logins: [],
    open_orders: [],
    closed_orders: [],
    risk_checks: [],
    overrides: [],
    decisions: [],
    recent_orders: [],
    strategy_rates: [],
    venue_rates: [],
    clocks: [],
  };
}

/** Largest manifest-sha256.txt read from the previous pack. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/** Resolves the start state of `o.date`: the previous pack, else a log replay, else none. */
export async function resolveStartState(o: StartStateOptions): Promise<StartState> {
  const prev = dayBefore(o.date);
  const fromPack =
    o.artifactsDir === undefined
      ? 'no artifacts directory given'
      : await previousPack(o.artifactsDir, prev, o.signedBy);
  if (typeof fromPack !== 'string') {
    const where = fromPack.archived ? `its pack kept as ${archiveFileName(prev)}` : 'its pack';
    const note = `the state at the end of ${prev} from ${where} (data/compliance_state.json, as its manifest-sha256.txt lists it)`;
    return {
      carried: { source: 'pack', date: prev, state_sha256: fromPack.sha256, log_sha256: null, note },
      state: fromPack.state,
      bytes: fromPack.bytes,
    };
  }
  // From o.date's day number: a day before 1970-01-01 is USAGE, never a name made of NaN (INTERNAL).
  const name = logFileName(logDayOfIsoDate(o.date) - 1);
  const path = o.logDir === undefined ? undefined : join(o.logDir, name);
  const replayed = path === undefined ? undefined : await o.replay(path, name, prev);
  if (replayed !== undefined && path !== undefined) {
    // Read back as a state file is (carry-file.ts): checked once, the order lists made again when used.
    const made = readMadeState(`replayed from ${name}`, () => stateFileChunks(replayed()), prev);
    if ('problem' in made) throw new Error(`the state replayed from ${name} does not read back: ${made.problem}`);
    const note = `the state at the end of ${prev} from a replay of ${name} alone (not used: the pack, ${fromPack}); what was open before ${prev} is not known`;
    const logSha = sha256File(path, { followLinks: false }).sha256; // as the replay read it: never through a link
    return {
      carried: { source: 'log', date: prev, state_sha256: made.sha256, log_sha256: logSha, note },
      state: made.state,
      bytes: () => made.pieces(),
    };
  }
  const state = emptyState(prev);
  const text = carriedStateJson(state);
  const gap = o.artifactsDir === undefined ? undefined : await waitingBeforeGap(o.artifactsDir, prev, o.signedBy);
  const note =
    `nothing carried from ${prev}: no usable pack (${fromPack}) and no log ${name}; a kill switch, session or order open at midnight is not known to this day's checks` +
    (gap === undefined ? '' : `; ${gap}`);
  const carried: CarriedIn = { source: 'none', date: prev, state_sha256: sha256(text), log_sha256: null, note };
  const bytes = () => [text];
  if (gap === undefined) return { carried, state, bytes };
  return {
    carried,
    state,
    bytes,
    warning: `COMPLIANCE_CARRY_GAP: the compliance report of ${o.date} carries nothing from ${prev}, and ${gap}`,
  };
}

/**
 * When the day before `prev` back to CARRY_GAP_LOOKBACK_DAYS days hold no pack until one whose end
 * state lists config changes waiting for a snapshot (rules 29), what to say: those changes are
 * judged by the next day's report, and no report of the days between exists (at26 F2). Undefined
 * when no such pack is found (a pack that cannot be used ends the look: its own problem is said).
 */
async function waitingBeforeGap(
  artifactsDir: string,
  prev: string,
  signedBy: KeyObject | undefined,
): Promise<string | undefined> {
  let day = prev;
  for (let i = 0; i < CARRY_GAP_LOOKBACK_DAYS; i++) {
    const next = day;
    day = dayBefore(day);
    const found = await previousPack(artifactsDir, day, signedBy);
    if (typeof found === 'string') {
      if (found.startsWith('no pack of ')) continue;
      return undefined;
    }
    const n = found.state.config_changes?.length ?? 0;
    if (n === 0) return undefined;
    const days = next === prev ? prev : `${next} to ${prev}`;
    return `the pack of ${day} ended with ${n} config change(s) waiting for a snapshot that no report judges (no pack of ${days}): export ${days} (a day without a log gives an empty pack that judges them), then this day again (export --force)`;
  }
  return undefined;
}

type PackState = {
  state: StartingState;
  sha256: string;
  bytes: () => Iterable<string | Uint8Array>;
  archived: boolean;
};

/**
 * The previous pack's end state, or why it cannot be used: the pack directory `<date>/` when it
 * has a manifest, else the pack kept only as `<date>.tar.gz` (carry-archive.ts), held to the same checks.
 */
async function previousPack(
  artifactsDir: string,
  date: string,
  signedBy: KeyObject | undefined,
): Promise<PackState | string> {
  const dir = join(artifactsDir, date);
  const manifest = readBounded(join(dir, PACK_PATH.manifest), MAX_MANIFEST_BYTES);
  if (manifest !== undefined) {
    const manifestJson = readBounded(join(dir, PACK_PATH.manifestJson), MAX_MANIFEST_BYTES);
    const tags = readBounded(join(dir, PACK_PATH.tagmanifest), MAX_MANIFEST_BYTES);
    const sig = readBounded(join(dir, PACK_PATH.signature), MAX_MANIFEST_BYTES);
    const unsigned = signatureProblem(tags, sig, `the pack of ${date}`, signedBy);
    if (unsigned !== undefined) return unsigned;
    const what = `the pack of ${date}`;
    const listed = judgePackFiles({ manifest, manifestJson, tags }, date, what);
    if (typeof listed === 'string') return listed;
    // Read in pieces, never whole (carry-file.ts): a state of many open orders is hundreds of MB.
    const file = readStateFile(join(dir, PACK_PATH.complianceState), date, { listed: listed.sha256 });
    if (file === 'missing' || file === 'unusable') return notHeld(what);
    if (file.sha256 !== listed.sha256) return edited(what);
    if ('problem' in file) return cannotUse(what, file.problem);
    return { state: file.state, sha256: file.sha256, bytes: () => file.pieces(), archived: false };
  }
  const tar = join(artifactsDir, archiveFileName(date));
  const files = await readArchivedStateFiles(tar, date, MAX_MANIFEST_BYTES, MAX_STATE_BYTES);
  if (files === undefined) return `no pack of ${date} in the artifacts directory`;
  if (typeof files === 'string') return `the pack of ${date} kept as ${files}`;
  if (files.manifest === undefined) return `${archiveFileName(date)} holds no ${date}/${PACK_PATH.manifest}`;
  const unsigned = signatureProblem(
    files.tagmanifest,
    files.signature,
    `the pack of ${date} (${archiveFileName(date)})`,
    signedBy,
  );
  if (unsigned !== undefined) return unsigned;
  const what = `the pack of ${date} (${archiveFileName(date)})`;
  const found = { manifest: files.manifest, manifestJson: files.manifestJson, tags: files.tagmanifest };
  const listed = judgePackFiles(found, date, what);
  if (typeof listed === 'string') return listed;
  // Taken out of the archive in memory, bounded (carry-archive.ts).
  const bytes = files.state;
  if (bytes === undefined) return notHeld(what);
  const sha = sha256(bytes);
  if (sha !== listed.sha256) return edited(what);
  const state = parseCarriedState(bytes, date);
  if (typeof state === 'string') return cannotUse(what, state);
  return { state, sha256: sha, bytes: () => [bytes], archived: true };
}

/**
 * Why a pack's end state is not the end of its day, or undefined: a partial pack (`export
 * --partial`, manifest.json `"partial": true`) was made before the day ended, so its state misses
 * the rest of the day (a kill switch turned on in the afternoon). The flag is believed only from
 * the manifest.json its tag manifest lists (what a signature covers): a manifest.json moved aside
 * or edited to `"partial": false` would otherwise pass a noon pack off as the day's end, so a
 * missing, unlisted, edited or unparseable one makes the pack no carry source.
 */
function partialPack(manifestJson: Buffer | undefined, tags: Buffer, date: string, what: string): string | undefined {
  const tagged = listedSha256(tags.toString('utf8'), PACK_PATH.manifestJson);
  if (manifestJson === undefined || tagged === undefined || tagged !== sha256(manifestJson))
    return `the ${PACK_PATH.manifestJson} of ${what} is not the one its ${PACK_PATH.tagmanifest} lists (edited, or missing): whether it is partial is not known`;
  let m: unknown;
  try {
    m = JSON.parse(manifestJson.toString('utf8'));
  } catch {
    return `the ${PACK_PATH.manifestJson} of ${what} does not parse: whether it is partial is not known`;
  }
  const partial = typeof m === 'object' && m !== null && (m as { partial?: unknown }).partial === true;
  return partial ? `${what} is partial (made before ${date} ended: its state is not the day's end)` : undefined;
}

/**
 * Why a pack is not vouched for by the key the export signs with, or undefined (also when the export
 * does not sign): its tag manifest must carry a valid signature by that key, or this export's
 * signature would vouch for a state nobody vouched for. The tag manifest itself is held to
 * manifest-sha256.txt by judgePackState.
 */
export function signatureProblem(
  tags: Buffer | undefined,
  sig: Buffer | undefined,
  what: string,
  signedBy: KeyObject | undefined,
  signer = 'export',
): string | undefined {
  if (signedBy === undefined) return undefined;
  if (tags === undefined || sig === undefined)
    return `${what} is not signed, and this ${signer} signs: its state is not vouched for`;
  const v = verifySshsig(tags, sig.toString('utf8'), [signedBy]);
  return v.ok
    ? undefined
    : `the signature of ${what} does not verify with the key this ${signer} signs with (${v.reason})`;
}

/**
 * Why `manifest` (a bag's manifest-sha256.txt) is not the one its tag manifest lists (what a
 * signature covers), or undefined: a file re-listed in manifest-sha256.txt alone is an edit.
 */
export function manifestNotVouched(manifest: Buffer, tags: Buffer | undefined, what: string): string | undefined {
  const tagged = tags === undefined ? undefined : listedSha256(tags.toString('utf8'), PACK_PATH.manifest);
  return tagged === sha256(manifest)
    ? undefined
    : `the ${PACK_PATH.manifest} of ${what} is not the one its ${PACK_PATH.tagmanifest} lists (edited, or missing)`;
}

/**
 * A pack's manifests judged as a carry source: the state file's SHA-256 as its vouched-for
 * manifest-sha256.txt lists it, or why the pack cannot be used (its state file is then not read).
 */
function judgePackFiles(
  files: { manifest: Buffer; manifestJson: Buffer | undefined; tags: Buffer | undefined },
  date: string,
  what: string,
): { readonly sha256: string } | string {
  const notVouched = manifestNotVouched(files.manifest, files.tags, what);
  if (notVouched !== undefined) return notVouched;
  // Checked after the line above, so `files.tags` is there.
  const partial = partialPack(files.manifestJson, files.tags as Buffer, date, what);
  if (partial !== undefined) return partial;
  const listed = listedSha256(files.manifest.toString('utf8'), PACK_PATH.complianceState);
  if (listed === undefined) return `${what} has no compliance state (made before it existed)`;
  return { sha256: listed };
}

const notHeld = (what: string): string =>
  `${what} lists a compliance state it does not hold (or one over ${MAX_STATE_BYTES} bytes)`;
const edited = (what: string): string => `the compliance state of ${what} does not match its manifest (edited)`;
const cannotUse = (what: string, why: string): string => `the compliance state of ${what} cannot be used: ${why}`;

/** The SHA-256 a checksum file lists for `path` (`<hex>  <path>` lines), or undefined. */
export function listedSha256(text: string, path: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(.*)$/.exec(line);
    if (m !== null && m[2] === path) return m[1];
  }
  return undefined;
}

/** A regular file's bytes (never through a link), or undefined when missing or over `max` bytes. */
export function readBounded(path: string, max: number): Buffer | undefined {
  const r = readSmallFile(path, max);
  return Buffer.isBuffer(r) ? r : undefined;
}
