/**
 * Which pack versions the chain vouches for (docs/FORMAT.md "An artifacts directory"). The artifacts
 * directory is writable by whoever plants a pack; only the chained log vouches. The current version
 * of each day is pinned by the links (the next day's `previous_pack`, the live log for the newest),
 * so its log is the chain's. A `.vN` version, or a `.tar.gz` that holds no current pack, is evidence
 * only once a `PackExported` event of a vouched log (a current pack's, a vouched version's, or the
 * live log) records its manifest hash: until then its own log is not read for the chain's record of
 * exports and time-stamps (a planted version's events would be believed over the real ones), and
 * the version itself is named (ARCHIVE_VERSION_UNRECORDED), an error when its log is not the chain's.
 */
import { join } from 'node:path';
import { scanLines } from '../chain/lines.js';
import { SEQ_SALVAGE_RE } from '../format/log-line.js';
import { PACK_PATH, PACK_VERSION_MAX } from '../format/pack.js';
import { FragmentWatch } from '../format/recovered-line.js';
import type { PackInfo } from './archive-ledger.js';
import { type ExportEvent, packExportEvents, packLogsCoverUntil } from './archive-live.js';
import type { Findings } from './report.js';

/** The packs whose logs the chain vouches for, and those it does not. */
export interface Vouched {
  readonly vouched: readonly PackInfo[];
  readonly unvouched: readonly PackInfo[];
  /** The PackExported events of the vouched packs' logs (each named by its pack). */
  readonly events: readonly ExportEvent[];
  /** `date NUL manifest sha256` of every export those events and the live log record. */
  readonly recorded: ReadonlySet<string>;
}

const key = (date: string, sha: string | null | undefined): string => `${date}\u0000${sha ?? ''}`;

/**
 * Starts from the current pack directories (and what the live log records, `live`) and adds, until
 * nothing changes, every other pack or `.tar.gz` whose day and manifest hash a vouched event
 * records, or that holds a vouched pack's manifest (a `.tar.gz` of it).
 */
export function vouchPacks(all: readonly PackInfo[], live: readonly ExportEvent[]): Vouched {
  const isCurrentDir = (p: PackInfo): boolean => p.version === undefined && !p.name.endsWith('.tar.gz');
  const vouched = all.filter(isCurrentDir);
  let rest = all.filter((p) => !isCurrentDir(p));
  const events = packExportEvents(vouched);
  const recorded = new Set([...events, ...live].map((e) => key(e.date, e.manifestSha256)));
  const held = new Set(vouched.map((p) => key(p.date, p.report.manifest.manifestSha256)));
  for (;;) {
    const now = rest.filter((p) => {
      const k = key(p.date, p.report.manifest.manifestSha256);
      return p.report.manifest.manifestSha256 !== undefined && (recorded.has(k) || held.has(k));
    });
    if (now.length === 0) break;
    rest = rest.filter((p) => !now.includes(p));
    vouched.push(...now);
    const more = packExportEvents(now);
    events.push(...more);
    for (const e of more) recorded.add(key(e.date, e.manifestSha256));
    for (const p of now) held.add(key(p.date, p.report.manifest.manifestSha256));
  }
  return { vouched, unvouched: rest, events, recorded };
}

/**
 * The hash of the line with `seq` in a pack's log (undefined: no such line, or unreadable). A line
 * the next line recovers is no event (docs/FORMAT.md "Torn lines and recovery"): its seq is the
 * recovery's, so it is passed over (any recovery file name, as the Python checker's line_hash_at).
 * @internal exported for its tests
 */
export async function lineHashAt(packDir: string, seq: number): Promise<string | undefined> {
  let hash: string | undefined;
  let held: string | undefined;
  const watch = new FragmentWatch();
  await scanLines(
    join(packDir, PACK_PATH.log),
    (l) => {
      if (hash !== undefined) return;
      if (held !== undefined && !watch.recovers(l)) {
        hash = held;
        return;
      }
      held = undefined;
      if (l.bytes === undefined || !l.terminated) return;
      const m = SEQ_SALVAGE_RE.exec(l.bytes.toString('latin1', 0, Math.min(l.bytes.length, 96)));
      if (m === null || Number(m[1]) !== seq) return;
      watch.hold(l);
      held = l.hash;
    },
    { noFollow: true },
  ).catch(() => undefined);
  return hash ?? held;
}

/**
 * Whether version `v`'s log is the chain's: it starts where the current pack of its day starts and
 * ends at a line of that pack's log (an export of the day killed before its event, or a partial
 * one). Undefined: no current pack of that day to hold it to.
 */
async function logIsTheChains(
  v: PackInfo,
  current: PackInfo | undefined,
  artifactsDir: string,
): Promise<boolean | undefined> {
  const c = current?.report.manifest.chain;
  const vc = v.report.manifest.chain;
  if (current === undefined || c === undefined) return undefined;
  if (vc === undefined) return false;
  if (vc.lastSeq === null) return c.lastSeq === null || vc.firstSeq === null;
  if (vc.firstSeq !== c.firstSeq || vc.startPrev !== c.startPrev || c.lastSeq === null || vc.lastSeq > c.lastSeq)
    return false;
  if (vc.lastSeq === c.lastSeq) return vc.endHash === c.endHash;
  return (await lineHashAt(join(artifactsDir, current.name), vc.lastSeq)) === vc.endHash;
}

/**
 * The unvouched versions an honest crash leaves: an export (or `--force`) killed after moving its
 * pack in and before recording its event, whose pack the re-run keeps aside as `D.vN` and names in
 * its own manifest's `supersedes` (its `.tar.gz` beside it holds the same manifest). So a version
 * is excused only when its log is the chain's and a recorded pack (its manifest hash in an event
 * of the chain), or a version excused so (two crashes in a row), names its manifest in
 * `supersedes`. Anything else was put there: a pack built from a prefix of the real log and named
 * by nothing is no crash's leftover. A chain that records no export at all (exports made with the
 * event turned off) names nothing: there every version whose log is the chain's stays a warning, as
 * every current pack of such an archive is (ARCHIVE_EXPORT_UNRECORDED), none being vouched for.
 */
function excusedVersions(v: Vouched, chains: ReadonlyMap<PackInfo, boolean | undefined>): Set<PackInfo> {
  const excused = new Set<PackInfo>();
  const named = new Set<string>();
  const nameBy = (q: PackInfo): void => {
    const s = q.report.manifest.supersedes;
    if (s !== null && s !== undefined) named.add(key(q.date, s.manifestSha256));
  };
  for (const q of v.vouched) if (v.recorded.has(key(q.date, q.report.manifest.manifestSha256))) nameBy(q);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of v.unvouched) {
      const isNamed = v.recorded.size === 0 || named.has(key(p.date, p.report.manifest.manifestSha256));
      if (excused.has(p) || chains.get(p) !== true || !isNamed) continue;
      excused.add(p);
      nameBy(p);
      grew = true;
    }
  }
  return excused;
}

/**
 * Names each unvouched version (ARCHIVE_VERSION_UNRECORDED): an error when its log is not the chain's
 * (not the start of its day's current pack's log: a planted pack, whatever its own log says; an
 * honest version, superseded or killed, holds the same day's log), or when its name is `.v999999`
 * (export never moves a pack there: it refuses to, no version being left after it); else, when the
 * logs read would hold its event, a warning if it is what an honest crash leaves (excusedVersions:
 * kept aside by the re-run: look at it) and an error if not (a pack put there, whether built from a
 * prefix of the real log or held by no current pack). Without the live log (`liveRead` false), a
 * version made after the newest pack's log ends, whose event only the live log holds, gets a note.
 */
export async function checkUnvouched(
  artifactsDir: string,
  v: Vouched,
  current: readonly PackInfo[],
  liveRead: boolean,
  f: Findings,
): Promise<void> {
  const covered = packLogsCoverUntil(current);
  const chains = new Map<PackInfo, boolean | undefined>();
  for (const p of v.unvouched)
    chains.set(
      p,
      await logIsTheChains(
        p,
        current.find((c) => c.date === p.date),
        artifactsDir,
      ),
    );
  const excused = excusedVersions(v, chains);
  for (const p of v.unvouched) {
    const sha = p.report.manifest.manifestSha256;
    if (sha === undefined) continue; // no manifest to vouch for: the pack's own findings say why
    const file = p.name.endsWith('.tar.gz') ? p.name : `${p.name}/${PACK_PATH.manifestJson}`;
    const what = `no PackExported event of the chain (the current packs' logs${liveRead ? ', the live log' : ''} and the versions they record) records ${p.date} with this manifest (${sha.slice(0, 16)}…): this version is not vouched for, and its own log is not read for the chain's record`;
    const made = Date.parse(p.report.manifest.createdAt ?? '');
    const logsRead = liveRead || (Number.isFinite(made) && covered !== undefined && made < covered);
    const same = current.find((c) => c.date === p.date);
    const chained = chains.get(p);
    if (p.version !== undefined && p.version >= PACK_VERSION_MAX)
      f.add(
        'ARCHIVE_VERSION_UNRECORDED',
        'error',
        file,
        `${what}. No export makes .v${PACK_VERSION_MAX}: no version is left after it, so export refuses to move a pack there; put there, it makes every re-run of ${p.date} fail and keeps whatever is in place current`,
      );
    else if (chained === false)
      f.add(
        'ARCHIVE_VERSION_UNRECORDED',
        'error',
        file,
        `${what}. Its log is not the chain's (${same?.name}'s log, pinned by the links, is not that log continued): a pack put there, not exported from this log`,
      );
    else if (!logsRead)
      f.add(
        'ARCHIVE_VERSION_UNRECORDED',
        'info',
        file,
        `${what}; it says it was made after the newest pack's log ends, where only the live log can record its export. Give --log-dir`,
      );
    else if (excused.has(p))
      f.add(
        'ARCHIVE_VERSION_UNRECORDED',
        'warning',
        file,
        `${what}. Its log is the start of ${same?.name}'s and a recorded pack names it in \`supersedes\`: an export killed before recording its event, kept aside by the re-run, or a pack built from the real log put in place before that re-run; look at it, and remove it when it is the killed export's`,
      );
    else if (chained === true)
      f.add(
        'ARCHIVE_VERSION_UNRECORDED',
        'error',
        file,
        `${what}. Its log is the start of ${same?.name}'s, but no recorded pack names it in \`supersedes\`, as the re-run after a killed export does: a pack built from (a prefix of) the real log and put there`,
      );
    else
      f.add(
        'ARCHIVE_VERSION_UNRECORDED',
        'error',
        file,
        `${what}, and no current pack of ${p.date} holds its log to the chain: a pack put there, not exported from this log`,
      );
  }
}
