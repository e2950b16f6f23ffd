/**
 * What a pack verified on its own cannot prove, said plainly. Inside a pack every byte is covered by
 * a hash the pack itself holds, so whoever can write an unsigned pack can rewrite it whole (log,
 * report, manifests) and it still agrees with itself; and the checks its files were derived under
 * (the compliance policy, the alert filter) are vouched for only where the pack's config snapshot
 * records them. A signature checked only against the key it carries pins nothing (anyone can make
 * a key). Pinned from outside (a signature checked against a trusted key) none of this is said; in an artifacts directory the next pack's link and the live log pin a pack instead, and
 * the archive's own findings speak for its newest pack.
 */
import { join } from 'node:path';
import { PACK_PATH } from '../format/pack.js';
import { readBoundedBuffer } from './compliance.js';
import { peekAlertFilter } from './pack-gather.js';
import type { PackReport, VerifyPackOptions } from './pack-report.js';
import {
  alertFilterUnbound,
  policyProvenance,
  type ReportPolicies,
  reportPoliciesOf,
  snapshotFactsOf,
} from './provenance.js';
import type { Problem, VerifyReport } from './report.js';
import { unparsedProvenance } from './unparsed-notes.js';

/** The most of each file the notes read into memory; a larger one is not judged (as a directory's). */
export const MAX_PROVENANCE_BYTES = 256 * 1024 * 1024;

/**
 * The files the notes read: a `.tar.gz` reader keeps these (bounded) from its one pass when asked
 * with `keepProvenance`, so a tarball gets the same notes as its directory without a second read.
 */
export const PROVENANCE_FILES: readonly string[] = Object.freeze([
  PACK_PATH.manifestJson,
  PACK_PATH.complianceReport,
  PACK_PATH.configSnapshot,
]);

/**
 * The report of a standalone pack, with what nothing outside the pack pins (warnings). The files
 * are read from `dir` (a pack directory), else taken from the report's `provenance` (a `.tar.gz`
 * read with `keepProvenance`), which the returned report no longer carries.
 */
export async function withStandaloneNotes(
  full: PackReport,
  dir: string | undefined,
  options: VerifyPackOptions,
): Promise<PackReport> {
  const { provenance, reportPolicies, ...report } = full;
  const trusted = options.publicKeys !== undefined || options.allowedSigners !== undefined;
  const signed = report.checked.signed === 1;
  // The report's policies as the check read them (a directory's): the report is not read again.
  const files = dir === undefined ? provenance : await provenanceOf(dir, reportPolicies === undefined);
  // Said signed or not: a signature pins the bytes, not that the checks ran.
  const checksOff = files === undefined ? undefined : checksOffOf(files.get(PACK_PATH.manifestJson));
  const off: Problem[] = checksOff === undefined ? [] : [checksOff];
  if (signed && trusted) return off.length === 0 ? report : { ...report, problems: [...report.problems, ...off] };
  const added: Problem[] = [...off];
  // A signature checked only against the key it carries pins nothing: whoever can write the pack
  // can sign it with a key made a second earlier. So it is the same warning as no signature.
  added.push({
    code: 'PACK_UNSIGNED_UNPINNED',
    severity: 'warning',
    file: PACK_PATH.signature,
    detail: `${signed ? 'the pack is signed, but by a key nobody trusted here (no --pubkey/--allowed-signers: the signature was checked only against the key inside it), and was verified alone: whoever can write it can sign it with a key of their own' : 'the pack is unsigned and was verified alone: whoever can write it'} can rewrite it whole (log, reports, manifests, every hash) and it stays consistent. Pin it: a signature checked with --pubkey/--allowed-signers, or verify the artifacts directory (the next pack links to it) with --log-dir (the live log records its manifest hash)`,
  });
  if (files !== undefined) added.push(...unboundOf(files, reportPolicies));
  return added.length === 0 ? report : { ...report, problems: [...report.problems, ...added] };
}

/**
 * The report of a roll-up verified alone, with the warning a pack verified alone gets: an unsigned
 * roll-up, or one whose signatures no trusted key was given for, can be re-made whole by whoever can
 * write the roll-ups directory (hosts.json, the tree root, the chain hash, findings.json, the merged
 * files, every manifest) and stays consistent. Same code as for a pack, so checks keyed on it hold.
 */
export function withRollupStandaloneNote<R extends VerifyReport>(report: R, options: VerifyPackOptions): R {
  const trusted = options.publicKeys !== undefined || options.allowedSigners !== undefined;
  const signed = report.checked.signed === 1;
  if (signed && trusted) return report;
  const note: Problem = {
    code: 'PACK_UNSIGNED_UNPINNED',
    severity: 'warning',
    file: PACK_PATH.signature,
    detail: `${signed ? 'the roll-up is signed, but by a key nobody trusted here (no --pubkey/--allowed-signers)' : 'the roll-up is unsigned'} and was verified alone: whoever can write it can rewrite it whole (hosts.json, the tree root and chain hash, findings.json, the merged files, every manifest) and it stays consistent. Pin it: signatures checked with --pubkey/--allowed-signers, or the host packs at hand (--from) and the next day's roll-up beside it (its previous link)`,
  };
  return { ...report, problems: [...report.problems, note] };
}

/**
 * What proves a policy the pack alone cannot (a text redacted again under the holder's id and hash is
 * the forger's as much as an honest export's: the pack does not hold the stored copy, and must not,
 * for it would carry what the export's rules now call secret): the report is pinned where the pack's
 * manifest is, so a re-made report fails there.
 */
const PROVE_POLICY =
  "Nothing in the pack proves this policy: prove the report by a signature checked with --pubkey/--allowed-signers, or verify the artifacts directory with --log-dir (the live log's PackExported event records this pack's manifest SHA-256) or with the next day's pack beside it (its log holds that event, and its previous_pack link the manifest hash): a re-made report fails there (ARCHIVE_EXPORT_MISMATCH, ARCHIVE_LINK_BROKEN)";

/** The compliance files a pack made with the checks lists in manifest.json `files`. */
const COMPLIANCE_FILES: readonly string[] = [
  PACK_PATH.complianceReport,
  PACK_PATH.complianceFindings,
  PACK_PATH.reportHtml,
];

/**
 * COMPLIANCE_CHECKS_OFF when manifest.json lists none of the compliance files but has `line_tree`:
 * every version that writes `line_tree` also writes the compliance files unless its export was told
 * not to (the library's `compliance: false`), so such a pack is not one made before the checks
 * existed, which it would otherwise read as (docs/compliance.md). The manifest is what the tag
 * manifest (and a signature) covers; a manifest that does not parse is reported elsewhere.
 */
function checksOffOf(buf: Buffer | undefined): Problem | undefined {
  if (buf === undefined) return undefined;
  let m: { files?: unknown; line_tree?: unknown } | null;
  try {
    m = JSON.parse(buf.toString('utf8')) as typeof m;
  } catch {
    return undefined;
  }
  if (m === null || typeof m !== 'object' || m.files === null || typeof m.files !== 'object') return undefined;
  if (m.line_tree === undefined || m.line_tree === null) return undefined;
  const listed = m.files as Record<string, unknown>;
  if (COMPLIANCE_FILES.some((p) => Object.hasOwn(listed, p))) return undefined;
  return {
    code: 'COMPLIANCE_CHECKS_OFF',
    severity: 'warning',
    file: PACK_PATH.manifestJson,
    detail: `the pack holds no compliance report, findings CSV or page, but was made by a version that writes them (manifest.json has line_tree): its export ran with the compliance checks turned off (the library's compliance: false), or the files were removed and the manifests re-made. Nothing in it shows that the day was checked; re-export the day (export --force) to have the checks run`,
  };
}

/** The files the notes read, from a pack directory (each bounded; a missing or larger one is absent). */
async function provenanceOf(dir: string, withReport: boolean): Promise<ReadonlyMap<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const rel of PROVENANCE_FILES) {
    if (rel === PACK_PATH.complianceReport && !withReport) continue;
    const buf = await readBoundedBuffer(join(dir, rel), MAX_PROVENANCE_BYTES);
    if (buf !== undefined) out.set(rel, buf);
  }
  return out;
}

/**
 * The policies and the alert filter that nothing in the pack vouches for. `known`: the report's
 * policies as the check read them (null: none), else they are read from `files`.
 */
function unboundOf(files: ReadonlyMap<string, Buffer>, known: ReportPolicies | null | undefined): Problem[] {
  const out: Problem[] = [];
  const filter = peekAlertFilter(files.get(PACK_PATH.manifestJson));
  const why = filter === undefined ? undefined : alertFilterUnbound(filter);
  if (why !== undefined)
    out.push({ code: 'ALERT_FILTER_UNBOUND', severity: 'warning', file: PACK_PATH.manifestJson, detail: why });
  const rep = files.get(PACK_PATH.complianceReport);
  const policies = known !== undefined ? (known ?? undefined) : rep === undefined ? undefined : policiesOf(rep);
  if (policies === undefined) return out; // no report, or one the re-check already reports as broken
  const snap = snapshotFactsOf(files.get(PACK_PATH.configSnapshot));
  for (const u of [
    ...policyProvenance(policies.list, policies.notes, snap).unbound,
    ...unparsedProvenance(policies.notes, policies.unparsed, snap).unbound,
  ])
    out.push({
      code: 'COMPLIANCE_POLICY_UNBOUND',
      severity: 'warning',
      file: PACK_PATH.complianceReport,
      detail: `${u}. ${PROVE_POLICY}`,
    });
  return out;
}

/** The recorded policies when the report has the shape the re-check requires; else undefined. */
function policiesOf(buf: Buffer): ReportPolicies | undefined {
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
  return reportPoliciesOf(v);
}
