/**
 * verifyPack: a pack directory or a `.tar.gz` pack. Facts are gathered in one streaming
 * pass per file (the tar: one pass, plus a second over the log when the archive's order put the log
 * before what its check needs), then judged by pack-judge.ts.
 *
 * Nothing outside the pack is ever read: entries are examined with lstat, symbolic links and
 * special files are findings and are never opened, files are opened with O_NOFOLLOW, names are
 * checked before use, and every read is bounded.
 */
import { createHash, type KeyObject } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { constants as fsc } from 'node:fs';
import { lstat, open, readdir, realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { LineSplitter, scanLines, type ScannedLine } from '../chain/lines.js';
import { AuditpackError, wrapFsError } from '../errors.js';
import { recheckPackCompliance } from './compliance.js';
import type { PackFacts as PageFacts } from '../compliance/index.js';
import { CsvCounter, type CsvStats } from './csv-count.js';
import { hashOne, startBackground, throwIfFailed, type HashJob, type HashResult } from './hash-jobs.js';

import { readLine } from './log-line.js';
import { LogChecker } from './log-check.js';
import { alertFilterOf, type LogFacts } from './log-facts.js';
import { lineStartAfter } from './log-range.js';
import { direntKind } from './log.js';
import { isSafeRelativePath } from './checksum-file.js';
import { judgePack } from './pack-judge.js';
import type { CollectedFile, ManifestSummary, PackFacts, TrustedKeys } from './pack-facts.js';
import { pageSignerOf } from './judge-signature.js';
import { Findings, makeReport, printableName, type VerifyReport } from './report.js';
import { readTarGz, TarFormatError, type TarEntrySink } from './tar.js';
import { PruneEventTap, type PruneEvent } from './chain-events.js';
import { ReviewEventTap, type ReviewEvent, type ReviewSigner } from '../review/index.js';
import { LineTreeTap } from './line-tree.js';
import { explainDifference, judgeDerived, PayloadDerivation } from './payload.js';
import { parsePackName, ROOT_FILE_BOUNDS, type RecordedAlertFilter } from '../format/pack.js';
import { checkLogAnchors, judgePackTimestamp, peekCreatedAt, type TimestampCheckOptions } from './timestamps.js';

/** Options of verifyPack and verifyArchive. */
export interface VerifyPackOptions {
  /** Trusted public keys (e.g. from `--pubkey`): the signature must be by one of them. */
  publicKeys?: readonly KeyObject[];
  /** Trusted signers (e.g. parsed from `--allowed-signers`): keys whose namespaces allow `auditpack`. */
  allowedSigners?: readonly { identity: string; key: KeyObject; namespaces?: readonly string[] | undefined }[];
  /** Read every log line with JSON.parse. */
  full?: boolean;
  /**
   * @internal Where data/audit.jsonl is cut between the two threads (the first line start at or
   * after this offset), or 'none'; by default large logs are cut where both threads finish together.
   * Findings never depend on it; tests use it to check exactly that.
   */
  logSplit?: number | 'none';
  /** Time-stamp tokens: trust anchors, whether a token is required, the anchor rhythm. */
  timestamps?: TimestampCheckOptions;
  /** Trusted approvers (allowed_signers entries for namespace `auditpack-review`): review countersignatures must be by them. */
  reviewSigners?: readonly ReviewSigner[];
}

/** A pack's report, with what an archive check needs from its manifest. */
export interface PackReport extends VerifyReport {
  readonly manifest: ManifestSummary;
  /** The PackPruned events of the pack's log (the archive holds them against pruned.jsonl). */
  readonly pruneEvents: readonly PruneEvent[];
  /** The review events of the pack's log (the archive holds them against the review records). */
  readonly reviewEvents: readonly ReviewEvent[];
}

/** Alert lines cross-checked against the log, at most (32 bytes of hash each, kept as hex). */
const MAX_ALERT_HASHES = 1_000_000;
/** Entries walked in a pack directory, at most; a pack has about ten. */
const MAX_ENTRIES = 10_000;
const MAX_DEPTH = 6;
const LOG = 'data/audit.jsonl';

function trustOf(o: VerifyPackOptions): TrustedKeys | undefined {
  const keys: { key: KeyObject; identity?: string }[] = [];
  for (const k of o.publicKeys ?? []) keys.push({ key: k });
  for (const s of o.allowedSigners ?? []) {
    if (s.namespaces === undefined || s.namespaces.includes('auditpack'))
      keys.push({ key: s.key, identity: s.identity });
  }
  return o.publicKeys === undefined && o.allowedSigners === undefined ? undefined : { keys };
}

/**
 * Verifies a pack: a directory `YYYY-MM-DD[.vN]/` or a `.tar.gz` of one. See docs/FORMAT.md
 * ("Verifying") for the list of checks. Throws PATH_NOT_FOUND / READ_FAILED only when the path
 * itself cannot be read.
 */
export async function verifyPack(path: string, options: VerifyPackOptions = {}): Promise<PackReport> {
  if (path.endsWith('.tar.gz') || path.endsWith('.tgz')) return verifyPackTar(path, options);
  let real: string;
  try {
    real = await realpath(path); // the path the user named may be a link; nothing inside is followed
    const st = await lstat(real);
    if (!st.isDirectory())
      throw new AuditpackError('USAGE', `${path} is neither a pack directory nor a .tar.gz pack`, {
        details: { path },
      });
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
  return verifyPackDir(real, path, options, basename(real));
}

/** @internal Verifies a pack directory already known to be a real directory. */
export async function verifyPackDir(
  dir: string,
  target: string,
  options: VerifyPackOptions,
  dirName: string | undefined,
): Promise<PackReport> {
  const f = new Findings();
  const files = new Map<string, CollectedFile>();
  const found = await walk(dir, f);
  if (found.length === 0) f.add('EMPTY_DIRECTORY', 'error', '.', 'the pack directory holds no files');
  const tags = new Map<string, Buffer | 'too-large'>();
  const csv = new Map<string, CsvStats>();

  // 0. In the background (a worker thread): every payload file but the two JSONL files — the CSVs
  //    hashed and counted — and, once asked, the second part of audit.jsonl's chain (step 3).
  const isCsv = (rel: string): boolean => rel === 'data/orders.csv' || rel === 'data/fills.csv';
  const bgFiles = found.filter(
    (x) => ROOT_FILE_BOUNDS[x.rel] === undefined && x.rel !== 'data/alerts.jsonl' && x.rel !== LOG,
  );
  const bgJobs: HashJob[] = bgFiles.map((x) => ({ path: join(dir, x.rel), csv: isCsv(x.rel) }));
  const background = startBackground(bgJobs);

  // The worker keeps running until closed: close it whatever happens.
  let alerts: PackFacts['alerts'];
  let log: LogFacts | undefined;
  let exportDate: string | undefined;
  let alertSeqs: (number | undefined)[] | undefined;
  let results: HashResult[];
  let filter: RecordedAlertFilter | undefined;
  let derive: PayloadDerivation | undefined;
  let derived: Awaited<ReturnType<PayloadDerivation['finish']>> | undefined;
  const tap = new PruneEventTap(LOG);
  const lineTree = new LineTreeTap();
  const reviewTap = new ReviewEventTap(LOG);
  try {
    // 1. Small files at the root, bounded.
    for (const { rel, size } of found) {
      const bound = ROOT_FILE_BOUNDS[rel];
      if (bound === undefined) continue;
      if (size > bound) {
        tags.set(rel, 'too-large');
        const r = await hashOne({ path: join(dir, rel), csv: false });
        throwIfFailed({ path: join(dir, rel), csv: false }, r);
        files.set(rel, { size: r.size, sha256: r.sha256 });
        continue;
      }
      const buf = await readBounded(join(dir, rel), bound);
      tags.set(rel, buf);
      files.set(rel, { size: buf.length, sha256: createHash('sha256').update(buf).digest('hex') });
    }
    exportDate =
      peekExportDate(tags.get('manifest.json')) ?? (dirName === undefined ? undefined : parsePackName(dirName)?.date);

    // 2. alerts.jsonl first (its line hashes are looked for during the log scan).
    const has = new Set(found.map((x) => x.rel));
    if (has.has('data/alerts.jsonl')) {
      const acc = alertAccumulator({ date: exportDate });
      const h = createHash('sha256');
      const size = await scanLines(join(dir, 'data/alerts.jsonl'), acc.onLine, {
        onChunk: (c) => h.update(c),
        view: true,
        noFollow: true,
      }).catch((err: unknown) => {
        throw wrapFsError(err, 'read', join(dir, 'data/alerts.jsonl'));
      });
      files.set('data/alerts.jsonl', { size, sha256: h.digest('hex') });
      alerts = acc.result();
      alertSeqs = acc.seqs();
    }

    // 3. The log: chain and counts, line by line, and its whole-file digest in the same reads. A large
    //    log is cut at a line start: the worker checks the part after the cut (log-range.ts) while this
    //    thread checks the part before it and hashes the rest; the parts are joined, or the second
    //    part is checked again here when it had anything to report.
    const logFile = found.find((x) => x.rel === LOG);
    if (logFile !== undefined) {
      const date = exportDate;
      const full = options.full === true;
      const checker = new LogChecker({
        file: LOG,
        findings: f,
        date,
        alertHashes: alerts?.hashes,
        full,
        emptyOk: true,
      });
      const p = join(dir, LOG);
      const h = createHash('sha256');
      // Besides the chain check, every line feeds the export's derivation of the CSVs and alerts
      // (payload.ts) and the search for PackPruned events, in this thread and in log order.
      filter = peekAlertFilter(tags.get('manifest.json'));
      derive = filter === undefined ? undefined : new PayloadDerivation(filter, date);
      const d = derive;
      const feed = (l: ScannedLine): void => {
        d?.push(l);
        tap.push(l);
        lineTree.push(l);
        reviewTap.push(l);
      };
      const push = (l: ScannedLine): void => {
        checker.push(l);
        feed(l);
      };
      try {
        // The second thread finds alert lines among its events by their seq (log-check.ts).
        const alertFilter = alertSeqs === undefined ? undefined : alertFilterOf(alertSeqs);
        const cut =
          alertFilter?.complete === false ? undefined : await cutFor(p, logFile.size, options.logSplit, found);
        const range =
          cut === undefined
            ? undefined
            : background.checkLogRange({ path: p, start: cut, file: LOG, date, full, alertFilter });
        let size = await scanLines(p, push, { view: true, noFollow: true, end: cut, onChunk: (c) => h.update(c) });
        if (cut !== undefined && range !== undefined) {
          size = await scanLines(p, feed, {
            view: true,
            noFollow: true,
            start: cut,
            firstLineNumber: checker.facts.lines + 1,
            onChunk: (c) => h.update(c),
          });
          if (!checker.join(await range))
            await scanLines(p, (l) => checker.push(l), {
              view: true,
              noFollow: true,
              start: cut,
              firstLineNumber: checker.facts.lines + 1,
            });
        }
        files.set(LOG, { size, sha256: h.digest('hex') });
      } catch (err) {
        throw wrapFsError(err, 'read', p);
      }
      log = checker.finish();
      derived = await derive?.finish();
    }

    // 4. The background results.
    results = await background.hashes;
  } finally {
    background.close();
  }
  bgFiles.forEach((x, i) => {
    const job = bgJobs[i] as HashJob;
    const r = results[i] as HashResult;
    throwIfFailed(job, r);
    files.set(x.rel, { size: r.size, sha256: r.sha256 });
    if (r.csv !== undefined) csv.set(x.rel, r.csv);
  });

  const facts: PackFacts = { dirName, files, tags, csv, alerts, log };
  const manifestBuf = tags.get('manifest.json');
  const manifestSha = Buffer.isBuffer(manifestBuf) ? files.get('manifest.json')?.sha256 : undefined;
  const manifest = judgePack(facts, trustOf(options), f, manifestSha);
  if (log !== undefined) lineTree.judge(manifestBuf, f);
  const rederived = filter;
  if (derived !== undefined && rederived !== undefined)
    await judgeDerived(derived, files, f, (path) => explainDifference(dir, path, rederived, exportDate));
  const ts = options.timestamps ?? {};
  const timestamped = await judgePackTimestamp(tags, ts, f, { exportDate, createdAt: peekCreatedAt(manifestBuf) });
  const anchors =
    log === undefined
      ? 0
      : await checkLogAnchors(join(dir, LOG), LOG, f, ts, { date: exportDate, fromDayStart: false }).catch(
          (err: unknown) => {
            throw wrapFsError(err, 'read', join(dir, LOG));
          },
        );
  const compliance = await recheckPackCompliance(dir, f, exportDate, pageFactsOf(manifestBuf, manifest, tags));
  const checked: Record<string, number> = {
    ...checkedOf(files, log, alerts, tags.has('tagmanifest-sha256.txt.sig')),
    timestamped: timestamped ? 1 : 0,
    anchors,
  };
  if (compliance !== undefined) checked.compliance_findings = compliance.findings;
  return {
    ...makeReport('pack', target, checked, f),
    manifest,
    pruneEvents: tap.events,
    reviewEvents: reviewTap.events,
  };
}

/** The facts report.html shows, from manifest.json and the signature; undefined when unreadable (findings of their own). */
function pageFactsOf(
  manifestBuf: Buffer | 'too-large' | undefined,
  manifest: ManifestSummary,
  tags: ReadonlyMap<string, Buffer | 'too-large'>,
): PageFacts | undefined {
  if (!Buffer.isBuffer(manifestBuf) || manifest.chain === undefined || manifest.exportDate === undefined)
    return undefined;
  let version: unknown;
  try {
    version = (JSON.parse(manifestBuf.toString('utf8')) as { auditpack_version?: unknown }).auditpack_version;
  } catch {
    return undefined;
  }
  const signer = pageSignerOf(tags);
  if (typeof version !== 'string' || signer === undefined) return undefined;
  const c = manifest.chain;
  return {
    export_date: manifest.exportDate,
    chain_end_hash: c.endHash,
    first_seq: c.firstSeq,
    last_seq: c.lastSeq,
    signer,
    auditpack_version: version,
  };
}

/** Below this size the log is checked by one thread. */
const MIN_SPLIT_BYTES = 4 * 1024 * 1024;

/**
 * Measured costs per byte (ns, one core of the bench machine; docs/PERFORMANCE.md): checking a log
 * line by line, hashing a file whole, counting CSV records, scanning alerts.jsonl.
 */
const COST = { logCheck: 7, hash: 1.2, csv: 3.5, alerts: 9 };

/**
 * Where to cut the log so that both threads finish together: this thread checks [0, cut), hashes the
 * whole log and scans alerts.jsonl; the worker checks [cut, end), hashes and counts the other files.
 */
async function cutFor(
  path: string,
  size: number,
  forced: number | 'none' | undefined,
  found: readonly { rel: string; size: number }[],
): Promise<number | undefined> {
  if (forced === 'none' || (forced === undefined && size < MIN_SPLIT_BYTES)) return undefined;
  let at = forced;
  if (at === undefined) {
    let mine = size * COST.hash;
    let theirs = 0;
    for (const x of found) {
      if (x.rel === 'data/alerts.jsonl') mine += x.size * COST.alerts;
      else if (x.rel === 'data/orders.csv' || x.rel === 'data/fills.csv') theirs += x.size * (COST.csv + COST.hash);
      else if (x.rel !== LOG && ROOT_FILE_BOUNDS[x.rel] === undefined) theirs += x.size * COST.hash;
    }
    // mine + cut * logCheck = theirs + (size - cut) * logCheck
    const share = (size * COST.logCheck + theirs - mine) / (2 * COST.logCheck);
    at = Math.round(Math.min(0.9 * size, Math.max(0.1 * size, share)));
  }
  if (at <= 0) return undefined;
  const start = at === 0 ? 0 : await lineStartAfter(path, at - 1);
  return start === undefined || start >= size ? undefined : start;
}

function checkedOf(
  files: Map<string, CollectedFile>,
  log: LogFacts | undefined,
  alerts: PackFacts['alerts'],
  signed: boolean,
): Record<string, number> {
  return {
    /** 1 when the pack carries a signature file (whether it verifies is a finding). */
    signed: signed ? 1 : 0,
    files: files.size,
    bytes: [...files.values()].reduce((s, x) => s + x.size, 0),
    log_lines: log?.lines ?? 0,
    events: log?.events ?? 0,
    alert_lines: alerts?.lines ?? 0,
  };
}

/**
 * Counts alerts.jsonl's lines and keeps their hashes (up to a bound); with `seqsFor` (the log's
 * date) also each line's seq as the log check would read it, for the second thread's alert filter.
 */
function alertAccumulator(seqsFor?: { date: string | undefined }): {
  onLine: (l: ScannedLine) => void;
  result: () => NonNullable<PackFacts['alerts']>;
  seqs: () => (number | undefined)[] | undefined;
} {
  let lines = 0;
  let hashes: string[] | undefined = [];
  let unterminated = false;
  const seqs: (number | undefined)[] | undefined = seqsFor === undefined ? undefined : [];
  const date = seqsFor?.date;
  const dateBytes = date === undefined ? undefined : Buffer.from(date, 'latin1');
  return {
    onLine: (l) => {
      lines++;
      if (!l.terminated) unterminated = true;
      if (hashes !== undefined) {
        if (hashes.length >= MAX_ALERT_HASHES) hashes = undefined;
        else {
          hashes.push(l.hash);
          if (seqs !== undefined) {
            const r = l.bytes === undefined ? undefined : readLine(l.bytes, date, false, dateBytes);
            seqs.push(r?.ok === true ? r.facts.seq : undefined);
          }
        }
      }
    },
    result: () => ({ lines, hashes, unterminated }),
    seqs: () => (hashes === undefined ? undefined : seqs),
  };
}

/** alert_filter from manifest.json bytes, when well formed; judged properly later. */
function peekAlertFilter(buf: Buffer | 'too-large' | undefined): RecordedAlertFilter | undefined {
  if (!Buffer.isBuffer(buf)) return undefined;
  try {
    const a = (JSON.parse(buf.toString('utf8')) as { alert_filter?: Record<string, unknown> } | null)?.alert_filter;
    const list = (v: unknown): v is string[] =>
      Array.isArray(v) && v.length <= 10_000 && v.every((x) => typeof x === 'string');
    if (a === null || typeof a !== 'object' || !list(a.categories) || !list(a.events) || !list(a.severities))
      return undefined;
    return { categories: a.categories, events: a.events, severities: a.severities };
  } catch {
    return undefined;
  }
}

/** export_date from manifest.json bytes, if it parses; judged properly later. */
function peekExportDate(buf: Buffer | 'too-large' | undefined): string | undefined {
  if (!Buffer.isBuffer(buf)) return undefined;
  try {
    const m = JSON.parse(buf.toString('utf8')) as { export_date?: unknown };
    return typeof m?.export_date === 'string' && parsePackName(m.export_date) !== undefined ? m.export_date : undefined;
  } catch {
    return undefined;
  }
}

/** Lists regular files under `dir` (relative, '/'-separated) with lstat; anything else is a finding. */
async function walk(dir: string, f: Findings): Promise<{ rel: string; size: number }[]> {
  const out: { rel: string; size: number }[] = [];
  let count = 0;
  const visit = async (abs: string, rel: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      if (rel === '') throw wrapFsError(err, 'read directory', abs);
      f.add('NOT_A_REGULAR_FILE', 'error', rel, `cannot be listed: ${(err as Error).message}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (++count > MAX_ENTRIES) {
        f.add(
          'PACK_FILE_UNLISTED',
          'error',
          rel === '' ? '.' : rel,
          `more than ${MAX_ENTRIES} entries; the rest were not examined`,
        );
        return;
      }
      if (!isSafeRelativePath(r)) {
        f.add('PACK_PATH_UNSAFE', 'error', printableName(r), 'a name with characters a pack never uses; not opened');
        continue;
      }
      if (e.isSymbolicLink() || (!e.isFile() && !e.isDirectory())) {
        f.add('NOT_A_REGULAR_FILE', 'error', r, `a ${direntKind(e)} inside the pack; never followed or opened`);
        continue;
      }
      if (e.isDirectory()) {
        if (depth >= MAX_DEPTH)
          f.add('PACK_FILE_UNLISTED', 'error', r, 'directories nested deeper than a pack has; not examined');
        else await visit(join(abs, e.name), r, depth + 1);
        continue;
      }
      const st = await lstat(join(abs, e.name)).catch(() => undefined);
      if (st === undefined || !st.isFile()) {
        f.add('NOT_A_REGULAR_FILE', 'error', r, 'changed while being examined');
        continue;
      }
      out.push({ rel: r, size: st.size });
    }
  };
  await visit(dir, '', 0);
  return out;
}

async function openNoFollow(path: string) {
  try {
    return await open(path, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
}

/** Reads at most `bound` bytes (the caller checked the size with lstat). */
async function readBounded(path: string, bound: number): Promise<Buffer> {
  const fh = await openNoFollow(path);
  try {
    const buf = Buffer.alloc(bound + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > bound) break;
    }
    return buf.subarray(0, Math.min(n, bound));
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  } finally {
    await fh.close();
  }
}

// ---------------------------------------------------------------------------------------------
// .tar.gz packs

/** Verifies a `.tar.gz` pack by streaming it: nothing is written to disk. */
async function verifyPackTar(path: string, options: VerifyPackOptions): Promise<PackReport> {
  try {
    const st = await lstat(path);
    if (!st.isFile() && !st.isSymbolicLink())
      throw new AuditpackError('READ_FAILED', `${path} is not a file`, { details: { path } });
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
  const f = new Findings();
  const name = basename(path).replace(/\.(tar\.gz|tgz)$/, '');
  const files = new Map<string, CollectedFile>();
  const tags = new Map<string, Buffer | 'too-large'>();
  const csv = new Map<string, CsvStats>();
  let alerts: PackFacts['alerts'];
  let log: LogFacts | undefined;
  let logNeedsSecondPass = false;
  let root: string | undefined;
  let derive: PayloadDerivation | undefined;
  const tap = new PruneEventTap(LOG);
  const lineTree = new LineTreeTap();
  /** The derivation and event search, once manifest.json (the alert filter) has been read. */
  const newFeed = (): ((l: ScannedLine) => void) => {
    const filter = peekAlertFilter(tags.get('manifest.json'));
    const d =
      filter === undefined
        ? undefined
        : new PayloadDerivation(filter, peekExportDate(tags.get('manifest.json')) ?? parsePackName(root ?? name)?.date);
    derive = d;
    return (l) => {
      d?.push(l);
      tap.push(l);
      lineTree.push(l);
    };
  };

  const relOf = (entryName: string): string | undefined => {
    const clean = entryName.replace(/\/+$/, '');
    const slash = clean.indexOf('/');
    const top = slash === -1 ? clean : clean.slice(0, slash);
    if (root === undefined) root = top;
    if (!isSafeRelativePath(clean) || top !== root) {
      f.add(
        'PACK_PATH_UNSAFE',
        'error',
        printableName(entryName),
        `an entry outside the pack's one top directory ${root}/ (or with "..", an absolute path or odd characters); not used`,
      );
      return undefined;
    }
    return slash === -1 ? '' : clean.slice(slash + 1);
  };

  const pass1 = async (): Promise<void> => {
    await readTarGz(path, (e): TarEntrySink | undefined => {
      const rel = relOf(e.name);
      if (rel === undefined) return undefined;
      if (e.type === 'directory') return undefined;
      if (e.type !== 'file') {
        f.add(
          'NOT_A_REGULAR_FILE',
          'error',
          rel || e.name,
          `a ${e.type} entry in the archive${e.linkName ? ` (to ${printableName(e.linkName)})` : ''}; not followed`,
        );
        return undefined;
      }
      if (rel === '') return undefined;
      if (files.has(rel)) {
        f.add('PACK_TAR_INVALID', 'error', rel, 'appears twice in the archive; the last copy was checked');
      }
      const h = createHash('sha256');
      let size = 0;
      const parts: Buffer[] = [];
      const bound = ROOT_FILE_BOUNDS[rel];
      const counter = rel === 'data/orders.csv' || rel === 'data/fills.csv' ? new CsvCounter() : undefined;
      let splitter: LineSplitter | undefined;
      let acc: ReturnType<typeof alertAccumulator> | undefined;
      let checker: LogChecker | undefined;
      if (rel === 'data/alerts.jsonl') {
        acc = alertAccumulator();
        splitter = new LineSplitter(acc.onLine);
      } else if (rel === 'data/audit.jsonl') {
        // The log's check needs manifest.json's date and the alert hashes: if they came first, check now.
        if (tags.has('manifest.json') && alerts !== undefined) {
          checker = newChecker();
          const c = checker;
          const feed = newFeed();
          splitter = new LineSplitter((l) => {
            c.push(l);
            feed(l);
          });
        } else logNeedsSecondPass = true;
      }
      return {
        write(chunk) {
          h.update(chunk);
          size += chunk.length;
          if (bound !== undefined && size <= bound) parts.push(Buffer.from(chunk));
          counter?.write(chunk);
          splitter?.write(chunk);
        },
        end() {
          files.set(rel, { size, sha256: h.digest('hex') });
          if (bound !== undefined) tags.set(rel, size > bound ? 'too-large' : Buffer.concat(parts));
          if (counter !== undefined) csv.set(rel, counter.finish());
          splitter?.end();
          if (acc !== undefined) alerts = acc.result();
          if (checker !== undefined) log = checker.finish();
        },
      };
    });
  };
  const newChecker = (): LogChecker =>
    new LogChecker({
      file: 'data/audit.jsonl',
      findings: f,
      date: peekExportDate(tags.get('manifest.json')) ?? parsePackName(root ?? name)?.date,
      alertHashes: alerts?.hashes,
      full: options.full === true,
      emptyOk: true,
    });

  try {
    await pass1();
    if (logNeedsSecondPass) {
      let checker: LogChecker | undefined;
      await readTarGz(path, (e) => {
        if (e.type !== 'file' || relOf(e.name) !== 'data/audit.jsonl') return undefined;
        const c = newChecker();
        checker = c;
        const feed = newFeed();
        const splitter = new LineSplitter((l) => {
          c.push(l);
          feed(l);
        });
        return { write: (chunk) => splitter.write(chunk), end: () => splitter.end() };
      });
      if (checker !== undefined) log = checker.finish();
    }
  } catch (err) {
    if (err instanceof TarFormatError || isZlibError(err)) {
      f.add('PACK_TAR_INVALID', 'error', '.', `not a readable .tar.gz: ${(err as Error).message}`);
      const manifest: ManifestSummary = {
        exportDate: undefined,
        manifestSha256: undefined,
        previousPack: undefined,
        supersedes: undefined,
        chain: undefined,
      };
      return {
        ...makeReport('pack-tar', path, { files: files.size }, f),
        manifest,
        pruneEvents: [],
        reviewEvents: [],
      };
    }
    throw wrapFsError(err, 'read', path);
  }
  if (root === undefined) f.add('EMPTY_DIRECTORY', 'error', '.', 'the archive holds no entries');
  else {
    // `D.tar.gz` holds `D/`; a superseded `D.vN.tar.gz` keeps the `D/` it was made with.
    const named = parsePackName(name);
    if (named !== undefined && root !== name && root !== named.date) {
      f.add('PACK_DATE_MISMATCH', 'error', '.', `the archive is named ${name}.tar.gz but holds ${root}/`);
    }
  }
  const facts: PackFacts = { dirName: root, files, tags, csv, alerts, log };
  const manifestBuf = tags.get('manifest.json');
  const manifestSha = Buffer.isBuffer(manifestBuf) ? files.get('manifest.json')?.sha256 : undefined;
  const manifest = judgePack(facts, trustOf(options), f, manifestSha);
  if (log !== undefined) lineTree.judge(manifestBuf, f);
  const derived = await derive?.finish();
  if (derived !== undefined) await judgeDerived(derived, files, f);
  // Chain anchors inside a .tar.gz are not checked (that needs random access): verify the directory.
  const timestamped = await judgePackTimestamp(tags, options.timestamps ?? {}, f, {
    exportDate: manifest.exportDate,
    createdAt: peekCreatedAt(manifestBuf),
  });
  const checked = {
    ...checkedOf(files, log, alerts, tags.has('tagmanifest-sha256.txt.sig')),
    timestamped: timestamped ? 1 : 0,
  };
  return { ...makeReport('pack-tar', path, checked, f), manifest, pruneEvents: tap.events, reviewEvents: [] };
}

function isZlibError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
