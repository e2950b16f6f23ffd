/**
 * verifyLog and verifyLogDir: the chain of a log file, and of the whole logs directory across days
 * (docs/FORMAT.md "The chain").
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type ScannedLine, scanLines } from '../chain/lines.js';
import { AuditpackError, wrapFsError } from '../errors.js';
import { CLOCK_AHEAD_TOLERANCE_US } from '../format/log-line.js';
import { dayNumberOf, dayOfLogFileName, isoDate, isoDateOfLogFileName } from '../rotation/index.js';
import { LogChecker } from './log-check.js';
import { newSharedLogState, type ChainPoint, type LogFacts } from './log-facts.js';
import { Findings, makeReport, printableName, type VerifyReport } from './report.js';
import { checkLogAnchors } from './log-anchors.js';
import { judgeLogStart, LogPrunedTap } from './log-start.js';
import type { TimestampCheckOptions } from './timestamps.js';
import { LOG_LOCK_FILE, PLACEHOLDER_FILES } from '../format/dir-names.js';
import { findLostHead } from '../pack/day-head.js';

/** Options of verifyLog. */
export interface VerifyLogOptions {
  /** The UTC day (`YYYY-MM-DD`) the file holds; default: from its name `audit-YYYYMMDD.jsonl`. */
  date?: string;
  /** Read every line with JSON.parse rather than the envelope fast path. */
  full?: boolean;
  /** Chain anchors: trust anchors for their tokens, the rhythm they must keep. */
  timestamps?: TimestampCheckOptions;
}

/** Where a verified chain starts and ends (null when there were no events). */
export interface ChainSummary {
  readonly firstSeq: number | null;
  readonly startPrev: string | null;
  readonly lastSeq: number | null;
  readonly endHash: string | null;
}

/** A report about a log, with where its chain starts and ends. */
export interface LogReport extends VerifyReport {
  readonly chain: ChainSummary;
}

/** Files in a logs directory that are not log files and are expected there. */
const QUIET_NAMES = new Set([LOG_LOCK_FILE, ...PLACEHOLDER_FILES]);

/**
 * Verifies one log file: every line parses, each `prev` is the SHA-256 of the line before, `seq`
 * is contiguous, recovered torn lines are reported as recovered, clocks going back are warnings,
 * lines dated another day are findings. Where the file's chain starts (a link to the previous
 * day's file) is reported as info: verify the directory to check that link.
 * Throws PATH_NOT_FOUND or READ_FAILED only when the file cannot be read at all.
 */
export async function verifyLog(path: string, options: VerifyLogOptions = {}): Promise<LogReport> {
  await statRegular(path);
  const findings = new Findings();
  const name = basename(path);
  let date = options.date;
  if (date === undefined) {
    date = isoDateOfLogFileName(name);
    if (date === undefined) {
      findings.add(
        'LOG_FILE_NAME_INVALID',
        'info',
        name,
        'the name is not audit-YYYYMMDD.jsonl, so line dates were not checked against it',
      );
    }
  }
  const checker = new LogChecker({ file: name, findings, date, reportStart: true, full: options.full === true });
  const bytes = await scan(path, checker);
  const facts = checker.finish();
  const anchors = await anchorsOf(path, name, findings, options.timestamps, date, false);
  return logReport('log', path, findings, facts, { files: 1, bytes, anchors }, summary(facts));
}

/**
 * A day file dated after today (by this machine's clock, plus the writer's tolerance): no writer
 * makes one (a reading far ahead is dated by the wall clock), and while it is the newest file every
 * later event is filed into it as late, out of reach of the day's export.
 */
function reportFutureDays(files: readonly { day: number; name: string }[], findings: Findings): void {
  const today = dayNumberOf(Date.now() * 1000 + CLOCK_AHEAD_TOLERANCE_US);
  for (const f of files) {
    if (f.day <= today) continue;
    findings.add(
      'LOG_FILE_FUTURE',
      'error',
      f.name,
      'dated after today: a clock far ahead (or a planted file); later events are filed into it as late and miss their own day',
    );
  }
}

/**
 * Verifies a logs directory: every `audit-YYYYMMDD.jsonl` in day order, each checked as by
 * verifyLog, and the first line of each file linked to the last line of the previous existing day's
 * file — so a truncated tail, a removed day or spliced files are found. The last file's tail can
 * only be pinned by an export pack (its `chain.end_hash`); a cut there that no writer has seen yet
 * shows only as the lock file's cached head gone (LOG_HEAD_LOST, a warning).
 */
export async function verifyLogDir(
  dir: string,
  options: Pick<VerifyLogOptions, 'full' | 'timestamps'> = {},
): Promise<LogReport> {
  let entries: Dirent[];
  try {
    const st = await lstat(dir);
    if (!st.isDirectory()) throw new AuditpackError('USAGE', `${dir} is not a directory`, { details: { path: dir } });
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw wrapFsError(err, 'read directory', dir);
  }
  const findings = new Findings();
  const files: { day: number; name: string }[] = [];
  for (const e of entries) {
    const name = e.name;
    if (QUIET_NAMES.has(name)) continue;
    const day = dayOfLogFileName(name);
    if (day === undefined) {
      const looksLikeLog = /^audit-.*\.jsonl$/.test(name);
      findings.add(
        looksLikeLog ? 'LOG_FILE_NAME_INVALID' : 'ENTRY_IGNORED',
        looksLikeLog ? 'warning' : 'info',
        printableName(name),
        looksLikeLog
          ? 'named like a log file but not a real date (audit-YYYYMMDD.jsonl); not checked'
          : 'not a log file; ignored',
      );
      continue;
    }
    if (!e.isFile()) {
      findings.add('NOT_A_REGULAR_FILE', 'error', name, `a ${direntKind(e)} where a log file should be; not followed`);
      continue;
    }
    files.push({ day, name });
  }
  files.sort((a, b) => a.day - b.day);
  reportFutureDays(files, findings);
  reportLostHead(dir, findings);
  if (files.length === 0)
    findings.add('LOG_DIR_EMPTY', 'warning', '.', 'no log files (audit-YYYYMMDD.jsonl) in the directory');
  const shared = newSharedLogState();
  let head: ChainPoint | undefined;
  let bytes = 0;
  let lines = 0;
  let events = 0;
  let anchors = 0;
  let first: LogFacts | undefined;
  let last: LogFacts | undefined;
  let start: { facts: LogFacts; file: string; date: string } | undefined;
  const pruned = new LogPrunedTap();
  const totals = { malformed: 0, late: 0, recovered: 0 };
  for (const [k, f] of files.entries()) {
    const nextFile = files[k + 1];
    const checker = new LogChecker({
      file: f.name,
      findings,
      date: isoDate(f.day),
      nextDate: nextFile === undefined ? undefined : isoDate(nextFile.day),
      tornTailIsError: nextFile !== undefined,
      start: head,
      // Where the directory's chain starts is judged below, with the LogPruned events of every file.
      reportStart: false,
      full: options.full === true,
      shared,
    });
    pruned.reading(f.name, isoDate(f.day));
    bytes += await scan(join(dir, f.name), checker, pruned);
    const facts = checker.finish();
    anchors += await anchorsOf(join(dir, f.name), f.name, findings, options.timestamps, isoDate(f.day), f !== files[0]);
    lines += facts.lines;
    events += facts.events;
    totals.malformed += facts.malformed;
    totals.late += facts.late;
    totals.recovered += facts.recovered;
    if (facts.head !== undefined) head = facts.head;
    if (facts.events > 0) {
      if (first === undefined) {
        start = { facts, file: f.name, date: isoDate(f.day) };
        pruned.startsAt(start.date);
      }
      first ??= facts;
      last = facts;
    }
  }
  judgeLogStart(start, pruned, findings);
  const chain: ChainSummary = {
    firstSeq: first?.firstSeq ?? null,
    startPrev: first?.startPrev ?? null,
    lastSeq: last?.lastSeq ?? null,
    endHash: last?.endHash ?? null,
  };
  return {
    ...makeReport('log-dir', dir, { files: files.length, lines, events, bytes, anchors, ...totals }, findings),
    chain,
  };
}

/**
 * The check a writer makes before it appends (docs/FORMAT.md, "Lost heads"): the log lock's cached
 * head is a line no longer on disk, so the newest file was cut short, emptied, removed or rewritten
 * after its last write and no writer has appended since (the next one records LogDiscontinuity).
 * The chain cannot show a cut at its newest end; the cache can, but it is no part of the chain
 * (whoever can cut the file can rewrite it) and a copy of a live directory that took the lock file
 * after a day file can hold a head the copy lacks: a warning, not an error. verify of an archive
 * makes it of the live log it is given (`--log-dir`) too.
 */
export function reportLostHead(dir: string, findings: Findings): void {
  const lost = findLostHead(dir);
  if (lost === undefined) return;
  const { file, cached, found } = lost;
  findings.add(
    'LOG_HEAD_LOST',
    'warning',
    printableName(file),
    `${LOG_LOCK_FILE} records seq ${cached.seq} as the last line written, ending at byte ${cached.size} of ${file}, and the file ${found === null ? 'is gone' : found < cached.size ? `now holds ${found} bytes` : 'no longer has that line there'}: events after what is left were cut at the newest end (or this copy took the lock file after that day file)`,
  );
}

function summary(f: LogFacts): ChainSummary {
  return { firstSeq: f.firstSeq, startPrev: f.startPrev, lastSeq: f.lastSeq, endHash: f.endHash };
}

function logReport(
  kind: 'log',
  target: string,
  findings: Findings,
  facts: LogFacts,
  extra: Record<string, number>,
  chain: ChainSummary,
): LogReport {
  const checked = {
    ...extra,
    lines: facts.lines,
    events: facts.events,
    malformed: facts.malformed,
    late: facts.late,
    recovered: facts.recovered,
  };
  return { ...makeReport(kind, target, checked, findings), chain };
}

/** Scans a file into a checker; a read failure cannot become a finding, so it throws. */
async function scan(path: string, checker: LogChecker, pruned?: LogPrunedTap): Promise<number> {
  const push =
    pruned === undefined
      ? (l: ScannedLine) => checker.push(l)
      : (l: ScannedLine) => {
          checker.push(l);
          pruned.push(l, checker.lastCategory, checker.lastFragment);
        };
  try {
    return await scanLines(path, push, { view: true }); // the checker copies what it keeps
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
}

async function statRegular(path: string): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
  if (st.isSymbolicLink()) {
    // The path the user named: following it is what they asked for; stat the target instead.
    try {
      st = await (await import('node:fs/promises')).stat(path);
    } catch (err) {
      throw wrapFsError(err, 'read', path);
    }
  }
  if (!st.isFile()) throw new AuditpackError('READ_FAILED', `${path} is not a regular file`, { details: { path } });
}

/** Names a directory entry's type for messages. */
export function direntKind(e: { isDirectory(): boolean; isSymbolicLink(): boolean; isFile(): boolean }): string {
  if (e.isSymbolicLink()) return 'symbolic link';
  if (e.isDirectory()) return 'directory';
  if (e.isFile()) return 'file';
  return 'special file';
}

/** Checks the chain anchors of one file (see timestamps.ts); the count found. */
async function anchorsOf(
  path: string,
  name: string,
  findings: Findings,
  options: TimestampCheckOptions | undefined,
  date: string | undefined,
  fromDayStart: boolean,
): Promise<number> {
  try {
    return await checkLogAnchors(path, name, findings, options ?? {}, { date, fromDayStart });
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
}
