/**
 * Reading the audit log as it grows, for `auditpack tail`: the last lines of a day's file, then
 * (following) every complete line appended, moving on to the next day's file when one appears at
 * UTC midnight. Read-only: the log is opened for reading and never locked, so the writers are not
 * slowed. Polling, not fs.watch: watch events are lost or merged on some file systems (NFS, overlay)
 * and a follower that silently stops is worse than one 200 ms late.
 */
import { constants as fsc } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_MAX_LINE_BYTES, linkRefused } from '../../chain/lines.js';
import { AuditpackError } from '../../errors.js';
import { dayOfLogFileName } from '../../rotation/index.js';
import { type GatedLine, type NotEvent, RecoveryGate } from './recovered.js';

const CHUNK = 1 << 16;

/** The day files in a logs directory, oldest first (only names the logger writes). */
export async function dayFiles(logDir: string): Promise<string[]> {
  const names = await readdir(logDir);
  return names
    .filter((n) => dayOfLogFileName(n) !== undefined)
    .sort((a, b) => (dayOfLogFileName(a) as number) - (dayOfLogFileName(b) as number));
}

/** Where a reader is in one file: the bytes read so far and an incomplete last line held back. */
interface Cursor {
  file: string;
  offset: number;
  /** The incomplete last line's parts (copies), at most `maxLineBytes` in all. */
  partial: Buffer[];
  partialBytes: number;
  /** Offset in the file where the incomplete last line starts. */
  lineStart: number;
  /** Offset where the last look at the file began reading. */
  lookStart: number;
  /** Inside a line over the bound: its bytes are dropped up to its newline. */
  skipping: boolean;
  /** The file was found removed (and said so): waiting for it to come back or a later day. */
  gone: boolean;
}

function cursorAt(file: string): Cursor {
  return { file, offset: 0, partial: [], partialBytes: 0, lineStart: 0, lookStart: 0, skipping: false, gone: false };
}

/** What a reader tells besides lines: something an operator must know, on stderr. */
export type TailNotice =
  | { readonly kind: 'line-too-long'; readonly file: string; readonly offset: number; readonly bound: number }
  | { readonly kind: 'file-removed'; readonly file: string }
  | { readonly kind: 'file-back'; readonly file: string }
  | { readonly kind: 'next-file'; readonly file: string; readonly from: string };

/** The reader's sinks and bound. */
interface Sinks {
  /** Every complete line, to learn whether the next recovers it (a torn write is never an event). */
  readonly gate: RecoveryGate;
  readonly onNotice: (n: TailNotice) => void;
  readonly maxLineBytes: number;
}

/**
 * Reads from the cursor to the end of its file, calling `onLine` for each complete line (without
 * its newline). An incomplete last line is held until its newline arrives: a writer mid-append is
 * never shown half a line. Held bytes are bounded: a line longer than any the logger writes is
 * reported once and dropped up to its newline, so a writer that never ends a line cannot grow the
 * follower's memory.
 */
async function readOn(dir: string, cur: Cursor, sinks: Sinks): Promise<void> {
  const path = join(dir, cur.file);
  // O_NONBLOCK: a FIFO in a day file's place opens at once and is refused, instead of blocking.
  // O_NOFOLLOW: a symbolic link at a day file's name is refused (ELOOP) like the writer, check and
  // export refuse it, never read through (it could point at a key); opened afresh at every look, so
  // a link swapped in while followed is refused too.
  const fh = await open(path, fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_NOFOLLOW).catch((err: unknown) => {
    throw linkRefused(err, path);
  });
  try {
    if (!(await fh.stat()).isFile())
      throw new AuditpackError('READ_FAILED', `${path} is not a regular file; not read`, {
        details: { path, errno: 'ENOTREG' },
      });
    const buf = Buffer.allocUnsafe(CHUNK);
    cur.lookStart = cur.offset;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, cur.offset);
      if (bytesRead === 0) return;
      splitChunk(cur, buf.subarray(0, bytesRead), sinks);
      cur.offset += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

/** Splits one chunk read at `cur.offset` into lines, keeping the incomplete rest within the bound. */
function splitChunk(cur: Cursor, data: Buffer, sinks: Sinks): void {
  let start = 0;
  for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, start)) {
    const len = cur.partialBytes + nl - start;
    if (!cur.skipping && len > sinks.maxLineBytes) tooLong(cur, sinks);
    if (!cur.skipping)
      sinks.gate.push(Buffer.concat([...cur.partial, data.subarray(start, nl)], len), cur.lineStart, cur.file);
    Object.assign(cur, { partial: [], partialBytes: 0, skipping: false, lineStart: cur.offset + nl + 1 });
    start = nl + 1;
  }
  if (cur.skipping || start === data.length) return;
  if (cur.partialBytes + data.length - start > sinks.maxLineBytes) return tooLong(cur, sinks);
  cur.partial.push(Buffer.from(data.subarray(start)));
  cur.partialBytes += data.length - start;
}

function tooLong(cur: Cursor, sinks: Sinks): void {
  sinks.onNotice({ kind: 'line-too-long', file: cur.file, offset: cur.lineStart, bound: sinks.maxLineBytes });
  Object.assign(cur, { partial: [], partialBytes: 0, skipping: true });
}

/** What `tail` asks of the log. */
export interface TailOptions {
  readonly logDir: string;
  /** The day file to start in (default: the newest). */
  readonly file?: string;
  /** How many of the last matching lines to show first; Infinity for all. */
  readonly lines: number;
  /**
   * Which lines to show (the raw line as text; it may not be JSON). `notEvent`: the line is never an
   * event (a recovered torn write, or a fragment left unterminated at the end of an earlier day's file).
   */
  readonly match: (line: string, notEvent?: NotEvent) => boolean;
  /** A line's bytes as they are in the file, without the newline; `notEvent` as for `match`. */
  readonly onLine: (line: Buffer, notEvent?: NotEvent) => void;
  /** What the operator must be told besides the lines (a line over the bound, a file removed). */
  readonly onNotice?: (n: TailNotice) => void;
  /** Lines longer than this are reported and not shown (default: the bound on a log line, 16 MiB). */
  readonly maxLineBytes?: number;
  /** Keep reading as the log grows, across midnight, until `signal` aborts. */
  readonly follow?: { readonly signal: AbortSignal; readonly pollMs: number };
}

/** Shows the last lines, then follows. Resolves when done (not following) or aborted. */
export async function tailLog(o: TailOptions): Promise<void> {
  const files = await dayFiles(o.logDir);
  const first = o.file ?? files.at(-1);
  if (first === undefined && o.follow === undefined) return;
  const cur = cursorAt(first ?? '');
  if (first !== undefined) {
    const last: [Buffer, NotEvent | undefined][] = [];
    const keep: GatedLine = (line, notEvent) => {
      if (!o.match(line.toString('utf8'), notEvent)) return;
      last.push([line, notEvent]);
      if (last.length > o.lines) last.shift();
    };
    const sinks = sinksOf(o, keep);
    await readOn(o.logDir, cur, sinks).catch((err: unknown) => {
      // Removed between the listing and the read: a follower waits for the next day, else say so.
      if (!isMissing(err) || o.follow === undefined) throw err;
      sinks.onNotice({ kind: 'file-removed', file: cur.file });
      cur.gone = true;
    });
    // The last line read has no line after it yet: a follower shows it now all the same (a torn
    // fragment's "\n" comes in the same write as its recovery).
    sinks.gate.flush();
    // A fragment at the end of a day file that a later day's file follows stays unterminated for ever.
    if (cur.partialBytes > 0 && (await dayFiles(o.logDir).catch(() => [])).some((n) => isLaterDay(n, cur.file))) {
      keep(Buffer.concat(cur.partial, cur.partialBytes), 'unterminated');
      Object.assign(cur, { partial: [], partialBytes: 0, lineStart: cur.offset }); // shown once: not again at the move on
    }
    for (const [line, notEvent] of last) o.onLine(line, notEvent);
  }
  if (o.follow !== undefined) await follow(o, cur, o.follow);
}

function sinksOf(o: TailOptions, onLine: GatedLine): Sinks {
  return {
    gate: new RecoveryGate(onLine),
    onNotice: o.onNotice ?? (() => {}),
    maxLineBytes: o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
  };
}

/**
 * Follows the log: the current file as it grows, then each later day's file. A followed file that
 * is removed (pruned, moved away) is said once, and following goes on with the next day's file when
 * one exists or appears; one put back is read on (from its start, if it shrank).
 */
async function follow(o: TailOptions, cur: Cursor, f: NonNullable<TailOptions['follow']>): Promise<void> {
  const show: GatedLine = (line, notEvent) => {
    if (o.match(line.toString('utf8'), notEvent)) o.onLine(line, notEvent);
  };
  const sinks = sinksOf(o, show);
  while (!f.signal.aborted) {
    if (cur.file !== '') {
      await readCurrent(o.logDir, cur, sinks);
      sinks.gate.endLook(cur.lookStart);
    }
    const next = (await dayFilesWhileFollowing(o.logDir)).find((n) => cur.file === '' || isLaterDay(n, cur.file));
    if (next !== undefined) {
      // Midnight: the old day is complete; a fragment left at its end is never an event (no
      // recovery follows it there: a writer recovers the newest day file's tail).
      sinks.gate.flush();
      if (cur.partialBytes > 0) show(Buffer.concat(cur.partial, cur.partialBytes), 'unterminated');
      if (cur.gone) sinks.onNotice({ kind: 'next-file', file: next, from: cur.file });
      Object.assign(cur, cursorAt(next));
      continue;
    }
    await sleep(f.pollMs, f.signal);
  }
}

/** One look at the followed file: new lines, or that it is gone (or back). */
async function readCurrent(dir: string, cur: Cursor, sinks: Sinks): Promise<void> {
  // lstat: a dangling link is not "removed"; readOn refuses any link.
  const st = await lstat(join(dir, cur.file)).catch((err: unknown) => {
    if (isMissing(err)) return undefined;
    throw err;
  });
  if (st === undefined) {
    if (!cur.gone) sinks.onNotice({ kind: 'file-removed', file: cur.file });
    cur.gone = true;
    return;
  }
  if (cur.gone) sinks.onNotice({ kind: 'file-back', file: cur.file });
  cur.gone = false;
  // A file only grows; one that shrank was replaced (restored from a backup): start it again.
  if (st.size < cur.offset) {
    sinks.gate.flush();
    Object.assign(cur, cursorAt(cur.file));
  }
  await readOn(dir, cur, sinks).catch((err: unknown) => {
    if (!isMissing(err)) throw err;
  });
}

/** The day files, or LOGS_DIR_MISSING when the logs directory itself went away while followed. */
async function dayFilesWhileFollowing(logDir: string): Promise<string[]> {
  try {
    return await dayFiles(logDir);
  } catch (err) {
    if (!isMissing(err)) throw err;
    throw new AuditpackError('LOGS_DIR_MISSING', `the logs directory ${logDir} was removed while it was followed`, {
      details: { path: logDir },
    });
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function isLaterDay(a: string, b: string): boolean {
  return (dayOfLogFileName(a) as number) > (dayOfLogFileName(b) as number);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
