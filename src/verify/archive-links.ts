/**
 * The links that make an archive tamper-evident as a whole (docs/FORMAT.md "Verifying"): each
 * day's `previous_pack` names the day before by its manifest hash, the logs continue from one pack
 * to the next, a back-fill names the later pack it was inserted before, and a re-exported day
 * names the version it superseded. A pack's manifest.json, even edited with every hash inside
 * recomputed (and no signature), no longer hashes to what the next day's pack recorded.
 */
import { PACK_PATH, PRUNED_LEDGER } from '../format/pack.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';
import type { LedgerEntry, PackInfo } from './archive-ledger.js';
import type { Findings } from './report.js';

type Packs = readonly PackInfo[];
type Ledger = readonly LedgerEntry[];

/** Every link check of the archive's packs. */
export function checkLinks(packs: Packs, pruned: Ledger, f: Findings): void {
  const current = packs.filter((p) => p.version === undefined).sort((a, b) => (a.date < b.date ? -1 : 1));
  checkReplayedManifests(packs, f);
  let prevWithChain: PackInfo | undefined;
  for (let i = 0; i < current.length; i++) {
    const p = current[i] as PackInfo;
    checkPreviousPack(p, i > 0 ? current[i - 1] : undefined, current, packs, pruned, f);
    if (prevWithChain !== undefined) checkLogContinues(prevWithChain, p, pruned, f);
    const c = p.report.manifest.chain;
    if (c !== undefined && c.lastSeq !== null) prevWithChain = p;
  }
  checkBackfills(packs, pruned, f);
  checkSupersedes(packs, pruned, f);
}

const manifestOf = (p: PackInfo): string => `${p.name}/${PACK_PATH.manifestJson}`;

/** The same manifest twice: a pack copied in under another name. */
function checkReplayedManifests(packs: Packs, f: Findings): void {
  const bySha = new Map<string, PackInfo>();
  for (const p of packs) {
    const sha = p.report.manifest.manifestSha256;
    if (sha === undefined) continue;
    const other = bySha.get(sha);
    if (other !== undefined) {
      f.add(
        'ARCHIVE_PACK_REPLAYED',
        'error',
        manifestOf(p),
        `is byte for byte the manifest of ${other.name}: an old pack replayed as another day`,
      );
    } else bySha.set(sha, p);
  }
}

/** previous_pack of a current pack: null only for the first day, else the pack (or pruned entry) before it. */
function checkPreviousPack(
  p: PackInfo,
  q: PackInfo | undefined,
  current: Packs,
  packs: Packs,
  pruned: Ledger,
  f: Findings,
): void {
  const link = p.report.manifest.previousPack;
  if (link === undefined) return;
  if (link === null) {
    const earlier = current.filter((c) => c.date < p.date && !isBackfillBefore(c, p, packs, pruned));
    if (earlier.length > 0 || pruned.some((e) => e.exportDate < p.date)) {
      const e = earlier[earlier.length - 1];
      f.add(
        'ARCHIVE_LINK_MISSING',
        'error',
        manifestOf(p),
        `previous_pack is null, but ${e !== undefined ? `the pack of ${e.date}` : 'a pruned pack'} comes before it`,
      );
    }
    return;
  }
  const versions = packs.filter((v) => v.date === link.exportDate);
  const target = versions.find((v) => v.report.manifest.manifestSha256 === link.manifestSha256);
  const toPruned = pruned.some((e) => e.exportDate === link.exportDate && e.manifestSha256 === link.manifestSha256);
  // Packs the link skips must be back-fills made after it, each naming a later pack no later than p.
  const between = current.some(
    (c) => c.date > link.exportDate && c.date < p.date && !isBackfillBefore(c, p, packs, pruned),
  );
  if (target === undefined && !toPruned) {
    const existing = versions.find((v) => v.version === undefined);
    f.add(
      'ARCHIVE_LINK_BROKEN',
      'error',
      manifestOf(p),
      existing !== undefined
        ? `previous_pack records ${link.exportDate} with manifest SHA-256 ${link.manifestSha256.slice(0, 16)}…, but ${existing.name}/manifest.json hashes to ${existing.report.manifest.manifestSha256?.slice(0, 16) ?? '?'}…: that pack was changed after this one was made`
        : `previous_pack records ${link.exportDate}, which is neither in the archive nor in ${PRUNED_LEDGER}`,
    );
  } else if (between) {
    f.add(
      'ARCHIVE_LINK_BROKEN',
      'error',
      manifestOf(p),
      `previous_pack skips the pack of ${q?.date ?? 'a later day'}: packs were inserted or the links rewritten`,
    );
  }
}

/** The logs continue from one pack to the next (empty days carry the chain over). */
function checkLogContinues(prev: PackInfo, p: PackInfo, pruned: Ledger, f: Findings): void {
  const c = p.report.manifest.chain;
  const pc = prev.report.manifest.chain;
  if (c === undefined || c.firstSeq === null || pc === undefined || pc.lastSeq === null) return;
  const prunedBetween = pruned.some((e) => e.exportDate > prev.date && e.exportDate < p.date);
  if (c.firstSeq <= pc.lastSeq) {
    f.add(
      'ARCHIVE_PACK_REPLAYED',
      'error',
      manifestOf(p),
      `its log starts at seq ${c.firstSeq}, not after ${prev.name}'s last seq ${pc.lastSeq}: an older day's pack replayed as ${p.date}`,
    );
  } else if (!prunedBetween && c.firstSeq > pc.lastSeq + 1 && daysBetween(prev.date, p.date) > 0) {
    f.add(
      'ARCHIVE_DAY_MISSING',
      'error',
      manifestOf(p),
      `its log starts at seq ${c.firstSeq}, but ${prev.name}'s ends at seq ${pc.lastSeq}: the events in between are in no pack (a day between them not exported? back-fill it with \`auditpack export --date YYYY-MM-DD\`; or a tail cut off)`,
    );
  } else if (!prunedBetween && (c.firstSeq !== pc.lastSeq + 1 || c.startPrev !== pc.endHash)) {
    f.add(
      'ARCHIVE_LINK_BROKEN',
      'error',
      manifestOf(p),
      `its log does not continue ${prev.name}'s: seq ${pc.lastSeq} → ${c.firstSeq}, start_prev ${c.startPrev?.slice(0, 16)}… vs end_hash ${pc.endHash?.slice(0, 16)}…`,
    );
  }
}

/** Back-fills: inserted_before names a later pack (any version, or pruned) by its manifest hash. */
function checkBackfills(packs: Packs, pruned: Ledger, f: Findings): void {
  for (const p of packs) {
    const ib = p.report.manifest.insertedBefore;
    if (ib === null || ib === undefined) continue;
    if (!namesPack(ib, packs, pruned)) {
      f.add(
        'ARCHIVE_LINK_BROKEN',
        'error',
        manifestOf(p),
        `inserted_before records ${ib.exportDate} with manifest SHA-256 ${ib.manifestSha256.slice(0, 16)}…, which is neither a pack in the archive nor in ${PRUNED_LEDGER}`,
      );
    }
  }
}

/** Superseded versions: each current pack's `supersedes` names a version that exists and matches. */
function checkSupersedes(packs: Packs, pruned: Ledger, f: Findings): void {
  for (const p of packs) {
    const s = p.report.manifest.supersedes;
    if (s === null || s === undefined) continue;
    const old = packs.find((v) => v.name === s.movedTo);
    const wasPruned = pruned.some((e) => e.manifestSha256 === s.manifestSha256);
    const say = (what: string) => f.add('ARCHIVE_SUPERSEDES_MISMATCH', 'error', manifestOf(p), what);
    if (old === undefined && !wasPruned)
      say(`supersedes ${s.movedTo}, which is not in the archive or ${PRUNED_LEDGER}`);
    else if (old !== undefined && old.report.manifest.manifestSha256 !== s.manifestSha256)
      say(
        `supersedes ${s.movedTo} with manifest SHA-256 ${s.manifestSha256.slice(0, 16)}…, but that pack's manifest.json hashes otherwise`,
      );
    else if (old !== undefined && old.date !== p.date) say(`supersedes ${s.movedTo}, a pack of another day`);
  }
}

/** Calendar days strictly between two dates (YYYY-MM-DD). */
function daysBetween(a: string, b: string): number {
  return (dayNumberOfIsoDate(b) ?? 0) - (dayNumberOfIsoDate(a) ?? 0) - 1;
}

/** True when `link` is a pack of the archive (any version) or a pruned.jsonl entry with that manifest hash. */
function namesPack(link: { exportDate: string; manifestSha256: string }, packs: Packs, pruned: Ledger): boolean {
  return (
    packs.some((v) => v.date === link.exportDate && v.report.manifest.manifestSha256 === link.manifestSha256) ||
    pruned.some((e) => e.exportDate === link.exportDate && e.manifestSha256 === link.manifestSha256)
  );
}

/** True when `c` is a back-filled pack inserted before a pack dated after it and no later than `p`. */
function isBackfillBefore(c: PackInfo, p: PackInfo, packs: Packs, pruned: Ledger): boolean {
  const ib = c.report.manifest.insertedBefore;
  return ib != null && ib.exportDate > c.date && ib.exportDate <= p.date && namesPack(ib, packs, pruned);
}
