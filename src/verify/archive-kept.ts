/**
 * The versions a re-run kept aside unrecorded. A plain `export --date D` that finds a current pack no
 * `PackExported` event records (an export killed before its event, or a pack put there) keeps it as
 * `D.vN` and records the new pack's event with `supersedes_unrecorded: true`. That `D.vN` then sits
 * among the superseded versions, where every other one was recorded when it was made: without a
 * word, a reader takes it for a version the day's exports vouched for. It is named instead.
 */
import { PACK_PATH } from '../format/pack.js';
import type { PackInfo } from './archive-ledger.js';
import type { ExportEvent } from './chain-events.js';
import type { Findings } from './report.js';

/**
 * Warns on each version (directory or `.tar.gz`) that an export event with `supersedes_unrecorded`
 * kept aside: of its day, with the manifest the event names as superseded.
 */
export function checkKeptUnrecorded(packs: readonly PackInfo[], events: readonly ExportEvent[], f: Findings): void {
  const named = new Set<string>();
  for (const e of events) {
    const kept = e.keptUnrecorded;
    if (kept === undefined) continue;
    for (const p of packs) {
      if (p.date !== e.date || p.version === undefined || named.has(p.name)) continue;
      if (p.report.manifest.manifestSha256 !== kept.manifestSha256) continue;
      named.add(p.name);
      f.add(
        'ARCHIVE_VERSION_UNRECORDED',
        'warning',
        `${p.name}/${PACK_PATH.manifestJson}`,
        `the PackExported event seq ${e.seq} in ${e.where} kept this version aside as ${kept.movedTo} unrecorded ("supersedes_unrecorded": true): no export event vouches for it (an export killed before recording its event, or a pack put in place by hand), unlike a superseded version a recorded export made. Look at it before relying on it; it is kept, never vouched for`,
      );
    }
  }
}
