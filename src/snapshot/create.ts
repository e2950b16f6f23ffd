/**
 * Taking a config snapshot, in the phases the module comment of index.ts describes: settings
 * checked, everything read (files, previous record, git), diffs made, then objects and the record
 * written, then the audit event appended.
 */
import { realpath } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { type AuditpackConfig, DEFAULT_SNAPSHOT_PATTERNS } from '../config.js';
import { AuditpackError, isAuditpackError } from '../errors.js';
import { isoMicros } from '../format/log-line.js';
import { recordWriterEvent } from '../logger/child.js';
import { systemClock } from '../logger/clock.js';
import { createAuditLogger, loadFileLock } from '../logger/index.js';
import { compileRedactor, type RedactionOptions, type Redactor } from '../redaction/index.js';
import { rulesFingerprint } from './rules-fingerprint.js';
import { snapshotEventFields } from './event-fields.js';
import { discoverConfigFiles, withPolicyFile } from './discover.js';
import { previousRecord } from './previous.js';
import { findWorkTree, type GitStatus, readGitStatus } from './git.js';
import { asGitError, diffAgainstHead } from './head-diff.js';
import { readSnapshotKey, writeSnapshotKey } from './keyed-hash.js';
import { recordedBranchOf, withRecordedNames } from './path-names.js';
import { type ScanContext, type Scanned, scanAll } from './scan.js';
import { byCodeUnit, compareEntries, diffSides, loadSides, type Side } from './sides.js';
import { listSnapshotIds, nextCounter, sha256Hex, writeObjects, writeRecord } from './store.js';
import {
  type ConfigSnapshot,
  type CreateSnapshotOptions,
  SNAPSHOT_FORMAT,
  type SnapshotChanges,
  type SnapshotFileEntry,
  type SnapshotGitError,
  type SnapshotGitFacts,
  type StartupSnapshotOptions,
} from './types.js';
import { narrowConfigBefore, type WholeBefore } from './whole-before.js';

/** Default store location, relative to cwd. */
export const DEFAULT_SNAPSHOT_DIR = 'audit/snapshots';
/** Default size limit: larger files are hashed, not stored. */
export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;
const DEFAULT_GIT_TIMEOUT_MS = 30_000;

/** Whether the snapshot covers the whole config (its event's `full`): `full`, else no patterns given. */
function isFull(options: CreateSnapshotOptions): boolean {
  return options.full ?? !(options.patterns && options.patterns.length > 0);
}

/** The checked settings of one snapshot. */
interface Settings {
  readonly cwd: string;
  readonly cwdReal: string;
  readonly snapshotDir: string;
  readonly logDir: string | undefined;
  readonly patterns: readonly string[];
  readonly maxFileBytes: number;
  readonly redactor: Redactor;
  /** The reason as stored: redacted like the files. */
  readonly storedReason: string;
  readonly rules: string;
  readonly durable: boolean;
  readonly gitTimeoutMs: number;
  readonly micros: number;
  readonly onWarning: ((message: string) => void) | undefined;
}

/** What phase 1 read. */
interface ReadPhase {
  readonly scanned: Scanned[];
  readonly ctx: ScanContext;
  readonly existingIds: string[];
  readonly previousId: string | undefined;
  readonly previous: ConfigSnapshot | undefined;
  /** What the changes are counted from: the whole config in force (a narrow snapshot: over what it looked at). */
  readonly before: ConfigSnapshot | undefined;
  readonly workTree: string | undefined;
  readonly gitStatusP: Promise<GitStatus | AuditpackError> | undefined;
}

/** What git said: facts, or the error recorded instead; the working tree's diffs against HEAD. */
interface GitPhase {
  readonly git: SnapshotGitFacts | null;
  readonly gitError: SnapshotGitError | undefined;
  readonly headDiffs: Map<string, string>;
  readonly headChanges: string[];
  readonly headRedacted: boolean;
}

/** The diff sides of the changed files, on the previous record's side and on this one's. */
interface DiffPhase {
  readonly changes: SnapshotChanges;
  readonly previousSide: Map<string, Side>;
  readonly currentSide: Map<string, Side>;
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
  return (await takeConfigSnapshot(options)).record;
}

/**
 * createConfigSnapshot with the record's bytes as written (and hashed into its ConfigSnapshot
 * event): what the export copies into a pack, never a read back from the store (at41 F2).
 */
export async function takeConfigSnapshot(
  options: CreateSnapshotOptions,
): Promise<{ record: ConfigSnapshot; json: string }> {
  const s = await settingsOf(options);
  // Phase 1: read everything. git runs alongside the file reads.
  const read = await readEverything(s, options.allowEmpty === true, isFull(options));
  const git = await readGit(s, read);
  const sides = await loadDiffSides(s.snapshotDir, read);

  // Phase 2: the store's key when it was made now, then the new objects, then the record.
  if (read.ctx.key.mustWrite && !(await writeSnapshotKey(s.snapshotDir, read.ctx.key, s.durable))) {
    // Another snapshot wrote the store's first key meanwhile: these keyed hashes are under the
    // wrong key. Nothing else was written; start over with that key (it exists now: no loop).
    return takeConfigSnapshot(options);
  }
  const toStore = new Map<string, Buffer>();
  for (const f of read.scanned) if (f.toWrite !== undefined) toStore.set(f.entry.object as string, f.toWrite);
  await writeObjects(s.snapshotDir, toStore, { durable: s.durable });
  const actor = actorOf(options.actor);
  let record: ConfigSnapshot | undefined;
  const written = await writeRecord(
    s.snapshotDir,
    s.micros,
    nextCounter(read.existingIds, s.micros),
    (id) => {
      record = buildRecord(id, s, actor, read, git, sides);
      return `${JSON.stringify(record, null, 2)}\n`;
    },
    { durable: s.durable },
  );
  const snapshot = record as ConfigSnapshot;

  // Phase 3: link the snapshot into the audit trail.
  if (s.logDir !== undefined) {
    await appendSnapshotEvent(s.logDir, snapshot, sha256Hex(written.json), options);
  }
  return { record: snapshot, json: written.json };
}

/** Checks the options and resolves them into settings; nothing is read or written yet. */
async function settingsOf(options: CreateSnapshotOptions): Promise<Settings> {
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
  const logDir = options.logDir === undefined ? undefined : resolve(cwd, options.logDir);
  // The snapshot is recorded in the log last: an install that cannot log fails before writing anything.
  if (logDir !== undefined) loadFileLock();
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!Number.isInteger(maxFileBytes) || maxFileBytes < 0)
    throw new AuditpackError('USAGE', `maxFileBytes must be a whole number ≥ 0, got ${String(maxFileBytes)}`);
  const redactionOptions = redactionOptionsOf(options.redaction);
  const redactor = compileRedactor(redactionOptions);
  const micros = (options.clock ?? systemClock())();
  if (!Number.isSafeInteger(micros) || micros < 0)
    throw new AuditpackError('USAGE', `clock must return whole epoch microseconds, got ${String(micros)}`);
  return {
    cwd,
    cwdReal,
    snapshotDir: resolve(cwd, options.snapshotDir ?? DEFAULT_SNAPSHOT_DIR),
    logDir,
    patterns: options.patterns && options.patterns.length > 0 ? options.patterns : DEFAULT_SNAPSHOT_PATTERNS,
    maxFileBytes,
    redactor,
    // The reason is caller text, stored in the record and printed by list/show and in packs: the
    // same rules as the files (a pasted "rotated key ghp_…" must not outlive the rotation).
    storedReason: redactor.redactString(reason),
    rules: rulesFingerprint(redactionOptions),
    durable: options.durable !== false,
    gitTimeoutMs: options.gitTimeoutMs ?? DEFAULT_GIT_TIMEOUT_MS,
    micros,
    onWarning: options.onWarning,
  };
}

/** Phase 1: discovery, every file scanned, the previous record; git status started alongside. */
async function readEverything(s: Settings, allowEmpty: boolean, full: boolean): Promise<ReadPhase> {
  const workTree = await findWorkTree(s.cwdReal);
  const gitStatusP: Promise<GitStatus | AuditpackError> | undefined = workTree
    ? readGitStatus(workTree, s.gitTimeoutMs).catch((err: unknown) => asGitError(err))
    : undefined;
  // Never leave the git promise unobserved, whatever fails below.
  gitStatusP?.catch(() => undefined);

  // The previous record is read while discovery walks the tree.
  const previousP = (async () => {
    const ids = await listSnapshotIds(s.snapshotDir);
    const last = await previousRecord(s.snapshotDir, s.logDir, ids, s.micros, s.onWarning);
    return {
      existingIds: ids,
      previousId: last?.id,
      previous: last?.record,
      before: last?.before,
      walkOn: last?.walkOn,
    };
  })();
  previousP.catch(() => undefined);

  const exclude = s.logDir ? [s.snapshotDir, s.logDir] : [s.snapshotDir];
  const found = await discoverConfigFiles({ cwd: s.cwd, patterns: s.patterns, exclude }).catch((err: unknown) => {
    throw redactedDiscoveryError(err, s.redactor);
  });
  // A full snapshot always records the compliance policy file (withPolicyFile says why).
  const paths = full ? await withPolicyFile(s.cwd, found) : found;
  if (paths.length === 0 && !allowEmpty) {
    throw new AuditpackError(
      'SNAPSHOT_NO_FILES',
      `no config files match ${s.patterns.map((p) => JSON.stringify(p)).join(', ')} under ${s.cwd}`,
      {
        details: { cwd: s.cwd, patterns: [...s.patterns] },
      },
    );
  }
  const { existingIds, previousId, previous: stored, before: wholeCut, walkOn } = await previousP;
  const key = await readSnapshotKey(s.snapshotDir);
  // The previous record's names are copied into this one's changes and diffs: a name the redactor
  // would change (a record planted in the store, or one written under older rules) is compared
  // and recorded under its placeholder, as a file of that name read now would be.
  const previous = stored && withRecordedNames(stored, s.redactor, key);
  const ctx: ScanContext = {
    cwd: s.cwd,
    snapshotDir: s.snapshotDir,
    maxFileBytes: s.maxFileBytes,
    redactor: s.redactor,
    reusable: previous && previous.redaction?.rules === s.rules ? previous.files : undefined,
    key,
  };
  const scanned = await scanAll(paths, ctx);
  const whole = await wholeFor(wholeCut, walkOn, scanned, s, key);
  const counted = whole === undefined || whole === stored ? previous : withRecordedNames(whole, s.redactor, key);
  const before =
    full || counted === undefined ? counted : narrowConfigBefore(counted, new Set(scanned.map((f) => f.path)));
  return { scanned, ctx, existingIds, previousId, previous, before, workTree, gitStatusP };
}

/**
 * The whole config a snapshot counts from: when the walk back stopped at MAX_RECORDS_WALKED
 * (`walkOn` given), it goes on for the files this snapshot read that the records walked do not hold,
 * to the last full record at most (at48 F6): a file only that record holds does not read as added.
 * (A file removed since then that none of the records walked holds is still not seen as removed.)
 */
async function wholeFor(
  whole: ConfigSnapshot | undefined,
  walkOn: WholeBefore['walkOn'],
  scanned: readonly { readonly path: string }[],
  s: Settings,
  key: Parameters<typeof withRecordedNames>[2],
): Promise<ConfigSnapshot | undefined> {
  if (whole === undefined || walkOn === undefined) return whole;
  const held = withRecordedNames(whole, s.redactor, key).files;
  const missing = scanned.map((f) => f.path).filter((p) => !Object.hasOwn(held, p));
  return missing.length === 0 ? whole : walkOn(new Set(missing));
}

/** git facts and the diffs against HEAD; a git failure is recorded (redacted), never thrown. */
async function readGit(s: Settings, r: ReadPhase): Promise<GitPhase> {
  const none = { headDiffs: new Map<string, string>(), headChanges: [] as string[], headRedacted: false };
  if (!r.workTree || !r.gitStatusP) return { git: null, gitError: undefined, ...none };
  const status = await r.gitStatusP;
  if (status instanceof AuditpackError)
    return { git: null, gitError: { code: 'GIT_FAILED', message: s.redactor.redactString(status.message) }, ...none };
  const headDiffs = new Map<string, string>();
  const headChanges: string[] = [];
  try {
    const headRedacted = await diffAgainstHead(
      r.workTree,
      s.cwdReal,
      status,
      r.scanned,
      r.ctx,
      s.gitTimeoutMs,
      headDiffs,
      headChanges,
      r.previous,
      s.rules,
    );
    const git = { ...status.facts, branch: recordedBranchOf(status.facts.branch, s.redactor, r.ctx.key) };
    return { git, gitError: undefined, headDiffs, headChanges, headRedacted };
  } catch (err) {
    const e = asGitError(err);
    return { git: null, gitError: { code: 'GIT_FAILED', message: s.redactor.redactString(e.message) }, ...none };
  }
}

/** The changes since the previous record, and the stored text on each side of every changed file. */
async function loadDiffSides(snapshotDir: string, r: ReadPhase): Promise<DiffPhase> {
  const current = Object.fromEntries(r.scanned.map((f) => [f.path, f.entry]));
  const changes = compareEntries(r.before?.files, current, new Map(r.scanned.map((f) => [f.path, f.rawHash])));
  const storedTextOf = new Map<string, string>();
  for (const f of r.scanned) if (f.storedText !== undefined) storedTextOf.set(f.path, f.storedText);
  const previousSide = r.before
    ? await loadSides(snapshotDir, r.before, [...changes.removed, ...changes.changed])
    : new Map<string, Side>();
  const currentSide = await loadSides(
    snapshotDir,
    { files: current },
    [...changes.added, ...changes.changed].filter((p) => !storedTextOf.has(p)),
  );
  for (const [p, text] of storedTextOf) currentSide.set(p, { kind: 'text', text });
  return { changes, previousSide, currentSide };
}

/** The record of snapshot `id`: its diffs are labelled with the id, so it is built once the id is known. */
function buildRecord(
  id: string,
  s: Settings,
  actor: { user: string; host: string },
  r: ReadPhase,
  g: GitPhase,
  d: DiffPhase,
): ConfigSnapshot {
  // Keyed by paths from the file system: a null prototype, so a file named "__proto__" is a key like any other.
  const files: Record<string, SnapshotFileEntry> = Object.create(null);
  for (const f of r.scanned) files[f.path] = f.entry;
  const anyRedacted = g.headRedacted || r.scanned.some((f) => f.entry.redacted === true || f.entry.withheld === true);
  return {
    format: SNAPSHOT_FORMAT,
    snapshot_id: id,
    timestamp: isoMicros(s.micros),
    reason: s.storedReason,
    actor,
    git: g.git,
    ...(g.gitError ? { git_error: g.gitError } : {}),
    files,
    diffs: recordDiffs(id, r, g, d),
    changes: d.changes,
    head_changes: [...g.headChanges].sort(byCodeUnit),
    redacted: anyRedacted,
    redaction: { enabled: s.redactor.enabled, rules: s.rules },
    previous_snapshot_id: r.previousId ?? null,
  };
}

/** Each changed file's diff: against HEAD, then against the previous snapshot. */
function recordDiffs(id: string, r: ReadPhase, g: GitPhase, d: DiffPhase): Record<string, string> {
  const { changes } = d;
  const added = new Set(changes.added);
  const removed = new Set(changes.removed);
  const diffs: Record<string, string> = Object.create(null);
  const prevLabel = r.previousId === undefined ? '' : `snapshot ${r.previousId}`;
  const curLabel = `snapshot ${id}`;
  const all = [...new Set([...g.headDiffs.keys(), ...changes.added, ...changes.removed, ...changes.changed])].sort(
    byCodeUnit,
  );
  for (const p of all) {
    let text = g.headDiffs.get(p) ?? '';
    if (r.previous) {
      const a = added.has(p) ? null : d.previousSide.get(p);
      const b = removed.has(p) ? null : d.currentSide.get(p);
      if (a !== undefined && b !== undefined && (a !== null || b !== null)) {
        text += diffSides(p, a, b, prevLabel, curLabel);
      }
    }
    if (text !== '') diffs[p] = text;
  }
  return diffs;
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
    full: true, // the configured patterns are the install's whole config
    maxFileBytes: config.snapshotMaxFileBytes,
    redaction: { enabled: config.redactionEnabled, keys: config.redactKeys, patterns: config.redactPatterns },
    autoStartup: config.snapshotAutoStartup,
  };
}

/**
 * Appends the snapshot's ConfigSnapshot event. Only this snapshot's own: a stored record that no
 * event vouches for (a killed snapshot, a full log disk, or a record planted in the store, which
 * cannot prove who wrote it since its key sits beside it) is never chained late; it stays an
 * unchained record that verify warns about (LOG_SNAPSHOT_UNCHAINED) and the pack marks.
 */
async function appendSnapshotEvent(
  logDir: string,
  s: ConfigSnapshot,
  recordSha256: string,
  options: CreateSnapshotOptions,
): Promise<void> {
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
      // A reserved event (a caller's of this name is renamed): only a snapshot taken here claims one.
      await recordWriterEvent(
        logger,
        'config',
        'ConfigSnapshot',
        snapshotEventFields(s, recordSha256, isFull(options)),
      );
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

/**
 * A discovery error names the directory it could not read: a secret in that name is replaced, as
 * in a recorded path (path-names.ts), before the error reaches stderr or a caller's log.
 */
function redactedDiscoveryError(err: unknown, redactor: Redactor): unknown {
  if (!isAuditpackError(err, 'SNAPSHOT_READ_FAILED')) return err;
  const message = redactor.redactString(err.message);
  const path = typeof err.details?.path === 'string' ? redactor.redactString(err.details.path) : undefined;
  if (message === err.message && path === err.details?.path) return err;
  return new AuditpackError('SNAPSHOT_READ_FAILED', message, { details: { ...err.details, path } });
}

/** The redaction options that `redaction: true | false | options | undefined` means. */
export function redactionOptionsOf(r: boolean | RedactionOptions | undefined): RedactionOptions {
  if (r === undefined || r === true) return {};
  if (r === false) return { enabled: false };
  return r;
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
