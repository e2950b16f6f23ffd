/**
 * `proveLines`: a small, self-contained proof that chosen log lines are in a host pack that is in a
 * signed roll-up (docs/FORMAT.md, "Proofs"). The lines' inclusion proofs are made against the pack's
 * line tree in two reads of its log (find the lines, then prove them with memory proportional to
 * their number times log2 of the log's size); the host's against the roll-up's tree.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanLines } from '../chain/lines.js';
import { AuditpackError, wrapFsError, quotePath } from '../errors.js';
import { recoversFragment } from '../format/event-line.js';
import { seqText } from '../format/log-line.js';
import { PACK_PATH, PAYLOAD_DIR } from '../format/pack.js';
import {
  hostLeafData,
  PROOF_FORMAT,
  type ProofFile,
  type ProofHost,
  isRollupFormat,
  ROLLUP_FORMAT,
  ROLLUP_HOSTS,
  ROLLUP_RECORD,
  ROLLUP_SIGNATURE,
  type RollupRecord,
} from '../format/rollup.js';
import { leafHash, lineLeafHash, MerkleProver, merkleRoot } from '../merkle/index.js';
import type { HostSource } from '../rollup/hosts.js';
import { type ArchiveSource, fetchArchiveSources, locatePack } from '../rollup/sources.js';
import { removeTree } from '../fsx/dirs.js';
import { dayNumberOfIsoDate, logFileName } from '../rotation/days.js';
import { isNotRegularFile, readRegularSync } from '../fsx/regular.js';
import { printableName } from '../verify/report.js';
import { hostsDocHosts, recordShapeError } from '../verify/rollup-record.js';

/** Which lines to prove: an order's, or one seq of one host. */
export type LineSelector = { readonly orderId: string } | { readonly seq: number };

export interface ProveOptions {
  readonly date: string;
  /** The roll-ups directory (`<rollupsDir>/<date>/`). */
  readonly rollupsDir: string;
  readonly sources: readonly HostSource[];
  /** Also the host packs in the archive's bucket (`<prefix><host>/<date>.tar.gz`). */
  readonly archive?: ArchiveSource;
  readonly select: LineSelector;
  /** Only this host. */
  readonly host?: string;
}

interface RolledHost {
  readonly host: string;
  readonly verdict: string;
  readonly manifest_sha256: string;
}

interface Rolled {
  readonly record: string;
  readonly signature: string | null;
  /** Every received host, sorted by host. */
  readonly hosts: RolledHost[];
  /** The hosts in the tree (those that verified), in leaf order. */
  readonly leaves: RolledHost[];
}

function readRollup(dir: string, date: string): Rolled {
  const rp = join(dir, ROLLUP_RECORD);
  if (!existsSync(rp)) throw new AuditpackError('ROLLUP_NOT_FOUND', `no roll-up in ${dir}: run auditpack rollup first`);
  let record: string;
  let signature: string | null;
  let hostsBytes: Buffer;
  // A roll-up holds regular files only: a FIFO in a file's place is refused, never waited on, and a
  // symbolic link is never read through (the roll-up was edited: ROLLUP_INVALID).
  try {
    record = readRegularSync(rp).toString('utf8');
    signature = readOptional(join(dir, ROLLUP_SIGNATURE));
    hostsBytes = readRegularSync(join(dir, PAYLOAD_DIR, ROLLUP_HOSTS));
  } catch (err) {
    if (isNotRegularFile(err))
      throw new AuditpackError('ROLLUP_INVALID', `${quotePath(dir)} cannot be read: ${err.message}`, { cause: err });
    throw wrapFsError(err, 'read', dir);
  }
  const hosts = checkRolled(dir, date, record, hostsBytes);
  const leaves = hosts.filter((h) => h.verdict === 'ok');
  return { record, signature, hosts, leaves };
}

/** The text of a roll-up file that may be absent (null), read as readRegularSync does. */
function readOptional(path: string): string | null {
  try {
    return readRegularSync(path).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * The roll-up's hosts, after checking that hosts.json is the one rollup.json commits to and that its
 * verified hosts give the recorded tree root: an edited verdict must not turn into a proof. Both
 * files are attacker-controlled: they are held to verify's judges of their shape (a host named twice,
 * a made-up verdict, another day's record) before any value in them is used.
 */
function checkRolled(dir: string, date: string, record: string, hostsBytes: Buffer): RolledHost[] {
  const invalid = (why: string) =>
    new AuditpackError('ROLLUP_INVALID', `${quotePath(dir)} is no usable roll-up: ${why}`);
  let r: unknown;
  let doc: unknown;
  try {
    r = JSON.parse(record);
    doc = JSON.parse(hostsBytes.toString('utf8'));
  } catch {
    throw invalid('rollup.json or data/hosts.json is not JSON');
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw invalid('rollup.json is not a JSON object');
  const rec = r as Record<string, unknown>;
  if (!isRollupFormat(rec.format))
    throw invalid(
      `the roll-up is ${JSON.stringify(rec.format)?.slice(0, 60)}, not ${ROLLUP_FORMAT}: roll the day up again`,
    );
  const shape = recordShapeError(rec);
  if (shape !== undefined) throw invalid(`rollup.json: ${shape}`);
  const rr = rec as unknown as RollupRecord;
  if (rr.date !== date) throw invalid(`rollup.json is the roll-up of ${rr.date}, not of ${date}`);
  if (createHash('sha256').update(hostsBytes).digest('hex') !== rr.hosts_sha256)
    throw invalid('data/hosts.json is not the one rollup.json records (hosts_sha256)');
  const hosts = hostsDocHosts(doc, rr);
  if (typeof hosts === 'string') throw invalid(`data/hosts.json: ${hosts}`);
  const sorted = hosts.map((h) => ({ host: h.host, verdict: h.verdict, manifest_sha256: h.manifestSha256 }));
  const leaves = sorted.filter((h) => h.verdict === 'ok');
  const root = merkleRoot(leaves.map((h) => hostLeafData(h.host, h.manifest_sha256))).toString('hex');
  if (root !== rr.tree_root || leaves.length !== rr.hosts)
    throw invalid("the verified hosts of data/hosts.json do not give rollup.json's tree_root");
  return sorted;
}

/** Does a log line match the selector? Cheap byte test first, then the parsed field. */
function matcher(sel: LineSelector): (b: Buffer) => boolean {
  if ('seq' in sel) {
    const needle = Buffer.from(`${seqText(sel.seq)},`);
    return (b) => {
      if (b.indexOf(needle) === -1) return false;
      try {
        return (JSON.parse(b.toString('utf8')) as { seq?: unknown }).seq === sel.seq;
      } catch {
        return false; // a malformed line is never an event to prove
      }
    };
  }
  const needle = Buffer.from(JSON.stringify(sel.orderId));
  return (b) => {
    if (b.indexOf(needle) === -1) return false;
    try {
      return (JSON.parse(b.toString('utf8')) as { order_id?: unknown }).order_id === sel.orderId;
    } catch {
      return false;
    }
  };
}

/** The leaf indexes of the lines that match, and how many matching lines were recovered fragments. */
interface Hits {
  readonly hits: number[];
  readonly leaves: number;
  readonly fragments: number;
}

/**
 * The first read: the matching lines. A line that a TornLineRecovered right after it describes is a
 * recovered torn write (docs/FORMAT.md, "Torn lines and recovery"), never an event, whatever its
 * bytes: it is dropped and counted, so that no proof ever vouches for a fragment as an event.
 */
async function findHits(logFile: string, sel: LineSelector, file: string | undefined): Promise<Hits> {
  const match = matcher(sel);
  const hits: number[] = [];
  let leaves = 0;
  let fragments = 0;
  const before = { hash: '', length: 0, offset: 0 };
  let haveBefore = false;
  let beforeHit = false;
  await scanLines(
    logFile,
    (l) => {
      const complete = l.bytes !== undefined && l.terminated;
      if (complete && haveBefore && recoversFragment(l.bytes as Buffer, before, file) && beforeHit) {
        hits.pop();
        fragments++;
      }
      beforeHit = complete && match(l.bytes as Buffer);
      if (beforeHit) hits.push(leaves);
      haveBefore = complete;
      before.hash = l.hash;
      before.length = l.length;
      before.offset = l.offset;
      leaves++;
    },
    { view: true, noFollow: true },
  );
  return { hits, leaves, fragments };
}

/** What one host pack gives: the proofs of its matching lines (none: undefined), fragments passed over. */
interface PackLines {
  readonly proven: Omit<ProofHost, 'host' | 'index' | 'path'> | undefined;
  readonly fragments: number;
}

/** Proofs of the matching lines of one host pack's log (the day `date`'s). */
async function proveInPack(packDir: string, sel: LineSelector, date: string): Promise<PackLines> {
  const logFile = join(packDir, PACK_PATH.log);
  const day = dayNumberOfIsoDate(date);
  try {
    const manifest = readRegularSync(join(packDir, PACK_PATH.manifestJson)).toString('utf8');
    refuseOtherLog(packDir, logFile, manifest);
    const { hits, leaves, fragments } = await findHits(logFile, sel, day === undefined ? undefined : logFileName(day));
    if (hits.length === 0) return { proven: undefined, fragments };
    const prover = new MerkleProver(leaves, hits);
    const wanted = new Set(hits);
    const text = new Map<number, string>();
    let i = 0;
    await scanLines(
      logFile,
      (l) => {
        prover.addLeafHash(lineLeafHash(l.hash));
        if (wanted.has(i)) text.set(i, (l.bytes as Buffer).toString('utf8'));
        i++;
      },
      { view: true, noFollow: true },
    );
    const { root, proofs } = prover.finish();
    const recorded = (JSON.parse(manifest) as { line_tree?: { root?: unknown } }).line_tree?.root;
    if (recorded !== hex(root))
      throw new AuditpackError(
        'ROLLUP_NOT_FOUND',
        `in ${quotePath(packDir)}, its log is not the one its manifest's line_tree records${recorded === undefined ? ' (no line_tree)' : ''}`,
      );
    const lines = proofs.map((p) => ({ line: text.get(p.index) as string, index: p.index, path: p.path.map(hex) }));
    return { proven: { manifest, lines }, fragments };
  } catch (err) {
    throw err instanceof AuditpackError ? err : wrapFsError(err, 'read', logFile);
  }
}

const hex = (b: Buffer): string => b.toString('hex');

/**
 * The pack's log must be as long as its manifest (the one the roll-up records) says, before a byte of
 * it is read: a log swapped for another, or for a sparse file of a terabyte that costs no disk, is
 * refused at once instead of read for hours (the line-tree check after the read would refuse it too).
 */
function refuseOtherLog(packDir: string, logFile: string, manifest: string): void {
  let recorded: unknown;
  try {
    recorded = (JSON.parse(manifest) as { files?: Record<string, { size?: unknown }> }).files?.[PACK_PATH.log]?.size;
  } catch {
    recorded = undefined;
  }
  const size = lstatSync(logFile).size; // never through a link: the read after refuses one too
  if (recorded !== size)
    throw new AuditpackError(
      'ROLLUP_NOT_FOUND',
      `in ${quotePath(packDir)}, its log is not the one its manifest records (${size} bytes, the manifest says ${typeof recorded === 'number' ? recorded : 'nothing'})`,
    );
}

/** Builds the proof file for the selected lines across the day's hosts. */
export async function proveLines(o: ProveOptions): Promise<ProofFile> {
  if ('seq' in o.select && o.host === undefined)
    throw new AuditpackError('USAGE', '--seq needs --host: every host has its own sequence');
  const rolled = readRollup(join(o.rollupsDir, o.date), o.date);
  const named = o.host === undefined ? undefined : rolled.hosts.find((h) => h.host === o.host);
  if (named !== undefined && named.verdict !== 'ok')
    throw new AuditpackError(
      'PROOF_HOST_FAILED',
      `${named.host}'s pack of ${o.date} failed verification in the roll-up: it is not in the roll-up's tree, and no proof vouches for its lines`,
    );
  const stage = mkdtempSync(join(tmpdir(), 'auditpack-prove-'));
  try {
    const found = await candidates(o, stage);
    const out = await proveHosts(o, rolled, found);
    return { format: PROOF_FORMAT, rollup: rolled.record, signature: rolled.signature, hosts: out };
  } finally {
    removeTree(stage);
  }
}

async function proveHosts(o: ProveOptions, rolled: Rolled, found: readonly Candidate[]): Promise<ProofHost[]> {
  const leafData = rolled.leaves.map((h) => hostLeafData(h.host, h.manifest_sha256));
  const out: ProofHost[] = [];
  let fragments = 0;
  for (const [index, h] of rolled.leaves.entries()) {
    if (o.host !== undefined && h.host !== o.host) continue;
    const packDir = findPack(found, h.host, h.manifest_sha256);
    if (packDir === undefined) continue;
    const got = await proveInPack(packDir, o.select, o.date);
    fragments += got.fragments;
    const lines = got.proven;
    if (lines === undefined) continue;
    const prover = new MerkleProver(leafData.length, [index]);
    for (const d of leafData) prover.addLeafHash(leafHash(d));
    const path = (prover.finish().proofs[0]?.path ?? []).map(hex);
    out.push({ host: h.host, index, path, ...lines });
  }
  if (out.length === 0) {
    const failed = rolled.hosts.filter((h) => h.verdict !== 'ok').map((h) => h.host);
    throw new AuditpackError(
      'ROLLUP_NOT_FOUND',
      `no line of ${o.date} matches in the verified host packs of the roll-up${failed.length === 0 ? '' : ` (not searched, failed verification: ${failed.slice(0, 8).join(', ')})`}${fragmentNote(fragments)}${mismatchNote(found, rolled.leaves)}`,
    );
  }
  return out;
}

/** Why matching lines were not proven: recovered torn fragments are never events. */
function fragmentNote(fragments: number): string {
  return fragments === 0
    ? ''
    : `; ${fragments} matching line(s) passed over: recovered torn fragments (a TornLineRecovered follows each), which are never events and are never proven`;
}

interface Candidate {
  readonly host: string | undefined;
  /** The source as given (`--from`'s directory, or the bucket's key). */
  readonly source: string;
  readonly packDir: string;
  readonly manifestSha256: string;
}

/**
 * Every source's pack of the day, located once (a `.tar.gz`, or the bucket's, unpacked into
 * `stage`), with its manifest hash. A source that cannot be read is passed over: the proof is made
 * from the packs the roll-up recorded, and a missing one is reported as not found.
 */
async function candidates(o: ProveOptions, stage: string): Promise<Candidate[]> {
  const sources = [
    ...o.sources,
    ...(o.archive === undefined ? [] : await fetchArchiveSources(o.archive, o.date, stage)),
  ];
  const out: Candidate[] = [];
  for (const s of sources) {
    let dir: string | undefined;
    try {
      dir = await locatePack(s.dir, o.date, stage);
    } catch (err) {
      if (err instanceof AuditpackError && err.code === 'ARCHIVE_PACK_INVALID') continue;
      throw err;
    }
    if (dir === undefined) continue;
    let bytes: Buffer;
    try {
      bytes = readRegularSync(join(dir, PACK_PATH.manifestJson));
    } catch (err) {
      throw wrapFsError(err, 'read', join(dir, PACK_PATH.manifestJson));
    }
    out.push({
      host: s.host,
      source: s.dir,
      packDir: dir,
      manifestSha256: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  return out;
}

/**
 * The packs given that are not the ones the roll-up records for their host (a `--from HOST=` naming
 * another host's pack, another day's or an edited one): never searched, so say which and why.
 */
function mismatchNote(found: readonly Candidate[], leaves: readonly RolledHost[]): string {
  const notes: string[] = [];
  for (const c of found) {
    const mine = c.host === undefined ? undefined : leaves.find((h) => h.host === c.host);
    if (mine?.manifest_sha256 === c.manifestSha256) continue;
    const owner = leaves.find((h) => h.manifest_sha256 === c.manifestSha256);
    if (owner !== undefined && c.host === undefined) continue;
    const given = c.host === undefined ? printableName(c.source) : `${c.host} (${printableName(c.source)})`;
    notes.push(
      owner !== undefined
        ? `the pack given for ${given} is the roll-up's pack of ${owner.host}: the --from host names are swapped`
        : c.host !== undefined && mine === undefined
          ? `the pack given for ${given} is of a host the roll-up's tree does not hold`
          : `the pack given for ${given} is not one the roll-up records (another manifest.json: another day's, or changed)`,
    );
  }
  return notes.length === 0
    ? ''
    : `; not searched: ${notes.slice(0, 8).join('; ')}${notes.length > 8 ? ` (and ${notes.length - 8} more)` : ''}`;
}

/** The candidate whose manifest.json is the one the roll-up recorded for `host`. */
function findPack(found: readonly Candidate[], host: string, manifestSha: string): string | undefined {
  return found.find((c) => (c.host === undefined || c.host === host) && c.manifestSha256 === manifestSha)?.packDir;
}
