/**
 * The pruned ledger (`pruned.jsonl`, docs/FORMAT.md "What a prune leaves behind") as verify reads
 * it: one JSON object per line naming the pruned pack's day and manifest hash. Hostile input: the
 * file is size-bounded before it is read, and each malformed line is a finding.
 */
import { readFile, stat } from 'node:fs/promises';
import { isHashHex } from '../chain/index.js';
import { wrapFsError } from '../errors.js';
import { PRUNED_LEDGER } from '../format/pack.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';
import type { PackReport } from './pack-report.js';
import type { Findings } from './report.js';

const MAX_LEDGER_BYTES = 16 * 1024 * 1024;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

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
}

/** Reads the ledger at `path`; an unreadable or oversized ledger is a finding and no entries. */
export async function readLedger(path: string, f: Findings): Promise<LedgerEntry[]> {
  const st = await stat(path).catch(() => undefined);
  if (st === undefined || st.size > MAX_LEDGER_BYTES) {
    f.add(
      'ARCHIVE_PRUNED_LEDGER_INVALID',
      'error',
      PRUNED_LEDGER,
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
    const entry = ledgerEntry(line, i + 1);
    if (entry !== undefined) out.push(entry);
    else
      f.add(
        'ARCHIVE_PRUNED_LEDGER_INVALID',
        'error',
        PRUNED_LEDGER,
        `line ${i + 1} is not {"export_date","manifest_sha256",…}`,
        i + 1,
      );
  });
  return out;
}

/** One ledger line, or undefined when it is not an entry. */
function ledgerEntry(line: string, n: number): LedgerEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  const o = v as Record<string, unknown> | undefined;
  if (
    o === null ||
    typeof o !== 'object' ||
    typeof o.export_date !== 'string' ||
    dayNumberOfIsoDate(o.export_date) === undefined ||
    !(isHashHex(o.manifest_sha256) || o.manifest_sha256 === null)
  )
    return undefined;
  // manifest_sha256 is null for a pruned directory whose manifest could not be read: it vouches for no link.
  return {
    exportDate: o.export_date,
    manifestSha256: o.manifest_sha256 ?? '',
    path: typeof o.path === 'string' ? o.path : undefined,
    line: n,
    rawSha: o.manifest_sha256 ?? null,
    prunedAt: typeof o.pruned_at === 'string' && ISO_UTC.test(o.pruned_at) ? Date.parse(o.pruned_at) : undefined,
  };
}
