/**
 * Checking one log file on two threads, for speed: the file is cut at a line start;
 * one thread checks the lines before the cut, the other the lines after it with a continuation
 * checker (log-check.ts), and the two are joined at the cut. A range with any finding is never
 * joined: its lines are checked again after the first part, in sequence, so every finding and
 * count is exactly what one thread reading the whole file reports.
 */
import { scanLines } from '../chain/lines.js';
import { openRegular } from '../fsx/regular.js';
import { LogChecker } from './log-check.js';
import type { AlertFilter, RangeSummary } from './log-facts.js';
import { Findings } from './report.js';

/** What the second thread needs to check the lines of a log from `start` to its end. */
export interface LogRangeJob {
  readonly path: string;
  /** Byte offset of a line start. */
  readonly start: number;
  /** The file's name in findings. */
  readonly file: string;
  readonly date: string | undefined;
  readonly full: boolean;
  /** alertFilterOf(the seqs of alerts.jsonl's lines), when they are cross-checked. */
  readonly alertFilter: AlertFilter | undefined;
}

/** Checks the lines from `job.start` to the end of the file. Never throws: a read error is not clean. */
export async function checkLogRange(job: LogRangeJob): Promise<RangeSummary> {
  const findings = new Findings();
  const checker = new LogChecker({
    file: job.file,
    findings,
    date: job.date,
    full: job.full,
    alertFilter: job.alertFilter,
    emptyOk: true,
    continuation: true,
  });
  try {
    await scanLines(job.path, (l) => checker.push(l), { view: true, start: job.start, noFollow: true });
  } catch {
    return { clean: false }; // the first thread reads the range again and reports the error
  }
  checker.finish();
  if (findings.toArray().length > 0) return { clean: false };
  return checker.rangeSummary();
}

/** How far past `near` a line start is looked for; past a line this long the file is not split. */
const LOOK_AHEAD = 1024 * 1024;

/** The offset of the first line start after `near` (at most 1 MiB on), or undefined. */
export async function lineStartAfter(path: string, near: number): Promise<number | undefined> {
  const fh = await openRegular(path); // a FIFO is refused, never waited on; a link never followed
  try {
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (let at = near; at < near + LOOK_AHEAD; ) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, at);
      if (bytesRead === 0) return undefined;
      const nl = buf.subarray(0, bytesRead).indexOf(10);
      if (nl !== -1) return at + nl + 1;
      at += bytesRead;
    }
    return undefined;
  } finally {
    await fh.close();
  }
}
