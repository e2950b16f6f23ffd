/**
 * What a new pack's `previous_pack` links to, asked of the log (docs/FORMAT.md "previous_pack").
 * The artifacts directory is writable by whoever plants a pack; only the chained log vouches. The
 * newest pack before the day (findPreviousPack) is linked only when a PackExported event of its
 * day records its manifest: a forged current pack put in place before the cron's export (and kept
 * there, for instance by a planted `.v999999` that makes the re-run of its day fail) would
 * otherwise be pinned by the next day's link as if it were the day's evidence.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dayNumberOfIsoDate, dayOfLogFileName } from '../rotation/index.js';
import { findPreviousPack, listPackEntries, manifestSha256 } from './layout.js';
import { isRecordedExport, recordedExports } from './unrecorded.js';

/** A link as manifest.json `previous_pack` holds it. */
export interface PackLink {
  readonly export_date: string;
  readonly manifest_sha256: string;
}

/** Export warning codes (docs/errors.md "export"): the link the new pack makes, and why it is not the plain one. */
export const PREVIOUS_PACK_UNRECORDED = 'PREVIOUS_PACK_UNRECORDED';
export const PREVIOUS_PACK_UNCHECKED = 'PREVIOUS_PACK_UNCHECKED';

/** The oldest day a log file of `logDir` is dated (undefined: none). */
function oldestLogDay(logDir: string): number | undefined {
  let oldest: number | undefined;
  let names: string[];
  try {
    names = readdirSync(logDir);
  } catch {
    return undefined;
  }
  for (const n of names) {
    const d = dayOfLogFileName(n);
    if (d !== undefined && (oldest === undefined || d < oldest)) oldest = d;
  }
  return oldest;
}

/**
 * `previous_pack` for a new pack of `date`, and a warning (`CODE: text`) when the plain link is not
 * made: the newest pack before `date` is linked when the log records its export; else the newest
 * `.vN` version of that day the log records (the current one is not the day's evidence); else
 * none (null): an unvouched pack is never linked. When no event records it and the log files that
 * would hold the record are gone (log retention reached the day), the record is unknown: the pack
 * is linked, and the warning says it was not checked. Without `recordEvent` (nothing is held to the log) the plain link.
 */
export async function recordedPrevious(
  artifactsDir: string,
  logDir: string,
  date: string,
): Promise<{ readonly previous: PackLink | null; readonly warning?: string }> {
  const p = findPreviousPack(artifactsDir, date);
  const pDay = p === null ? undefined : dayNumberOfIsoDate(p.export_date);
  if (p === null || pDay === undefined) return { previous: p };
  // The usual case, one read that stops at the event (the next day's file); the rest only when not.
  if (await isRecordedExport(logDir, p.export_date, pDay, p.manifest_sha256)) return { previous: p };
  const oldest = oldestLogDay(logDir);
  if (oldest === undefined || oldest > pDay)
    return {
      previous: p,
      warning: `${PREVIOUS_PACK_UNCHECKED}: previous_pack links ${p.export_date} (manifest ${p.manifest_sha256.slice(0, 16)}…) unchecked: no PackExported event in ${logDir} records it, but the log files from that day on, where its event would be, are not all there (log retention?), so whether its export was recorded is unknown. Verify the artifacts directory`,
    };
  const recorded = await recordedExports(logDir, p.export_date, pDay);
  const versions = listPackEntries(artifactsDir)
    .filter((e) => e.date === p.export_date && e.kind === 'pack' && e.type === 'dir' && e.version !== null)
    .sort((a, b) => (b.version ?? 0) - (a.version ?? 0));
  const why = `no PackExported event in ${logDir} records the pack of ${p.export_date} in place (manifest ${p.manifest_sha256.slice(0, 16)}…): an export killed before recording it, or a pack put there. Look at it: auditpack verify ${join(artifactsDir, p.export_date)}; \`auditpack export --date ${p.export_date}\` keeps it aside and exports that day afresh`;
  for (const v of versions) {
    const sha = manifestSha256(join(artifactsDir, v.name));
    if (sha !== undefined && recorded.has(sha))
      return {
        previous: { export_date: p.export_date, manifest_sha256: sha },
        warning: `${PREVIOUS_PACK_UNRECORDED}: ${why}. previous_pack links ${v.name}, the newest version of that day the log records`,
      };
  }
  return {
    previous: null,
    warning: `${PREVIOUS_PACK_UNRECORDED}: ${why}. No version of that day is recorded either: previous_pack is null (an unvouched pack is never linked)`,
  };
}
