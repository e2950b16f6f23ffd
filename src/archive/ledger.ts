/**
 * The local archive ledger, `archive-ledger.jsonl` in the artifacts directory: one JSON line per
 * push, adoption, verification, retention extension and legal-hold change, appended and fsynced.
 * It is what `prune` relies on to remove a local pack (only a pack whose manifest hash the ledger
 * shows archived and verified), and what `archive verify` compares the bucket with.
 *
 * The ledger is a convenience, not the evidence: the evidence is the locked object in the store,
 * and the same facts are also written as events in the audit chain. A lost ledger is rebuilt by
 * `archive push` (it adopts matching versions it finds in the bucket) and `archive verify`.
 */
import { join } from 'node:path';
import { wrapFsError } from '../errors.js';
import { appendDurably } from '../fsx/append.js';
import { readRegularSync } from '../fsx/regular.js';
import { ARCHIVE_LEDGER_FILE } from '../format/dir-names.js';

/** File name of the ledger inside the artifacts directory. */
export const ARCHIVE_LEDGER = ARCHIVE_LEDGER_FILE;

/** What a ledger line records. */
export type LedgerEvent =
  | 'pushed'
  | 'adopted'
  | 'verified'
  | 'retention_extended'
  | 'legal_hold'
  | 'review_pushed'
  | 'review_adopted';

/** One line of the ledger. */
export interface LedgerEntry {
  readonly event: LedgerEvent;
  readonly date: string;
  readonly bucket: string;
  readonly key: string;
  readonly version_id: string;
  /** SHA-256 of the pack's manifest.json: which pack this is. */
  readonly manifest_sha256: string | null;
  /** SHA-256 of the archived object's bytes. */
  readonly sha256: string | null;
  readonly size: number | null;
  readonly retain_until: string | null;
  readonly mode: string | null;
  /** When this line was written (ISO 8601, UTC). */
  readonly at: string;
  /** The local pack the object came from (pushed), e.g. `2025-09-08`. */
  readonly pack?: string;
  /** legal_hold: `ON` or `OFF`. */
  readonly legal_hold?: string;
}

/** The ledger's lines that parse; a torn or edited line is skipped, never fatal. */
export function readArchiveLedger(artifactsDir: string): LedgerEntry[] {
  let text: string;
  try {
    // A FIFO in its place is refused (never waited on), a symbolic link never read through: both errors.
    text = readRegularSync(join(artifactsDir, ARCHIVE_LEDGER)).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw wrapFsError(err, 'read', join(artifactsDir, ARCHIVE_LEDGER));
  }
  const out: LedgerEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    const e = v as Partial<LedgerEntry>;
    if (
      typeof e.event !== 'string' ||
      typeof e.date !== 'string' ||
      typeof e.key !== 'string' ||
      typeof e.version_id !== 'string' ||
      typeof e.bucket !== 'string'
    )
      continue;
    out.push(e as LedgerEntry);
  }
  return out;
}

/** Appends lines to the ledger and fsyncs it. */
export function appendArchiveLedger(artifactsDir: string, entries: readonly LedgerEntry[]): void {
  if (entries.length === 0) return;
  appendDurably(join(artifactsDir, ARCHIVE_LEDGER), entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
}

/** Why a pack may be removed locally: the archived copy the ledger shows, or why not. */
export type ArchivedCheck = (pack: {
  readonly name: string;
  readonly date: string;
  readonly manifest_sha256: string | null;
}) => { ok: true; reliedOn: string } | { ok: false; reason: string };

/**
 * A check for `prune`: a pack counts as archived when the ledger holds a pushed, adopted or
 * verified line for its exact manifest hash (every such line was written only after the object's
 * bytes were read back from the store and found identical, under a COMPLIANCE lock).
 */
export function archivedCheckFromLedger(artifactsDir: string, now: number = Date.now()): ArchivedCheck {
  const entries = readArchiveLedger(artifactsDir).filter(
    (e) => e.event === 'pushed' || e.event === 'adopted' || e.event === 'verified',
  );
  const byManifest = new Map<string, LedgerEntry>();
  for (const e of entries) if (typeof e.manifest_sha256 === 'string') byManifest.set(e.manifest_sha256, e); // the last line wins
  return (pack) => {
    if (pack.manifest_sha256 === null)
      return { ok: false, reason: 'its manifest.json cannot be read, so it cannot be matched with an archived copy' };
    const e = byManifest.get(pack.manifest_sha256);
    if (e === undefined) return { ok: false, reason: 'not in the archive yet (auditpack archive push)' };
    if (e.mode !== 'COMPLIANCE' || e.retain_until === null || Date.parse(e.retain_until) <= now) {
      return {
        ok: false,
        reason: `the archived copy's lock (${e.mode ?? 'none'} until ${e.retain_until ?? '?'}) does not protect it now`,
      };
    }
    return {
      ok: true,
      reliedOn: `s3://${e.bucket}/${e.key} version ${e.version_id}, ${e.event} ${e.at}, COMPLIANCE until ${e.retain_until}`,
    };
  };
}
