/**
 * Finding the few lines of a large file that hold a byte string (a snapshot's id in a day's log),
 * read in chunks: memory is a chunk and the lines found, whatever the file's size.
 */
import { openRegular } from './regular.js';

const CHUNK = 1 << 20;

/** How linesContaining reads. */
export interface LinesContainingOptions {
  /**
   * Open through a symbolic link (default false: a link is no file, as none is found; day files and
   * packs' files forbid links, docs/FORMAT.md "Day files that are not regular files").
   */
  readonly followLinks?: boolean;
  /** Leave out a last line with no newline after it (a torn write is not a line of the log). Default false. */
  readonly terminatedOnly?: boolean;
  /** Give the file's first line as well (first), whether or not it holds a needle. Default false. */
  readonly withFirstLine?: boolean;
  /** Give the file's last line as well (last), whether or not it holds a needle. Default false. */
  readonly withLastLine?: boolean;
  /**
   * Leave out a found line that the terminated line right after it makes a recovered torn write
   * (docs/FORMAT.md "Torn lines and recovery", rule 4: never an event): `recovers(next, line,
   * offset)` is asked with that next line, the found line and the found line's byte offset in the file.
   */
  readonly recovers?: (next: Buffer, line: Buffer, offset: number) => boolean;
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
    // A FIFO day file is refused, never waited on; a link is never read through.
    fh = await openRegular(path, { followLinks: options.followLinks === true });
  } catch {
    return undefined;
  }
  const out: Buffer[] = [];
  const recovers = options.recovers;
  // A found line that ended the complete lines read so far: the line after it is not read yet.
  let open: { line: Buffer; offset: number } | undefined;
  try {
    // One buffer for the whole file: the line the last chunk ended in (not searched yet) at its
    // start, the next chunk read in after it. A new buffer a chunk (a concat of the carry and the chunk) made a large
    // file leave tens of MB of dead buffers behind for V8 to collect, and glibc kept their pages.
    let work = Buffer.allocUnsafe(2 * CHUNK);
    let carried = 0; // bytes of work before the chunk: the line the last chunk ended in
    let base = 0; // the file offset of data's first byte
    let first = options.withFirstLine === true;
    const withLast = options.withLastLine === true;
    // Whether out's last line is there only as the last line read so far (withLastLine): it goes when more lines come.
    let lastOnly = false;
    for (;;) {
      if (work.length - carried < CHUNK) work = grown(work, carried);
      const { bytesRead } = await fh.read(work, carried, CHUNK, null);
      const data = work.subarray(0, carried + bytesRead);
      const lastNl = bytesRead === 0 && options.terminatedOnly !== true ? data.length : data.lastIndexOf(0x0a) + 1;
      const whole = data.subarray(0, lastNl);
      // The first line is whole once a newline is read (or the file ends), never cut at a chunk's end.
      const withFirst = first && (whole.includes(0x0a) || bytesRead === 0) && whole.length > 0;
      if (withFirst) first = false;
      if (whole.length > 0) {
        const found = matchingLines(whole, needles, withFirst, withLast);
        if (lastOnly) out.pop();
        if (recovers !== undefined && open !== undefined) {
          const next = nextLine(whole, 0);
          const at = out.lastIndexOf(open.line);
          if (at !== -1 && next !== undefined && recovers(next, open.line, open.offset)) out.splice(at, 1);
          open = undefined;
        }
        for (const [s, e] of found.spans) {
          const line = Buffer.from(whole.subarray(s, e));
          out.push(line);
          if (recovers === undefined || e >= whole.length) continue;
          if (e + 1 === whole.length) {
            open = { line, offset: base + s };
            continue;
          }
          const next = nextLine(whole, e + 1);
          if (next !== undefined && recovers(next, line, base + s)) out.pop();
        }
        lastOnly = found.lastOnly;
      }
      if (bytesRead === 0) break;
      base += lastNl;
      data.copyWithin(0, lastNl);
      carried = data.length - lastNl;
    }
  } finally {
    await fh.close();
  }
  return out;
}

/** A buffer twice `work`'s size (a line longer than a chunk), holding its first `used` bytes. */
function grown(work: Buffer<ArrayBuffer>, used: number): Buffer<ArrayBuffer> {
  const bigger = Buffer.allocUnsafe(2 * work.length);
  work.copy(bigger, 0, 0, used);
  return bigger;
}

/**
 * Where the lines of `whole` (complete lines) holding any of `needles` (and its first line,
 * `withFirst`; its last line, `withLast`) start and end, each once, in order; `lastOnly` when the
 * last line is there for `withLast` alone.
 */
function matchingLines(
  whole: Buffer,
  needles: readonly Buffer[],
  withFirst: boolean,
  withLast: boolean,
): { spans: [number, number][]; lastOnly: boolean } {
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
  return { spans: starts.map((s) => [s, found.get(s) as number]), lastOnly };
}

/** The terminated line of `whole` starting at `s`, or undefined (none, or no newline after it). */
function nextLine(whole: Buffer, s: number): Buffer | undefined {
  const nl = whole.indexOf(0x0a, s);
  return nl === -1 ? undefined : whole.subarray(s, nl);
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
