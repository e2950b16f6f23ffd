/**
 * `rollupDay`: one firm-wide day from every host's pack. Each pack is verified; the verified ones'
 * orders and fills are merged in time order; hosts.json says per host what was received and how it
 * judged; findings name what is missing, late, failing, silent or skewed; rollup.json commits to the
 * host packs (an RFC 6962 tree over their manifest hashes, sorted by host) and to the previous
 * day's roll-up (docs/FORMAT.md, "Roll-ups").
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AuditpackError } from '../errors.js';
import { printableName } from '../verify/report.js';
import { carriedStateJson, stateFileText } from '../compliance/carry.js';
import {
  type ComplianceReport,
  defaultPolicy,
  findingsCsv,
  PolicyTimeline,
  policyFromText,
  reportJson,
} from '../compliance/index.js';
import { compareBytes, PACK_PATH, PAYLOAD_DIR } from '../format/pack.js';
import {
  HOST_NAME,
  hostLeafData,
  renderRollupRecord,
  ROLLUP_COMMITTED_FILES,
  ROLLUP_COMPLIANCE_FINDINGS,
  ROLLUP_COMPLIANCE_REPORT,
  ROLLUP_COMPLIANCE_STATE,
  ROLLUP_COMPLIANCE_STATE_START,
  ROLLUP_FILLS,
  ROLLUP_FINDINGS,
  ROLLUP_FORMAT,
  ROLLUP_HOSTS,
  ROLLUP_ORDERS,
  ROLLUP_TMP_PREFIX,
  type RollupChainFields,
  type RollupCommittedField,
  rollupChainHash,
  type RollupRecord,
} from '../format/rollup.js';
import { merkleRoot } from '../merkle/index.js';
import { HashingWriter, type WrittenFile, writeNewFile } from '../fsx/byte-sink.js';
import { removeTree } from '../fsx/dirs.js';
import { abandonRollupDir, previousRollup, sealRollup, startRollupDir } from './bag.js';
import {
  type HostPack,
  type HostSource,
  hostsSignedBy,
  loadHostPack,
  requireSources,
  type RollupFinding,
} from './hosts.js';
import { mergedStartState } from './carry.js';
import { checkMergedCompliance } from './compliance.js';
import { judgeHosts } from './judge.js';
import { lockRollups, refuseOutOfOrder, removeRollupLeftovers } from './lock.js';
import { type ArchiveSource, fetchArchiveSources } from './sources.js';
import { mergeHostCsvs, type MergeResult } from './merge.js';
import { hostsCommonTimeline, policyMismatches } from './policy-match.js';

export interface RollupOptions {
  readonly date: string;
  readonly sources: readonly HostSource[];
  /** Also every host pack of the day in the archive's bucket: `<prefix><host>/<date>.tar.gz`. */
  readonly archive?: ArchiveSource;
  /** Expected hosts (from a hosts file). */
  readonly expected?: readonly string[];
  /** Where roll-ups are kept: `<outDir>/<date>/`; the previous day's is looked for here. */
  readonly outDir: string;
  readonly version: string;
  readonly signingKey?: KeyObject;
  /** Keys host packs must be signed with. */
  readonly publicKeys?: readonly KeyObject[];
  /** The compliance policy for the merged stream (`--policy`); default: the hosts' common recorded one. */
  readonly policy?: PolicyTimeline;
  /**
   * The policy when no `policy` is given and the verified hosts recorded none in common (they differ,
   * or have no compliance report); default: the built-in policy.
   */
  readonly fallbackPolicy?: PolicyTimeline;
  readonly graceHours?: number;
  readonly maxSkewMs?: number;
  readonly force?: boolean;
  readonly now?: () => Date;
}

export interface RollupResult {
  readonly dir: string;
  readonly record: RollupRecord;
  readonly hosts: readonly HostEntry[];
  readonly findings: readonly RollupFinding[];
  readonly rows: { readonly orders: number; readonly fills: number };
  /** The compliance checks over the merged stream (also in the roll-up pack). */
  readonly compliance: ComplianceReport;
}

/** One host in hosts.json. */
export interface HostEntry {
  readonly host: string;
  readonly verdict: 'ok' | 'failed';
  readonly problems: readonly string[];
  readonly manifest_sha256: string;
  /** The host's leaf index in the roll-up tree, or null: a pack that failed is not in the tree. */
  readonly leaf: number | null;
  readonly created_at: unknown;
  readonly partial: boolean;
  readonly chain: unknown;
  readonly events: unknown;
  readonly rows: unknown;
  readonly line_tree: unknown;
  readonly heartbeat_s: number | null;
  readonly heartbeats: number;
  readonly silent: readonly unknown[];
  readonly clock_behind: unknown;
  readonly merged_out_of_order: number;
}

/** Every source: the `--from` ones, then the bucket's (downloaded into `stage`). */
async function allSources(o: RollupOptions, stage: string, findings: RollupFinding[]): Promise<HostSource[]> {
  if (o.archive === undefined) return [...o.sources];
  const fetched = await fetchArchiveSources(o.archive, o.date, stage);
  if (fetched.length === 0)
    findings.push({
      code: 'ROLLUP_SOURCE_EMPTY',
      severity: 'warning',
      host: null,
      detail: `bucket ${o.archive.settings.bucket} holds no ${o.archive.prefix}<host>/${o.date}.tar.gz`,
    });
  return [...o.sources, ...fetched];
}

async function loadAll(o: RollupOptions, stage: string, findings: RollupFinding[]): Promise<HostPack[]> {
  const byHost = new Map<string, HostPack>();
  const trust = o.publicKeys === undefined ? {} : { publicKeys: o.publicKeys };
  const contradicted: string[] = [];
  for (const src of await allSources(o, stage, findings)) {
    const p = await loadHostPack(src, o.date, trust, findings, stage);
    if (p === undefined) continue;
    if (p.scan.namedSeen === false)
      contradicted.push(
        `${p.host} (${printableName(p.packDir)}: its lines say ${JSON.stringify(p.scan.host)?.slice(0, 80)})`,
      );
    // The same pack under two names would let one host's day stand in for another's.
    const first = byHost.get(p.host) ?? [...byHost.values()].find((q) => q.manifestSha256 === p.manifestSha256);
    if (first !== undefined) {
      findings.push({
        code: 'ROLLUP_HOST_DUPLICATE',
        severity: 'error',
        host: p.host,
        detail: `${first.host === p.host ? `two packs claim ${p.host}` : `${p.host}'s pack is ${first.host}'s`}: ${first.packDir} (used) and ${p.packDir} (left out)`,
      });
      continue;
    }
    byHost.set(p.host, p);
  }
  // A pack no line of which says the host it is given for is another host's day (swapped --from
  // names): rolled up, its lines would be proven under the wrong host. A log directory shared
  // between hosts still holds lines of the named host (ROLLUP_HOST_MIXED, a warning).
  if (contradicted.length > 0)
    throw new AuditpackError(
      'ROLLUP_HOST_CONTRADICTED',
      `--from HOST=DIR names a pack no line of which is of that host: ${contradicted.slice(0, 8).join('; ')}${contradicted.length > 8 ? ` (and ${contradicted.length - 8} more)` : ''}; check the --from names (nothing was written)`,
    );
  return [...byHost.values()].sort((a, b) => compareBytes(a.host, b.host));
}

function hostEntry(p: HostPack, merged: MergeResult, leaf: number | null): HostEntry {
  const m = p.manifest;
  return {
    host: p.host,
    verdict: p.verdict,
    problems: p.problems,
    manifest_sha256: p.manifestSha256,
    leaf,
    created_at: m.created_at ?? null,
    partial: m.partial === true,
    chain: m.chain ?? null,
    events: m.events?.total ?? null,
    rows: m.rows ?? null,
    line_tree: m.line_tree ?? null,
    heartbeat_s: p.scan.heartbeatSeconds ?? null,
    heartbeats: p.scan.heartbeats,
    silent: p.scan.silent,
    clock_behind: merged.skew.result().get(p.host) ?? null,
    merged_out_of_order: merged.outOfOrder[p.host] ?? 0,
  };
}

function mergeVerified(
  packs: readonly HostPack[],
  tmp: string,
): { merged: MergeResult; files: Record<string, WrittenFile> } {
  const orders = new HashingWriter(join(tmp, PAYLOAD_DIR, ROLLUP_ORDERS));
  const fills = new HashingWriter(join(tmp, PAYLOAD_DIR, ROLLUP_FILLS));
  const sink = (w: HashingWriter) => ({
    write: (b: Buffer | string) => (typeof b === 'string' ? w.write(b) : w.writeBytes(b)),
  });
  try {
    const merged = mergeHostCsvs(
      packs
        .filter((p) => p.verdict === 'ok')
        .map((p) => ({
          host: p.host,
          ordersCsv: join(p.packDir, PAYLOAD_DIR, ROLLUP_ORDERS),
          fillsCsv: join(p.packDir, PAYLOAD_DIR, ROLLUP_FILLS),
        })),
      { orders: sink(orders), fills: sink(fills) },
    );
    return { merged, files: { [ROLLUP_ORDERS]: orders.finish(), [ROLLUP_FILLS]: fills.finish() } };
  } catch (err) {
    orders.abandon();
    fills.abandon();
    throw err;
  }
}

/** The compliance checks over the verified hosts' merged logs, written as the pack's report and CSV. */
function complianceFiles(
  o: RollupOptions,
  packs: readonly HostPack[],
  tmp: string,
  files: Record<string, WrittenFile>,
  findings: RollupFinding[],
  previous: RollupRecord['previous'],
): ComplianceReport {
  const timeline =
    o.policy ??
    hostsCommonTimeline(packs) ??
    o.fallbackPolicy ??
    new PolicyTimeline([
      policyFromText(defaultPolicy().text, { from: null, source: 'built-in', snapshot_id: null, path: 'built-in' }),
    ]);
  const inputs = packs
    .filter((p) => p.verdict === 'ok')
    .map((p) => ({ host: p.host, log: join(p.packDir, PACK_PATH.log) }));
  const start = mergedStartState(
    o.outDir,
    previous?.date ?? null,
    packs.filter((p) => p.verdict === 'ok'),
    o.date,
    o.signingKey === undefined ? undefined : createPublicKey(o.signingKey),
  );
  for (const m of start.missing)
    findings.push({
      code: 'ROLLUP_HOST_NO_CARRY',
      severity: 'warning',
      host: m.host,
      detail: `the merged compliance checks start without ${m.host}'s state at midnight: ${m.why}; a kill switch, session or order it held open is not known to them`,
    });
  const { report, end } = checkMergedCompliance(inputs, o.date, timeline, start);
  // Both states held to MAX_STATE_BYTES, which their readers take (the union of the hosts' starts
  // can be larger than any host's): COMPLIANCE_STATE_TOO_LARGE rather than a roll-up they refuse.
  files[ROLLUP_COMPLIANCE_STATE_START] = writeNewFile(
    join(tmp, PAYLOAD_DIR, ROLLUP_COMPLIANCE_STATE_START),
    stateFileText(start.text),
  );
  files[ROLLUP_COMPLIANCE_STATE] = writeNewFile(
    join(tmp, PAYLOAD_DIR, ROLLUP_COMPLIANCE_STATE),
    stateFileText(carriedStateJson(end)),
  );
  files[ROLLUP_COMPLIANCE_REPORT] = writeNewFile(join(tmp, PAYLOAD_DIR, ROLLUP_COMPLIANCE_REPORT), reportJson(report));
  files[ROLLUP_COMPLIANCE_FINDINGS] = writeNewFile(
    join(tmp, PAYLOAD_DIR, ROLLUP_COMPLIANCE_FINDINGS),
    findingsCsv(report),
  );
  return report;
}

/**
 * Builds the roll-up of `o.date` in `<o.outDir>/<date>/`, holding the roll-ups directory's lock
 * throughout: runs take turns, a killed run's leftovers are removed, and a day before the newest
 * roll-up is refused (ROLLUP_OUT_OF_ORDER) so no chain link goes stale.
 */
export async function rollupDay(o: RollupOptions): Promise<RollupResult> {
  // The expected hosts go into rollup.json and its chain hash: a name there must read back as one.
  const badName = o.expected?.find((h) => !HOST_NAME.test(h));
  if (badName !== undefined)
    throw new AuditpackError('USAGE', `expected host ${JSON.stringify(badName.slice(0, 80))} is not a host name`);
  requireSources(o.sources);
  const release = await lockRollups(o.outDir);
  try {
    removeRollupLeftovers(o.outDir);
    if (o.force !== true && existsSync(join(o.outDir, o.date)))
      throw new AuditpackError(
        'PACK_EXISTS',
        `a roll-up of ${o.date} exists in ${o.outDir} (give --force to replace it)`,
      );
    refuseOutOfOrder(o.outDir, o.date);
    // Host packs that come as .tar.gz (or from the bucket) are unpacked here, inside the lock, so a
    // killed run's staging is removed with its other leftovers.
    const stage = join(o.outDir, `${ROLLUP_TMP_PREFIX}src-${o.date}-${process.pid}`);
    try {
      return await buildRollup(o, stage);
    } finally {
      removeTree(stage);
    }
  } finally {
    release();
  }
}

async function buildRollup(o: RollupOptions, stage: string): Promise<RollupResult> {
  const findings: RollupFinding[] = [];
  const packs = await loadAll(o, stage, findings);
  const sharing = o.signingKey === undefined ? [] : hostsSignedBy(createPublicKey(o.signingKey), packs);
  if (sharing.length > 0)
    throw new AuditpackError(
      'USAGE',
      `the signing key signed the pack of ${sharing.join(', ')}: a roll-up signed with a host's key can be edited and signed again by whoever holds that key (verify names it ROLLUP_SIGNED_BY_HOST_KEY); sign roll-ups with a key of their own (auditpack keygen)`,
    );
  const previous = previousRollup(o.outDir, o.date);
  const dirs = startRollupDir(o.outDir, o.date, o.force === true);
  try {
    return writeRollup(o, packs, findings, previous, dirs);
  } catch (err) {
    abandonRollupDir(dirs);
    throw err;
  }
}

/** Version 3's digests of every payload file but hosts.json, by rollup.json field. */
function committedDigests(files: Record<string, WrittenFile>): Record<RollupCommittedField, string> {
  const out: Partial<Record<RollupCommittedField, string>> = {};
  for (const c of ROLLUP_COMMITTED_FILES) out[c.field] = (files[c.file] as WrittenFile).sha256;
  return out as Record<RollupCommittedField, string>;
}

function writeRollup(
  o: RollupOptions,
  packs: readonly HostPack[],
  findings: RollupFinding[],
  previous: RollupRecord['previous'],
  dirs: { tmp: string; final: string },
): RollupResult {
  const { merged, files } = mergeVerified(packs, dirs.tmp);
  const compliance = complianceFiles(o, packs, dirs.tmp, files, findings, previous);
  findings.push(
    ...judgeHosts(packs, merged.skew.result(), {
      date: o.date,
      expected: o.expected,
      graceHours: o.graceHours ?? 6,
      maxSkewMs: o.maxSkewMs ?? 1,
    }),
  );
  findings.push(...policyMismatches(packs, compliance));
  // Only packs that verified are committed in the tree: a proof must never vouch for a line of a
  // pack that failed (a forger who fixed every hash but the signature would otherwise get one).
  const inTree = packs.filter((p) => p.verdict === 'ok');
  const hosts = packs.map((p) => hostEntry(p, merged, p.verdict === 'ok' ? inTree.indexOf(p) : null));
  const hostsText = `${JSON.stringify({ format: ROLLUP_FORMAT, date: o.date, hosts }, null, 2)}\n`;
  files[ROLLUP_HOSTS] = writeNewFile(join(dirs.tmp, PAYLOAD_DIR, ROLLUP_HOSTS), hostsText);
  files[ROLLUP_FINDINGS] = writeNewFile(
    join(dirs.tmp, PAYLOAD_DIR, ROLLUP_FINDINGS),
    `${JSON.stringify({ format: ROLLUP_FORMAT, date: o.date, findings }, null, 2)}\n`,
  );
  const treeRoot = merkleRoot(inTree.map((p) => hostLeafData(p.host, p.manifestSha256))).toString('hex');
  const fields: RollupChainFields = {
    format: ROLLUP_FORMAT,
    date: o.date,
    hosts: inTree.length,
    tree_root: treeRoot,
    previous,
    hosts_sha256: (files[ROLLUP_HOSTS] as WrittenFile).sha256,
    expected_hosts: o.expected === undefined ? null : [...new Set(o.expected)].sort(compareBytes),
    ...committedDigests(files),
  };
  const record: RollupRecord = {
    ...fields,
    created_at: (o.now?.() ?? new Date()).toISOString(),
    chain_hash: rollupChainHash(fields),
  };
  sealRollup(dirs, files, renderRollupRecord(record), {
    date: o.date,
    version: o.version,
    ...(o.signingKey === undefined ? {} : { signingKey: o.signingKey }),
  });
  return { dir: dirs.final, record, hosts, findings, rows: merged.rows, compliance };
}
