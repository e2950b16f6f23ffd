/**
 * Running the checks over the log: `checkCompliance` for a day or a period of day files,
 * `checkLogFile` for one file (a pack's data/audit.jsonl), `checkOrder` for one order's lifecycle.
 * Lines are streamed (src/chain/lines.ts); a line that is not an event is counted, never fatal.
 */
import { isUtf8 } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { scanLines, type ScannedLine } from '../chain/lines.js';
import { AuditpackError, isSystemError, wrapFsError } from '../errors.js';
import { isoDate, logDayOfIsoDate, logFileName } from '../rotation/index.js';
import type { StartingState } from './carry.js';
import { type CarriedIn, resolveStartState, type StartState } from './carry-source.js';
import { ComplianceEngine, type LineRef, type LogEvent } from './engine.js';
import { recoversFragment } from '../format/event-line.js';
import { extractEvent } from './extract.js';
import { buildReport, type ComplianceReport, type MissingDay } from './report.js';
import { loadPolicyTimeline, type PolicyTimeline } from './timeline.js';
import { snapshotStoreCheck } from './snapshot-recorded.js';
import type { Finding } from './types.js';

const ISO_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * Parses one line into an event with the envelope the checks rely on, or undefined: the reference
 * (JSON.parse) that extract.ts's fast reader is tested against, and the full fields for `--order`.
 */
export function parseEventLine(bytes: Buffer): LogEvent | undefined {
  if (!isUtf8(bytes)) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const e = v as Record<string, unknown>;
  if (typeof e.ts !== 'number' || !Number.isFinite(e.ts) || typeof e.iso_ts !== 'string' || !ISO_TS.test(e.iso_ts))
    return undefined;
  if (
    typeof e.seq !== 'number' ||
    !Number.isSafeInteger(e.seq) ||
    typeof e.category !== 'string' ||
    typeof e.event !== 'string'
  )
    return undefined;
  return e;
}

/** Feeds one log file's events to an engine. `name` is the file name written into evidence. */
export async function feedLogFile(
  engine: ComplianceEngine,
  path: string,
  name: string,
  onEvent?: (e: LogEvent, ref: LineRef, bytes: Buffer) => void,
  recoveryFile?: string,
): Promise<boolean> {
  const feeder = new LineFeeder(engine, name, recoveryFile, onEvent);
  try {
    await scanLines(path, (l: ScannedLine) => feeder.push(l), { view: true, noFollow: true });
    feeder.end();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    // Only the file system's errors are READ_FAILED: the checks run inside the scan, and an error
    // of theirs is a bug (INTERNAL), not a disk to check.
    throw err instanceof AuditpackError || !isSystemError(err) ? err : wrapFsError(err, 'read', path);
  }
}

/**
 * Feeds a file's lines to an engine, in order, one line late: a line that a TornLineRecovered
 * right after it describes is a recovered torn write (docs/FORMAT.md, "Torn lines and recovery"),
 * never an event, whatever its bytes, so a fragment planted with append access yields no finding.
 * It is counted as a malformed line, as the pack's manifest counts it. `recoveryFile`: the log
 * file's own name (`audit-YYYYMMDD.jsonl`), which a recovery event must name (undefined: any).
 */
export class LineFeeder {
  private pending: { e: LogEvent; ref: LineRef; bytes: Buffer | undefined } | undefined;
  private readonly before = { hash: '', length: 0, offset: 0 };
  private haveBefore = false;

  constructor(
    private readonly engine: ComplianceEngine,
    private readonly name: string,
    private readonly recoveryFile: string | undefined,
    private readonly onEvent?: (e: LogEvent, ref: LineRef, bytes: Buffer) => void,
  ) {}

  /** The next line of the file (its bytes may be a view: what is kept is copied). */
  push(l: ScannedLine): void {
    const complete = l.terminated && l.bytes !== undefined;
    if (complete && this.haveBefore && recoversFragment(l.bytes as Buffer, this.before, this.recoveryFile)) {
      if (this.pending !== undefined) this.engine.malformed(); // a fragment that looked like an event
      this.pending = undefined;
    }
    this.flush();
    this.haveBefore = complete;
    this.before.hash = l.hash;
    this.before.length = l.length;
    this.before.offset = l.offset;
    if (!complete) return this.engine.malformed();
    const e = extractEvent(l.bytes as Buffer);
    if (e === undefined) return this.engine.malformed();
    const ref: LineRef = { file: this.name, line: l.lineNumber, hash: l.hash };
    this.pending = { e, ref, bytes: this.onEvent === undefined ? undefined : Buffer.from(l.bytes as Buffer) };
  }

  /** The end of the file: the last line is judged (nothing follows that could recover it). */
  end(): void {
    this.flush();
    this.haveBefore = false;
  }

  private flush(): void {
    const p = this.pending;
    if (p === undefined) return;
    this.pending = undefined;
    this.engine.push(p.e, p.ref);
    if (p.bytes !== undefined) this.onEvent?.(p.e, p.ref, p.bytes);
  }
}

/** Options of checkCompliance. Directories are explicit; the CLI resolves them. */
export interface CheckOptions {
  cwd: string;
  logDir: string;
  /** First and last UTC day, `YYYY-MM-DD` (inclusive). */
  from: string;
  to: string;
  /** An explicit policy file (else the snapshots' policy, the file, or the defaults). */
  policyFile?: string;
  snapshotDir?: string;
  /** Where packs are: the day before `from` starts from its pack's state when it has one. */
  artifactsDir?: string;
  /**
   * The public key the packs are signed with (the export's): the day before's pack state is then
   * taken only from a pack signed by it, as the export does; otherwise its log is replayed.
   */
  signedBy?: KeyObject;
}

/**
 * The state the period starts from: the day before's pack state, else a replay of its log with
 * that day's policies, else none (carry-source.ts).
 */
export async function startStateOf(options: CheckOptions): Promise<StartState> {
  return resolveStartState({
    date: options.from,
    artifactsDir: options.artifactsDir,
    logDir: options.logDir,
    signedBy: options.signedBy,
    replay: (path, name, date) =>
      replayDay(path, name, date, () => loadPolicyTimeline({ ...options, from: date, to: date })),
  });
}

/** One day's log alone, from an empty state: its end state, or undefined when there is no such file. */
export async function replayDay(
  path: string,
  name: string,
  date: string,
  timeline: () => Promise<PolicyTimeline>,
): Promise<(() => Iterable<string>) | undefined> {
  const { stat } = await import('node:fs/promises');
  try {
    if (!(await stat(path)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  const engine = new ComplianceEngine(await timeline());
  if (!(await feedLogFile(engine, path, name, undefined, name))) return undefined;
  engine.endDay(date);
  // Its state file's pieces, made from the engine each time they are asked for (the engine is done):
  // never the state as objects and text at once (half a million open orders made 950 MB of them).
  return () => engine.carryOutChunks(date);
}

/** Checks every day file of a period. LOGS_DIR_MISSING when the directory does not exist. */
export async function checkCompliance(options: CheckOptions): Promise<ComplianceReport> {
  const days = dayRange(options.from, options.to);
  const timeline = await loadPolicyTimeline(options);
  await requireDir(options.logDir);
  const start = await startStateOf(options);
  const engine = new ComplianceEngine(timeline, start.state, snapshotStoreCheck(options.snapshotDir));
  const files: string[] = [];
  const missing: MissingDay[] = [];
  for (const day of days) {
    const name = logFileName(day);
    if (await feedLogFile(engine, join(options.logDir, name), name, undefined, name)) files.push(name);
    else missing.push(missingDay(day, name, files.length > 0 || start.carried.source !== 'none'));
    engine.endDay(isoDate(day));
  }
  return buildReport({
    from: options.from,
    to: options.to,
    timeline,
    result: engine.finish(),
    files,
    carriedIn: start.carried,
    missingDays: missing,
  });
}

/**
 * A day of the period without its log file (deleted by hand, by log retention, or never written).
 * The engine cannot know what happened that day: it runs on through the day as if it had no events,
 * so a kill switch turned on, a session opened or an order sent that day is lost to every later
 * day's checks. Said, never silent: an insider who removes one day file must not remove that
 * day's state from the report without a trace.
 */
export function missingDay(day: number, name: string, carried: boolean): MissingDay {
  const date = isoDate(day);
  const from = carried
    ? `the state at the end of ${isoDate(day - 1)} is carried over it unchanged`
    : 'nothing is carried over it';
  return {
    date,
    file: name,
    severity: 'warning',
    note: `no log file ${name} for ${date}: its events are not checked and ${from}, as if the day had none; a kill switch, session, order or review of ${date} is not known to the checks of the days after it`,
  };
}

/** Checks one log file as the log of `date` (a pack's data/audit.jsonl), with a given timeline. */
export async function checkLogFile(options: {
  path: string;
  name: string;
  date: string;
  timeline: PolicyTimeline;
  /** The state the day starts from, and the report's record of it (a pack's recorded start). */
  start?: { state: StartingState; carried: CarriedIn };
  /** Called after the day's end, before the report is built (for the end state). */
  onEnd?: (engine: ComplianceEngine) => void;
}): Promise<ComplianceReport> {
  const engine = new ComplianceEngine(options.timeline, options.start?.state);
  const found = await feedLogFile(engine, options.path, options.name, undefined, recoveryFileOf(options.date));
  engine.endDay(options.date);
  options.onEnd?.(engine);
  return buildReport({
    from: options.date,
    to: options.date,
    timeline: options.timeline,
    result: engine.finish(),
    files: found ? [options.name] : [],
    carriedIn: options.start?.carried,
  });
}

/** One order's lifecycle: its events in log order and the findings that name it. */
export interface OrderLifecycle {
  readonly order_id: string;
  readonly events: readonly {
    readonly iso_ts: string;
    readonly seq: number;
    readonly category: string;
    readonly event: string;
    readonly file: string;
    readonly line: number;
    readonly fields: LogEvent;
  }[];
  /**
   * Every finding that names the order, kept apart from the policy's max_findings (a flood of
   * other findings, listed or not in `report`, cannot hide them), up to max_findings of its own.
   */
  readonly findings: readonly Finding[];
  /** Findings naming the order beyond max_findings of them: counted only (0 almost always). */
  readonly findings_omitted: number;
  readonly report: ComplianceReport;
}

/** `check --order ID`: runs the checks over the period and keeps the order's events and findings. */
export async function checkOrder(options: CheckOptions & { orderId: string }): Promise<OrderLifecycle> {
  const days = dayRange(options.from, options.to);
  const timeline = await loadPolicyTimeline(options);
  await requireDir(options.logDir);
  const start = await startStateOf(options);
  const engine = new ComplianceEngine(timeline, start.state, snapshotStoreCheck(options.snapshotDir));
  engine.watchOrder(options.orderId);
  const events: OrderLifecycle['events'][number][] = [];
  const files: string[] = [];
  const missing: MissingDay[] = [];
  const id = options.orderId;
  const signals = new Set<string>();
  for (const day of days) {
    const name = logFileName(day);
    const found = await feedLogFile(
      engine,
      join(options.logDir, name),
      name,
      (e, ref, bytes) => {
        const oid = typeof e.order_id === 'number' ? String(e.order_id) : e.order_id;
        if (oid === id && typeof e.signal_id === 'string') signals.add(e.signal_id);
        if (oid === id || (typeof e.signal_id === 'string' && signals.has(e.signal_id))) {
          events.push({
            iso_ts: e.iso_ts as string,
            seq: e.seq as number,
            category: e.category as string,
            event: e.event as string,
            file: ref.file,
            line: ref.line,
            fields: parseEventLine(bytes) ?? e,
          });
        }
      },
      name,
    );
    if (found) files.push(name);
    else missing.push(missingDay(day, name, files.length > 0 || start.carried.source !== 'none'));
    engine.endDay(isoDate(day));
  }
  const report = buildReport({
    from: options.from,
    to: options.to,
    timeline,
    result: engine.finish(),
    files,
    carriedIn: start.carried,
    missingDays: missing,
  });
  if (events.length === 0)
    throw new AuditpackError(
      'PATH_NOT_FOUND',
      `no events for order ${JSON.stringify(id)} in ${options.logDir} from ${options.from} to ${options.to}`,
      { details: { order_id: id } },
    );
  const mine = engine.watchedFindings();
  return Object.freeze({ order_id: id, events, findings: mine.findings, findings_omitted: mine.omitted, report });
}

/** The name a day's log file has, which its recovery events name (a pack's log is data/audit.jsonl). */
export function recoveryFileOf(date: string): string {
  return `audit-${date.replaceAll('-', '')}.jsonl`;
}

/**
 * Day numbers from `from` to `to`; USAGE for bad dates, days before 1970-01-01 (as export refuses
 * them: logDayOfIsoDate), a reversed range or more than 366 days.
 */
export function dayRange(from: string, to: string): number[] {
  const a = logDayOfIsoDate(from);
  const b = logDayOfIsoDate(to);
  if (b < a) throw new AuditpackError('USAGE', `--from ${from} is after --to ${to}`);
  if (b - a > 366) throw new AuditpackError('USAGE', `a period of at most 367 days, got ${b - a + 1}`);
  const out: number[] = [];
  for (let d = a; d <= b; d++) out.push(d);
  return out;
}

async function requireDir(dir: string): Promise<void> {
  const { stat } = await import('node:fs/promises');
  try {
    if (!(await stat(dir)).isDirectory())
      throw new AuditpackError('LOGS_DIR_MISSING', `logs directory ${dir} is not a directory`, {
        details: { path: dir },
      });
  } catch (err) {
    if (err instanceof AuditpackError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AuditpackError('LOGS_DIR_MISSING', `logs directory ${dir} does not exist`, { details: { path: dir } });
    throw wrapFsError(err, 'read', dir);
  }
}
