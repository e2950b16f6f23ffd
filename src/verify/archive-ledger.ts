/**
 * The pruned ledger (`pruned.jsonl`, docs/FORMAT.md "What a prune leaves behind") as verify reads
 * it: one JSON object per line naming the pruned pack's day and manifest hash. Hostile input: the
 * file is size-bounded before it is read, and each malformed line is a finding.
 */
import type { FileHandle } from 'node:fs/promises';
import { wrapFsError } from '../errors.js';
import { PRUNED_LEDGER } from '../format/pack.js';
import { isNotRegularFile, openRegular } from '../fsx/regular.js';
import { parsePrunedLedger, type PrunedLine } from '../format/pruned-ledger.js';
import type { PackReport } from './pack-report.js';
import type { Findings } from './report.js';

const MAX_LEDGER_BYTES = 16 * 1024 * 1024;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/**
 * A ledger line's `pruned_at` as milliseconds, when it is a real UTC instant: the ISO shape and a
 * date and time that exist (`2026-13-29T…` parses to NaN, `2026-02-30T…` rolls over to March 2 in
 * Date.parse: neither is one, at26 F3), else undefined, as if the line claimed no time.
 */
export function instantOf(iso: string | undefined): number | undefined {
  if (iso === undefined || !ISO_UTC.test(iso)) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 19) === iso.slice(0, 19) ? ms : undefined;
}

/** A pack of the archive: a directory (current or `.vN`) or a `.tar.gz`, with its report. */
export interface PackInfo {
  readonly name: string;
  readonly date: string;
  readonly version: number | undefined;
  readonly report: PackReport;
}

/** One line of the ledger. */
export interface LedgerEntry {
  readonly exportDate: string;
  readonly manifestSha256: string;
  readonly path: string | undefined;
  /** 1-based line in pruned.jsonl. */
  readonly line: number;
  /** manifest_sha256 as written (null: the pruned manifest could not be read). */
  readonly rawSha: string | null;
  /** pruned_at, when it is an ISO instant. */
  readonly prunedAt: number | undefined;
  /** The line's signature (archive-prune-signatures.ts), and the bytes it signs (null: not last as written). */
  readonly signature?: string;
  readonly signedMessage?: string | null;
  /** The fields as written, to hold against the signed message's. */
  readonly fields: PrunedLine;
}

/** Reads the ledger at `path`; an unreadable or oversized ledger is a finding and no entries. */
export async function readLedger(path: string, f: Findings): Promise<LedgerEntry[]> {
  const unreadable = (why: string): LedgerEntry[] => {
    f.add('ARCHIVE_PRUNED_LEDGER_INVALID', 'error', PRUNED_LEDGER, why);
    return [];
  };
  let fh: FileHandle;
  try {
    // A FIFO in its place is refused (never waited on), a symbolic link never read through.
    fh = await openRegular(path);
  } catch (err) {
    return unreadable(
      isNotRegularFile(err) ? `not a regular file (${err.kind})` : `unreadable: ${(err as Error).message}`,
    );
  }
  let text: string;
  try {
    if ((await fh.stat()).size > MAX_LEDGER_BYTES) return unreadable(`larger than ${MAX_LEDGER_BYTES} bytes`);
    text = await fh.readFile('utf8');
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  } finally {
    await fh.close();
  }
  // One schema for every reader of the ledger (src/format/pruned-ledger.ts): what export would not
  // link to, verify reports.
  const { entries, invalid } = parsePrunedLedger(text);
  const torn = text !== '' && !text.endsWith('\n') ? invalid[invalid.length - 1] : undefined;
  for (const n of invalid)
    f.add(
      'ARCHIVE_PRUNED_LEDGER_INVALID',
      'error',
      PRUNED_LEDGER,
      n === torn
        ? `line ${n} does not end with a newline: a torn append or an edit (prune writes each line whole)`
        : `line ${n} is not {"export_date","manifest_sha256",…}`,
      n,
    );
  return entries.map((e) => ({
    exportDate: e.export_date,
    // null: the pruned manifest could not be read, so the line vouches for no link.
    manifestSha256: e.manifest_sha256 ?? '',
    path: e.path,
    line: e.line,
    rawSha: e.manifest_sha256,
    prunedAt: instantOf(e.pruned_at),
    ...(e.signature !== undefined ? { signature: e.signature, signedMessage: e.signedMessage ?? null } : {}),
    fields: e,
  }));
}
