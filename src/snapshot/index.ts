/**
 * Config snapshots: what the trading system's configuration was at a moment, who took
 * the snapshot and why, with hashes, content, git facts and diffs, linked into the audit trail.
 *
 * A snapshot runs in two phases so that a failure leaves nothing half written: first everything
 * is read (discovery, every file hashed and redacted, the previous record, git), then the new
 * objects and finally the record are written, each complete before its name exists. An
 * unreadable file stops the snapshot in the first phase, before any write.
 *
 * Library functions take explicit options; only the CLI resolves config (snapshotOptionsFromConfig).
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { hostname, userInfo } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DEFAULT_SNAPSHOT_PATTERNS, type AuditpackConfig } from '../config.js';
import { AuditpackError, isAuditpackError } from '../errors.js';
import { isoMicros } from '../format/log-line.js';
import { digestHandle } from '../fsx/digest.js';
import { systemClock } from '../logger/clock.js';
import { createAuditLogger, loadFileLock } from '../logger/index.js';
import { configFormatOf, redactConfigText } from '../redaction/config-text.js';
import {
  builtinSecretPatterns,
  compileRedactor,
  DEFAULT_CENSOR,
  normalizeKey,
  PROTECTED_KEYS,
  REDACTION_RULES_VERSION,
  SENSITIVE_KEY_FRAGMENTS,
  SENSITIVE_KEY_WORDS,
  type RedactionOptions,
  type Redactor,
} from '../redaction/index.js';
import { discoverConfigFiles } from './discover.js';
import { findWorkTree, isUntracked, readGitStatus, readHeadBlobs, type GitStatus } from './git.js';
import {
  listSnapshotIds,
  nextCounter,
  objectPath,
  readObject,
  readRecord,
  sha256Hex,
  writeObjects,
  writeRecord,
} from './store.js';
import {
  SNAPSHOT_FORMAT,
  type ConfigSnapshot,
  type CreateSnapshotOptions,
  type SnapshotChanges,
  type SnapshotComparison,
  type SnapshotFileEntry,
  type SnapshotGitError,
  type SnapshotGitFacts,
  type SnapshotSummary,
  type StartupSnapshotOptions,
} from './types.js';
import { binaryDiff, splitDiffSections, unifiedDiff } from './unified-diff.js';

export * from './types.js';
export { isSnapshotId, SNAPSHOT_ID_PATTERN, timestampOfId } from './store.js';
export { unifiedDiff, binaryDiff, splitDiffSections, type DiffSide, type DiffSection } from './unified-diff.js';
export { discoverConfigFiles } from './discover.js';

/** Default store location, relative to cwd. */
export const DEFAULT_SNAPSHOT_DIR = 'audit/snapshots';
/** Default size limit: larger files are hashed, not stored. */
export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;
/** Bumped when config-text redaction changes what it replaces (part of the rules fingerprint). */
const CONFIG_TEXT_RULES_VERSION = 3;
/** git's rule: a NUL in the first 8000 bytes makes a file binary. */
const BINARY_SNIFF_BYTES = 8000;
const READ_CONCURRENCY = 16;
/** Longest stretch of synchronous file reading before yielding to the event loop. */
const SLICE_MS = 10;
const DEFAULT_GIT_TIMEOUT_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// Taking a snapshot

/** A file read in the first phase. */
interface Scanned {
  readonly path: string;
  readonly entry: SnapshotFileEntry;
  /** Bytes to store when the object is new to the store. */
  readonly toWrite?: Buffer;
  /** The stored (redacted) text, when the file is text and was read now. */
  readonly storedText?: string;
}

interface ScanContext {
  readonly cwd: string;
  readonly snapshotDir: string;
  readonly maxFileBytes: number;
  readonly redactor: Redactor;
  /** The previous snapshot's entries, reusable when its redaction rules are the same. */
  readonly reusable: Readonly<Record<string, SnapshotFileEntry>> | undefined;
}

/**
 * Takes a config snapshot: discovers the files, hashes and stores them (redacted), records git
 * facts and diffs, writes the immutable record, and, when `logDir` is given, appends a
 * `config` / `ConfigSnapshot` event to the audit log.
 *
 * Throws USAGE (empty reason), SNAPSHOT_NO_FILES (nothing matched, unless allowEmpty),
 * SNAPSHOT_READ_FAILED (a file or directory could not be read; nothing was written), WRITE_FAILED /
 * PERMISSION_DENIED (the store could not be written), or the logger's error when the record was
 * written but its audit event could not be (the message says so and names the snapshot).
 * A git failure is not thrown: the snapshot records `git: null` and `git_error`.
 */
export async function createConfigSnapshot(options: CreateSnapshotOptions): Promise<ConfigSnapshot> {
  const reason = typeof options.reason === 'string' ? options.reason.trim() : '';
  if (reason === '') throw new AuditpackError('USAGE', 'a snapshot needs a reason (--reason "<why>")');
  if (typeof options.cwd !== 'string' || options.cwd === '')
    throw new AuditpackError('USAGE', 'createConfigSnapshot: cwd is required');
  const cwd = resolve(options.cwd);
  let cwdReal: string;
  try {
    cwdReal = await realpath(cwd);
  } catch (err) {
    throw new AuditpackError('PATH_NOT_FOUND', `working directory ${cwd} does not exist`, {
      cause: err,
      details: { path: cwd },
    });
  }
  const snapshotDir = resolve(cwd, options.snapshotDir ?? DEFAULT_SNAPSHOT_DIR);
  const logDir = options.logDir === undefined ? undefined : resolve(cwd, options.logDir);
  // The snapshot is recorded in the log last: an install that cannot log fails before writing anything.
  if (logDir !== undefined) loadFileLock();
  const patterns = options.patterns && options.patterns.length > 0 ? options.patterns : DEFAULT_SNAPSHOT_PATTERNS;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!Number.isInteger(maxFileBytes) || maxFileBytes < 0)
    throw new AuditpackError('USAGE', `maxFileBytes must be a whole number ≥ 0, got ${String(maxFileBytes)}`);
  const redactionOptions = normalizeRedaction(options.redaction);
  const redactor = compileRedactor(redactionOptions);
  // The reason is caller text, stored in the record and printed by list/show and in packs: the
  // same rules as the files (a pasted "rotated key ghp_…" must not outlive the rotation).
  const storedReason = redactor.redactString(reason);
  const rules = rulesFingerprint(redactionOptions);
  const durable = options.durable !== false;
  const gitTimeoutMs = options.gitTimeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  const micros = (options.clock ?? systemClock())();
  if (!Number.isSafeInteger(micros) || micros < 0)
    throw new AuditpackError('USAGE', `clock must return whole epoch microseconds, got ${String(micros)}`);

  // Phase 1: read everything. git runs alongside the file reads.
  const workTree = await findWorkTree(cwdReal);
  const gitStatusP: Promise<GitStatus | AuditpackError> | undefined = workTree
    ? readGitStatus(workTree, gitTimeoutMs).catch((err: unknown) => asGitError(err))
    : undefined;
  // Never leave the git promise unobserved, whatever fails below.
  gitStatusP?.catch(() => undefined);

  // The previous record is read while discovery walks the tree.
  const previousP = (async () => {
    const ids = await listSnapshotIds(snapshotDir);
    const last = ids.at(-1);
    return {
      existingIds: ids,
      previousId: last,
      previous: last === undefined ? undefined : await readRecord(snapshotDir, last),
    };
  })();
  previousP.catch(() => undefined);

  const paths = await discoverConfigFiles({ cwd, patterns, exclude: logDir ? [snapshotDir, logDir] : [snapshotDir] });
  if (paths.length === 0 && options.allowEmpty !== true) {
    throw new AuditpackError(
      'SNAPSHOT_NO_FILES',
      `no config files match ${patterns.map((p) => JSON.stringify(p)).join(', ')} under ${cwd}`,
      {
        details: { cwd, patterns: [...patterns] },
      },
    );
  }
  const { existingIds, previousId, previous } = await previousP;
  const ctx: ScanContext = {
    cwd,
    snapshotDir,
    maxFileBytes,
    redactor,
    reusable: previous && previous.redaction?.rules === rules ? previous.files : undefined,
  };
  const scanned = await scanAll(paths, ctx);

  let git: SnapshotGitFacts | null = null;
  let gitError: SnapshotGitError | undefined;
  const headDiffs = new Map<string, string>();
  const headChanges: string[] = [];
  let headRedacted = false;
  if (workTree && gitStatusP) {
    const status = await gitStatusP;
    if (status instanceof AuditpackError) {
      gitError = { code: 'GIT_FAILED', message: redactor.redactString(status.message) };
    } else {
      try {
        headRedacted = await diffAgainstHead(
          workTree,
          cwdReal,
          status,
          scanned,
          ctx,
          gitTimeoutMs,
          headDiffs,
          headChanges,
          previous,
          rules,
        );
        git = status.facts;
      } catch (err) {
        const e = asGitError(err);
        gitError = { code: 'GIT_FAILED', message: redactor.redactString(e.message) };
        headDiffs.clear();
        headChanges.length = 0;
        headRedacted = false;
      }
    }
  }

  const changes = compareEntries(previous?.files, Object.fromEntries(scanned.map((s) => [s.path, s.entry])));
  const storedTextOf = new Map<string, string>();
  for (const s of scanned) if (s.storedText !== undefined) storedTextOf.set(s.path, s.storedText);
  const previousSide = previous
    ? await loadSides(snapshotDir, previous, [...changes.removed, ...changes.changed])
    : new Map<string, Side>();
  const currentSide = await loadSides(
    snapshotDir,
    { files: Object.fromEntries(scanned.map((s) => [s.path, s.entry])) },
    [...changes.added, ...changes.changed].filter((p) => !storedTextOf.has(p)),
  );
  for (const [p, text] of storedTextOf) currentSide.set(p, { kind: 'text', text });

  // Phase 2: write the new objects, then the record.
  const toStore = new Map<string, Buffer>();
  for (const s of scanned) if (s.toWrite !== undefined) toStore.set(s.entry.object as string, s.toWrite);
  await writeObjects(snapshotDir, toStore, { durable });

  // Keyed by paths from the file system: a null prototype, so a file named "__proto__" is a key like any other.
  const files: Record<string, SnapshotFileEntry> = Object.create(null);
  for (const s of scanned) files[s.path] = s.entry;
  const actor = actorOf(options.actor);
  const anyRedacted = headRedacted || scanned.some((s) => s.entry.redacted === true || s.entry.withheld === true);
  const added = new Set(changes.added);
  const removed = new Set(changes.removed);
  const build = (id: string): ConfigSnapshot => {
    const diffs: Record<string, string> = Object.create(null);
    const prevLabel = previousId === undefined ? '' : `snapshot ${previousId}`;
    const curLabel = `snapshot ${id}`;
    const all = [...new Set([...headDiffs.keys(), ...changes.added, ...changes.removed, ...changes.changed])].sort(
      byCodeUnit,
    );
    for (const p of all) {
      let text = headDiffs.get(p) ?? '';
      if (previous) {
        const a = added.has(p) ? null : previousSide.get(p);
        const b = removed.has(p) ? null : currentSide.get(p);
        if (a !== undefined && b !== undefined && (a !== null || b !== null)) {
          text += diffSides(p, a, b, prevLabel, curLabel);
        }
      }
      if (text !== '') diffs[p] = text;
    }
    const record: ConfigSnapshot = {
      format: SNAPSHOT_FORMAT,
      snapshot_id: id,
      timestamp: isoMicros(micros),
      reason: storedReason,
      actor,
      git,
      ...(gitError ? { git_error: gitError } : {}),
      files,
      diffs,
      changes,
      head_changes: [...headChanges].sort(byCodeUnit),
      redacted: anyRedacted,
      redaction: { enabled: redactor.enabled, rules },
      previous_snapshot_id: previousId ?? null,
    };
    return record;
  };
  let record: ConfigSnapshot | undefined;
  const written = await writeRecord(
    snapshotDir,
    micros,
    nextCounter(existingIds, micros),
    (id) => {
      record = build(id);
      return `${JSON.stringify(record, null, 2)}\n`;
    },
    { durable },
  );
  const snapshot = record as ConfigSnapshot;

  // Phase 3: link the snapshot into the audit trail.
  if (logDir !== undefined) {
    await appendSnapshotEvent(logDir, snapshot, sha256Hex(written.json), options);
  }
  return snapshot;
}

/**
 * For the trading app's start: takes a snapshot with reason "startup" (or the given one), or does
 * nothing and resolves undefined when `autoStartup` is false (SNAPSHOT_AUTO_STARTUP=false).
 * It throws like createConfigSnapshot (no config files, an unreadable file): the app decides
 * whether starting without a snapshot is acceptable.
 *
 * ```ts
 * await startupSnapshot(snapshotOptionsFromConfig(resolveConfig()));
 * ```
 */
export async function startupSnapshot(options: StartupSnapshotOptions): Promise<ConfigSnapshot | undefined> {
  if (options.autoStartup === false) return undefined;
  const { autoStartup: _ignored, reason, ...rest } = options;
  return createConfigSnapshot({ ...rest, reason: reason ?? 'startup' });
}

/**
 * Snapshot options from a resolved config (snapshot dir, patterns, size limit, redaction, log dir,
 * SNAPSHOT_AUTO_STARTUP), for the CLI and for apps that configure auditpack from the environment:
 * `startupSnapshot(snapshotOptionsFromConfig(resolveConfig()))`.
 */
export function snapshotOptionsFromConfig(
  config: AuditpackConfig,
): StartupSnapshotOptions & { snapshotDir: string; logDir: string } {
  return {
    cwd: config.cwd,
    snapshotDir: config.snapshotDir,
    logDir: config.logDir,
    patterns: config.snapshotPatterns,
    maxFileBytes: config.snapshotMaxFileBytes,
    redaction: { enabled: config.redactionEnabled, keys: config.redactKeys, patterns: config.redactPatterns },
    autoStartup: config.snapshotAutoStartup,
  };
}

async function appendSnapshotEvent(
  logDir: string,
  s: ConfigSnapshot,
  recordSha256: string,
  options: CreateSnapshotOptions,
): Promise<void> {
  const changed = [...s.changes.added, ...s.changes.removed, ...s.changes.changed].sort(byCodeUnit);
  try {
    const logger = createAuditLogger({
      logDir,
      durability: 'durable',
      handleExit: false,
      ...(options.redaction !== undefined ? { redaction: options.redaction } : {}),
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
      actor: s.actor.user,
    });
    try {
      await logger.log('config', 'ConfigSnapshot', {
        snapshot_id: s.snapshot_id,
        reason: s.reason,
        file_count: Object.keys(s.files).length,
        changed_files: changed,
        previous_snapshot_id: s.previous_snapshot_id,
        record_sha256: recordSha256,
        git_commit: s.git?.commit ?? null,
        git_dirty: s.git?.dirty ?? null,
      });
    } finally {
      await logger.close();
    }
  } catch (err) {
    const code = isAuditpackError(err) ? err.code : 'LOG_WRITE_FAILED';
    throw new AuditpackError(
      code,
      `snapshot ${s.snapshot_id} was written, but its ConfigSnapshot event could not be appended to ${logDir}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err, details: { snapshot_id: s.snapshot_id, logDir } },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Phase 1 helpers

/**
 * Reads every file: synchronous system calls in slices of at most SLICE_MS, yielding to the event
 * loop between slices. Config files are small and usually in the page cache, where one promise
 * round trip per open/fstat/read/close costs far more than the call itself (measured: about 4×
 * slower for 1,000 files); the slices keep a trading app's event loop responsive meanwhile.
 */
async function scanAll(paths: readonly string[], ctx: ScanContext): Promise<Scanned[]> {
  const out: Scanned[] = [];
  let sliceStart = performance.now();
  for (const p of paths) {
    out.push(scanFileSync(p, ctx) ?? (await scanLargeFile(p, ctx)));
    if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  if (scratch.length > 1024 * 1024) scratch = Buffer.allocUnsafe(0); // do not hold a large buffer for the process's life
  return out;
}

/** Scans one file; undefined when it is over the size limit (hashed by scanLargeFile instead). */
function scanFileSync(path: string, ctx: ScanContext): Scanned | undefined {
  const abs = isAbsolute(path) ? path : join(ctx.cwd, path);
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch (err) {
    throw readFailed(path, err);
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (st.size > BigInt(ctx.maxFileBytes)) return undefined;
    const mtime = isoMicros(Number(st.mtimeNs / 1000n));
    // Read into a reused scratch buffer: most files are unchanged and only hashed, so copying
    // (and collecting) 10 MB of buffers per snapshot would be wasted.
    const view = readAll(fd, Number(st.size), ctx.maxFileBytes);
    if (view === undefined) return undefined; // grew past the limit while being read
    const hash = sha256Hex(view);

    const prev = ctx.reusable !== undefined && Object.hasOwn(ctx.reusable, path) ? ctx.reusable[path] : undefined;
    if (prev && prev.hash === hash && prev.stored && prev.object && objectPresentSync(ctx.snapshotDir, prev.object)) {
      // Same bytes, same rules: the stored copy and its redaction are the same; skip the work.
      const entry: SnapshotFileEntry = {
        hash,
        size: view.length,
        mtime,
        stored: true,
        object: prev.object,
        ...(prev.binary ? { binary: true as const } : {}),
        ...(prev.redacted ? { redacted: true as const } : {}),
      };
      return { path, entry };
    }
    const buf = Buffer.from(view); // kept: to store, redact and diff
    if (isBinary(buf)) {
      // Binary content cannot be redacted in place: when it holds a secret (read as bytes, or as
      // UTF-16 text, which has a NUL in every ASCII character), or is a key store by its name,
      // only its hash and size are recorded.
      if (binaryHoldsSecret(path, buf, ctx.redactor))
        return { path, entry: { hash, size: buf.length, mtime, stored: false, binary: true, withheld: true } };
      return { path, entry: { hash, size: buf.length, mtime, stored: true, object: hash, binary: true }, toWrite: buf };
    }
    const { text, encoding } = decodeText(buf);
    const red = redactConfigText(text, configFormatOf(path), ctx.redactor);
    if (!red.redacted) {
      return {
        path,
        entry: { hash, size: buf.length, mtime, stored: true, object: hash },
        toWrite: buf,
        storedText: text,
      };
    }
    const stored = Buffer.from(red.text, encoding);
    return {
      path,
      entry: { hash, size: buf.length, mtime, stored: true, object: sha256Hex(stored), redacted: true },
      toWrite: stored,
      storedText: red.text,
    };
  } catch (err) {
    throw readFailed(path, err);
  } finally {
    try {
      closeSync(fd);
    } catch {
      // already failed; the read error is the one to report
    }
  }
}

let scratch = Buffer.allocUnsafe(0);

/**
 * Reads a whole file from `fd` into the scratch buffer; the view is valid until the next call.
 * Undefined if the file holds more than `max` bytes.
 */
function readAll(fd: number, sizeHint: number, max: number): Buffer | undefined {
  const want = Math.min(Math.max(sizeHint, 0), max) + 1;
  if (scratch.length < want) scratch = Buffer.allocUnsafe(Math.max(want, 64 * 1024));
  let n = 0;
  for (;;) {
    if (n === scratch.length) {
      if (n > max) return undefined;
      const bigger = Buffer.allocUnsafe(Math.min(scratch.length * 2, max + 1));
      scratch.copy(bigger, 0, 0, n);
      scratch = bigger;
    }
    const got = readSync(fd, scratch, n, scratch.length - n, null);
    if (got === 0) break;
    n += got;
  }
  return n > max ? undefined : scratch.subarray(0, n);
}

/** A file over the size limit: hashed in chunks without holding it, not stored. */
async function scanLargeFile(path: string, ctx: ScanContext): Promise<Scanned> {
  const abs = isAbsolute(path) ? path : join(ctx.cwd, path);
  let fh;
  try {
    fh = await open(abs, 'r');
  } catch (err) {
    throw readFailed(path, err);
  }
  try {
    const st = await fh.stat({ bigint: true });
    const { hash, size } = await hashStream(fh);
    return { path, entry: tooLarge(hash, size, isoMicros(Number(st.mtimeNs / 1000n))) };
  } catch (err) {
    throw readFailed(path, err);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

function tooLarge(hash: string, size: number, mtime: string): SnapshotFileEntry {
  return { hash, size, mtime, stored: false, too_large: true };
}

async function hashStream(fh: import('node:fs/promises').FileHandle): Promise<{ hash: string; size: number }> {
  const { size, digests } = await digestHandle(fh, ['sha256']);
  return { hash: digests.sha256.toString('hex'), size };
}

function objectPresentSync(snapshotDir: string, hash: string): boolean {
  try {
    return statSync(objectPath(snapshotDir, hash)).isFile();
  } catch {
    return false;
  }
}

function readFailed(path: string, err: unknown): AuditpackError {
  if (isAuditpackError(err)) return err;
  const e = err as NodeJS.ErrnoException;
  return new AuditpackError(
    'SNAPSHOT_READ_FAILED',
    `cannot read config file ${path}: ${e?.message ?? String(err)}; no snapshot was written`,
    {
      cause: err,
      details: { path, errno: e?.code },
    },
  );
}

/** Key stores and key files: secret material whatever their bytes look like (gitleaks pkcs12-file). */
const KEY_STORE_NAME = /\.(?:p12|pfx|jks|jceks|keystore|bcfks|kdbx|gpg|pgp|asc|key)$/i;

/**
 * True when a binary file must not be stored: a key store by its name, or bytes whose text view
 * (Latin-1, with and without its NULs) holds something the redactor would replace.
 */
function binaryHoldsSecret(path: string, buf: Buffer, redactor: Redactor): boolean {
  if (!redactor.enabled) return false;
  if (KEY_STORE_NAME.test(path)) return true;
  // Latin-1 keeps every byte; without the NULs, UTF-16 text (ASCII in every other byte) reads as text.
  const raw = buf.toString('latin1');
  const format = configFormatOf(path);
  return (
    redactConfigText(raw.replace(/\u0000/g, ''), format, redactor).redacted ||
    redactConfigText(raw, format, redactor).redacted
  );
}

function isBinary(buf: Buffer): boolean {
  return buf.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

/** UTF-8 when valid, else Latin-1 (byte-preserving), so re-encoding gives back the same bytes. */
function decodeText(buf: Buffer): { text: string; encoding: 'utf8' | 'latin1' } {
  return isUtf8(buf)
    ? { text: buf.toString('utf8'), encoding: 'utf8' }
    : { text: buf.toString('latin1'), encoding: 'latin1' };
}

function asGitError(err: unknown): AuditpackError {
  if (isAuditpackError(err, 'GIT_FAILED')) return err;
  return new AuditpackError('GIT_FAILED', `git failed: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}

/**
 * Diffs of config files with uncommitted changes against HEAD (redacted both sides). Fills
 * `diffs` and `changes`; resolves true if HEAD content had secrets replaced. Throws GIT_FAILED.
 */
async function diffAgainstHead(
  workTree: string,
  cwdReal: string,
  status: GitStatus,
  scanned: readonly Scanned[],
  ctx: ScanContext,
  timeoutMs: number,
  diffs: Map<string, string>,
  changes: string[],
  previous: ConfigSnapshot | undefined,
  rules: string,
): Promise<boolean> {
  const headLabel = `git HEAD ${status.facts.commit ?? '(no commits)'}`;
  // The previous snapshot's diff against the same HEAD, for a file whose bytes have not changed
  // since, is this snapshot's too: reuse it rather than ask git and diff again (a file edited
  // in place and never committed would otherwise cost the same work at every snapshot).
  const reusable =
    previous !== undefined &&
    previous.redaction?.rules === rules &&
    previous.git?.commit === status.facts.commit &&
    status.facts.commit !== null
      ? previous
      : undefined;
  const candidates: { s: Scanned; repoPath: string; untracked: boolean }[] = [];
  let redacted = false;
  for (const s of scanned) {
    const rel = relative(workTree, isAbsolute(s.path) ? s.path : join(cwdReal, s.path));
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) continue;
    const repoPath = rel.split(sep).join('/');
    const untracked = isUntracked(status, repoPath);
    if (!untracked && !status.changed.has(repoPath)) continue;
    const before = reusable && Object.hasOwn(reusable.files, s.path) ? reusable.files[s.path] : undefined;
    if (before && before.hash === s.entry.hash) {
      const old = Object.hasOwn(reusable!.diffs, s.path) ? reusable!.diffs[s.path] : undefined;
      const section = old === undefined ? undefined : splitDiffSections(old)?.find((d) => d.aLabel === headLabel);
      if (section) {
        diffs.set(s.path, section.text);
        changes.push(s.path);
        // Conservative: a reused text holding the censor counts as redacted.
        redacted ||= section.text.includes(ctx.redactor.censor);
        continue;
      }
      if (!reusable!.head_changes.includes(s.path)) continue; // it had no HEAD diff then: none now
    }
    candidates.push({ s, repoPath, untracked });
  }
  if (candidates.length === 0) return redacted;
  // HEAD's copy is fetched only where a content diff can be shown: not for a working file over
  // the size limit (its diff is a note), so a huge tracked file is never pulled into memory.
  const tracked = candidates.filter((c) => !c.untracked && !c.s.entry.too_large).map((c) => c.repoPath);
  const blobs =
    tracked.length > 0 && status.facts.commit !== null
      ? await readHeadBlobs(workTree, tracked, timeoutMs)
      : new Map<string, Buffer>();
  const current = await loadSides(
    ctx.snapshotDir,
    { files: Object.fromEntries(candidates.map((c) => [c.s.path, c.s.entry])) },
    candidates.filter((c) => c.s.storedText === undefined).map((c) => c.s.path),
  );
  for (const c of candidates)
    if (c.s.storedText !== undefined) current.set(c.s.path, { kind: 'text', text: c.s.storedText });
  for (const c of candidates) {
    const blob = blobs.get(c.repoPath);
    let headSide: Side | null = null;
    if (c.s.entry.too_large && !c.untracked) {
      headSide = { kind: 'unavailable', reason: 'HEAD version not read: the working file is over the size limit' };
    } else if (blob !== undefined) {
      if (blob.length > ctx.maxFileBytes) headSide = { kind: 'too_large', hash: sha256Hex(blob), size: blob.length };
      else if (isBinary(blob)) headSide = { kind: 'binary' };
      else {
        const red = redactConfigText(decodeText(blob).text, configFormatOf(c.s.path), ctx.redactor);
        redacted ||= red.redacted;
        headSide = { kind: 'text', text: red.text };
      }
    }
    const cur = current.get(c.s.path) as Side;
    // Same bytes as HEAD (a mode change, or staged then restored): no content diff to show.
    if (blob !== undefined && sha256Hex(blob) === c.s.entry.hash) continue;
    const text = diffSides(c.s.path, headSide, cur, headLabel, 'working tree');
    if (text !== '') {
      diffs.set(c.s.path, text);
      changes.push(c.s.path);
    }
  }
  return redacted;
}

// ---------------------------------------------------------------------------------------------
// Diff sides

/** One side of a diff, as far as it can be known. */
type Side =
  | { kind: 'text'; text: string }
  | { kind: 'binary' }
  | { kind: 'too_large'; hash: string; size: number }
  | { kind: 'unavailable'; reason: string };

/** Loads the stored content of `paths` from a record's entries. */
async function loadSides(
  snapshotDir: string,
  rec: { files: Readonly<Record<string, SnapshotFileEntry>> },
  paths: readonly string[],
): Promise<Map<string, Side>> {
  const out = new Map<string, Side>();
  await mapLimit(paths, READ_CONCURRENCY, async (p) => {
    const e = Object.hasOwn(rec.files, p) ? rec.files[p] : undefined;
    if (!e) return;
    if (e.withheld) {
      out.set(p, { kind: 'unavailable', reason: `not stored: binary holding a secret (sha256 ${e.hash})` });
      return;
    }
    if (!e.stored || !e.object) {
      out.set(p, { kind: 'too_large', hash: e.hash, size: e.size });
      return;
    }
    if (e.binary) {
      out.set(p, { kind: 'binary' });
      return;
    }
    try {
      const bytes = await readObject(snapshotDir, e.object);
      out.set(p, { kind: 'text', text: decodeText(bytes).text });
    } catch (err) {
      out.set(p, { kind: 'unavailable', reason: err instanceof Error ? err.message : String(err) });
    }
  });
  return out;
}

/**
 * The diff text between two sides (null: the file does not exist on that side). When the files'
 * bytes differ but their redacted texts are equal, the change was to a redacted value: the text
 * says so (without saying what), rather than showing nothing.
 */
function diffSides(path: string, a: Side | null, b: Side | null, aLabel: string, bLabel: string): string {
  if (a?.kind === 'text' || a === null) {
    if (b === null || b.kind === 'text') {
      const text = unifiedDiff(
        { path, label: aLabel, text: a === null ? null : a.text },
        { path, label: bLabel, text: b === null ? null : b.text },
      );
      if (text !== '' || a === null || b === null) return text;
      return `Files a/${path} (${aLabel}) and b/${path} (${bLabel}) differ only in redacted values\n`;
    }
  }
  if (a?.kind === 'binary' || b?.kind === 'binary') {
    return binaryDiff(a === null ? null : { path, label: aLabel }, b === null ? null : { path, label: bLabel });
  }
  const left = a === null ? '/dev/null' : `a/${path} (${aLabel})`;
  const right = b === null ? '/dev/null' : `b/${path} (${bLabel})`;
  const why = [a, b]
    .map((s) =>
      s?.kind === 'too_large'
        ? `not stored: ${s.size} bytes, over the size limit (sha256 ${s.hash})`
        : s?.kind === 'unavailable'
          ? `unavailable: ${s.reason}`
          : undefined,
    )
    .filter((x) => x !== undefined);
  return `Files ${left} and ${right} differ; no content diff (${why.join('; ')})\n`;
}

/** Added, removed and changed paths between two file maps (by the files' own hashes). */
function compareEntries(
  a: Readonly<Record<string, SnapshotFileEntry>> | undefined,
  b: Readonly<Record<string, SnapshotFileEntry>>,
): SnapshotChanges {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  const before = a ?? {};
  for (const p of Object.keys(b)) {
    if (!Object.hasOwn(before, p)) added.push(p);
    else if ((before[p] as SnapshotFileEntry).hash !== (b[p] as SnapshotFileEntry).hash) changed.push(p);
  }
  for (const p of Object.keys(before)) if (!Object.hasOwn(b, p)) removed.push(p);
  return { added: added.sort(byCodeUnit), removed: removed.sort(byCodeUnit), changed: changed.sort(byCodeUnit) };
}

// ---------------------------------------------------------------------------------------------
// Reading the store

/** Summaries of the stored snapshots, newest first. Throws SNAPSHOT_CORRUPT on a damaged record. */
export async function listSnapshots(options: { snapshotDir: string }): Promise<SnapshotSummary[]> {
  const ids = await listSnapshotIds(options.snapshotDir);
  const records = await mapLimit(ids, READ_CONCURRENCY, (id) => readRecord(options.snapshotDir, id));
  return records.reverse().map(summaryOf);
}

function summaryOf(r: ConfigSnapshot): SnapshotSummary {
  const c = r.changes ?? { added: [], removed: [], changed: [] };
  return {
    snapshot_id: r.snapshot_id,
    timestamp: r.timestamp,
    reason: r.reason,
    file_count: Object.keys(r.files).length,
    changed_count: c.added.length + c.removed.length + c.changed.length,
    git_commit: r.git?.commit ?? null,
  };
}

/** Reads one snapshot record. SNAPSHOT_NOT_FOUND if there is none with that id. */
export async function readSnapshot(options: { snapshotDir: string; id: string }): Promise<ConfigSnapshot> {
  return readRecord(options.snapshotDir, options.id);
}

/**
 * Resolves what a person typed to a snapshot id: an exact id, `latest`, or a unique prefix of an
 * id. SNAPSHOT_NOT_FOUND if none matches, USAGE if a prefix is ambiguous.
 */
export async function resolveSnapshotId(options: { snapshotDir: string; ref: string }): Promise<string> {
  const ids = await listSnapshotIds(options.snapshotDir);
  const ref = options.ref.trim();
  if (ref === 'latest') {
    const last = ids.at(-1);
    if (last === undefined) throw new AuditpackError('SNAPSHOT_NOT_FOUND', `no snapshots in ${options.snapshotDir}`);
    return last;
  }
  if (ids.includes(ref)) return ref;
  const matches = ref === '' ? [] : ids.filter((id) => id.startsWith(ref));
  if (matches.length === 1) return matches[0] as string;
  if (matches.length > 1)
    throw new AuditpackError(
      'USAGE',
      `${JSON.stringify(ref)} matches ${matches.length} snapshots: ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', …' : ''}`,
    );
  throw new AuditpackError('SNAPSHOT_NOT_FOUND', `no snapshot ${JSON.stringify(ref)} in ${options.snapshotDir}`, {
    details: { id: ref },
  });
}

/**
 * The content of one file as stored at a snapshot (redacted where secrets were found; the bytes
 * are checked against their hash). SNAPSHOT_NOT_FOUND if the snapshot has no such file or the file
 * was too large to store.
 */
export async function readSnapshotFile(options: { snapshotDir: string; id: string; file: string }): Promise<Buffer> {
  const rec = await readRecord(options.snapshotDir, options.id);
  const file = options.file.replace(/\\/g, '/').replace(/^\.\//, '');
  const entry = Object.hasOwn(rec.files, file) ? rec.files[file] : undefined;
  if (!entry) {
    throw new AuditpackError(
      'SNAPSHOT_NOT_FOUND',
      `snapshot ${options.id} has no file ${JSON.stringify(options.file)}`,
      { details: { id: options.id, file: options.file } },
    );
  }
  if (entry.withheld) {
    throw new AuditpackError(
      'SNAPSHOT_NOT_FOUND',
      `${file} at snapshot ${options.id} is binary and holds a secret (or is a key store): hashed (sha256 ${entry.hash}), content not stored`,
      {
        details: { id: options.id, file, hash: entry.hash },
      },
    );
  }
  if (!entry.stored || !entry.object) {
    throw new AuditpackError(
      'SNAPSHOT_NOT_FOUND',
      `${file} was ${entry.size} bytes at snapshot ${options.id}, over the size limit: hashed (sha256 ${entry.hash}), content not stored`,
      { details: { id: options.id, file, hash: entry.hash } },
    );
  }
  return readObject(options.snapshotDir, entry.object);
}

/** Compares two snapshots: files added, removed and changed (by hash), with unified diffs of the stored content. */
export async function diffSnapshots(options: {
  snapshotDir: string;
  a: string;
  b: string;
}): Promise<SnapshotComparison> {
  const [ra, rb] = await Promise.all([
    readRecord(options.snapshotDir, options.a),
    readRecord(options.snapshotDir, options.b),
  ]);
  const changes = compareEntries(ra.files, rb.files);
  const [sa, sb] = await Promise.all([
    loadSides(options.snapshotDir, ra, [...changes.removed, ...changes.changed]),
    loadSides(options.snapshotDir, rb, [...changes.added, ...changes.changed]),
  ]);
  const diffs: Record<string, string> = Object.create(null);
  const la = `snapshot ${ra.snapshot_id}`;
  const lb = `snapshot ${rb.snapshot_id}`;
  const added = new Set(changes.added);
  const removed = new Set(changes.removed);
  for (const p of [...changes.added, ...changes.removed, ...changes.changed].sort(byCodeUnit)) {
    const a = added.has(p) ? null : (sa.get(p) ?? null);
    const b = removed.has(p) ? null : (sb.get(p) ?? null);
    const text = diffSides(p, a, b, la, lb);
    if (text !== '') diffs[p] = text;
  }
  return { a: ra.snapshot_id, b: rb.snapshot_id, ...changes, diffs };
}

/**
 * The latest snapshot taken at or before the end of a UTC day (`YYYY-MM-DD`), or undefined if none
 * was taken by then. Reads one record. A daily pack records the config in force at its day's end.
 */
export async function latestSnapshotOnOrBefore(options: {
  snapshotDir: string;
  date: string;
}): Promise<ConfigSnapshot | undefined> {
  checkDate(options.date);
  const ids = await listSnapshotIds(options.snapshotDir);
  // Ids sort by time; the day is the id's first 8 digits.
  const limit = options.date.replaceAll('-', '');
  let found: string | undefined;
  for (const id of ids) if (id.slice(0, 8) <= limit) found = id;
  return found === undefined ? undefined : readRecord(options.snapshotDir, found);
}

/** Every snapshot taken on a UTC day (`YYYY-MM-DD`), oldest first. A daily pack lists them. */
export async function snapshotsOnDay(options: { snapshotDir: string; date: string }): Promise<ConfigSnapshot[]> {
  checkDate(options.date);
  const day = options.date.replaceAll('-', '');
  const ids = (await listSnapshotIds(options.snapshotDir)).filter((id) => id.slice(0, 8) === day);
  return mapLimit(ids, READ_CONCURRENCY, (id) => readRecord(options.snapshotDir, id));
}

/**
 * All of a snapshot's diffs as one unified-diff text, paths in order, each section's `---`/`+++`
 * lines naming its sides. '' when the snapshot recorded no diffs.
 */
export function snapshotDiffText(snapshot: ConfigSnapshot): string {
  return Object.keys(snapshot.diffs)
    .sort(byCodeUnit)
    .map((p) => snapshot.diffs[p] as string)
    .join('');
}

function checkDate(date: string): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new AuditpackError('USAGE', `expected a date as YYYY-MM-DD, got ${JSON.stringify(date)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function normalizeRedaction(r: boolean | RedactionOptions | undefined): RedactionOptions {
  if (r === undefined || r === true) return {};
  if (r === false) return { enabled: false };
  return r;
}

/**
 * A fingerprint of the redaction rules: the built-in lists and patterns, the user's additions and
 * this module's version. When it matches the previous snapshot's, an unchanged file's stored copy
 * is reused instead of being redacted again.
 */
function rulesFingerprint(o: RedactionOptions): string {
  const enabled = o.enabled !== false;
  const censor = o.censor ?? DEFAULT_CENSOR;
  const desc = {
    v: CONFIG_TEXT_RULES_VERSION,
    rules: REDACTION_RULES_VERSION,
    enabled,
    censor,
    fragments: SENSITIVE_KEY_FRAGMENTS,
    words: SENSITIVE_KEY_WORDS,
    protected: PROTECTED_KEYS,
    builtin: builtinSecretPatterns(censor).map((p) => p.regex.source),
    keys: (o.keys ?? []).map(normalizeKey),
    patterns: (o.patterns ?? []).map((p) => (typeof p === 'string' ? p : `/${p.source}/${p.flags}`)),
  };
  return `sha256:${sha256Hex(JSON.stringify(desc)).slice(0, 16)}`;
}

function actorOf(given: { user?: string; host?: string } | undefined): { user: string; host: string } {
  let user = given?.user;
  if (user === undefined) {
    try {
      user = userInfo().username;
    } catch {
      // No passwd entry (containers): name the uid.
      user = typeof process.getuid === 'function' ? `uid:${process.getuid()}` : 'unknown';
    }
  }
  return { user, host: given?.host ?? hostname() };
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Maps with at most `limit` calls in flight, keeping order. Rejects with the first error. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
  return out;
}
