/**
 * The checks of a pack (docs/FORMAT.md, "The export pack"), applied to facts gathered from a pack
 * directory or a `.tar.gz` stream, as a list of small steps, one file each. Every byte read from
 * the pack is hostile: text is parsed with bounds, JSON is size-limited before JSON.parse, every
 * path is checked before it is trusted, and each defect becomes a finding.
 */
import { PACK_PATH, parsePackName } from '../format/pack.js';
import { judgeBagInfo, judgeBagit } from './judge-bag.js';
import { judgeLogFacts } from './judge-log-facts.js';
import { judgeManifestJson } from './judge-manifest-json.js';
import { judgeFileSet, judgePayloadManifest, judgeTagManifest } from './judge-manifests.js';
import { judgeSignature } from './judge-signature.js';
import type { ManifestSummary, PackFacts, TrustedKeys } from './pack-facts.js';
import { type Findings, printableName } from './report.js';

/** Judges the gathered facts. Returns what the archive needs from manifest.json. */
export function judgePack(
  facts: PackFacts,
  trust: TrustedKeys | undefined,
  f: Findings,
  manifestSha256: string | undefined,
): ManifestSummary {
  const dirDate = facts.dirName === undefined ? undefined : parsePackName(facts.dirName)?.date;
  judgeBagit(facts, f);
  const info = judgeBagInfo(facts, f);
  const entries = judgePayloadManifest(facts, f);
  judgeTagManifest(facts, f);
  judgeFileSet(facts, entries, f);
  const manifest = judgeManifestJson(facts, f, entries, dirDate, info, manifestSha256);
  // A pack copied under another name (an auditor's `copy-of-pack`) has no date in its name: its
  // dates are checked against its own export_date (bag-info.txt, the log's lines), and the report
  // says so. A name that is a date must be that date (PACK_DATE_MISMATCH: a replayed pack).
  if (facts.dirName !== undefined && dirDate === undefined && manifest.summary.exportDate !== undefined)
    f.add(
      'PACK_DATE_FROM_CONTENTS',
      'info',
      '.',
      `${printableName(facts.dirName)} is not named YYYY-MM-DD[.vN]: the pack's dates were checked against its export_date ${manifest.summary.exportDate}`,
    );
  judgeLogFacts(facts, f, manifest.parsed);
  judgeSignature(facts, trust, f);
  const tag = facts.files.get(PACK_PATH.tagmanifest)?.sha256;
  return tag === undefined ? manifest.summary : { ...manifest.summary, tagmanifestSha256: tag };
}
