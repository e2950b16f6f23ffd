/**
 * A pack version's time-stamp as the chain recorded it (docs/FORMAT.md "An artifacts directory"):
 * `auditpack anchor --pack` chains a `system`/`PackTimestamped` event (`manifest_sha256`, `tsa_time`,
 * `tsa_serial`), an export with a TSA a `PackExported` event with `"timestamped": true` (and, since
 * it records them, the same two fields). The token a pack holds is held to these: gone, it was
 * deleted (TIMESTAMP_RECORDED_MISSING); another than every recorded one, it was swapped
 * (TIMESTAMP_RECORD_MISMATCH); a later re-anchoring's, the first recorded one is gone
 * (TIMESTAMP_REANCHORED, a warning).
 */
import { PACK_TOKEN_FILE } from '../format/anchor.js';
import type { PackInfo } from './archive-ledger.js';
import type { ExportEvent } from './chain-events.js';
import type { Findings } from './report.js';
import type { StampEvent } from './stamp-record.js';

/** A PackExported event that says the export got a token, as a recorded time-stamp. */
export function stampOfExport(e: ExportEvent): StampEvent | undefined {
  if (e.timestamped !== true) return undefined;
  return {
    event: 'PackExported',
    manifestSha256: e.manifestSha256,
    tsaTime: e.tsaTime,
    tsaSerial: e.tsaSerial,
    where: e.where,
    seq: e.seq,
    ...(e.logDay !== undefined ? { logDay: e.logDay } : {}),
  };
}

function describe(s: StampEvent): string {
  const token = s.tsaSerial !== undefined ? ` (token serial ${s.tsaSerial}, TSA time ${s.tsaTime ?? '?'})` : '';
  return `the ${s.event} event seq ${s.seq} in ${s.where}${token}`;
}

/** The recorded time-stamps of one manifest, each event once (a pack's log and a live file may both hold it), in chain order. */
function recordsOf(sha: string, stamps: readonly StampEvent[]): StampEvent[] {
  const seen = new Set<string>();
  const out: StampEvent[] = [];
  for (const s of stamps) {
    if (s.manifestSha256 !== sha) continue;
    const k = s.logDay === undefined ? `${s.where}\u0000${s.seq}` : `${s.logDay}\u0000${s.seq}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(s);
  }
  return out.sort((a, b) =>
    (a.logDay ?? '') < (b.logDay ?? '') ? -1 : (a.logDay ?? '') > (b.logDay ?? '') ? 1 : a.seq - b.seq,
  );
}

/**
 * Holds each pack (directory or `.tar.gz`, any version) to the time-stamps the chain recorded for
 * its manifest (`stamps`: of the packs' own logs and the live log when read).
 */
export function checkRecordedTokens(all: readonly PackInfo[], stamps: readonly StampEvent[], f: Findings): void {
  for (const p of all) {
    const sha = p.report.manifest.manifestSha256;
    if (sha === undefined) continue;
    const records = recordsOf(sha, stamps);
    const first = records[0];
    if (first === undefined) continue;
    const file = `${p.name}/${PACK_TOKEN_FILE}`;
    if ((p.report.checked.timestamped ?? 0) === 0) {
      // A .tar.gz made before `anchor --pack` added the token to the directory never had it: only
      // the export's own record holds a .tar.gz to one, while the directory is there. With the
      // directory gone, the tar is all that is left of a manifest the chain records as time-stamped,
      // and the recorded token is lost with it.
      const held =
        p.report.kind === 'pack-tar'
          ? (records.find((r) => r.event === 'PackExported') ?? (hasDirectory(all, sha) ? undefined : first))
          : first;
      if (held !== undefined)
        f.add(
          'TIMESTAMP_RECORDED_MISSING',
          'error',
          file,
          held.event === 'PackExported' || p.report.kind !== 'pack-tar'
            ? `${describe(held)} records this manifest (${sha.slice(0, 12)}…) as time-stamped, but ${p.name} holds no time-stamp token (${PACK_TOKEN_FILE}): it was removed after it was recorded`
            : `${describe(held)} records this manifest (${sha.slice(0, 12)}…) as time-stamped, but no pack directory of it is left, and ${p.name} (made before the directory was anchored) holds no time-stamp token (${PACK_TOKEN_FILE}): the time-stamped directory was removed after its token was recorded`,
        );
      continue;
    }
    const token = p.report.token;
    if (token?.tsaSerial === undefined) continue; // unreadable: the token check says why
    const match = records.find((r) => r.tsaSerial === token.tsaSerial && r.tsaTime === token.tsaTime);
    if (match === undefined) {
      // An export recorded before the events named the token cannot say which it was.
      if (records.some((r) => r.tsaSerial === undefined)) continue;
      f.add(
        'TIMESTAMP_RECORD_MISMATCH',
        'error',
        file,
        `the token (serial ${token.tsaSerial}, TSA time ${token.tsaTime ?? '?'}) is none of those the chain recorded for this manifest (${records.map(describe).join('; ')}): the token was swapped after it was recorded`,
      );
    } else if (match !== first && (first.tsaSerial === undefined || first.tsaSerial !== match.tsaSerial)) {
      f.add(
        'TIMESTAMP_REANCHORED',
        'warning',
        file,
        `the token is the one ${describe(match)} recorded, but ${describe(first)} recorded an earlier one, which is gone: the first token was removed and the pack anchored again (it proves a later time than the first did)`,
      );
    }
  }
}

/** Whether a pack directory (any version) of this manifest is in the archive: the one `anchor --pack` time-stamps. */
function hasDirectory(all: readonly PackInfo[], sha: string): boolean {
  return all.some((q) => q.report.kind !== 'pack-tar' && q.report.manifest.manifestSha256 === sha);
}
