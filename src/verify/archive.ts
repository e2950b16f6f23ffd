/**
 * verifyArchive: the artifacts directory — every pack (current, superseded `.vN`, `.tar.gz`), the
 * day-to-day links between packs (archive-links.ts), the `pruned.jsonl` ledger (archive-ledger.ts)
 * against the chained PackPruned events (archive-prunes.ts), and the log chain across packs
 * (docs/FORMAT.md "Verifying").
 */
import { type Dirent, existsSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import { PACK_ARCHIVE_SUFFIX, PACK_PATH, parseArchiveName, parsePackName, PRUNED_LEDGER } from '../format/pack.js';
import { ARCHIVE_LEDGER_FILE, ARTIFACTS_LOCK_FILE, PLACEHOLDER_FILES, TMP_PREFIX } from '../format/dir-names.js';
import { MAX_PACK_REVIEW_EVENTS } from '../review/index.js';
import { MAX_PACK_CHAIN_EVENTS } from './chain-events.js';
import { type LedgerEntry, type PackInfo, readLedger } from './archive-ledger.js';
import { checkCarries } from './archive-carry.js';
import { checkComplianceLayout, checkDaysWithoutCurrent } from './archive-layout.js';
import { checkPoliciesInForce } from './archive-policy.js';
import { checkConfigsInForce } from './config-in-force-pack.js';
import { checkLinks } from './archive-links.js';
import { checkPrunes, entriesThatRemoved } from './archive-prunes.js';
import { checkSignerChanges } from './archive-signers.js';
import type { PruneEvent } from './chain-events.js';
import { REVIEWS_DIR } from '../format/review.js';
import { ROLLUP_RECORD } from '../format/rollup.js';
import {
  checkCurrentRecorded,
  checkExportEvents,
  checkLiveTail,
  checkLiveUnchecked,
  type ExportEvent,
  type LiveLog,
  packStampEvents,
  checkNewestRecorded,
  noteUncheckedTail,
  packTailOf,
  readLiveLog,
} from './archive-live.js';
import { checkUnvouched, vouchPacks } from './archive-vouch.js';
import { direntKind, reportLostHead } from './log.js';
import { checkRecordedTokens, stampOfExport } from './stamp-events.js';
import type { StampEvent } from './stamp-record.js';
import { checkPruneSignatures } from './archive-prune-signatures.js';
import { checkPruneAges } from './archive-retention.js';
import { keptNotesOf } from './kept-events.js';
import { verifyPack } from './pack.js';
import { trustOf } from './pack-gather.js';
import { verifyPackDir } from './pack-dir.js';
import type { VerifyPackOptions } from './pack-report.js';
import { type ArchiveEvidence, Findings, makeReport, printableName, type VerifyReport } from './report.js';
import { addArchiveReviewFindings } from './reviews.js';

/** Options of verifyArchive. */
export interface VerifyArchiveOptions extends VerifyPackOptions {
  /**
   * The live logs directory: its PackPruned events (the prunes after the newest pack was made)
   * count as chained evidence, and a ledger entry without one is then an error, not "awaiting".
   */
  logDir?: string;
  /** The time of the check (epoch ms; default Date.now): a ledger entry pruned later is forged. */
  now?: () => number;
  /**
   * The shortest retention the auditor accepts, in days: a `pruned.jsonl` entry pruned sooner after
   * its day is ARCHIVE_PRUNED_EARLY, an error. Not given: 90 (the default retention), a warning. 0: off.
   */
  minRetentionDays?: number;
}

/** Names in an artifacts directory that are neither packs nor the ledger, and not worth a word. */
const QUIET_NAMES = new Set([...PLACEHOLDER_FILES, ARTIFACTS_LOCK_FILE]);

/**
 * Verifies an artifacts directory. Throws PATH_NOT_FOUND / READ_FAILED only when the directory
 * itself cannot be read.
 */
export async function verifyArchive(artifactsDir: string, options: VerifyArchiveOptions = {}): Promise<VerifyReport> {
  const entries = await readArchiveDir(artifactsDir);
  const f = new Findings();
  const { packs, tars, ledger } = await verifyEntries(artifactsDir, entries, options, f);
  const pruned = ledger ? await readLedger(join(artifactsDir, PRUNED_LEDGER), f) : [];
  // Only an entry that removed a pack stands for one in the links (entriesThatRemoved).
  const removed = entriesThatRemoved(pruned, packs);
  checkLinks(packs, removed, f);
  await checkCarries(
    artifactsDir,
    packs.filter((p) => p.version === undefined),
    f,
    packs,
  );
  await checkComplianceLayout(
    artifactsDir,
    packs.filter((p) => p.version === undefined),
    f,
  );
  checkTars(packs, tars, f);
  checkDaysWithoutCurrent([...packs, ...tars], removed, f);
  checkSigning([...packs, ...tars], options, f);
  const current = packs
    .filter((p) => p.version === undefined)
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const newest = current[current.length - 1];
  if (!hasTrustedKeys(options)) await checkSignerChanges(artifactsDir, current, f);
  const live = await checkLive(artifactsDir, packs, tars, removed, current, options, f);
  await checkPoliciesInForce(artifactsDir, packs, options.logDir, f);
  await checkConfigsInForce(artifactsDir, packs, options.logDir, f);
  const newestMade =
    newest === undefined ? undefined : { date: newest.date, createdAt: newest.report.manifest.createdAt };
  const retired = {
    packDays: new Set([...packs, ...tars].map((p) => p.date)),
    // A kept pack here as `<name>.tar.gz` is here too (verified as such; at31 F4).
    packNames: new Set([...packs.map((p) => p.name), ...tars.map((t) => t.name.slice(0, -PACK_ARCHIVE_SUFFIX.length))]),
    logDir: options.logDir,
    packDirs: [...current].reverse().map((p) => join(artifactsDir, p.name)),
    // Found in each pack's own pass over its log: not read again (kept-events.ts).
    packKept: [...current].reverse().map((p) => keptNotesOf.get(p.report) ?? []),
    spans: current.map((p) => {
      const c = p.report.manifest.chain;
      return {
        name: p.name,
        date: p.date,
        firstSeq: c?.firstSeq ?? null,
        startPrev: c?.startPrev ?? null,
        lastSeq: c?.lastSeq ?? null,
        endHash: c?.endHash ?? null,
      };
    }),
    artifactsDir,
  };
  await checkPrunes(packs, pruned, live, newestMade, options.now?.() ?? Date.now(), retired, f);
  checkPruneSignatures(pruned, trustOf(options), f);
  checkPruneAges(pruned, options.minRetentionDays, f);
  // A pack kept only as .tar.gz (archived, then pruned) still has its review state reported.
  const tarOnly = tars.filter((t) => !packs.some((p) => `${p.name}${PACK_ARCHIVE_SUFFIX}` === t.name));
  await addArchiveReviewFindings(
    artifactsDir,
    [...packs, ...tarOnly].map((p) => ({
      name: p.name,
      date: p.date,
      manifestSha256: p.report.manifest.manifestSha256 ?? undefined,
      createdAt: p.report.manifest.createdAt ?? undefined,
      tagmanifestSha256: p.report.manifest.tagmanifestSha256,
      reviewEvents: p.report.reviewEvents,
      reviewEventsDropped: p.report.reviewEventsDropped,
    })),
    {
      signers: options.reviewSigners,
      logDir: options.logDir,
      pruned: new Set(removed.map((e) => e.manifestSha256)),
      unpinned: options.reviewSignersUnpinned,
    },
    f,
  );
  if (packs.length === 0 && tars.length === 0)
    f.add('EMPTY_DIRECTORY', 'warning', '.', 'no packs in the artifacts directory');
  const all = [...packs, ...tars];
  const report = makeReport(
    'archive',
    artifactsDir,
    countChecked(packs, tars, pruned.length),
    f,
    all.map((p) => p.report),
  );
  return newest === undefined ? report : { ...report, evidence: evidenceOf(newest, current) };
}

/**
 * The newest pack and every export event against the live log, when given (archive-live.ts); else a
 * note that the newest pack's last line was not checked. Returns the live PackPruned events.
 */
async function checkLive(
  artifactsDir: string,
  packs: readonly PackInfo[],
  tars: readonly PackInfo[],
  pruned: readonly LedgerEntry[],
  current: readonly PackInfo[],
  options: VerifyArchiveOptions,
  f: Findings,
): Promise<PruneEvent[] | undefined> {
  const newest = current[current.length - 1];
  const tail = packTailOf(current);
  const all = [...packs, ...tars];
  // Each day's exports as the vouched packs' own logs recorded them (a re-export faked in the middle
  // of the archive keeps every link, and its day's export events are in a later pack, not the live
  // log); a version no vouched event records is not believed (archive-vouch.ts).
  if (options.logDir === undefined) {
    const v = vouchPacks(all, []);
    checkExportEvents(all, pruned, v.events, undefined, f);
    checkRecordedTokens(all, recordedStamps(v.vouched, v.events, undefined), f);
    checkCurrentRecorded(current, v.events, false, f);
    await checkUnvouched(artifactsDir, v, current, false, f);
    if (tail !== undefined) noteUncheckedTail(tail, packs, hasTrustedKeys(options), f);
    return undefined;
  }
  const from = tail !== undefined && newest !== undefined && tail.date < newest.date ? tail.date : newest?.date;
  const live = await readLiveLog(options.logDir, from, tail);
  // The live log cut or deleted after its last write, the lock file kept: said as `verify <logs>` says it.
  reportLostHead(options.logDir, f);
  const v = vouchPacks(all, live.exportEvents);
  checkLiveUnchecked(live, f);
  checkExportEvents(all, pruned, v.events, live, f);
  checkRecordedTokens(all, recordedStamps(v.vouched, v.events, live), f);
  checkCurrentRecorded(current, [...v.events, ...live.exportEvents], true, f);
  await checkUnvouched(artifactsDir, v, current, true, f);
  if (tail !== undefined) checkLiveTail(tail, live, f);
  if (newest !== undefined) checkNewestRecorded(newest, live, f);
  return [...live.pruneEvents];
}

/** Every time-stamp the chain recorded: the vouched packs' logs' and the live log's PackTimestamped and time-stamped PackExported events. */
function recordedStamps(
  vouched: readonly PackInfo[],
  recorded: readonly ExportEvent[],
  live: LiveLog | undefined,
): StampEvent[] {
  const exports = [...recorded, ...(live?.exportEvents ?? []).map((e) => ({ ...e, where: `the live ${e.where}` }))];
  return [
    ...packStampEvents(vouched),
    ...(live?.stampEvents ?? []).map((e) => ({ ...e, where: `the live ${e.where}` })),
    ...exports.flatMap((e) => stampOfExport(e) ?? []),
  ];
}

function hasTrustedKeys(options: VerifyPackOptions): boolean {
  return (options.publicKeys?.length ?? 0) > 0 || (options.allowedSigners?.length ?? 0) > 0;
}

/** The directory's entries, sorted by name. */
async function readArchiveDir(artifactsDir: string): Promise<Dirent[]> {
  let entries: Dirent[];
  try {
    const st = await lstat(artifactsDir);
    if (!st.isDirectory() && !st.isSymbolicLink())
      throw new AuditpackError('USAGE', `${artifactsDir} is not a directory`, { details: { path: artifactsDir } });
    entries = await readdir(artifactsDir, { withFileTypes: true });
  } catch (err) {
    throw wrapFsError(err, 'read directory', artifactsDir);
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Verifies each pack and `.tar.gz` of the directory; says what every other entry is. */
async function verifyEntries(
  artifactsDir: string,
  entries: readonly Dirent[],
  options: VerifyPackOptions,
  f: Findings,
): Promise<{ packs: PackInfo[]; tars: PackInfo[]; ledger: boolean }> {
  const packs: PackInfo[] = [];
  const tars: PackInfo[] = [];
  let ledger = false;
  // The packs' logs share one room for the review events kept: a bound per pack would bound nothing.
  const packOptions = {
    ...options,
    reviewEventRoom: options.reviewEventRoom ?? { left: MAX_PACK_REVIEW_EVENTS },
    chainEventRoom: options.chainEventRoom ?? { left: MAX_PACK_CHAIN_EVENTS },
    inArchive: true,
  };
  for (const e of entries) {
    const name = e.name;
    if (QUIET_NAMES.has(name)) continue;
    if (name === PRUNED_LEDGER) {
      if (!e.isFile()) f.add('NOT_A_REGULAR_FILE', 'error', name, `a ${direntKind(e)}; not followed`);
      else ledger = true;
      continue;
    }
    if (name === REVIEWS_DIR || name === ARCHIVE_LEDGER_FILE) {
      // The review records (checked in verifyArchive) and the archive's own ledger (not read here):
      // a link or a FIFO in their place is never followed or opened, and said.
      const ok = name === REVIEWS_DIR ? e.isDirectory() : e.isFile();
      if (!ok) f.add('NOT_A_REGULAR_FILE', 'error', name, `a ${direntKind(e)}; never followed`);
      continue;
    }
    if (name.startsWith(TMP_PREFIX)) {
      f.add('ENTRY_IGNORED', 'info', printableName(name), 'an unfinished export (a crash leaves these; never a pack)');
      continue;
    }
    const isTar = parseArchiveName(name) !== undefined;
    const info = parsePackName(isTar ? name.slice(0, -PACK_ARCHIVE_SUFFIX.length) : name);
    if (info === undefined) {
      f.add('ENTRY_IGNORED', 'info', printableName(name), `not a pack, a .tar.gz pack or ${PRUNED_LEDGER}; ignored`);
      continue;
    }
    if (isTar ? !e.isFile() : !e.isDirectory()) {
      f.add('NOT_A_REGULAR_FILE', 'error', name, `a ${direntKind(e)} named as a pack; never followed`);
      continue;
    }
    const path = join(artifactsDir, name);
    if (!isTar && existsSync(join(path, ROLLUP_RECORD)))
      f.add(
        'ROLLUP_ENTRY_UNEXPECTED',
        'error',
        name,
        'holds a roll-up (rollup.json) in an artifacts directory: roll-ups belong in their own directory (rollup --out); verified as a pack',
      );
    const report = isTar ? await verifyPack(path, packOptions) : await verifyPackDir(path, path, packOptions, name);
    for (const p of report.problems) f.addAll([{ ...p, file: `${name}/${p.file}` }]);
    (isTar ? tars : packs).push({ name, date: info.date, version: info.version ?? undefined, report });
  }
  return { packs, tars, ledger };
}

/** The archive's newest evidence, for comparison with an out-of-band record. */
function evidenceOf(newest: PackInfo, current: readonly PackInfo[]): ArchiveEvidence {
  const latest = [...current].reverse();
  return {
    pack: newest.name,
    date: newest.date,
    manifestSha256: newest.report.manifest.manifestSha256 ?? null,
    createdAt: newest.report.manifest.createdAt ?? null,
    lastSeq: latest.find((p) => p.report.manifest.chain?.lastSeq != null)?.report.manifest.chain?.lastSeq ?? null,
    endHash: latest.find((p) => p.report.manifest.chain?.endHash != null)?.report.manifest.chain?.endHash ?? null,
  };
}

/** What the archive check covered. */
function countChecked(packs: readonly PackInfo[], tars: readonly PackInfo[], pruned: number) {
  const current = packs.filter((p) => p.version === undefined);
  const all = [...packs, ...tars];
  const sum = (list: readonly PackInfo[], k: 'files' | 'bytes' | 'events' | 'signed' | 'timestamped' | 'anchors') =>
    list.reduce((s, p) => s + (p.report.checked[k] ?? 0), 0);
  return {
    packs: current.length,
    superseded: packs.length - current.length,
    tar_packs: tars.length,
    pruned,
    files: sum(all, 'files'),
    bytes: sum(all, 'bytes'),
    events: sum(current, 'events'),
    signed: sum(current, 'signed'),
    timestamped: sum(current, 'timestamped'),
    anchors: sum(current, 'anchors'),
  };
}

/** Without a trusted key, an archive of signed and unsigned packs says which are unsigned. */
function checkSigning(all: readonly PackInfo[], options: VerifyPackOptions, f: Findings): void {
  if (options.publicKeys !== undefined || options.allowedSigners !== undefined) return; // then each unsigned pack is PACK_UNSIGNED
  const signed = all.filter((p) => p.report.checked.signed === 1);
  if (signed.length === 0 || signed.length === all.length) return;
  for (const p of all) {
    if (p.report.checked.signed === 1) continue;
    f.add(
      'ARCHIVE_MIXED_SIGNING',
      'warning',
      p.name,
      `not signed, while ${signed.length} other pack${signed.length === 1 ? ' is' : 's are'} (e.g. ${signed[0]?.name}): a signature removed? Give --pubkey or --allowed-signers to make this an error`,
    );
  }
}

/** A `.tar.gz` next to its pack directory must hold the same pack. */
function checkTars(packs: readonly PackInfo[], tars: readonly PackInfo[], f: Findings): void {
  for (const t of tars) {
    const base = t.name.slice(0, -PACK_ARCHIVE_SUFFIX.length);
    const dir = packs.find((p) => p.name === base);
    if (dir === undefined) continue;
    const a = t.report.manifest.manifestSha256;
    const b = dir.report.manifest.manifestSha256;
    if (a === undefined || b === undefined || a === b) continue;
    // A tar left behind by a --force re-export holds the version now kept as .vN: stale, not forged.
    const older = packs.find(
      (p) => p.date === dir.date && p.version !== undefined && p.report.manifest.manifestSha256 === a,
    );
    if (older !== undefined) {
      f.add(
        'ARCHIVE_TAR_DIFFERS',
        'warning',
        t.name,
        `holds the superseded version ${older.name}, not the current ${dir.name}/ (left behind by a re-export)`,
      );
    } else {
      f.add('ARCHIVE_TAR_DIFFERS', 'error', t.name, `holds a different ${PACK_PATH.manifestJson} than ${dir.name}/`);
    }
  }
}
