/**
 * verifyRollup: a roll-up pack (docs/FORMAT.md "Roll-ups", "Verifying a roll-up") proven intact or
 * its faults named, from itself and, when at hand, the roll-up of the day before beside it: the
 * BagIt bag and both signatures as for a pack, rollup.json and its chain hash, hosts.json against
 * rollup.json, the RFC 6962 root recomputed from the host packs' hashes, the link to the previous
 * roll-up, the merged CSVs' order and row counts against hosts.json, and findings.json's shape.
 * The host packs themselves are not needed (the roll-up layer re-verifies them when given).
 */
import { realpath } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { wrapFsError } from '../errors.js';
import { PACK_PATH, SIGNATURE_FILE } from '../format/pack.js';
import { ROLLUP_TAG_FILES } from '../format/rollup.js';
import { judgeBagInfo, judgeBagit } from './judge-bag.js';
import { judgePayloadManifest, judgeTagManifest } from './judge-manifests.js';
import { judgeSignature } from './judge-signature.js';
import { trustOf } from './pack-gather.js';
import type { PackFacts } from './pack-facts.js';
import type { VerifyPackOptions } from './pack-report.js';
import { walk } from './pack-walk.js';
import { Findings, makeReport, type VerifyReport } from './report.js';
import { gatherRollup, type RollupFacts } from './rollup-gather.js';
import { judgeFindingsFile, judgeMerged, judgeRecordSignature, judgeRollupFileSet } from './rollup-judge.js';
import { judgeRollupCarry } from './rollup-carry.js';
import { judgeCommitments } from './rollup-findings.js';
import { type HostFacts, judgeHostsFile, judgePrevious, judgeRecord } from './rollup-record.js';

/** What verifying a roll-up takes: the keys its signatures must be made with. */
export type VerifyRollupOptions = Pick<VerifyPackOptions, 'publicKeys' | 'allowedSigners'>;

/** A roll-up's report, with the hosts hosts.json lists (what a check of the host packs needs). */
export interface RollupReport extends VerifyReport {
  /** hosts.json's entries (host, verdict, manifest_sha256), when it could be read. */
  readonly hosts: readonly HostFacts[] | undefined;
  /** rollup.json's date, when it could be read. */
  readonly date: string | undefined;
}

/** The bag as a pack's judges see it: the same BagIt files, the same manifest rules. */
function asPackFacts(facts: RollupFacts): PackFacts {
  return {
    dirName: undefined,
    files: facts.files,
    tags: facts.tags,
    csv: new Map(),
    alerts: undefined,
    log: undefined,
  };
}

/**
 * Verifies the roll-up directory `dir` (`<roll-ups>/YYYY-MM-DD[.vN]/`). Expected failures are
 * findings; throws PATH_NOT_FOUND / READ_FAILED only when the directory itself cannot be read.
 */
export async function verifyRollup(dir: string, options: VerifyRollupOptions = {}): Promise<RollupReport> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (err) {
    throw wrapFsError(err, 'read', dir);
  }
  const f = new Findings();
  const found = await walk(real, f);
  const facts = await gatherRollup(real, found);
  const trust = trustOf(options);
  const bag = asPackFacts(facts);
  judgeBagit(bag, f);
  const info = judgeBagInfo(bag, f);
  const listed = judgePayloadManifest(bag, f);
  judgeTagManifest(bag, f, ROLLUP_TAG_FILES);
  judgeRollupFileSet(facts, listed, f);
  judgeSignature(bag, trust, f);
  judgeRecordSignature(facts, trust, f);
  const dirDate = /^(\d{4}-\d{2}-\d{2})(\.v\d+)?$/.exec(basename(real))?.[1];
  const record = judgeRecord(facts, f, dirDate);
  if (record !== undefined && info.size > 0 && info.get('Export-Date') !== record.date)
    f.add('PACK_BAG_INFO_INVALID', 'error', PACK_PATH.bagInfo, `Export-Date is not the roll-up's date ${record.date}`);
  const hosts = record === undefined ? undefined : judgeHostsFile(facts, record, f);
  if (record !== undefined) judgePrevious(dirname(real), record, f);
  const rows = hosts === undefined ? 0 : judgeMerged(facts, hosts, f);
  if (record !== undefined) {
    judgeCommitments(facts, record, f);
    judgeFindingsFile(facts, record, hosts, f);
    judgeRollupCarry(facts, record, dirname(real), f);
  }
  const checked = {
    files: facts.files.size,
    hosts: hosts?.length ?? 0,
    rows,
    signed: facts.tags.has(SIGNATURE_FILE) ? 1 : 0,
  };
  return { ...makeReport('rollup', dir, checked, f), hosts, date: record?.date };
}
