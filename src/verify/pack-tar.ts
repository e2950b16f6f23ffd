/**
 * Verifying a `.tar.gz` pack by streaming it: nothing is written to disk. One pass gathers every
 * file's digest, the root files, the CSV counts and the alerts; the log is checked in the same pass
 * when manifest.json and alerts.jsonl came before it, else in a second pass over the log entry.
 * Every entry name is hostile: one top directory, safe names, regular files only.
 */
import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { basename } from 'node:path';
import { LineSplitter, type ScannedLine } from '../chain/lines.js';
import { AuditpackError, wrapFsError } from '../errors.js';
import { ReviewEventTap } from '../review/index.js';
import { PACK_ARCHIVE_SUFFIX, PACK_PATH, parsePackName, ROOT_FILE_BOUNDS, SIGNATURE_FILE } from '../format/pack.js';
import { recoveryFileFor } from './anchor-lines.js';
import { checkChainEventsKept, ExportEventTap, PruneEventTap } from './chain-events.js';
import { type LargeSnapshotFile, largeSnapshotOf, OPENING_BYTES } from './compliance-bytes.js';
import { addUnbound, ConfigSnapshotTap, judgeConfigInForce, MAX_CONFIG_IN_FORCE_BYTES } from './config-in-force.js';
import { judgeNewestRecord } from './config-of-record.js';
import { isSafeRelativePath } from './checksum-file.js';
import { CsvCounter, type CsvStats } from './csv-count.js';
import { LogChecker } from './log-check.js';
import type { LogFacts } from './log-facts.js';
import type { CollectedFile, PackFacts } from './pack-facts.js';
import {
  alertAccumulator,
  checkedOf,
  NO_MANIFEST,
  peekAlertFilter,
  peekCsvRules,
  peekExportDate,
  trustOf,
} from './pack-gather.js';
import { LineTreeTap } from './line-tree.js';
import { judgePack } from './pack-judge.js';
import { tarLostNoteQuestion } from './pack-tar-policy.js';
import { policyQuestions } from './provenance.js';
import type { PackReport, VerifyPackOptions } from './pack-report.js';
import { MAX_PROVENANCE_BYTES, PROVENANCE_FILES } from './pack-standalone.js';
import { judgeDerived, PayloadDerivation } from './payload.js';
import { Findings, makeReport, printableName } from './report.js';
import { checkReviewEventsKept } from './review-evidence.js';
import { readTarGz, type TarEntry, TarFormatError, type TarEntrySink } from './tar.js';
import { judgePackTimestamp, peekCreatedAt } from './timestamps.js';

/** Verifies a `.tar.gz` pack. Throws READ_FAILED only when the file itself cannot be read. */
export async function verifyPackTar(path: string, options: VerifyPackOptions): Promise<PackReport> {
  try {
    const st = await lstat(path);
    if (!st.isFile() && !st.isSymbolicLink())
      throw new AuditpackError('READ_FAILED', `${path} is not a file`, { details: { path } });
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
  const f = new Findings();
  const name = basename(path).replace(/\.(tar\.gz|tgz)$/, '');
  const reader = new TarPackReader(path, name, options, f);
  try {
    await reader.read();
  } catch (err) {
    if (!(err instanceof TarFormatError || isZlibError(err))) throw wrapFsError(err, 'read', path);
    f.add('PACK_TAR_INVALID', 'error', '.', `not a readable .tar.gz: ${(err as Error).message}`);
    const report = makeReport('pack-tar', path, { files: reader.files.size }, f);
    return { ...report, manifest: NO_MANIFEST, pruneEvents: [], reviewEvents: [] };
  }
  const root = reader.root;
  if (root === undefined) f.add('EMPTY_DIRECTORY', 'error', '.', 'the archive holds no entries');
  else {
    // `D.tar.gz` holds `D/`; a superseded `D.vN.tar.gz` keeps the `D/` it was made with.
    const named = parsePackName(name);
    if (named !== undefined && root !== name && root !== named.date) {
      f.add(
        'PACK_DATE_MISMATCH',
        'error',
        '.',
        `the archive is named ${name}${PACK_ARCHIVE_SUFFIX} but holds ${root}/`,
      );
    }
  }
  return judgeTar(reader, path, options, f);
}

/** config_in_force.json's bytes, or 'too-large' (only config_snapshot.json is judged past its bound). */
function configInForceOf(v: Buffer | 'too-large' | LargeSnapshotFile | undefined): Buffer | 'too-large' | undefined {
  return v === undefined || v === 'too-large' || Buffer.isBuffer(v) ? v : 'too-large';
}

/** Judges what the reader gathered; the report. */
async function judgeTar(r: TarPackReader, path: string, options: VerifyPackOptions, f: Findings): Promise<PackReport> {
  const { files, tags } = r;
  const facts: PackFacts = { dirName: r.root, files, tags, csv: r.csv, alerts: r.alerts, log: r.log };
  const manifestBuf = tags.get(PACK_PATH.manifestJson);
  const manifestSha = Buffer.isBuffer(manifestBuf) ? files.get(PACK_PATH.manifestJson)?.sha256 : undefined;
  const manifest = judgePack(facts, trustOf(options), f, manifestSha);
  if (r.log !== undefined) r.lineTree.judge(manifestBuf, f);
  const derived = await r.derive?.finish();
  if (derived !== undefined) await judgeDerived(derived.files, files, f);
  // Chain anchors inside a .tar.gz are not checked (that needs random access): verify the directory.
  const timestamped = await judgePackTimestamp(tags, options.timestamps ?? {}, f, {
    exportDate: manifest.exportDate,
    createdAt: peekCreatedAt(manifestBuf),
  });
  checkReviewEventsKept(r.reviewTap, PACK_PATH.log, f);
  checkChainEventsKept([r.tap, r.exportTap], options.chainEventRoom !== undefined, PACK_PATH.log, f);
  const snap = r.configFiles.get(PACK_PATH.configSnapshot);
  const tap = r.log === undefined ? undefined : r.configTap;
  judgeNewestRecord(f, snap, tap);
  const unbound = judgeConfigInForce(
    f,
    configInForceOf(r.configFiles.get(PACK_PATH.configInForce)),
    snap,
    tap,
    manifest.exportDate,
  );
  // In an artifacts directory a .tar.gz pack's entries are held to its own log only (the directory
  // check reads the pack directories' logs and the chain for theirs): the hint says so.
  addUnbound(
    f,
    PACK_PATH.configInForce,
    unbound,
    `the pack's ${PACK_PATH.log}`,
    options.inArchive === true ? 'a .tar.gz pack is held to its own log only' : undefined,
  );
  const checked = {
    ...checkedOf(files, r.log, r.alerts, tags.has(SIGNATURE_FILE)),
    timestamped: timestamped ? 1 : 0,
  };
  const report = {
    ...makeReport('pack-tar', path, checked, f),
    manifest,
    pruneEvents: r.tap.events,
    exportEvents: r.exportTap.events,
    stampEvents: r.exportTap.stamps,
    ...(timestamped?.tsaSerial !== undefined ? { token: timestamped } : {}),
    reviewEvents: r.reviewTap.events,
    ...(r.reviewTap.dropped > 0 ? { reviewEventsDropped: r.reviewTap.dropped } : {}),
  };
  if (options.keepProvenance !== true) return report;
  const kept: PackReport = { ...report, provenance: r.kept };
  // A "record lost" note of an earlier day's snapshot: asked of the log directory by the caller (path.ts).
  const q = tarLostNoteQuestion(r.kept, configInForceOf(r.configFiles.get(PACK_PATH.configInForce)), tap);
  if (q !== undefined) policyQuestions.set(kept, q);
  return kept;
}

/** Gathers a `.tar.gz` pack's facts from its stream. */
class TarPackReader {
  readonly files = new Map<string, CollectedFile>();
  readonly tags = new Map<string, Buffer | 'too-large'>();
  readonly csv = new Map<string, CsvStats>();
  readonly tap: PruneEventTap;
  readonly exportTap: ExportEventTap;
  /** The review events of the log, against the room the archive shares among its packs (as pack-dir). */
  readonly reviewTap: ReviewEventTap;
  readonly lineTree = new LineTreeTap();
  readonly configTap = new ConfigSnapshotTap();
  /** data/config_in_force.json and data/config_snapshot.json, within their bound. */
  readonly configFiles = new Map<string, Buffer | 'too-large' | LargeSnapshotFile>();
  /** With `keepProvenance`: the files the standalone notes read, when within their bound. */
  readonly kept = new Map<string, Buffer>();
  alerts: PackFacts['alerts'];
  log: LogFacts | undefined;
  /** The one top directory of the archive (the first entry's). */
  root: string | undefined;
  derive: PayloadDerivation | undefined;
  private logNeedsSecondPass = false;

  constructor(
    private readonly path: string,
    private readonly name: string,
    private readonly options: VerifyPackOptions,
    private readonly f: Findings,
  ) {
    this.tap = new PruneEventTap(PACK_PATH.log, options.chainEventRoom);
    this.exportTap = new ExportEventTap(PACK_PATH.log, options.chainEventRoom);
    this.reviewTap = new ReviewEventTap(PACK_PATH.log, [], options.reviewEventRoom);
  }

  /** One pass over the archive, and a second over the log entry when the first could not check it. */
  async read(): Promise<void> {
    await readTarGz(this.path, (e) => this.sinkFor(e));
    if (!this.logNeedsSecondPass) return;
    let checker: LogChecker | undefined;
    await readTarGz(this.path, (e) => {
      if (e.type !== 'file' || this.relOf(e.name) !== PACK_PATH.log) return undefined;
      const c = this.newChecker();
      checker = c;
      const splitter = this.logSplitter(c);
      return { write: (chunk) => splitter.write(chunk), end: () => splitter.end() };
    });
    if (checker !== undefined) this.log = checker.finish();
  }

  /** The path of an entry inside the pack ('' for the top directory), or undefined (a finding) when unsafe. */
  private relOf(entryName: string): string | undefined {
    const clean = entryName.replace(/\/+$/, '');
    const slash = clean.indexOf('/');
    const top = slash === -1 ? clean : clean.slice(0, slash);
    if (this.root === undefined) this.root = top;
    if (!isSafeRelativePath(clean) || top !== this.root) {
      this.f.add(
        'PACK_PATH_UNSAFE',
        'error',
        printableName(entryName),
        `an entry outside the pack's one top directory ${this.root}/ (or with "..", an absolute path or odd characters); not used`,
      );
      return undefined;
    }
    return slash === -1 ? '' : clean.slice(slash + 1);
  }

  /** What to do with an entry's bytes: undefined to skip it. */
  private sinkFor(e: TarEntry): TarEntrySink | undefined {
    const rel = this.relOf(e.name);
    if (rel === undefined || e.type === 'directory') return undefined;
    if (e.type !== 'file') {
      this.f.add(
        'NOT_A_REGULAR_FILE',
        'error',
        rel || e.name,
        `a ${e.type} entry in the archive${e.linkName ? ` (to ${printableName(e.linkName)})` : ''}; not followed`,
      );
      return undefined;
    }
    // A regular file named as the top directory itself ("D", no slash) is kept as the file '' so
    // the file-set rule reports it (PACK_FILE_UNEXPECTED): bytes no manifest covers, which
    // `tar -xO` prints with the pack's files.
    if (this.files.has(rel)) {
      this.f.add('PACK_TAR_INVALID', 'error', rel, 'appears twice in the archive; the last copy was checked');
    }
    return this.fileSink(rel);
  }

  /** A regular file: its digest, and what its role needs (root bytes, CSV counts, alert lines, the log check). */
  private fileSink(rel: string): TarEntrySink {
    const h = createHash('sha256');
    let size = 0;
    const parts: Buffer[] = [];
    const root = Object.hasOwn(ROOT_FILE_BOUNDS, rel);
    const keep = this.options.keepProvenance === true && PROVENANCE_FILES.includes(rel);
    const config = rel === PACK_PATH.configInForce || rel === PACK_PATH.configSnapshot;
    // config_snapshot.json past its bound is still judged, by its digest and its opening's snapshot id.
    let opening = rel === PACK_PATH.configSnapshot ? Buffer.alloc(0) : undefined;
    // A kept root file (manifest.json) is kept within its root bound, which is the smaller.
    const bound = root
      ? ROOT_FILE_BOUNDS[rel]
      : keep
        ? MAX_PROVENANCE_BYTES
        : config
          ? MAX_CONFIG_IN_FORCE_BYTES
          : undefined;
    const counter = rel === PACK_PATH.orders || rel === PACK_PATH.fills ? new CsvCounter() : undefined;
    let splitter: LineSplitter | undefined;
    let acc: ReturnType<typeof alertAccumulator> | undefined;
    let checker: LogChecker | undefined;
    if (rel === PACK_PATH.alerts) {
      acc = alertAccumulator();
      splitter = new LineSplitter(acc.onLine);
    } else if (rel === PACK_PATH.log) {
      // The log's check needs manifest.json's date and the alert hashes: if they came first, check now.
      if (this.tags.has(PACK_PATH.manifestJson) && this.alerts !== undefined) {
        checker = this.newChecker();
        splitter = this.logSplitter(checker);
      } else this.logNeedsSecondPass = true;
    }
    return {
      write: (chunk) => {
        h.update(chunk);
        size += chunk.length;
        if (opening !== undefined && opening.length < OPENING_BYTES)
          opening = Buffer.concat([opening, chunk.subarray(0, OPENING_BYTES - opening.length)]);
        if (bound !== undefined && size <= bound) parts.push(Buffer.from(chunk));
        else if (parts.length > 0) parts.length = 0; // past its bound: hold nothing of it to its end
        counter?.write(chunk);
        splitter?.write(chunk);
      },
      end: () => {
        const sha256 = h.digest('hex');
        this.files.set(rel, { size, sha256 });
        const bytes = bound === undefined || size > bound ? undefined : Buffer.concat(parts);
        if (root) this.tags.set(rel, bytes ?? 'too-large');
        if (keep && bytes !== undefined) this.kept.set(rel, bytes);
        if (config)
          this.configFiles.set(
            rel,
            bytes !== undefined && size <= MAX_CONFIG_IN_FORCE_BYTES
              ? bytes
              : opening !== undefined
                ? largeSnapshotOf(sha256, opening)
                : 'too-large',
          );
        if (counter !== undefined) this.csv.set(rel, counter.finish());
        splitter?.end();
        if (acc !== undefined) this.alerts = acc.result();
        if (checker !== undefined) this.log = checker.finish();
      },
    };
  }

  private date(): string | undefined {
    return peekExportDate(this.tags.get(PACK_PATH.manifestJson)) ?? parsePackName(this.root ?? this.name)?.date;
  }

  private newChecker(): LogChecker {
    return new LogChecker({
      file: PACK_PATH.log,
      findings: this.f,
      date: this.date(),
      alertHashes: this.alerts?.hashes,
      full: this.options.full === true,
      emptyOk: true,
    });
  }

  /**
   * The log's lines to the checker, the derivation and the event search; the derivation starts
   * once manifest.json (the alert filter) has been read.
   */
  private logSplitter(checker: LogChecker): LineSplitter {
    const manifest = this.tags.get(PACK_PATH.manifestJson);
    const filter = peekAlertFilter(manifest);
    const d =
      filter === undefined
        ? undefined
        : new PayloadDerivation(filter, this.date(), false, undefined, peekCsvRules(manifest));
    this.derive = d;
    // The checker's recovery file (log-check.ts): a line a recovery describes is no event to the taps.
    const file = recoveryFileFor(this.date());
    for (const t of [this.tap, this.exportTap, this.reviewTap, this.configTap]) t.watch.file = file;
    return new LineSplitter((l: ScannedLine) => {
      checker.push(l);
      d?.push(l);
      this.tap.push(l);
      this.exportTap.push(l);
      this.reviewTap.push(l);
      this.lineTree.push(l);
      this.configTap.push(l);
    });
  }
}

function isZlibError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
