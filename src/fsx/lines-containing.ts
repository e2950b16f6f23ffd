/**
 * Finding the few lines of a large file that hold a byte string (a snapshot's id in a day's log),
 * read in chunks: memory is a chunk and the lines found, whatever the file's size.
 */
import { openRegular } from './regular.js';

const CHUNK = 1 << 20;

/** How linesContaining reads. */
export interface LinesContainingOptions {
  /** Open through a symbolic link (default true). */
  readonly followLinks?: boolean;
  /** Leave out a last line with no newline after it (a torn write is not a line of the log). Default false. */
  readonly terminatedOnly?: boolean;
  /** Give the file's first line as well (first), whether or not it holds a needle. Default false. */
  readonly withFirstLine?: boolean;
  /** Give the file's last line as well (last), whether or not it holds a needle. Default false. */
  readonly withLastLine?: boolean;
}

/**
 * The lines of a file holding `needle` (or any of several, in one pass: each line once, in the
 * file's order), without their newline; undefined when there is no such file (or it is not a
 * regular file). The search runs over whole chunks (`Buffer.indexOf`), so a file with no match
 * costs little more than reading it.
 */
export async function linesContaining(
  path: string,
  needle: Buffer | readonly Buffer[],
  options: LinesContainingOptions = {},
): Promise<Buffer[] | undefined> {
  const needles = Buffer.isBuffer(needle) ? [needle] : needle;
  let fh: Awaited<ReturnType<typeof openRegular>>;
  try {
    // A FIFO day file is refused, never waited on.
    fh = await openRegular(path, { followLinks: options.followLinks ?? true });
  } catch {
    return undefined;
  }
  const out: Buffer[] = [];
  try {
    let carry = Buffer.alloc(0);
    const buf = Buffer.allocUnsafe(CHUNK);
    let first = options.withFirstLine === true;
    const withLast = options.withLastLine === true;
    // Whether out's last line is there only as the last line read so far (withLastLine): it goes when more lines come.
    let lastOnly = false;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      const data = bytesRead === 0 ? carry : Buffer.concat([carry, buf.subarray(0, bytesRead)]);
      const lastNl = bytesRead === 0 && options.terminatedOnly !== true ? data.length : data.lastIndexOf(0x0a) + 1;
      const whole = data.subarray(0, lastNl);
      // The first line is whole once a newline is read (or the file ends), never cut at a chunk's end.
      const withFirst = first && (whole.includes(0x0a) || bytesRead === 0) && whole.length > 0;
      if (withFirst) first = false;
      if (whole.length > 0) {
        const found = matchingLines(whole, needles, withFirst, withLast);
        if (lastOnly) out.pop();
        out.push(...found.lines);
        lastOnly = found.lastOnly;
      }
      if (bytesRead === 0) break;
      carry = Buffer.from(data.subarray(lastNl));
    }
  } finally {
    await fh.close();
  }
  return out;
}

/**
 * The lines of `whole` (complete lines) holding any of `needles` (and its first line, `withFirst`;
 * its last line, `withLast`), each once, in order; `lastOnly` when the last line is there for
 * `withLast` alone.
 */
function matchingLines(
  whole: Buffer,
  needles: readonly Buffer[],
  withFirst: boolean,
  withLast: boolean,
): { lines: Buffer[]; lastOnly: boolean } {
  const found = new Map<number, number>();
  if (withFirst) {
    const nl = whole.indexOf(0x0a);
    found.set(0, nl === -1 ? whole.length : nl);
  }
  for (const needle of needles)
    for (let i = whole.indexOf(needle); i !== -1; ) {
      const s = whole.lastIndexOf(0x0a, i) + 1;
      const nl = whole.indexOf(0x0a, i);
      const e = nl === -1 ? whole.length : nl;
      found.set(s, e);
      i = whole.indexOf(needle, e);
    }
  let lastOnly = false;
  if (withLast) {
    const end = whole[whole.length - 1] === 0x0a ? whole.length - 1 : whole.length;
    const start = end === 0 ? 0 : whole.lastIndexOf(0x0a, end - 1) + 1;
    lastOnly = !found.has(start);
    found.set(start, end);
  }
  const starts = [...found.keys()];
  if (needles.length > 1 || withFirst || withLast) starts.sort((a, b) => a - b);
  return { lines: starts.map((s) => Buffer.from(whole.subarray(s, found.get(s)))), lastOnly };
}

/** A line parsed as a JSON object, or undefined. */
export function parseObjectLine(line: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(line.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
