/**
 * verifyArchive: the artifacts directory — every pack (current, superseded `.vN`, `.tar.gz`), the
 * day-to-day links between packs, the `pruned.jsonl` ledger, and the log chain across packs
 * (docs/FORMAT.md "Verifying").
 *
 * The links make the archive tamper-evident as a whole: a pack's manifest.json, even edited with
 * every hash inside recomputed (and no signature), no longer hashes to what the next day's pack
 * recorded; an old pack copied in as a newer day breaks both its date and the seq order of the logs.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isHashHex } from '../chain/index.js';
import { PACK_ARCHIVE_SUFFIX, parseArchiveName, parsePackName, PRUNED_LEDGER } from '../format/pack.js';
import { AuditpackError, wrapFsError } from '../errors.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';
import { direntKind } from './log.js';
import { verifyPack, verifyPackDir, type PackReport, type VerifyPackOptions } from './pack.js';
import { Findings, makeReport, printableName, type ArchiveEvidence, type VerifyReport } from './report.js';
import { liveLogPruneEvents, type PruneEvent } from './chain-events.js';
import { REVIEWS_DIR } from '../format/review.js';
import { addArchiveReviewFindings } from './reviews.js';

const MAX_LEDGER_BYTES = 16 * 1024 * 1024;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/** Options of verifyArchive. */
export interface VerifyArchiveOptions extends VerifyPackOptions {
  /**
   * The live logs directory: its PackPruned events (the prunes after the newest pack was made)
   * count as chained evidence, and a ledger entry without one is then an error, not "awaiting".
   */
  logDir?: string;
  /** The time of the check (epoch ms; default Date.now): a ledger entry pruned later is forged. */
  now?: () => number;
}

interface PackInfo {
  readonly name: string;
  readonly date: string;
  readonly version: number | undefined;
  readonly report: PackReport;
}

/**
 * Verifies an artifacts directory. Throws PATH_NOT_FOUND / READ_FAILED only when the directory
 * itself cannot be read.
 */
export async function verifyArchive(artifactsDir: string, options: VerifyArchiveOptions = {}): Promise<VerifyReport> {
  let entries: Dirent[];
  try {
    const st = await lstat(artifactsDir);
    if (!st.isDirectory() && !st.isSymbolicLink())
      throw new AuditpackError('USAGE', `${artifactsDir} is not a directory`, { details: { path: artifactsDir } });
    entries = await readdir(artifactsDir, { withFileTypes: true });
  } catch (err) {
    throw wrapFsError(err, 'read directory', artifactsDir);
  }
  const f = new Findings();
  const packs: PackInfo[] = [];
  const tars: PackInfo[] = [];
  let ledger: Dirent | undefined;
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const name = e.name;
    if (name === '.keep' || name === '.gitkeep' || name === '.export.lock') continue; // .export.lock: the export/prune lock
    if (name === 'pruned.jsonl') {
      if (!e.isFile()) f.add('NOT_A_REGULAR_FILE', 'error', name, `a ${direntKind(e)}; not followed`);
      else ledger = e;
      continue;
    }
    if (name === REVIEWS_DIR && e.isDirectory()) continue; // the review records: checked below
    if (name.startsWith('.tmp-')) {
      f.add('ENTRY_IGNORED', 'info', printableName(name), 'an unfinished export (a crash leaves these; never a pack)');
      continue;
    }
    const tarName = parseArchiveName(name) === undefined ? undefined : name.slice(0, -PACK_ARCHIVE_SUFFIX.length);
    const info = parsePackName(tarName ?? name);
    if (info === undefined) {
      f.add('ENTRY_IGNORED', 'info', printableName(name), 'not a pack, a .tar.gz pack or pruned.jsonl; ignored');
      continue;
    }
    if (tarName !== undefined ? !e.isFile() : !e.isDirectory()) {
      f.add('NOT_A_REGULAR_FILE', 'error', name, `a ${direntKind(e)} named as a pack; never followed`);
      continue;
    }
    const path = join(artifactsDir, name);
    const report =
      tarName !== undefined ? await verifyPack(path, options) : await verifyPackDir(path, path, options, name);
    for (const p of report.problems) f.addAll([{ ...p, file: `${name}/${p.file}` }]);
    (tarName !== undefined ? tars : packs).push({ name, date: info.date, version: info.version ?? undefined, report });
  }

  const pruned = ledger === undefined ? [] : await readLedger(join(artifactsDir, 'pruned.jsonl'), f);
  checkLinks(packs, pruned, f);
  checkTars(packs, tars, f);
  checkSigning([...packs, ...tars], options, f);
  const current = packs
    .filter((p) => p.version === undefined)
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const newest = current[current.length - 1];
  const live = options.logDir === undefined ? undefined : await liveLogPruneEvents(options.logDir, newest?.date);
  checkPrunes(
    packs,
    pruned,
    live,
    newest === undefined ? undefined : { date: newest.date, createdAt: newest.report.manifest.createdAt },
    options.now?.() ?? Date.now(),
    f,
  );
  await addArchiveReviewFindings(
    artifactsDir,
    packs.map((p) => ({
      name: p.name,
      date: p.date,
      manifestSha256: p.report.manifest.manifestSha256 ?? undefined,
      createdAt: p.report.manifest.createdAt ?? undefined,
      reviewEvents: p.report.reviewEvents,
    })),
    { signers: options.reviewSigners, logDir: options.logDir, pruned: new Set(pruned.map((e) => e.manifestSha256)) },
    f,
  );
  const evidence: ArchiveEvidence | undefined =
    newest === undefined
      ? undefined
      : {
          pack: newest.name,
          date: newest.date,
          manifestSha256: newest.report.manifest.manifestSha256 ?? null,
          createdAt: newest.report.manifest.createdAt ?? null,
          lastSeq:
            [...current].reverse().find((p) => p.report.manifest.chain?.lastSeq != null)?.report.manifest.chain
              ?.lastSeq ?? null,
          endHash:
            [...current].reverse().find((p) => p.report.manifest.chain?.endHash != null)?.report.manifest.chain
              ?.endHash ?? null,
        };
  if (packs.length === 0 && tars.length === 0) {
    f.add('EMPTY_DIRECTORY', entries.length === 0 ? 'warning' : 'warning', '.', 'no packs in the artifacts directory');
  }
  const all = [...packs, ...tars];
  const checked = {
    packs: packs.filter((p) => p.version === undefined).length,
    superseded: packs.filter((p) => p.version !== undefined).length,
    tar_packs: tars.length,
    pruned: pruned.length,
    files: all.reduce((s, p) => s + (p.report.checked.files ?? 0), 0),
    bytes: all.reduce((s, p) => s + (p.report.checked.bytes ?? 0), 0),
    events: packs.filter((p) => p.version === undefined).reduce((s, p) => s + (p.report.checked.events ?? 0), 0),
    signed: packs.filter((p) => p.version === undefined).reduce((s, p) => s + (p.report.checked.signed ?? 0), 0),
    timestamped: packs
      .filter((p) => p.version === undefined)
      .reduce((s, p) => s + (p.report.checked.timestamped ?? 0), 0),
    anchors: packs.filter((p) => p.version === undefined).reduce((s, p) => s + (p.report.checked.anchors ?? 0), 0),
  };
  const report = makeReport(
    'archive',
    artifactsDir,
    checked,
    f,
    all.map((p) => p.report),
  );
  return evidence === undefined ? report : { ...report, evidence };
}

interface LedgerEntry {
  readonly exportDate: string;
  readonly manifestSha256: string;
  readonly path: string | undefined;
  /** 1-based line in pruned.jsonl. */
  readonly line: number;
  /** manifest_sha256 as written (null: the pruned manifest could not be read). */
  readonly rawSha: string | null;
  /** pruned_at, when it is an ISO instant. */
  readonly prunedAt: number | undefined;
}

async function readLedger(path: string, f: Findings): Promise<LedgerEntry[]> {
  const { readFile, stat } = await import('node:fs/promises');
  const st = await stat(path).catch(() => undefined);
  if (st === undefined || st.size > MAX_LEDGER_BYTES) {
    f.add(
      'ARCHIVE_PRUNED_LEDGER_INVALID',
      'error',
      'pruned.jsonl',
      `unreadable or larger than ${MAX_LEDGER_BYTES} bytes`,
    );
    return [];
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
  const out: LedgerEntry[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      v = undefined;
    }
    const o = v as Record<string, unknown> | undefined;
    if (
      o === null ||
      typeof o !== 'object' ||
      typeof o.export_date !== 'string' ||
      dayNumberOfIsoDate(o.export_date) === undefined ||
      !(isHashHex(o.manifest_sha256) || o.manifest_sha256 === null)
    ) {
      f.add(
        'ARCHIVE_PRUNED_LEDGER_INVALID',
        'error',
        'pruned.jsonl',
        `line ${i + 1} is not {"export_date","manifest_sha256",…}`,
        i + 1,
      );
      return;
    }
    // manifest_sha256 is null for a pruned directory whose manifest could not be read: it vouches for no link.
    out.push({
      exportDate: o.export_date,
      manifestSha256: o.manifest_sha256 ?? '',
      path: typeof o.path === 'string' ? o.path : undefined,
      line: i + 1,
      rawSha: o.manifest_sha256 ?? null,
      prunedAt: typeof o.pruned_at === 'string' && ISO_UTC.test(o.pruned_at) ? Date.parse(o.pruned_at) : undefined,
    });
  });
  return out;
}

function checkLinks(packs: PackInfo[], pruned: LedgerEntry[], f: Findings): void {
  const current = packs.filter((p) => p.version === undefined).sort((a, b) => (a.date < b.date ? -1 : 1));
  const versionsByDate = new Map<string, PackInfo[]>();
  for (const p of packs) versionsByDate.set(p.date, [...(versionsByDate.get(p.date) ?? []), p]);

  // The same manifest twice: a pack copied in under another name.
  const bySha = new Map<string, PackInfo>();
  for (const p of packs) {
    const sha = p.report.manifest.manifestSha256;
    if (sha === undefined) continue;
    const other = bySha.get(sha);
    if (other !== undefined) {
      f.add(
        'ARCHIVE_PACK_REPLAYED',
        'error',
        `${p.name}/manifest.json`,
        `is byte for byte the manifest of ${other.name}: an old pack replayed as another day`,
      );
    } else bySha.set(sha, p);
  }

  let prevWithChain: PackInfo | undefined;
  for (let i = 0; i < current.length; i++) {
    const p = current[i] as PackInfo;
    const m = p.report.manifest;
    const q = i > 0 ? current[i - 1] : undefined;
    const file = `${p.name}/manifest.json`;
    const prunedBefore = pruned.filter((e) => e.exportDate < p.date);
    const link = m.previousPack;
    if (link === null) {
      const earlier = current.filter((c) => c.date < p.date && !isBackfillBefore(c, p, packs, pruned));
      if (earlier.length > 0 || prunedBefore.length > 0) {
        const e = earlier[earlier.length - 1];
        f.add(
          'ARCHIVE_LINK_MISSING',
          'error',
          file,
          `previous_pack is null, but ${e !== undefined ? `the pack of ${e.date}` : 'a pruned pack'} comes before it`,
        );
      }
    } else if (link !== undefined) {
      const target = versionsByDate
        .get(link.exportDate)
        ?.find((v) => v.report.manifest.manifestSha256 === link.manifestSha256);
      const toPruned = pruned.some((e) => e.exportDate === link.exportDate && e.manifestSha256 === link.manifestSha256);
      // Packs the link skips must be back-fills made after it, each naming a later pack no later than p.
      const between = current.some(
        (c) => c.date > link.exportDate && c.date < p.date && !isBackfillBefore(c, p, packs, pruned),
      );
      if (target === undefined && !toPruned) {
        const existing = versionsByDate.get(link.exportDate)?.find((v) => v.version === undefined);
        f.add(
          'ARCHIVE_LINK_BROKEN',
          'error',
          file,
          existing !== undefined
            ? `previous_pack records ${link.exportDate} with manifest SHA-256 ${link.manifestSha256.slice(0, 16)}…, but ${existing.name}/manifest.json hashes to ${existing.report.manifest.manifestSha256?.slice(0, 16) ?? '?'}…: that pack was changed after this one was made`
            : `previous_pack records ${link.exportDate}, which is neither in the archive nor in pruned.jsonl`,
        );
      } else if (between) {
        f.add(
          'ARCHIVE_LINK_BROKEN',
          'error',
          file,
          `previous_pack skips the pack of ${q?.date ?? 'a later day'}: packs were inserted or the links rewritten`,
        );
      }
    }
    // The logs continue from one pack to the next (empty days carry the chain over).
    const c = m.chain;
    const pc = prevWithChain?.report.manifest.chain;
    if (
      c !== undefined &&
      c.firstSeq !== null &&
      pc !== undefined &&
      pc.lastSeq !== null &&
      prevWithChain !== undefined
    ) {
      const prunedBetween = pruned.some((e) => e.exportDate > prevWithChain!.date && e.exportDate < p.date);
      if (c.firstSeq <= pc.lastSeq) {
        f.add(
          'ARCHIVE_PACK_REPLAYED',
          'error',
          file,
          `its log starts at seq ${c.firstSeq}, not after ${prevWithChain.name}'s last seq ${pc.lastSeq}: an older day's pack replayed as ${p.date}`,
        );
      } else if (!prunedBetween && c.firstSeq > pc.lastSeq + 1 && daysBetween(prevWithChain.date, p.date) > 0) {
        f.add(
          'ARCHIVE_DAY_MISSING',
          'error',
          file,
          `its log starts at seq ${c.firstSeq}, but ${prevWithChain.name}'s ends at seq ${pc.lastSeq}: the events in between are in no pack (a day between them not exported? back-fill it with \`auditpack export --date YYYY-MM-DD\`; or a tail cut off)`,
        );
      } else if (!prunedBetween && (c.firstSeq !== pc.lastSeq + 1 || c.startPrev !== pc.endHash)) {
        f.add(
          'ARCHIVE_LINK_BROKEN',
          'error',
          file,
          `its log does not continue ${prevWithChain.name}'s: seq ${pc.lastSeq} → ${c.firstSeq}, start_prev ${c.startPrev?.slice(0, 16)}… vs end_hash ${pc.endHash?.slice(0, 16)}…`,
        );
      }
    }
    if (c !== undefined && c.lastSeq !== null) prevWithChain = p;
  }

  // Back-fills: inserted_before names a later pack (any version, or pruned) by its manifest hash.
  for (const p of packs) {
    const ib = p.report.manifest.insertedBefore;
    if (ib === null || ib === undefined) continue;
    if (!namesPack(ib, packs, pruned)) {
      f.add(
        'ARCHIVE_LINK_BROKEN',
        'error',
        `${p.name}/manifest.json`,
        `inserted_before records ${ib.exportDate} with manifest SHA-256 ${ib.manifestSha256.slice(0, 16)}…, which is neither a pack in the archive nor in pruned.jsonl`,
      );
    }
  }

  // Superseded versions: each current pack's `supersedes` names a version that exists and matches.
  for (const p of packs) {
    const s = p.report.manifest.supersedes;
    if (s === null || s === undefined) continue;
    const old = packs.find((v) => v.name === s.movedTo);
    const wasPruned = pruned.some((e) => e.manifestSha256 === s.manifestSha256);
    if (old === undefined && !wasPruned) {
      f.add(
        'ARCHIVE_SUPERSEDES_MISMATCH',
        'error',
        `${p.name}/manifest.json`,
        `supersedes ${s.movedTo}, which is not in the archive or pruned.jsonl`,
      );
    } else if (old !== undefined && old.report.manifest.manifestSha256 !== s.manifestSha256) {
      f.add(
        'ARCHIVE_SUPERSEDES_MISMATCH',
        'error',
        `${p.name}/manifest.json`,
        `supersedes ${s.movedTo} with manifest SHA-256 ${s.manifestSha256.slice(0, 16)}…, but that pack's manifest.json hashes otherwise`,
      );
    } else if (old !== undefined && old.date !== p.date) {
      f.add(
        'ARCHIVE_SUPERSEDES_MISMATCH',
        'error',
        `${p.name}/manifest.json`,
        `supersedes ${s.movedTo}, a pack of another day`,
      );
    }
  }
}

/** Calendar days strictly between two dates (YYYY-MM-DD). */
function daysBetween(a: string, b: string): number {
  return (dayNumberOfIsoDate(b) ?? 0) - (dayNumberOfIsoDate(a) ?? 0) - 1;
}

/** True when `link` is a pack of the archive (any version) or a pruned.jsonl entry with that manifest hash. */
function namesPack(
  link: { exportDate: string; manifestSha256: string },
  packs: readonly PackInfo[],
  pruned: readonly LedgerEntry[],
): boolean {
  return (
    packs.some((v) => v.date === link.exportDate && v.report.manifest.manifestSha256 === link.manifestSha256) ||
    pruned.some((e) => e.exportDate === link.exportDate && e.manifestSha256 === link.manifestSha256)
  );
}

/** True when `c` is a back-filled pack inserted before a pack dated after it and no later than `p`. */
function isBackfillBefore(
  c: PackInfo,
  p: PackInfo,
  packs: readonly PackInfo[],
  pruned: readonly LedgerEntry[],
): boolean {
  const ib = c.report.manifest.insertedBefore;
  return ib != null && ib.exportDate > c.date && ib.exportDate <= p.date && namesPack(ib, packs, pruned);
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

/**
 * pruned.jsonl against the chained PackPruned events (docs/FORMAT.md "What a prune leaves
 * behind"): every entry needs its event, every event its entry.
 */
function checkPrunes(
  packs: readonly PackInfo[],
  pruned: readonly LedgerEntry[],
  live: readonly PruneEvent[] | undefined,
  newest: { date: string; createdAt: string | undefined } | undefined,
  now: number,
  f: Findings,
): void {
  // A prune whose event can only be in the live log: it happened after the newest pack was made (or
  // on a day no pack covers yet), and not in the future.
  const newestMade = newest?.createdAt === undefined ? undefined : Date.parse(newest.createdAt);
  const afterNewest = (e: LedgerEntry): boolean =>
    e.prunedAt !== undefined &&
    e.prunedAt <= now &&
    (newest === undefined ||
      newestMade === undefined ||
      e.prunedAt > newestMade ||
      new Date(e.prunedAt).toISOString().slice(0, 10) > newest.date);
  const events: PruneEvent[] = [];
  for (const p of packs)
    if (p.version === undefined)
      events.push(...p.report.pruneEvents.map((e) => ({ ...e, where: `${p.name}/${e.where}` })));
  if (live !== undefined) events.push(...live);
  const key = (date: string, path: string | undefined, sha: string | null): string =>
    `${date}\u0000${path ?? ''}\u0000${sha ?? ''}`;
  const byKey = new Map<string, PruneEvent>();
  for (const e of events) byKey.set(key(e.date, e.path, e.manifestSha256), e);
  const entryKeys = new Set(pruned.map((e) => key(e.exportDate, e.path, e.rawSha)));
  // The entries after the last one with its event may be a prune whose events are still only in the live log.
  let lastCovered = -1;
  pruned.forEach((e, i) => {
    if (byKey.has(key(e.exportDate, e.path, e.rawSha))) lastCovered = i;
  });
  pruned.forEach((e, i) => {
    if (byKey.has(key(e.exportDate, e.path, e.rawSha))) return;
    const what = `line ${e.line} (${e.path ?? e.exportDate}, manifest ${e.rawSha?.slice(0, 16) ?? 'null'}…) has no PackPruned event in the chain`;
    if (live === undefined && i > lastCovered && afterNewest(e)) {
      f.add(
        'ARCHIVE_PRUNE_AWAITING_EVIDENCE',
        'warning',
        'pruned.jsonl',
        `${what} yet: a prune after the newest pack was made has its event in the live log until the next export; give --log-dir to check it now`,
        e.line,
      );
    } else {
      f.add(
        'ARCHIVE_PRUNE_UNRECORDED',
        'error',
        'pruned.jsonl',
        `${what}${live === undefined ? '' : ' (nor in the live log)'}: a pack removed and the ledger edited to hide it?`,
        e.line,
      );
    }
  });
  const seen = new Set<string>();
  for (const e of events) {
    const k = key(e.date, e.path, e.manifestSha256);
    if (entryKeys.has(k) || seen.has(k)) continue;
    seen.add(k);
    f.add(
      'ARCHIVE_LEDGER_INCOMPLETE',
      'error',
      'pruned.jsonl',
      `the PackPruned event seq ${e.seq} in ${e.where} (${e.path}, manifest ${e.manifestSha256?.slice(0, 16) ?? 'null'}…) has no line in pruned.jsonl: the ledger was cut or edited`,
    );
  }
}

/** A `.tar.gz` next to its pack directory must hold the same pack. */
function checkTars(packs: PackInfo[], tars: PackInfo[], f: Findings): void {
  for (const t of tars) {
    const base = t.name.replace(/\.tar\.gz$/, '');
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
      f.add('ARCHIVE_TAR_DIFFERS', 'error', t.name, `holds a different manifest.json than ${dir.name}/`);
    }
  }
}
