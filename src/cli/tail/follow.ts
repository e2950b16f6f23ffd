/**
 * Reading the audit log as it grows, for `auditpack tail`: the last lines of a day's file, then
 * (following) every complete line appended, moving on to the next day's file when one appears at
 * UTC midnight. Read-only: the log is opened for reading and never locked, so the writers are not
 * slowed. Polling, not fs.watch: watch events are lost or merged on some file systems (NFS, overlay)
 * and a follower that silently stops is worse than one 200 ms late.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { dayOfLogFileName } from '../../rotation/index.js';

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
  partial: Buffer;
}

/**
 * Reads from the cursor to the end of its file, calling `onLine` for each complete line (without
 * its newline). An incomplete last line is held until its newline arrives: a writer mid-append is
 * never shown half a line.
 */
async function readOn(dir: string, cur: Cursor, onLine: (line: Buffer) => void): Promise<void> {
  const fh = await open(join(dir, cur.file), 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, cur.offset);
      if (bytesRead === 0) return;
      cur.offset += bytesRead;
      let data = Buffer.concat([cur.partial, buf.subarray(0, bytesRead)]);
      for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10)) {
        onLine(Buffer.from(data.subarray(0, nl)));
        data = data.subarray(nl + 1);
      }
      cur.partial = Buffer.from(data);
    }
  } finally {
    await fh.close();
  }
}

/** What `tail` asks of the log. */
export interface TailOptions {
  readonly logDir: string;
  /** The day file to start in (default: the newest). */
  readonly file?: string;
  /** How many of the last matching lines to show first; Infinity for all. */
  readonly lines: number;
  /** Which lines to show (the raw line as text; it may not be JSON). */
  readonly match: (line: string) => boolean;
  /** A line's bytes as they are in the file, without the newline. */
  readonly onLine: (line: Buffer) => void;
  /** Keep reading as the log grows, across midnight, until `signal` aborts. */
  readonly follow?: { readonly signal: AbortSignal; readonly pollMs: number };
}

/** Shows the last lines, then follows. Resolves when done (not following) or aborted. */
export async function tailLog(o: TailOptions): Promise<void> {
  const files = await dayFiles(o.logDir);
  const first = o.file ?? files.at(-1);
  if (first === undefined && o.follow === undefined) return;
  const cur: Cursor = { file: first ?? '', offset: 0, partial: Buffer.alloc(0) };
  if (first !== undefined) {
    const last: Buffer[] = [];
    await readOn(o.logDir, cur, (line) => {
      if (!o.match(line.toString('utf8'))) return;
      last.push(line);
      if (last.length > o.lines) last.shift();
    });
    for (const line of last) o.onLine(line);
  }
  if (o.follow !== undefined) await follow(o, cur, o.follow);
}

async function follow(o: TailOptions, cur: Cursor, f: NonNullable<TailOptions['follow']>): Promise<void> {
  const emit = (line: Buffer): void => {
    if (o.match(line.toString('utf8'))) o.onLine(line);
  };
  while (!f.signal.aborted) {
    if (cur.file !== '') {
      const size = (await stat(join(o.logDir, cur.file)).catch(() => undefined))?.size ?? cur.offset;
      // A file only grows; one that shrank was replaced (restored from a backup): start it again.
      if (size < cur.offset) Object.assign(cur, { offset: 0, partial: Buffer.alloc(0) });
      await readOn(o.logDir, cur, emit);
    }
    const next = (await dayFiles(o.logDir)).find((n) => cur.file === '' || isLaterDay(n, cur.file));
    if (next !== undefined) {
      // Midnight: the old day is complete; a fragment left at its end is shown as it is.
      if (cur.partial.length > 0) emit(cur.partial);
      Object.assign(cur, { file: next, offset: 0, partial: Buffer.alloc(0) });
      continue;
    }
    await sleep(f.pollMs, f.signal);
  }
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
