/**
 * Verifying a pack directory: facts are gathered in one streaming pass per file, in this order —
 * the small root files, data/alerts.jsonl (its line hashes are looked for during the log scan),
 * then the log — while a worker thread hashes every payload file (and counts the CSVs' rows) and the export's
 * scan thread runs the payload derivation's batches; then judged
 * (pack-judge.ts). Nothing outside the pack is read (pack-walk.ts).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type ScannedLine, scanLines } from '../chain/lines.js';
import { wrapFsError } from '../errors.js';
import { THREADS_FROM_BYTES } from '../worker/index.js';
import {
  PACK_PATH,
  packFileSpec,
  parsePackName,
  type RecordedAlertFilter,
  ROOT_FILE_BOUNDS,
  SIGNATURE_FILE,
} from '../format/pack.js';
import type { EntryTable } from '../json/line-scanner.js';
import type { RecordsConsumer } from '../pack/scan-day.js';
import { ReviewEventTap } from '../review/index.js';
import { AlertLineStream } from './alert-stream.js';
import { checkChainEventsKept, ExportEventTap, PruneEventTap } from './chain-events.js';
import { type ComplianceRecheckStart, startComplianceRecheck } from './compliance.js';
import type { CsvStats } from './csv-count.js';
import { type HashJob, hashOne, startBackground, throwIfFailed } from './hash-jobs.js';
import { LogChecker } from './log-check.js';
import { alertFilterOf, type LogFacts } from './log-facts.js';
import { cutFor } from './log-cut.js';
import type { CollectedFile, PackFacts } from './pack-facts.js';
import {
  alertAccumulator,
  checkedOf,
  pageFactsOf,
  peekAlertFilter,
  peekCsvRules,
  peekExportDate,
  trustOf,
} from './pack-gather.js';
import { KeptEventTap, keptNotesOf } from './kept-events.js';
import { ConfigSnapshotTap } from './config-in-force.js';
import { checkConfigInForceDir, unboundInForceOf } from './config-in-force-pack.js';
import { LineTreeTap } from './line-tree.js';
import { judgePack } from './pack-judge.js';
import type { PackReport, VerifyPackOptions } from './pack-report.js';
import { readBounded, walk } from './pack-walk.js';
import { policyQuestions } from './provenance.js';
import { type Derived, explainDifference, judgeDerived, PayloadDerivation } from './payload.js';
import { Findings, makeReport } from './report.js';
import { checkReviewEventsKept } from './review-evidence.js';
import { AnchorTap, recoveryFileFor } from './anchor-lines.js';
import { checkLogAnchors } from './log-anchors.js';
import { judgePackTimestamp, peekCreatedAt } from './timestamps.js';
import { THREAD_START_WAIT_MS, WAIT_FOR_THREAD_FROM_BYTES } from '../worker/index.js';

const LOG = PACK_PATH.log;
type Background = ReturnType<typeof startBackground>;

/** What is gathered from a pack directory before it is judged. */
interface DirRead {
  readonly dir: string;
  readonly f: Findings;
  readonly found: readonly { rel: string; size: number }[];
  readonly files: Map<string, CollectedFile>;
  readonly tags: Map<string, Buffer | 'too-large'>;
  readonly csv: Map<string, CsvStats>;
  readonly tap: PruneEventTap;
  readonly exportTap: ExportEventTap;
  readonly lineTree: LineTreeTap;
  readonly reviewTap: ReviewEventTap;
  /** The log's anchor lines, found in the log pass (no second read of the log for them). */
  readonly anchorTap: AnchorTap;
  /** What the log says of packs kept unverified, found in the log pass (the archive check's: kept-events.ts). */
  readonly keptTap: KeptEventTap;
  readonly configTap: ConfigSnapshotTap;
  exportDate: string | undefined;
  alerts: PackFacts['alerts'];
  alertSeqs: (number | undefined)[] | undefined;
  log: LogFacts | undefined;
  filter: RecordedAlertFilter | undefined;
  derived: Derived | undefined;
  /** data/alerts.jsonl read alongside the log (closed at the end). */
  alertStream: AlertLineStream | undefined;
  /** The compliance re-check, fed by the log pass. */
  compliance: ComplianceRecheckStart | undefined;
  /** The payload derivation, started before the log pass (startDerivation); undefined until then or without one. */
  derive: PayloadDerivation | undefined;
  /** Whether `derive` hands its compliance records on to the re-check (startDerivation). */
  deriveRecords: boolean;
  /** Whether the hashing and the payload derivation run on threads of their own (VerifyPackOptions.threads). */
  readonly threads: boolean;
}

/** The digest recorded for a file the layout does not define, which is not read: no SHA-256 equals it. */
const NOT_READ = '(not read: not a file of the layout)';

/** @internal Verifies a pack directory already known to be a real directory. */
export async function verifyPackDir(
  dir: string,
  target: string,
  options: VerifyPackOptions,
  dirName: string | undefined,
): Promise<PackReport> {
  const f = new Findings();
  const found = await walk(dir, f);
  const bytes = found.reduce((n, x) => n + x.size, 0);
  if (found.length === 0) f.add('EMPTY_DIRECTORY', 'error', '.', 'the pack directory holds no files');
  const r: DirRead = {
    dir,
    f,
    found,
    files: new Map(),
    tags: new Map(),
    csv: new Map(),
    tap: new PruneEventTap(LOG, options.chainEventRoom),
    exportTap: new ExportEventTap(LOG, options.chainEventRoom),
    lineTree: new LineTreeTap(),
    reviewTap: new ReviewEventTap(LOG, [], options.reviewEventRoom),
    anchorTap: new AnchorTap(),
    keptTap: new KeptEventTap(),
    configTap: new ConfigSnapshotTap(),
    exportDate: undefined,
    alerts: undefined,
    alertSeqs: undefined,
    log: undefined,
    filter: undefined,
    derived: undefined,
    compliance: undefined,
    derive: undefined,
    deriveRecords: false,
    alertStream: undefined,
    // A small pack on this thread (worker/thread.ts says why): an archive of a year of them paid two starts each.
    threads: options.threads ?? bytes >= THREADS_FROM_BYTES,
  };
  // In the background (a worker thread): every payload file's digest — the CSVs hashed and counted,
  // the two JSONL files only hashed, in a read of their own: the reading thread, which checks
  // their lines, is the critical path, and the whole-file digest of the log was about a sixth of its
  // time — and, once asked, the second part of audit.jsonl's chain. The log goes first, so its
  // pages are read from disk once for both threads.
  const bgFiles = found
    .filter((x) => ROOT_FILE_BOUNDS[x.rel] === undefined && packFileSpec(x.rel) !== undefined)
    .sort((a, b) => Number(b.rel === LOG) - Number(a.rel === LOG));
  // A file the layout does not define is an error whatever it holds, and is never read: a sparse
  // terabyte costs no disk and would take hours to hash (at58 F8). No digest stands for its bytes.
  for (const x of found)
    if (ROOT_FILE_BOUNDS[x.rel] === undefined && packFileSpec(x.rel) === undefined)
      r.files.set(x.rel, { size: x.size, sha256: NOT_READ });
  const bgJobs: HashJob[] = bgFiles.map((x) => ({
    path: join(dir, x.rel),
    csv: x.rel === PACK_PATH.orders || x.rel === PACK_PATH.fills,
  }));
  const background = startBackground(bgJobs, r.threads);
  // The workers keep running until closed: close them whatever happens.
  try {
    await readRootFiles(r); // a few bounded files: next to nothing on the heap
    r.exportDate =
      peekExportDate(r.tags.get(PACK_PATH.manifestJson)) ??
      (dirName === undefined ? undefined : parsePackName(dirName)?.date);
    r.filter = peekAlertFilter(r.tags.get(PACK_PATH.manifestJson));
    startDerivation(r, options);
    // Nothing more is allocated here until both threads have made their heaps (hash-jobs.ts
    // untilRunning; a thread making its heap resets the heap flags: src/worker/heap-flags.ts).
    if (r.threads && bytes >= WAIT_FOR_THREAD_FROM_BYTES)
      await Promise.all([background.untilRunning(THREAD_START_WAIT_MS), r.derive?.untilRunning(THREAD_START_WAIT_MS)]);
    await readAlerts(r, splitsLog(r, options));
    r.compliance = await startComplianceRecheck(dir, r.exportDate);
    await checkLog(r, background, options);
    const results = await background.hashes;
    bgFiles.forEach((x, i) => {
      const res = results[i] as (typeof results)[number];
      throwIfFailed(bgJobs[i] as HashJob, res);
      r.files.set(x.rel, { size: res.size, sha256: res.sha256 });
      if (res.csv !== undefined) r.csv.set(x.rel, res.csv);
    });
  } finally {
    background.close();
    r.alertStream?.close();
    await r.derive?.close(); // after a failure before the pass (else it is closed already)
  }
  return judgeDir(r, target, options, dirName);
}

/** The small files at the root, bounded: over its bound a file is only hashed. */
async function readRootFiles(r: DirRead): Promise<void> {
  for (const { rel, size } of r.found) {
    const bound = ROOT_FILE_BOUNDS[rel];
    if (bound === undefined) continue;
    const path = join(r.dir, rel);
    if (size > bound) {
      r.tags.set(rel, 'too-large');
      const h = await hashOne({ path, csv: false });
      throwIfFailed({ path, csv: false }, h);
      r.files.set(rel, { size: h.size, sha256: h.sha256 });
      continue;
    }
    const buf = await readBounded(path, bound);
    r.tags.set(rel, buf);
    r.files.set(rel, { size: buf.length, sha256: createHash('sha256').update(buf).digest('hex') });
  }
}

/** Whether the log will be cut between two threads (log-cut.ts decides where). */
function splitsLog(r: DirRead, options: VerifyPackOptions): boolean {
  const size = r.found.find((x) => x.rel === LOG)?.size;
  return size !== undefined && typeof options.logSplit === 'number';
}

/**
 * The payload derivation with its thread, started once manifest.json is read (the alert filter and
 * the CSV rules), beside the hashing thread: the two start-ups run together while this thread waits
 * for their heaps, and the log pass finds the derivation's thread running. Started at the pass, its
 * first batches ran on this thread while it came up, before this thread's code for them was
 * optimised, and it made its heap while this thread read (which let this thread's young generation
 * grow: heap-flags.ts). The compliance records are taken when the pack has a report and handed on to the
 * re-check once that is read, if it takes them (ComplianceRecheckStart.records); else they are
 * dropped and the re-check reads the lines itself, as without a derivation. A log cut between two
 * threads (tests) keeps its derivation made in checkLog.
 */
function startDerivation(r: DirRead, options: VerifyPackOptions): void {
  if (r.filter === undefined || typeof options.logSplit === 'number' || !r.found.some((x) => x.rel === LOG)) return;
  r.deriveRecords = r.found.some((x) => x.rel === PACK_PATH.complianceReport);
  const onRecords: RecordsConsumer | undefined = r.deriveRecords
    ? (b, lines, firstLine, digests) => r.compliance?.records?.(b, lines, firstLine, digests)
    : undefined;
  const csvRules = peekCsvRules(r.tags.get(PACK_PATH.manifestJson));
  r.derive = new PayloadDerivation(r.filter, r.exportDate, r.threads, onRecords, csvRules, join(r.dir, LOG));
}

/**
 * data/alerts.jsonl: its lines counted; its lines' hashes are read again
 * alongside the log (alert-stream.ts), so memory does not grow with the alerts. When the log is
 * cut between threads, the seqs are kept too (the worker's alert filter is made from them).
 */
async function readAlerts(r: DirRead, split: boolean): Promise<void> {
  if (!r.found.some((x) => x.rel === PACK_PATH.alerts)) return;
  const path = join(r.dir, PACK_PATH.alerts);
  const acc = alertAccumulator(split ? { date: r.exportDate } : undefined, true);
  // Its whole-file digest is the background thread's (verifyPackDir).
  await scanLines(path, acc.onLine, { view: true, noFollow: true }).catch((err: unknown) => {
    throw wrapFsError(err, 'read', path);
  });
  const got = acc.result();
  r.alertStream = new AlertLineStream(path, got.lines);
  r.alerts = { ...got, hashes: r.alertStream };
  r.alertSeqs = acc.seqs();
}

/**
 * The log, read once by this thread: chain and counts line by line, and every line fed to the payload derivation, the compliance re-check, the line tree
 * and the event taps. A large log is cut at a line
 * start: the hashing worker checks the chain after the cut (log-range.ts) while this thread checks
 * it before the cut; the parts are joined, or the second part is checked again here when it had
 * anything to report.
 */
async function checkLog(r: DirRead, background: Background, options: VerifyPackOptions): Promise<void> {
  const logFile = r.found.find((x) => x.rel === LOG);
  if (logFile === undefined) return;
  const date = r.exportDate;
  const full = options.full === true;
  const checker = new LogChecker({
    file: LOG,
    findings: r.f,
    date,
    alertHashes: r.alerts?.hashes,
    full,
    emptyOk: true,
  });
  // The checker's recovery file (log-check.ts): a line a recovery describes is no anchor and no event to the taps.
  r.anchorTap.recoveryFile = recoveryFileFor(date);
  for (const t of [r.tap, r.exportTap, r.reviewTap, r.keptTap, r.configTap]) t.watch.file = r.anchorTap.recoveryFile;
  const p = join(r.dir, LOG);
  // The second thread finds alert lines among its events by their seq (log-check.ts).
  const alertFilter = r.alertSeqs === undefined ? undefined : alertFilterOf(r.alertSeqs);
  const forced = typeof options.logSplit === 'number' ? options.logSplit : 'none';
  const cut = alertFilter?.complete === false ? undefined : await cutFor(p, logFile.size, forced, r.found);
  // The second core runs the derivation's batches (the export's ring of shared slots), and with them
  // the compliance records: the re-check takes its records from that scan of each line (the export's
  // own path); only without a derivation does it read the lines itself. The log is cut between two
  // threads only when asked (tests): a second checker's heap and the alert seqs it needs cost more
  // memory than the derivation's thread, and grew with the alerts.
  const records = r.compliance?.records;
  const csvRules = peekCsvRules(r.tags.get(PACK_PATH.manifestJson));
  const derive =
    r.derive ??
    (r.filter === undefined
      ? undefined
      : new PayloadDerivation(r.filter, date, r.threads && cut === undefined, records, csvRules, p));
  const recordsTaken = records !== undefined && (r.derive === undefined || r.deriveRecords);
  const compliance = derive === undefined || !recordsTaken ? r.compliance?.feed : undefined;
  const lineTree = derive === undefined ? r.lineTree : undefined; // else the derivation's tree is the log's
  // `category`: what the checker read the line as (the taps skip events of other categories);
  // `read`: its entries, when it read the line as an event (the derivation does not read it again).
  const feed = (l: ScannedLine, category?: string, read?: EntryTable): void => {
    derive?.push(l, read, category);
    compliance?.(l);
    lineTree?.push(l);
    r.tap.push(l, category);
    r.exportTap.push(l, category);
    r.reviewTap.push(l, category);
    r.anchorTap.push(l);
    r.keptTap.push(l, category);
    r.configTap.push(l, category);
  };
  try {
    const range =
      cut === undefined
        ? undefined
        : background.checkLogRange({ path: p, start: cut, file: LOG, date, full, alertFilter });
    // No job comes after these: the thread ends once they are answered, not with the pass (its
    // isolate and heap, ~15-20 MB, were held to the end of a long log's pass for nothing).
    Promise.all([background.hashes, range]).then(background.close, () => undefined);
    const push = (l: ScannedLine): void => {
      checker.push(l);
      feed(l, checker.lastCategory, checker.lastEntries);
    };
    // The anchor tap searches each chunk for its marker once, not each line (anchor-lines.ts).
    const onChunk = (c: Buffer): void => r.anchorTap.chunk(c);
    // The read waits while the derivation is behind (its waiting batches hold ~1 MiB each).
    const afterChunk = () => derive?.room();
    await scanLines(p, push, { view: true, noFollow: true, end: cut, onChunk, afterChunk });
    if (cut !== undefined && range !== undefined) {
      const rest = { view: true, noFollow: true, start: cut, firstLineNumber: checker.facts.lines + 1 } as const;
      await scanLines(p, (l) => feed(l), { ...rest, onChunk, afterChunk });
      if (!checker.join(await range)) await scanLines(p, (l) => checker.push(l), rest);
    }
  } catch (err) {
    await derive?.close();
    throw wrapFsError(err, 'read', p);
  }
  r.log = checker.finish();
  r.derived = await derive?.finish();
}

/** Judges what was gathered, then the checks that need the judged manifest; the report. */
async function judgeDir(
  r: DirRead,
  target: string,
  options: VerifyPackOptions,
  dirName: string | undefined,
): Promise<PackReport> {
  const { dir, f, files, tags, exportDate } = r;
  const facts: PackFacts = { dirName, files, tags, csv: r.csv, alerts: r.alerts, log: r.log };
  const manifestBuf = tags.get(PACK_PATH.manifestJson);
  const manifestSha = Buffer.isBuffer(manifestBuf) ? files.get(PACK_PATH.manifestJson)?.sha256 : undefined;
  const manifest = judgePack(facts, trustOf(options), f, manifestSha);
  if (r.log !== undefined) r.lineTree.judge(manifestBuf, f, r.derived?.lineTree);
  const filter = r.filter;
  if (r.derived !== undefined && filter !== undefined)
    await judgeDerived(r.derived.files, files, f, (path) =>
      explainDifference(dir, path, filter, exportDate, peekCsvRules(manifestBuf)),
    );
  const ts = options.timestamps ?? {};
  const timestamped = await judgePackTimestamp(tags, ts, f, { exportDate, createdAt: peekCreatedAt(manifestBuf) });
  const anchors =
    r.log === undefined
      ? 0
      : await checkLogAnchors(join(dir, LOG), LOG, f, ts, { date: exportDate, fromDayStart: false }, r.anchorTap).catch(
          (err: unknown) => {
            throw wrapFsError(err, 'read', join(dir, LOG));
          },
        );
  const compliance = await r.compliance?.finish(f, pageFactsOf(manifestBuf, manifest, tags), r.log !== undefined);
  const checked: Record<string, number> = {
    ...checkedOf(files, r.log, r.alerts, tags.has(SIGNATURE_FILE)),
    timestamped: timestamped ? 1 : 0,
    anchors,
  };
  if (compliance !== undefined) checked.compliance_findings = compliance.findings;
  checkReviewEventsKept(r.reviewTap, LOG, f);
  checkChainEventsKept([r.tap, r.exportTap], options.chainEventRoom !== undefined, LOG, f);
  const unbound = await checkConfigInForceDir(
    dir,
    f,
    r.log === undefined ? undefined : r.configTap,
    exportDate,
    options.inArchive !== true,
  );
  const report: PackReport = {
    ...makeReport('pack', target, checked, f),
    manifest,
    pruneEvents: r.tap.events,
    exportEvents: r.exportTap.events,
    stampEvents: r.exportTap.stamps,
    ...(timestamped?.tsaSerial !== undefined ? { token: timestamped } : {}),
    reviewEvents: r.reviewTap.events,
    ...(r.reviewTap.dropped > 0 ? { reviewEventsDropped: r.reviewTap.dropped } : {}),
    ...(options.keepProvenance === true ? { reportPolicies: r.compliance?.policies ?? null } : {}),
  };
  if (compliance?.policyQuestion !== undefined) policyQuestions.set(report, compliance.policyQuestion);
  keptNotesOf.set(report, r.keptTap.list());
  if (unbound.length > 0) unboundInForceOf.set(report, unbound);
  return report;
}
