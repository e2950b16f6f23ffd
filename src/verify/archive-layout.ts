/**
 * The compliance files across the kept packs: a pack made without them verifies on its own (packs
 * of earlier versions have none), so a day whose report was left out (an export with the checks
 * turned off, or the files stripped and the manifests re-made) would pass unseen. Versions only
 * ever add the files: a current pack without a compliance report, of a later day than a pack that
 * has one, was not made by the layout of its time.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { PACK_PATH, PRUNED_LEDGER } from '../format/pack.js';
import type { LedgerEntry, PackInfo } from './archive-ledger.js';
import type { Findings } from './report.js';

async function hasReport(artifactsDir: string, p: PackInfo): Promise<boolean> {
  const st = await lstat(join(artifactsDir, p.name, PACK_PATH.complianceReport)).catch(() => undefined);
  return st !== undefined;
}

/** Names every current pack without a compliance report that follows (by day) one that has it. */
export async function checkComplianceLayout(
  artifactsDir: string,
  current: readonly PackInfo[],
  f: Findings,
): Promise<void> {
  const days = [...current].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  let since: string | undefined;
  for (const p of days) {
    if (await hasReport(artifactsDir, p)) {
      since ??= p.date;
      continue;
    }
    if (since === undefined) continue; // packs made before the checks existed
    f.add(
      'COMPLIANCE_FILES_MISSING',
      'error',
      `${p.name}/${PACK_PATH.complianceReport}`,
      `the pack of ${p.date} holds no compliance report, but the pack of ${since} (an earlier day) has one: the day's checks were left out (an export with the checks off, or the files removed); re-export ${p.date} (export --force)`,
    );
  }
}

/**
 * A day with superseded versions (`D.vN`, directory or `.tar.gz`) but no current pack (`D/` or
 * `D.tar.gz`) that no ledger entry removed: an `export --force` killed between moving the old pack
 * aside and moving the new one in (run it again), or the current pack renamed or removed. A
 * warning, since the crash is honest; but never silent (at58 F7: the newest pack renamed `D.v1`
 * verified intact, its day gone from the archive's newest evidence). Named on the newest version.
 */
export function checkDaysWithoutCurrent(all: readonly PackInfo[], removed: readonly LedgerEntry[], f: Findings): void {
  const current = new Set(all.filter((p) => p.version === undefined).map((p) => p.date));
  const pruned = new Set(removed.map((e) => e.exportDate));
  const newest = new Map<string, PackInfo>();
  for (const p of all) {
    if (p.version === undefined || current.has(p.date) || pruned.has(p.date)) continue;
    const seen = newest.get(p.date);
    if (seen === undefined || (seen.version as number) < p.version) newest.set(p.date, p);
  }
  for (const [date, p] of [...newest].sort(([a], [b]) => (a < b ? -1 : 1)))
    f.add(
      'ARCHIVE_CURRENT_MISSING',
      'warning',
      p.name,
      `${date} has superseded versions but no current pack (${date}/ or ${date}.tar.gz), and ${PRUNED_LEDGER} records none removed: an export --force killed before it moved the new pack in (run it again), or the current pack renamed or removed`,
    );
}
