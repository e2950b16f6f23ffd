/**
 * The manifest.json fields that point outside the pack or describe its log: the chain span, the
 * links to the previous pack, to a superseded version and (for a back-filled day) to the later
 * pack, and the recorded alert filter. Shapes are judged here; values against the log and the
 * archive elsewhere.
 */
import { isHashHex } from '../chain/index.js';
import type { RecordedAlertFilter } from '../format/pack.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';
import { isSafeRelativePath } from './checksum-file.js';
import { isHashOrNull, isObj, isSeqOrNull, isStringList, type Json } from './json-shapes.js';
import type { ManifestSummary } from './pack-facts.js';

/** Reports a malformed field of manifest.json. */
export type BadField = (field: string, what: string) => void;
type Manifest = Record<string, Json>;
type Link = { readonly exportDate: string; readonly manifestSha256: string };

/** `{export_date, manifest_sha256}` with a real date and a hash, or undefined. */
function linkOf(v: Json | undefined): Link | undefined {
  if (!isObj(v) || typeof v.export_date !== 'string' || dayNumberOfIsoDate(v.export_date) === undefined) return;
  return isHashHex(v.manifest_sha256) ? { exportDate: v.export_date, manifestSha256: v.manifest_sha256 } : undefined;
}

/** alert_filter: three lists of strings. */
export function readAlertFilter(m: Manifest, bad: BadField): RecordedAlertFilter | undefined {
  const af = m.alert_filter;
  if (isObj(af) && isStringList(af.categories) && isStringList(af.events) && isStringList(af.severities))
    return { categories: af.categories, events: af.events, severities: af.severities };
  bad('alert_filter', 'must be {categories, events, severities}, each a list of strings');
  return undefined;
}

/** inserted_before: absent, null, or a link (its order against export_date: checkInsertedBefore). */
export function readInsertedBefore(m: Manifest, bad: BadField): ManifestSummary['insertedBefore'] {
  const ib = m.inserted_before;
  if (ib === null) return null;
  const link = linkOf(ib);
  if (link === undefined && ib !== undefined) bad('inserted_before', 'must be null or {export_date, manifest_sha256}');
  return link;
}

/** A back-filled pack is inserted before a later day. */
export function checkInsertedBefore(
  insertedBefore: ManifestSummary['insertedBefore'],
  exportDate: string | undefined,
  bad: BadField,
): void {
  if (insertedBefore != null && exportDate !== undefined && insertedBefore.exportDate <= exportDate)
    bad('inserted_before.export_date', `(${insertedBefore.exportDate}) is not after export_date`);
}

/** chain: the span of the log, shape only (values against the log in judgeLogFacts). */
export function readChain(m: Manifest, bad: BadField): ManifestSummary['chain'] {
  const c = m.chain;
  if (
    !isObj(c) ||
    !isSeqOrNull(c.first_seq) ||
    !isSeqOrNull(c.last_seq) ||
    !isHashOrNull(c.start_prev) ||
    !isHashOrNull(c.end_hash)
  ) {
    bad('chain', 'needs first_seq, last_seq (whole numbers or null), start_prev and end_hash (64 hex or null)');
    return undefined;
  }
  return { firstSeq: c.first_seq, lastSeq: c.last_seq, startPrev: c.start_prev, endHash: c.end_hash };
}

/** previous_pack: null (the first pack) or a link to an earlier day. */
export function readPreviousPack(
  m: Manifest,
  exportDate: string | undefined,
  bad: BadField,
): ManifestSummary['previousPack'] {
  const pp = m.previous_pack;
  if (pp === null) return null;
  const link = linkOf(pp);
  if (link === undefined) {
    bad('previous_pack', 'must be null or {export_date, manifest_sha256}');
    return undefined;
  }
  if (exportDate !== undefined && link.exportDate >= exportDate)
    bad('previous_pack.export_date', `(${link.exportDate}) is not before export_date`);
  return link;
}

/** supersedes: null, or the version this pack replaced and where it was moved. */
export function readSupersedes(m: Manifest, bad: BadField): ManifestSummary['supersedes'] {
  const sp = m.supersedes;
  if (sp === null || sp === undefined) return null;
  if (isObj(sp) && isHashHex(sp.manifest_sha256) && typeof sp.moved_to === 'string' && isSafeRelativePath(sp.moved_to))
    return { manifestSha256: sp.manifest_sha256, movedTo: sp.moved_to };
  bad('supersedes', 'must be null or {manifest_sha256, moved_to}');
  return undefined;
}
